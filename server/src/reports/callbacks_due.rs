//! Callbacks [docs/DOMAIN.md §5]: after a repair is completed (within 1 month) or a
//! complaint is handled (within 3 days) the resident is called back, again
//! and again until satisfied. `callbacks_due` keeps one row per case that
//! calls for a callback, with its due time from `rules::callbacks`, so the
//! office's "callbacks due / overdue" list and the monthly callback shares
//! are queries, not a scan of every sheet.
//!
//! A row is a pure function of the record; whether it is overdue depends on
//! the instant it is read at, so that is decided by the query, never stored.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::complaint::{CallbackBy, Channel, Complaint};
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::rules::CallbackOccasion;
use stairwell_core::rules::callbacks::callback_deadline;

/// One case waiting for (or having had) its callbacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackCase {
    pub record_id: String,
    pub estate: String,
    /// `repair_sheet` or `complaint`.
    pub kind: String,
    pub occasion: CallbackOccasion,
    pub title: String,
    pub location: String,
    /// Who should call, for a complaint (by its seriousness).
    pub callback_by: Option<CallbackBy>,
    /// When the repair was completed or the complaint handled.
    pub done_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub due_rule: String,
    /// Callbacks made so far.
    pub callbacks: u32,
    pub first_callback: Option<DateTime<Utc>>,
    pub last_callback: Option<DateTime<Utc>>,
    /// The last callback left the resident satisfied: nothing more is due.
    pub settled: bool,
}

impl CallbackCase {
    pub fn called_back(&self) -> bool {
        self.callbacks > 0
    }

    /// Whether the first callback was made by the due time.
    pub fn called_back_on_time(&self) -> bool {
        self.first_callback.is_some_and(|first| first <= self.due)
    }

    /// Still to be called back (again) and past its due time at `now`.
    pub fn overdue_at(&self, now: DateTime<Utc>) -> bool {
        !self.settled && now > self.due
    }
}

/// A completed repair's case; none before completion (a declined job is
/// never called back).
pub fn of_repair(sheet: &RepairSheet, tz: Tz) -> Option<CallbackCase> {
    let view = sheet.view();
    let done = view.completion.as_ref()?;
    let deadline = callback_deadline(CallbackOccasion::RepairCompleted, done.at, tz);
    let callbacks: Vec<DateTime<Utc>> = view.callbacks.iter().map(|record| record.at).collect();
    Some(CallbackCase {
        record_id: sheet.id().to_string(),
        estate: sheet.doc().header().estate.clone(),
        kind: "repair_sheet".into(),
        occasion: CallbackOccasion::RepairCompleted,
        title: view.intake.problem.clone(),
        location: view.intake.unit.clone(),
        callback_by: None,
        done_at: done.at,
        due: deadline.due,
        due_rule: deadline.rule.code().to_owned(),
        callbacks: count(&callbacks),
        first_callback: callbacks.iter().min().copied(),
        last_callback: callbacks.iter().max().copied(),
        settled: view.callback_settled(),
    })
}

/// A handled complaint's case. Help requests are answered, not called back,
/// and a duplicate is called back through the complaint that carries it.
pub fn of_complaint(complaint: &Complaint, tz: Tz) -> Option<CallbackCase> {
    let view = complaint.view();
    if view.channel != Channel::Complaint || !view.counts_in_rates() {
        return None;
    }
    let handled_at = view.handled_at?;
    let deadline = callback_deadline(CallbackOccasion::ComplaintHandled, handled_at, tz);
    let callbacks: Vec<DateTime<Utc>> = view.callbacks.iter().map(|record| record.at).collect();
    Some(CallbackCase {
        record_id: complaint.id().to_string(),
        estate: complaint.doc().header().estate.clone(),
        kind: "complaint".into(),
        occasion: CallbackOccasion::ComplaintHandled,
        title: view.clears.recorded.clone(),
        location: view.intake.unit.clone(),
        callback_by: Some(view.callback_by),
        done_at: handled_at,
        due: deadline.due,
        due_rule: deadline.rule.code().to_owned(),
        callbacks: count(&callbacks),
        first_callback: callbacks.iter().min().copied(),
        last_callback: callbacks.iter().max().copied(),
        settled: view.callback_settled(),
    })
}

fn count<T>(items: &[T]) -> u32 {
    u32::try_from(items.len()).unwrap_or(u32::MAX)
}

/// Which cases a query wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackFilter {
    /// Every case still to be called back (again), by due time.
    Unsettled,
    /// Every case whose repair or handling fell in `[from, to)`.
    DoneIn(DateTime<Utc>, DateTime<Utc>),
}
