//! Repair sheets [§10, §2.5, §8.4]: one deadline per step of the procedure,
//! plus the choice of which on-site deadline binds an open sheet, which is
//! what the office's "open sheets by deadline" screen sorts on.

use super::deadline::Deadline;
use super::local_time::{
    add_days, add_months, at_local_time, end_of_local_day, local_date, local_datetime, shift,
    sub_days,
};
use super::rule_id::RuleId;
use super::vocabulary::{RepairLocation, Urgency};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

const SHEET_WRITTEN_WITHIN: TimeDelta = TimeDelta::minutes(2);
const COLLECTION_CALLED_WITHIN: TimeDelta = TimeDelta::minutes(3);
const PUBLIC_AREA_REPORTED_WITHIN: TimeDelta = TimeDelta::minutes(10);
const PUBLIC_AREA_ON_SITE_WITHIN: TimeDelta = TimeDelta::minutes(15);
const PAID_NOW_ON_SITE_WITHIN: TimeDelta = TimeDelta::minutes(10);
const EARLY_FOR_APPOINTMENT_BY: TimeDelta = TimeDelta::minutes(5);
const QUOTE_DECIDED_WITHIN: TimeDelta = TimeDelta::minutes(15);
const EXTRA_URGENT_WITHIN: TimeDelta = TimeDelta::minutes(10);
const URGENT_WITHIN: TimeDelta = TimeDelta::minutes(15);
const SHEETS_BACK_BY: NaiveTime = NaiveTime::from_hms_opt(17, 0, 0).expect("17:00 is a time");
const FINANCE_DAY_OF_MONTH: u32 = 25;

/// The sheet's state as far as its on-site deadline depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepairSituation {
    pub location: RepairLocation,
    /// On the estate's price list of paid repairs (ignored in public areas: free).
    pub on_price_list: bool,
    pub urgency: Urgency,
    /// When the resident or officer reported the fault (the call).
    pub reported_at: DateTime<Utc>,
    /// The agreed appointment; `None` means the resident wants it now.
    pub appointment: Option<DateTime<Utc>>,
    /// When a technician was dispatched, i.e. took the sheet.
    pub dispatched_at: Option<DateTime<Utc>>,
}

/// Front desk writes the sheet within 2 min of the call.
pub fn front_desk_writes_sheet(called_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairFrontDeskWritesSheet,
        called_at,
        SHEET_WRITTEN_WITHIN,
    )
}

/// Front desk tells engineering to collect the sheet within 3 min, counted
/// from the call like the 2 min before it: the two steps share one clock.
pub fn engineering_told_to_collect(called_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairEngineeringToldToCollect,
        called_at,
        COLLECTION_CALLED_WITHIN,
    )
}

/// A public-area fault reaches engineering within 10 min of the report.
pub fn public_area_engineering_told(reported_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairPublicAreaEngineeringTold,
        reported_at,
        PUBLIC_AREA_REPORTED_WITHIN,
    )
}

/// A technician is on site for a public-area fault within 15 min of dispatch.
pub fn public_area_technician_on_site(dispatched_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairPublicAreaTechnicianOnSite,
        dispatched_at,
        PUBLIC_AREA_ON_SITE_WITHIN,
    )
}

/// A price-list item wanted now: on site within 10 min of taking the sheet.
pub fn paid_now_technician_on_site(sheet_taken_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairPaidNowTechnicianOnSite,
        sheet_taken_at,
        PAID_NOW_ON_SITE_WITHIN,
    )
}

/// A paid item with an appointment: on site 5 min before the appointment.
pub fn paid_appointment_technician_on_site(appointment: DateTime<Utc>) -> Deadline {
    Deadline::new(
        RuleId::RepairPaidAppointmentTechnicianOnSite,
        shift(appointment, -EARLY_FOR_APPOINTMENT_BY),
    )
}

/// An item not on the price list: the engineering supervisor decides
/// feasibility and fee within 15 min. the procedures does not say of what; the
/// supervisor can only start once engineering has the sheet, so the clock
/// starts when engineering received it.
pub fn quote_decided(sheet_received_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairQuoteDecided,
        sheet_received_at,
        QUOTE_DECIDED_WITHIN,
    )
}

/// Extra-urgent: on site or handled within 10 min of the report.
pub fn extra_urgent_handled(reported_at: DateTime<Utc>) -> Deadline {
    after(
        RuleId::RepairExtraUrgentHandled,
        reported_at,
        EXTRA_URGENT_WITHIN,
    )
}

