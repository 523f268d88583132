//! The server's judgement against random raw edits. A repair sheet at a
//! random point of its lifecycle gets a few Automerge changes made by hand,
//! not through the verbs: events of any type with plausible or wrong data,
//! under the pusher's name or another's, with new, reused or missing ids,
//! appended or slipped in first; field writes of real and made-up fields,
//! deletions, header and receipt writes, edits of old events. A random role
//! pushes them. Either the judge refuses the push, or an honest replica that
//! takes the same steps through the public verbs, as that role, succeeds at
//! every one and ends with the same sheet. So nothing is accepted that no
//! sequence of verbs by that role could have produced.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use stairwell_core::kinds::repair_sheet::{Amendment, Intake, RepairEvent, RepairSheet};
use stairwell_core::record::{Editor, Limits, RecordDoc, RecordError, Role, Staff};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_core::sync::judge::{Author, Context, check_push};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// The estate's staff: one user per role, and two technicians.
struct Estate;

impl Staff for Estate {
    fn role_at(&self, estate: &str, user: &str) -> Option<Role> {
        if estate != "e1" {
            return None;
        }
        match user {
            "wang" | "zhao" => Some(Role::Technician),
            other => Role::ALL.into_iter().find(|role| user_of(*role) == other),
        }
    }
}

fn user_of(role: Role) -> &'static str {
    match role {
        Role::Patrol => "liu",
        Role::Technician => "wang",
        Role::FrontDesk => "lin",
        Role::Supervisor => "chen",
        Role::Office => "zhou",
        Role::Admin => "root",
    }
}

fn editor(role: Role) -> Editor {
    Editor::new(user_of(role), format!("phone-{}", user_of(role)), role)
}

/// One honest step of a sheet's lifecycle.
type Step<'a> = dyn Fn(&mut RepairSheet) -> Result<(), RecordError> + 'a;

/// A sheet taken `stage` honest steps into its lifecycle.
fn sheet_at(stage: usize) -> RepairSheet {
    let intake = Intake {
        resident_name: "Li".into(),
        unit: "B1-101".into(),
        phone: "13800000000".into(),
        problem: "leak".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    };
    let desk = editor(Role::FrontDesk);
    let wang = editor(Role::Technician);
    let mut sheet = RepairSheet::open(&desk, at(1), "e1", intake, at(0), None).expect("open");
    let steps: [&Step<'_>; 4] = [
        &|s| s.dispatch(&desk, at(2), "wang"),
        &|s| s.arrive(&wang, at(3)),
        &|s| s.confirm_items(&wang, at(4), vec!["tap".into()], "list"),
        &|s| s.agree(&wang, at(5)),
    ];
    for step in steps.iter().take(stage) {
        step(&mut sheet).expect("honest step");
    }
    sheet
}

/// One raw change an attacker might make.
#[derive(Debug, Clone)]
enum RawEdit {
    Event {
        body: usize,
        as_other: bool,
        id: IdChoice,
        first: bool,
    },
    Field {
        name: usize,
        value: usize,
        as_other: bool,
    },
    Delete {
        name: usize,
    },
    Header,
    AlterOld,
    Receipt,
}

#[derive(Debug, Clone, Copy)]
enum IdChoice {
    New,
    Reused,
    Missing,
}

/// Event payloads, right and wrong, as `(type, data)`.
fn bodies() -> Vec<(&'static str, serde_json::Value)> {
    let sig = json!({ "blob": "ab".repeat(32), "signer": "Li" });
    vec![
        ("dispatched", json!({ "technician": "wang" })),
        ("dispatched", json!({ "technician": "zhao" })),
        ("dispatched", json!({ "technician": "ghost" })),
        ("dispatched", json!({ "technician": " wang" })),
        (
            "quoted",
            json!({ "feasible": true, "fee_cents": 500, "note": "" }),
        ),
        ("arrived", serde_json::Value::Null),
        (
            "items_confirmed",
            json!({ "items": ["tap"], "fee_standard": "list" }),
        ),
        (
            "items_confirmed",
            json!({ "items": [], "fee_standard": "list" }),
        ),
        ("agreed", serde_json::Value::Null),
        (
            "declined",
            json!({ "reason": "too dear", "signature": sig }),
        ),
        (
            "fee_line_added",
            json!({ "description": "washer", "quantity": 1, "unit_price_cents": 300, "from_price_list": true }),
        ),
        (
            "fee_line_added",
            json!({ "description": "washer", "quantity": 1, "unit_price_cents": -300, "from_price_list": true }),
        ),
        ("note_added", json!({ "text": "called the resident" })),
        ("note_added", json!({ "text": "" })),
        ("note_added", json!({ "text": "x", "extra": 1 })),
        (
            "completed",
            json!({ "items_repaired": ["tap"], "signature": sig, "satisfaction": "satisfied" }),
        ),
        ("handed_back", serde_json::Value::Null),
        ("return_confirmed", serde_json::Value::Null),
        ("opened", json!({ "reported_at": at(0), "source": null })),
        ("made_up", json!({})),
    ]
}

