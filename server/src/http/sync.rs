//! `POST /v1/sync`: one round trip of the protocol. Authenticate the token,
//! read the body within the limit, decode it, hand the pushed records to the
//! writer (answered only once durable), then read the feed after the
//! device's cursor. Any whole-request failure is answered with a CBOR
//! [`ErrorBody`] and changes nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Deserialize;
use stairwell_core::protocol::{
    self, CONTENT_TYPE, ErrorBody, ErrorCode, PROTOCOL_VERSION, PushedRecord, Refused, SyncRequest,
    SyncResponse,
};
use stairwell_core::sync::judge::{self, Author};

use crate::accounts;
use crate::engine::feed;
use crate::engine::writer::{Echo, PushOutcome};
use crate::http::state::AppState;

/// After refusing a body, read on at most this much so the client sees the
/// answer instead of a reset connection; beyond it, the connection closes.
pub(crate) const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// A whole-request failure, answered as a CBOR [`ErrorBody`].
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    body: ErrorBody,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
            },
        }
    }

    fn unauthorized(message: &str) -> Self {
        Failure::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub(crate) fn too_large(message: String) -> Self {
        Failure::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, message)
    }

    pub(crate) fn malformed(message: String) -> Self {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedRequest,
            message,
        )
    }

    pub(crate) fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "sync failed");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; nothing of this request was stored",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        cbor(self.status, &self.body)
    }
}

pub fn cbor<T: serde::Serialize>(status: StatusCode, message: &T) -> Response {
    let mut response = (status, protocol::encode(message)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

pub async fn sync(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    match handle(&state, &headers, body).await {
        Ok(response) => cbor(StatusCode::OK, &response),
        Err(failure) => {
            tracing::info!(
                status = failure.status.as_u16(),
                reason = %failure.body.message,
                "sync request refused"
            );
            failure.into_response()
        }
    }
}

async fn handle(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    body: Body,
) -> Result<SyncResponse, Failure> {
    let author = match authenticate(state, headers).await {
        Ok(author) => author,
        Err(failure) => {
            drain(body, DRAIN_LIMIT).await;
            return Err(failure);
        }
    };
    let bytes = read_body(body, state.limits.max_body_bytes).await?;
    let request = decode_request(&bytes)?;
    if request.push.len() > state.limits.max_push_records {
        return Err(Failure::too_large(format!(
            "{} records pushed at once; the limit is {}",
            request.push.len(),
            state.limits.max_push_records
        )));
    }
    let pushed = request.push.len();
    let (push, refused) = precheck(state, request.push).await?;
    let mut outcome = if push.is_empty() {
        PushOutcome::default()
    } else {
        state
            .writer
            .push(author.clone(), push)
            .await
            .map_err(Failure::internal)?
    };
    for refusal in &refused {
        state.metrics.refused(refusal.code);
        tracing::info!(
            record = %refusal.id,
            code = refusal.code.as_str(),
            user = %author.user,
            device = %author.device,
            reason = %refusal.message,
            "push refused"
        );
    }
    outcome.refused.extend(refused);
    let pulled = pull(
        state,
        &author,
        (request.cursor, request.max_records),
        outcome.echoes,
    )
    .await?;
    state.metrics.pulled(pulled.records.len() as u64);
    tracing::info!(
        user = %author.user,
        device = %author.device,
        pushed,
        accepted = outcome.accepted.len(),
        refused = outcome.refused.len(),
        pulled = pulled.records.len(),
        cursor = pulled.cursor,
        "sync"
    );
    Ok(SyncResponse {
        version: PROTOCOL_VERSION,
        cursor: pulled.cursor,
        more: pulled.more,
        accepted: outcome.accepted,
        refused: outcome.refused,
        records: pulled.records,
    })
}

/// Looks at every pushed record's size before the writer does (see
/// [`stairwell_core::sync::judge::precheck`]), on a blocking thread: a
/// record that could only pass its limits is refused here, and the writer
/// never spends its time on it.
async fn precheck(
    state: &Arc<AppState>,
    records: Vec<PushedRecord>,
) -> Result<(Vec<PushedRecord>, Vec<Refused>), Failure> {
    let limits = state.limits.record;
    tokio::task::spawn_blocking(move || {
        let mut refused = Vec::new();
        let kept = records
            .into_iter()
            .filter(|record| match judge::precheck(&record.changes, &limits) {
                Ok(()) => true,
                Err((code, message)) => {
                    refused.push(Refused {
                        id: record.id.clone(),
                        code,
                        message,
                    });
                    false
                }
            })
            .collect();
        (kept, refused)
    })
    .await
    .map_err(Failure::internal)
}

pub(crate) async fn authenticate(
    state: &Arc<AppState>,
    headers: &HeaderMap,
) -> Result<Author, Failure> {
    let token = accounts::bearer_token(headers)
        .ok_or_else(|| Failure::unauthorized("send the device token as `Authorization: Bearer`"))?
        .to_owned();
    let storage = state.storage.clone();
    let found = tokio::task::spawn_blocking(move || accounts::authenticate(&*storage, &token))
        .await
        .map_err(Failure::internal)?
        .map_err(Failure::internal)?;
    found.ok_or_else(|| Failure::unauthorized("the device token is unknown or revoked"))
}

async fn pull(
    state: &Arc<AppState>,
    author: &Author,
    (cursor, max_records): (u64, u32),
    echoes: Vec<Echo>,
) -> Result<feed::Pulled, Failure> {
    let storage = state.storage.clone();
    let author = author.clone();
    let server_max = state.limits.max_pull_records;
    tokio::task::spawn_blocking(move || {
        feed::pull(&*storage, &author, cursor, max_records, server_max, &echoes)
    })
    .await
    .map_err(Failure::internal)?
    .map_err(Failure::internal)
}

/// Reads the whole body, refusing it as soon as it passes `limit`.
pub(crate) async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|err| Failure::malformed(format!("the body could not be read: {err}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > limit {
            drain(body, DRAIN_LIMIT).await;
            return Err(Failure::too_large(format!(
                "the request body is over the limit of {limit} bytes"
            )));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

pub(crate) async fn drain(mut body: Body, limit: usize) {
    let mut read = 0;
    while read < limit {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => return,
        }
    }
}

/// Only the version, read first so a request of another version is told
/// so even when the rest of its shape differs.
#[derive(Deserialize)]
struct Envelope {
    version: u32,
}

fn decode_request(bytes: &[u8]) -> Result<SyncRequest, Failure> {
    let envelope: Envelope = protocol::decode(bytes).map_err(Failure::malformed)?;
    if envelope.version != PROTOCOL_VERSION {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedVersion,
            format!(
                "protocol version {} is not spoken here; this server speaks {PROTOCOL_VERSION}",
                envelope.version
            ),
        ));
    }
    protocol::decode(bytes).map_err(Failure::malformed)
}
