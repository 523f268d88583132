//! An attacker's program against a real server: ordinary demo users' tokens,
//! and Automerge changes crafted by hand rather than through the verbs, the
//! way a doctored phone would send them. Each attack asserts its refusal
//! code, that nothing of it was stored (an honest observer's copy keeps its
//! heads), and that the server goes on serving an honest desk meanwhile.
//!
//! The attacks are the ones an hour of trying found accepted before the
//! server judged pushes with the verbs' own rules: forged steps under a
//! reused event id, field writes and deletions by roles that may not make
//! them, rules only the phone used to check, squatted duty-log ids, and
//! shapes without bounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};
use serde_json::json;
use stairwell_core::kinds::duty_log::DutyLog;
use stairwell_core::protocol::{RefusalCode, Refused};
use stairwell_core::record::{RecordDoc, RecordId, RecordKind, Role};
use stairwell_core::rules::duty_day::duty_day_of;
use stairwell_tests::raw::{RawClient, pushed, request};
use stairwell_tests::records::{Clock, duty_entry, sheet};
use stairwell_tests::server::{ESTATE, OTHER_ESTATE};
use stairwell_tests::{Device, Site};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// The cast: an estate's staff of every role, and a desk of the other estate.
struct Cast {
    site: Site,
    desk: Device,
    supervisor: Device,
    patrol: Device,
    wang: Device,
    zhao: Device,
    office: Device,
    west_desk: Device,
    raw: RawClient,
}

fn cast(args: &[&str]) -> Cast {
    let site = Site::with_args(args);
    for (user, role, estate) in [
        ("lin", Role::FrontDesk, ESTATE),
        ("chen", Role::Supervisor, ESTATE),
        ("li", Role::Patrol, ESTATE),
        ("wang", Role::Technician, ESTATE),
        ("zhao", Role::Technician, ESTATE),
        ("zhou", Role::Office, ESTATE),
        ("he", Role::FrontDesk, OTHER_ESTATE),
    ] {
        site.add_user(user, role, &[estate]);
    }
    Cast {
        desk: site.device("lin"),
        supervisor: site.device("chen"),
        patrol: site.device("li"),
        wang: site.device("wang"),
        zhao: site.device("zhao"),
        office: site.device("zhou"),
        west_desk: site.device("he"),
        raw: RawClient::new(site.url()),
        site,
    }
}

/// A raw copy of a record as `device` holds it, to edit by hand.
fn raw_copy(device: &Device, id: RecordId) -> (Automerge, Vec<ChangeHash>) {
    let doc = device.record(id).doc().automerge().fork();
    let heads = doc.get_heads();
    (doc, heads)
}

fn container(doc: &Automerge, key: &str) -> ObjId {
    match doc.get(ROOT, key).expect("read") {
        Some((Value::Object(_), id)) => id,
        other => panic!("no {key}: {other:?}"),
    }
}

/// An event as a verb would write it, but with whatever envelope we like.
struct Forged {
    id: String,
    kind: &'static str,
    user: String,
    device: String,
    data: serde_json::Value,
    at: DateTime<Utc>,
}

impl Forged {
    fn as_of(device: &Device) -> Forged {
        Forged {
            id: uuid::Uuid::new_v4().to_string(),
            kind: "note_added",
            user: device.identity().user.clone(),
            device: device.identity().device.clone(),
            data: json!({ "text": "x" }),
            at: Utc::now(),
        }
    }
}

/// Appends `event` at the end of the events list, in one change.
fn append(doc: &mut Automerge, event: &Forged) {
    let end = doc.length(container(doc, "events"));
    insert(doc, end, event);
}

