//! Reads of the report tables, one method per question; a backend
//! implements it beside [`crate::store::Storage`], which hands it out.

use chrono::{DateTime, Utc};

use crate::reports::{
    CallbackCase, CallbackFilter, ComplaintTiming, PatrolFinding, PatrolVisit, PlannedPlace,
    RepairTiming, RoundSummary, TierRates,
};
use crate::store::StorageError;

/// The report tables every backend keeps beside the index rows, each row
/// naming its record in `record_id`.
pub const REPORT_TABLES: [&str; 7] = [
    "patrol_visits",
    "patrol_places",
    "callbacks_due",
    "complaint_timeliness",
    "repair_timeliness",
    "patrol_rounds",
    "patrol_findings",
];

/// Reads of the report tables, one method per question. A storage backend
/// implements it beside [`crate::store::Storage`], which hands it out.
pub trait ReadModels: Send + Sync {
    /// The estate's check-ins in `[from, to)`.
    fn patrol_visits(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolVisit>, StorageError>;
    /// The checkpoints the estate's routes plan.
    fn patrol_places(&self, estate: &str) -> Result<Vec<PlannedPlace>, StorageError>;
    fn callbacks(
        &self,
        estate: &str,
        filter: CallbackFilter,
    ) -> Result<Vec<CallbackCase>, StorageError>;
    /// The complaints and help requests received in `month` (`YYYY-MM`).
    fn complaints(&self, estate: &str, month: &str) -> Result<Vec<ComplaintTiming>, StorageError>;
    /// The repair sheets reported in `month` (`YYYY-MM`).
    fn repairs(&self, estate: &str, month: &str) -> Result<Vec<RepairTiming>, StorageError>;
    /// The repair sheets reported in `month`, counted by urgency tier as of
    /// `now`: every tier, extra urgent first.
    fn repair_tiers(
        &self,
        estate: &str,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<TierRates>, StorageError>;
    /// The estate's rounds started in `[from, to)`.
    fn patrol_rounds(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<RoundSummary>, StorageError>;
    /// The estate's patrol findings made in `[from, to)`.
    fn patrol_findings(
        &self,
        estate: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<PatrolFinding>, StorageError>;
}
