//! Property: three replicas of a repair sheet, each applying random verbs
//! while offline, converge when merged in any order: the same document, the
//! same derived state and the same conflicts. This is the guarantee the whole
//! offline design rests on, so it is tested on random histories, not examples.
//! The other kinds have the same property in `convergence_<kind>.rs`; the
//! machinery they share is in `common/`.

mod common;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Replicas, blob, replica_of, resolve, rounds, time};
use proptest::prelude::*;
use stairwell_core::kinds::Signature;
use stairwell_core::kinds::repair_sheet::{
    Amendment, Callback, CallbackMethod, FeeLine, Intake, MaterialCheck, MaterialResult,
    RepairSheet, Satisfaction,
};
use stairwell_core::record::{Editor, RecordError, Role};
use stairwell_core::rules::{RepairLocation, Urgency};

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    Dispatch(u8),
    Quote(bool),
    Arrive,
    ConfirmItems,
    Agree,
    Decline,
    FeeLine(u32),
    Material(u8),
    Note(u8),
    Photo,
    Amend(u8),
    Complete,
    HandBack,
    ConfirmReturn,
    CallBack(bool),
    Resolve(u8, u8),
}

fn step() -> impl Strategy<Value = Step> + Clone {
    prop_oneof![
        (0u8..2).prop_map(Step::Dispatch),
        any::<bool>().prop_map(Step::Quote),
        Just(Step::Arrive),
        Just(Step::ConfirmItems),
        Just(Step::Agree),
        Just(Step::Decline),
        (1u32..5).prop_map(Step::FeeLine),
        (0u8..3).prop_map(Step::Material),
        (0u8..4).prop_map(Step::Note),
        Just(Step::Photo),
        (0u8..6).prop_map(Step::Amend),
        Just(Step::Complete),
        Just(Step::HandBack),
        Just(Step::ConfirmReturn),
        any::<bool>().prop_map(Step::CallBack),
        resolution(),
    ]
}

fn resolution() -> impl Strategy<Value = Step> + Clone {
    (any::<u8>(), any::<u8>()).prop_map(|(conflict, value)| Step::Resolve(conflict, value))
}

/// The steps that take a sheet from opened to handed back; a case starts
/// its replicas from a prefix of them, so concurrent steps meet at every
/// stage of the lifecycle, not only at its start.
const PROGRESS: [Step; 5] = [
    Step::Dispatch(0),
    Step::Arrive,
    Step::Agree,
    Step::Complete,
    Step::HandBack,
];

fn editors(replica: usize) -> [Editor; 4] {
    let device = format!("device-{replica}");
    [
        Editor::new("desk", device.clone(), Role::FrontDesk),
        Editor::new("tech-0", device.clone(), Role::Technician),
        Editor::new("sup", device.clone(), Role::Supervisor),
        Editor::new("patrol", device, Role::Patrol),
    ]
}

fn signature() -> Signature {
    Signature::new(blob(), "resident").expect("signature")
}

fn apply(
    sheet: &mut RepairSheet,
    replica: usize,
    at: DateTime<Utc>,
    step: &Step,
) -> Result<(), RecordError> {
    let [desk, tech, sup, patrol] = editors(replica);
    match step {
        Step::Dispatch(n) => sheet.dispatch(&desk, at, &format!("tech-{n}")),
        Step::Quote(feasible) => {
            let fee = feasible.then_some(12_000);
            sheet.quote(&sup, at, *feasible, fee, "quoted")
        }
        Step::Arrive => sheet.arrive(&tech, at),
        Step::ConfirmItems => sheet.confirm_items(&tech, at, vec!["tap".into()], "list A"),
        Step::Agree => sheet.agree(&tech, at),
        Step::Decline => sheet.decline(&tech, at, "too dear", signature()),
        Step::FeeLine(quantity) => sheet.add_fee_line(
            &tech,
            at,
            FeeLine {
                description: "part".into(),
                quantity: *quantity,
                unit_price_cents: 250,
                from_price_list: true,
            },
        ),
        Step::Material(n) => {
            let result = [
                MaterialResult::Qualified,
                MaterialResult::Unqualified,
                MaterialResult::PoorQuality,
            ][usize::from(*n) % 3];
            sheet.check_material(
                &tech,
                at,
                MaterialCheck {
                    material: "pipe".into(),
                    result,
                    note: String::new(),
                },
            )
        }
        Step::Note(n) => sheet.add_note(&patrol, at, &format!("note {n} from {replica}")),
        Step::Photo => sheet.attach_photo(&tech, at, blob(), "before"),
        Step::Amend(n) => {
            let amendment = match n % 3 {
                0 => Amendment::Phone(format!("139 000{replica} {n}{n}{n}")),
                1 => Amendment::Urgency(
                    [Urgency::Normal, Urgency::Urgent, Urgency::ExtraUrgent][replica % 3],
                ),
                _ => Amendment::Unit(format!("B{replica}-{n}")),
            };
            sheet.amend(&desk, at, amendment)
        }
        Step::Complete => sheet.complete(
            &tech,
            at,
            vec!["part".into()],
            signature(),
            Satisfaction::Satisfied,
        ),
        Step::HandBack => sheet.hand_back(&tech, at),
        Step::ConfirmReturn => sheet.confirm_return(&sup, at),
        Step::CallBack(satisfied) => sheet.call_back(
            &patrol,
            at,
            Callback {
                method: CallbackMethod::Phone,
                signature: None,
                satisfied: *satisfied,
                outcome: "called".into(),
                follow_up_by: None,
            },
        ),
        Step::Resolve(conflict, value) => resolve(sheet.doc_mut(), &desk, at, *conflict, *value),
    }
}

/// The sheet as the devices hold it when they go offline: opened, then
/// taken `stage` steps along [`PROGRESS`].
fn origin(stage: usize) -> RepairSheet {
    let desk = Editor::new("desk", "device-0", Role::FrontDesk);
    let intake = Intake {
        resident_name: "Li".into(),
        unit: "B1-101".into(),
        phone: "138 0000 0000".into(),
        problem: "leak".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    };
    let mut sheet =
        RepairSheet::open(&desk, time(0), "estate-1", intake, time(0), None).expect("open");
    for step in &PROGRESS[..stage] {
        apply(&mut sheet, 0, time(0), step).expect("progress");
    }
    sheet
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_converge_in_every_merge_order(
        stage in 0..=PROGRESS.len(),
        rounds in rounds(step(), resolution()),
    ) {
        let origin = origin(stage);
        let mut replicas = Replicas::new((0..3).map(|_| replica_of(&origin)).collect());
        replicas.play(&rounds, apply)?;
        replicas.assert_converge(|sheet| (sheet.view(), sheet.index_entry(Shanghai)))?;
    }
}
