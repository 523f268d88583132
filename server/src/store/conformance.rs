//! The storage conformance suite: what every [`Storage`] backend must do,
//! written once against the traits (no SQL), so that SQLite today and
//! PostgreSQL later are held to the very same tests. A backend runs the
//! whole suite with one invocation of [`storage_conformance_tests!`] in a
//! test module of its own, given how to open it on a temporary directory.
//!
//! The macro only names the tests; each test's body is an ordinary
//! function below, taking the opened storage.

use std::cell::Cell;
use std::sync::Arc;

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
use stairwell_core::kinds::{AnyRecord, BlobHash, IndexEntry};
use stairwell_core::record::{Editor, RecordDoc, RecordError, RecordKind, Role};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_core::sync::judge::Author;

use crate::reports::ModelRows;
use crate::store::console::{ConsoleUser, IndexQuery, SessionRow};
use crate::store::{
    BlobChunk, BlobError, ChunkOutcome, Estate, NewDevice, NewUser, PullItem, PullPayload,
    RecordChange, RecordWrite, Storage, StorageError, StoredRecord, UploadQuota, encode_heads,
};

/// Expands to one `#[test]` per conformance check, for the backend that
/// `$open` opens: an expression of type
/// `fn(&std::path::Path) -> std::sync::Arc<dyn Storage>` (a function, or a
/// closure that captures nothing), called with a fresh temporary directory.
#[macro_export]
macro_rules! storage_conformance_tests {
    ($open:expr) => {
        $crate::storage_conformance_tests!(@each $open;
            estates_users_and_staff_round_trip,
            duplicates_conflict_and_unknown_estates_are_not_found,
            tokens_authenticate_until_their_device_is_revoked,
            enrollment_codes_make_one_device_once_before_they_expire,
            accounts_list_change_and_log,
            single_use_tokens_work_once_and_not_after_they_expire,
            failures_wait_as_counted_and_are_forgotten,
            records_round_trip,
            compaction_replaces_snapshot_and_chunks,
            sequence_numbers_increase_in_commit_order,
            a_failing_commit_stores_none_of_its_writes,
            appending_to_an_unknown_record_is_refused,
            writes_judged_against_other_heads_are_stale,
            pull_returns_only_the_given_estates,
            feed_pages_resume_without_skipping_or_repeating,
            devices_that_have_a_record_get_only_its_changes,
            compacted_records_still_bring_devices_up_to_date,
            read_models_follow_each_commit,
            rebuild_recomputes_read_models_from_documents,
            console_users_passwords_and_staff,
            console_sessions_expire_and_end,
            blob_uploads_resume_from_their_offset,
            bad_blob_uploads_are_dropped,
            blobs_are_read_by_their_uploader_and_its_estates,
        );

        #[test]
        fn server_actor_and_data_survive_reopening() {
            let dir = ::tempfile::tempdir().expect("tempdir");
            $crate::store::conformance::server_actor_and_data_survive_reopening(&|| {
                conformance_storage(dir.path())
            });
        }
    };
    (@each $open:expr; $($name:ident,)+) => {
        fn conformance_storage(
            dir: &::std::path::Path,
        ) -> ::std::sync::Arc<dyn $crate::store::Storage> {
            let open: fn(&::std::path::Path) -> ::std::sync::Arc<dyn $crate::store::Storage> =
                $open;
            open(dir)
        }

        $(
            #[test]
            fn $name() {
                let dir = ::tempfile::tempdir().expect("tempdir");
                let storage = conformance_storage(dir.path());
                $crate::store::conformance::$name(&*storage);
            }
        )+
    };
}

const EAST: &str = "east";
const WEST: &str = "west";
/// The month [`at`] falls in, in [`tz`].
const MONTH: &str = "2026-03";

fn tz() -> Tz {
    chrono_tz::Asia::Shanghai
}

/// Minutes after 2026-03-02 09:00 in Shanghai.
fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_413_200 + minute * 60, 0).expect("time")
}

/// Minutes after 2100-01-01 UTC: session expiries the wall clock never
/// reaches while the tests run.
fn far_future(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(4_102_444_800 + minute * 60, 0).expect("time")
}

