//! Monthly rates [§8, §11]: the complaint timeliness rate and the share of
//! cases called back, each against its target. The office reads them per
//! local calendar month, so the month's window is computed here too.
//! A month with no cases has no rate: 0/0 is reported as "none", never NaN.

use super::local_time::{add_months, local_date, start_of_local_day};
use super::rule_id::RuleId;
use super::vocabulary::CallbackOccasion;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// At least 50% of handled complaints are called back; some estates ask
/// 100% of valid complaints, hence `callback_rate_with_target`.
pub const COMPLAINT_CALLBACK_TARGET_PERCENT: f64 = 50.0;
/// At least 30% of completed repairs are called back (some estates: 100%).
pub const REPAIR_CALLBACK_TARGET_PERCENT: f64 = 30.0;
/// At least 10% of community-event cases are called back.
pub const COMMUNITY_EVENT_CALLBACK_TARGET_PERCENT: f64 = 10.0;
/// "Every case has an outcome, every matter an answer".
pub const CALLBACK_ISSUES_HANDLED_TARGET_PERCENT: f64 = 100.0;

/// A rate for one period, and whether it reached its target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateReport {
    pub rule: RuleId,
    pub numerator: u32,
    pub denominator: u32,
    /// `None` when there were no cases.
    pub percent: Option<f64>,
    /// `None` when neither the procedures nor the estate sets a target.
    pub target_percent: Option<f64>,
    /// `None` when there is nothing to judge (no cases, or no target), so an
    /// empty month shows as "no data" rather than as a pass.
    pub met: Option<bool>,
}

/// Complaint timeliness rate = complaints handled on time / all complaints
/// x 100. the procedures sets no target for it; pass the estate's, if it has one.
pub fn complaint_timeliness_rate(
    handled_on_time: u32,
    all_complaints: u32,
    target_percent: Option<f64>,
) -> RateReport {
    rate(
        RuleId::ComplaintTimelinessRate,
        handled_on_time,
        all_complaints,
        target_percent,
    )
}

/// The share of cases the procedures asks to be called back after an occasion.
pub fn default_callback_target_percent(occasion: CallbackOccasion) -> f64 {
    match occasion {
        CallbackOccasion::ComplaintHandled => COMPLAINT_CALLBACK_TARGET_PERCENT,
        CallbackOccasion::RepairCompleted => REPAIR_CALLBACK_TARGET_PERCENT,
        CallbackOccasion::CommunityEvent => COMMUNITY_EVENT_CALLBACK_TARGET_PERCENT,
    }
}

/// The callback share for an occasion against the procedures' default target.
pub fn callback_rate(occasion: CallbackOccasion, called_back: u32, cases: u32) -> RateReport {
    callback_rate_with_target(
        occasion,
        called_back,
        cases,
        default_callback_target_percent(occasion),
    )
}

/// The callback share for an occasion against an estate's own target.
pub fn callback_rate_with_target(
    occasion: CallbackOccasion,
    called_back: u32,
    cases: u32,
    target_percent: f64,
) -> RateReport {
    rate(
        callback_share_rule(occasion),
        called_back,
        cases,
        Some(target_percent),
    )
}

/// Problems raised in callbacks that were handled, against the 100% target.
pub fn callback_issues_handled_rate(handled: u32, raised: u32) -> RateReport {
    rate(
        RuleId::CallbackIssuesAllHandled,
        handled,
        raised,
        Some(CALLBACK_ISSUES_HANDLED_TARGET_PERCENT),
    )
}

/// A local calendar month: its first instant (inclusive) and the next
/// month's first instant (exclusive); `None` for a month outside 1-12.
pub fn month_bounds(year: i32, month: u32, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    Some((
        start_of_local_day(first, tz),
        start_of_local_day(add_months(first, 1), tz),
    ))
}

/// The local calendar month (year, month) an instant falls in.
pub fn month_of(at: DateTime<Utc>, tz: Tz) -> (i32, u32) {
    let date = local_date(at, tz);
    (date.year(), date.month())
}

fn callback_share_rule(occasion: CallbackOccasion) -> RuleId {
    match occasion {
        CallbackOccasion::ComplaintHandled => RuleId::CallbackShareComplaint,
        CallbackOccasion::RepairCompleted => RuleId::CallbackShareRepair,
        CallbackOccasion::CommunityEvent => RuleId::CallbackShareCommunityEvent,
    }
}

