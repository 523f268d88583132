//! Patrol coverage [§12]: every floor of every building and all shared
//! facilities are covered twice a week. Office staff need the floors that
//! fall short before the week ends, so this file counts the rounds that
//! reached each floor in a local calendar week.

use super::duty_day::duty_day_of;
use super::local_time::{add_days, local_date, start_of_local_day, sub_days};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Rounds each floor and shared facility needs per week.
pub const REQUIRED_VISITS_PER_WEEK: u32 = 2;
const DAYS_PER_WEEK: u64 = 7;

/// A place patrols must cover. A shared facility is keyed the same way,
/// with its area as `building` and its name as `floor`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FloorKey {
    pub building: String,
    pub floor: String,
}

impl FloorKey {
    pub fn new(building: impl Into<String>, floor: impl Into<String>) -> FloorKey {
        FloorKey {
            building: building.into(),
            floor: floor.into(),
        }
    }
}

/// How one floor fared in one week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorCoverage {
    pub floor: FloorKey,
    /// Rounds that reached the floor: distinct duty days with a visit.
    pub visits: u32,
    pub required: u32,
    pub met: bool,
}

/// The coverage week containing an instant: Monday 00:00 local (inclusive)
/// to the next Monday 00:00 local (exclusive).
pub fn coverage_week(at: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = local_date(at, tz);
    let monday = sub_days(today, u64::from(today.weekday().num_days_from_monday()));
    (
        start_of_local_day(monday, tz),
        start_of_local_day(add_days(monday, DAYS_PER_WEEK), tz),
    )
}

/// Coverage of each expected floor in `week` (start inclusive, end exclusive),
/// in the order of `expected`; visits to floors not expected are ignored.
///
/// Visits on the same duty day count once: "twice a week" means two separate
/// rounds, and one round can sign in at a floor twice (or cross midnight),
/// which must not pass for two. The duty day (08:30 to 08:30) rather than the
/// calendar day is used so a night round crossing midnight stays one round.
pub fn floor_coverage(
    visits: &[(FloorKey, DateTime<Utc>)],
    expected: &[FloorKey],
    week: (DateTime<Utc>, DateTime<Utc>),
    tz: Tz,
) -> Vec<FloorCoverage> {
    let rounds = rounds_per_floor(visits, week, tz);
    expected
        .iter()
        .map(|floor| {
            let visits = rounds
                .get(floor)
                .map_or(0, |days| u32::try_from(days.len()).unwrap_or(u32::MAX));
            FloorCoverage {
                floor: floor.clone(),
                visits,
                required: REQUIRED_VISITS_PER_WEEK,
                met: visits >= REQUIRED_VISITS_PER_WEEK,
            }
        })
        .collect()
}

fn rounds_per_floor(
    visits: &[(FloorKey, DateTime<Utc>)],
    (week_start, week_end): (DateTime<Utc>, DateTime<Utc>),
    tz: Tz,
) -> HashMap<&FloorKey, HashSet<NaiveDate>> {
    let mut rounds: HashMap<&FloorKey, HashSet<NaiveDate>> = HashMap::new();
    for (floor, at) in visits {
        if week_start <= *at && *at < week_end {
            rounds
                .entry(floor)
                .or_default()
                .insert(duty_day_of(*at, tz));
        }
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleId;
    use crate::rules::test_support::{at, shown, utc};
    use chrono_tz::{Asia::Hong_Kong, Europe::London};

    fn week_of(text: &str) -> (DateTime<Utc>, DateTime<Utc>) {
        coverage_week(at(Hong_Kong, text), Hong_Kong)
    }

    fn coverage_of(visit_times: &[&str]) -> FloorCoverage {
        let floor = FloorKey::new("Block A", "12/F");
        let visits: Vec<_> = visit_times
            .iter()
            .map(|text| (floor.clone(), at(Hong_Kong, text)))
            .collect();
        let week = week_of("2024-05-08 12:00");
        floor_coverage(&visits, &[floor], week, Hong_Kong)
            .pop()
            .expect("one expected floor gives one row")
    }

    #[test]
    fn rule_patrol_coverage_week_runs_monday_to_monday_local() {
        let (start, end) = week_of("2024-05-12 23:30");
        assert_eq!(shown(start, Hong_Kong), "2024-05-06 00:00:00");
        assert_eq!(shown(end, Hong_Kong), "2024-05-13 00:00:00");
        // Monday 00:30 in Hong Kong is still Sunday in UTC, but a new week locally.
        let (next_start, _) = week_of("2024-05-13 00:30");
        assert_eq!(next_start, end);
    }

    #[test]
    fn rule_patrol_coverage_week_spanning_dst_is_167_hours() {
        let (start, end) = coverage_week(utc("2024-03-28T12:00:00Z"), London);
        assert_eq!(start, utc("2024-03-25T00:00:00Z"));
        assert_eq!((end - start).num_hours(), 167);
    }

    #[test]
    fn rule_patrol_floor_covered_twice_a_week() {
        let coverage = coverage_of(&["2024-05-06 10:00", "2024-05-09 15:00"]);
        assert_eq!(RuleId::PatrolFloorCoverage.code(), "patrol.floor_coverage");
        assert_eq!(
            (coverage.visits, coverage.required, coverage.met),
            (2, 2, true)
        );
    }

    #[test]
    fn rule_patrol_floor_visits_within_one_duty_day_count_once() {
        // 23:50 and 00:20 are one night round; 10:00 and 16:00 one day shift.
        let night = coverage_of(&["2024-05-07 23:50", "2024-05-08 00:20"]);
        assert_eq!((night.visits, night.met), (1, false));
        let day = coverage_of(&["2024-05-07 10:00", "2024-05-07 16:00"]);
        assert_eq!((day.visits, day.met), (1, false));
    }

    #[test]
    fn rule_patrol_floor_visits_outside_the_week_do_not_count() {
        let coverage = coverage_of(&["2024-05-05 23:59", "2024-05-08 10:00", "2024-05-13 00:00"]);
        assert_eq!((coverage.visits, coverage.met), (1, false));
    }

    #[test]
    fn rule_patrol_unvisited_floors_are_listed_in_expected_order() {
        let expected = [
            FloorKey::new("Block B", "1/F"),
            FloorKey::new("Estate", "Clubhouse"),
        ];
        let visits = [(
            FloorKey::new("Block Z", "9/F"),
            at(Hong_Kong, "2024-05-08 10:00"),
        )];
        let coverage = floor_coverage(&visits, &expected, week_of("2024-05-08 12:00"), Hong_Kong);
        let floors: Vec<_> = coverage
            .iter()
            .map(|row| (&row.floor, row.visits, row.met))
            .collect();
        assert_eq!(
            floors,
            vec![(&expected[0], 0, false), (&expected[1], 0, false)]
        );
    }
}