fn estates(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn add_estates(storage: &dyn Storage) {
    for id in [EAST, WEST] {
        let estate = Estate {
            id: id.into(),
            name: format!("{id} estate"),
            tz: tz(),
        };
        storage.add_estate(&estate).expect("add estate");
    }
}

fn add_user(storage: &dyn Storage, id: &str, role: Role, at: &[&str]) {
    let user = NewUser {
        id: id.into(),
        name: id.to_uppercase(),
        role,
        estates: estates(at),
    };
    storage.add_user(&user).expect("add user");
}

fn desk() -> Editor {
    Editor::new("lin", "dev-lin", Role::FrontDesk)
}

fn sheet(estate: &str, problem: &str) -> RepairSheet {
    let intake = Intake {
        resident_name: "王女士".into(),
        unit: "A1-0302".into(),
        phone: "139 1111 2222".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    };
    RepairSheet::open(&desk(), at(1), estate, intake, at(0), None).expect("open sheet")
}

/// Adds a note to the sheet; returns its heads from before.
fn note(sheet: &mut RepairSheet, minute: i64) -> Vec<ChangeHash> {
    let before = sheet.doc().heads();
    sheet
        .add_note(&desk(), at(minute), &format!("note {minute}"))
        .expect("note");
    before
}

/// A write of `doc` as it is now, with its index and report rows, as the
/// writer builds one.
fn write(doc: &RecordDoc, change: RecordChange, base: Option<&[ChangeHash]>) -> RecordWrite {
    let record = AnyRecord::load(&doc.save()).expect("record loads");
    RecordWrite {
        base_heads: base.map(encode_heads),
        id: doc.id().to_string(),
        estate: doc.header().estate.clone(),
        kind: doc.kind().as_str().to_owned(),
        change,
        compacted: None,
        heads: encode_heads(&doc.heads()),
        index: record.index_entry(tz()),
        models: ModelRows::derive(&record, tz()),
    }
}

fn create(sheet: &RepairSheet) -> RecordWrite {
    let snapshot = sheet.doc().save();
    write(sheet.doc(), RecordChange::Create { snapshot }, None)
}

fn append(sheet: &RepairSheet, since: &[ChangeHash]) -> RecordWrite {
    let chunk = sheet.doc().save_after(since);
    write(sheet.doc(), RecordChange::Append { chunk }, Some(since))
}

fn commit(storage: &dyn Storage, writes: Vec<RecordWrite>) -> Vec<u64> {
    storage.commit(&writes).expect("commit")
}

fn id_of(sheet: &RepairSheet) -> String {
    sheet.id().to_string()
}

fn stored(storage: &dyn Storage, sheet: &RepairSheet) -> StoredRecord {
    storage
        .load_record(&id_of(sheet))
        .expect("load")
        .expect("stored")
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

fn heads_of(bytes: &[u8]) -> Vec<ChangeHash> {
    sorted(RecordDoc::load(bytes).expect("document loads").heads())
}

fn pull(storage: &dyn Storage, from: &[&str], cursor: u64, max: usize) -> crate::store::FeedPage {
    storage.pull(&estates(from), cursor, max).expect("pull")
}

fn ids(items: &[PullItem]) -> Vec<String> {
    items.iter().map(|item| item.id.clone()).collect()
}

/// The heads a device reaches by applying `payload` to its copy (none for
/// a device that lacks the record).
fn caught_up(copy: Option<&RecordDoc>, payload: &PullPayload) -> Vec<ChangeHash> {
    let changes = match payload {
        PullPayload::Whole(bytes) => return heads_of(bytes),
        PullPayload::Changes(bytes) => bytes.clone(),
        PullPayload::AfterHeads { document, heads } => RecordDoc::load(document)
            .expect("document loads")
            .save_after(heads),
    };
    let mut doc = copy.expect("the device has the record").clone();
    doc.apply_changes(&changes).expect("changes apply");
    sorted(doc.heads())
}

/// What a rebuild computes a record's rows from: its document alone.
fn index_from_document(
    record: &StoredRecord,
    tz: Tz,
) -> Result<(IndexEntry, ModelRows), RecordError> {
    let loaded = AnyRecord::load(&record.bytes)?;
    Ok((loaded.index_entry(tz), ModelRows::derive(&loaded, tz)))
}

fn index_rows(storage: &dyn Storage, of: &[&str]) -> Vec<IndexEntry> {
    let estates = estates(of);
    let query = IndexQuery {
        estates: &estates,
        kinds: &[RecordKind::RepairSheet.as_str()],
        open_only: false,
    };
    storage.console().index_rows(&query).expect("index rows")
}

// Estates, users, devices.

pub(crate) fn estates_users_and_staff_round_trip(storage: &dyn Storage) {
    add_estates(storage);
    let east = storage.estate(EAST).expect("estate").expect("known");
    assert_eq!((east.id.as_str(), east.tz), (EAST, tz()));
    assert_eq!(east.name, "east estate");
    assert_eq!(storage.estate("north").expect("estate"), None);

    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    add_user(storage, "chen", Role::Supervisor, &[EAST, WEST]);
    assert_eq!(
        storage.user_name("lin").expect("name").as_deref(),
        Some("LIN")
    );
    assert_eq!(storage.user_name("nobody").expect("name"), None);

    let mut staff = storage.staff(EAST).expect("staff");
    staff.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        staff,
        vec![
            ("chen".into(), Role::Supervisor),
            ("lin".into(), Role::FrontDesk)
        ]
    );
    assert_eq!(
        storage.staff(WEST).expect("staff"),
        vec![("chen".into(), Role::Supervisor)]
    );
}

pub(crate) fn duplicates_conflict_and_unknown_estates_are_not_found(storage: &dyn Storage) {
    add_estates(storage);
    let again = Estate {
        id: EAST.into(),
        name: "another".into(),
        tz: Tz::UTC,
    };
    assert!(matches!(
        storage.add_estate(&again),
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(
        storage.estate(EAST).expect("estate").expect("kept").tz,
        tz()
    );

    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    let twin = NewUser {
        id: "lin".into(),
        name: "Other Lin".into(),
        role: Role::Patrol,
        estates: estates(&[WEST]),
    };
    assert!(matches!(
        storage.add_user(&twin),
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(
        storage.user_name("lin").expect("name").as_deref(),
        Some("LIN")
    );

    let lost = NewUser {
        id: "zhao".into(),
        name: "Zhao".into(),
        role: Role::Patrol,
        estates: estates(&[EAST, "north"]),
    };
    assert!(matches!(
        storage.add_user(&lost),
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(
        storage.user_name("zhao").expect("name"),
        None,
        "not half added"
    );
    assert_eq!(storage.staff(EAST).expect("staff").len(), 1);
}

fn device(id: &str, user: &str, token_hash: &str) -> NewDevice {
    NewDevice {
        id: id.into(),
        user: user.into(),
        name: format!("{user}'s phone"),
        token_hash: token_hash.into(),
    }
}

pub(crate) fn enrollment_codes_make_one_device_once_before_they_expire(storage: &dyn Storage) {
    use crate::store::{NewEnrollmentCode, Redeemed};
    add_estates(storage);
    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    let now = chrono::Utc::now();
    let code = |hash: &str, minutes: i64| NewEnrollmentCode {
        code_hash: hash.into(),
        user: "lin".into(),
        device_name: "Desk tablet".into(),
        expires_at: now + chrono::Duration::minutes(minutes),
    };
    storage
        .add_enrollment_code(&code("code-1", 15))
        .expect("code");
    storage
        .add_enrollment_code(&code("code-2", -1))
        .expect("code");
    let orphan = NewEnrollmentCode {
        user: "nobody".into(),
        ..code("code-3", 15)
    };
    assert!(matches!(
        storage.add_enrollment_code(&orphan),
        Err(StorageError::NotFound(_))
    ));
    let redeemed = storage
        .redeem_enrollment_code("code-1", now, &device("dev-1", "", "token-1"))
        .expect("redeem");
    assert_eq!(redeemed, Redeemed::Issued { user: "lin".into() });
    let author = storage
        .author_for_token("token-1")
        .expect("auth")
        .expect("live");
    assert_eq!(
        (author.user.as_str(), author.device.as_str()),
        ("lin", "dev-1")
    );
    let again = storage
        .redeem_enrollment_code("code-1", now, &device("dev-2", "", "token-2"))
        .expect("redeem");
    assert_eq!(again, Redeemed::Used);
    assert_eq!(
        storage.author_for_token("token-2").expect("auth"),
        None,
        "no device made"
    );
    let late = storage
        .redeem_enrollment_code("code-2", now, &device("dev-3", "", "token-3"))
        .expect("redeem");
    assert_eq!(late, Redeemed::Expired);
    let unknown = storage
        .redeem_enrollment_code("code-9", now, &device("dev-4", "", "token-4"))
        .expect("redeem");
    assert_eq!(unknown, Redeemed::Unknown);
}

pub(crate) fn accounts_list_change_and_log(storage: &dyn Storage) {
    use crate::store::accounts::AccountAction;
    add_estates(storage);
    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    add_user(storage, "wang", Role::Technician, &[EAST, WEST]);
    storage.add_device(&device("d1", "wang", "h1")).expect("d1");
    storage.add_device(&device("d2", "wang", "h2")).expect("d2");
    storage.revoke_device("d1").expect("revoke");
    storage.accounts().device_seen("d2", at(5)).expect("seen");
    storage
        .accounts()
        .device_seen("d2", at(3))
        .expect("an older sync");
    storage
        .console()
        .set_password_hash("lin", "argon2-hash")
        .expect("password");

    let users = storage.accounts().users().expect("users");
    let ids: Vec<&str> = users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(ids, ["lin", "wang"]);
    assert!(users[0].has_password && !users[1].has_password);
    assert_eq!(users[1].estates, estates(&[EAST, WEST]));
    assert_eq!(users[1].live_devices, 1, "d1 is revoked");
    assert_eq!(
        users[1].last_seen_at,
        Some(at(5)),
        "the latest sync is kept"
    );
    assert_eq!((users[0].live_devices, users[0].last_seen_at), (0, None));

    let devices = storage.accounts().devices_of("wang").expect("devices");
    assert_eq!(devices.len(), 2);
    let d1 = storage.accounts().device("d1").expect("read").expect("d1");
    assert!(d1.revoked_at.is_some() && d1.last_seen_at.is_none());
    assert_eq!(d1.user, "wang");
    assert!(storage.accounts().device("nope").expect("read").is_none());

    // A user changed: name, role, estates; an unknown one or estate is not found.
    let changed = NewUser {
        id: "wang".into(),
        name: "Wang Wei".into(),
        role: Role::Supervisor,
        estates: estates(&[WEST]),
    };
    storage.accounts().update_user(&changed).expect("update");
    let wang = storage
        .console()
        .console_user("wang")
        .expect("read")
        .expect("wang");
    assert_eq!(
        (wang.name.as_str(), wang.role),
        ("Wang Wei", Role::Supervisor)
    );
    assert_eq!(wang.estates, estates(&[WEST]));
    let ghost = NewUser {
        id: "ghost".into(),
        ..changed.clone()
    };
    assert!(matches!(
        storage.accounts().update_user(&ghost),
        Err(StorageError::NotFound(_))
    ));
    let nowhere = NewUser {
        estates: estates(&["mars"]),
        ..changed
    };
    assert!(matches!(
        storage.accounts().update_user(&nowhere),
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(
        storage
            .console()
            .console_user("wang")
            .expect("read")
            .expect("wang")
            .estates,
        estates(&[WEST]),
        "a refused change changes nothing"
    );

    // The log, newest first.
    for (minute, action) in [(1, "user.add"), (2, "device.revoke")] {
        storage
            .accounts()
            .log_action(&AccountAction {
                at: at(minute),
                actor: "console:root".into(),
                action: action.into(),
                target: "wang".into(),
                detail: String::new(),
            })
            .expect("log");
    }
    let log = storage.accounts().actions(10).expect("log");
    let actions: Vec<&str> = log.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["device.revoke", "user.add"]);
    assert_eq!(log[0].at, at(2));
    assert_eq!(storage.accounts().actions(1).expect("log").len(), 1);
}

pub(crate) fn single_use_tokens_work_once_and_not_after_they_expire(storage: &dyn Storage) {
    let guards = storage.guards();
    let now = Utc::now();
    guards
        .put_once("h1", "alice", now + chrono::Duration::seconds(30))
        .expect("put");
    guards
        .put_once("h2", "bob", now - chrono::Duration::seconds(1))
        .expect("put");
    assert_eq!(
        guards.take_once("h1", now).expect("take").as_deref(),
        Some("alice")
    );
    assert_eq!(guards.take_once("h1", now).expect("take"), None, "once");
    assert_eq!(guards.take_once("h2", now).expect("take"), None, "expired");
    assert_eq!(guards.take_once("nope", now).expect("take"), None);
}

pub(crate) fn failures_wait_as_counted_and_are_forgotten(storage: &dyn Storage) {
    let guards = storage.guards();
    let now = at(0);
    let forget = chrono::Duration::minutes(15);
    // Two free failures, then a second per failure past them.
    let wait = |n: u32| chrono::Duration::seconds(i64::from(n.saturating_sub(2)));
    let keys = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    for _ in 0..2 {
        guards
            .add_failure("account:lin", now, forget, &wait)
            .expect("fail");
    }
    assert_eq!(
        guards
            .waiting_until(&keys(&["account:lin"]), now)
            .expect("wait"),
        None
    );
    for _ in 0..2 {
        guards
            .add_failure("account:lin", now, forget, &wait)
            .expect("fail");
    }
    guards
        .add_failure("address:10.0.0.1", now, forget, &wait)
        .expect("fail");
    let until = guards
        .waiting_until(&keys(&["address:10.0.0.1", "account:lin", "other"]), now)
        .expect("wait");
    assert_eq!(
        until,
        Some(now + chrono::Duration::seconds(2)),
        "the 4th failure waits 2 s"
    );
    assert_eq!(
        guards
            .waiting_until(&keys(&["account:lin"]), now + chrono::Duration::seconds(2))
            .expect("wait"),
        None,
        "over once the time has passed"
    );
    guards.clear_failures("account:lin").expect("clear");
    guards
        .add_failure("account:lin", now, forget, &wait)
        .expect("fail");
    assert_eq!(
        guards
            .waiting_until(&keys(&["account:lin"]), now)
            .expect("wait"),
        None,
        "counted anew"
    );
    // Counters untouched for longer than `forget` go at a later failure.
    let later = now + chrono::Duration::minutes(16);
    guards
        .add_failure("account:zhou", later, forget, &wait)
        .expect("fail");
    for _ in 0..3 {
        guards
            .add_failure("account:lin", later, forget, &wait)
            .expect("fail");
    }
    assert_eq!(
        guards
            .waiting_until(&keys(&["account:lin"]), later)
            .expect("wait"),
        Some(later + chrono::Duration::seconds(1)),
        "forgotten, then three new failures"
    );
}

pub(crate) fn tokens_authenticate_until_their_device_is_revoked(storage: &dyn Storage) {
    add_estates(storage);
    add_user(storage, "chen", Role::Supervisor, &[WEST, EAST]);
    storage
        .add_device(&device("dev-1", "chen", "token-1"))
        .expect("device");
    storage
        .add_device(&device("dev-2", "chen", "token-2"))
        .expect("device");
    let duplicate = storage.add_device(&device("dev-1", "chen", "token-3"));
    assert!(matches!(duplicate, Err(StorageError::Conflict(_))));
    let orphan = storage.add_device(&device("dev-9", "nobody", "token-9"));
    assert!(matches!(orphan, Err(StorageError::NotFound(_))));

    let mut author = storage
        .author_for_token("token-1")
        .expect("auth")
        .expect("live token");
    author.estates.sort();
    let expected = Author {
        user: "chen".into(),
        device: "dev-1".into(),
        role: Role::Supervisor,
        estates: estates(&[EAST, WEST]),
    };
    assert_eq!(author, expected);
    assert_eq!(storage.author_for_token("token-9").expect("auth"), None);
    assert!(storage.device_live("dev-1").expect("live"));
    assert!(
        !storage.device_live("dev-9").expect("live"),
        "no such device"
    );

    storage.revoke_device("dev-1").expect("revoke");
    assert!(!storage.device_live("dev-1").expect("live"), "revoked");
    storage
        .revoke_device("dev-1")
        .expect("revoking twice is fine");
    assert_eq!(storage.author_for_token("token-1").expect("auth"), None);
    let other = storage.author_for_token("token-2").expect("auth");
    assert_eq!(other.map(|author| author.device).as_deref(), Some("dev-2"));
}

pub(crate) fn server_actor_and_data_survive_reopening(open: &dyn Fn() -> Arc<dyn Storage>) {
    let first = open();
    let actor = first.server_actor().expect("actor");
    assert!(!actor.is_empty());
    assert_eq!(
        first.server_actor().expect("actor"),
        actor,
        "stable across calls"
    );
    add_estates(&*first);
    add_user(&*first, "lin", Role::FrontDesk, &[EAST]);
    let sheet = sheet(EAST, "tap");
    commit(&*first, vec![create(&sheet)]);
    drop(first);

    let second = open();
    assert_eq!(
        second.server_actor().expect("actor"),
        actor,
        "stable across opens"
    );
    assert!(second.estate(EAST).expect("estate").is_some());
    assert_eq!(
        second.user_name("lin").expect("name").as_deref(),
        Some("LIN")
    );
    let record = stored(&*second, &sheet);
    assert_eq!(heads_of(&record.bytes), sorted(sheet.doc().heads()));
    assert_eq!(second.record_count().expect("count"), 1);
    assert_eq!(second.read_models_stale(), None);
}

// Records and group commits.

pub(crate) fn records_round_trip(storage: &dyn Storage) {
    add_estates(storage);
    assert_eq!(storage.record_count().expect("count"), 0);
    assert!(
        storage
            .load_record("no-such-record")
            .expect("load")
            .is_none()
    );
    let mut sheet = sheet(EAST, "blocked drain");
    commit(storage, vec![create(&sheet)]);
    let created = stored(storage, &sheet);
    assert_eq!(
        (created.id.as_str(), created.estate.as_str()),
        (id_of(&sheet).as_str(), EAST)
    );
    assert_eq!(created.snapshot_len, created.bytes.len());
    assert_eq!((created.chunk_count, created.chunk_bytes), (0, 0));

    let mut chunks = 0;
    for minute in [2, 3] {
        let before = note(&mut sheet, minute);
        let write = append(&sheet, &before);
        if let RecordChange::Append { chunk } = &write.change {
            chunks += chunk.len();
        }
        commit(storage, vec![write]);
    }
    let appended = stored(storage, &sheet);
    assert_eq!(appended.snapshot_len, created.snapshot_len);
    assert_eq!((appended.chunk_count, appended.chunk_bytes), (2, chunks));
    assert_eq!(appended.bytes.len(), created.snapshot_len + chunks);
    let loaded = RepairSheet::from_doc(RecordDoc::load(&appended.bytes).expect("loads as one"))
        .expect("a repair sheet");
    assert_eq!(loaded.view(), sheet.view());
    assert_eq!(sorted(loaded.doc().heads()), sorted(sheet.doc().heads()));
    assert_eq!(storage.record_count().expect("count"), 1);
}

/// Two servers judged one record at once: the second commit, judged
/// against heads no longer stored (or creating a record that exists), is
/// refused whole, so neither change is lost or doubled.
pub(crate) fn writes_judged_against_other_heads_are_stale(storage: &dyn Storage) {
    add_estates(storage);
    let mut sheet = sheet(EAST, "lift stuck");
    commit(storage, vec![create(&sheet)]);
    let stale_create = storage.commit(&[create(&sheet)]);
    assert!(
        matches!(&stale_create, Err(StorageError::Stale { ids }) if ids == &[id_of(&sheet)]),
        "{stale_create:?}"
    );
    let mut other = sheet.clone();
    let before = note(&mut sheet, 2);
    commit(storage, vec![append(&sheet, &before)]);
    // Judged against the heads before the first note, which are gone.
    let _ = note(&mut other, 3);
    let fine = self::sheet(WEST, "a fine new sheet");
    let stale = storage.commit(&[create(&fine), append(&other, &before)]);
    assert!(
        matches!(&stale, Err(StorageError::Stale { ids }) if ids == &[id_of(&sheet)]),
        "{stale:?}"
    );
    assert!(
        storage.load_record(&id_of(&fine)).expect("load").is_none(),
        "nothing stored"
    );
    assert_eq!(
        heads_of(&stored(storage, &sheet).bytes),
        sorted(sheet.doc().heads())
    );
    assert_eq!(storage.record_count().expect("count"), 1);
}

pub(crate) fn compaction_replaces_snapshot_and_chunks(storage: &dyn Storage) {
    add_estates(storage);
    let mut sheet = sheet(EAST, "cracked tile");
    commit(storage, vec![create(&sheet)]);
    let before = note(&mut sheet, 2);
    commit(storage, vec![append(&sheet, &before)]);
    let before = note(&mut sheet, 3);
    let mut write = append(&sheet, &before);
    let snapshot = sheet.doc().save();
    write.compacted = Some(snapshot.clone());
    commit(storage, vec![write]);

    let record = stored(storage, &sheet);
    assert_eq!((record.chunk_count, record.chunk_bytes), (0, 0));
    assert_eq!(record.snapshot_len, snapshot.len());
    assert_eq!(record.bytes, snapshot);
    assert_eq!(heads_of(&record.bytes), sorted(sheet.doc().heads()));
}

pub(crate) fn sequence_numbers_increase_in_commit_order(storage: &dyn Storage) {
    add_estates(storage);
    let mut first = sheet(EAST, "one");
    let second = sheet(WEST, "two");
    let initial = first.clone();
    let before = note(&mut first, 2);
    // One group may create a record and extend it, as the writer stages.
    let writes = vec![create(&initial), create(&second), append(&first, &before)];
    let seqs = commit(storage, writes);
    assert_eq!(seqs.len(), 3);
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]), "{seqs:?}");
    let later = commit(storage, vec![create(&sheet(EAST, "three"))]);
    assert!(later[0] > seqs[2]);
    assert_eq!(stored(storage, &first).chunk_count, 1);
    assert_eq!(
        heads_of(&stored(storage, &first).bytes),
        sorted(first.doc().heads())
    );
    assert_eq!(storage.record_count().expect("count"), 3);
}

pub(crate) fn a_failing_commit_stores_none_of_its_writes(storage: &dyn Storage) {
    add_estates(storage);
    let existing = sheet(EAST, "existing");
    let cursor = commit(storage, vec![create(&existing)])[0];
    let newcomer = sheet(EAST, "newcomer");
    let mut extended = existing.clone();
    let before = note(&mut extended, 2);
    // Creating a record the server already has is refused by any backend.
    let group = [
        create(&newcomer),
        append(&extended, &before),
        create(&existing),
    ];
    assert!(storage.commit(&group).is_err());

    assert!(
        storage
            .load_record(&id_of(&newcomer))
            .expect("load")
            .is_none()
    );
    let kept = stored(storage, &existing);
    assert_eq!(kept.chunk_count, 0);
    assert_eq!(heads_of(&kept.bytes), sorted(existing.doc().heads()));
    assert_eq!(storage.record_count().expect("count"), 1);
    let page = pull(storage, &[EAST], cursor, 10);
    assert!(page.items.is_empty(), "no feed rows of the failed group");
    let repairs = storage.read_models().repairs(EAST, MONTH).expect("repairs");
    assert_eq!(repairs.len(), 1, "no report rows of the failed group");
    assert_eq!(index_rows(storage, &[EAST]).len(), 1, "no index rows");

    let seqs = commit(storage, group[..2].to_vec());
    assert!(seqs[0] > cursor, "the store goes on after a failed group");
}

pub(crate) fn appending_to_an_unknown_record_is_refused(storage: &dyn Storage) {
    add_estates(storage);
    let fine = sheet(EAST, "fine");
    let mut ghost = sheet(EAST, "never created");
    let before = note(&mut ghost, 2);
    // A feed row for a record that is not stored could never be pulled.
    let group = [create(&fine), append(&ghost, &before)];
    assert!(storage.commit(&group).is_err());
    assert!(storage.load_record(&id_of(&ghost)).expect("load").is_none());
    assert!(storage.load_record(&id_of(&fine)).expect("load").is_none());
    assert!(pull(storage, &[EAST], 0, 10).items.is_empty());
    commit(storage, vec![create(&fine)]);
    assert_eq!(
        ids(&pull(storage, &[EAST], 0, 10).items),
        vec![id_of(&fine)]
    );
}

// The feed.

pub(crate) fn pull_returns_only_the_given_estates(storage: &dyn Storage) {
    add_estates(storage);
    let (a, b, c) = (sheet(EAST, "a"), sheet(WEST, "b"), sheet(EAST, "c"));
    commit(storage, vec![create(&a), create(&b), create(&c)]);

    let east = pull(storage, &[EAST], 0, 10);
    assert_eq!(ids(&east.items), vec![id_of(&a), id_of(&c)]);
    assert!(!east.more);
    let index = &east.items[1].index;
    assert_eq!((index.id, index.estate.as_str()), (c.id(), EAST));
    assert_eq!(index.title, create(&c).index.title);
    assert_eq!(ids(&pull(storage, &[WEST], 0, 10).items), vec![id_of(&b)]);
    let both = pull(storage, &[EAST, WEST], 0, 10);
    assert_eq!(ids(&both.items), vec![id_of(&a), id_of(&b), id_of(&c)]);

    let none = storage.pull(&[], 0, 10).expect("pull");
    assert!(none.items.is_empty() && !none.more);
    assert_eq!(none.cursor, 0);
    assert!(pull(storage, &["north"], 0, 10).items.is_empty());
}

pub(crate) fn feed_pages_resume_without_skipping_or_repeating(storage: &dyn Storage) {
    add_estates(storage);
    let sheets: Vec<RepairSheet> = (0..5).map(|i| sheet(EAST, &format!("fault {i}"))).collect();
    for sheet in &sheets {
        commit(storage, vec![create(sheet)]);
        commit(storage, vec![create(&self::sheet(WEST, "elsewhere"))]);
    }
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let page = pull(storage, &[EAST], cursor, 2);
        pages += 1;
        assert!(page.items.len() <= 2);
        assert!(page.cursor >= cursor);
        seen.extend(ids(&page.items));
        cursor = page.cursor;
        if !page.more {
            break;
        }
        assert_eq!(page.items.len(), 2, "a page is full while more remain");
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, sheets.iter().map(id_of).collect::<Vec<_>>());
    assert_eq!(pages, 3);
    let after = pull(storage, &[EAST], cursor, 2);
    assert!(after.items.is_empty() && !after.more);
    assert_eq!(after.cursor, cursor);
}

pub(crate) fn devices_that_have_a_record_get_only_its_changes(storage: &dyn Storage) {
    add_estates(storage);
    let mut known = sheet(EAST, "known");
    commit(storage, vec![create(&known)]);
    let first = pull(storage, &[EAST], 0, 10);
    let PullPayload::Whole(bytes) = &first.items[0].payload else {
        panic!("a device that lacks a record gets it whole");
    };
    let copy = RecordDoc::load(bytes).expect("whole loads");

    let before = note(&mut known, 2);
    let seq = commit(storage, vec![append(&known, &before)])[0];
    let fresh = sheet(EAST, "fresh");
    commit(storage, vec![create(&fresh)]);

    let later = pull(storage, &[EAST], first.cursor, 10);
    assert_eq!(ids(&later.items), vec![id_of(&known), id_of(&fresh)]);
    let update = &later.items[0];
    assert_eq!(update.latest_seq, seq);
    assert!(
        !matches!(update.payload, PullPayload::Whole(_)),
        "only changes"
    );
    assert_eq!(
        caught_up(Some(&copy), &update.payload),
        sorted(known.doc().heads())
    );
    assert!(matches!(later.items[1].payload, PullPayload::Whole(_)));

    let from_scratch = pull(storage, &[EAST], 0, 10);
    assert_eq!(from_scratch.items.len(), 2, "each record once per page");
    assert!(matches!(
        from_scratch.items[0].payload,
        PullPayload::Whole(_)
    ));
    assert_eq!(
        caught_up(None, &from_scratch.items[0].payload),
        sorted(known.doc().heads())
    );
}

pub(crate) fn compacted_records_still_bring_devices_up_to_date(storage: &dyn Storage) {
    add_estates(storage);
    let mut sheet = sheet(EAST, "compacted");
    commit(storage, vec![create(&sheet)]);
    let first = pull(storage, &[EAST], 0, 10);
    let copy = RecordDoc::load(&stored(storage, &sheet).bytes).expect("loads");
    let before = note(&mut sheet, 2);
    commit(storage, vec![append(&sheet, &before)]);
    let before = note(&mut sheet, 3);
    let mut write = append(&sheet, &before);
    write.compacted = Some(sheet.doc().save());
    commit(storage, vec![write]);

    let later = pull(storage, &[EAST], first.cursor, 10);
    assert_eq!(later.items.len(), 1);
    let payload = &later.items[0].payload;
    assert!(
        !matches!(payload, PullPayload::Whole(_)),
        "not whole: the device has it"
    );
    assert_eq!(caught_up(Some(&copy), payload), sorted(sheet.doc().heads()));
}

// Read models.

pub(crate) fn read_models_follow_each_commit(storage: &dyn Storage) {
    add_estates(storage);
    let mut sheet = sheet(EAST, "leaking tap");
    commit(storage, vec![create(&sheet)]);
    let models = storage.read_models();
    let rows = models.repairs(EAST, MONTH).expect("repairs");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].record_id.clone(), rows[0].title.as_str()),
        (id_of(&sheet), "leaking tap")
    );
    assert_eq!(rows[0].done_at, None);
    assert!(models.repairs(EAST, "2026-04").expect("repairs").is_empty());
    assert!(models.repairs(WEST, MONTH).expect("repairs").is_empty());

    let before = sheet.doc().heads();
    let supervisor = Editor::new("chen", "dev-chen", Role::Supervisor);
    sheet
        .dispatch(&supervisor, at(4), "wang")
        .expect("dispatch");
    let technician = Editor::new("wang", "dev-wang", Role::Technician);
    sheet.arrive(&technician, at(5)).expect("arrive");
    commit(storage, vec![append(&sheet, &before)]);
    let rows = models.repairs(EAST, MONTH).expect("repairs");
    assert_eq!(rows.len(), 1, "a change replaces the record's rows");
    assert_eq!(rows[0].done_at, Some(at(5)));
    let index = index_rows(storage, &[EAST]);
    assert_eq!(index.len(), 1);
    assert_eq!(index[0].assignee.as_deref(), Some("wang"));
    assert!(index_rows(storage, &[WEST]).is_empty());
}

pub(crate) fn rebuild_recomputes_read_models_from_documents(storage: &dyn Storage) {
    assert_eq!(
        storage.read_models_stale(),
        None,
        "a fresh database is not stale"
    );
    add_estates(storage);
    let sheet = sheet(EAST, "flickering light");
    let mut write = create(&sheet);
    let real_title = write.index.title.clone();
    write.index.title = "stale title".into();
    write.models = ModelRows::default();
    commit(storage, vec![write]);
    assert!(
        storage
            .read_models()
            .repairs(EAST, MONTH)
            .expect("repairs")
            .is_empty()
    );
    assert_eq!(index_rows(storage, &[EAST])[0].title, "stale title");

    let zone = Cell::new(None);
    let index = |record: &StoredRecord, tz: Tz| {
        zone.set(Some(tz));
        index_from_document(record, tz)
    };
    assert_eq!(storage.rebuild_read_models(&index).expect("rebuild"), 1);
    assert_eq!(
        zone.get(),
        Some(tz()),
        "rows are computed in the estate's zone"
    );
    let rows = storage.read_models().repairs(EAST, MONTH).expect("repairs");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].record_id, id_of(&sheet));
    assert_eq!(index_rows(storage, &[EAST])[0].title, real_title);
    let failing = |_: &StoredRecord, _: Tz| Err(RecordError::Malformed("unreadable".into()));
    let failed = storage.rebuild_read_models(&failing);
    assert!(
        matches!(failed, Err(StorageError::Record { ref id, .. }) if *id == id_of(&sheet)),
        "{failed:?}"
    );
    // The failed rebuild was one transaction: the rows it began with stay.
    assert_eq!(
        storage
            .read_models()
            .repairs(EAST, MONTH)
            .expect("repairs")
            .len(),
        1
    );
}

