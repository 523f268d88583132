//! The SQL of the `complaint_timeliness` report rows: replacing a record's rows inside
//! its commit, and the queries the reports read.

use rusqlite::{Connection, params};

use super::{from_nanos, nanos};
use crate::reports::complaint_timeliness::*;

pub(super) fn delete(conn: &Connection, record_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM complaint_timeliness WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

pub(super) fn insert(conn: &Connection, row: &ComplaintTiming) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO complaint_timeliness (record_id, estate, channel, title,
         received_at, handled_at, due, on_time, month, counted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        row.record_id,
        row.estate,
        row.channel,
        row.title,
        nanos(row.received_at),
        row.handled_at.map(nanos),
        nanos(row.due),
        row.on_time,
        row.month,
        row.counted,
    ])?;
    Ok(())
}

/// The estate's complaints and help requests received in `month` (`YYYY-MM`).
pub(super) fn query(
    conn: &Connection,
    estate: &str,
    month: &str,
) -> rusqlite::Result<Vec<ComplaintTiming>> {
    conn.prepare_cached(
        "SELECT record_id, estate, channel, title, received_at, handled_at, due, on_time,
         month, counted FROM complaint_timeliness WHERE estate = ?1 AND month = ?2
         ORDER BY received_at, record_id",
    )?
    .query_map(params![estate, month], |row| {
        Ok(ComplaintTiming {
            record_id: row.get(0)?,
            estate: row.get(1)?,
            channel: row.get(2)?,
            title: row.get(3)?,
            received_at: from_nanos(row.get(4)?),
            handled_at: row.get::<_, Option<i64>>(5)?.map(from_nanos),
            due: from_nanos(row.get(6)?),
            on_time: row.get(7)?,
            month: row.get(8)?,
            counted: row.get(9)?,
        })
    })?
    .collect()
}
