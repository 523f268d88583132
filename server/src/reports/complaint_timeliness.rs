//! Complaint timeliness [docs/DOMAIN.md §4]: "complaint timeliness rate = complaints
//! handled on time / all complaints x 100%", monthly. `complaint_timeliness`
//! keeps one row per complaint or help request: when it was received, when
//! it was handled, by when it should have been, whether it was on time, and
//! the local month it counts in, so the rate is a `GROUP BY`-sized query.
//!
//! What "on time" means:
//! - a help request is answered at once, or, when it cannot be solved at
//!   once, answered within 10 minutes (`rules::complaints`): its row is due
//!   10 minutes after it was received, and done at its solving answer, its
//!   answer after the report to the department head, or its handling;
//! - for a complaint docs/DOMAIN.md names no handling deadline. Until the
//!   procedures give one, a complaint counts as on time when handled by the
//!   end of the local day after the day it was received
//!   (`rules::complaints::COMPLAINT_HANDLED_WITHIN_DAYS`), counted in
//!   calendar days like every day-based rule; the same deadline is what an
//!   unhandled complaint waits on on every screen
//!   (`kinds::complaint::handling`). Rebuild the read models after changing it.
//!
//! A duplicate counts once, through the complaint that carries the case, so
//! its row is kept but not counted.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::complaint::{self, Channel, Complaint};
use stairwell_core::rules::rates::month_of;

/// One complaint or help request, as the monthly rate reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintTiming {
    pub record_id: String,
    pub estate: String,
    /// `complaint` or `help_request`.
    pub channel: String,
    pub title: String,
    pub received_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub due: DateTime<Utc>,
    /// Whether it was handled by `due`; `None` until it is handled.
    pub on_time: Option<bool>,
    /// The local month it was received in, `YYYY-MM`.
    pub month: String,
    /// False for a duplicate: it counts through its original.
    pub counted: bool,
}

impl ComplaintTiming {
    pub fn is_complaint(&self) -> bool {
        self.channel == "complaint"
    }

    /// Not handled, and past its due time at `now`.
    pub fn late_unhandled_at(&self, now: DateTime<Utc>) -> bool {
        self.handled_at.is_none() && now > self.due
    }
}

/// The `YYYY-MM` name of a local month.
pub fn month_name((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

/// The row of a complaint or help request.
pub fn of_complaint(complaint: &Complaint, tz: Tz) -> ComplaintTiming {
    let view = complaint.view();
    let received = view.received_at;
    // The very obligation the case's screens wait on.
    let handling = complaint::handling(&view, tz);
    let channel = match view.channel {
        Channel::Complaint => "complaint",
        Channel::HelpRequest(_) => "help_request",
    };
    let (due, done) = (handling.deadline.due, handling.met_at);
    ComplaintTiming {
        record_id: complaint.id().to_string(),
        estate: complaint.doc().header().estate.clone(),
        channel: channel.to_owned(),
        title: view.clears.recorded.clone(),
        received_at: received,
        handled_at: done,
        due,
        on_time: handling.on_time(),
        month: month_name(month_of(received, tz)),
        counted: view.counts_in_rates(),
    }
}
