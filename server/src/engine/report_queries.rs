//! The office's reports, read from the read models: the week's coverage
//! grid, the patrol problems, the callbacks due, the monthly rates and the
//! repair tiers. The console's pages and the JSON endpoints share them;
//! they return plain, serialisable structs. Whatever depends on "now"
//! (overdue or not) is decided here, when a report is read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use stairwell_core::rules::rates::{callback_rate, complaint_timeliness_rate, month_bounds};
use stairwell_core::rules::{CallbackOccasion, RateReport};

use crate::reports::*;
use crate::store::{Estate, ReadModels, StorageError};

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
