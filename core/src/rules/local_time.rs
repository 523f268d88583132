//! The procedures speak in the estate's wall-clock time ("by 17:00", "the same
//! day", "by the 25th") while records hold UTC instants. This file is the one
//! place that turns local dates and times into instants, so daylight-saving
//! gaps and folds are resolved the same way by every rule, and date arithmetic
//! saturates instead of panicking on a corrupt far-future timestamp.

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The estate's calendar date at an instant.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// What the estate's clocks read at an instant.
pub fn local_datetime(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// The instant at which the estate's clocks read `local`.
///
/// In a fold (clocks set back, the time happens twice) the earlier instant
/// wins, so a deadline never slips later. In a gap (clocks set forward, the
/// time never happens) the end of the gap stands in: the first instant at
/// which the clocks read `local` or later. That keeps "the day starts at
/// 00:00" and "the duty day starts at 08:30" true on the days clocks change.
pub fn local_instant(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|instant| instant.with_timezone(&Utc))
        .unwrap_or_else(|| end_of_gap(local, tz))
}

/// The instant a local date reaches a local time of day.
pub fn at_local_time(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    local_instant(date.and_time(time), tz)
}

/// The first instant of a local day (later than 00:00 if midnight is skipped).
pub fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    at_local_time(date, NaiveTime::MIN, tz)
}

/// The last instant still inside a local day: one nanosecond before the next
/// day starts, so "by the end of the day" compares with `<=` like every
/// other deadline and the day's length (23, 24 or 25 h) comes from the zone.
pub fn end_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    shift(
        start_of_local_day(add_days(date, 1), tz),
        -TimeDelta::nanoseconds(1),
    )
}

/// An instant moved by a duration, pinned to chrono's range instead of panicking.
pub fn shift(at: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(by)
        .unwrap_or(if by < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// A date some days later, pinned to chrono's last date.
pub fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// A date some days earlier, pinned to chrono's first date.
pub fn sub_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// The same day some calendar months later; a day the month lacks becomes
/// the month's last day (Jan 31 + 1 month = Feb 28 or 29).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Monday to Friday. The procedures name no public-holiday calendar, so
/// holidays count as working days until an estate calendar is modelled.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `count`-th working day after `date`, not counting `date` itself.
pub fn working_days_after(date: NaiveDate, count: u32) -> NaiveDate {
    let mut day = date;
    let mut left = count;
    while left > 0 {
        day = add_days(day, 1);
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

fn offset_at(at: DateTime<Utc>, tz: Tz) -> TimeDelta {
    let seconds = tz
        .offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc();
    TimeDelta::seconds(i64::from(seconds))
}

fn reads_at_or_after(timestamp: i64, local: NaiveDateTime, tz: Tz) -> bool {
    DateTime::from_timestamp(timestamp, 0).is_none_or(|at| local_datetime(at, tz) >= local)
}

/// The transition instant that ends the gap `local` falls in.
///
/// Read with the offset in force before the gap, `local` lands after the
/// transition; read with the offset after it, before. The transition lies
/// between, on a whole second, and a binary search finds it.
fn end_of_gap(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let as_if_utc = local.and_utc();
    let offset_before = offset_at(shift(as_if_utc, -TimeDelta::days(1)), tz);
    let past_gap = shift(as_if_utc, -offset_before);
    let offset_after = offset_at(past_gap, tz);
    let mut too_early = shift(as_if_utc, -offset_after).timestamp();
    let mut late_enough = past_gap.timestamp();
    while late_enough - too_early > 1 {
        let middle = too_early + (late_enough - too_early) / 2;
        if reads_at_or_after(middle, local, tz) {
            late_enough = middle;
        } else {
            too_early = middle;
        }
    }
    DateTime::from_timestamp(late_enough, 0).unwrap_or(past_gap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{date, local, utc};
    use chrono_tz::{America::Santiago, Asia::Shanghai, Europe::London};

    #[test]
    fn local_time_in_a_spring_gap_resolves_to_the_end_of_the_gap() {
        // London skips 01:00-02:00 on 31 March 2024; 01:30 never happens.
        assert_eq!(
            local_instant(local("2024-03-31 01:30"), London),
            utc("2024-03-31T01:00:00Z")
        );
    }

    #[test]
    fn local_time_in_an_autumn_fold_resolves_to_the_earlier_instant() {
        // London reads 01:30 twice on 27 October 2024, first in BST.
        assert_eq!(
            local_instant(local("2024-10-27 01:30"), London),
            utc("2024-10-27T00:30:00Z")
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_resume() {
        // Santiago jumps from 00:00 to 01:00 on 8 September 2024.
        let start = start_of_local_day(date("2024-09-08"), Santiago);
        assert_eq!(start, utc("2024-09-08T04:00:00Z"));
        assert_eq!(local_datetime(start, Santiago), local("2024-09-08 01:00"));
    }

    #[test]
    fn end_of_local_day_is_the_last_instant_before_the_next_day() {
        let end = end_of_local_day(date("2024-03-05"), Shanghai);
        assert_eq!(
            shift(end, TimeDelta::nanoseconds(1)),
            utc("2024-03-05T16:00:00Z")
        );
        assert_eq!(local_date(end, Shanghai), date("2024-03-05"));
    }

    #[test]
    fn adding_a_month_clamps_to_the_month_end() {
        assert_eq!(add_months(date("2024-01-31"), 1), date("2024-02-29"));
        assert_eq!(add_months(date("2023-01-31"), 1), date("2023-02-28"));
    }

    #[test]
    fn working_days_skip_the_weekend() {
        // Friday + 1 working day is Monday.
        assert_eq!(
            working_days_after(date("2024-03-08"), 1),
            date("2024-03-11")
        );
    }

    #[test]
    fn shifting_past_the_end_of_time_saturates() {
        assert_eq!(
            shift(DateTime::<Utc>::MAX_UTC, TimeDelta::minutes(2)),
            DateTime::<Utc>::MAX_UTC
        );
    }
}
