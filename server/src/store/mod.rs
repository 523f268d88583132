//! What the server keeps durably, behind one trait so that a PostgreSQL
//! backend (several server replicas sharing one database) can replace the
//! SQLite file later without touching the sync logic.
//!
//! The trait speaks in whole operations (commit a group of accepted records,
//! read one page of the feed) rather than in rows, so each backend can do an
//! operation in one transaction its own way.
//!
//! This folder holds the traits and their types only, no SQL: [`Storage`]
//! (records, the feed, estates, users, devices), [`BlobStorage`],
//! [`ReadModels`] (the report tables' queries) and [`ConsoleStore`] (console
//! passwords, sessions, list queries) and [`AccountStore`] (users and
//! devices administered, the account log) and [`guards::GuardStore`]
//! (single-use tokens, failure counters). Each backend is a folder beside them
//! ([`sqlite`], [`postgres`]) and runs
//! the one conformance suite (`conformance.rs`) with one line.

pub mod accounts;
pub mod blobs;
#[cfg(test)]
pub(crate) mod conformance;
pub mod console;
pub mod guards;
pub mod postgres;
pub mod read_models;
pub mod sqlite;

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::{RecordError, Role};
use stairwell_core::sync::judge::Author;

pub use blobs::{BlobChunk, BlobError, BlobStorage, ChunkOutcome, UploadQuota};
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

pub use accounts::AccountStore;
pub use console::ConsoleStore;
pub use read_models::ReadModels;

use crate::reports::ModelRows;

/// Why a storage operation failed. `NotFound` and `Conflict` are the
/// caller's mistakes (an unknown estate, a duplicate user), told in words
/// the operator reads; the others are ours, and keep their cause.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The backend's database failed; each backend converts its own errors.
    #[error("storage failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A file of the data directory could not be read or written.
    #[error("storage failed: {path}: {source}")]
    Files {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened; `read_only` when its directory
    /// may not be written (SQLite needs to write beside it even to read).
    #[error(
        "cannot open {}: {source}{}",
        .path.display(),
        if *.read_only {
            "; the data directory is not writable (read-only, full, or owned by another user)"
        } else {
            ""
        }
    )]
    Unopenable {
        path: std::path::PathBuf,
        #[source]
        source: Box<StorageError>,
        read_only: bool,
    },
    /// What is stored does not read back as anything this build wrote.
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    /// A stored record no longer loads or indexes.
    #[error("stored record {id} does not load: {source}")]
    Record {
        id: String,
        #[source]
        source: stairwell_core::record::RecordError,
    },
    /// The data directory was written by a newer build.
    #[error("the data directory has schema {found}, newer than this build's {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    /// The operating system's random source failed.
    #[error("no randomness: {0}")]
    Random(#[from] getrandom::Error),
    /// Another server changed these records after the writer judged them
    /// (their stored heads are not the ones judged against, or a record to
    /// create exists): nothing was stored; judge them again.
    #[error("records changed meanwhile by another server: {}", .ids.join(", "))]
    Stale { ids: Vec<String> },
}

impl StorageError {
    /// Whether the caller can fix this by asking differently.
    pub fn is_callers(&self) -> bool {
        matches!(self, StorageError::NotFound(_) | StorageError::Conflict(_))
    }
}

/// An estate: records belong to one, users work at some, and its time zone
/// decides every deadline computed for its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estate {
    pub id: String,
    pub name: String,
    pub tz: Tz,
}

/// A user as the admin command line creates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub estates: Vec<String>,
}

/// A device's grant: only the token's hash is ever stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub id: String,
    pub user: String,
    pub name: String,
    pub token_hash: String,
}

/// A one-time enrollment code as stored: only its hash, whose device it
/// will make, and until when it may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrollmentCode {
    pub code_hash: String,
    pub user: String,
    /// The name the device will get.
    pub device_name: String,
    pub expires_at: DateTime<Utc>,
}

/// What redeeming a code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The device was made for the code's user.
    Issued { user: String },
    /// No such code.
    Unknown,
    /// The code was used already.
    Used,
    /// The code is past its time.
    Expired,
}

