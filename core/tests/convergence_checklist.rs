//! Property: three replicas of a checklist, on which inspectors answer (and
//! correct) the same items, read meters, sign, complete, open repair sheets
//! and resolve conflicts while offline, converge when merged in any order.
//! Item answers are correctable fields, so this is the kind where concurrent
//! writes meet most: two inspectors answering one item differently must come
//! out as a conflict on every replica (checked against the model of field
//! writes in `common/`), never as one answer silently winning, and a
//! resolution must end it everywhere.

mod common;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Replicas, Round, blob, replica_of, resolve, rounds, time};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use stairwell_core::kinds::Signature;
use stairwell_core::kinds::checklist::{
    Checklist, ItemResult, MeterKind, MeterReading, Site, open_repair_from_item,
};
use stairwell_core::kinds::checklist_template::{ChecklistItem, ChecklistPlan, TemplateType};
use stairwell_core::kinds::repair_sheet::Intake;
use stairwell_core::record::{Editor, RecordError, RecordId, Role};
use stairwell_core::rules::{RepairLocation, Urgency};

/// The template's items; a step may also name one it lacks.
const ITEMS: [&str; 4] = ["door", "window", "wall", "roof"];

const RESULTS: [ItemResult; 3] = [
    ItemResult::Pass,
    ItemResult::Fail,
    ItemResult::NotApplicable,
];

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    /// Answers an item, by the inspector (`by` 0 or 1), the supervisor (2)
    /// or the office viewer (3, refused); note 0 is empty, which a failed
    /// item refuses.
    Set {
        item: u8,
        result: u8,
        note: u8,
        by: u8,
    },
    /// Reads a meter; reading 0 is not a number.
    Meter {
        meter: u8,
        reading: u8,
    },
    Photo {
        item: Option<u8>,
    },
    Sign {
        owner: bool,
    },
    Complete,
    /// Links one of two known repair sheets to an item.
    Link {
        item: u8,
        repair: u8,
    },
    OpenRepair {
        item: u8,
    },
    Note(u8),
    /// Resolves a conflict picked by index, keeping a value picked by index,
    /// as the inspector (`by` 0) or the office viewer (1).
    Resolve(u8, u8, u8),
}

fn step() -> impl Strategy<Value = Step> + Clone {
    prop_oneof![
        10 => (0u8..4, 0u8..3, 0u8..3, 0u8..4)
            .prop_map(|(item, result, note, by)| Step::Set { item, result, note, by }),
        2 => (0u8..3, 0u8..3).prop_map(|(meter, reading)| Step::Meter { meter, reading }),
        1 => prop::option::of(0u8..4).prop_map(|item| Step::Photo { item }),
        2 => any::<bool>().prop_map(|owner| Step::Sign { owner }),
        1 => Just(Step::Complete),
        1 => (0u8..4, 0u8..2).prop_map(|(item, repair)| Step::Link { item, repair }),
        1 => (0u8..4).prop_map(|item| Step::OpenRepair { item }),
        1 => (0u8..3).prop_map(Step::Note),
        4 => resolution(),
    ]
}

fn resolution() -> impl Strategy<Value = Step> + Clone {
    (any::<u8>(), any::<u8>(), 0u8..2)
        .prop_map(|(conflict, value, by)| Step::Resolve(conflict, value, by))
}

/// The steps that take a checklist from started to signed (one item
/// failed); a case starts its replicas from a prefix of them.
const PROGRESS: [Step; 4] = [
    Step::Set {
        item: 0,
        result: 0,
        note: 0,
        by: 0,
    },
    Step::Set {
        item: 1,
        result: 0,
        note: 0,
        by: 0,
    },
    Step::Set {
        item: 2,
        result: 1,
        note: 1,
        by: 0,
    },
    Step::Sign { owner: true },
];

/// The replica's inspector, a supervisor and an office viewer (who may
/// resolve conflicts and do nothing else) on the replica's device.
fn editors(replica: usize) -> [Editor; 3] {
    let device = format!("device-{replica}");
    [
        Editor::new(format!("inspector-{replica}"), device.clone(), Role::Patrol),
        Editor::new("sup", device.clone(), Role::Supervisor),
        Editor::new("office", device, Role::Office),
    ]
}

fn signature(signer: &str) -> Signature {
    Signature::new(blob(), signer).expect("signature")
}

fn plan(template_type: TemplateType) -> ChecklistPlan {
    ChecklistPlan {
        template: RecordId::derived("estate-1/checklist-template/1"),
        name: "inspection".into(),
        version: 1,
        template_type,
        items: ITEMS[..3]
            .iter()
            .map(|id| ChecklistItem::new(*id, format!("check the {id}"), "unit"))
            .collect(),
    }
}

fn site(template_type: TemplateType) -> Site {
    let unit = template_type.is_for_a_unit().then_some("1203");
    Site::new("B2", "12F", unit)
}

