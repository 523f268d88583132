//! Who is calling, as axum extractors, so a handler's signature says who
//! may call it: [`Device`] for the device routes (refusals in CBOR),
//! [`Reader`] for the JSON routes (refusals in JSON), both with the token in
//! `Authorization: Bearer` and never in a URL, where it would end up in logs
//! and histories; and [`FeedClient`] for the feed WebSocket, which also
//! takes a single-use ticket (`crate::http::tickets`) in the query, since
//! a browser cannot set headers on a WebSocket. A handler that must drain
//! the body of a refused request takes `Result<Device, ApiError>`.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::Utc;
use serde::Deserialize;
use stairwell_core::sync::judge::Author;

use crate::accounts;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::tickets;

/// A device's request, with the author behind its token.
#[derive(Debug, Clone)]
pub struct Device(pub Author);

/// A request to a route a browser or a script reads.
#[derive(Debug, Clone)]
pub struct Reader(pub Author);

/// A feed WebSocket's client: by the token in the header, or by a
/// single-use ticket in the query (a browser cannot set the header).
#[derive(Debug, Clone)]
pub struct FeedClient(pub Author);

#[derive(Debug, Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
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
        Device::from_request_parts(parts, state)
            .await
            .map(|Device(author)| Reader(author))
            .map_err(ApiError::json)
    }
}

impl FromRequestParts<Arc<AppState>> for FeedClient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if accounts::bearer_token(&parts.headers).is_some() {
            return Reader::from_request_parts(parts, state)
                .await
                .map(|Reader(author)| FeedClient(author));
        }
        let ticket = Query::<TicketQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|Query(query)| query.ticket)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "send the device token as `Authorization: Bearer`, or a ticket from \
                     POST /v1/feed/ticket as `?ticket=`",
                )
                .json()
            })?;
        let storage = state.storage.clone();
        let ticket = ticket.trim().to_owned();
        tokio::task::spawn_blocking(move || tickets::redeem(&*storage, &ticket, Utc::now()))
            .await
            .map_err(|err| ApiError::internal(err).json())?
            .map_err(|err| ApiError::internal(err).json())?
            .map(FeedClient)
            .ok_or_else(|| ApiError::unauthorized("the ticket is unknown, used or expired").json())
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
