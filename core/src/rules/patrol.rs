//! Patrol findings and recurring checks [§12]: how fast each kind of finding
//! must reach the person who acts on it, when a vacant unit is next due a
//! check, and which repairs the afternoon check looks at. Floor coverage has
//! its own file (`coverage`).

use super::deadline::Deadline;
use super::local_time::{
    add_days, add_months, end_of_local_day, local_date, shift, start_of_local_day, sub_days,
};
use super::rule_id::RuleId;
use super::vocabulary::FindingCategory;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

const FACILITY_DAMAGE_REPORTED_WITHIN: TimeDelta = TimeDelta::hours(2);
const PLANT_ROOM_LOCK_REPORTED_WITHIN: TimeDelta = TimeDelta::hours(1);
const FIRST_HALF_MONTH_ENDS_ON: u32 = 15;

/// A damaged or faulty shared facility is reported to engineering within 2 h.
pub fn facility_damage_reported(found_at: DateTime<Utc>) -> Deadline {
    Deadline::new(
        RuleId::PatrolFacilityDamageReported,
        shift(found_at, FACILITY_DAMAGE_REPORTED_WITHIN),
    )
}

/// A plant-room door found open is closed on the spot; if its lock is
/// broken, engineering is told within 1 h.
pub fn plant_room_lock_reported(found_at: DateTime<Utc>) -> Deadline {
    Deadline::new(
        RuleId::PatrolPlantRoomLockReported,
        shift(found_at, PLANT_ROOM_LOCK_REPORTED_WITHIN),
    )
}

/// A cleanliness problem is handled at once: due the moment it is found.
pub fn cleanliness_handled(found_at: DateTime<Utc>) -> Deadline {
    Deadline::new(RuleId::PatrolCleanlinessHandled, found_at)
}

/// A hazard at a unit: the owner is told at once, before it is removed.
pub fn unit_hazard_owner_told(found_at: DateTime<Utc>) -> Deadline {
    Deadline::new(RuleId::PatrolUnitHazardOwnerTold, found_at)
}

/// A dispute, crowd or gambling is reported to the estate manager at once.
pub fn disturbance_reported(found_at: DateTime<Utc>) -> Deadline {
    Deadline::new(RuleId::PatrolDisturbanceReported, found_at)
}

/// The deadline a finding of this kind runs against, if it has a timed one.
///
/// Renovation violations are handled "per the renovation rules" and public
/// order problems by persuasion and the notice board: neither has a clock, so
/// they get `None`. A plant-room door gets the broken-lock deadline: a door
/// whose lock works is closed on the spot, so its finding closes at once and
/// the deadline never bites.
pub fn finding_report_deadline(
    category: FindingCategory,
    found_at: DateTime<Utc>,
) -> Option<Deadline> {
    match category {
        FindingCategory::FacilityDamage => Some(facility_damage_reported(found_at)),
        FindingCategory::PlantRoomDoorOpen => Some(plant_room_lock_reported(found_at)),
        FindingCategory::Cleanliness => Some(cleanliness_handled(found_at)),
        FindingCategory::UnitSafetyHazard => Some(unit_hazard_owner_told(found_at)),
        FindingCategory::Disturbance => Some(disturbance_reported(found_at)),
        FindingCategory::RenovationViolation | FindingCategory::PublicOrder => None,
    }
}

/// The half month a date falls in, first and last day: the 1st to the 15th,
/// or the 16th to the month's end. Calendar halves, like the calendar weeks of
/// floor coverage, so "checked this half month" reads the same for every unit.
pub fn half_month_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_of_month = sub_days(date, u64::from(date.day0()));
    let sixteenth = add_days(first_of_month, u64::from(FIRST_HALF_MONTH_ENDS_ON));
    if date < sixteenth {
        (first_of_month, sub_days(sixteenth, 1))
    } else {
        (sixteenth, sub_days(add_months(first_of_month, 1), 1))
    }
}

/// When a vacant unit is next due to be cleaned and checked ("every half
/// month"): by the end of the half month after the one of the last check.
/// Pass the moment the unit became vacant if it was never checked. A check
/// early in one half and late in the next is therefore allowed; a half
/// month with no check at all is not.
pub fn vacant_unit_check_due(last_checked_or_vacant_since: DateTime<Utc>, tz: Tz) -> Deadline {
    let (_, last_day_of_half) = half_month_of(local_date(last_checked_or_vacant_since, tz));
    let (_, due_day) = half_month_of(add_days(last_day_of_half, 1));
    Deadline::new(
        RuleId::PatrolVacantUnitChecked,
        end_of_local_day(due_day, tz),
    )
}

