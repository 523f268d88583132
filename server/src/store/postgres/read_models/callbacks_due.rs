//! The SQL of the `callbacks_due` report rows: inserting a commit's rows
//! in one statement, and the queries the reports read.

use postgres::{Client, Row, Transaction};
use stairwell_core::rules::{Deadline, RuleId};

use super::{batch, code, column, count, from_nanos, last_by_key, nanos, parse, query_rows};
use crate::reports::callbacks_due::*;
use crate::store::StorageError;

pub(super) fn insert(
    tx: &mut Transaction<'_>,
    cases: &[&CallbackCase],
) -> Result<(), StorageError> {
    let cases = last_by_key(cases, |case| case.record_id.as_str());
    batch::execute(
        tx,
        "INSERT INTO callbacks_due (record_id, estate, kind, occasion, title, location,
         callback_by, done_at, due, due_rule, callbacks, first_callback, last_callback,
         settled, next_due, next_rule)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         $15, $16)
         ON CONFLICT (record_id) DO UPDATE SET estate = EXCLUDED.estate,
         kind = EXCLUDED.kind, occasion = EXCLUDED.occasion, title = EXCLUDED.title,
         location = EXCLUDED.location, callback_by = EXCLUDED.callback_by,
         done_at = EXCLUDED.done_at, due = EXCLUDED.due, due_rule = EXCLUDED.due_rule,
         callbacks = EXCLUDED.callbacks, first_callback = EXCLUDED.first_callback,
         last_callback = EXCLUDED.last_callback, settled = EXCLUDED.settled,
         next_due = EXCLUDED.next_due, next_rule = EXCLUDED.next_rule",
        &[
            column(&cases, |case| case.record_id.as_str()),
            column(&cases, |case| case.estate.as_str()),
            column(&cases, |case| case.kind.as_str()),
            column(&cases, |case| code(&case.occasion)),
            column(&cases, |case| case.title.as_str()),
            column(&cases, |case| case.location.as_str()),
            column(&cases, |case| case.callback_by.as_ref().map(code)),
            column(&cases, |case| nanos(case.done_at)),
            column(&cases, |case| nanos(case.due)),
            column(&cases, |case| case.due_rule.as_str()),
            column(&cases, |case| i64::from(case.callbacks)),
            column(&cases, |case| case.first_callback.map(nanos)),
            column(&cases, |case| case.last_callback.map(nanos)),
            column(&cases, |case| case.settled),
            column(&cases, |case| case.next.map(|deadline| nanos(deadline.due))),
            column(&cases, |case| {
                case.next.map(|deadline| deadline.rule.code())
            }),
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "record_id, estate, kind, occasion, title, location, callback_by,
    done_at, due, due_rule, callbacks, first_callback, last_callback, settled, next_due,
    next_rule";

pub(super) fn query(
    client: &mut Client,
    estate: &str,
    filter: CallbackFilter,
) -> Result<Vec<CallbackCase>, StorageError> {
    match filter {
        CallbackFilter::Unsettled => query_rows(
            client,
            &format!(
                "SELECT {COLUMNS} FROM callbacks_due WHERE estate = $1 AND NOT settled
                 ORDER BY coalesce(next_due, due), record_id"
            ),
            &[&estate],
            case,
        ),
        CallbackFilter::DoneIn(from, to) => query_rows(
            client,
            &format!(
                "SELECT {COLUMNS} FROM callbacks_due WHERE estate = $1 AND done_at >= $2
                 AND done_at < $3 ORDER BY done_at, record_id"
            ),
            &[&estate, &nanos(from), &nanos(to)],
            case,
        ),
    }
}

fn case(row: &Row) -> Result<CallbackCase, StorageError> {
    let callback_by: Option<&str> = row.try_get(6)?;
    Ok(CallbackCase {
        record_id: row.try_get(0)?,
        estate: row.try_get(1)?,
        kind: row.try_get(2)?,
        occasion: parse("callbacks_due", row.try_get(3)?)?,
        title: row.try_get(4)?,
        location: row.try_get(5)?,
        callback_by: callback_by
            .map(|by| parse("callbacks_due", by))
            .transpose()?,
        done_at: from_nanos(row.try_get(7)?),
        due: from_nanos(row.try_get(8)?),
        due_rule: row.try_get(9)?,
        callbacks: count(row.try_get(10)?),
        first_callback: row.try_get::<_, Option<i64>>(11)?.map(from_nanos),
        last_callback: row.try_get::<_, Option<i64>>(12)?.map(from_nanos),
        settled: row.try_get(13)?,
        next: next_callback(row.try_get(14)?, row.try_get(15)?),
    })
}

/// The stored next callback, when both its time and a known rule are there.
fn next_callback(due: Option<i64>, rule: Option<&str>) -> Option<Deadline> {
    let rule = RuleId::from_code(rule?)?;
    Some(Deadline::new(rule, from_nanos(due?)))
}
