//! What the office console keeps and asks of storage, beside the sync
//! server's own tables: console passwords (argon2 hashes), sessions (only
//! the SHA-256 of each random session id is stored, with the session's CSRF
//! token and expiry), and the list queries its pages read from the index
//! rows (`read_model`) and the user tables. A trait, handed out by
//! [`crate::store::Storage::console`], so another backend can serve it.

use chrono::{DateTime, Utc};
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::Role;

use crate::store::StorageError;

/// A user as the console knows them: who, which role, which estates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub estates: Vec<String>,
}

/// A live session: its user and the CSRF token its forms carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: ConsoleUser,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// What the index-row queries filter on.
#[derive(Debug, Clone, Default)]
pub struct IndexQuery<'a> {
    pub estates: &'a [String],
    pub kinds: &'a [&'a str],
    /// Only records still waiting for someone.
    pub open_only: bool,
}

/// The console's storage needs. Every method is blocking.
pub trait ConsoleStore: Send + Sync {
    fn console_user(&self, id: &str) -> Result<Option<ConsoleUser>, StorageError>;
    /// Stores (or replaces) a user's password hash.
    fn set_password_hash(&self, user: &str, hash: &str) -> Result<(), StorageError>;
    fn password_hash(&self, user: &str) -> Result<Option<String>, StorageError>;
    /// Stores a new session under the hash of its id.
    fn create_session(
        &self,
        id_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The session with this id hash, if it has not expired at `now`.
    fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StorageError>;
    fn end_session(&self, id_hash: &str) -> Result<(), StorageError>;
    /// Ends every session of a user (a new password).
    fn end_sessions_of(&self, user: &str) -> Result<usize, StorageError>;
    /// Index rows, soonest deadline first (rows without one last).
    fn index_rows(&self, query: &IndexQuery<'_>) -> Result<Vec<IndexEntry>, StorageError>;
    /// The users of an estate with a role, as (id, name), by id.
    fn staff(&self, estate: &str, role: Role) -> Result<Vec<(String, String)>, StorageError>;
}