/// Inserts `event` at `index` of the events list, in one change.
fn insert(doc: &mut Automerge, index: usize, event: &Forged) {
    let events = container(doc, "events");
    let mut tx = doc.transaction();
    let map = tx
        .insert_object(&events, index, ObjType::Map)
        .expect("insert");
    tx.put(&map, "id", event.id.as_str()).expect("id");
    tx.put(&map, "type", event.kind).expect("type");
    tx.put(
        &map,
        "at",
        ScalarValue::Timestamp(event.at.timestamp_millis()),
    )
    .expect("at");
    tx.put(&map, "user", event.user.as_str()).expect("user");
    tx.put(&map, "device", event.device.as_str())
        .expect("device");
    tx.put(&map, "data", event.data.to_string()).expect("data");
    tx.commit();
}

/// Writes a field slot as `device` would, in one change.
fn write_field(doc: &mut Automerge, who: &Device, name: &str, value: serde_json::Value) {
    let fields = container(doc, "fields");
    let mut tx = doc.transaction();
    let slot = tx.put_object(&fields, name, ObjType::Map).expect("slot");
    tx.put(&slot, "value", value.to_string()).expect("value");
    tx.put(&slot, "user", who.identity().user.as_str())
        .expect("user");
    tx.put(&slot, "device", who.identity().device.as_str())
        .expect("device");
    tx.put(
        &slot,
        "at",
        ScalarValue::Timestamp(Utc::now().timestamp_millis()),
    )
    .expect("at");
    tx.commit();
}

fn edit(doc: &mut Automerge, change: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) {
    let mut tx = doc.transaction();
    change(&mut tx);
    tx.commit();
}

impl Cast {
    /// Pushes what `doc` holds beyond `base` as `attacker`; expects one
    /// refusal with `code`, and that the server's copy did not move.
    fn refused(
        &mut self,
        what: &str,
        attacker: &str,
        id: RecordId,
        doc: &Automerge,
        base: &[ChangeHash],
        code: RefusalCode,
    ) -> Refused {
        let token = self.token(attacker);
        let bytes = doc.save_after(base);
        let answer = self.raw.sync(&token, &request(0, vec![pushed(id, bytes)]));
        assert!(answer.accepted.is_empty(), "{what}: accepted");
        let refusal = answer.refused.first().cloned().expect("a refusal");
        assert_eq!(refusal.code, code, "{what}: {}", refusal.message);
        self.supervisor.sync_ok();
        if self.supervisor.has(id) {
            assert_eq!(
                self.supervisor.heads(id),
                self.desk.heads(id),
                "{what}: the server's copy moved"
            );
        }
        refusal
    }

    fn token(&self, user: &str) -> String {
        [
            &self.desk,
            &self.supervisor,
            &self.patrol,
            &self.wang,
            &self.zhao,
            &self.office,
            &self.west_desk,
        ]
        .into_iter()
        .find(|device| device.identity().user == user)
        .map(|device| device.token().to_owned())
        .unwrap_or_else(|| panic!("no device of {user}"))
    }
}

/// While the attacks run, an honest desk of the other estate keeps syncing.
struct Bystander {
    stop: Arc<AtomicBool>,
    syncs: Arc<AtomicUsize>,
    thread: thread::JoinHandle<()>,
}