/// Urgent: on site or handled within 15 min of the report.
pub fn urgent_handled(reported_at: DateTime<Utc>) -> Deadline {
    after(RuleId::RepairUrgentHandled, reported_at, URGENT_WITHIN)
}

/// Normal: at the agreed time if there is one, else by the end of the local
/// day of the report (so a report at 23:50 is due within minutes: that is
/// what "the same day" says, and the office sees it as due, not lost).
pub fn normal_handled(
    reported_at: DateTime<Utc>,
    appointment: Option<DateTime<Utc>>,
    tz: Tz,
) -> Deadline {
    let due = appointment.unwrap_or_else(|| end_of_local_day(local_date(reported_at, tz), tz));
    Deadline::new(RuleId::RepairNormalHandled, due)
}

/// The urgency tier's deadline [§2.5].
pub fn urgency_deadline(
    urgency: Urgency,
    reported_at: DateTime<Utc>,
    appointment: Option<DateTime<Utc>>,
    tz: Tz,
) -> Deadline {
    match urgency {
        Urgency::ExtraUrgent => extra_urgent_handled(reported_at),
        Urgency::Urgent => urgent_handled(reported_at),
        Urgency::Normal => normal_handled(reported_at, appointment, tz),
    }
}

/// The technician hands the day's completed sheets back by 17:00 local on
/// the day of completion. A sheet completed after 17:00 cannot meet that, so
/// it goes back with the next local day's sheets, by 17:00 that day.
pub fn sheets_handed_back(completed_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let completed = local_datetime(completed_at, tz);
    let hand_back_day = if completed.time() <= SHEETS_BACK_BY {
        completed.date()
    } else {
        add_days(completed.date(), 1)
    };
    Deadline::new(
        RuleId::RepairSheetsHandedBack,
        at_local_time(hand_back_day, SHEETS_BACK_BY, tz),
    )
}

/// Front desk passes the month's sheets to finance "by the 25th of the
/// month". Read as a cut-off: a sheet completed (local date) on or before the
/// 25th goes with that month's batch, due by the end of the 25th; one
/// completed after the 25th goes with the next month's batch, due by the end
/// of the 25th of the next month. Finance bills with the monthly management
/// fee, so the cut-off on the 25th leaves it the rest of the month to bill.
pub fn sheets_passed_to_finance(completed_at: DateTime<Utc>, tz: Tz) -> Deadline {
    let completed = local_date(completed_at, tz);
    let this_months_cutoff = day_of_month(completed, FINANCE_DAY_OF_MONTH);
    let cutoff = if completed <= this_months_cutoff {
        this_months_cutoff
    } else {
        add_months(this_months_cutoff, 1)
    };
    Deadline::new(
        RuleId::RepairSheetsPassedToFinance,
        end_of_local_day(cutoff, tz),
    )
}

/// The deadline by which a technician must be on site for an open sheet.
///
/// An agreed appointment replaces the urgency clocks: the resident chose the
/// time, so an in-unit job is due 5 min before it and a public-area job at it.
/// Without an appointment the urgency tier always runs from the report, and
/// once a technician is dispatched the location's own clock runs too
/// (public area: 15 min; price-list item wanted now: 10 min); the earliest of
/// these binds, because missing any of them makes the sheet late. An item not
/// on the price list has no on-site clock of its own before the resident
/// agrees to the fee, so only its urgency tier applies (its quote deadline
/// is `quote_decided`). On equal instants the urgency tier is named.
pub fn repair_on_site_deadline(sheet: &RepairSituation, tz: Tz) -> Deadline {
    if let Some(appointment) = sheet.appointment {
        return match sheet.location {
            RepairLocation::InUnit => paid_appointment_technician_on_site(appointment),
            RepairLocation::PublicArea => normal_handled(sheet.reported_at, Some(appointment), tz),
        };
    }
    let tier = urgency_deadline(sheet.urgency, sheet.reported_at, None, tz);
    match dispatch_clock(sheet) {
        Some(location_clock) if location_clock.due < tier.due => location_clock,
        _ => tier,
    }
}

fn dispatch_clock(sheet: &RepairSituation) -> Option<Deadline> {
    let dispatched_at = sheet.dispatched_at?;
    match sheet.location {
        RepairLocation::PublicArea => Some(public_area_technician_on_site(dispatched_at)),
        RepairLocation::InUnit if sheet.on_price_list => {
            Some(paid_now_technician_on_site(dispatched_at))
        }
        RepairLocation::InUnit => None,
    }
}

