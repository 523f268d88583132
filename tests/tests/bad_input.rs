//! Bad input against a real server, from the devices' side. The protocol
//! level (each malformed body, each refusal code, one request at a time) is
//! server/tests/bad_input.rs; this file adds what only shows end to end:
//!
//! - whole-request errors (garbage, truncated CBOR, CBOR that is not a sync
//!   request, an oversized body, missing, wrong and revoked tokens, other
//!   protocol versions) are answered with
//!   their status and error code while another device keeps syncing in the
//!   background, and none of the records they carried is stored;
//! - a revoked phone's own sync and enrollment fail with 401;
//! - records the server refuses (another estate's, an estate changed on the
//!   phone) stay on the device, pending, with the refusal kept in its store,
//!   while the rest of the same batch lands;
//! - a duty log entry removed or altered with raw Automerge, or the log's
//!   estate changed, is refused, the server's log says who tried, and the
//!   log stays whole for everyone;
//! - documents that are not records (an unknown `kind`, a newer schema,
//!   corrupted Automerge bytes) are refused and the rest of the batch lands;
//! - a record id written another way than the canonical hyphenated lower
//!   case (which `Uuid::parse_str` also reads) is refused, and the estate
//!   keeps syncing.
//!
//! Every test ends with ordinary device syncs that still work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};
use stairwell_core::kinds::duty_log::DutyLog;
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::protocol::{self, ErrorCode, RefusalCode, SyncRequest};
use stairwell_core::record::{RecordDoc, RecordId, RecordKind, Role};
use stairwell_core::store::Query;
use stairwell_core::sync::http::TransportError;
use stairwell_tests::raw::{RawClient, pushed, request};
use stairwell_tests::records::{Clock, duty_entry, intake};
use stairwell_tests::server::{ESTATE, OTHER_ESTATE};
use stairwell_tests::{Device, Site};

/// The body limit the server runs with in the first test.
const BODY_LIMIT: usize = 64 * 1024;

fn sheet(device: &Device, clock: &Clock, estate: &str) -> RepairSheet {
    RepairSheet::open(
        device.editor(),
        clock.at(1),
        estate,
        intake("138 0000 1234"),
        clock.at(0),
        None,
    )
    .expect("open a sheet")
}