// The console.

fn console_user(id: &str, role: Role, at: &[&str]) -> ConsoleUser {
    ConsoleUser {
        id: id.into(),
        name: id.to_uppercase(),
        role,
        estates: estates(at),
    }
}

pub(crate) fn console_users_passwords_and_staff(storage: &dyn Storage) {
    add_estates(storage);
    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    add_user(storage, "chen", Role::Supervisor, &[WEST, EAST]);
    let console = storage.console();
    let expected = console_user("lin", Role::FrontDesk, &[EAST]);
    assert_eq!(console.console_user("lin").expect("user"), Some(expected));
    let mut chen = console.console_user("chen").expect("user").expect("known");
    chen.estates.sort();
    assert_eq!(chen, console_user("chen", Role::Supervisor, &[EAST, WEST]));
    assert_eq!(console.console_user("nobody").expect("user"), None);

    assert_eq!(console.password_hash("lin").expect("hash"), None);
    console.set_password_hash("lin", "argon2-one").expect("set");
    console
        .set_password_hash("lin", "argon2-two")
        .expect("replace");
    assert_eq!(
        console.password_hash("lin").expect("hash").as_deref(),
        Some("argon2-two")
    );
    assert_eq!(console.password_hash("chen").expect("hash"), None);
    assert!(console.set_password_hash("nobody", "argon2").is_err());

    let supervisors = console.staff(EAST, Role::Supervisor).expect("staff");
    assert_eq!(supervisors, vec![("chen".into(), "CHEN".into())]);
    assert!(
        console
            .staff(WEST, Role::FrontDesk)
            .expect("staff")
            .is_empty()
    );
}

