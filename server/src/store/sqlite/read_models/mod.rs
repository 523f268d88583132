//! [`ReadModels`] over the SQLite file: each report reads on a pooled
//! reader connection, beside the writer (WAL).

use chrono::{DateTime, Utc};

use rusqlite::Connection;

use crate::reports::{
    CallbackCase, CallbackFilter, ComplaintTiming, ModelRows, PatrolFinding, PatrolVisit,
    PlannedPlace, RepairTiming, RoundSummary, TierRates, code,
};
use crate::store::{ReadModels, SqliteStorage, StorageError};

mod callbacks_due;
mod complaint_timeliness;
mod patrol_rounds;
mod patrol_visits;
mod repair_timeliness;

impl ReadModels for SqliteStorage {
    fn patrol_visits(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolVisit>, StorageError> {
        self.with_reader(|conn| Ok(patrol_visits::query_visits(conn, estate, window)?))
    }

    fn patrol_places(&self, estate: &str) -> Result<Vec<PlannedPlace>, StorageError> {
        self.with_reader(|conn| Ok(patrol_visits::query_places(conn, estate)?))
    }

    fn callbacks(
        &self,
        estate: &str,
        filter: CallbackFilter,
    ) -> Result<Vec<CallbackCase>, StorageError> {
        self.with_reader(|conn| Ok(callbacks_due::query(conn, estate, filter)?))
    }

    fn complaints(&self, estate: &str, month: &str) -> Result<Vec<ComplaintTiming>, StorageError> {
        self.with_reader(|conn| Ok(complaint_timeliness::query(conn, estate, month)?))
    }

    fn repairs(&self, estate: &str, month: &str) -> Result<Vec<RepairTiming>, StorageError> {
        self.with_reader(|conn| Ok(repair_timeliness::query(conn, estate, month)?))
    }

    fn repair_tiers(
        &self,
        estate: &str,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<TierRates>, StorageError> {
        self.with_reader(|conn| Ok(repair_timeliness::tiers(conn, estate, month, now)?))
    }

    fn patrol_rounds(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<RoundSummary>, StorageError> {
        self.with_reader(|conn| Ok(patrol_rounds::query_rounds(conn, estate, window)?))
    }

    fn patrol_findings(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolFinding>, StorageError> {
        self.with_reader(|conn| Ok(patrol_rounds::query_findings(conn, estate, window)?))
    }
}

/// Replaces the report rows of record `id`; called inside the transaction
/// that stores the record's change.
pub(super) fn write_rows(
    conn: &Connection,
    id: &str,
    rows: &ModelRows,
) -> Result<(), StorageError> {
    patrol_visits::delete(conn, id)?;
    callbacks_due::delete(conn, id)?;
    complaint_timeliness::delete(conn, id)?;
    repair_timeliness::delete(conn, id)?;
    patrol_rounds::delete(conn, id)?;
    patrol_visits::insert_visits(conn, &rows.patrol_visits)?;
    patrol_visits::insert_places(conn, &rows.patrol_places)?;
    if let Some(case) = &rows.callback {
        callbacks_due::insert(conn, case)?;
    }
    if let Some(row) = &rows.complaint {
        complaint_timeliness::insert(conn, row)?;
    }
    if let Some(row) = &rows.repair {
        repair_timeliness::insert(conn, row)?;
    }
    if let Some(round) = &rows.patrol_round {
        patrol_rounds::insert_round(conn, round)?;
    }
    patrol_rounds::insert_findings(conn, &rows.patrol_findings)?;
    Ok(())
}

/// Empties every report table, before a rebuild.
pub(crate) fn clear(conn: &Connection) -> Result<(), StorageError> {
    conn.execute_batch(
        "DELETE FROM patrol_visits; DELETE FROM patrol_places;
         DELETE FROM callbacks_due; DELETE FROM complaint_timeliness;
         DELETE FROM repair_timeliness; DELETE FROM patrol_rounds;
         DELETE FROM patrol_findings;",
    )?;
    Ok(())
}

/// Times are stored as nanoseconds since the epoch (UTC): deadlines end at
/// the last nanosecond of a day, and a row must say exactly what the rule
/// said, or a rebuild and a comparison could disagree by a rounding.
pub(super) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

pub(super) fn from_nanos(nanos: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(nanos)
}

/// The vocabulary value of a code read from `column`.
pub(super) fn parse<T: serde::de::DeserializeOwned>(
    column: usize,
    code: &str,
) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            Box::new(err),
        )
    })
}