const FIELDS: [&str; 5] = ["phone", "urgency", "resident_name", "location", "favourite"];

fn values() -> Vec<serde_json::Value> {
    vec![
        json!("139 1111 2222"),
        json!("<b>13900000000</b>"),
        json!("extra_urgent"),
        json!("Wang"),
        json!(" Wang "),
        json!(3),
    ]
}

fn raw_edit() -> impl Strategy<Value = RawEdit> {
    let ids = prop_oneof![
        4 => Just(IdChoice::New),
        1 => Just(IdChoice::Reused),
        1 => Just(IdChoice::Missing),
    ];
    let as_other = || prop::bool::weighted(0.2);
    prop_oneof![
        6 => (0..bodies().len(), as_other(), ids, prop::bool::weighted(0.1)).prop_map(
            |(body, as_other, id, first)| RawEdit::Event { body, as_other, id, first }
        ),
        3 => (0..FIELDS.len(), 0..values().len(), as_other())
            .prop_map(|(name, value, as_other)| RawEdit::Field { name, value, as_other }),
        1 => (0..FIELDS.len()).prop_map(|name| RawEdit::Delete { name }),
        1 => Just(RawEdit::Header),
        1 => Just(RawEdit::AlterOld),
        1 => Just(RawEdit::Receipt),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn container(doc: &Automerge, key: &str) -> ObjId {
    match doc.get(ROOT, key).expect("read") {
        Some((Value::Object(_), id)) => id,
        other => panic!("no {key}: {other:?}"),
    }
}

/// Makes `edit` as `who` on `doc`, in one change.
fn apply(doc: &mut Automerge, edit: &RawEdit, who: &Editor, minute: i64) {
    let (user, device) = (who.user.clone(), who.device.clone());
    let other = editor(Role::Supervisor);
    let events = container(doc, "events");
    let fields = container(doc, "fields");
    let received = container(doc, "received");
    let old = doc.get(&events, 0).ok().flatten().map(|(_, id)| id);
    let old_id = old
        .as_ref()
        .and_then(|obj| doc.get(obj, "id").ok().flatten())
        .and_then(|(value, _)| value.into_string().ok());
    let when = ScalarValue::Timestamp(at(minute).timestamp_millis());
    let mut tx = doc.transaction();
    let name = |as_other: bool| {
        if as_other {
            other.user.clone()
        } else {
            user.clone()
        }
    };
    let phone = |as_other: bool| {
        if as_other {
            other.device.clone()
        } else {
            device.clone()
        }
    };
    match edit {
        RawEdit::Event {
            body,
            as_other,
            id,
            first,
        } => {
            let (kind, data) = bodies()[*body].clone();
            let index = if *first { 0 } else { tx.length(&events) };
            let map = tx
                .insert_object(&events, index, ObjType::Map)
                .expect("insert");
            match id {
                IdChoice::New => tx.put(&map, "id", uuid::Uuid::new_v4().to_string()),
                IdChoice::Reused => tx.put(&map, "id", old_id.unwrap_or_default()),
                IdChoice::Missing => Ok(()),
            }
            .expect("id");
            tx.put(&map, "type", kind).expect("type");
            tx.put(&map, "at", when).expect("at");
            tx.put(&map, "user", name(*as_other)).expect("user");
            tx.put(&map, "device", phone(*as_other)).expect("device");
            tx.put(&map, "data", data.to_string()).expect("data");
        }
        RawEdit::Field {
            name: field,
            value,
            as_other,
        } => {
            let slot = tx
                .put_object(&fields, FIELDS[*field], ObjType::Map)
                .expect("slot");
            tx.put(&slot, "value", values()[*value].to_string())
                .expect("value");
            tx.put(&slot, "user", name(*as_other)).expect("user");
            tx.put(&slot, "device", phone(*as_other)).expect("device");
            tx.put(&slot, "at", when).expect("at");
        }
        RawEdit::Delete { name: field } => {
            let _ = tx.delete(&fields, FIELDS[*field]);
        }
        RawEdit::Header => tx.put(ROOT, "estate", "e2").expect("put"),
        RawEdit::AlterOld => {
            if let Some(old) = &old {
                tx.put(old, "user", user.as_str()).expect("put");
            }
        }
        RawEdit::Receipt => tx.put(&received, "x", when).expect("put"),
    }
    tx.commit();
}

/// Takes, through the public verbs, each step the accepted push added.
fn replay(before: &RepairSheet, after: &RepairSheet, who: &Editor) -> Result<RepairSheet, String> {
    let mut honest = before.clone();
    let known: Vec<String> = before
        .doc()
        .raw_events()
        .into_iter()
        .map(|e| e.id)
        .collect();
    for event in after.doc().events::<RepairEvent>() {
        if known.contains(&event.id) {
            continue;
        }
        let at = event.at;
        let step = match event.body {
            RepairEvent::Dispatched { technician } => honest.dispatch(who, at, &technician),
            RepairEvent::Quoted {
                feasible,
                fee_cents,
                note,
            } => honest.quote(who, at, feasible, fee_cents, &note),
            RepairEvent::Arrived => honest.arrive(who, at),
            RepairEvent::ItemsConfirmed {
                items,
                fee_standard,
            } => honest.confirm_items(who, at, items, &fee_standard),
            RepairEvent::Agreed => honest.agree(who, at),
            RepairEvent::Declined { reason, signature } => {
                honest.decline(who, at, &reason, signature)
            }
            RepairEvent::FeeLineAdded(line) => honest.add_fee_line(who, at, line),
            RepairEvent::MaterialChecked(check) => honest.check_material(who, at, check),
            RepairEvent::NoteAdded { text } => honest.add_note(who, at, &text),
            RepairEvent::PhotoAttached { blob, caption } => {
                honest.attach_photo(who, at, blob, &caption)
            }
            RepairEvent::Completed {
                items_repaired,
                signature,
                satisfaction,
            } => honest.complete(who, at, items_repaired, signature, satisfaction),
            RepairEvent::HandedBack => honest.hand_back(who, at),
            RepairEvent::ReturnConfirmed => honest.confirm_return(who, at),
            RepairEvent::CalledBack(callback) => honest.call_back(who, at, callback),
            RepairEvent::Opened { .. } => Err(RecordError::Malformed("a second opening".into())),
        };
        step.map_err(|err| format!("{:?} by {}: {err}", event.kind, who.role))?;
    }
    let (was, is) = (before.view().intake, after.view().intake);
    let amendments = [
        (was.phone != is.phone).then(|| Amendment::Phone(is.phone.clone())),
        (was.urgency != is.urgency).then_some(Amendment::Urgency(is.urgency)),
        (was.resident_name != is.resident_name)
            .then(|| Amendment::ResidentName(is.resident_name.clone())),
    ];
    for amendment in amendments.into_iter().flatten() {
        honest
            .amend(who, at(30), amendment)
            .map_err(|err| format!("amend by {}: {err}", who.role))?;
    }
    if was.location != is.location {
        return Err("the location changed, which no verb does".into());
    }
    Ok(honest)
}

/// What a sheet shows, without the ids and times of its steps.
fn shown(sheet: &RepairSheet) -> serde_json::Value {
    let mut view = serde_json::to_value(sheet.view()).expect("view");
    if let Some(map) = view.as_object_mut() {
        map.remove("timeline");
        map.remove("conflicts");
    }
    view
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(200)
    ))]

    #[test]
    fn raw_edits_are_refused_or_what_verbs_could_have_made(
        stage in 0usize..5,
        pusher in role(),
        edits in prop::collection::vec(raw_edit(), 1..4),
    ) {
        let before = sheet_at(stage);
        let who = editor(pusher);
        let mut raw = before.doc().automerge().fork();
        for (n, edit) in edits.iter().enumerate() {
            apply(&mut raw, edit, &who, 10 + n as i64);
        }
        let author = Author {
            user: who.user.clone(),
            device: who.device.clone(),
            role: pusher,
            estates: vec!["e1".into()],
        };
        let context = Context {
            author: &author,
            staff: &Estate,
            limits: &Limits::default(),
            tz: chrono_tz::Asia::Shanghai,
        };
        let mut after = before.doc().clone();
        let Ok(()) = after.apply_changes(&raw.save_after(&before.doc().heads())) else {
            return Ok(());
        };
        if check_push(Some(before.doc()), &after, &context).is_err() {
            return Ok(());
        }
        let after = RepairSheet::from_doc(RecordDoc::load(&after.save()).expect("load"))
            .expect("a sheet");
        let honest = replay(&before, &after, &who)
            .map_err(|why| TestCaseError::fail(format!("accepted {edits:?}: {why}")))?;
        prop_assert_eq!(shown(&honest), shown(&after), "accepted {:?}", edits);
    }
}

#[test]
fn an_honest_edit_is_accepted() {
    // The property above is only worth something if pushes can pass.
    let before = sheet_at(1);
    let wang = editor(Role::Technician);
    let mut after = before.clone();
    after.arrive(&wang, at(9)).expect("arrive");
    after.add_note(&wang, at(10), "on site").expect("note");
    let author = Author {
        user: wang.user.clone(),
        device: wang.device.clone(),
        role: Role::Technician,
        estates: vec!["e1".into()],
    };
    let context = Context {
        author: &author,
        staff: &Estate,
        limits: &Limits::default(),
        tz: chrono_tz::Asia::Shanghai,
    };
    check_push(Some(before.doc()), after.doc(), &context).expect("accepted");
}
