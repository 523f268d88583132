//! Sample inputs the tests write records with, and a clock. Times are whole
//! seconds in the recent past: documents keep milliseconds, so a time read
//! back equals the time written, and nothing lies in the future.

use chrono::{DateTime, Duration, DurationRound, Utc};
use stairwell_core::kinds::duty_log::{EntryCategory, NewEntry};
use stairwell_core::kinds::patrol_round::FindingReport;
use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind};
use stairwell_core::record::Editor;
use stairwell_core::rules::{FindingCategory, RepairLocation, Urgency};

/// Test time: minute `n` of a scenario that started two hours ago.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: DateTime<Utc>,
}

impl Clock {
    pub fn new() -> Clock {
        let now = Utc::now()
            .duration_trunc(Duration::seconds(1))
            .expect("truncate to seconds");
        Clock {
            start: now - Duration::hours(2),
        }
    }

    pub fn at(&self, minute: i64) -> DateTime<Utc> {
        self.start + Duration::minutes(minute)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// A resident's call about a leaking tap, a paid repair on the price list.
pub fn intake(phone: &str) -> Intake {
    Intake {
        resident_name: "李先生".into(),
        unit: "B2-1203".into(),
        phone: phone.into(),
        problem: "厨房水龙头漏水 / kitchen tap leaking".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    }
}

/// Sheet `n` of a test: opened by `editor` at minute 1 for a call at
/// minute 0, with a phone number that tells the sheets apart.
pub fn sheet(editor: &Editor, clock: &Clock, estate: &str, n: usize) -> RepairSheet {
    RepairSheet::open(
        editor,
        clock.at(1),
        estate,
        intake(&format!("138 0000 {n:04}")),
        clock.at(0),
        None,
    )
    .expect("open a sheet")
}

/// A night route through building B2: lobby, car park, plant room, garden.
pub fn checkpoints() -> Vec<Checkpoint> {
    vec![
        Checkpoint::new(
            "B2-LOBBY",
            Location::new("B2", "1F", "lobby"),
            PlaceKind::Floor,
        ),
        Checkpoint::new(
            "B2-CARPARK",
            Location::new("B2", "B1", "car park B1"),
            PlaceKind::CarPark,
        ),
        Checkpoint::new(
            "B2-PLANT",
            Location::new("B2", "B1", "plant room"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "GARDEN",
            Location::new("", "", "central garden"),
            PlaceKind::GreenArea,
        ),
    ]
}

/// A dark lamp in the car park: a facility fault, for engineering.
pub fn lamp_finding() -> FindingReport {
    FindingReport {
        category: FindingCategory::FacilityDamage,
        description: "走廊灯不亮 / car park lamp dark".into(),
        location: Location::new("B2", "B1", "car park B1"),
        photos: Vec::new(),
    }
}

/// The intake of a repair sheet opened from [`lamp_finding`].
pub fn lamp_intake() -> Intake {
    Intake {
        resident_name: "patrol".into(),
        unit: "B2 car park B1".into(),
        phone: "138 0000 0001".into(),
        problem: "car park lamp dark".into(),
        location: RepairLocation::PublicArea,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    }
}

/// A plain duty-log line.
pub fn duty_entry(text: &str) -> NewEntry {
    NewEntry {
        text: text.into(),
        category: EntryCategory::Call,
        important: false,
        follow_up: false,
    }
}
