//! Patrol coverage [docs/DOMAIN.md §2]: "every floor of every building and all shared
//! facilities are covered twice a week". Two tables make that a query:
//!
//! - `patrol_visits`: one row per check-in of every round (estate, building,
//!   floor, area, checkpoint, round, officer, time), so a week's visits are
//!   one indexed range read instead of loading every round;
//! - `patrol_places`: the checkpoints of each route template's current
//!   version, i.e. the places the estate *plans* to cover, so a floor no one
//!   visited still shows, as a zero.
//!
//! Counting (distinct duty days per place, the week's bounds, the required
//! two) is `stairwell_core::rules::coverage`'s; this file only gathers rows
//! and lays the result out as a building × floor grid.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::patrol_round::PatrolRound;
use stairwell_core::kinds::route_template::{Location, PlaceKind, RouteTemplate};
use stairwell_core::rules::coverage::{REQUIRED_VISITS_PER_WEEK, coverage_week, floor_coverage};
use stairwell_core::rules::local_time::start_of_local_day;
use stairwell_core::rules::{FloorCoverage, FloorKey};

/// One check-in, as the coverage report reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatrolVisit {
    /// The round (a patrol round record).
    pub record_id: String,
    /// The `checked_in` event.
    pub event_id: String,
    pub estate: String,
    pub building: String,
    pub floor: String,
    pub area: String,
    pub place: String,
    pub checkpoint: String,
    pub officer: String,
    pub at: DateTime<Utc>,
}

/// One checkpoint of a route template's current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPlace {
    /// The route template.
    pub record_id: String,
    /// Its position in the planned order.
    pub position: u32,
    pub estate: String,
    pub building: String,
    pub floor: String,
    pub area: String,
    pub place: String,
    pub checkpoint: String,
}

/// The coverage of one estate in one local week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageGrid {
    pub estate: String,
    pub time_zone: String,
    /// The Monday the week starts on, and the Monday after (exclusive).
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Rounds each place needs in the week.
    pub required: u32,
    /// Places in the grid, and how many of them had their rounds.
    pub places: usize,
    pub met: usize,
    pub buildings: Vec<BuildingCoverage>,
}

/// One row of the grid: a building (or an area of the estate) and its floors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildingCoverage {
    pub building: String,
    pub floors: Vec<FloorCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloorCell {
    pub floor: String,
    /// Rounds that reached the place: distinct duty days with a check-in.
    pub visits: u32,
    pub met: bool,
    /// Check-ins of the week, counting repeats within a round.
    pub check_ins: u32,
    pub last_visit: Option<DateTime<Utc>>,
}

/// The place a location counts for. A floor of a building is
/// (building, floor); a place without a floor is (building, area); a shared
/// place outside any building (car park, garden) is keyed as the rules
/// suggest, with its area as the building.
pub fn floor_key(location: &Location) -> FloorKey {
    if location.building.is_empty() {
        FloorKey::new(&location.area, &location.floor)
    } else if location.floor.is_empty() {
        FloorKey::new(&location.building, &location.area)
    } else {
        FloorKey::new(&location.building, &location.floor)
    }
}

fn place_name(place: PlaceKind) -> &'static str {
    match place {
        PlaceKind::Floor => "floor",
        PlaceKind::Unit => "unit",
        PlaceKind::Shop => "shop",
        PlaceKind::CarPark => "car_park",
        PlaceKind::GreenArea => "green_area",
        PlaceKind::FacilityRoom => "facility_room",
    }
}

/// A round's rows: one per check-in at a planned checkpoint.
pub fn visits_of(round: &PatrolRound) -> Vec<PatrolVisit> {
    let view = round.view();
    let header = round.doc().header();
    let record_id = header.id.to_string();
    view.check_ins
        .iter()
        .filter_map(|visit| {
            let planned = view
                .checkpoints
                .iter()
                .find(|planned| planned.checkpoint.code == visit.code)?;
            let checkpoint = &planned.checkpoint;
            Some(PatrolVisit {
                record_id: record_id.clone(),
                event_id: visit.event.clone(),
                estate: header.estate.clone(),
                building: checkpoint.location.building.clone(),
                floor: checkpoint.location.floor.clone(),
                area: checkpoint.location.area.clone(),
                place: place_name(checkpoint.place).to_owned(),
                checkpoint: checkpoint.code.clone(),
                officer: visit.user.clone(),
                at: visit.at,
            })
        })
        .collect()
}

