//! The duty desk's day [part 1]: it runs from 08:30 to 08:30 the next day in
//! the estate's time zone, not midnight to midnight, so the duty log, the
//! handover and "what happened on my shift" all group by this day. It is
//! named by the local date on which it starts.

use super::deadline::Deadline;
use super::local_time::{add_days, add_months, at_local_time, local_datetime, shift, sub_days};
use super::rule_id::RuleId;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// When the duty day starts, local time.
pub const DUTY_DAY_STARTS_AT: NaiveTime =
    NaiveTime::from_hms_opt(8, 30, 0).expect("08:30 is a time");
const HANDOVER_ARRIVAL_EARLY_BY: TimeDelta = TimeDelta::minutes(5);
const LOG_KEPT_MONTHS: u32 = 3 * 12;

/// The duty day an instant belongs to, named by the date it started on:
/// 02:00 on the 2nd belongs to the duty day of the 1st.
pub fn duty_day_of(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let local = local_datetime(at, tz);
    if local.time() < DUTY_DAY_STARTS_AT {
        sub_days(local.date(), 1)
    } else {
        local.date()
    }
}

/// A duty day's start (inclusive) and end (exclusive). It lasts 23 or 25 h
/// on the days the clocks change; the zone decides, not a fixed 24 h.
pub fn duty_day_bounds(duty_day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        at_local_time(duty_day, DUTY_DAY_STARTS_AT, tz),
        at_local_time(add_days(duty_day, 1), DUTY_DAY_STARTS_AT, tz),
    )
}

/// The incoming officer of a duty day arrives 5 min before it starts, to
/// count equipment, read the log and walk the area before signing.
pub fn handover_arrival_deadline(duty_day: NaiveDate, tz: Tz) -> Deadline {
    let (starts, _) = duty_day_bounds(duty_day, tz);
    Deadline::new(
        RuleId::DutyHandoverArrival,
        shift(starts, -HANDOVER_ARRIVAL_EARLY_BY),
    )
}

/// The duty log is kept for 3 years: a duty day's entries may be disposed
/// of only after this instant, three calendar years after the duty day ends
/// (a day ending on 29 February is kept until 28 February).
pub fn duty_log_retention_until(duty_day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let ends_on = add_days(duty_day, 1);
    at_local_time(add_months(ends_on, LOG_KEPT_MONTHS), DUTY_DAY_STARTS_AT, tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, date, shown, utc};
    use chrono_tz::{Asia::Hong_Kong, Asia::Shanghai, Europe::London};

    #[test]
    fn rule_duty_day_runs_0830_to_0830() {
        assert_eq!(
            duty_day_of(at(Shanghai, "2024-05-02 08:29"), Shanghai),
            date("2024-05-01")
        );
        assert_eq!(
            duty_day_of(at(Shanghai, "2024-05-02 08:30"), Shanghai),
            date("2024-05-02")
        );
        let (start, end) = duty_day_bounds(date("2024-05-01"), Shanghai);
        assert_eq!(start, utc("2024-05-01T00:30:00Z"));
        assert_eq!(end, utc("2024-05-02T00:30:00Z"));
    }

    #[test]
    fn rule_duty_day_runs_0830_to_0830_across_local_midnight() {
        // 02:00 local on the 2nd is 18:00 UTC on the 1st: same duty day either way,
        // but 09:00 local on the 2nd is 01:00 UTC on the 2nd and a new duty day.
        assert_eq!(
            duty_day_of(at(Hong_Kong, "2024-05-02 02:00"), Hong_Kong),
            date("2024-05-01")
        );
        assert_eq!(
            duty_day_of(utc("2024-05-02T01:00:00Z"), Hong_Kong),
            date("2024-05-02")
        );
    }

    #[test]
    fn rule_duty_day_is_23_hours_when_clocks_go_forward() {
        let (start, end) = duty_day_bounds(date("2024-03-30"), London);
        assert_eq!(start, utc("2024-03-30T08:30:00Z"));
        assert_eq!(end, utc("2024-03-31T07:30:00Z"));
        assert_eq!(shown(end, London), "2024-03-31 08:30:00");
    }

    #[test]
    fn rule_duty_day_is_25_hours_when_clocks_go_back() {
        let (start, end) = duty_day_bounds(date("2024-10-26"), London);
        assert_eq!((end - start).num_hours(), 25);
    }

    #[test]
    fn rule_duty_day_of_an_instant_lies_within_its_bounds() {
        // Every 10 min through both of London's 2024 clock changes.
        for window_start in ["2024-03-29T00:00:00Z", "2024-10-25T00:00:00Z"] {
            let mut instant = utc(window_start);
            for _ in 0..(4 * 24 * 6) {
                let (start, end) = duty_day_bounds(duty_day_of(instant, London), London);
                assert!(start <= instant && instant < end, "{instant}");
                instant += TimeDelta::minutes(10);
            }
        }
    }

    #[test]
    fn rule_duty_handover_incoming_officer_arrives_5_min_early() {
        let deadline = handover_arrival_deadline(date("2024-05-01"), Shanghai);
        assert_eq!(deadline.rule, RuleId::DutyHandoverArrival);
        assert_eq!(shown(deadline.due, Shanghai), "2024-05-01 08:25:00");
    }

    #[test]
    fn rule_duty_log_kept_for_3_years() {
        let until = duty_log_retention_until(date("2024-05-01"), Shanghai);
        assert_eq!(shown(until, Shanghai), "2027-05-02 08:30:00");
        let leap = duty_log_retention_until(date("2024-02-28"), Shanghai);
        assert_eq!(shown(leap, Shanghai), "2027-02-28 08:30:00");
    }
}