pub(crate) fn console_sessions_expire_and_end(storage: &dyn Storage) {
    add_estates(storage);
    add_user(storage, "lin", Role::FrontDesk, &[EAST]);
    add_user(storage, "chen", Role::Supervisor, &[EAST]);
    let console = storage.console();
    console
        .create_session("hash-1", "lin", "csrf-1", far_future(60))
        .expect("session");
    let found = console.session("hash-1", far_future(0)).expect("session");
    let expected = SessionRow {
        user: console_user("lin", Role::FrontDesk, &[EAST]),
        csrf: "csrf-1".into(),
        expires_at: far_future(60),
    };
    assert_eq!(found, Some(expected));
    assert_eq!(
        console.session("hash-1", far_future(61)).expect("session"),
        None
    );
    assert_eq!(
        console.session("hash-9", far_future(0)).expect("session"),
        None
    );
    console.end_session("hash-1").expect("end");
    assert_eq!(
        console.session("hash-1", far_future(0)).expect("session"),
        None
    );

    for (hash, user) in [("hash-2", "lin"), ("hash-3", "lin"), ("hash-4", "chen")] {
        console
            .create_session(hash, user, "csrf", far_future(60))
            .expect("session");
    }
    assert_eq!(console.end_sessions_of("lin").expect("end"), 2);
    assert_eq!(
        console.session("hash-2", far_future(0)).expect("session"),
        None
    );
    let kept = console.session("hash-4", far_future(0)).expect("session");
    assert_eq!(kept.map(|row| row.user.id).as_deref(), Some("chen"));
}