/// The checklist as the devices hold it when they go offline: started,
/// then taken `stage` steps along [`PROGRESS`].
fn origin(template_type: TemplateType, stage: usize) -> Checklist {
    let inspector = Editor::new("inspector-0", "device-0", Role::Patrol);
    let mut checklist = Checklist::start(
        &inspector,
        time(0),
        "estate-1",
        plan(template_type),
        site(template_type),
    )
    .expect("start");
    for step in &PROGRESS[..stage] {
        apply(&mut checklist, 0, time(0), step).expect("progress");
    }
    checklist
}

fn intake() -> Intake {
    Intake {
        resident_name: "owner".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 1234".into(),
        problem: "crack".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    }
}

fn apply(
    checklist: &mut Checklist,
    replica: usize,
    at: DateTime<Utc>,
    step: &Step,
) -> Result<(), RecordError> {
    let editors = editors(replica);
    let inspector = &editors[0];
    let item = |pick: u8| ITEMS[usize::from(pick)];
    match step {
        Step::Set {
            item: pick,
            result,
            note,
            by,
        } => {
            let note = ["", "crack", "loose"][usize::from(*note)];
            let by = &editors[[0, 0, 1, 2][usize::from(*by)]];
            checklist.set_item(by, at, item(*pick), RESULTS[usize::from(*result)], note)
        }
        Step::Meter { meter, reading } => {
            let reading = MeterReading {
                meter: MeterKind::ALL[usize::from(*meter)],
                reading: ["x1", "01234.5", "2"][usize::from(*reading)].into(),
                owner: "owner".into(),
            };
            checklist.record_meter(inspector, at, reading)
        }
        Step::Photo { item: pick } => {
            let photographed = pick.map(item);
            checklist.attach_photo(inspector, at, photographed, blob(), "photo")
        }
        Step::Sign { owner } => {
            let owner = owner.then(|| signature("owner"));
            checklist.sign(inspector, at, signature("inspector"), owner)
        }
        Step::Complete => checklist.complete(inspector, at),
        Step::Link { item: pick, repair } => {
            let repair = RecordId::derived(&format!("estate-1/repair/{repair}"));
            checklist.link_repair(inspector, at, item(*pick), repair)
        }
        Step::OpenRepair { item: pick } => {
            open_repair_from_item(checklist, inspector, at, item(*pick), intake()).map(drop)
        }
        Step::Note(n) => checklist.add_note(inspector, at, &format!("note {n} from {replica}")),
        Step::Resolve(conflict, value, by) => {
            let by = &editors[[0, 2][usize::from(*by)]];
            resolve(checklist.doc_mut(), by, at, *conflict, *value)
        }
    }
}

fn template_type() -> impl Strategy<Value = TemplateType> {
    prop_oneof![
        Just(TemplateType::PublicAreaInspection),
        Just(TemplateType::UnitHandover),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_of_a_checklist_converge_in_every_merge_order(
        template_type in template_type(),
        stage in 0..=PROGRESS.len(),
        rounds in rounds(step(), resolution()),
    ) {
        let origin = origin(template_type, stage);
        let mut replicas = Replicas::new((0..3).map(|_| replica_of(&origin)).collect());
        replicas.play(&rounds, apply)?;
        replicas.assert_converge(|checklist| (checklist.view(), checklist.index_entry(Shanghai)))?;
    }
}

/// The example behind the property: two inspectors answer the same item
/// differently offline; every merge shows the conflict with both answers,
/// and a resolution on a third device that saw both ends it on every merge.
#[test]
fn two_inspectors_answering_one_item_conflict_until_resolved() -> Result<(), TestCaseError> {
    let origin = origin(TemplateType::PublicAreaInspection, 0);
    let mut replicas = Replicas::new((0..3).map(|_| replica_of(&origin)).collect());
    let door = |result: u8, note: u8| Step::Set {
        item: 0,
        result,
        note,
        by: 0,
    };
    let answers = [
        Round {
            steps: [vec![door(0, 0)], vec![door(1, 1)], vec![]],
            meeting: &[0, 2],
        },
        Round {
            steps: [vec![], vec![], vec![]],
            meeting: &[1, 2],
        },
    ];
    replicas.play(&answers, apply)?;
    let view = replicas.assert_converge(Checklist::view)?.view();
    prop_assert_eq!(view.conflicts.len(), 1);
    prop_assert_eq!(&view.conflicts[0].field, "item.door");
    let users: Vec<&str> = view.conflicts[0]
        .values
        .iter()
        .map(|value| value.user.as_str())
        .collect();
    prop_assert_eq!(
        users,
        ["inspector-0", "inspector-1"],
        "both answers, by time"
    );

    // The third device keeps the second value, the fail.
    let resolution = [Round {
        steps: [vec![], vec![], vec![Step::Resolve(0, 1, 0)]],
        meeting: &[],
    }];
    replicas.play(&resolution, apply)?;
    let view = replicas.assert_converge(Checklist::view)?.view();
    prop_assert!(view.conflicts.is_empty());
    let door = view.item("door").expect("door");
    prop_assert_eq!(door.result(), Some(ItemResult::Fail));
    prop_assert_eq!(&door.answer.as_ref().expect("answer").user, "inspector-2");
    Ok(())
}
