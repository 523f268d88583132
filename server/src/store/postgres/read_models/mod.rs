//! [`ReadModels`] over PostgreSQL: the report tables' rows, replaced inside
//! each commit's transaction (a group's rows in one statement per table,
//! see `batch.rs`), and the queries the reports read, one file per table
//! as in the SQLite backend.

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::{Client, Row, Transaction};

use super::batch::{self, Column, column, last_by_key};
use crate::reports::{
    CallbackCase, CallbackFilter, ComplaintTiming, ModelRows, PatrolFinding, PatrolVisit,
    PlannedPlace, RepairTiming, RoundSummary, TierRates, code,
};
use crate::store::read_models::REPORT_TABLES;
use crate::store::{PostgresStorage, ReadModels, StorageError};

mod callbacks_due;
mod complaint_timeliness;
mod patrol_rounds;
mod patrol_visits;
mod repair_timeliness;

impl ReadModels for PostgresStorage {
    fn patrol_visits(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolVisit>, StorageError> {
        patrol_visits::query_visits(&mut *self.conn()?, estate, window)
    }

    fn patrol_places(&self, estate: &str) -> Result<Vec<PlannedPlace>, StorageError> {
        patrol_visits::query_places(&mut *self.conn()?, estate)
    }

    fn callbacks(
        &self,
        estate: &str,
        filter: CallbackFilter,
    ) -> Result<Vec<CallbackCase>, StorageError> {
        callbacks_due::query(&mut *self.conn()?, estate, filter)
    }

    fn complaints(&self, estate: &str, month: &str) -> Result<Vec<ComplaintTiming>, StorageError> {
        complaint_timeliness::query(&mut *self.conn()?, estate, month)
    }

    fn repairs(&self, estate: &str, month: &str) -> Result<Vec<RepairTiming>, StorageError> {
        repair_timeliness::query(&mut *self.conn()?, estate, month)
    }

    fn repair_tiers(
        &self,
        estate: &str,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<TierRates>, StorageError> {
        repair_timeliness::tiers(&mut *self.conn()?, estate, month, now)
    }

    fn patrol_rounds(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<RoundSummary>, StorageError> {
        patrol_rounds::query_rounds(&mut *self.conn()?, estate, window)
    }

    fn patrol_findings(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolFinding>, StorageError> {
        patrol_rounds::query_findings(&mut *self.conn()?, estate, window)
    }
}

/// Replaces the report rows of each record of `records` (its id, its new
/// rows); called inside the transaction that stores the records' changes.
/// One statement deletes the old rows and one per table inserts the new.
pub(super) fn write_rows(
    tx: &mut Transaction<'_>,
    records: &[(&str, &ModelRows)],
) -> Result<(), StorageError> {
    let ids: Vec<&str> = records.iter().map(|(id, _)| *id).collect();
    batch::execute(tx, &delete_rows_sql(), &[Column::new(ids)])?;
    let rows: Vec<&ModelRows> = records.iter().map(|(_, rows)| *rows).collect();
    patrol_visits::insert_visits(tx, &gather(&rows, |rows| &rows.patrol_visits))?;
    patrol_visits::insert_places(tx, &gather(&rows, |rows| &rows.patrol_places))?;
    callbacks_due::insert(tx, &gather(&rows, |rows| &rows.callback))?;
    complaint_timeliness::insert(tx, &gather(&rows, |rows| &rows.complaint))?;
    repair_timeliness::insert(tx, &gather(&rows, |rows| &rows.repair))?;
    patrol_rounds::insert_rounds(tx, &gather(&rows, |rows| &rows.patrol_round))?;
    patrol_rounds::insert_findings(tx, &gather(&rows, |rows| &rows.patrol_findings))?;
    Ok(())
}

/// The rows of one table that `records` contribute, in their order.
fn gather<'a, T: 'a, I>(records: &[&'a ModelRows], table: impl Fn(&'a ModelRows) -> I) -> Vec<&'a T>
where
    I: IntoIterator<Item = &'a T>,
{
    records.iter().flat_map(|&rows| table(rows)).collect()
}

/// Deletes the records' rows from every report table in one statement
/// (one data-modifying CTE per table), rather than one round trip per
/// table.
fn delete_rows_sql() -> String {
    let deletes: Vec<String> = REPORT_TABLES
        .iter()
        .enumerate()
        .map(|(at, table)| format!("d{at} AS (DELETE FROM {table} WHERE record_id = ANY($1))"))
        .collect();
    format!("WITH {} SELECT 1", deletes.join(", "))
}

/// Empties every report table, before a rebuild. DELETE, not TRUNCATE:
/// the reports other replicas read meanwhile see the old rows, where
/// TRUNCATE's lock would hold them up until the rebuild commits.
pub(super) fn clear(tx: &mut Transaction<'_>) -> Result<(), StorageError> {
    let sql: String = REPORT_TABLES
        .iter()
        .map(|table| format!("DELETE FROM {table};"))
        .collect();
    tx.batch_execute(&sql)?;
    Ok(())
}

/// Each row `sql` selects with `params`, as `read` makes it.
fn query_rows<T>(
    client: &mut Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    read: impl Fn(&Row) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    client.query(sql, params)?.iter().map(read).collect()
}

/// Times are stored as nanoseconds since the epoch (UTC), as SQLite keeps
/// them: deadlines end at the last nanosecond of a day, and a row must say
/// exactly what the rule said.
fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

fn from_nanos(nanos: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(nanos)
}

/// Counts are `bigint` columns; the structs hold `u32`.
fn count(stored: i64) -> u32 {
    u32::try_from(stored).unwrap_or(0)
}

/// The vocabulary value of a stored code.
fn parse<T: serde::de::DeserializeOwned>(table: &str, code: &str) -> Result<T, StorageError> {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .map_err(|err| StorageError::Damaged(format!("{table}: {code:?}: {err}")))
}
