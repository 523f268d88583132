//! Property: three replicas of a patrol round (an officer's phone, a
//! supervisor's, a third device), each checking in, recording findings,
//! linking and opening repair sheets and finishing while offline, converge
//! when merged in any order. Rounds are where phones lose signal most (plant
//! rooms, car parks), and the view judges order and missed checkpoints from
//! the merged history, so that judgement must not depend on merge order.

mod common;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Replicas, blob, replica_of, resolve, rounds, time};
use proptest::prelude::*;
use stairwell_core::kinds::patrol_round::{
    CheckInMethod, FindingReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::repair_sheet::Intake;
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind, RoutePlan};
use stairwell_core::record::{Editor, RecordError, RecordId, Role};
use stairwell_core::rules::{FindingCategory, RepairLocation, Urgency};

/// The planned checkpoints' codes; a step may also name one not planned.
const CODES: [&str; 5] = ["A", "B", "C", "D", "Z"];

const CATEGORIES: [FindingCategory; 7] = [
    FindingCategory::FacilityDamage,
    FindingCategory::PlantRoomDoorOpen,
    FindingCategory::Cleanliness,
    FindingCategory::RenovationViolation,
    FindingCategory::UnitSafetyHazard,
    FindingCategory::Disturbance,
    FindingCategory::PublicOrder,
];

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    /// Signs in at a checkpoint picked from [`CODES`] (the last is not
    /// planned), as the officer (`by` 0), the supervisor (1) or a
    /// technician (2, refused); the same `by` for findings and the finish.
    CheckIn {
        code: u8,
        scan: bool,
        by: u8,
    },
    /// Text 0 is an empty description, which is refused.
    Finding {
        category: u8,
        text: u8,
        by: u8,
    },
    /// Links one of two known repair sheets to a finding picked by index.
    Link {
        finding: u8,
        repair: u8,
    },
    /// Opens a repair sheet for a finding picked by index, and links it.
    OpenRepair {
        finding: u8,
    },
    Note(u8),
    Photo,
    Finish {
        by: u8,
    },
    /// A round has no correctable field: every resolution is refused.
    Resolve(u8, u8),
}

fn step() -> impl Strategy<Value = Step> + Clone {
    prop_oneof![
        4 => (0u8..5, any::<bool>(), 0u8..3)
            .prop_map(|(code, scan, by)| Step::CheckIn { code, scan, by }),
        2 => (0u8..7, 0u8..3, 0u8..3)
            .prop_map(|(category, text, by)| Step::Finding { category, text, by }),
        1 => (any::<u8>(), 0u8..2).prop_map(|(finding, repair)| Step::Link { finding, repair }),
        1 => any::<u8>().prop_map(|finding| Step::OpenRepair { finding }),
        1 => (0u8..3).prop_map(Step::Note),
        1 => Just(Step::Photo),
        1 => (0u8..3).prop_map(|by| Step::Finish { by }),
        1 => resolution(),
    ]
}

fn resolution() -> impl Strategy<Value = Step> + Clone {
    (any::<u8>(), any::<u8>()).prop_map(|(conflict, value)| Step::Resolve(conflict, value))
}

/// The steps that take a round from started to finished; a case starts its
/// replicas from a prefix of them.
const PROGRESS: [Step; 4] = [
    Step::CheckIn {
        code: 0,
        scan: true,
        by: 0,
    },
    Step::CheckIn {
        code: 1,
        scan: true,
        by: 0,
    },
    Step::Finding {
        category: 0,
        text: 1,
        by: 0,
    },
    Step::Finish { by: 0 },
];

/// The officer, a supervisor (who may also walk a round) and a technician
/// (who may not) on the replica's device.
fn editors(replica: usize) -> [Editor; 3] {
    let device = format!("device-{replica}");
    [
        Editor::new("officer", device.clone(), Role::Patrol),
        Editor::new("sup", device.clone(), Role::Supervisor),
        Editor::new("tech", device, Role::Technician),
    ]
}