impl Bystander {
    fn start(site: &Site) -> Bystander {
        let mut device = site.device("he");
        let stop = Arc::new(AtomicBool::new(false));
        let syncs = Arc::new(AtomicUsize::new(0));
        let (flag, count) = (stop.clone(), syncs.clone());
        let thread = thread::spawn(move || {
            let clock = Clock::new();
            for n in 0..10_000 {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let sheet = sheet(device.editor(), &clock, OTHER_ESTATE, n);
                device.create(sheet.doc());
                device.sync_ok();
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        Bystander {
            stop,
            syncs,
            thread,
        }
    }

    fn finish(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the bystander syncs throughout");
        self.syncs.load(Ordering::Relaxed)
    }
}

#[test]
fn forged_steps_and_field_writes_are_refused_and_nothing_is_stored() {
    let clock = Clock::new();
    let mut c = cast(&[]);
    let bystander = Bystander::start(&c.site);

    // A dispatched sheet and today's duty log, stored honestly.
    let opened = sheet(c.desk.editor(), &clock, ESTATE, 1);
    let sheet_id = c.desk.create(opened.doc());
    c.desk.update(sheet_id, |record, me| {
        record.repair_sheet()?.dispatch(me, clock.at(2), "wang")
    });
    let today = duty_day_of(Utc::now(), SHANGHAI);
    let log = DutyLog::open_for_day(ESTATE, today, SHANGHAI).expect("log");
    let log_id = c.desk.create(log.doc());
    c.desk.update(log_id, |record, me| {
        record
            .duty_log()?
            .append_entry(me, Utc::now(), duty_entry("lift 2 stuck"))
            .map(drop)
    });
    c.desk.sync_ok();
    c.supervisor.sync_ok();
    let opened_event = c.desk.repair_sheet(sheet_id).doc().raw_events()[0]
        .id
        .clone();
    let chen_device = c.supervisor.identity().device.clone();
    let patrol_device = c.patrol.identity().device.clone();

    // 1. A new event reusing an old event's id, signed as the supervisor.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    append(
        &mut doc,
        &Forged {
            id: opened_event.clone(),
            kind: "dispatched",
            user: "chen".into(),
            device: chen_device.clone(),
            data: json!({ "technician": "zhao" }),
            at: Utc::now(),
        },
    );
    c.refused(
        "dispatch as the supervisor",
        "li",
        sheet_id,
        &doc,
        &base,
        RefusalCode::WrongAuthor,
    );

    // ... and under the patrol officer's own name, with the reused id.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut own = Forged::as_of(&c.patrol);
    own.id = opened_event.clone();
    own.kind = "dispatched";
    own.data = json!({ "technician": "zhao" });
    append(&mut doc, &own);
    c.refused(
        "a reused event id",
        "li",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );

    // ... and with a fresh id: a patrol officer may not dispatch.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    own.id = uuid::Uuid::new_v4().to_string();
    append(&mut doc, &own);
    c.refused(
        "dispatch by patrol",
        "li",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );

    // 2. The patrol officer forges the assigned technician's arrival.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut arrival = Forged::as_of(&c.patrol);
    arrival.kind = "arrived";
    arrival.data = serde_json::Value::Null;
    append(&mut doc, &arrival);
    c.refused(
        "arrival by patrol",
        "li",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );

    // 3. A technician the sheet is not assigned to arrives, or confirms items.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut wrong = Forged::as_of(&c.zhao);
    wrong.kind = "arrived";
    wrong.data = serde_json::Value::Null;
    append(&mut doc, &wrong);
    c.refused(
        "arrival by zhao",
        "zhao",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );
    c.wang.sync_ok();
    c.wang.update(sheet_id, |record, me| {
        record.repair_sheet()?.arrive(me, Utc::now())
    });
    c.wang.sync_ok();
    c.desk.sync_ok();
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut items = Forged::as_of(&c.zhao);
    items.kind = "items_confirmed";
    items.data = json!({ "items": ["tap"], "fee_standard": "list" });
    append(&mut doc, &items);
    c.refused(
        "items by zhao",
        "zhao",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );

    // 4. The duty log: a forged sign-off, and an office user's entry.
    let (mut doc, base) = raw_copy(&c.desk, log_id);
    let mut sign_off = Forged::as_of(&c.patrol);
    sign_off.kind = "signed_off";
    sign_off.data = json!({
        "signature": { "blob": "ab".repeat(32), "signer": "陈静 Chen Jing" },
        "comment": ""
    });
    sign_off.user = "chen".into();
    sign_off.device = chen_device.clone();
    append(&mut doc, &sign_off);
    c.refused(
        "sign-off as chen",
        "li",
        log_id,
        &doc,
        &base,
        RefusalCode::WrongAuthor,
    );
    let (mut doc, base) = raw_copy(&c.desk, log_id);
    sign_off.user = "li".into();
    sign_off.device = patrol_device.clone();
    append(&mut doc, &sign_off);
    c.refused(
        "sign-off by patrol",
        "li",
        log_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );
    let (mut doc, base) = raw_copy(&c.desk, log_id);
    let mut entry = Forged::as_of(&c.office);
    entry.kind = "entry_appended";
    entry.data = json!({
        "text": "nothing happened", "category": "other",
        "important": false, "follow_up": false, "refers_to": null
    });
    append(&mut doc, &entry);
    c.refused(
        "entry by office",
        "zhou",
        log_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );

    // 5. Field writes: office overwrites, invents and deletes fields.
    let office = c.office.identity().clone();
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    write_field(&mut doc, &c.office, "phone", json!("139 9999 9999"));
    c.refused(
        "office writes the phone",
        "zhou",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    write_field(&mut doc, &c.office, "urgency", json!("extra_urgent"));
    c.refused(
        "office writes urgency",
        "zhou",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Forbidden,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    write_field(&mut doc, &c.desk, "favourite_colour", json!("red"));
    c.refused(
        "a made-up field",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );
    for (who, field) in [
        ("zhou", "resident_name"),
        ("li", "problem"),
        ("lin", "phone"),
    ] {
        let (mut doc, base) = raw_copy(&c.desk, sheet_id);
        let fields = container(&doc, "fields");
        edit(&mut doc, |tx| tx.delete(&fields, field).expect("delete"));
        c.refused(
            &format!("{who} deletes {field}"),
            who,
            sheet_id,
            &doc,
            &base,
            RefusalCode::Forbidden,
        );
    }
    assert_eq!(office.role, Role::Office);

    // 6. Rules that used to be the phone's alone: markup for a phone
    //    number, and a dispatch to nobody.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    write_field(
        &mut doc,
        &c.desk,
        "phone",
        json!("<script>alert(1)</script>"),
    );
    c.refused(
        "markup as a phone",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut ghost = Forged::as_of(&c.desk);
    ghost.kind = "dispatched";
    ghost.data = json!({ "technician": "ghost" });
    append(&mut doc, &ghost);
    let refusal = c.refused(
        "dispatch to nobody",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );
    assert!(refusal.message.contains("ghost"), "{}", refusal.message);

    // 7. History: an old event altered, an event slipped in before the
    //    others, a receipt time written by a device.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let events = container(&doc, "events");
    let first = match doc.get(&events, 0).expect("read") {
        Some((_, id)) => id,
        None => panic!("no first event"),
    };
    edit(&mut doc, |tx| tx.put(&first, "user", "li").expect("put"));
    c.refused(
        "an old event altered",
        "li",
        sheet_id,
        &doc,
        &base,
        RefusalCode::HistoryRewritten,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    insert(&mut doc, 0, &Forged::as_of(&c.desk));
    c.refused(
        "an event slipped in first",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::HistoryRewritten,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let received = container(&doc, "received");
    edit(&mut doc, |tx| {
        tx.put(&received, opened_event.as_str(), ScalarValue::Timestamp(0))
            .expect("put")
    });
    c.refused(
        "a receipt time",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::HistoryRewritten,
    );

    // 8. Shapes: an event without an id, a 1 MB key on the root, maps
    //    nested deep, a payload nested 200,000 deep, an oversized note.
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let events = container(&doc, "events");
    edit(&mut doc, |tx| {
        let end = tx.length(&events);
        let map = tx
            .insert_object(&events, end, ObjType::Map)
            .expect("insert");
        tx.put(&map, "data", "x".repeat(100_000)).expect("data");
    });
    c.refused(
        "an event without an id",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    edit(&mut doc, |tx| {
        tx.put(ROOT, "junk", "x".repeat(1 << 20)).expect("put")
    });
    c.refused(
        "a 1 MB root key",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::HeaderChanged,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let events = container(&doc, "events");
    edit(&mut doc, |tx| {
        let end = tx.length(&events);
        let mut map = tx
            .insert_object(&events, end, ObjType::Map)
            .expect("insert");
        for _ in 0..2_000 {
            map = tx.put_object(&map, "deeper", ObjType::Map).expect("nest");
        }
    });
    c.refused(
        "nested maps",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut deep = Forged::as_of(&c.desk);
    deep.data = serde_json::from_str::<serde_json::Value>("1").expect("json");
    let nested = format!("{}1{}", "[".repeat(200_000), "]".repeat(200_000));
    let events = container(&doc, "events");
    edit(&mut doc, |tx| {
        let end = tx.length(&events);
        let map = tx
            .insert_object(&events, end, ObjType::Map)
            .expect("insert");
        tx.put(&map, "id", deep.id.as_str()).expect("id");
        tx.put(&map, "type", "note_added").expect("type");
        tx.put(
            &map,
            "at",
            ScalarValue::Timestamp(Utc::now().timestamp_millis()),
        )
        .expect("at");
        tx.put(&map, "user", deep.user.as_str()).expect("user");
        tx.put(&map, "device", deep.device.as_str())
            .expect("device");
        tx.put(&map, "data", nested.as_str()).expect("data");
    });
    c.refused(
        "a payload nested 200,000 deep",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::OverLimit,
    );
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut long = Forged::as_of(&c.desk);
    long.data = json!({ "text": "长".repeat(5_000) });
    append(&mut doc, &long);
    let refusal = c.refused(
        "a note of 5,000 characters",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::OverLimit,
    );
    assert!(refusal.message.contains("4000"), "{}", refusal.message);
    let (mut doc, base) = raw_copy(&c.desk, sheet_id);
    let mut padded = Forged::as_of(&c.desk);
    padded.data = json!({ "text": "x", "padding": "y" });
    append(&mut doc, &padded);
    c.refused(
        "a payload with extra keys",
        "lin",
        sheet_id,
        &doc,
        &base,
        RefusalCode::Invalid,
    );

    // The sheet is as the honest steps left it, for everyone.
    c.supervisor.sync_ok();
    let view = c.supervisor.repair_sheet(sheet_id).view();
    assert_eq!(view.technician.as_deref(), Some("wang"));
    assert_eq!(view.intake, opened.view().intake);
    assert_eq!(c.supervisor.duty_log(log_id).view().entries.len(), 1);
    assert!(c.supervisor.duty_log(log_id).view().sign_off.is_none());
    assert!(
        bystander.finish() > 0,
        "the other estate's desk kept syncing"
    );
}

#[test]
fn duty_log_ids_cannot_be_squatted() {
    let clock = Clock::new();
    let mut c = cast(&[]);
    let tomorrow = duty_day_of(Utc::now(), SHANGHAI)
        .succ_opt()
        .expect("tomorrow");

    // An east patrol officer takes west's next three duty-log ids for
    // ordinary sheets of east: refused, the ids are reserved.
    let mut day = tomorrow;
    let token = c.token("li");
    for _ in 0..3 {
        let west_log = DutyLog::id_for(OTHER_ESTATE, day);
        let squatted = raw_record(RecordKind::RepairSheet, west_log, ESTATE, "li", clock.at(0));
        let answer = c
            .raw
            .sync(&token, &request(0, vec![pushed(west_log, squatted)]));
        assert_eq!(
            answer.refused[0].code,
            RefusalCode::ReservedId,
            "{:?}",
            answer.refused
        );
        day = day.succ_opt().expect("next day");
    }

    // A duty log of east at east's own id but another creation time.
    let id = DutyLog::id_for(ESTATE, tomorrow);
    let early =
        RecordDoc::create_shared(RecordKind::DutyLog, id, ESTATE, clock.at(0)).expect("log");
    let answer = c
        .raw
        .sync(&token, &request(0, vec![pushed(id, early.save())]));
    assert_eq!(
        answer.refused[0].code,
        RefusalCode::ReservedId,
        "{:?}",
        answer.refused
    );
    // West's log, made by east's officer: not east's estate.
    let west = DutyLog::open_for_day(OTHER_ESTATE, tomorrow, SHANGHAI).expect("log");
    let answer = c.raw.sync(
        &token,
        &request(0, vec![pushed(west.id(), west.doc().save())]),
    );
    assert_eq!(answer.refused[0].code, RefusalCode::WrongEstate);

    // West's desk opens its logs and syncs them; east's desk too.
    for (device, estate) in [(&mut c.west_desk, OTHER_ESTATE), (&mut c.desk, ESTATE)] {
        let log = DutyLog::open_for_day(estate, tomorrow, SHANGHAI).expect("log");
        let id = device.create(log.doc());
        device.update(id, |record, me| {
            record
                .duty_log()?
                .append_entry(me, Utc::now(), duty_entry("handover notes"))
                .map(drop)
        });
        device.sync_ok();
    }
}

/// A record's first change, written by hand: any kind, id and estate.
fn raw_record(
    kind: RecordKind,
    id: RecordId,
    estate: &str,
    creator: &str,
    at: DateTime<Utc>,
) -> Vec<u8> {
    let mut doc = Automerge::new();
    edit(&mut doc, |tx| {
        tx.put(ROOT, "kind", kind.as_str()).expect("kind");
        tx.put(ROOT, "schema", 1_u64).expect("schema");
        tx.put(ROOT, "id", id.to_string()).expect("id");
        tx.put(ROOT, "estate", estate).expect("estate");
        tx.put(
            ROOT,
            "created_at",
            ScalarValue::Timestamp(at.timestamp_millis()),
        )
        .expect("created_at");
        tx.put(ROOT, "created_by", creator).expect("created_by");
        tx.put_object(ROOT, "fields", ObjType::Map).expect("fields");
        tx.put_object(ROOT, "events", ObjType::List)
            .expect("events");
        tx.put_object(ROOT, "received", ObjType::Map)
            .expect("received");
    });
    doc.save()
}

#[test]
fn a_record_past_its_limits_is_refused_and_the_rest_of_the_batch_lands() {
    let clock = Clock::new();
    let mut c = cast(&["--max-record-events", "50"]);
    let today = duty_day_of(Utc::now(), SHANGHAI);
    let log = DutyLog::open_for_day(ESTATE, today, SHANGHAI).expect("log");
    let log_id = c.desk.create(log.doc());
    c.desk.sync_ok();

    // 51 entries in one raw change, beside an honest sheet in the same push.
    let (mut doc, base) = raw_copy(&c.desk, log_id);
    let events = container(&doc, "events");
    let desk = c.desk.identity().clone();
    edit(&mut doc, |tx| {
        for n in 0..51 {
            let map = tx.insert_object(&events, n, ObjType::Map).expect("insert");
            tx.put(&map, "id", uuid::Uuid::new_v4().to_string())
                .expect("id");
            tx.put(&map, "type", "entry_appended").expect("type");
            tx.put(
                &map,
                "at",
                ScalarValue::Timestamp(Utc::now().timestamp_millis()),
            )
            .expect("at");
            tx.put(&map, "user", desk.user.as_str()).expect("user");
            tx.put(&map, "device", desk.device.as_str())
                .expect("device");
            let data = json!({
                "text": format!("entry {n}"), "category": "other",
                "important": false, "follow_up": false, "refers_to": null
            });
            tx.put(&map, "data", data.to_string()).expect("data");
        }
    });
    let honest = sheet(c.desk.editor(), &clock, ESTATE, 2);
    let answer = c.raw.sync(
        c.desk.token(),
        &request(
            0,
            vec![
                pushed(log_id, doc.save_after(&base)),
                pushed(honest.id(), honest.doc().save()),
            ],
        ),
    );
    assert_eq!(answer.refused.len(), 1);
    assert_eq!(answer.refused[0].code, RefusalCode::OverLimit);
    assert!(
        answer.refused[0].message.contains("50 events per record"),
        "{}",
        answer.refused[0].message
    );
    assert_eq!(answer.accepted.len(), 1);
    assert_eq!(answer.accepted[0].id, honest.id().to_string());

    // The device's own verbs refuse past the default limit before anything
    // is written; within the server's limit the log keeps working.
    for n in 0..3 {
        c.desk.update(log_id, |record, me| {
            record
                .duty_log()?
                .append_entry(me, Utc::now(), duty_entry(&format!("honest {n}")))
                .map(drop)
        });
    }
    c.desk.sync_ok();
    c.supervisor.sync_ok();
    assert_eq!(c.supervisor.duty_log(log_id).view().entries.len(), 3);
}

/// A repair sheet opened by hand: the header, then the opening event and
/// the intake fields in one change as the verb writes them, with the
/// fields chosen here.
fn raw_opening(who: &Device, fields: &[(&str, serde_json::Value)]) -> (RecordId, Vec<u8>) {
    let id = RecordId::random();
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    let user = who.identity().user.clone();
    let header = raw_record(RecordKind::RepairSheet, id, ESTATE, &user, now);
    let mut doc = Automerge::load(&header).expect("load");
    let events = container(&doc, "events");
    let slots = container(&doc, "fields");
    let device = who.identity().device.clone();
    edit(&mut doc, |tx| {
        let event = tx.insert_object(&events, 0, ObjType::Map).expect("event");
        tx.put(&event, "id", uuid::Uuid::new_v4().to_string())
            .expect("id");
        tx.put(&event, "type", "opened").expect("type");
        tx.put(&event, "at", ScalarValue::Timestamp(now.timestamp_millis()))
            .expect("at");
        tx.put(&event, "user", user.as_str()).expect("user");
        tx.put(&event, "device", device.as_str()).expect("device");
        // The event's data exactly as the verb serialises it.
        let opened = stairwell_core::kinds::repair_sheet::RepairEvent::Opened {
            reported_at: now,
            source: None,
        };
        let data = serde_json::to_value(opened).expect("json")["data"].clone();
        tx.put(&event, "data", data.to_string()).expect("data");
        for (name, value) in fields {
            let slot = tx.put_object(&slots, *name, ObjType::Map).expect("slot");
            tx.put(&slot, "value", value.to_string()).expect("value");
            tx.put(&slot, "user", user.as_str()).expect("user");
            tx.put(&slot, "device", device.as_str()).expect("device");
            tx.put(&slot, "at", ScalarValue::Timestamp(now.timestamp_millis()))
                .expect("at");
        }
    });
    (id, doc.save())
}

/// Who the sheet's resident is may be left out only for a fault in a
/// public area; the server asks it of the fields a push writes, as the
/// phone does, so a crafted opening of a unit's sheet without its resident
/// is refused.
#[test]
fn only_a_public_area_sheet_may_be_opened_without_its_resident() {
    let c = cast(&[]);
    let intake = |location: &str| {
        vec![
            ("unit", json!("B2 lobby")),
            ("problem", json!("lamp dark")),
            ("location", json!(location)),
            ("on_price_list", json!(true)),
            ("urgency", json!("normal")),
            ("appointment", serde_json::Value::Null),
        ]
    };
    let token = c.desk.token().to_owned();
    let (id, bytes) = raw_opening(&c.desk, &intake("in_unit"));
    let answer = c.raw.sync(&token, &request(0, vec![pushed(id, bytes)]));
    assert!(
        answer.accepted.is_empty(),
        "a unit's sheet without its resident"
    );
    let refusal = answer.refused.first().expect("refused");
    assert_eq!(refusal.code, RefusalCode::Invalid, "{}", refusal.message);
    assert!(
        refusal.message.contains("resident_name"),
        "{}",
        refusal.message
    );

    let (id, bytes) = raw_opening(&c.desk, &intake("public_area"));
    let answer = c.raw.sync(&token, &request(0, vec![pushed(id, bytes)]));
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    assert_eq!(answer.accepted.len(), 1);
}
