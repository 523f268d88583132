//! The store's tables, created and changed only by numbered, forward-only
//! migrations. `PRAGMA user_version` holds how many have run, so an older
//! app refuses a file a newer one has migrated instead of misreading it.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Migration `n` takes a file from version `n` to `n + 1`. Append only:
/// phones in the field hold files at every earlier version.
const MIGRATIONS: &[&str] = &[V1];

/// The version this build writes.
pub(super) const CURRENT: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
-- Small facts about this device: its Automerge actor, the sync cursor.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE estates (
    estate    TEXT PRIMARY KEY,
    time_zone TEXT NOT NULL
);

-- Bookkeeping for each record's stored bytes and its sync state. Kept apart
-- from the snapshot because SQLite rewrites a whole row on every update.
-- heads NULL: stored as received from the server and never loaded; its heads
-- are the snapshot's own, and synced_heads NULL means the server has them.
CREATE TABLE records (
    id             TEXT PRIMARY KEY,
    heads          BLOB,
    snapshot_bytes INTEGER NOT NULL,
    chunk_count    INTEGER NOT NULL DEFAULT 0,
    chunk_bytes    INTEGER NOT NULL DEFAULT 0,
    synced_heads   BLOB,
    dirty          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_dirty ON records (id) WHERE dirty;

CREATE TABLE snapshots (
    id    TEXT PRIMARY KEY REFERENCES records (id),
    bytes BLOB NOT NULL
);

CREATE TABLE chunks (
    id    TEXT NOT NULL REFERENCES records (id),
    seq   INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (id, seq)
) WITHOUT ROWID;

-- One row per record for lists; times are Unix milliseconds.
CREATE TABLE entries (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    kind       TEXT NOT NULL,
    estate     TEXT NOT NULL,
    state      TEXT NOT NULL,
    open       INTEGER NOT NULL,
    title      TEXT NOT NULL,
    location   TEXT,
    assignee   TEXT,
    due        INTEGER,
    due_rule   TEXT,
    conflicts  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- An estate's lists, by kind, open work first due first.
CREATE INDEX entries_estate ON entries (estate, kind, open, due);
-- A technician's or officer's own work.
CREATE INDEX entries_assignee ON entries (assignee, open, due) WHERE assignee IS NOT NULL;
-- What is due or overdue, across estates.
CREATE INDEX entries_due ON entries (open, due);
-- Everything in one lifecycle state, e.g. sheets handed back.
CREATE INDEX entries_state ON entries (kind, state);

-- The server's last refusal of a record's local changes, shown to the user
-- until a later push of the record is accepted.
CREATE TABLE refusals (
    id      TEXT PRIMARY KEY REFERENCES records (id),
    code    TEXT NOT NULL,
    message TEXT NOT NULL
);

-- Photos and signature images on this device, by SHA-256 (64 lowercase hex
-- digits); records reference them by hash and never hold their bytes. The
-- bytes sit in their own table, as snapshots do, so that marking a blob
-- uploaded rewrites a small row, not megabytes. uploaded: the server is
-- known to hold the blob (it confirmed an upload, or the blob came from it);
-- last_error: why the server last refused it, until an upload succeeds.
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    length     INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0,
    added_at   INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX blobs_pending ON blobs (added_at) WHERE NOT uploaded;

CREATE TABLE blob_bytes (
    hash  TEXT PRIMARY KEY REFERENCES blobs (hash),
    bytes BLOB NOT NULL
);
";

/// Sets the connection up and brings the file to [`CURRENT`].
pub(super) fn prepare(conn: &mut Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Checked before anything writes, so a newer file is left as it was.
    let found = refuse_newer(conn)?;
    // WAL lets readers run during a write and makes each commit one append.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    // FULL syncs the WAL at every commit: a phone's battery dies in
    // basements, and a verb the user saw succeed must survive that. Bulk
    // writes (a sync pull) batch into one transaction, so FULL costs one
    // fsync per batch, not one per record.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if found < CURRENT {
        migrate(conn)?;
    }
    Ok(())
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

fn refuse_newer(conn: &Connection) -> Result<i64, StoreError> {
    let found = user_version(conn)?;
    if found > CURRENT {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: CURRENT,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt(format!("file format {found}")));
    }
    Ok(found)
}

/// Runs each missing migration in its own transaction, re-reading the
/// version inside it in case another connection migrated meanwhile.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = refuse_newer(&tx)?;
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|index| MIGRATIONS.get(index))
        else {
            return Ok(());
        };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}
