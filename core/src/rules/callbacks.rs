//! Callback deadlines [§11]: after a handled complaint, a completed repair or
//! a community event, the resident is called back within a set time. Which
//! share of cases must be called back is a rate, in `rates`.

use super::deadline::Deadline;
use super::local_time::{add_days, add_months, end_of_local_day, local_date};
use super::rule_id::RuleId;
use super::vocabulary::CallbackOccasion;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

const AFTER_COMPLAINT_DAYS: u64 = 3;

/// A callback that left the resident unsatisfied and set a date by which
/// the problem raised is fixed is followed by another call by that date.
pub fn callback_follow_up(follow_up_by: DateTime<Utc>) -> Deadline {
    Deadline::new(RuleId::CallbackFollowUp, follow_up_by)
}
const AFTER_REPAIR_MONTHS: u32 = 1;
const AFTER_COMMUNITY_EVENT_MONTHS: u32 = 1;

/// A handled complaint is called back within 3 days: by the end of the third
/// local day after the day it was handled.
pub fn callback_after_complaint(handled_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let due_day = add_days(local_date(handled_at, tz), AFTER_COMPLAINT_DAYS);
    Deadline::new(
        RuleId::CallbackAfterComplaint,
        end_of_local_day(due_day, tz),
    )
}

/// A completed repair is called back within 1 calendar month, by the end of
/// the same-numbered local day a month later (Jan 31 gives Feb 28 or 29).
pub fn callback_after_repair(completed_at: DateTime<Utc>, tz: Tz) -> Deadline {
    months_after(
        RuleId::CallbackAfterRepair,
        completed_at,
        AFTER_REPAIR_MONTHS,
        tz,
    )
}

/// A community event is called back within 1 calendar month, like a repair.
pub fn callback_after_community_event(held_at: DateTime<Utc>, tz: Tz) -> Deadline {
    months_after(
        RuleId::CallbackAfterCommunityEvent,
        held_at,
        AFTER_COMMUNITY_EVENT_MONTHS,
        tz,
    )
}

/// The callback deadline for an occasion.
pub fn callback_deadline(
    occasion: CallbackOccasion,
    occurred_at: DateTime<Utc>,
    tz: Tz,
) -> Deadline {
    match occasion {
        CallbackOccasion::ComplaintHandled => callback_after_complaint(occurred_at, tz),
        CallbackOccasion::RepairCompleted => callback_after_repair(occurred_at, tz),
        CallbackOccasion::CommunityEvent => callback_after_community_event(occurred_at, tz),
    }
}

fn months_after(rule: RuleId, start: DateTime<Utc>, months: u32, tz: Tz) -> Deadline {
    let due_day = add_months(local_date(start, tz), months);
    Deadline::new(rule, end_of_local_day(due_day, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, shown};
    use chrono_tz::{Asia::Shanghai, Europe::London};

    #[test]
    fn rule_callback_after_complaint_within_3_days() {
        let deadline = callback_after_complaint(at(Shanghai, "2024-05-01 10:00"), Shanghai);
        assert_eq!(deadline.rule, RuleId::CallbackAfterComplaint);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-04 23:59:59");
    }

    #[test]
    fn rule_callback_follow_up_by_the_date_the_callback_set() {
        let by = at(Shanghai, "2024-05-03 18:00");
        let deadline = callback_follow_up(by);
        assert_eq!(deadline.rule, RuleId::CallbackFollowUp);
        assert_eq!(deadline.due, by);
    }

    #[test]
    fn rule_callback_after_complaint_counts_local_days() {
        // 00:30 on 1 May in Shanghai is 30 April in UTC: the local day counts.
        let deadline = callback_after_complaint(at(Shanghai, "2024-05-01 00:30"), Shanghai);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-04 23:59:59");
    }

    #[test]
    fn rule_callback_after_repair_within_1_month_clamps_month_end() {
        let leap = callback_after_repair(at(Shanghai, "2024-01-31 15:00"), Shanghai);
        assert_eq!(leap.rule, RuleId::CallbackAfterRepair);
        assert_eq!(shown(leap.due, Shanghai), "2024-02-29 23:59:59");
        let common = callback_after_repair(at(Shanghai, "2023-01-31 15:00"), Shanghai);
        assert_eq!(shown(common.due, Shanghai), "2023-02-28 23:59:59");
    }

    #[test]
    fn rule_callback_after_repair_within_1_month_across_dst() {
        let deadline = callback_after_repair(at(London, "2024-03-15 09:00"), London);
        assert_eq!(shown(deadline.due, London), "2024-04-15 23:59:59");
    }

    #[test]
    fn rule_callback_after_community_event_within_1_month() {
        let deadline = callback_after_community_event(at(Shanghai, "2024-12-31 19:00"), Shanghai);
        assert_eq!(deadline.rule, RuleId::CallbackAfterCommunityEvent);
        assert_eq!(shown(deadline.due, Shanghai), "2025-01-31 23:59:59");
    }

    #[test]
    fn rule_callback_deadline_follows_the_occasion() {
        let when = at(Shanghai, "2024-05-01 10:00");
        assert_eq!(
            callback_deadline(CallbackOccasion::ComplaintHandled, when, Shanghai),
            callback_after_complaint(when, Shanghai)
        );
        assert_eq!(
            callback_deadline(CallbackOccasion::RepairCompleted, when, Shanghai),
            callback_after_repair(when, Shanghai)
        );
        assert_eq!(
            callback_deadline(CallbackOccasion::CommunityEvent, when, Shanghai),
            callback_after_community_event(when, Shanghai)
        );
    }
}
