//! The SQL of the `patrol_rounds` and `patrol_findings` report rows:
//! inserting a commit's rows in one statement per table, and the queries
//! the reports read.

use chrono::{DateTime, Utc};
use postgres::{Client, Transaction};

use super::{Column, batch, column, count, from_nanos, last_by_key, nanos, query_rows};
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

pub(super) fn insert_rounds(
    tx: &mut Transaction<'_>,
    rounds: &[&RoundSummary],
) -> Result<(), StorageError> {
    let rounds = last_by_key(rounds, |round| round.record_id.as_str());
    let json = |codes: fn(&RoundSummary) -> &[String]| {
        let texts = rounds.iter().map(|&round| to_json(codes(round)));
        Ok::<_, StorageError>(Column::new(texts.collect::<Result<Vec<_>, _>>()?))
    };
    batch::execute(
        tx,
        "INSERT INTO patrol_rounds (record_id, estate, route, officer, started_at,
         finished_at, missed, out_of_order)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (record_id) DO UPDATE SET estate = EXCLUDED.estate,
         route = EXCLUDED.route, officer = EXCLUDED.officer,
         started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         missed = EXCLUDED.missed, out_of_order = EXCLUDED.out_of_order",
        &[
            column(&rounds, |round| round.record_id.as_str()),
            column(&rounds, |round| round.estate.as_str()),
            column(&rounds, |round| round.route.as_str()),
            column(&rounds, |round| round.officer.as_str()),
            column(&rounds, |round| nanos(round.started_at)),
            column(&rounds, |round| round.finished_at.map(nanos)),
            json(|round| &round.missed)?,
            json(|round| &round.out_of_order)?,
        ],
    )?;
    Ok(())
}

pub(super) fn insert_findings(
    tx: &mut Transaction<'_>,
    findings: &[&PatrolFinding],
) -> Result<(), StorageError> {
    let findings = last_by_key(findings, |finding| {
        (finding.record_id.as_str(), finding.finding_id.as_str())
    });
    batch::execute(
        tx,
        "INSERT INTO patrol_findings (record_id, finding_id, estate, category, description,
         location, found_at, due, due_rule, repairs)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (record_id, finding_id) DO UPDATE SET estate = EXCLUDED.estate,
         category = EXCLUDED.category, description = EXCLUDED.description,
         location = EXCLUDED.location, found_at = EXCLUDED.found_at, due = EXCLUDED.due,
         due_rule = EXCLUDED.due_rule, repairs = EXCLUDED.repairs",
        &[
            column(&findings, |finding| finding.record_id.as_str()),
            column(&findings, |finding| finding.finding_id.as_str()),
            column(&findings, |finding| finding.estate.as_str()),
            column(&findings, |finding| finding.category.as_str()),
            column(&findings, |finding| finding.description.as_str()),
            column(&findings, |finding| finding.location.as_str()),
            column(&findings, |finding| nanos(finding.found_at)),
            column(&findings, |finding| finding.due.map(nanos)),
            column(&findings, |finding| finding.due_rule.as_deref()),
            column(&findings, |finding| i64::from(finding.repairs)),
        ],
    )?;
    Ok(())
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
