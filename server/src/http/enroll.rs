//! `POST /v1/enroll`: a phone exchanges a one-time code the office issued
//! (`stairwell admin device issue --user U --code`) for its own device
//! token, made here and sent only to it, with the identity `GET /v1/me`
//! would give. A wrong, used or expired code is refused with its reason
//! (400); guessing is held back per client address by the same guard as
//! console sign-ins: past a few failures each try waits, 429 with
//! `Retry-After`, without looking at the code.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use stairwell_core::protocol::{
    EnrollRequest, EnrollResponse, ErrorCode, PROTOCOL_VERSION, decode,
};

use crate::accounts::codes::redeem_code;
use crate::accounts::sign_in::Refusal;
use crate::http::error::{ApiError, cbor};
use crate::http::state::AppState;

/// The largest enrollment request read.
pub const MAX_ENROLL_BYTES: usize = 1024;

pub async fn enroll(
    State(state): State<Arc<AppState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    match exchange(&state, client, &body).await {
        Ok(response) => cbor(StatusCode::OK, &response),
        Err(err) => err.into_response(),
    }
}

async fn exchange(
    state: &Arc<AppState>,
    client: SocketAddr,
    body: &[u8],
) -> Result<EnrollResponse, ApiError> {
    if body.len() > MAX_ENROLL_BYTES {
        return Err(ApiError::too_large(format!(
            "an enrollment request is at most {MAX_ENROLL_BYTES} bytes"
        )));
    }
    let request: EnrollRequest = decode(body).map_err(ApiError::malformed)?;
    // Keyed by the address alone: a guesser's failures hold back only its
    // own tries, never another phone's enrollment.
    let address = client.ip();
    let guard = format!("enrollment code from {address}");
    if let Err(refusal) = state.sign_in.may_try(&guard, address).await {
        return Err(throttled(refusal));
    }
    let storage = state.storage.clone();
    let code = request.code.clone();
    let redeemed = tokio::task::spawn_blocking(move || redeem_code(&*storage, &code, Utc::now()))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let device = match redeemed {
        Ok(device) => device,
        Err(refusal) => {
            state.sign_in.failed(&guard, address).await;
            tracing::info!(%address, %refusal, "enrollment code refused");
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadCode,
                refusal.to_string(),
            ));
        }
    };
    state.sign_in.succeeded(&guard).await;
    let storage = state.storage.clone();
    let max_blob_bytes = state.limits.max_blob_bytes;
    let token = device.token.clone();
    let identity = tokio::task::spawn_blocking(move || {
        let author = storage
            .author_for_token(&crate::accounts::token_hash(&token))?
            .ok_or_else(|| crate::store::StorageError::NotFound("the new device".into()))?;
        crate::http::identity::describe(&*storage, &author, max_blob_bytes)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    tracing::info!(device = %device.id, user = %device.user, "device enrolled by code");
    Ok(EnrollResponse {
        version: PROTOCOL_VERSION,
        token: device.token,
        identity,
    })
}

fn throttled(refusal: Refusal) -> ApiError {
    let wait = match refusal {
        Refusal::Wait(wait) => wait.as_secs().max(1),
        Refusal::Busy => 1,
    };
    ApiError::too_many_tries(
        format!("too many wrong enrollment codes from here: try again in {wait} s"),
        wait,
    )
}