/// The ids of every record a device holds.
fn held(device: &Device) -> Vec<RecordId> {
    let mut ids: Vec<RecordId> = device
        .store()
        .list(&Query::new())
        .expect("list")
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn whole_request_errors_are_answered_while_others_keep_syncing() {
    let clock = Clock::new();
    let site = Site::with_args(&["--max-body-bytes", &BODY_LIMIT.to_string()]);
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("he", Role::FrontDesk, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let desk = site.device("lin");
    let mut observer = site.device("chen");
    let raw = RawClient::new(site.url());
    let token = Some(desk.token());

    // Another desk keeps working the whole time.
    let mut busy = site.device("he");
    let busy_sheet = sheet(&busy, &clock, ESTATE);
    let busy_id = busy.create(busy_sheet.doc());
    busy.sync_ok();
    let stop = Arc::new(AtomicBool::new(false));
    let background = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut notes = 0;
            while !stop.load(Ordering::SeqCst) && notes < 200 {
                busy.update(busy_id, |record, me| {
                    let text = format!("still here {notes}");
                    record.repair_sheet()?.add_note(me, clock.at(5), &text)
                });
                busy.sync_ok();
                notes += 1;
                thread::sleep(Duration::from_millis(5));
            }
            (busy, notes)
        })
    };

    // Each bad request carries a real record; none of them may be stored.
    let smuggled = sheet(&desk, &clock, ESTATE);
    let good = protocol::encode(&request(
        0,
        vec![pushed(smuggled.id(), smuggled.doc().save())],
    ));
    let check = |status: u16, code: ErrorCode, what: &str, answer: (u16, ErrorCode)| {
        assert_eq!(answer, (status, code), "{what}");
    };
    let error = |token: Option<&str>, body: &[u8]| {
        let (status, body) = raw.fail(token, body);
        (status, body.code)
    };

    let garbage = error(token, b"\xff\x00 this is not CBOR");
    check(400, ErrorCode::MalformedRequest, "garbage", garbage);
    observer.sync_ok();

    let truncated = error(token, &good[..good.len() / 2]);
    check(400, ErrorCode::MalformedRequest, "truncated", truncated);
    observer.sync_ok();

    // Valid CBOR, but not a sync request.
    let not_a_request = protocol::encode(&vec!["hello", "server"]);
    check(
        400,
        ErrorCode::MalformedRequest,
        "CBOR of another shape",
        error(token, &not_a_request),
    );
    observer.sync_ok();

    let mut oversized = request(0, vec![pushed(smuggled.id(), smuggled.doc().save())]);
    oversized
        .push
        .push(pushed(RecordId::random(), vec![0x55; BODY_LIMIT * 3]));
    let oversized = protocol::encode(&oversized);
    check(
        413,
        ErrorCode::TooLarge,
        "oversized",
        error(token, &oversized),
    );
    observer.sync_ok();

    for version in [0, 2] {
        let other = SyncRequest {
            version,
            ..request(0, vec![pushed(smuggled.id(), smuggled.doc().save())])
        };
        let (status, body) = raw.fail(token, &protocol::encode(&other));
        assert_eq!((status, body.code), (400, ErrorCode::UnsupportedVersion));
        assert!(
            body.message.contains(&version.to_string()),
            "{}",
            body.message
        );
        observer.sync_ok();
    }

    check(401, ErrorCode::Unauthorized, "no token", error(None, &good));
    let made_up = format!("sw_{}", "ab".repeat(32));
    check(
        401,
        ErrorCode::Unauthorized,
        "unknown token",
        error(Some(&made_up), &good),
    );
    observer.sync_ok();

    // A phone that worked until the office revoked it.
    let mut revoked = site.device("lin");
    revoked.sync_ok();
    site.revoke(&revoked.identity().device);
    let theirs = sheet(&revoked, &clock, ESTATE);
    revoked.create(theirs.doc());
    match revoked.sync() {
        Err(TransportError::Refused { status: 401, .. }) => {}
        other => panic!("a revoked device synced: {other:?}"),
    }
    check(
        401,
        ErrorCode::Unauthorized,
        "revoked token",
        error(Some(revoked.token()), &good),
    );
    let again = Device::enroll(
        &site.dir().join("re-enrolled.db"),
        site.url(),
        revoked.token(),
    );
    assert!(
        matches!(again, Err(TransportError::Refused { status: 401, .. })),
        "{again:?}"
    );
    observer.sync_ok();

    stop.store(true, Ordering::SeqCst);
    let (busy, notes) = background
        .join()
        .expect("the busy desk never failed to sync");
    assert!(notes > 0);

    // Nothing the bad requests carried was stored; the busy desk's work was.
    observer.sync_ok();
    assert_eq!(held(&observer), vec![busy_id]);
    assert_eq!(observer.heads(busy_id), busy.heads(busy_id));
    assert_eq!(observer.repair_sheet(busy_id).view().notes.len(), notes);
    assert!(!observer.has(theirs.id()));
}

