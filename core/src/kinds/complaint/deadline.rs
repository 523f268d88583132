//! Which docs/DOMAIN.md §4-§5 deadline a complaint or help request waits on: a
//! serious complaint reported to management at once, a help request not
//! solved at once answered within 10 min, and the callback within 3 days of
//! handling. The rules live in [`crate::rules`]; this picks the one that applies.

use chrono_tz::Tz;

use super::intake::Channel;
use super::view::{ComplaintState, ComplaintView};
use crate::rules::Deadline;
use crate::rules::callbacks::callback_after_complaint;
use crate::rules::complaints::{help_request_answered, serious_complaint_reported};

/// The next deadline of the case, if any.
pub fn next_deadline(view: &ComplaintView, tz: Tz) -> Option<Deadline> {
    if view.state == ComplaintState::Duplicate {
        return None;
    }
    if view.escalation_pending {
        return Some(serious_complaint_reported(view.received_at));
    }
    let is_help_request = matches!(view.channel, Channel::HelpRequest(_));
    if is_help_request && view.solved_at.is_none() && view.head_answered_at.is_none() {
        return Some(help_request_answered(view.received_at));
    }
    let handled_at = view.handled_at?;
    let called_back = view.callback_settled();
    (!is_help_request && !called_back).then(|| callback_after_complaint(handled_at, tz))
}
