//! The HTTP driver of the sync session: the one transport the field command
//! line, the mobile bindings and the end-to-end tests all use. It only moves
//! bytes; every decision is the session's.

use std::time::Duration;

use super::protocol::{CONTENT_TYPE, ErrorBody, IDENTITY_PATH, Identity, SYNC_PATH, decode};
use super::session::{SyncError, SyncSession, SyncStats};
use crate::store::{Enrollment, Store};

/// Largest response read, far above a batch of records.
const MAX_RESPONSE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a sync over HTTP stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("could not reach the server: {0}")]
    Unreachable(String),
    /// The server refused the whole request (bad token, too large...).
    #[error("the server refused the sync ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("sync cancelled")]
    Cancelled,
}

/// Asks the server who `token` speaks for and keeps the answer in the
/// store, with the server's address and the token, for later syncs.
pub fn enroll(store: &mut Store, base_url: &str, token: &str) -> Result<Identity, TransportError> {
    let url = format!("{}{IDENTITY_PATH}", base_url.trim_end_matches('/'));
    let mut response = agent()
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|err| TransportError::Unreachable(err.to_string()))?;
    let bytes = read_body(&mut response)?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(refusal(status, &bytes));
    }
    let identity: Identity = decode(&bytes).map_err(SyncError::BadResponse)?;
    let enrollment = Enrollment {
        server_url: base_url.trim_end_matches('/').to_owned(),
        token: token.to_owned(),
        identity: identity.clone(),
    };
    store.enroll(&enrollment).map_err(SyncError::from)?;
    Ok(identity)
}

/// Syncs `store` with the server at `base_url` (e.g. `http://127.0.0.1:7878`).
/// `on_progress` sees the figures after each round trip and returns `false`
/// to cancel; what was stored by then stays stored.
pub fn sync(
    store: &mut Store,
    base_url: &str,
    token: &str,
    mut on_progress: impl FnMut(&SyncStats) -> bool,
) -> Result<SyncStats, TransportError> {
    let agent = agent();
    let url = format!("{}{SYNC_PATH}", base_url.trim_end_matches('/'));
    let mut session = SyncSession::new(store)?;
    while let Some(body) = session.next_request(store)? {
        let response = post(&agent, &url, token, &body)?;
        let stats = session.handle_response(store, &response)?;
        if !on_progress(stats) {
            return Err(TransportError::Cancelled);
        }
    }
    Ok(session.stats().clone())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    body: &[u8],
) -> Result<Vec<u8>, TransportError> {
    let mut response = agent
        .post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .content_type(CONTENT_TYPE)
        .send(body)
        .map_err(|err| TransportError::Unreachable(err.to_string()))?;
    let bytes = read_body(&mut response)?;
    match response.status().as_u16() {
        200 => Ok(bytes),
        status => Err(refusal(status, &bytes)),
    }
}

fn read_body(response: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, TransportError> {
    response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|err| TransportError::Unreachable(err.to_string()))
}

/// The server's reason for refusing a whole request, from its error body.
fn refusal(status: u16, body: &[u8]) -> TransportError {
    let message = decode::<ErrorBody>(body)
        .map(|error| error.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    TransportError::Refused { status, message }
}
