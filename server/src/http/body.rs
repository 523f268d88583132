//! Request bodies under a limit: read whole up to it, and past it (or after
//! a refusal) read on a bounded amount so the client sees the answer
//! instead of a reset connection.

use axum::body::Body;
use http_body_util::BodyExt;

use crate::http::error::ApiError;

/// After refusing a body, read on at most this much; beyond it, the
/// connection closes.
pub(crate) const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Reads the whole body, refusing it as soon as it passes `limit`.
pub(crate) async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|err| ApiError::malformed(format!("the body could not be read: {err}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > limit {
            drain(body, DRAIN_LIMIT).await;
            return Err(ApiError::too_large(format!(
                "the request body is over the limit of {limit} bytes"
            )));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
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
