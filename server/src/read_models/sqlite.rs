//! [`ReadModels`] over the SQLite file: each report reads on a pooled
//! reader connection, beside the writer (WAL).

use chrono::{DateTime, Utc};

use super::{
    CallbackCase, CallbackFilter, ComplaintTiming, PatrolFinding, PatrolVisit, PlannedPlace,
    ReadModels, RepairTiming, RoundSummary, TierRates, callbacks_due, complaint_timeliness,
    patrol_rounds, patrol_visits, repair_timeliness,
};
use crate::storage::{SqliteStorage, StorageError};

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
