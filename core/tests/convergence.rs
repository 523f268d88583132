//! Property: three replicas of a record, each applying random verbs while
//! offline, converge when merged in any order: the same document, the same
//! derived state and the same conflicts. This is the guarantee the whole
//! offline design rests on, so it is tested on random histories, not examples.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stairwell_core::kinds::repair_sheet::{
    Amendment, CallbackMethod, FeeLine, Intake, MaterialCheck, MaterialResult, RepairSheet,
    Satisfaction,
};
use stairwell_core::kinds::{BlobHash, Signature};
use stairwell_core::record::{Editor, RecordDoc, Role};
use stairwell_core::rules::{RepairLocation, Urgency};

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    Dispatch(u8),
    Arrive,
    Agree,
    Decline,
    FeeLine(u32),
    Material(u8),
    Note(u8),
    Amend(u8),
    Complete,
    HandBack,
    ConfirmReturn,
    CallBack(bool),
    Resolve(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..2).prop_map(Step::Dispatch),
        Just(Step::Arrive),
        Just(Step::Agree),
        Just(Step::Decline),
        (1u32..5).prop_map(Step::FeeLine),
        (0u8..3).prop_map(Step::Material),
        (0u8..4).prop_map(Step::Note),
        (0u8..6).prop_map(Step::Amend),
        Just(Step::Complete),
        Just(Step::HandBack),
        Just(Step::ConfirmReturn),
        any::<bool>().prop_map(Step::CallBack),
        (0u8..2).prop_map(Step::Resolve),
    ]
}

fn time(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid")
        + Duration::minutes(minute)
}

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
    let blob: BlobHash = "ab".repeat(32).parse().expect("hash");
    Signature::new(blob, "resident").expect("signature")
}

/// Applies a step; a refusal is fine, as long as it changes nothing.
fn apply(sheet: &mut RepairSheet, replica: usize, minute: i64, step: &Step) {
    let [desk, tech, sup, patrol] = editors(replica);
    let at = time(minute);
    let before = sheet.doc().heads();
    let result = match step {
        Step::Dispatch(n) => sheet.dispatch(&desk, at, &format!("tech-{n}")),
        Step::Arrive => sheet.arrive(&tech, at),
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
            ][*n as usize % 3];
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
            stairwell_core::kinds::repair_sheet::Callback {
                method: CallbackMethod::Phone,
                signature: None,
                satisfied: *satisfied,
                outcome: "called".into(),
                follow_up_by: None,
            },
        ),
        Step::Resolve(pick) => match sheet.view().conflicts.first() {
            Some(conflict) => {
                let field = conflict.field.clone();
                sheet.doc_mut().resolve_conflict(
                    &desk,
                    at,
                    &field,
                    usize::from(*pick) % conflict.values.len(),
                )
            }
            None => Ok(()),
        },
    };
    if result.is_err() {
        assert_eq!(
            sheet.doc().heads(),
            before,
            "a refused {step:?} changed the record"
        );
    }
}

fn replica_of(sheet: &RepairSheet) -> RepairSheet {
    // A fresh load gets a fresh Automerge actor, as a separate device would.
    RepairSheet::from_doc(RecordDoc::load(&sheet.doc().save()).expect("load")).expect("kind")
}

fn merged(order: &[usize], replicas: &[RepairSheet]) -> RepairSheet {
    let mut result = replica_of(&replicas[order[0]]);
    for &index in &order[1..] {
        result
            .doc_mut()
            .merge(replicas[index].doc())
            .expect("merge");
    }
    result
}

const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_converge_in_every_merge_order(
        rounds in prop::collection::vec(
            (prop::collection::vec(step(), 0..6), prop::collection::vec(step(), 0..6), prop::collection::vec(step(), 0..6), any::<bool>()),
            1..4,
        )
    ) {
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
        let origin = RepairSheet::open(&desk, time(0), "estate-1", intake, time(0), None).expect("open");
        let mut replicas: Vec<RepairSheet> = (0..3).map(|_| replica_of(&origin)).collect();
        let mut minute = 1;
        for (first, second, third, sync_between) in &rounds {
            for (replica, steps) in [first, second, third].into_iter().enumerate() {
                for step in steps {
                    minute += 1;
                    apply(&mut replicas[replica], replica, minute, step);
                }
            }
            if *sync_between {
                // Replicas 0 and 1 meet (say, both reach the server) before the next round.
                let snapshot = replicas[1].clone();
                replicas[0].doc_mut().merge(snapshot.doc()).expect("merge");
                let snapshot = replicas[0].clone();
                replicas[1].doc_mut().merge(snapshot.doc()).expect("merge");
            }
        }
        let results: Vec<RepairSheet> = ORDERS.iter().map(|order| merged(order, &replicas)).collect();
        let first = &results[0];
        for other in &results[1..] {
            let mut ours = first.doc().heads();
            let mut theirs = other.doc().heads();
            ours.sort();
            theirs.sort();
            prop_assert_eq!(ours, theirs);
            prop_assert_eq!(first.doc().automerge().hydrate(None), other.doc().automerge().hydrate(None));
            prop_assert_eq!(first.view(), other.view());
            prop_assert_eq!(first.doc().conflicts(), other.doc().conflicts());
        }
        // Nothing any replica did is lost: every event of every replica is in the merge.
        let merged_events: Vec<String> = first.doc().raw_events().into_iter().map(|event| event.id).collect();
        for replica in &replicas {
            for event in replica.doc().raw_events() {
                prop_assert!(merged_events.contains(&event.id));
            }
        }
    }
}