/// A route template's rows: its current checkpoints, in planned order.
pub fn places_of(route: &RouteTemplate) -> Vec<PlannedPlace> {
    let header = route.doc().header();
    let record_id = header.id.to_string();
    route
        .view()
        .checkpoints
        .iter()
        .enumerate()
        .map(|(position, checkpoint)| PlannedPlace {
            record_id: record_id.clone(),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            estate: header.estate.clone(),
            building: checkpoint.location.building.clone(),
            floor: checkpoint.location.floor.clone(),
            area: checkpoint.location.area.clone(),
            place: place_name(checkpoint.place).to_owned(),
            checkpoint: checkpoint.code.clone(),
        })
        .collect()
}

/// The local week (Monday to Monday) holding `day`.
pub fn week_of(day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    coverage_week(start_of_local_day(day, tz), tz)
}

/// Lays out the week's coverage: every planned place, and any place visited
/// that no route plans (a route revised since), each counted by the rules.
pub fn grid(
    estate: &str,
    tz: Tz,
    week: (DateTime<Utc>, DateTime<Utc>),
    planned: &[PlannedPlace],
    visits: &[PatrolVisit],
) -> CoverageGrid {
    let mut expected: Vec<FloorKey> = planned
        .iter()
        .map(|place| floor_key(&location(&place.building, &place.floor, &place.area)))
        .chain(
            visits
                .iter()
                .map(|visit| floor_key(&location(&visit.building, &visit.floor, &visit.area))),
        )
        .collect();
    expected.sort_by(|a, b| {
        natural(&a.building)
            .cmp(&natural(&b.building))
            .then_with(|| natural(&a.floor).cmp(&natural(&b.floor)))
    });
    expected.dedup();
    let keyed: Vec<(FloorKey, DateTime<Utc>)> = visits
        .iter()
        .map(|visit| {
            let key = floor_key(&location(&visit.building, &visit.floor, &visit.area));
            (key, visit.at)
        })
        .collect();
    let mut check_ins: HashMap<&FloorKey, (u32, DateTime<Utc>)> = HashMap::new();
    for (key, at) in &keyed {
        let entry = check_ins.entry(key).or_insert((0, *at));
        entry.0 += 1;
        entry.1 = entry.1.max(*at);
    }
    let coverage = floor_coverage(&keyed, &expected, week, tz);
    let met = coverage.iter().filter(|row| row.met).count();
    let mut buildings: Vec<BuildingCoverage> = Vec::new();
    for FloorCoverage {
        floor, visits, met, ..
    } in &coverage
    {
        let seen = check_ins.get(floor);
        let cell = FloorCell {
            floor: floor.floor.clone(),
            visits: *visits,
            met: *met,
            check_ins: seen.map_or(0, |(count, _)| *count),
            last_visit: seen.map(|(_, last)| *last),
        };
        match buildings.last_mut() {
            Some(row) if row.building == floor.building => row.floors.push(cell),
            _ => buildings.push(BuildingCoverage {
                building: floor.building.clone(),
                floors: vec![cell],
            }),
        }
    }
    let local = |at: DateTime<Utc>| at.with_timezone(&tz).date_naive();
    CoverageGrid {
        estate: estate.to_owned(),
        time_zone: tz.name().to_owned(),
        week_start: local(week.0),
        week_end: local(week.1),
        from: week.0,
        to: week.1,
        required: REQUIRED_VISITS_PER_WEEK,
        places: coverage.len(),
        met,
        buildings,
    }
}

/// A sort key that orders "2F" before "10F" and "B2" before "B10": digit
/// runs compare as numbers, everything else as text.
fn natural(text: &str) -> Vec<(u8, u64, String)> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    let mut other = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !other.is_empty() {
                parts.push((1, 0, std::mem::take(&mut other)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                parts.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            other.push(c);
        }
    }
    if !digits.is_empty() {
        parts.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !other.is_empty() {
        parts.push((1, 0, other));
    }
    parts
}

/// The location a stored row names.
pub fn location(building: &str, floor: &str, area: &str) -> Location {
    Location::new(building, floor, area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_sort_by_number_not_by_text() {
        let mut floors = vec!["10F", "2F", "1F", "B1", "12F"];
        floors.sort_by_key(|floor| natural(floor));
        assert_eq!(floors, vec!["1F", "2F", "10F", "12F", "B1"]);
    }

    #[test]
    fn places_without_a_floor_or_a_building_get_a_key() {
        assert_eq!(
            floor_key(&Location::new("B1", "3F", "corridor")),
            FloorKey::new("B1", "3F")
        );
        assert_eq!(
            floor_key(&Location::new("B1", "", "plant room")),
            FloorKey::new("B1", "plant room")
        );
        assert_eq!(
            floor_key(&Location::new("", "", "central garden")),
            FloorKey::new("central garden", "")
        );
    }
}
