//! The SQLite schema and its migrations, numbered by `PRAGMA user_version`,
//! so an existing data directory is upgraded in place and a newer one is
//! refused rather than misread.
//!
//! Tables:
//! - `records`: one row per record: the compacted snapshot, the heads after
//!   the latest change, and the feed position the snapshot covers
//!   (`compacted_seq`): chunks exist only for changes after it.
//! - `chunks`: the changes each accepted push added, keyed by the feed row
//!   that announced them, so a device that has a record as of feed row N is
//!   sent the chunks after N without loading the document.
//! - `feed`: one row per accepted change, in one growing sequence.
//! - `read_model`: one [`IndexEntry`](stairwell_core::kinds::IndexEntry) row
//!   per record, rebuilt from the documents on demand.
//! - `estates`, `users`, `user_estates`, `devices`: who may sync what.
//! - `meta`: the server's own settings (its Automerge actor).
//! - `blobs`, `blob_estates`, `blob_uploads` (version 2): blob bookkeeping,
//!   see `store/sqlite/blobs.rs`.
//! - `patrol_visits`, `patrol_places`, `callbacks_due`,
//!   `complaint_timeliness` (version 3): the report read models of
//!   [`crate::reports`], written beside `read_model` in the same
//!   transaction and rebuilt with it.
//! - `console_passwords`, `console_sessions` (version 4): the office
//!   console's logins, see [`crate::store::console`].
//! - `repair_timeliness`, `patrol_rounds`, `patrol_findings` (version 5):
//!   more report read models, for the console's monthly repair tiers and
//!   the week's patrol problems. A data directory upgraded across a version
//!   that adds report tables has them filled from the documents when it is
//!   opened (see [`rebuilds_read_models`]).
//! - `enrollment_codes` (version 7): one-time codes a phone exchanges for
//!   its token, stored as their hashes.
//! - `devices.last_seen_at`, `account_log` (version 8): account
//!   administration, see [`crate::store::accounts`].
//! - `single_use`, `failures` (version 9): the edge's short-lived state,
//!   see [`crate::store::guards`].

use rusqlite::Connection;

use super::StorageError;

/// The schema version this build writes.
pub const VERSION: i64 = 9;

/// The latest version that added or changed a report read model's table.
const READ_MODELS_CHANGED: i64 = 6;

