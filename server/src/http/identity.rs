//! `GET /v1/me`: who a device token speaks for (user, role, device id and
//! the estates with their time zones). A device asks once when it enrolls,
//! so it can stamp its edits and compute deadlines while offline.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stairwell_core::protocol::{EstateInfo, Identity};
use stairwell_core::sync::judge::Author;

use crate::http::auth::Device;
use crate::http::error::{ApiError, cbor};
use crate::http::state::AppState;
use crate::store::{Storage, StorageError};

pub async fn identity(State(state): State<Arc<AppState>>, Device(author): Device) -> Response {
    let storage = state.storage.clone();
    let max_blob_bytes = state.limits.max_blob_bytes;
    let found =
        tokio::task::spawn_blocking(move || describe(&*storage, &author, max_blob_bytes)).await;
    match found {
        Ok(Ok(identity)) => cbor(StatusCode::OK, &identity),
        Ok(Err(err)) => ApiError::internal(err).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

pub(crate) fn describe(
    storage: &dyn Storage,
    author: &Author,
    max_blob_bytes: u64,
) -> Result<Identity, StorageError> {
    let mut estates = Vec::with_capacity(author.estates.len());
    for id in &author.estates {
        if let Some(estate) = storage.estate(id)? {
            estates.push(EstateInfo {
                id: estate.id,
                name: estate.name,
                time_zone: estate.tz.name().to_owned(),
            });
        }
    }
    Ok(Identity {
        name: storage
            .user_name(&author.user)?
            .unwrap_or_else(|| author.user.clone()),
        user: author.user.clone(),
        role: author.role,
        device: author.device.clone(),
        estates,
        max_blob_bytes,
    })
}
