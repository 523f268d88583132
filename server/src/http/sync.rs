//! `POST /v1/sync`: one round trip of the protocol. Authenticate the token,
//! read the body within the limit, decode it, hand the pushed records to the
//! writer (answered only once durable), then read the feed after the
//! device's cursor. Any whole-request failure is answered with a CBOR
//! [`ErrorBody`](stairwell_core::protocol::ErrorBody) and changes nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stairwell_core::protocol::{
    self, ErrorCode, PROTOCOL_VERSION, PushedRecord, Refused, SyncRequest, SyncResponse,
};
use stairwell_core::sync::judge::{self, Author};

use crate::engine::feed;
use crate::engine::writer::{Echo, PushOutcome};
use crate::http::auth::Device;
use crate::http::body::{read_body, unless_refused};
use crate::http::error::{ApiError, cbor};
use crate::http::state::AppState;

pub async fn sync(
    State(state): State<Arc<AppState>>,
    device: Result<Device, ApiError>,
    body: Body,
) -> Response {
    match handle(&state, device, body).await {
        Ok(response) => cbor(StatusCode::OK, &response),
        Err(failure) => {
            tracing::info!(
                status = failure.status().as_u16(),
                reason = %failure.message(),
                "sync request refused"
            );
            failure.into_response()
        }
    }
}

/// Writes the device's last sync, at most once a minute, off the request.
fn note_seen(state: &Arc<AppState>, device: &str) {
    if !state.last_seen.due(device, std::time::Instant::now()) {
        return;
    }
    let (storage, device) = (state.storage.clone(), device.to_owned());
    tokio::task::spawn_blocking(move || {
        if let Err(err) = storage.accounts().device_seen(&device, chrono::Utc::now()) {
            tracing::warn!(%device, error = %err, "could not note the device's last sync");
        }
    });
}

async fn handle(
    state: &Arc<AppState>,
    device: Result<Device, ApiError>,
    body: Body,
) -> Result<SyncResponse, ApiError> {
    let (Device(author), body) = unless_refused(device, body).await?;
    note_seen(state, &author.device);
    let bytes = read_body(body, state.limits.max_body_bytes, &state.large_bodies).await?;
    let request = decode_request(&bytes)?;
    if request.push.len() > state.limits.max_push_records {
        return Err(ApiError::too_large(format!(
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
            .map_err(ApiError::internal)?
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
) -> Result<(Vec<PushedRecord>, Vec<Refused>), ApiError> {
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
    .map_err(ApiError::internal)
}

async fn pull(
    state: &Arc<AppState>,
    author: &Author,
    (cursor, max_records): (u64, u32),
    echoes: Vec<Echo>,
) -> Result<feed::Pulled, ApiError> {
    let storage = state.storage.clone();
    let author = author.clone();
    let server_max = state.limits.max_pull_records;
    tokio::task::spawn_blocking(move || {
        feed::pull(&*storage, &author, cursor, max_records, server_max, &echoes)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Only the version, read first so a request of another version is told
/// so even when the rest of its shape differs.
#[derive(Deserialize)]
struct Envelope {
    version: u32,
}

fn decode_request(bytes: &[u8]) -> Result<SyncRequest, ApiError> {
    let envelope: Envelope = protocol::decode(bytes).map_err(ApiError::malformed)?;
    if envelope.version != PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedVersion,
            format!(
                "protocol version {} is not spoken here; this server speaks {PROTOCOL_VERSION}",
                envelope.version
            ),
        ));
    }
    protocol::decode(bytes).map_err(ApiError::malformed)
}
