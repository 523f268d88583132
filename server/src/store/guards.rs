//! The short-lived state that guards the edge, kept by the storage so that
//! every server process sharing it sees the same: single-use tokens (a
//! sign-in form's token, a feed WebSocket's ticket), stored as hashes until
//! used or expired, and failure counters (wrong passwords per account and
//! per address, wrong enrollment codes) with the wait they impose. Behind a
//! load balancer a form fetched from one replica is posted to another, and a
//! guesser spread over replicas must still be held back; in one process it
//! is the same code. The policy (how many failures are free, how long each
//! wait) is the caller's, [`crate::accounts::sign_in`].

use chrono::{DateTime, Duration, Utc};

use crate::store::StorageError;

/// Rows of expired tokens or forgotten counters removed at most by one
/// write, so a table an attacker fills is emptied a little at every step.
pub const SWEEP: u32 = 100;

/// Guards' storage needs. Every method is blocking.
pub trait GuardStore: Send + Sync {
    /// Keeps a single-use token, by its hash, with what it carries.
    fn put_once(
        &self,
        hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Uses a token up: what it carries if it exists and has not expired at
    /// `now`. Gone afterwards either way; a second call gets `None`.
    fn take_once(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<String>, StorageError>;
    /// The latest time any of `keys` must wait until, if past `now`.
    fn waiting_until(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StorageError>;
    /// Counts one more failure of `key` at `now`; it must then wait
    /// `wait(failures so far)`. Counters untouched for `forget_after` are
    /// forgotten.
    fn add_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        forget_after: Duration,
        wait: &dyn Fn(u32) -> Duration,
    ) -> Result<(), StorageError>;
    /// Forgets `key`'s failures (a success).
    fn clear_failures(&self, key: &str) -> Result<(), StorageError>;
}
