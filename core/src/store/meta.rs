//! Small facts the store keeps about this device rather than about any one
//! record: its Automerge actor, the sync feed cursor, and each estate's time
//! zone (deadlines in index rows are computed in the estate's local time).

use automerge::ActorId;
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;

/// Where estates are when nobody has said otherwise: the company's home.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

const ACTOR: &str = "actor";
const FEED_CURSOR: &str = "feed_cursor";

/// The device's actor, chosen at random the first time the file is opened.
/// One actor per device keeps documents small: every actor a document has
/// ever seen is stored in it for good.
pub(super) fn actor(conn: &Connection) -> Result<ActorId, StoreError> {
    if let Some(bytes) = get::<Vec<u8>>(conn, ACTOR)? {
        return Ok(ActorId::from(bytes.as_slice()));
    }
    // OR IGNORE: another connection may have chosen one meanwhile; keep theirs.
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
        params![ACTOR, ActorId::random().to_bytes()],
    )?;
    get::<Vec<u8>>(conn, ACTOR)?
        .map(|bytes| ActorId::from(bytes.as_slice()))
        .ok_or_else(|| StoreError::Corrupt("the device actor was not kept".into()))
}

/// The last feed sequence the device has stored; 0 before the first sync.
pub(super) fn feed_cursor(conn: &Connection) -> Result<u64, StoreError> {
    Ok(get::<i64>(conn, FEED_CURSOR)?.map_or(0, |cursor| cursor as u64))
}

pub(super) fn set_feed_cursor(conn: &Connection, cursor: u64) -> Result<(), StoreError> {
    // SQLite integers are signed; the cast round-trips every u64 exactly.
    put(conn, FEED_CURSOR, cursor as i64)
}

pub(super) fn time_zone(conn: &Connection, estate: &str) -> Result<Tz, StoreError> {
    let name: Option<String> = conn
        .prepare_cached("SELECT time_zone FROM estates WHERE estate = ?1")?
        .query_row([estate], |row| row.get(0))
        .optional()?;
    match name {
        None => Ok(DEFAULT_TIME_ZONE),
        Some(name) => name
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("unknown time zone {name:?}"))),
    }
}

/// Records an estate's time zone; returns whether it differs from before.
pub(super) fn set_time_zone(conn: &Connection, estate: &str, tz: Tz) -> Result<bool, StoreError> {
    let before = time_zone(conn, estate)?;
    conn.execute(
        "INSERT OR REPLACE INTO estates (estate, time_zone) VALUES (?1, ?2)",
        params![estate, tz.name()],
    )?;
    Ok(before != tz)
}

pub(super) fn get<T: rusqlite::types::FromSql>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

pub(super) fn put(
    conn: &Connection,
    key: &str,
    value: impl rusqlite::ToSql,
) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}
