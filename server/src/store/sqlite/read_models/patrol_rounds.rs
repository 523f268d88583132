//! The SQL of the `patrol_rounds` report rows: replacing a record's rows inside
//! its commit, and the queries the reports read.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{from_nanos, nanos};
use crate::reports::patrol_rounds::*;

pub(super) fn delete(conn: &Connection, record_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM patrol_rounds WHERE record_id = ?1")?
        .execute([record_id])?;
    conn.prepare_cached("DELETE FROM patrol_findings WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

fn to_json(codes: &[String]) -> rusqlite::Result<String> {
    serde_json::to_string(codes)
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))
}

fn from_json(column: usize, text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            Box::new(err),
        )
    })
}

pub(super) fn insert_round(conn: &Connection, round: &RoundSummary) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO patrol_rounds (record_id, estate, route, officer, started_at,
         finished_at, missed, out_of_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        round.record_id,
        round.estate,
        round.route,
        round.officer,
        nanos(round.started_at),
        round.finished_at.map(nanos),
        to_json(&round.missed)?,
        to_json(&round.out_of_order)?,
    ])?;
    Ok(())
}

pub(super) fn insert_findings(
    conn: &Connection,
    findings: &[PatrolFinding],
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO patrol_findings (record_id, finding_id, estate, category,
         description, location, found_at, due, due_rule, repairs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for finding in findings {
        insert.execute(params![
            finding.record_id,
            finding.finding_id,
            finding.estate,
            finding.category,
            finding.description,
            finding.location,
            nanos(finding.found_at),
            finding.due.map(nanos),
            finding.due_rule,
            finding.repairs,
        ])?;
    }
    Ok(())
}

/// The estate's rounds started in `[from, to)`, in the order they started.
pub(super) fn query_rounds(
    conn: &Connection,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> rusqlite::Result<Vec<RoundSummary>> {
    conn.prepare_cached(
        "SELECT record_id, estate, route, officer, started_at, finished_at, missed,
         out_of_order FROM patrol_rounds WHERE estate = ?1 AND started_at >= ?2
         AND started_at < ?3 ORDER BY started_at, record_id",
    )?
    .query_map(params![estate, nanos(from), nanos(to)], |row| {
        let missed: String = row.get(6)?;
        let out_of_order: String = row.get(7)?;
        Ok(RoundSummary {
            record_id: row.get(0)?,
            estate: row.get(1)?,
            route: row.get(2)?,
            officer: row.get(3)?,
            started_at: from_nanos(row.get(4)?),
            finished_at: row.get::<_, Option<i64>>(5)?.map(from_nanos),
            missed: from_json(6, &missed)?,
            out_of_order: from_json(7, &out_of_order)?,
        })
    })?
    .collect()
}

/// The estate's findings made in `[from, to)`, in the order they were made.
pub(super) fn query_findings(
    conn: &Connection,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> rusqlite::Result<Vec<PatrolFinding>> {
    conn.prepare_cached(
        "SELECT record_id, finding_id, estate, category, description, location, found_at,
         due, due_rule, repairs FROM patrol_findings WHERE estate = ?1 AND found_at >= ?2
         AND found_at < ?3 ORDER BY found_at, record_id, finding_id",
    )?
    .query_map(params![estate, nanos(from), nanos(to)], |row| {
        Ok(PatrolFinding {
            record_id: row.get(0)?,
            finding_id: row.get(1)?,
            estate: row.get(2)?,
            category: row.get(3)?,
            description: row.get(4)?,
            location: row.get(5)?,
            found_at: from_nanos(row.get(6)?),
            due: row.get::<_, Option<i64>>(7)?.map(from_nanos),
            due_rule: row.get(8)?,
            repairs: row.get(9)?,
        })
    })?
    .collect()
}
