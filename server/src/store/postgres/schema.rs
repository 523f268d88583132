//! The PostgreSQL schema and its migrations, numbered in a `schema_version`
//! table, so an existing database is upgraded in place and a newer one is
//! refused rather than misread.
//!
//! Several replicas may start at once on one database: each takes the
//! session advisory lock `MIGRATION_LOCK` before it reads the version, so
//! exactly one applies each migration and the others wait, then find
//! nothing left to do. Each migration is its own transaction, with the row
//! that records it.
//!
//! The tables are SQLite's (`store/sqlite/schema.rs` says what each holds)
//! with PostgreSQL's types: `bytea` for documents, heads and blob chunks,
//! `boolean` for flags, `bigint` for times as SQLite keeps them
//! (milliseconds since the epoch for accounts, sessions and the index rows;
//! nanoseconds for the report rows, whose deadlines end on a day's last
//! nanosecond, finer than `timestamptz`'s microseconds). Version 1 is
//! SQLite's eight versions at once; the blob tables, which differ, are
//! version 2 (`blobs.rs`); the edge's single-use tokens and failure
//! counters are version 3 (`guards.rs`).

use postgres::Client;

use super::{StorageError, now_millis};

/// The schema version this build writes.
pub const VERSION: i64 = 3;

/// The latest version that added or changed a report read model's table;
/// every report table came with the first.
const READ_MODELS_CHANGED: i64 = 1;

/// Held (per session) while the schema is read and migrated. An arbitrary
/// constant ("STAIRMIG"), the same in every build.
const MIGRATION_LOCK: i64 = 0x5354_4149_524d_4947;

const V1: &str = "
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE estates (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    tz         text NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE users (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE user_estates (
    user_id   text NOT NULL REFERENCES users (id),
    estate_id text NOT NULL REFERENCES estates (id),
    PRIMARY KEY (user_id, estate_id)
);
CREATE INDEX user_estates_by_estate ON user_estates (estate_id);
CREATE TABLE devices (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    name       text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    revoked_at bigint,
    last_seen_at bigint
);
CREATE TABLE enrollment_codes (
    code_hash   text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id),
    device_name text NOT NULL,
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    used_at     bigint,
    device_id   text
);
CREATE TABLE records (
    id            text PRIMARY KEY,
    estate        text NOT NULL,
    kind          text NOT NULL,
    snapshot      bytea NOT NULL,
    heads         bytea NOT NULL,
    compacted_seq bigint NOT NULL,
    chunk_count   bigint NOT NULL DEFAULT 0,
    chunk_bytes   bigint NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    record_id text NOT NULL,
    seq       bigint NOT NULL,
    bytes     bytea NOT NULL,
    PRIMARY KEY (record_id, seq)
);
CREATE TABLE feed (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    estate    text NOT NULL,
    record_id text NOT NULL,
    heads     bytea NOT NULL
);
CREATE INDEX feed_by_estate ON feed (estate, seq);
CREATE INDEX feed_by_record ON feed (record_id, seq);
CREATE TABLE read_model (
    id         text PRIMARY KEY,
    kind       text NOT NULL,
    estate     text NOT NULL,
    state      text NOT NULL,
    open       boolean NOT NULL,
    title      text NOT NULL,
    location   text,
    assignee   text,
    due        bigint,
    due_rule   text,
    conflicts  bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX read_model_open ON read_model (estate, open, due);

CREATE TABLE patrol_visits (
    record_id  text NOT NULL,
    event_id   text NOT NULL,
    estate     text NOT NULL,
    building   text NOT NULL,
    floor      text NOT NULL,
    area       text NOT NULL,
    place      text NOT NULL,
    checkpoint text NOT NULL,
    officer    text NOT NULL,
    at         bigint NOT NULL,
    PRIMARY KEY (record_id, event_id)
);
CREATE INDEX patrol_visits_by_time ON patrol_visits (estate, at);
CREATE TABLE patrol_places (
    record_id  text NOT NULL,
    position   bigint NOT NULL,
    estate     text NOT NULL,
    building   text NOT NULL,
    floor      text NOT NULL,
    area       text NOT NULL,
    place      text NOT NULL,
    checkpoint text NOT NULL,
    PRIMARY KEY (record_id, position)
);
CREATE INDEX patrol_places_by_estate ON patrol_places (estate);
CREATE TABLE callbacks_due (
    record_id      text PRIMARY KEY,
    estate         text NOT NULL,
    kind           text NOT NULL,
    occasion       text NOT NULL,
    title          text NOT NULL,
    location       text NOT NULL,
    callback_by    text,
    done_at        bigint NOT NULL,
    due            bigint NOT NULL,
    due_rule       text NOT NULL,
    callbacks      bigint NOT NULL,
    first_callback bigint,
    last_callback  bigint,
    settled        boolean NOT NULL,
    next_due       bigint,
    next_rule      text
);
CREATE INDEX callbacks_due_open ON callbacks_due (estate, settled, due);
CREATE INDEX callbacks_due_by_time ON callbacks_due (estate, done_at);
CREATE TABLE complaint_timeliness (
    record_id   text PRIMARY KEY,
    estate      text NOT NULL,
    channel     text NOT NULL,
    title       text NOT NULL,
    received_at bigint NOT NULL,
    handled_at  bigint,
    due         bigint NOT NULL,
    on_time     boolean,
    month       text NOT NULL,
    counted     boolean NOT NULL
);
CREATE INDEX complaint_timeliness_by_month ON complaint_timeliness (estate, month);
CREATE TABLE repair_timeliness (
    record_id   text PRIMARY KEY,
    estate      text NOT NULL,
    title       text NOT NULL,
    urgency     text NOT NULL,
    reported_at bigint NOT NULL,
    due         bigint NOT NULL,
    due_rule    text NOT NULL,
    done_at     bigint,
    on_time     boolean,
    month       text NOT NULL
);
CREATE INDEX repair_timeliness_by_month ON repair_timeliness (estate, month, urgency);
CREATE TABLE patrol_rounds (
    record_id    text PRIMARY KEY,
    estate       text NOT NULL,
    route        text NOT NULL,
    officer      text NOT NULL,
    started_at   bigint NOT NULL,
    finished_at  bigint,
    missed       text NOT NULL,
    out_of_order text NOT NULL
);
CREATE INDEX patrol_rounds_by_time ON patrol_rounds (estate, started_at);
CREATE TABLE patrol_findings (
    record_id   text NOT NULL,
    finding_id  text NOT NULL,
    estate      text NOT NULL,
    category    text NOT NULL,
    description text NOT NULL,
    location    text NOT NULL,
    found_at    bigint NOT NULL,
    due         bigint,
    due_rule    text,
    repairs     bigint NOT NULL,
    PRIMARY KEY (record_id, finding_id)
);
CREATE INDEX patrol_findings_by_time ON patrol_findings (estate, found_at);

CREATE TABLE console_passwords (
    user_id    text PRIMARY KEY REFERENCES users (id),
    hash       text NOT NULL,
    updated_at bigint NOT NULL
);
CREATE TABLE console_sessions (
    id_hash    text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    csrf       text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);

CREATE TABLE account_log (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     bigint NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    detail text NOT NULL
);
";

/// Every migration, version 1 first.
const MIGRATIONS: [&str; 3] = [V1, super::blobs::SCHEMA, super::guards::SCHEMA];

/// Whether a database found at schema `found` holds records whose report
/// rows a migration has just added tables for: an existing database (not a
/// new one) older than the latest read-model change.
pub fn rebuilds_read_models(found: i64) -> bool {
    found > 0 && found < READ_MODELS_CHANGED
}

/// Brings the database to [`VERSION`], one migration per transaction, while
/// holding `MIGRATION_LOCK`; returns the version it found.
pub fn migrate(client: &mut Client) -> Result<i64, StorageError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let migrated = migrate_locked(client);
    // Released on every path; a dropped connection releases it too.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let found = migrated?;
    unlocked?;
    Ok(found)
}

fn migrate_locked(client: &mut Client) -> Result<i64, StorageError> {
    // Asked first: `IF NOT EXISTS` alone would log a notice at every start.
    let known = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .try_get::<_, bool>(0)?;
    if !known {
        client.batch_execute(
            "CREATE TABLE schema_version (
                 version    bigint PRIMARY KEY,
                 applied_at bigint NOT NULL
             )",
        )?;
    }
    let found: i64 = client
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?
        .try_get(0)?;
    if found > VERSION {
        return Err(StorageError::SchemaTooNew {
            found,
            supported: VERSION,
        });
    }
    for (version, sql) in (1..).zip(MIGRATIONS) {
        if found < version {
            apply(client, version, sql)?;
        }
    }
    Ok(found)
}

