//! Report read models: plain SQL tables derived from the documents, beyond
//! the one index row per record (`read_model`), so that the office's
//! reports are queries instead of a load of every document:
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
//! storage replaces the record's rows in the same transaction as the change
//! itself; `stairwell admin rebuild-read-models` recomputes them all. The
//! documents stay the source of truth: rows are a pure function of a
//! record and its estate's time zone, never of the clock, so a rebuild gives
//! the same rows. Whatever depends on "now" (overdue or not) is decided when
//! a report is read.
//!
//! The functions at the bottom are the read API the office console and the
//! JSON endpoints ([`crate::reports_handler`]) share; they return plain,
//! serialisable structs.

pub mod callbacks_due;
pub mod complaint_timeliness;
pub mod patrol_rounds;
pub mod patrol_visits;
pub mod repair_timeliness;
mod sqlite;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::Serialize;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::rules::rates::{callback_rate, complaint_timeliness_rate, month_bounds};
use stairwell_core::rules::{CallbackOccasion, RateReport};

pub use callbacks_due::{CallbackCase, CallbackFilter};
pub use complaint_timeliness::ComplaintTiming;
pub use patrol_rounds::{PatrolFinding, RoundSummary};
pub use patrol_visits::{CoverageGrid, PatrolVisit, PlannedPlace};
pub use repair_timeliness::{RepairTiming, TierRates};

use crate::storage::{Estate, StorageError};

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

/// Replaces the report rows of record `id`; called inside the transaction
/// that stores the record's change.
pub(crate) fn write_rows(
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

/// Reads of the report tables, one method per question. A storage backend
/// implements it beside [`crate::storage::Storage`], which hands it out.
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

/// Times are stored as nanoseconds since the epoch (UTC): deadlines end at
/// the last nanosecond of a day, and a row must say exactly what the rule
/// said, or a rebuild and a comparison could disagree by a rounding.
pub(crate) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

pub(crate) fn from_nanos(nanos: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(nanos)
}

/// The snake_case code a vocabulary value serialises to.
pub(crate) fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        _ => String::new(),
    }
}

/// The vocabulary value of a code read from `column`.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
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

// ---- The read API -------------------------------------------------------

/// The building × floor coverage of `estate` in the local week (Monday to
/// Monday) holding `day`.
pub fn coverage_grid(
    models: &dyn ReadModels,
    estate: &Estate,
    day: NaiveDate,
) -> Result<CoverageGrid, StorageError> {
    let week = patrol_visits::week_of(day, estate.tz);
    let planned = models.patrol_places(&estate.id)?;
    let visits = models.patrol_visits(&estate.id, week)?;
    Ok(patrol_visits::grid(
        &estate.id, estate.tz, week, &planned, &visits,
    ))
}

/// The week's patrol problems, as of an instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolExceptions {
    pub estate: String,
    pub at: DateTime<Utc>,
    /// The local week (Monday to Monday).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Rounds started in the week.
    pub rounds: usize,
    /// Those that missed checkpoints or went out of the planned order, in
    /// the order they started.
    pub round_issues: Vec<RoundSummary>,
    /// Findings of the week past their reporting deadline with no repair
    /// sheet opened for them, the longest overdue first.
    pub late_findings: Vec<PatrolFinding>,
}

/// The rounds of `estate`'s local week holding `day` that went wrong, and
/// the week's findings late at `now`.
pub fn patrol_exceptions(
    models: &dyn ReadModels,
    estate: &Estate,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PatrolExceptions, StorageError> {
    let week = patrol_visits::week_of(day, estate.tz);
    let rounds = models.patrol_rounds(&estate.id, week)?;
    let count = rounds.len();
    let round_issues = rounds
        .into_iter()
        .filter(RoundSummary::has_issues)
        .collect();
    let mut late_findings: Vec<PatrolFinding> = models
        .patrol_findings(&estate.id, week)?
        .into_iter()
        .filter(|finding| finding.late_at(now))
        .collect();
    late_findings.sort_by_key(|finding| finding.due);
    Ok(PatrolExceptions {
        estate: estate.id.clone(),
        at: now,
        from: week.0,
        to: week.1,
        rounds: count,
        round_issues,
        late_findings,
    })
}

/// What is to be called back at an instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbacksReport {
    pub estate: String,
    pub at: DateTime<Utc>,
    /// Not yet due: still in time.
    pub due: Vec<CallbackCase>,
    /// Past their due time and not settled, most overdue first.
    pub overdue: Vec<CallbackCase>,
}