/// Each afternoon officers spend 1-2 h checking yesterday's repairs. Not a
/// deadline but a selection: the repairs completed in this window (start
/// inclusive, end exclusive), yesterday's local calendar day.
pub fn repairs_to_check_this_afternoon(today: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        start_of_local_day(sub_days(today, 1), tz),
        start_of_local_day(today, tz),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, date, shown, utc};
    use chrono_tz::{Asia::Hong_Kong, Europe::London};

    fn found() -> DateTime<Utc> {
        utc("2024-05-01T02:00:00Z")
    }

    fn deadline_for(category: FindingCategory) -> Deadline {
        finding_report_deadline(category, found()).expect("this finding has a timed deadline")
    }

    #[test]
    fn rule_patrol_facility_damage_reported_within_2_h() {
        let deadline = deadline_for(FindingCategory::FacilityDamage);
        assert_eq!(deadline, facility_damage_reported(found()));
        assert_eq!(deadline.rule, RuleId::PatrolFacilityDamageReported);
        assert_eq!(deadline.due, utc("2024-05-01T04:00:00Z"));
    }

    #[test]
    fn rule_patrol_plant_room_door_lock_broken_engineering_told_within_1_h() {
        let deadline = deadline_for(FindingCategory::PlantRoomDoorOpen);
        assert_eq!(deadline, plant_room_lock_reported(found()));
        assert_eq!(deadline.rule, RuleId::PatrolPlantRoomLockReported);
        assert_eq!(deadline.due, utc("2024-05-01T03:00:00Z"));
    }

    #[test]
    fn rule_patrol_cleanliness_handled_at_once() {
        let deadline = deadline_for(FindingCategory::Cleanliness);
        assert_eq!(deadline, cleanliness_handled(found()));
        assert_eq!(deadline.due, found());
    }

    #[test]
    fn rule_patrol_unit_hazard_owner_told_at_once() {
        let deadline = deadline_for(FindingCategory::UnitSafetyHazard);
        assert_eq!(deadline, unit_hazard_owner_told(found()));
        assert_eq!(deadline.due, found());
    }

    #[test]
    fn rule_patrol_disturbance_reported_at_once() {
        let deadline = deadline_for(FindingCategory::Disturbance);
        assert_eq!(deadline, disturbance_reported(found()));
        assert_eq!(deadline.due, found());
    }

    #[test]
    fn rule_patrol_renovation_violation_and_public_order_have_no_timed_deadline() {
        assert_eq!(
            finding_report_deadline(FindingCategory::RenovationViolation, found()),
            None
        );
        assert_eq!(
            finding_report_deadline(FindingCategory::PublicOrder, found()),
            None
        );
    }

    #[test]
    fn rule_patrol_vacant_unit_checked_every_half_month() {
        let due = vacant_unit_check_due(at(Hong_Kong, "2024-01-03 10:00"), Hong_Kong);
        assert_eq!(due.rule, RuleId::PatrolVacantUnitChecked);
        assert_eq!(shown(due.due, Hong_Kong), "2024-01-31 23:59:59");
        let due = vacant_unit_check_due(at(Hong_Kong, "2024-01-20 10:00"), Hong_Kong);
        assert_eq!(shown(due.due, Hong_Kong), "2024-02-15 23:59:59");
    }

    #[test]
    fn rule_patrol_vacant_unit_check_half_month_ends_on_the_month_end() {
        let due = vacant_unit_check_due(at(Hong_Kong, "2024-02-15 23:30"), Hong_Kong);
        assert_eq!(shown(due.due, Hong_Kong), "2024-02-29 23:59:59");
        assert_eq!(
            half_month_of(date("2023-02-16")),
            (date("2023-02-16"), date("2023-02-28"))
        );
        assert_eq!(
            half_month_of(date("2024-12-15")),
            (date("2024-12-01"), date("2024-12-15"))
        );
    }

    #[test]
    fn rule_patrol_vacant_unit_check_counts_the_local_date() {
        // 00:30 on the 16th in Hong Kong is still the 15th in UTC.
        let due = vacant_unit_check_due(at(Hong_Kong, "2024-01-16 00:30"), Hong_Kong);
        assert_eq!(shown(due.due, Hong_Kong), "2024-02-15 23:59:59");
    }

    #[test]
    fn rule_patrol_afternoon_check_covers_yesterdays_local_day() {
        // Yesterday, 31 March 2024, was London's 23-hour day: 00:00 GMT to 00:00 BST.
        let (start, end) = repairs_to_check_this_afternoon(date("2024-04-01"), London);
        assert_eq!(start, utc("2024-03-31T00:00:00Z"));
        assert_eq!(end, utc("2024-03-31T23:00:00Z"));
        let (start, end) = repairs_to_check_this_afternoon(date("2024-05-02"), Hong_Kong);
        assert_eq!(
            (shown(start, Hong_Kong), shown(end, Hong_Kong)),
            (
                "2024-05-01 00:00:00".to_string(),
                "2024-05-02 00:00:00".to_string()
            )
        );
    }
}
