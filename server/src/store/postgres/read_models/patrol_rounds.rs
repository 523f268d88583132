//! The SQL of the `patrol_rounds` and `patrol_findings` report rows:
//! inserting a record's rows inside its commit, and the queries the
//! reports read.

use chrono::{DateTime, Utc};
use postgres::{Client, Transaction};

use super::{count, from_nanos, insert_each, nanos, query_rows};
use crate::reports::patrol_rounds::*;
use crate::store::StorageError;

/// Checkpoint codes are kept as a JSON array in a text column, as SQLite
/// keeps them.
fn to_json(codes: &[String]) -> Result<String, StorageError> {
    serde_json::to_string(codes).map_err(|err| StorageError::Damaged(err.to_string()))
}

fn from_json(text: &str) -> Result<Vec<String>, StorageError> {
    serde_json::from_str(text)
        .map_err(|err| StorageError::Damaged(format!("patrol_rounds: {text:?}: {err}")))
}

pub(super) fn insert_round(
    tx: &mut Transaction<'_>,
    round: &RoundSummary,
) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO patrol_rounds (record_id, estate, route, officer, started_at,
         finished_at, missed, out_of_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (record_id) DO UPDATE SET estate = EXCLUDED.estate,
         route = EXCLUDED.route, officer = EXCLUDED.officer,
         started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         missed = EXCLUDED.missed, out_of_order = EXCLUDED.out_of_order",
        &[
            &round.record_id,
            &round.estate,
            &round.route,
            &round.officer,
            &nanos(round.started_at),
            &round.finished_at.map(nanos),
            &to_json(&round.missed)?,
            &to_json(&round.out_of_order)?,
        ],
    )?;
    Ok(())
}

pub(super) fn insert_findings(
    tx: &mut Transaction<'_>,
    findings: &[PatrolFinding],
) -> Result<(), StorageError> {
    const SQL: &str = "INSERT INTO patrol_findings (record_id, finding_id, estate,
        category, description, location, found_at, due, due_rule, repairs)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (record_id, finding_id) DO UPDATE SET estate = EXCLUDED.estate,
        category = EXCLUDED.category, description = EXCLUDED.description,
        location = EXCLUDED.location, found_at = EXCLUDED.found_at, due = EXCLUDED.due,
        due_rule = EXCLUDED.due_rule, repairs = EXCLUDED.repairs";
    insert_each(tx, SQL, findings, |tx, insert, finding| {
        tx.execute(
            insert,
            &[
                &finding.record_id,
                &finding.finding_id,
                &finding.estate,
                &finding.category,
                &finding.description,
                &finding.location,
                &nanos(finding.found_at),
                &finding.due.map(nanos),
                &finding.due_rule,
                &i64::from(finding.repairs),
            ],
        )
    })
}

/// The estate's rounds started in `[from, to)`, in the order they started.
pub(super) fn query_rounds(
    client: &mut Client,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<RoundSummary>, StorageError> {
    const SQL: &str = "SELECT record_id, estate, route, officer, started_at, finished_at,
        missed, out_of_order FROM patrol_rounds WHERE estate = $1 AND started_at >= $2
        AND started_at < $3 ORDER BY started_at, record_id";
    query_rows(client, SQL, &[&estate, &nanos(from), &nanos(to)], |row| {
        Ok(RoundSummary {
            record_id: row.try_get(0)?,
            estate: row.try_get(1)?,
            route: row.try_get(2)?,
            officer: row.try_get(3)?,
            started_at: from_nanos(row.try_get(4)?),
            finished_at: row.try_get::<_, Option<i64>>(5)?.map(from_nanos),
            missed: from_json(row.try_get(6)?)?,
            out_of_order: from_json(row.try_get(7)?)?,
        })
    })
}

/// The estate's findings made in `[from, to)`, in the order they were made.
pub(super) fn query_findings(
    client: &mut Client,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<PatrolFinding>, StorageError> {
    const SQL: &str = "SELECT record_id, finding_id, estate, category, description,
        location, found_at, due, due_rule, repairs FROM patrol_findings WHERE estate = $1
        AND found_at >= $2 AND found_at < $3 ORDER BY found_at, record_id, finding_id";
    query_rows(client, SQL, &[&estate, &nanos(from), &nanos(to)], |row| {
        Ok(PatrolFinding {
            record_id: row.try_get(0)?,
            finding_id: row.try_get(1)?,
            estate: row.try_get(2)?,
            category: row.try_get(3)?,
            description: row.try_get(4)?,
            location: row.try_get(5)?,
            found_at: from_nanos(row.try_get(6)?),
            due: row.try_get::<_, Option<i64>>(7)?.map(from_nanos),
            due_rule: row.try_get(8)?,
            repairs: count(row.try_get(9)?),
        })
    })
}
