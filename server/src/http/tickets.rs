//! Short-lived, single-use tickets for the feed WebSocket. A browser cannot
//! set headers on a WebSocket, and a token in a URL ends up in logs and
//! histories; so a client asks `POST /v1/feed/ticket` with its token in the
//! header and opens the socket with `?ticket=`. A ticket opens one socket,
//! within 30 seconds, on any server sharing the storage (behind a load
//! balancer the two requests may reach different replicas); only its
//! SHA-256 is kept, with the author it speaks for.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stairwell_core::record::Role;
use stairwell_core::sync::judge::Author;

use crate::accounts;
use crate::store::{Storage, StorageError};

/// How long a ticket may wait to be used.
pub const TICKET_TTL: Duration = Duration::from_secs(30);

/// What a ticket carries: the author it opens a socket for.
#[derive(Debug, Serialize, Deserialize)]
struct Carried {
    user: String,
    device: String,
    role: Role,
    estates: Vec<String>,
}

/// A new ticket for `author`, issued at `now`.
pub fn issue(
    storage: &dyn Storage,
    author: &Author,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let ticket = format!("swt_{}", hex::encode(accounts::random_bytes::<24>()?));
    let carried = Carried {
        user: author.user.clone(),
        device: author.device.clone(),
        role: author.role,
        estates: author.estates.clone(),
    };
    let payload =
        serde_json::to_string(&carried).map_err(|err| StorageError::Backend(Box::new(err)))?;
    let expires = now + chrono::Duration::from_std(TICKET_TTL).unwrap_or_default();
    storage
        .guards()
        .put_once(&accounts::token_hash(&ticket), &payload, expires)?;
    Ok(ticket)
}

/// The author a ticket was issued to, once: a used, expired or unknown
/// ticket is `None`.
pub fn redeem(
    storage: &dyn Storage,
    ticket: &str,
    now: DateTime<Utc>,
) -> Result<Option<Author>, StorageError> {
    let Some(payload) = storage
        .guards()
        .take_once(&accounts::token_hash(ticket), now)?
    else {
        return Ok(None);
    };
    let carried: Carried = serde_json::from_str(&payload)
        .map_err(|err| StorageError::Damaged(format!("a feed ticket: {err}")))?;
    Ok(Some(Author {
        user: carried.user,
        device: carried.device,
        role: carried.role,
        estates: carried.estates,
    }))
}