fn rate(rule: RuleId, numerator: u32, denominator: u32, target_percent: Option<f64>) -> RateReport {
    // Multiply before dividing so whole percentages (3 of 10 = 30) come out exact.
    let percent = (denominator > 0).then(|| f64::from(numerator) * 100.0 / f64::from(denominator));
    RateReport {
        rule,
        numerator,
        denominator,
        percent,
        target_percent,
        met: percent
            .zip(target_percent)
            .map(|(reached, target)| reached >= target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::utc;
    use chrono_tz::{Asia::Shanghai, Europe::London};

    #[test]
    fn rule_complaint_timeliness_rate_is_on_time_over_all() {
        let report = complaint_timeliness_rate(45, 50, None);
        assert_eq!(report.rule, RuleId::ComplaintTimelinessRate);
        assert_eq!(report.percent, Some(90.0));
        assert_eq!(report.met, None);
    }

    #[test]
    fn rule_complaint_timeliness_rate_zero_complaints_is_none() {
        let report = complaint_timeliness_rate(0, 0, Some(95.0));
        assert_eq!((report.percent, report.met), (None, None));
    }

    #[test]
    fn rule_complaint_timeliness_rate_against_an_estate_target() {
        assert_eq!(
            complaint_timeliness_rate(19, 20, Some(95.0)).met,
            Some(true)
        );
        assert_eq!(
            complaint_timeliness_rate(18, 20, Some(95.0)).met,
            Some(false)
        );
    }

    #[test]
    fn rule_callback_share_after_complaint_at_least_50_percent() {
        let met = callback_rate(CallbackOccasion::ComplaintHandled, 5, 10);
        assert_eq!(met.rule, RuleId::CallbackShareComplaint);
        assert_eq!((met.target_percent, met.met), (Some(50.0), Some(true)));
        assert_eq!(
            callback_rate(CallbackOccasion::ComplaintHandled, 4, 10).met,
            Some(false)
        );
    }

    #[test]
    fn rule_callback_share_after_complaint_target_can_be_100_percent() {
        let report = callback_rate_with_target(CallbackOccasion::ComplaintHandled, 9, 10, 100.0);
        assert_eq!(
            (report.target_percent, report.met),
            (Some(100.0), Some(false))
        );
    }

    #[test]
    fn rule_callback_share_after_repair_at_least_30_percent() {
        let report = callback_rate(CallbackOccasion::RepairCompleted, 3, 10);
        assert_eq!(report.rule, RuleId::CallbackShareRepair);
        assert_eq!((report.percent, report.met), (Some(30.0), Some(true)));
        assert_eq!(
            callback_rate(CallbackOccasion::RepairCompleted, 29, 100).met,
            Some(false)
        );
    }

    #[test]
    fn rule_callback_share_after_community_event_at_least_10_percent() {
        let report = callback_rate(CallbackOccasion::CommunityEvent, 1, 10);
        assert_eq!(report.rule, RuleId::CallbackShareCommunityEvent);
        assert_eq!(report.met, Some(true));
        assert_eq!(
            callback_rate(CallbackOccasion::CommunityEvent, 0, 10).met,
            Some(false)
        );
    }

    #[test]
    fn rule_callback_share_with_zero_cases_is_not_judged() {
        let report = callback_rate(CallbackOccasion::RepairCompleted, 0, 0);
        assert_eq!((report.percent, report.met), (None, None));
    }

    #[test]
    fn rule_callback_issues_all_handled() {
        assert_eq!(callback_issues_handled_rate(10, 10).met, Some(true));
        assert_eq!(callback_issues_handled_rate(9, 10).met, Some(false));
    }

    #[test]
    fn rule_monthly_rates_use_the_local_calendar_month() {
        let (start, end) = month_bounds(2024, 5, Shanghai).expect("May exists");
        assert_eq!(start, utc("2024-04-30T16:00:00Z"));
        assert_eq!(end, utc("2024-05-31T16:00:00Z"));
        // 17:00 UTC on 30 April is already May in Shanghai.
        assert_eq!(month_of(utc("2024-04-30T17:00:00Z"), Shanghai), (2024, 5));
    }

    #[test]
    fn rule_monthly_rates_month_spanning_dst_ends_at_local_midnight() {
        let (start, end) = month_bounds(2024, 3, London).expect("March exists");
        assert_eq!(start, utc("2024-03-01T00:00:00Z"));
        assert_eq!(end, utc("2024-03-31T23:00:00Z"));
        let (_, december_end) = month_bounds(2024, 12, London).expect("December exists");
        assert_eq!(december_end, utc("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn rule_monthly_rates_reject_a_month_outside_1_to_12() {
        assert_eq!(month_bounds(2024, 13, Shanghai), None);
        assert_eq!(month_bounds(2024, 0, Shanghai), None);
    }
}
