//! The demo's patrol route and its rounds: a week of evening rounds, some
//! with missed checkpoints and findings, one of which opens a repair.

use chrono::Duration;
use stairwell_core::kinds::patrol_round::{
    CheckInMethod, FindingReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::repair_sheet::Intake as RepairIntake;
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind, RouteTemplate};
use stairwell_core::rules::{FindingCategory, RepairLocation, Urgency};

use super::*;

fn checkpoint_code(building: &str, floor: u32) -> String {
    format!("{building}-{floor:02}F")
}

/// The facilities every evening round visits: code, location, kind.
fn facilities() -> Vec<Checkpoint> {
    vec![
        Checkpoint::new(
            "CARPARK",
            Location::new("", "B1", "地下车库 Car park"),
            PlaceKind::CarPark,
        ),
        Checkpoint::new(
            "PLANT",
            Location::new("B1", "", "水泵房 Pump room"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "CLUB",
            Location::new("", "", "会所 Clubhouse"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "GARDEN",
            Location::new("", "", "中心花园 Central garden"),
            PlaceKind::GreenArea,
        ),
    ]
}

impl Seeder {
    pub(super) fn route(&mut self) -> Result<RouteTemplate, DemoError> {
        let mut checkpoints = Vec::new();
        for building in BUILDINGS {
            for floor in 1..=FLOORS {
                checkpoints.push(Checkpoint::new(
                    checkpoint_code(building, floor),
                    Location::new(building, format!("{floor}F"), "楼道 Corridor"),
                    PlaceKind::Floor,
                ));
            }
        }
        checkpoints.extend(facilities());
        let route = RouteTemplate::define(
            &self.editor(SUPERVISOR)?,
            self.day(30, 9, 0),
            ESTATE_ID,
            "东苑日常巡逻 Daily patrol",
            checkpoints,
        )?;
        self.create(SUPERVISOR, &route)?;
        Ok(route)
    }

    /// A morning and an evening round each of the last seven days (one
    /// building's floors in the morning; the facilities and half of another
    /// building in the evening), some floors skipped, three findings, and a
    /// round under way now.
    pub(super) fn patrol_rounds(&mut self, route: &RouteTemplate) -> Result<(), DemoError> {
        let patrol = self.editor(PATROL)?;
        for days_ago in (1..=7u64).rev() {
            let index = usize::try_from(days_ago).unwrap_or(0);
            let morning_building = BUILDINGS[index % BUILDINGS.len()];
            let floors: Vec<u32> = (1..=FLOORS)
                .filter(|floor| days_ago != 4 || !(7..=8).contains(floor))
                .collect();
            let start = self.day(days_ago, 9, 30);
            let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
            for (step, floor) in (1i64..).zip(&floors) {
                let code = checkpoint_code(morning_building, *floor);
                round.check_in(
                    &patrol,
                    start + Duration::minutes(2 * step),
                    &code,
                    CheckInMethod::Scan,
                )?;
            }
            let finding = match days_ago {
                2 => Some(FindingReport {
                    category: FindingCategory::FacilityDamage,
                    description: "7楼走廊两盏灯不亮 Two corridor lamps dark on 7F".into(),
                    location: Location::new(morning_building, "7F", "楼道 Corridor"),
                    photos: vec![self.photo("corridor lamps")?],
                }),
                5 => Some(FindingReport {
                    category: FindingCategory::PlantRoomDoorOpen,
                    description: "水泵房门开着，门锁损坏 Pump room door open, lock broken".into(),
                    location: Location::new("B1", "", "水泵房 Pump room"),
                    photos: vec![self.photo("pump room door")?],
                }),
                _ => None,
            };
            let finding_id = match finding {
                Some(report) => {
                    Some(round.add_finding(&patrol, start + Duration::minutes(15), report)?)
                }
                None => None,
            };
            round.finish(&patrol, start + Duration::minutes(40))?;
            self.create(PATROL, &round)?;
            if let (2, Some(finding)) = (days_ago, finding_id) {
                self.repair_from_finding(&mut round, &finding, days_ago)?;
            }

            let evening_building = BUILDINGS[(index + 1) % BUILDINGS.len()];
            let start = self.day(days_ago, 20, 0);
            let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
            let mut minute = 0;
            for checkpoint in facilities() {
                minute += 4;
                round.check_in(
                    &patrol,
                    start + Duration::minutes(minute),
                    &checkpoint.code,
                    CheckInMethod::Scan,
                )?;
            }
            for floor in 1..=6 {
                minute += 2;
                let method = if floor == 3 {
                    CheckInMethod::Manual
                } else {
                    CheckInMethod::Scan
                };
                round.check_in(
                    &patrol,
                    start + Duration::minutes(minute),
                    &checkpoint_code(evening_building, floor),
                    method,
                )?;
            }
            if days_ago == 3 {
                round.add_finding(
                    &patrol,
                    start + Duration::minutes(5),
                    FindingReport {
                        category: FindingCategory::Cleanliness,
                        description: "车库垃圾桶满溢 Car park bins overflowing".into(),
                        location: Location::new("", "B1", "地下车库 Car park"),
                        // Taken, but the officer's phone has not uploaded
                        // it yet: the console marks it as pending.
                        photos: vec![not_uploaded("car park bins")?],
                    },
                )?;
                round.add_note(
                    &patrol,
                    start + Duration::minutes(30),
                    "已通知保洁 Cleaners told",
                )?;
            }
            round.finish(&patrol, start + Duration::minutes(minute + 5))?;
            self.create(PATROL, &round)?;
        }
        // Under way now.
        let start = self.ago(40);
        let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
        for floor in 1..=5 {
            round.check_in(
                &patrol,
                start + Duration::minutes(3 * i64::from(floor)),
                &checkpoint_code(BUILDINGS[0], floor),
                CheckInMethod::Scan,
            )?;
        }
        self.create(PATROL, &round)?;
        Ok(())
    }

    pub(super) fn repair_from_finding(
        &mut self,
        round: &mut PatrolRound,
        finding: &str,
        days_ago: u64,
    ) -> Result<(), DemoError> {
        let patrol = self.editor(PATROL)?;
        let at = self.day(days_ago, 10, 0);
        // A public area: no resident; the place, the problem and the photo
        // come from the finding.
        let intake = RepairIntake {
            resident_name: String::new(),
            unit: String::new(),
            phone: String::new(),
            problem: String::new(),
            location: RepairLocation::PublicArea,
            on_price_list: false,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let before = round.doc().heads();
        let mut sheet = open_repair_from_finding(round, &patrol, at, finding, intake)?;
        self.push(PATROL, round.doc(), Some(&before))?;
        self.create(PATROL, &sheet)?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, at + Duration::minutes(25), LI)
        })?;
        Ok(())
    }
}

/// The name of a photo still on the officer's phone.
fn not_uploaded(subject: &str) -> Result<stairwell_core::kinds::BlobHash, DemoError> {
    use sha2::{Digest, Sha256};
    Ok(hex::encode(Sha256::digest(subject.as_bytes())).parse()?)
}