fn after(rule: RuleId, start: DateTime<Utc>, within: TimeDelta) -> Deadline {
    Deadline::new(rule, shift(start, within))
}

/// The given day (1-28) of the date's month.
fn day_of_month(date: NaiveDate, day: u32) -> NaiveDate {
    add_days(sub_days(date, u64::from(date.day0())), u64::from(day - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, shown, utc};
    use chrono_tz::{Asia::Shanghai, Europe::London};

    fn minutes_after(start: &str, deadline: Deadline) -> i64 {
        (deadline.due - utc(start)).num_minutes()
    }

    #[test]
    fn rule_repair_front_desk_writes_sheet_within_2_min() {
        let deadline = front_desk_writes_sheet(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairFrontDeskWritesSheet);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 2);
        assert!(deadline.is_met_by(utc("2024-05-01T02:02:00Z")));
        assert!(!deadline.is_met_by(utc("2024-05-01T02:02:01Z")));
    }

    #[test]
    fn rule_repair_engineering_told_to_collect_within_3_min_of_the_call() {
        let deadline = engineering_told_to_collect(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairEngineeringToldToCollect);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 3);
    }

    #[test]
    fn rule_repair_public_area_engineering_told_within_10_min() {
        let deadline = public_area_engineering_told(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairPublicAreaEngineeringTold);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 10);
    }

    #[test]
    fn rule_repair_public_area_technician_on_site_within_15_min_of_dispatch() {
        let deadline = public_area_technician_on_site(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairPublicAreaTechnicianOnSite);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 15);
    }

    #[test]
    fn rule_repair_paid_now_technician_on_site_within_10_min_of_taking_sheet() {
        let deadline = paid_now_technician_on_site(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairPaidNowTechnicianOnSite);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 10);
    }

    #[test]
    fn rule_repair_paid_appointment_technician_on_site_5_min_early() {
        let deadline = paid_appointment_technician_on_site(utc("2024-05-01T06:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairPaidAppointmentTechnicianOnSite);
        assert_eq!(deadline.due, utc("2024-05-01T05:55:00Z"));
    }

    #[test]
    fn rule_repair_quote_decided_within_15_min_of_receiving_sheet() {
        let deadline = quote_decided(utc("2024-05-01T02:00:00Z"));
        assert_eq!(deadline.rule, RuleId::RepairQuoteDecided);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 15);
    }

    #[test]
    fn rule_repair_extra_urgent_handled_within_10_min() {
        let deadline = urgency_deadline(
            Urgency::ExtraUrgent,
            utc("2024-05-01T02:00:00Z"),
            None,
            Shanghai,
        );
        assert_eq!(deadline.rule, RuleId::RepairExtraUrgentHandled);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 10);
    }

    #[test]
    fn rule_repair_urgent_handled_within_15_min() {
        let deadline =
            urgency_deadline(Urgency::Urgent, utc("2024-05-01T02:00:00Z"), None, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairUrgentHandled);
        assert_eq!(minutes_after("2024-05-01T02:00:00Z", deadline), 15);
    }

    #[test]
    fn rule_repair_normal_handled_by_end_of_local_day() {
        // 23:30 in Shanghai is 15:30 UTC: the local day ends in 30 min, not at UTC midnight.
        let deadline = normal_handled(at(Shanghai, "2024-05-01 23:30"), None, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairNormalHandled);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 23:59:59");
        assert!(deadline.is_met_by(at(Shanghai, "2024-05-01 23:59")));
        assert!(!deadline.is_met_by(at(Shanghai, "2024-05-02 00:00")));
    }

    #[test]
    fn rule_repair_normal_handled_by_end_of_a_23_hour_dst_day() {
        // London springs forward on 31 March 2024: the day ends at 22:59:59 UTC.
        let deadline = normal_handled(at(London, "2024-03-31 00:30"), None, London);
        assert!(deadline.is_met_by(utc("2024-03-31T22:59:59Z")));
        assert!(!deadline.is_met_by(utc("2024-03-31T23:00:00Z")));
    }

    #[test]
    fn rule_repair_normal_handled_at_agreed_time() {
        let appointment = at(Shanghai, "2024-05-03 10:00");
        let deadline = normal_handled(
            at(Shanghai, "2024-05-01 09:00"),
            Some(appointment),
            Shanghai,
        );
        assert_eq!(deadline.due, appointment);
    }

    #[test]
    fn rule_repair_sheets_handed_back_by_1700_same_day() {
        let deadline = sheets_handed_back(at(Shanghai, "2024-05-01 11:00"), Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairSheetsHandedBack);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 17:00:00");
    }

    #[test]
    fn rule_repair_sheets_handed_back_uses_the_local_day() {
        // 07:00 in Shanghai is still the previous day in UTC.
        let deadline = sheets_handed_back(at(Shanghai, "2024-05-01 07:00"), Shanghai);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 17:00:00");
    }

    #[test]
    fn rule_repair_sheets_completed_after_1700_handed_back_next_day() {
        let deadline = sheets_handed_back(at(Shanghai, "2024-05-01 19:30"), Shanghai);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-02 17:00:00");
    }

    #[test]
    fn rule_repair_sheets_passed_to_finance_by_the_25th_of_the_same_month() {
        let deadline = sheets_passed_to_finance(at(Shanghai, "2024-05-25 18:00"), Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairSheetsPassedToFinance);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-25 23:59:59");
    }

    #[test]
    fn rule_repair_sheets_completed_after_the_25th_passed_to_finance_next_month() {
        let deadline = sheets_passed_to_finance(at(Shanghai, "2024-12-28 10:00"), Shanghai);
        assert_eq!(shown(deadline.due, Shanghai), "2025-01-25 23:59:59");
    }

    #[test]
    fn rule_repair_sheets_passed_to_finance_counts_the_local_date() {
        // 01:00 on the 26th in Shanghai is still the 25th in UTC.
        let deadline = sheets_passed_to_finance(at(Shanghai, "2024-05-26 01:00"), Shanghai);
        assert_eq!(shown(deadline.due, Shanghai), "2024-06-25 23:59:59");
    }

    fn sheet(location: RepairLocation, urgency: Urgency) -> RepairSituation {
        RepairSituation {
            location,
            on_price_list: true,
            urgency,
            reported_at: at(Shanghai, "2024-05-01 10:00"),
            appointment: None,
            dispatched_at: None,
        }
    }

    #[test]
    fn rule_repair_on_site_deadline_before_dispatch_is_the_urgency_tier() {
        let open = sheet(RepairLocation::InUnit, Urgency::ExtraUrgent);
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairExtraUrgentHandled);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 10:10:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_paid_now_beats_end_of_day() {
        let open = RepairSituation {
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:05")),
            ..sheet(RepairLocation::InUnit, Urgency::Normal)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairPaidNowTechnicianOnSite);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 10:15:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_extra_urgent_beats_dispatch_clock() {
        let open = RepairSituation {
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:05")),
            ..sheet(RepairLocation::InUnit, Urgency::ExtraUrgent)
        };
        assert_eq!(
            repair_on_site_deadline(&open, Shanghai).rule,
            RuleId::RepairExtraUrgentHandled
        );
    }

    #[test]
    fn rule_repair_on_site_deadline_public_area_runs_15_min_from_dispatch() {
        let open = RepairSituation {
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:02")),
            ..sheet(RepairLocation::PublicArea, Urgency::Normal)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairPublicAreaTechnicianOnSite);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 10:17:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_urgent_public_area_keeps_the_earlier_tier() {
        let open = RepairSituation {
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:02")),
            ..sheet(RepairLocation::PublicArea, Urgency::Urgent)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairUrgentHandled);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 10:15:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_appointment_replaces_urgency() {
        let open = RepairSituation {
            appointment: Some(at(Shanghai, "2024-05-02 14:00")),
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:05")),
            ..sheet(RepairLocation::InUnit, Urgency::Urgent)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairPaidAppointmentTechnicianOnSite);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-02 13:55:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_public_area_appointment_is_the_agreed_time() {
        let open = RepairSituation {
            appointment: Some(at(Shanghai, "2024-05-02 14:00")),
            ..sheet(RepairLocation::PublicArea, Urgency::Normal)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairNormalHandled);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-02 14:00:00");
    }

    #[test]
    fn rule_repair_on_site_deadline_off_price_list_follows_the_tier_only() {
        let open = RepairSituation {
            on_price_list: false,
            dispatched_at: Some(at(Shanghai, "2024-05-01 10:05")),
            ..sheet(RepairLocation::InUnit, Urgency::Normal)
        };
        let deadline = repair_on_site_deadline(&open, Shanghai);
        assert_eq!(deadline.rule, RuleId::RepairNormalHandled);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 23:59:59");
    }
}
