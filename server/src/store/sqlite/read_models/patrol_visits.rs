//! The SQL of the `patrol_visits` report rows: replacing a record's rows inside
//! its commit, and the queries the reports read.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{from_nanos, nanos};
use crate::reports::patrol_visits::*;

pub(super) fn delete(conn: &Connection, record_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM patrol_visits WHERE record_id = ?1")?
        .execute([record_id])?;
    conn.prepare_cached("DELETE FROM patrol_places WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

pub(super) fn insert_visits(conn: &Connection, visits: &[PatrolVisit]) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO patrol_visits (record_id, event_id, estate, building, floor,
         area, place, checkpoint, officer, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for visit in visits {
        insert.execute(params![
            visit.record_id,
            visit.event_id,
            visit.estate,
            visit.building,
            visit.floor,
            visit.area,
            visit.place,
            visit.checkpoint,
            visit.officer,
            nanos(visit.at),
        ])?;
    }
    Ok(())
}

pub(super) fn insert_places(conn: &Connection, places: &[PlannedPlace]) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO patrol_places (record_id, position, estate, building, floor,
         area, place, checkpoint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for place in places {
        insert.execute(params![
            place.record_id,
            place.position,
            place.estate,
            place.building,
            place.floor,
            place.area,
            place.place,
            place.checkpoint,
        ])?;
    }
    Ok(())
}

/// The estate's check-ins in `[from, to)`, oldest first.
pub(super) fn query_visits(
    conn: &Connection,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> rusqlite::Result<Vec<PatrolVisit>> {
    conn.prepare_cached(
        "SELECT record_id, event_id, estate, building, floor, area, place, checkpoint, officer,
         at FROM patrol_visits WHERE estate = ?1 AND at >= ?2 AND at < ?3
         ORDER BY at, record_id, event_id",
    )?
    .query_map(params![estate, nanos(from), nanos(to)], |row| {
        Ok(PatrolVisit {
            record_id: row.get(0)?,
            event_id: row.get(1)?,
            estate: row.get(2)?,
            building: row.get(3)?,
            floor: row.get(4)?,
            area: row.get(5)?,
            place: row.get(6)?,
            checkpoint: row.get(7)?,
            officer: row.get(8)?,
            at: from_nanos(row.get(9)?),
        })
    })?
    .collect()
}

/// Every planned checkpoint of the estate's routes.
pub(super) fn query_places(conn: &Connection, estate: &str) -> rusqlite::Result<Vec<PlannedPlace>> {
    conn.prepare_cached(
        "SELECT record_id, position, estate, building, floor, area, place, checkpoint
         FROM patrol_places WHERE estate = ?1 ORDER BY record_id, position",
    )?
    .query_map([estate], |row| {
        Ok(PlannedPlace {
            record_id: row.get(0)?,
            position: row.get(1)?,
            estate: row.get(2)?,
            building: row.get(3)?,
            floor: row.get(4)?,
            area: row.get(5)?,
            place: row.get(6)?,
            checkpoint: row.get(7)?,
        })
    })?
    .collect()
}