const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE estates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    tz         TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE user_estates (
    user_id   TEXT NOT NULL REFERENCES users(id),
    estate_id TEXT NOT NULL REFERENCES estates(id),
    PRIMARY KEY (user_id, estate_id)
);
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE records (
    id            TEXT PRIMARY KEY,
    estate        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    snapshot      BLOB NOT NULL,
    heads         BLOB NOT NULL,
    compacted_seq INTEGER NOT NULL,
    chunk_count   INTEGER NOT NULL DEFAULT 0,
    chunk_bytes   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    record_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    bytes     BLOB NOT NULL,
    PRIMARY KEY (record_id, seq)
);
CREATE TABLE feed (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    estate    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    heads     BLOB NOT NULL
);
CREATE INDEX feed_by_estate ON feed (estate, seq);
CREATE INDEX feed_by_record ON feed (record_id, seq);
CREATE TABLE read_model (
    id         TEXT PRIMARY KEY,
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
CREATE INDEX read_model_open ON read_model (estate, open, due);
";

/// The report read models (see [`crate::reports`]): rows derived from
/// each record's document, keyed by the record so a change replaces them.
/// Their times are nanoseconds since the epoch, UTC, so a deadline at the
/// last instant of a day is kept exactly.
const V3: &str = "
CREATE TABLE patrol_visits (
    record_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    estate     TEXT NOT NULL,
    building   TEXT NOT NULL,
    floor      TEXT NOT NULL,
    area       TEXT NOT NULL,
    place      TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    officer    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (record_id, event_id)
);
CREATE INDEX patrol_visits_by_time ON patrol_visits (estate, at);
CREATE TABLE patrol_places (
    record_id  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    estate     TEXT NOT NULL,
    building   TEXT NOT NULL,
    floor      TEXT NOT NULL,
    area       TEXT NOT NULL,
    place      TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    PRIMARY KEY (record_id, position)
);
CREATE INDEX patrol_places_by_estate ON patrol_places (estate);
CREATE TABLE callbacks_due (
    record_id        TEXT PRIMARY KEY,
    estate           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    occasion         TEXT NOT NULL,
    title            TEXT NOT NULL,
    location         TEXT NOT NULL,
    callback_by      TEXT,
    done_at          INTEGER NOT NULL,
    due              INTEGER NOT NULL,
    due_rule         TEXT NOT NULL,
    callbacks        INTEGER NOT NULL,
    first_callback   INTEGER,
    last_callback    INTEGER,
    settled          INTEGER NOT NULL
);
CREATE INDEX callbacks_due_open ON callbacks_due (estate, settled, due);
CREATE INDEX callbacks_due_by_time ON callbacks_due (estate, done_at);
CREATE TABLE complaint_timeliness (
    record_id   TEXT PRIMARY KEY,
    estate      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    title       TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    handled_at  INTEGER,
    due         INTEGER NOT NULL,
    on_time     INTEGER,
    month       TEXT NOT NULL,
    counted     INTEGER NOT NULL
);
CREATE INDEX complaint_timeliness_by_month ON complaint_timeliness (estate, month);
";

/// The office console's logins: an argon2 hash per user who may sign in to
/// the browser console, and its sessions, each kept only as the SHA-256 of
/// its random id, with the session's CSRF token and expiry (milliseconds).
const V4: &str = "
CREATE TABLE console_passwords (
    user_id    TEXT PRIMARY KEY REFERENCES users(id),
    hash       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE console_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
";

/// More report read models (see [`crate::reports`]): each repair sheet
/// against its urgency tier's deadline, by the local month it was reported
/// in; each patrol round with the checkpoints it missed or took out of
/// order (JSON arrays of codes); each patrol finding with its reporting
/// deadline and the repair sheets opened for it.
const V5: &str = "
CREATE TABLE repair_timeliness (
    record_id   TEXT PRIMARY KEY,
    estate      TEXT NOT NULL,
    title       TEXT NOT NULL,
    urgency     TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    due         INTEGER NOT NULL,
    due_rule    TEXT NOT NULL,
    done_at     INTEGER,
    on_time     INTEGER,
    month       TEXT NOT NULL
);
CREATE INDEX repair_timeliness_by_month ON repair_timeliness (estate, month, urgency);
CREATE TABLE patrol_rounds (
    record_id    TEXT PRIMARY KEY,
    estate       TEXT NOT NULL,
    route        TEXT NOT NULL,
    officer      TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    missed       TEXT NOT NULL,
    out_of_order TEXT NOT NULL
);
CREATE INDEX patrol_rounds_by_time ON patrol_rounds (estate, started_at);
CREATE TABLE patrol_findings (
    record_id   TEXT NOT NULL,
    finding_id  TEXT NOT NULL,
    estate      TEXT NOT NULL,
    category    TEXT NOT NULL,
    description TEXT NOT NULL,
    location    TEXT NOT NULL,
    found_at    INTEGER NOT NULL,
    due         INTEGER,
    due_rule    TEXT,
    repairs     INTEGER NOT NULL,
    PRIMARY KEY (record_id, finding_id)
);
CREATE INDEX patrol_findings_by_time ON patrol_findings (estate, found_at);
";

/// The callback a case waits on now (the first one, or the follow-up an
/// unsatisfied callback set), `NULL` when none is timed; filled by the
/// rebuild that follows the upgrade.
const V6: &str = "
ALTER TABLE callbacks_due ADD COLUMN next_due INTEGER;
ALTER TABLE callbacks_due ADD COLUMN next_rule TEXT;
";

/// One-time enrollment codes: only their hashes, single use, expiring.
const V7: &str = "
CREATE TABLE enrollment_codes (
    code_hash   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    device_name TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    device_id   TEXT
);
";

/// Account administration: each device's last sync, and the log of every
/// account change with who made it.
const V8: &str = "
ALTER TABLE devices ADD COLUMN last_seen_at INTEGER;
CREATE TABLE account_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

/// The edge's short-lived state, shared by every process on the storage:
/// single-use tokens and failure counters (see `crate::store::guards`).
const V9: &str = "
CREATE TABLE single_use (
    hash       TEXT PRIMARY KEY,
    payload    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX single_use_expiry ON single_use (expires_at);
CREATE TABLE failures (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    wait_until INTEGER NOT NULL,
    last_at    INTEGER NOT NULL
);
CREATE INDEX failures_last ON failures (last_at);
";

/// Whether a database found at schema `found` holds records whose report
/// rows a migration has just added tables for: an existing database (not a
/// new one) older than the latest read-model change. Its reports would read
/// as empty until the read models are rebuilt.
pub fn rebuilds_read_models(found: i64) -> bool {
    found > 0 && found < READ_MODELS_CHANGED
}

/// Brings the database to [`VERSION`], one migration per transaction;
/// returns the version it found.
pub fn migrate(conn: &mut Connection) -> Result<i64, StorageError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > VERSION {
        return Err(StorageError::SchemaTooNew {
            found,
            supported: VERSION,
        });
    }
    let migrations: [&str; 9] = [V1, super::blobs::SCHEMA, V3, V4, V5, V6, V7, V8, V9];
    for (index, sql) in migrations.iter().enumerate() {
        let version = index as i64 + 1;
        if found >= version {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless_and_newer_schemas_are_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        assert_eq!(migrate(&mut conn).expect("first"), 0);
        assert_eq!(migrate(&mut conn).expect("second"), VERSION);
        conn.pragma_update(None, "user_version", VERSION + 1)
            .expect("bump");
        assert!(migrate(&mut conn).is_err());
    }

    #[test]
    fn only_upgraded_databases_rebuild_their_read_models() {
        assert!(!rebuilds_read_models(0), "a new database has no records");
        assert!(rebuilds_read_models(2));
        assert!(rebuilds_read_models(4));
        assert!(!rebuilds_read_models(VERSION));
    }
}