// Blobs.

fn author(device: &str, at: &[&str]) -> Author {
    Author {
        user: format!("user-{device}"),
        device: device.into(),
        role: Role::FrontDesk,
        estates: estates(at),
    }
}

fn hash_of(bytes: &[u8]) -> BlobHash {
    hex::encode(Sha256::digest(bytes)).parse().expect("hash")
}

fn put(
    storage: &dyn Storage,
    author: &Author,
    hash: &BlobHash,
    (offset, length): (u64, u64),
    bytes: &[u8],
) -> Result<ChunkOutcome, BlobError> {
    storage.put_blob_chunk(&BlobChunk {
        quota: UploadQuota::default(),
        author,
        hash,
        offset,
        length,
        bytes,
    })
}

fn missing(storage: &dyn Storage, author: &Author, hash: &BlobHash) -> Vec<(BlobHash, u64)> {
    storage
        .missing_blobs(author, std::slice::from_ref(hash))
        .expect("missing")
}

pub(crate) fn blob_uploads_resume_from_their_offset(storage: &dyn Storage) {
    let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let hash = hash_of(&bytes);
    let desk = author("dev-a", &[EAST]);
    assert_eq!(missing(storage, &desk, &hash), vec![(hash.clone(), 0)]);
    let first = put(storage, &desk, &hash, (0, 10_000), &bytes[..4_000]);
    assert_eq!(
        first.expect("first chunk"),
        ChunkOutcome::Partial { received: 4_000 }
    );
    assert_eq!(missing(storage, &desk, &hash), vec![(hash.clone(), 4_000)]);

    for offset in [0, 5_000] {
        let wrong = put(
            storage,
            &desk,
            &hash,
            (offset, 10_000),
            &bytes[4_000..5_000],
        );
        assert!(
            matches!(wrong, Err(BlobError::OffsetMismatch { received: 4_000 })),
            "{wrong:?}"
        );
    }
    let last = put(storage, &desk, &hash, (4_000, 10_000), &bytes[4_000..]);
    let complete = ChunkOutcome::Complete {
        length: 10_000,
        stored: true,
    };
    assert_eq!(last.expect("last chunk"), complete);
    assert_eq!(
        storage.read_blob(&desk, &hash).expect("read"),
        Some(bytes.clone())
    );
    assert!(missing(storage, &desk, &hash).is_empty());

    let again = put(storage, &desk, &hash, (0, 10_000), &bytes);
    let unchanged = ChunkOutcome::Complete {
        length: 10_000,
        stored: false,
    };
    assert_eq!(again.expect("again"), unchanged);
}

