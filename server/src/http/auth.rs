//! Who is calling, as axum extractors, so a handler's signature says who
//! may call it: [`Device`] for the device routes (the token in
//! `Authorization: Bearer`, refusals in CBOR) and [`Reader`] for the
//! routes a browser reaches (the header, or `?token=` where a browser
//! cannot set headers; refusals in JSON). A handler that must drain the
//! body of a refused request takes `Result<Device, ApiError>`.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::Deserialize;
use stairwell_core::sync::judge::Author;

use crate::accounts;
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// A device's request, with the author behind its token.
#[derive(Debug, Clone)]
pub struct Device(pub Author);

/// A request to a route a browser or a script reads.
#[derive(Debug, Clone)]
pub struct Reader(pub Author);

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

impl FromRequestParts<Arc<AppState>> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = accounts::bearer_token(&parts.headers)
            .ok_or_else(|| {
                ApiError::unauthorized("send the device token as `Authorization: Bearer`")
            })?
            .to_owned();
        author(state, token).await.map(Device)
    }
}

impl FromRequestParts<Arc<AppState>> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let query = Query::<TokenQuery>::try_from_uri(&parts.uri)
            .map(|Query(query)| query.token)
            .unwrap_or_default();
        let token = accounts::bearer_token(&parts.headers)
            .map(str::to_owned)
            .or(query.filter(|token| !token.trim().is_empty()))
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "send the device token as `Authorization: Bearer` or `?token=`",
                )
                .json()
            })?;
        author(state, token.trim().to_owned())
            .await
            .map(Reader)
            .map_err(ApiError::json)
    }
}

/// The author behind a live token, looked up off the async runtime.
async fn author(state: &Arc<AppState>, token: String) -> Result<Author, ApiError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || accounts::authenticate(&*storage, &token))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::unauthorized("the device token is unknown or revoked"))
}
