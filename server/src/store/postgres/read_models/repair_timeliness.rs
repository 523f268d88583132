//! The SQL of the `repair_timeliness` report rows: inserting a commit's
//! rows in one statement, and the queries the reports read.

use chrono::{DateTime, Utc};
use postgres::{Client, Transaction};

use super::{batch, code, column, count, from_nanos, last_by_key, nanos, parse, query_rows};
use crate::reports::repair_timeliness::*;
use crate::store::StorageError;

pub(super) fn insert(tx: &mut Transaction<'_>, rows: &[&RepairTiming]) -> Result<(), StorageError> {
    let rows = last_by_key(rows, |row| row.record_id.as_str());
    batch::execute(
        tx,
        "INSERT INTO repair_timeliness (record_id, estate, title, urgency, reported_at, due,
         due_rule, done_at, on_time, month)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (record_id) DO UPDATE SET estate = EXCLUDED.estate,
         title = EXCLUDED.title, urgency = EXCLUDED.urgency,
         reported_at = EXCLUDED.reported_at, due = EXCLUDED.due,
         due_rule = EXCLUDED.due_rule, done_at = EXCLUDED.done_at,
         on_time = EXCLUDED.on_time, month = EXCLUDED.month",
        &[
            column(&rows, |row| row.record_id.as_str()),
            column(&rows, |row| row.estate.as_str()),
            column(&rows, |row| row.title.as_str()),
            column(&rows, |row| code(&row.urgency)),
            column(&rows, |row| nanos(row.reported_at)),
            column(&rows, |row| nanos(row.due)),
            column(&rows, |row| row.due_rule.as_str()),
            column(&rows, |row| row.done_at.map(nanos)),
            column(&rows, |row| row.on_time),
            column(&rows, |row| row.month.as_str()),
        ],
    )?;
    Ok(())
}

/// The estate's sheets reported in `month`, oldest first.
pub(super) fn query(
    client: &mut Client,
    estate: &str,
    month: &str,
) -> Result<Vec<RepairTiming>, StorageError> {
    const SQL: &str = "SELECT record_id, estate, title, urgency, reported_at, due,
        due_rule, done_at, on_time, month FROM repair_timeliness
        WHERE estate = $1 AND month = $2 ORDER BY reported_at, record_id";
    query_rows(client, SQL, &[&estate, &month], |row| {
        Ok(RepairTiming {
            record_id: row.try_get(0)?,
            estate: row.try_get(1)?,
            title: row.try_get(2)?,
            urgency: parse("repair_timeliness", row.try_get(3)?)?,
            reported_at: from_nanos(row.try_get(4)?),
            due: from_nanos(row.try_get(5)?),
            due_rule: row.try_get(6)?,
            done_at: row.try_get::<_, Option<i64>>(7)?.map(from_nanos),
            on_time: row.try_get(8)?,
            month: row.try_get(9)?,
        })
    })
}

/// The estate's sheets reported in `month` (`YYYY-MM`), counted by tier as
/// of `now`: every tier, in [`TIERS`] order, those without sheets as zeros.
pub(super) fn tiers(
    client: &mut Client,
    estate: &str,
    month: &str,
    now: DateTime<Utc>,
) -> Result<Vec<TierRates>, StorageError> {
    const SQL: &str = "SELECT urgency, count(*),
        count(*) FILTER (WHERE on_time),
        count(*) FILTER (WHERE NOT on_time OR (on_time IS NULL AND due < $3)),
        count(*) FILTER (WHERE on_time IS NULL AND due >= $3)
        FROM repair_timeliness WHERE estate = $1 AND month = $2 GROUP BY urgency";
    let counted = query_rows(client, SQL, &[&estate, &month, &nanos(now)], |row| {
        Ok(TierRates {
            sheets: count(row.try_get(1)?),
            on_time: count(row.try_get(2)?),
            late: count(row.try_get(3)?),
            pending: count(row.try_get(4)?),
            ..TierRates::empty(parse("repair_timeliness", row.try_get(0)?)?)
        })
    })?;
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