/// A record as stored: its snapshot followed by the change chunks appended
/// since, which together load as one Automerge document.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub id: String,
    pub estate: String,
    pub bytes: Vec<u8>,
    pub snapshot_len: usize,
    pub chunk_count: u32,
    pub chunk_bytes: usize,
}

/// What an accepted push stores for one record.
#[derive(Debug, Clone)]
pub enum RecordChange {
    /// A record the server did not have: its whole saved document.
    Create { snapshot: Vec<u8> },
    /// The changes since the record's previous stored heads.
    Append { chunk: Vec<u8> },
}

/// One accepted record of a group commit.
#[derive(Debug, Clone)]
pub struct RecordWrite {
    pub id: String,
    pub estate: String,
    pub kind: String,
    pub change: RecordChange,
    /// When set, the whole document after this change, replacing the
    /// snapshot and every chunk (compaction).
    pub compacted: Option<Vec<u8>>,
    /// The record's heads after the change, as [`encode_heads`] writes them.
    pub heads: Vec<u8>,
    /// The stored heads the change was judged against (`None` for a record
    /// new to the server): the commit refuses the whole group with
    /// [`StorageError::Stale`] when the record's stored heads are others by
    /// then, or when a record to create exists, so two servers judging one
    /// record at once never lose or double a change.
    pub base_heads: Option<Vec<u8>>,
    pub index: IndexEntry,
    /// The record's report rows ([`crate::reports`]), replacing its old ones.
    pub models: ModelRows,
}

/// How a pulled record's bytes are to be produced.
#[derive(Debug, Clone)]
pub enum PullPayload {
    /// The device lacks the record: its whole document.
    Whole(Vec<u8>),
    /// The device has the record; these are the changes it lacks.
    Changes(Vec<u8>),
    /// The device has the record as of `heads`, but the chunks after them
    /// were compacted away: the caller loads `document` and saves the
    /// changes after `heads`.
    AfterHeads {
        document: Vec<u8>,
        heads: Vec<ChangeHash>,
    },
}

#[derive(Debug, Clone)]
pub struct PullItem {
    pub id: String,
    /// The record's newest feed row in the snapshot the page was read from.
    pub latest_seq: u64,
    pub payload: PullPayload,
    pub index: IndexEntry,
}

/// One page of the change feed for a device.
#[derive(Debug, Clone, Default)]
pub struct FeedPage {
    pub cursor: u64,
    pub more: bool,
    pub items: Vec<PullItem>,
}

/// Told of commits (estate, newest feed position) that any server made.
pub type CommitListener = Box<dyn Fn(Vec<(String, u64)>) + Send + 'static>;

/// Computes a record's index row and report rows from its stored document
/// and its estate's time zone; used to rebuild the read models.
pub type IndexFn<'a> =
    dyn Fn(&StoredRecord, Tz) -> Result<(IndexEntry, ModelRows), RecordError> + 'a;

/// The server's durable state. Implementations are shared between the
/// request handlers (reads) and the single writer thread (writes); every
/// method is blocking and is called off the async runtime.
pub trait Storage: BlobStorage + Send + Sync + std::fmt::Debug {
    /// The Automerge actor the server stamps receipt times with, fixed for
    /// the life of the data directory so documents do not collect actors.
    fn server_actor(&self) -> Result<Vec<u8>, StorageError>;

