//! The SQL of the `callbacks_due` report rows: replacing a record's rows inside
//! its commit, and the queries the reports read.

use rusqlite::{Connection, params};
use stairwell_core::rules::{Deadline, RuleId};

use super::{code, from_nanos, nanos, parse};
use crate::reports::callbacks_due::*;

pub(super) fn delete(conn: &Connection, record_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM callbacks_due WHERE record_id = ?1")?
        .execute([record_id])?;
    Ok(())
}

pub(super) fn insert(conn: &Connection, case: &CallbackCase) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO callbacks_due (record_id, estate, kind, occasion, title,
         location, callback_by, done_at, due, due_rule, callbacks, first_callback,
         last_callback, settled, next_due, next_rule)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        case.record_id,
        case.estate,
        case.kind,
        code(&case.occasion),
        case.title,
        case.location,
        case.callback_by.as_ref().map(code),
        nanos(case.done_at),
        nanos(case.due),
        case.due_rule,
        case.callbacks,
        case.first_callback.map(nanos),
        case.last_callback.map(nanos),
        case.settled,
        case.next.map(|deadline| nanos(deadline.due)),
        case.next.map(|deadline| deadline.rule.code()),
    ])?;
    Ok(())
}

pub(super) fn query(
    conn: &Connection,
    estate: &str,
    filter: CallbackFilter,
) -> rusqlite::Result<Vec<CallbackCase>> {
    const COLUMNS: &str = "record_id, estate, kind, occasion, title, location, callback_by,
        done_at, due, due_rule, callbacks, first_callback, last_callback, settled, next_due,
        next_rule";
    let (sql, from, to) = match filter {
        CallbackFilter::Unsettled => (
            format!(
                "SELECT {COLUMNS} FROM callbacks_due WHERE estate = ?1 AND settled = 0
                 AND ?2 <= ?3 ORDER BY coalesce(next_due, due), record_id"
            ),
            0,
            0,
        ),
        CallbackFilter::DoneIn(from, to) => (
            format!(
                "SELECT {COLUMNS} FROM callbacks_due WHERE estate = ?1 AND done_at >= ?2
                 AND done_at < ?3 ORDER BY done_at, record_id"
            ),
            nanos(from),
            nanos(to),
        ),
    };
    conn.prepare_cached(&sql)?
        .query_map(params![estate, from, to], |row| {
            let occasion: String = row.get(3)?;
            let callback_by: Option<String> = row.get(6)?;
            Ok(CallbackCase {
                record_id: row.get(0)?,
                estate: row.get(1)?,
                kind: row.get(2)?,
                occasion: parse(3, &occasion)?,
                title: row.get(4)?,
                location: row.get(5)?,
                callback_by: callback_by.map(|by| parse(6, &by)).transpose()?,
                done_at: from_nanos(row.get(7)?),
                due: from_nanos(row.get(8)?),
                due_rule: row.get(9)?,
                callbacks: row.get(10)?,
                first_callback: row.get::<_, Option<i64>>(11)?.map(from_nanos),
                last_callback: row.get::<_, Option<i64>>(12)?.map(from_nanos),
                settled: row.get(13)?,
                next: next_callback(row.get(14)?, row.get(15)?),
            })
        })?
        .collect()
}

/// The stored next callback, when both its time and a known rule are there.
fn next_callback(due: Option<i64>, rule: Option<String>) -> Option<Deadline> {
    let rule = RuleId::from_code(&rule?)?;
    Some(Deadline::new(rule, from_nanos(due?)))
}
