//! Short-lived, single-use tickets for the feed WebSocket. A browser cannot
//! set headers on a WebSocket, and a token in a URL ends up in logs and
//! histories; so a client asks `POST /v1/feed/ticket` with its token in the
//! header and opens the socket with `?ticket=`. A ticket opens one socket,
//! within 30 seconds, on the replica that issued it; only its SHA-256 is
//! kept, so it is found by lookup, never compared by hand.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use stairwell_core::sync::judge::Author;

use crate::accounts;

/// How long a ticket may wait to be used.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Tickets outstanding at most; past it, issuing waits for some to expire.
const MAX_OUTSTANDING: usize = 10_000;

/// The tickets issued and not yet used.
#[derive(Debug, Default)]
pub struct Tickets {
    outstanding: Mutex<HashMap<String, (Author, Instant)>>,
}

/// Why no ticket was issued.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("too many feed tickets are outstanding; try again in a few seconds")]
    Full,
    #[error("no randomness: {0}")]
    Random(#[from] getrandom::Error),
}

impl Tickets {
    /// A new ticket for `author`.
    pub fn issue(&self, author: Author, now: Instant) -> Result<String, TicketError> {
        let ticket = format!("swt_{}", hex::encode(accounts::random_bytes::<24>()?));
        let mut outstanding = self.lock();
        outstanding.retain(|_, (_, issued)| now.duration_since(*issued) < TICKET_TTL);
        if outstanding.len() >= MAX_OUTSTANDING {
            return Err(TicketError::Full);
        }
        outstanding.insert(accounts::token_hash(&ticket), (author, now));
        Ok(ticket)
    }

    /// The author a ticket was issued to, once: a used or expired ticket
    /// is `None`.
    pub fn redeem(&self, ticket: &str, now: Instant) -> Option<Author> {
        let (author, issued) = self.lock().remove(&accounts::token_hash(ticket))?;
        (now.duration_since(issued) < TICKET_TTL).then_some(author)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Author, Instant)>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.outstanding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