fn plan() -> RoutePlan {
    RoutePlan {
        route: RecordId::derived("estate-1/route/b2-night"),
        name: "B2 night".into(),
        version: 1,
        checkpoints: vec![
            Checkpoint::new("A", Location::new("B2", "1F", "lobby"), PlaceKind::Floor),
            Checkpoint::new(
                "B",
                Location::new("B2", "B1", "car park B1"),
                PlaceKind::CarPark,
            ),
            Checkpoint::new(
                "C",
                Location::new("B2", "B1", "plant room"),
                PlaceKind::FacilityRoom,
            ),
            Checkpoint::new(
                "D",
                Location::new("", "", "green area"),
                PlaceKind::GreenArea,
            ),
        ],
    }
}

fn intake() -> Intake {
    Intake {
        resident_name: "patrol".into(),
        unit: "B2 car park B1".into(),
        phone: "138 0000 0001".into(),
        problem: "lamp dark".into(),
        location: RepairLocation::PublicArea,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    }
}

/// The id of the finding at `pick` on this replica, or of none.
fn finding(round: &PatrolRound, pick: u8) -> String {
    let findings = round.view().findings;
    if findings.is_empty() {
        return "no-such-finding".into();
    }
    findings[usize::from(pick) % findings.len()].id.clone()
}

fn apply(
    round: &mut PatrolRound,
    replica: usize,
    at: DateTime<Utc>,
    step: &Step,
) -> Result<(), RecordError> {
    let editors = editors(replica);
    let officer = &editors[0];
    match step {
        Step::CheckIn { code, scan, by } => {
            let method = if *scan {
                CheckInMethod::Scan
            } else {
                CheckInMethod::Manual
            };
            let by = &editors[usize::from(*by)];
            round.check_in(by, at, CODES[usize::from(*code)], method)
        }
        Step::Finding { category, text, by } => {
            let report = FindingReport {
                category: CATEGORIES[usize::from(*category)],
                // An empty description is refused.
                description: ["", "lamp dark", "door open"][usize::from(*text)].into(),
                location: Location::new("B2", "B1", "car park B1"),
                photos: vec![blob()],
            };
            round
                .add_finding(&editors[usize::from(*by)], at, report)
                .map(drop)
        }
        Step::Link {
            finding: pick,
            repair,
        } => {
            let finding = finding(round, *pick);
            let repair = RecordId::derived(&format!("estate-1/repair/{repair}"));
            round.link_repair(officer, at, &finding, repair)
        }
        Step::OpenRepair { finding: pick } => {
            let finding = finding(round, *pick);
            open_repair_from_finding(round, officer, at, &finding, intake()).map(drop)
        }
        Step::Note(n) => round.add_note(officer, at, &format!("note {n} from {replica}")),
        Step::Photo => round.attach_photo(officer, at, blob(), "lamp"),
        Step::Finish { by } => round.finish(&editors[usize::from(*by)], at),
        Step::Resolve(conflict, value) => resolve(round.doc_mut(), officer, at, *conflict, *value),
    }
}

/// The round as the devices hold it when they go offline: started, then
/// taken `stage` steps along [`PROGRESS`].
fn origin(stage: usize) -> PatrolRound {
    let officer = Editor::new("officer", "device-0", Role::Patrol);
    let mut round = PatrolRound::start(&officer, time(0), "estate-1", plan()).expect("start");
    for step in &PROGRESS[..stage] {
        apply(&mut round, 0, time(0), step).expect("progress");
    }
    round
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 80, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_of_a_round_converge_in_every_merge_order(
        stage in 0..=PROGRESS.len(),
        rounds in rounds(step(), resolution()),
    ) {
        let origin = origin(stage);
        let mut replicas = Replicas::new((0..3).map(|_| replica_of(&origin)).collect());
        replicas.play(&rounds, apply)?;
        replicas.assert_converge(|round| {
            let view = round.view();
            let missed: Vec<String> = view.missed().iter().map(|c| c.code.clone()).collect();
            let next = view.next_checkpoint().map(|c| c.code.clone());
            (view, missed, next, round.index_entry(Shanghai))
        })?;
    }
}
