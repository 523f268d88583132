//! Property: three replicas of a complaint or help request (the desk, the
//! department that handles it, the officer who calls back), each taking
//! random steps and correcting the intake while offline, converge when
//! merged in any order. A complaint's state, escalation flags and rates are
//! derived from its merged history and fields; a desk and a supervisor
//! reading the same case must never see different answers.

mod common;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Replicas, blob, replica_of, resolve, rounds, time};
use proptest::prelude::*;
use stairwell_core::kinds::complaint::{
    Amendment, Channel, Complaint, Department, FourClears, HelpKind, Intake, Seriousness,
};
use stairwell_core::kinds::{Callback, CallbackMethod, Satisfaction, Signature};
use stairwell_core::record::{Editor, RecordError, RecordId, Role};

const DEPARTMENTS: [Department; 4] = [
    Department::Engineering,
    Department::Security,
    Department::Property,
    Department::Mail,
];

const SERIOUSNESS: [Seriousness; 3] = [
    Seriousness::Ordinary,
    Seriousness::Important,
    Seriousness::Major,
];

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    /// `by` 2 is a technician, who may not dispatch.
    Dispatch {
        department: u8,
        person: Option<u8>,
        by: u8,
    },
    Escalate,
    Answer {
        solved: bool,
    },
    ReportToHead,
    /// Handled `ago` minutes before it is written down; before the case was
    /// received is refused.
    Handle {
        ago: u8,
    },
    SignOff(u8),
    /// 0 by phone, 1 in person with a signature, 2 in person without one
    /// (refused).
    CallBack {
        how: u8,
        satisfied: bool,
    },
    /// Of one of two other complaints, or (2) of itself, which is refused.
    Duplicate(u8),
    /// Some amendments are invalid (an empty name, a phone of letters).
    Amend(u8, u8),
    Resolve(u8, u8),
}

fn step() -> impl Strategy<Value = Step> + Clone {
    prop_oneof![
        3 => (0u8..4, prop::option::of(0u8..2), 0u8..3)
            .prop_map(|(department, person, by)| Step::Dispatch { department, person, by }),
        1 => Just(Step::Escalate),
        2 => any::<bool>().prop_map(|solved| Step::Answer { solved }),
        1 => Just(Step::ReportToHead),
        3 => (0u8..40).prop_map(|ago| Step::Handle { ago }),
        1 => (0u8..4).prop_map(Step::SignOff),
        2 => (0u8..3, any::<bool>()).prop_map(|(how, satisfied)| Step::CallBack { how, satisfied }),
        1 => (0u8..3).prop_map(Step::Duplicate),
        4 => (0u8..6, 0u8..3).prop_map(|(field, value)| Step::Amend(field, value)),
        2 => resolution(),
    ]
}

fn resolution() -> impl Strategy<Value = Step> + Clone {
    (any::<u8>(), any::<u8>()).prop_map(|(conflict, value)| Step::Resolve(conflict, value))
}

/// The steps that take a case from received to signed off; a case starts
/// its replicas from a prefix of them.
const PROGRESS: [Step; 3] = [
    Step::Dispatch {
        department: 0,
        person: Some(0),
        by: 0,
    },
    Step::Handle { ago: 0 },
    Step::SignOff(1),
];

/// The desk, a supervisor, a technician and a patrol officer on the
/// replica's device.
fn editors(replica: usize) -> [Editor; 4] {
    let device = format!("device-{replica}");
    [
        Editor::new("desk", device.clone(), Role::FrontDesk),
        Editor::new("sup", device.clone(), Role::Supervisor),
        Editor::new("tech", device.clone(), Role::Technician),
        Editor::new("patrol", device, Role::Patrol),
    ]
}

fn signature() -> Signature {
    Signature::new(blob(), "resident").expect("signature")
}

fn amendment(field: u8, value: u8, replica: usize) -> Amendment {
    let value = usize::from(value);
    match field {
        0 => Amendment::Phone(["call me", "139 0000 5678", "139 0001 0000"][value].into()),
        1 => Amendment::ResidentName(["  ", "Zhang", "Zhang Wei"][value].into()),
        2 => Amendment::Unit(format!("A{replica}-050{value}")),
        3 => Amendment::Department(DEPARTMENTS[value]),
        4 => Amendment::Seriousness(SERIOUSNESS[value]),
        _ => Amendment::Serious(value == 1),
    }
}