/// Every case still to be called back at `now`, split by whether it is late.
pub fn callbacks_at(
    models: &dyn ReadModels,
    estate: &Estate,
    now: DateTime<Utc>,
) -> Result<CallbacksReport, StorageError> {
    let (overdue, due) = models
        .callbacks(&estate.id, CallbackFilter::Unsettled)?
        .into_iter()
        .partition(|case| case.overdue_at(now));
    Ok(CallbacksReport {
        estate: estate.id.clone(),
        at: now,
        due,
        overdue,
    })
}

/// Complaints of a month by how they were handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TimelinessCounts {
    /// Counted in the rate (duplicates are not).
    pub total: u32,
    pub on_time: u32,
    /// Handled, but after the due time.
    pub late: u32,
    /// Not handled and past the due time at the report's instant.
    pub unhandled_late: u32,
    /// Not handled, still in time.
    pub pending: u32,
}

impl TimelinessCounts {
    fn of<'a>(rows: impl Iterator<Item = &'a ComplaintTiming>, now: DateTime<Utc>) -> Self {
        let mut counts = TimelinessCounts::default();
        for row in rows.filter(|row| row.counted) {
            counts.total += 1;
            match row.on_time {
                Some(true) => counts.on_time += 1,
                Some(false) => counts.late += 1,
                None if row.late_unhandled_at(now) => counts.unhandled_late += 1,
                None => counts.pending += 1,
            }
        }
        counts
    }
}

/// One local month's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyReport {
    pub estate: String,
    pub month: String,
    pub time_zone: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Complaints handled on time / all complaints received in the month.
    pub complaint_timeliness: RateReport,
    pub complaints: TimelinessCounts,
    /// Help requests answered in time (no rate of its own in docs/DOMAIN.md).
    pub help_requests: TimelinessCounts,
    /// Share of complaints handled in the month that were called back.
    pub complaint_callbacks: RateReport,
    /// Share of repairs completed in the month that were called back.
    pub repair_callbacks: RateReport,
}

/// The monthly rates of `estate` for the local month `year`-`month`, as of
/// `now` (which only decides whether an unhandled case is late yet).
/// `None` for a month outside 1-12.
pub fn monthly_rates(
    models: &dyn ReadModels,
    estate: &Estate,
    (year, month): (i32, u32),
    now: DateTime<Utc>,
) -> Result<Option<MonthlyReport>, StorageError> {
    let Some((from, to)) = month_bounds(year, month, estate.tz) else {
        return Ok(None);
    };
    let name = complaint_timeliness::month_name((year, month));
    let rows = models.complaints(&estate.id, &name)?;
    let complaints = TimelinessCounts::of(rows.iter().filter(|row| row.is_complaint()), now);
    let help_requests = TimelinessCounts::of(rows.iter().filter(|row| !row.is_complaint()), now);
    let cases = models.callbacks(&estate.id, CallbackFilter::DoneIn(from, to))?;
    let share = |occasion: CallbackOccasion| {
        let of_kind = cases.iter().filter(|case| case.occasion == occasion);
        let called = of_kind.clone().filter(|case| case.called_back()).count();
        callback_rate(occasion, count(called), count(of_kind.count()))
    };
    Ok(Some(MonthlyReport {
        estate: estate.id.clone(),
        month: name,
        time_zone: estate.tz.name().to_owned(),
        from,
        to,
        complaint_timeliness: complaint_timeliness_rate(complaints.on_time, complaints.total, None),
        complaints,
        help_requests,
        complaint_callbacks: share(CallbackOccasion::ComplaintHandled),
        repair_callbacks: share(CallbackOccasion::RepairCompleted),
    }))
}

/// The repair tiers of `estate`'s local month `year`-`month` as of `now`
/// (which only decides whether a sheet not yet done is late).
pub fn repair_tiers(
    models: &dyn ReadModels,
    estate: &Estate,
    month: (i32, u32),
    now: DateTime<Utc>,
) -> Result<Vec<TierRates>, StorageError> {
    models.repair_tiers(&estate.id, &complaint_timeliness::month_name(month), now)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