#[test]
fn refused_records_stay_on_the_device_while_the_rest_of_the_batch_lands() {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("zhou", Role::FrontDesk, &[OTHER_ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("lin");
    let mut other_estate = site.device("zhou");
    let mut observer = site.device("chen");

    // A sheet that the server has, then moved to another estate on the phone.
    let moved = desk.create(sheet(&desk, &clock, ESTATE).doc());
    desk.sync_ok();
    // A note first, so the store saves the tampered copy as a plain edit
    // on top of what it holds (its own merge would refuse the header).
    desk.update(moved, |record, me| {
        record
            .repair_sheet()?
            .add_note(me, clock.at(2), "before the move")
    });
    let mut tampered = desk.record(moved).doc().automerge().fork();
    tampered
        .transact(|tx| tx.put(ROOT, "estate", OTHER_ESTATE))
        .expect("change the estate");
    let tampered = RecordDoc::from_automerge(tampered).expect("still a record");
    assert!(desk.store_mut().save(&tampered).expect("save"));

    // A sheet written for an estate this user does not work at, and a
    // good one, in the same batch.
    let foreign = desk.create(sheet(&desk, &clock, OTHER_ESTATE).doc());
    let good = desk.create(sheet(&desk, &clock, ESTATE).doc());
    let stats = desk.sync().expect("the sync itself succeeds");
    assert_eq!(stats.sent, 1, "only the good sheet is stored");
    let mut codes: Vec<(String, &str)> = stats
        .refused
        .iter()
        .map(|refused| (refused.id.clone(), refused.code.as_str()))
        .collect();
    codes.sort();
    let mut expected = vec![
        (foreign.to_string(), RefusalCode::WrongEstate.as_str()),
        (moved.to_string(), RefusalCode::HeaderChanged.as_str()),
    ];
    expected.sort();
    assert_eq!(codes, expected, "{:?}", stats.refused);

    // The refusals are kept on the phone, with the changes still pending.
    let refusals: Vec<(RecordId, String)> = desk
        .store()
        .refusals()
        .expect("refusals")
        .into_iter()
        .map(|(id, code, _)| (id, code))
        .collect();
    let mut wanted = vec![
        (foreign, "wrong_estate".to_owned()),
        (moved, "header_changed".to_owned()),
    ];
    wanted.sort();
    assert_eq!(refusals, wanted);
    let mut pending: Vec<RecordId> = desk
        .store()
        .pending_changes()
        .expect("pending")
        .into_iter()
        .map(|change| change.id)
        .collect();
    pending.sort();
    let mut still = vec![foreign, moved];
    still.sort();
    assert_eq!(pending, still, "refused changes are kept to show the user");

    // The next sync tries them again, is refused again, and still works.
    desk.update(good, |record, me| {
        record
            .repair_sheet()?
            .add_note(me, clock.at(2), "called back")
    });
    let again = desk.sync().expect("sync");
    assert_eq!(again.sent, 1);
    assert_eq!(again.refused.len(), 2);

    // The other estate never sees any of it; the server's copies are intact.
    other_estate.sync_ok();
    assert_eq!(held(&other_estate), Vec::<RecordId>::new());
    observer.sync_ok();
    let mut both = vec![moved, good];
    both.sort();
    assert_eq!(held(&observer), both);
    let kept = observer.record(moved);
    assert_eq!(kept.doc().header().estate, ESTATE);
    assert_eq!(observer.repair_sheet(good).view().notes.len(), 1);
}

#[test]
fn duty_log_entries_are_never_removed_or_altered() {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("lin");
    let raw = RawClient::new(site.url());

    let shanghai = chrono_tz::Asia::Shanghai;
    let today = stairwell_core::rules::duty_day::duty_day_of(clock.at(0), shanghai);
    let log = DutyLog::open_for_day(ESTATE, today, shanghai).expect("log");
    let id = desk.create(log.doc());
    for (minute, text) in [
        (5, "resident lost keys"),
        (9, "lift 2 stuck, engineering called"),
        (14, "parcel for B2-1203"),
    ] {
        desk.update(id, |record, me| {
            record
                .duty_log()?
                .append_entry(me, clock.at(minute), duty_entry(text))
                .map(drop)
        });
    }
    desk.sync_ok();
    let before = desk.duty_log(id).view();
    assert_eq!(before.entries.len(), 3);

    let stored = desk.record(id).doc().clone();
    let attempts: [(&str, RefusalCode, Tamper); 3] = [
        (
            "removed",
            RefusalCode::HistoryRewritten,
            remove_second_entry,
        ),
        ("altered", RefusalCode::HistoryRewritten, alter_second_entry),
        (
            "moved to another estate",
            RefusalCode::HeaderChanged,
            move_estate,
        ),
    ];
    for (what, code, tamper) in attempts {
        let mut doc = AutoCommit::load(&stored.save()).expect("load");
        let base = doc.get_heads();
        tamper(&mut doc);
        let change = doc.save_after(&base);
        assert!(!change.is_empty());
        let answer = raw.sync(desk.token(), &request(0, vec![pushed(id, change)]));
        assert!(answer.accepted.is_empty(), "an entry {what} was accepted");
        assert_eq!(answer.refused.len(), 1);
        assert_eq!(
            answer.refused[0].code, code,
            "{what}: {}",
            answer.refused[0].message
        );
    }

    // The server's log says who tried.
    let log_text = site.server.log_tail(200);
    let tries = log_text
        .lines()
        .filter(|line| line.contains("push refused"))
        .filter(|line| line.contains(&desk.identity().device) && line.contains("user=lin"))
        .count();
    assert_eq!(tries, 3, "{log_text}");

    // The log is whole for everyone, and the desk goes on writing in it.
    let mut supervisor = site.device("chen");
    supervisor.sync_ok();
    assert_eq!(supervisor.duty_log(id).view().entries, before.entries);
    assert_eq!(supervisor.heads(id), desk.heads(id));
    desk.update(id, |record, me| {
        record
            .duty_log()?
            .append_entry(me, clock.at(20), duty_entry("keys found at the gate"))
            .map(drop)
    });
    desk.sync_ok();
    supervisor.sync_ok();
    let after = supervisor.duty_log(id).view();
    assert_eq!(after.entries.len(), 4);
    assert_eq!(after.entries[..3], before.entries[..]);
}

/// A raw Automerge edit no device's verbs would make.
type Tamper = fn(&mut AutoCommit);

fn events_list(doc: &AutoCommit) -> automerge::ObjId {
    match doc.get(ROOT, "events").expect("get") {
        Some((Value::Object(ObjType::List), events)) => events,
        other => panic!("no events list: {other:?}"),
    }
}

/// Deletes the second entry from the `events` list.
fn remove_second_entry(doc: &mut AutoCommit) {
    let events = events_list(doc);
    // Event 0 is the first entry: a shared log's creation appends none.
    assert_eq!(doc.length(&events), 3);
    doc.delete(&events, 1).expect("delete an entry");
}

/// Rewrites the text of the second entry.
fn alter_second_entry(doc: &mut AutoCommit) {
    let events = events_list(doc);
    let Some((Value::Object(ObjType::Map), entry)) = doc.get(&events, 1).expect("get") else {
        panic!("no second entry");
    };
    let Some((Value::Scalar(data), _)) = doc.get(&entry, "data").expect("get") else {
        panic!("no data");
    };
    let ScalarValue::Str(data) = data.into_owned() else {
        panic!("data is not text");
    };
    let altered = data.replace("lift 2 stuck", "all quiet");
    assert_ne!(altered, data.to_string());
    doc.put(&entry, "data", altered).expect("alter the entry");
}

fn move_estate(doc: &mut AutoCommit) {
    doc.put(ROOT, "estate", OTHER_ESTATE).expect("put");
}

#[test]
fn documents_that_are_not_records_are_refused_and_the_rest_lands() {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("lin");
    let raw = RawClient::new(site.url());

    let spaceship = record_like(&desk, "spaceship", 1, clock.at(1));
    let future = record_like(&desk, RecordKind::RepairSheet.as_str(), 99, clock.at(1));
    // Automerge's magic bytes and a real document, damaged in the middle.
    let real = sheet(&desk, &clock, ESTATE);
    let mut damaged = real.doc().save();
    let middle = damaged.len() / 2;
    for byte in &mut damaged[middle..middle + 8] {
        *byte ^= 0xa5;
    }
    let damaged_id = RecordId::random();
    let good = sheet(&desk, &clock, ESTATE);

    let answer = raw.sync(
        desk.token(),
        &request(
            0,
            vec![
                pushed(spaceship.0, spaceship.1),
                pushed(future.0, future.1),
                pushed(damaged_id, damaged),
                pushed(good.id(), good.doc().save()),
            ],
        ),
    );
    let ids: Vec<&str> = answer.accepted.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec![good.id().to_string()]);
    let codes: Vec<(String, RefusalCode)> = answer
        .refused
        .iter()
        .map(|refused| (refused.id.clone(), refused.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (spaceship.0.to_string(), RefusalCode::NotARecord),
            (future.0.to_string(), RefusalCode::SchemaTooNew),
            (damaged_id.to_string(), RefusalCode::NotAutomerge),
        ]
    );

    // Only the good sheet is stored; the desk's own syncs are unaffected.
    let own = desk.create(real.doc());
    desk.sync_ok();
    let mut observer = site.device("chen");
    observer.sync_ok();
    let mut expected = vec![good.id(), own];
    expected.sort();
    assert_eq!(held(&observer), expected);
}

/// A document laid out like a record, with any `kind` and `schema`, written
/// by `device`'s user: what a phone of another app, or of a future version,
/// might push. Returns its id and bytes.
fn record_like(device: &Device, kind: &str, schema: u64, at: DateTime<Utc>) -> (RecordId, Vec<u8>) {
    let id = RecordId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", kind).expect("put");
    doc.put(ROOT, "schema", schema).expect("put");
    doc.put(ROOT, "id", id.to_string()).expect("put");
    doc.put(ROOT, "estate", ESTATE).expect("put");
    doc.put(
        ROOT,
        "created_at",
        ScalarValue::Timestamp(at.timestamp_millis()),
    )
    .expect("put");
    doc.put(ROOT, "created_by", device.user()).expect("put");
    doc.put_object(ROOT, "fields", ObjType::Map).expect("put");
    doc.put_object(ROOT, "events", ObjType::List).expect("put");
    doc.put_object(ROOT, "received", ObjType::Map).expect("put");
    (id, doc.save())
}

/// Writes a canonical record id another way.
type Spell = fn(&str) -> String;

/// Other spellings of a record id that `Uuid::parse_str` also accepts.
const SPELLINGS: [(&str, Spell); 3] = [
    ("in upper case", |id| id.to_uppercase()),
    ("without hyphens", |id| id.replace('-', "")),
    ("as a URN", |id| format!("urn:uuid:{id}")),
];

/// A record pushed under another spelling of its id would be a second copy
/// of it that no history check covers: only the canonical spelling is taken.
#[test]
fn a_record_id_spelled_another_way_is_refused_or_is_the_same_record() {
    let clock = Clock::new();
    for (spelling, spell) in SPELLINGS {
        let site = Site::new();
        site.add_user("lin", Role::FrontDesk, &[ESTATE]);
        site.add_user("chen", Role::Supervisor, &[ESTATE]);
        let mut desk = site.device("lin");
        let raw = RawClient::new(site.url());

        // The desk's own new sheet, its id written another way.
        let new = sheet(&desk, &clock, ESTATE);
        let alias = spell(&new.id().to_string());
        let body = protocol::encode(&request(0, vec![pushed(&alias, new.doc().save())]));
        let (status, bytes) = raw.post(Some(desk.token()), &body);
        assert_eq!(
            status,
            200,
            "id {spelling}: {:?}",
            protocol::decode::<protocol::ErrorBody>(&bytes)
        );
        let answer: protocol::SyncResponse = protocol::decode(&bytes).expect("a response");
        assert_eq!(answer.accepted.len() + answer.refused.len(), 1);

        // Whatever the answer, the estate goes on syncing, and holds the
        // sheet once at most, under its own id.
        let mut observer = site.device("chen");
        observer.sync_ok();
        let expected = if answer.accepted.is_empty() {
            Vec::new()
        } else {
            vec![new.id()]
        };
        assert_eq!(held(&observer), expected, "id {spelling}");
        desk.create(sheet(&desk, &clock, ESTATE).doc());
        desk.sync_ok();
        observer.sync_ok();
    }
}
