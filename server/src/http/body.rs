//! Request bodies under a limit: read whole up to it, and past it (or after
//! a refusal) read on a bounded amount so the client sees the answer
//! instead of a reset connection. A body that grows past 1 MiB must also
//! hold one of a few large-body slots until its request is answered, so
//! many clients sending 32 MiB at once cannot fill the server's memory.

use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::http::error::ApiError;

/// Bodies up to this size need no slot: every sync of a day's work and
/// every phone-sized blob chunk fits.
pub(crate) const LARGE_BODY_BYTES: usize = 1024 * 1024;

/// Seconds a client refused a slot is told to wait.
const BUSY_RETRY_SECS: u64 = 5;

/// The slots that large request bodies share.
#[derive(Debug, Clone)]
pub struct LargeBodies {
    slots: Arc<Semaphore>,
    count: usize,
}

impl LargeBodies {
    pub fn new(count: usize) -> Self {
        LargeBodies {
            slots: Arc::new(Semaphore::new(count)),
            count,
        }
    }

    fn take(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.slots.clone().try_acquire_owned().map_err(|_| {
            ApiError::busy(
                format!(
                    "the server is reading {} large requests already; try again shortly",
                    self.count
                ),
                BUSY_RETRY_SECS,
            )
        })
    }
}

impl Default for LargeBodies {
    /// Eight at once: 256 MiB of 32 MiB bodies at most.
    fn default() -> Self {
        LargeBodies::new(8)
    }
}

/// A body read whole; a large one keeps its slot until this is dropped.
#[derive(Debug)]
pub(crate) struct ReadBody {
    pub bytes: Vec<u8>,
    _slot: Option<OwnedSemaphorePermit>,
}

impl std::ops::Deref for ReadBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// After refusing a body, read on at most this much; beyond it, the
/// connection closes.
pub(crate) const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Reads the whole body, refusing it as soon as it passes `limit`.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    large: &LargeBodies,
) -> Result<ReadBody, ApiError> {
    read_limited(body, limit, large, || {
        ApiError::too_large(format!(
            "the request body is over the limit of {limit} bytes"
        ))
    })
    .await
}

/// Reads the whole body; past `limit` it is refused with `over()`, and
/// past [`LARGE_BODY_BYTES`] it waits for nothing: it takes a large-body
/// slot or is refused as busy.
pub(crate) async fn read_limited(
    mut body: Body,
    limit: usize,
    large: &LargeBodies,
    over: impl FnOnce() -> ApiError,
) -> Result<ReadBody, ApiError> {
    let mut bytes = Vec::new();
    let mut slot = None;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|err| ApiError::malformed(format!("the body could not be read: {err}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let total = bytes.len() + data.len();
        if total > limit {
            drain(body, DRAIN_LIMIT).await;
            return Err(over());
        }
        if total > LARGE_BODY_BYTES && slot.is_none() {
            match large.take() {
                Ok(taken) => slot = Some(taken),
                Err(busy) => {
                    drain(body, DRAIN_LIMIT).await;
                    return Err(busy);
                }
            }
        }
        bytes.extend_from_slice(&data);
    }
    Ok(ReadBody { bytes, _slot: slot })
}

/// Reads and drops at most `limit` bytes of what is left of the body.
pub(crate) async fn drain(mut body: Body, limit: usize) {
    let mut read = 0;
    while read < limit {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => return,
        }
    }
}

/// The body when the request was let in; drained, and the refusal
/// returned, when it was not.
pub(crate) async fn unless_refused<T>(
    admitted: Result<T, ApiError>,
    body: Body,
) -> Result<(T, Body), ApiError> {
    match admitted {
        Ok(value) => Ok((value, body)),
        Err(refusal) => {
            drain(body, DRAIN_LIMIT).await;
            Err(refusal)
        }
    }
}