pub(crate) fn bad_blob_uploads_are_dropped(storage: &dyn Storage) {
    let desk = author("dev-a", &[EAST]);
    let hash = hash_of(b"the real photo");
    let forged = put(storage, &desk, &hash, (0, 14), b"a forged photo");
    assert!(
        matches!(forged, Err(BlobError::HashMismatch { .. })),
        "{forged:?}"
    );
    assert_eq!(storage.read_blob(&desk, &hash).expect("read"), None);
    assert_eq!(missing(storage, &desk, &hash), vec![(hash.clone(), 0)]);

    let past = put(storage, &desk, &hash, (10, 14), b"photo");
    assert!(
        matches!(past, Err(BlobError::PastEnd { length: 14 })),
        "{past:?}"
    );

    let started = put(storage, &desk, &hash, (0, 14), b"the real");
    assert_eq!(
        started.expect("start"),
        ChunkOutcome::Partial { received: 8 }
    );
    let resized = put(storage, &desk, &hash, (8, 20), b" photo");
    assert!(
        matches!(
            resized,
            Err(BlobError::LengthChanged {
                started: 14,
                declared: 20
            })
        ),
        "{resized:?}"
    );
    assert_eq!(
        missing(storage, &desk, &hash),
        vec![(hash.clone(), 0)],
        "start over"
    );
    let redone = put(storage, &desk, &hash, (0, 14), b"the real photo");
    assert!(matches!(
        redone,
        Ok(ChunkOutcome::Complete { stored: true, .. })
    ));
}

