//! The report rows a record contributes, derived from its document as pure
//! functions (no SQL, no clock). The store keeps them in tables beside the
//! one index row per record, so that the office's reports are queries
//! instead of a load of every document:
//!
//! - [`patrol_visits`]: every check-in and every planned checkpoint, from
//!   which a week's building × floor coverage is counted;
//! - [`callbacks_due`]: every completed repair and handled complaint with
//!   its callback due time and whether it was called back and settled;
//! - [`complaint_timeliness`]: every complaint and help request, whether it
//!   was handled on time and the month it counts in;
//! - [`repair_timeliness`]: every repair sheet against its urgency tier's
//!   deadline, and the month it was reported in;
//! - [`patrol_rounds`]: every round with the checkpoints it missed or took
//!   out of order (`patrol_rounds`), and every finding with its reporting
//!   deadline and the repair sheets opened for it (`patrol_findings`).
//!
//! The writer derives a record's [`ModelRows`] beside its index row and
//! the store replaces the record's rows in the same transaction as the change
//! itself; `stairwell admin rebuild-read-models` recomputes them all. The
//! documents stay the source of truth: rows are a pure function of a
//! record and its estate's time zone, never of the clock, so a rebuild gives
//! the same rows. Whatever depends on "now" (overdue or not) is decided when
//! a report is read.
//!
//! The SQL of these rows is in `store::sqlite::read_models`; the reports
//! read from them are in `engine::report_queries`.

pub mod callbacks_due;
pub mod complaint_timeliness;
pub mod patrol_rounds;
pub mod patrol_visits;
pub mod repair_timeliness;

use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::AnyRecord;

pub use callbacks_due::{CallbackCase, CallbackFilter};
pub use complaint_timeliness::ComplaintTiming;
pub use patrol_rounds::{PatrolFinding, RoundSummary};
pub use patrol_visits::{CoverageGrid, PatrolVisit, PlannedPlace};
pub use repair_timeliness::{RepairTiming, TierRates};

/// The snake_case code a vocabulary value serialises to.
pub fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        _ => String::new(),
    }
}

/// Every report row one record contributes, replacing what it had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelRows {
    pub patrol_visits: Vec<PatrolVisit>,
    pub patrol_places: Vec<PlannedPlace>,
    pub callback: Option<CallbackCase>,
    pub complaint: Option<ComplaintTiming>,
    pub repair: Option<RepairTiming>,
    pub patrol_round: Option<RoundSummary>,
    pub patrol_findings: Vec<PatrolFinding>,
}

impl ModelRows {
    /// The rows of `record`, with deadlines in its estate's time zone.
    pub fn derive(record: &AnyRecord, tz: Tz) -> ModelRows {
        let mut rows = ModelRows::default();
        match record {
            AnyRecord::PatrolRound(round) => {
                rows.patrol_visits = patrol_visits::visits_of(round);
                rows.patrol_round = Some(patrol_rounds::round_of(round));
                rows.patrol_findings = patrol_rounds::findings_of(round);
            }
            AnyRecord::RouteTemplate(route) => rows.patrol_places = patrol_visits::places_of(route),
            AnyRecord::RepairSheet(sheet) => {
                rows.callback = callbacks_due::of_repair(sheet, tz);
                rows.repair = Some(repair_timeliness::of_repair(sheet, tz));
            }
            AnyRecord::Complaint(complaint) => {
                rows.callback = callbacks_due::of_complaint(complaint, tz);
                rows.complaint = Some(complaint_timeliness::of_complaint(complaint, tz));
            }
            AnyRecord::ChecklistTemplate(_) | AnyRecord::Checklist(_) | AnyRecord::DutyLog(_) => {}
        }
        rows
    }
}