fn apply(client: &mut Client, version: i64, sql: &str) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(sql)?;
    tx.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
        &[&version, &now_millis()],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::store::postgres::test_database;

    #[test]
    fn migrating_twice_is_harmless_and_newer_schemas_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = test_database::create(dir.path());
        let mut client = Client::connect(&url, postgres::NoTls).expect("connect");
        assert_eq!(migrate(&mut client).expect("first"), 0);
        assert_eq!(migrate(&mut client).expect("second"), VERSION);
        client
            .execute(
                "INSERT INTO schema_version (version, applied_at) VALUES ($1, 0)",
                &[&(VERSION + 1)],
            )
            .expect("bump");
        assert!(matches!(
            migrate(&mut client),
            Err(StorageError::SchemaTooNew { .. })
        ));
        // The refusal let go of the lock: another session can migrate.
        let mut other = Client::connect(&url, postgres::NoTls).expect("connect");
        assert!(migrate(&mut other).is_err());
    }

    #[test]
    fn replicas_starting_together_migrate_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = Arc::new(test_database::create(dir.path()));
        let found: Vec<i64> = (0..4)
            .map(|_| {
                let url = url.clone();
                thread::spawn(move || {
                    let mut client = Client::connect(&url, postgres::NoTls).expect("connect");
                    migrate(&mut client).expect("migrate")
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| handle.join().expect("thread"))
            .collect();
        assert_eq!(found.iter().filter(|&&version| version == 0).count(), 1);
        assert!(
            found
                .iter()
                .all(|&version| version == 0 || version == VERSION)
        );
    }

    #[test]
    fn only_upgraded_databases_rebuild_their_read_models() {
        assert!(!rebuilds_read_models(0), "a new database has no records");
        assert!(!rebuilds_read_models(VERSION));
    }
}