pub(crate) fn blobs_are_read_by_their_uploader_and_its_estates(storage: &dyn Storage) {
    let bytes = b"signature image".to_vec();
    let hash = hash_of(&bytes);
    let length = bytes.len() as u64;
    let uploader = author("dev-a", &[EAST]);
    put(storage, &uploader, &hash, (0, length), &bytes).expect("upload");

    let colleague = author("dev-b", &[EAST, WEST]);
    let stranger = author("dev-c", &[WEST]);
    assert_eq!(
        storage.read_blob(&colleague, &hash).expect("read"),
        Some(bytes.clone())
    );
    assert!(missing(storage, &colleague, &hash).is_empty());
    assert_eq!(storage.read_blob(&stranger, &hash).expect("read"), None);
    assert_eq!(missing(storage, &stranger, &hash), vec![(hash.clone(), 0)]);
    let moved = author("dev-a", &[]);
    assert_eq!(
        storage.read_blob(&moved, &hash).expect("read"),
        Some(bytes.clone()),
        "the uploader keeps access"
    );

    let shared = put(storage, &stranger, &hash, (0, length), &bytes).expect("upload");
    assert!(matches!(shared, ChunkOutcome::Complete { .. }));
    let westerner = author("dev-d", &[WEST]);
    assert_eq!(
        storage.read_blob(&westerner, &hash).expect("read"),
        Some(bytes)
    );
}
