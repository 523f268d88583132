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
use stairwell_core::kinds::complaint::{self, CallbackBy, Channel, Complaint};
use stairwell_core::kinds::repair_sheet::{self, RepairSheet};
use stairwell_core::rules::callbacks::callback_deadline;
use stairwell_core::rules::{CallbackOccasion, Deadline, Obligation, RuleId, next_unmet};

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
    /// The callback the case waits on now: the first, or the follow-up an
    /// unsatisfied callback set; `None` when no callback is timed (settled,
    /// or unsatisfied without a follow-up date).
    pub next: Option<Deadline>,
}

impl CallbackCase {
    pub fn called_back(&self) -> bool {
        self.callbacks > 0
    }

    /// Whether the first callback was made by the due time.
    pub fn called_back_on_time(&self) -> bool {
        self.first_callback.is_some_and(|first| first <= self.due)
    }

    /// A callback it waits on is past its due time at `now`. A callback
    /// made in time is never overdue, whatever the resident said.
    pub fn overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.next.is_some_and(|next| next.is_overdue_at(now))
    }

    /// When the case is to be called (again): the callback it waits on,
    /// else the first callback's deadline.
    pub fn shown_due(&self) -> DateTime<Utc> {
        self.next.map_or(self.due, |next| next.due)
    }
}

/// A completed repair's case; none before completion (a declined job is
/// never called back).
pub fn of_repair(sheet: &RepairSheet, tz: Tz) -> Option<CallbackCase> {
    let view = sheet.view();
    let done = view.completion.as_ref()?;
    let deadline = callback_deadline(CallbackOccasion::RepairCompleted, done.at, tz);
    let callback_obligations = callbacks_of(repair_sheet::obligations(&view, tz));
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
        next: next_unmet(&callback_obligations),
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
    let callback_obligations = callbacks_of(complaint::obligations(&view, tz));
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
        next: next_unmet(&callback_obligations),
    })
}

/// The record's callback obligations: the first callback and follow-ups.
fn callbacks_of(obligations: Vec<Obligation>) -> Vec<Obligation> {
    obligations
        .into_iter()
        .filter(|obligation| {
            matches!(
                obligation.deadline.rule,
                RuleId::CallbackAfterRepair
                    | RuleId::CallbackAfterComplaint
                    | RuleId::CallbackFollowUp
            )
        })
        .collect()
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