    fn add_estate(&self, estate: &Estate) -> Result<(), StorageError>;
    fn estate(&self, id: &str) -> Result<Option<Estate>, StorageError>;
    fn add_user(&self, user: &NewUser) -> Result<(), StorageError>;
    /// A user's display name, or `None` for an unknown user.
    fn user_name(&self, id: &str) -> Result<Option<String>, StorageError>;
    /// The users of an estate with their roles: whom a step may name.
    fn staff(&self, estate: &str) -> Result<Vec<(String, Role)>, StorageError>;
    fn add_device(&self, device: &NewDevice) -> Result<(), StorageError>;
    /// Keeps a one-time enrollment code (its hash) for `code.user`.
    fn add_enrollment_code(&self, code: &NewEnrollmentCode) -> Result<(), StorageError>;
    /// Uses the code with this hash, once: if it is known, unused and not
    /// expired at `now`, marks it used and adds `device` for its user, named
    /// as the code says (the device's `user`, and its `name` when the code
    /// names it, are ignored), in one transaction.
    fn redeem_enrollment_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &NewDevice,
    ) -> Result<Redeemed, StorageError>;
    /// Revokes a device; revoking twice is not an error.
    fn revoke_device(&self, id: &str) -> Result<(), StorageError>;
    /// Whether a device exists and is not revoked.
    fn device_live(&self, id: &str) -> Result<bool, StorageError>;
    /// The author behind a live (not revoked) device token.
    fn author_for_token(&self, token_hash: &str) -> Result<Option<Author>, StorageError>;

    fn load_record(&self, id: &str) -> Result<Option<StoredRecord>, StorageError>;
    /// Stores every write in one transaction; returns their feed sequence
    /// numbers in order. Nothing is stored if it fails; a write whose
    /// `base_heads` are not the stored ones fails it with `Stale`.
    fn commit(&self, writes: &[RecordWrite]) -> Result<Vec<u64>, StorageError>;
    /// The records of `estates` changed after `cursor`, at most `max` of
    /// them, read from one consistent snapshot.
    fn pull(&self, estates: &[String], cursor: u64, max: usize) -> Result<FeedPage, StorageError>;
    fn record_count(&self) -> Result<u64, StorageError>;
    /// Recomputes every read-model row from the documents, in one
    /// transaction; returns how many records it indexed.
    fn rebuild_read_models(&self, index: &IndexFn<'_>) -> Result<usize, StorageError>;
    /// The schema version the database was upgraded from, when that upgrade
    /// added report tables that only a rebuild from the documents fills.
    fn read_models_stale(&self) -> Option<i64>;
    /// The report read models' queries.
    fn read_models(&self) -> &dyn ReadModels;
    /// Starts telling `heard`, from a thread of its own, of every commit
    /// any server makes on this storage, so notices reach this process's
    /// clients whichever server took the push. `false` where only this
    /// process writes (SQLite), whose writer announces its own commits.
    fn watch_commits(&self, heard: CommitListener) -> Result<bool, StorageError>;
    /// The office console's logins, sessions and list queries.
    fn console(&self) -> &dyn ConsoleStore;
    /// Users and devices as administered, and the account log.
    fn accounts(&self) -> &dyn AccountStore;
    /// Single-use tokens and failure counters, shared by every server on
    /// this storage.
    fn guards(&self) -> &dyn guards::GuardStore;
}

/// Where a server keeps its state: one SQLite file in a data directory
/// (the default: one process), or a PostgreSQL database (any number of
/// server processes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(std::path::PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// `--database URL` if given, else the data directory.
    pub fn of(data: &std::path::Path, database: Option<&str>) -> Location {
        match database {
            Some(url) => Location::Postgres(url.to_owned()),
            None => Location::Sqlite(data.to_owned()),
        }
    }
}

/// Opens (creating and migrating if needed) the storage at `location`.
pub fn open(location: &Location) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    Ok(match location {
        Location::Sqlite(dir) => std::sync::Arc::new(SqliteStorage::open(dir)?),
        Location::Postgres(url) => std::sync::Arc::new(PostgresStorage::open(url)?),
    })
}

/// Heads as stored: the 32-byte hashes one after another.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|hash| hash.0).collect()
}

pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, StorageError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(StorageError::Damaged(format!(
            "stored heads of {} bytes are not whole hashes",
            bytes.len()
        )));
    }
    bytes
        .chunks_exact(32)
        .map(|hash| {
            ChangeHash::try_from(hash).map_err(|err| StorageError::Damaged(err.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip() {
        let heads = vec![ChangeHash([1; 32]), ChangeHash([7; 32])];
        assert_eq!(decode_heads(&encode_heads(&heads)).expect("decode"), heads);
        assert!(decode_heads(&[0; 31]).is_err());
    }
}