fn apply(
    complaint: &mut Complaint,
    replica: usize,
    at: DateTime<Utc>,
    step: &Step,
) -> Result<(), RecordError> {
    let editors = editors(replica);
    let [desk, sup, tech, patrol] = &editors;
    match step {
        Step::Dispatch {
            department,
            person,
            by,
        } => {
            let person = person.map(|n| format!("staff-{n}"));
            complaint.dispatch(
                &editors[usize::from(*by)],
                at,
                DEPARTMENTS[usize::from(*department)],
                person.as_deref(),
            )
        }
        Step::Escalate => complaint.escalate(sup, at, "manager"),
        Step::Answer { solved } => complaint.answer(desk, at, "on the way", *solved),
        Step::ReportToHead => complaint.report_to_head(desk, at, "head"),
        Step::Handle { ago } => {
            let handled_at = at - Duration::minutes(i64::from(*ago));
            complaint.record_handling(tech, at, "fixed", handled_at)
        }
        Step::SignOff(rating) => {
            let rating = [
                Satisfaction::VerySatisfied,
                Satisfaction::Satisfied,
                Satisfaction::Neutral,
                Satisfaction::Dissatisfied,
            ][usize::from(*rating)];
            complaint.resident_sign_off(desk, at, signature(), rating)
        }
        Step::CallBack { how, satisfied } => {
            let (method, signature) = match how {
                0 => (CallbackMethod::Phone, None),
                1 => (CallbackMethod::InPerson, Some(signature())),
                _ => (CallbackMethod::InPerson, None),
            };
            let callback = Callback {
                method,
                signature,
                satisfied: *satisfied,
                outcome: "called".into(),
                follow_up_by: None,
            };
            complaint.call_back(patrol, at, callback)
        }
        Step::Duplicate(n) => {
            let original = match n {
                0 | 1 => RecordId::derived(&format!("estate-1/complaint/{n}")),
                _ => complaint.id(),
            };
            complaint.mark_duplicate_of(desk, at, original)
        }
        Step::Amend(field, value) => complaint.amend(desk, at, amendment(*field, *value, replica)),
        Step::Resolve(conflict, value) => resolve(complaint.doc_mut(), sup, at, *conflict, *value),
    }
}

/// The case as the devices hold it when they go offline: opened as a
/// complaint or a help request, then taken `stage` steps along [`PROGRESS`].
fn origin(help_request: bool, stage: usize) -> Complaint {
    let desk = Editor::new("desk", "device-0", Role::FrontDesk);
    let intake = Intake {
        resident_name: "Zhang".into(),
        unit: "A1-0502".into(),
        phone: "139 0000 5678".into(),
        department: Department::Property,
        seriousness: Seriousness::Ordinary,
        serious: false,
    };
    let (channel, reported_to) = if help_request {
        (Channel::HelpRequest(HelpKind::Repair), None)
    } else {
        (Channel::Complaint, Some("head".into()))
    };
    let clears = FourClears {
        heard: "noise at night".into(),
        asked: "23:00 to 01:00, A1-0602".into(),
        repeated_back: true,
        recorded: "A1-0602 night noise".into(),
        reported_to,
    };
    // Received 10 minutes before the desk writes it down.
    let mut complaint = Complaint::open(
        &desk,
        time(0),
        "estate-1",
        intake,
        channel,
        clears,
        time(-10),
    )
    .expect("open");
    for step in &PROGRESS[..stage] {
        apply(&mut complaint, 0, time(0), step).expect("progress");
    }
    complaint
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 56, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_of_a_complaint_converge_in_every_merge_order(
        help_request in any::<bool>(),
        stage in 0..=PROGRESS.len(),
        rounds in rounds(step(), resolution()),
    ) {
        let origin = origin(help_request, stage);
        let mut replicas = Replicas::new((0..3).map(|_| replica_of(&origin)).collect());
        replicas.play(&rounds, apply)?;
        replicas.assert_converge(|complaint| {
            let view = complaint.view();
            let flags = (view.is_open(), view.callback_settled(), view.counts_in_rates());
            (view, flags, complaint.index_entry(Shanghai))
        })?;
    }
}
