//! The device's offline store: one SQLite file holding every record the
//! phone has, so staff keep working in basements with no signal and nothing
//! they did is lost when the battery dies.
//!
//! Each record is kept as a compacted Automerge snapshot plus the change
//! chunks appended since, beside its index row (what [`Store::list`] reads)
//! and its sync state, all written in one transaction. Apps run every verb
//! through [`Store::update`]; the sync session reads
//! [`Store::pending_changes`] and writes with [`Store::put_remote_many`].

mod blobs;
mod documents;
mod enrollment;
mod error;
mod index;
mod local;
mod meta;
pub mod private;
mod remote;
mod schema;
mod sync;
mod undo;

#[cfg(test)]
mod tests;

use std::path::Path;

use automerge::ActorId;
use chrono_tz::Tz;
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use blobs::{BlobInfo, BlobStatus, blob_hash, referenced_blobs};
pub use enrollment::Enrollment;
pub use error::StoreError;
pub use index::Query;
pub use meta::DEFAULT_TIME_ZONE;
pub use remote::{RemoteBatch, RemoteChanges, RemoteRecord};
pub use sync::{PendingChange, SyncState};
pub use undo::Discarded;

/// The device's store. Writes take `&mut self`: one writer per file, as
/// SQLite wants; open a second `Store` on the same path for another thread.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The device's Automerge actor, given to every document loaded here.
    actor: ActorId,
}

impl Store {
    /// Opens the store at `path`, creating and migrating it as needed.
    /// Refuses a file written by a newer version of the app.
    /// Opens (creating if needed) the store file, readable by its owner
    /// only (0600) whatever the umask: it holds the device's token.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        private::private_file(path)?;
        Store::prepare(Connection::open(path)?)
    }

    /// A store that lives only in memory, for tests and previews.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut conn: Connection) -> Result<Store, StoreError> {
        schema::prepare(&mut conn)?;
        // Room for every statement the store prepares, so none is re-parsed.
        conn.set_prepared_statement_cache_capacity(64);
        let actor = meta::actor(&conn)?;
        Ok(Store { conn, actor })
    }

    /// This device's Automerge actor.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// Sets an estate's time zone, in which its deadlines are computed, and
    /// recomputes the index rows of its records if it changed.
    pub fn set_estate_time_zone(&mut self, estate: &str, tz: Tz) -> Result<(), StoreError> {
        let tx = write_tx(&mut self.conn)?;
        if meta::set_time_zone(&tx, estate, tz)? {
            index::reindex_estate(&tx, estate)?;
        }
        Ok(tx.commit()?)
    }

    /// An estate's time zone; [`DEFAULT_TIME_ZONE`] until one is set.
    pub fn estate_time_zone(&self, estate: &str) -> Result<Tz, StoreError> {
        meta::time_zone(&self.conn, estate)
    }
}

/// A write transaction that takes the write lock at once, so it never
/// fails halfway for lack of it (SQLite cannot upgrade a read lock while
/// another connection writes).
fn write_tx(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}
