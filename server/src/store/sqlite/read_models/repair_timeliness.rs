//! The SQL of the `repair_timeliness` report rows: replacing a record's rows inside
//! its commit, and the queries the reports read.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{code, from_nanos, nanos, parse};
use crate::reports::repair_timeliness::*;

pub(super) fn delete(conn: &Connection, record_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM repair_timeliness WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

pub(super) fn insert(conn: &Connection, row: &RepairTiming) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO repair_timeliness (record_id, estate, title, urgency,
         reported_at, due, due_rule, done_at, on_time, month)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        row.record_id,
        row.estate,
        row.title,
        code(&row.urgency),
        nanos(row.reported_at),
        nanos(row.due),
        row.due_rule,
        row.done_at.map(nanos),
        row.on_time,
        row.month,
    ])?;
    Ok(())
}

/// The estate's sheets reported in `month`, oldest first.
pub(super) fn query(
    conn: &Connection,
    estate: &str,
    month: &str,
) -> rusqlite::Result<Vec<RepairTiming>> {
    conn.prepare_cached(
        "SELECT record_id, estate, title, urgency, reported_at, due, due_rule, done_at,
         on_time, month FROM repair_timeliness WHERE estate = ?1 AND month = ?2
         ORDER BY reported_at, record_id",
    )?
    .query_map(params![estate, month], |row| {
        let urgency: String = row.get(3)?;
        Ok(RepairTiming {
            record_id: row.get(0)?,
            estate: row.get(1)?,
            title: row.get(2)?,
            urgency: parse(3, &urgency)?,
            reported_at: from_nanos(row.get(4)?),
            due: from_nanos(row.get(5)?),
            due_rule: row.get(6)?,
            done_at: row.get::<_, Option<i64>>(7)?.map(from_nanos),
            on_time: row.get(8)?,
            month: row.get(9)?,
        })
    })?
    .collect()
}

/// The estate's sheets reported in `month` (`YYYY-MM`), counted by tier as
/// of `now`: every tier, in [`TIERS`] order, those without sheets as zeros.
pub(super) fn tiers(
    conn: &Connection,
    estate: &str,
    month: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<TierRates>> {
    let counted = conn
        .prepare_cached(
            "SELECT urgency, count(*),
             coalesce(sum(on_time = 1), 0),
             coalesce(sum(on_time = 0 OR (on_time IS NULL AND due < ?3)), 0),
             coalesce(sum(on_time IS NULL AND due >= ?3), 0)
             FROM repair_timeliness WHERE estate = ?1 AND month = ?2 GROUP BY urgency",
        )?
        .query_map(params![estate, month, nanos(now)], |row| {
            let urgency: String = row.get(0)?;
            Ok(TierRates {
                sheets: row.get(1)?,
                on_time: row.get(2)?,
                late: row.get(3)?,
                pending: row.get(4)?,
                ..TierRates::empty(parse(0, &urgency)?)
            })
        })?
        .collect::<rusqlite::Result<Vec<TierRates>>>()?;
    Ok(TIERS
        .into_iter()
        .map(|urgency| {
            counted
                .iter()
                .find(|tier| tier.urgency == urgency)
                .cloned()
                .unwrap_or_else(|| TierRates::empty(urgency))
        })
        .collect())
}
