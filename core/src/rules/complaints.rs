//! Complaint and help-request deadlines [§8, §9]. Most requests are answered
//! on the spot; the clocks here are for the ones that cannot be, so they do
//! not sit unanswered. The monthly timeliness rate is in `rates`.

use super::deadline::Deadline;
use super::local_time::{add_days, end_of_local_day, local_date, shift};
use super::rule_id::RuleId;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

const HELP_REQUEST_ANSWERED_WITHIN: TimeDelta = TimeDelta::minutes(10);

/// Calendar days after the day of receipt by whose end a complaint is
/// handled. The procedures set no handling deadline for a complaint; this is
/// Stairwell's reading (docs/DOMAIN.md, "where the procedures are silent"),
/// the one the monthly timeliness rate and every screen use.
pub const COMPLAINT_HANDLED_WITHIN_DAYS: u64 = 1;

/// A complaint is handled by the end of the local day after the day it was
/// received.
pub fn complaint_handled(received_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let due_day = add_days(local_date(received_at, tz), COMPLAINT_HANDLED_WITHIN_DAYS);
    Deadline::new(RuleId::ComplaintHandled, end_of_local_day(due_day, tz))
}

/// A serious complaint is reported to company management at once.
pub fn serious_complaint_reported(received_at: DateTime<Utc>) -> Deadline {
    Deadline::new(RuleId::ComplaintSeriousReported, received_at)
}

/// A help request that cannot be solved at once is reported to the
/// department head and answered within 10 min of being received.
pub fn help_request_answered(received_at: DateTime<Utc>) -> Deadline {
    Deadline::new(
        RuleId::HelpRequestAnswered,
        shift(received_at, HELP_REQUEST_ANSWERED_WITHIN),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::utc;

    #[test]
    fn rule_complaint_handled_by_the_end_of_the_next_local_day() {
        use chrono_tz::Asia::Shanghai;
        // 23:30 on 1 May in Shanghai (15:30 UTC): due at the end of 2 May, local.
        let deadline = complaint_handled(utc("2024-05-01T15:30:00Z"), Shanghai);
        assert_eq!(deadline.rule, RuleId::ComplaintHandled);
        assert!(deadline.is_met_by(utc("2024-05-02T15:59:59Z")));
        assert!(!deadline.is_met_by(utc("2024-05-02T16:00:00Z")));
    }

    #[test]
    fn rule_complaint_serious_reported_at_once() {
        let deadline = serious_complaint_reported(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::ComplaintSeriousReported);
        assert_eq!(deadline.due, utc("2024-05-01T02:00:00Z"));
    }

    #[test]
    fn rule_help_request_not_solved_at_once_answered_within_10_min() {
        let deadline = help_request_answered(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::HelpRequestAnswered);
        assert_eq!(deadline.due, utc("2024-05-01T02:10:00Z"));
        assert!(deadline.is_met_by(utc("2024-05-01T02:10:00Z")));
    }
}
