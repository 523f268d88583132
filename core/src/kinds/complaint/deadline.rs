//! Which docs/DOMAIN.md §4 and §5 deadlines a complaint or help request has,
//! and which it waits on: every timed rule that applies so far, each with
//! the step that keeps it. Screens show the earliest unmet one; the monthly
//! timeliness rate judges the handling obligation from the same list.
//!
//! | obligation (rule) | from | kept by |
//! |---|---|---|
//! | a serious complaint reported to management at once | received | the escalation |
//! | a help request not solved at once answered within 10 min | received | a solving answer, the head's answer, or handling |
//! | a complaint handled by the end of the next local day (Stairwell's reading) | received | handling |
//! | callback within 3 days of handling (complaints) | handled | the first callback |
//! | follow-up by the date an unsatisfied callback set | that callback | the next callback |
//!
//! A duplicate has none: it is carried by its original.

use chrono_tz::Tz;

use super::intake::Channel;
use super::view::ComplaintView;
use crate::kinds::repair_sheet::callback_obligations;
use crate::rules::callbacks::callback_after_complaint;
use crate::rules::complaints::{
    complaint_handled, help_request_answered, serious_complaint_reported,
};
use crate::rules::{Deadline, Obligation, next_unmet};

/// The next unmet deadline of the case, if any.
pub fn next_deadline(view: &ComplaintView, tz: Tz) -> Option<Deadline> {
    next_unmet(&obligations(view, tz))
}

/// Every timed obligation of the case so far, met or not.
pub fn obligations(view: &ComplaintView, tz: Tz) -> Vec<Obligation> {
    if !view.counts_in_rates() {
        return Vec::new();
    }
    let mut all = Vec::new();
    if view.escalation_required {
        let escalated = view.escalation.as_ref().map(|escalation| escalation.at);
        all.push(Obligation::new(
            serious_complaint_reported(view.received_at),
            escalated,
        ));
    }
    all.push(handling(view, tz));
    if let (Channel::Complaint, Some(handled_at)) = (&view.channel, view.handled_at) {
        all.extend(callback_obligations(
            callback_after_complaint(handled_at, tz),
            &view.callbacks,
        ));
    }
    all
}

/// The handling clock: a help request's answer, a complaint's handling.
pub fn handling(view: &ComplaintView, tz: Tz) -> Obligation {
    match view.channel {
        Channel::Complaint => {
            Obligation::new(complaint_handled(view.received_at, tz), view.handled_at)
        }
        Channel::HelpRequest(_) => {
            let answered = [view.solved_at, view.head_answered_at, view.handled_at]
                .into_iter()
                .flatten()
                .min();
            Obligation::new(help_request_answered(view.received_at), answered)
        }
    }
}
