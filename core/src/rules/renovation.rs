//! Renovation acceptance [§7]: the office has to arrange inspections and
//! refund deposits on time, and residents have to fix defects on time; these
//! are the day-counted deadlines behind the renovation checklists.

use super::deadline::Deadline;
use super::local_time::{add_days, add_months, end_of_local_day, local_date, working_days_after};
use super::rule_id::RuleId;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

const FORMAL_ACCEPTANCE_WORKING_DAYS: u32 = 2;
const ACCEPTANCE_ORGANISED_DAYS: u64 = 3;
const DEFECTS_FIXED_DAYS: u64 = 14;
const DEPOSIT_HELD_MONTHS: u32 = 3;

/// Formal acceptance is arranged within 2 working days of the resident's
/// notice: by the end of the second working day after the notice's local
/// date. Working days are Monday to Friday in the estate's calendar; there
/// is no public-holiday calendar, so a holiday counts as a working day.
pub fn formal_acceptance_arranged(notice_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let due_day = working_days_after(local_date(notice_at, tz), FORMAL_ACCEPTANCE_WORKING_DAYS);
    Deadline::new(
        RuleId::RenovationFormalAcceptanceArranged,
        end_of_local_day(due_day, tz),
    )
}

/// Acceptance is organised within 3 (calendar) days of the application.
pub fn acceptance_organised(applied_at: DateTime<Utc>, tz: Tz) -> Deadline {
    days_after(
        RuleId::RenovationAcceptanceOrganised,
        applied_at,
        ACCEPTANCE_ORGANISED_DAYS,
        tz,
    )
}

/// Defects found at an acceptance are fixed within 2 weeks of it.
pub fn defects_fixed(defects_found_at: DateTime<Utc>, tz: Tz) -> Deadline {
    days_after(
        RuleId::RenovationDefectsFixed,
        defects_found_at,
        DEFECTS_FIXED_DAYS,
        tz,
    )
}

/// The deposit is refunded 3 months after a passed formal acceptance without
/// structural or safety problems: it falls due on the local date three
/// calendar months later (clamped to the month end), by the end of that day.
/// Whether the acceptance passed is the caller's to check.
pub fn deposit_refunded(passed_acceptance_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let due_day = add_months(local_date(passed_acceptance_at, tz), DEPOSIT_HELD_MONTHS);
    Deadline::new(
        RuleId::RenovationDepositRefunded,
        end_of_local_day(due_day, tz),
    )
}

fn days_after(rule: RuleId, start: DateTime<Utc>, days: u64, tz: Tz) -> Deadline {
    let due_day = add_days(local_date(start, tz), days);
    Deadline::new(rule, end_of_local_day(due_day, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, shown};
    use chrono_tz::{Asia::Hong_Kong, Europe::London};

    #[test]
    fn rule_renovation_acceptance_within_2_working_days_skips_weekend() {
        // Notice on Friday 8 March 2024: Monday and Tuesday are the two working days.
        let deadline = formal_acceptance_arranged(at(Hong_Kong, "2024-03-08 15:00"), Hong_Kong);
        assert_eq!(deadline.rule, RuleId::RenovationFormalAcceptanceArranged);
        assert_eq!(shown(deadline.due, Hong_Kong), "2024-03-12 23:59:59");
    }

    #[test]
    fn rule_renovation_acceptance_within_2_working_days_of_a_weekend_notice() {
        let deadline = formal_acceptance_arranged(at(Hong_Kong, "2024-03-09 11:00"), Hong_Kong);
        assert_eq!(shown(deadline.due, Hong_Kong), "2024-03-12 23:59:59");
    }

    #[test]
    fn rule_renovation_acceptance_within_2_working_days_counts_the_local_weekday() {
        // Monday 07:00 in Hong Kong is Sunday in UTC; the local Monday counts.
        let deadline = formal_acceptance_arranged(at(Hong_Kong, "2024-03-11 07:00"), Hong_Kong);
        assert_eq!(shown(deadline.due, Hong_Kong), "2024-03-13 23:59:59");
    }

    #[test]
    fn rule_renovation_acceptance_organised_within_3_days() {
        let deadline = acceptance_organised(at(Hong_Kong, "2024-02-28 16:00"), Hong_Kong);
        assert_eq!(deadline.rule, RuleId::RenovationAcceptanceOrganised);
        assert_eq!(shown(deadline.due, Hong_Kong), "2024-03-02 23:59:59");
    }

    #[test]
    fn rule_renovation_defects_fixed_within_2_weeks() {
        let deadline = defects_fixed(at(London, "2024-03-20 10:00"), London);
        assert_eq!(deadline.rule, RuleId::RenovationDefectsFixed);
        // The fortnight crosses the switch to summer time; the day still ends at local midnight.
        assert_eq!(shown(deadline.due, London), "2024-04-03 23:59:59");
    }

    #[test]
    fn rule_renovation_deposit_refunded_3_months_after_passed_acceptance() {
        let deadline = deposit_refunded(at(Hong_Kong, "2023-11-30 10:00"), Hong_Kong);
        assert_eq!(deadline.rule, RuleId::RenovationDepositRefunded);
        assert_eq!(shown(deadline.due, Hong_Kong), "2024-02-29 23:59:59");
    }
}
