//! The store's behaviour on real SQLite files: what is written, what a
//! refusal leaves alone, what survives reopening, and the sync bookkeeping.

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::kinds::repair_sheet::{Intake, RepairSheet, RepairState};
use crate::kinds::{AnyRecord, IndexEntry};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind, Role};
use crate::rules::{RepairLocation, Urgency};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn desk() -> Editor {
    Editor::new("lin.desk", "desk-pc", Role::FrontDesk)
}

fn tech() -> Editor {
    Editor::new("wang.tech", "phone-wang", Role::Technician)
}

fn sheet(estate: &str, problem: &str) -> RepairSheet {
    let intake = Intake {
        resident_name: "李先生".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 1234".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    };
    RepairSheet::open(&desk(), at(1), estate, intake, at(0), None).expect("open")
}

fn insert_sheet(store: &mut Store, estate: &str, problem: &str) -> RecordId {
    let sheet = sheet(estate, problem);
    store.insert(sheet.doc()).expect("insert");
    sheet.id()
}

fn repair(record: &mut AnyRecord) -> Result<&mut RepairSheet, RecordError> {
    record.repair_sheet()
}

fn dispatch(store: &mut Store, id: RecordId, minute: i64) {
    store
        .update(id, |record| {
            repair(record)?.dispatch(&desk(), at(minute), "wang.tech")
        })
        .expect("dispatch");
}

fn note(store: &mut Store, id: RecordId, minute: i64) -> RepairSheet {
    store
        .update(id, |record| {
            let sheet = repair(record)?;
            sheet.add_note(&desk(), at(minute), &format!("note {minute}"))?;
            Ok(sheet.clone())
        })
        .expect("note")
}

fn loaded_sheet(store: &Store, id: RecordId) -> RepairSheet {
    let mut record = store.load(id).expect("load").expect("stored");
    record.repair_sheet().expect("a repair sheet").clone()
}

fn ids(entries: &[IndexEntry]) -> Vec<RecordId> {
    entries.iter().map(|entry| entry.id).collect()
}

fn stored(store: &Store, id: RecordId) -> documents::Stored {
    documents::stored(&store.conn, id)
        .expect("read")
        .expect("stored")
}

#[test]
fn inserted_record_loads_and_is_indexed() {
    let mut store = Store::open_in_memory().expect("open");
    let sheet = sheet("estate-1", "厨房水龙头漏水");
    store.insert(sheet.doc()).expect("insert");
    let loaded = loaded_sheet(&store, sheet.id());
    assert_eq!(loaded.doc().heads(), sheet.doc().heads());
    assert_eq!(loaded.view(), sheet.view());
    let entry = store.get_entry(sheet.id()).expect("entry").expect("row");
    assert_eq!(entry, sheet.index_entry(DEFAULT_TIME_ZONE));
    assert_eq!(entry.state, "reported");
    assert!(matches!(
        store.insert(sheet.doc()),
        Err(StoreError::AlreadyExists(_))
    ));
    let unknown = RecordId::random();
    assert!(store.load(unknown).expect("load").is_none());
    assert!(store.get_entry(unknown).expect("entry").is_none());
    assert!(matches!(
        store.update(unknown, |_| Ok(())),
        Err(StoreError::NotFound(id)) if id == unknown
    ));
}

#[test]
fn list_filters_by_kind_state_estate_and_assignee() {
    let mut store = Store::open_in_memory().expect("open");
    let a = insert_sheet(&mut store, "estate-1", "a");
    let b = insert_sheet(&mut store, "estate-1", "b");
    let c = insert_sheet(&mut store, "estate-2", "c");
    dispatch(&mut store, b, 2);
    let by_estate = store.list(&Query::new().estate("estate-1")).expect("list");
    assert_eq!(by_estate.len(), 2);
    assert!(ids(&by_estate).contains(&a) && ids(&by_estate).contains(&b));
    let dispatched = store.list(&Query::new().state("dispatched")).expect("list");
    assert_eq!(ids(&dispatched), vec![b]);
    let mine = store
        .list(&Query::new().assignee("wang.tech"))
        .expect("list");
    assert_eq!(ids(&mine), vec![b]);
    let sheets = Query::new().kind(RecordKind::RepairSheet).open(true);
    assert_eq!(store.list(&sheets).expect("list").len(), 3);
    let logs = Query::new().kind(RecordKind::DutyLog);
    assert!(store.list(&logs).expect("list").is_empty());
    let other = store.list(&Query::new().estate("estate-2")).expect("list");
    assert_eq!(ids(&other), vec![c]);
    assert_eq!(store.list(&Query::new().limit(1)).expect("list").len(), 1);
}

fn remote_with_entry(minute: i64, due: Option<i64>) -> (RemoteRecord, RecordId) {
    let sheet = sheet("estate-9", &format!("due {due:?}"));
    let entry = IndexEntry {
        due: due.map(at),
        due_rule: due.map(|_| "urgent_response".to_owned()),
        updated_at: at(minute),
        ..sheet.index_entry(DEFAULT_TIME_ZONE)
    };
    let record = RemoteRecord {
        bytes: sheet.doc().save(),
        entry: Some(entry),
    };
    (record, sheet.id())
}

#[test]
fn list_orders_by_deadline_then_update_with_no_deadline_last() {
    let mut store = Store::open_in_memory().expect("open");
    let (late, late_id) = remote_with_entry(1, Some(90));
    let (none_old, none_old_id) = remote_with_entry(2, None);
    let (early, early_id) = remote_with_entry(3, Some(30));
    let (none_new, none_new_id) = remote_with_entry(4, None);
    let batch = vec![none_new, late, none_old, early];
    let result = store.put_remote_many(&batch).expect("put");
    assert!(result.refused.is_empty());
    let all = store.list(&Query::new().estate("estate-9")).expect("list");
    assert_eq!(ids(&all), vec![early_id, late_id, none_old_id, none_new_id]);
    let overdue = store.list(&Query::new().due_before(at(60))).expect("list");
    assert_eq!(ids(&overdue), vec![early_id]);
    assert_eq!(all[0].due, Some(at(30)));
}

#[test]
fn refused_verb_changes_nothing() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let heads = loaded_sheet(&store, id).doc().heads();
    let entry = store.get_entry(id).expect("entry");
    let sync = store.sync_state(id).expect("sync");
    let refused = store.update(id, |record| repair(record)?.arrive(&tech(), at(5)));
    assert!(matches!(
        refused,
        Err(StoreError::Record(RecordError::NotTheirs { .. }))
    ));
    // A verb that succeeded inside the closure is dropped with the refusal.
    let refused = store.update(id, |record| {
        repair(record)?.dispatch(&desk(), at(2), "wang.tech")?;
        repair(record)?.arrive(&Editor::new("x", "y", Role::Office), at(3))
    });
    assert!(matches!(refused, Err(StoreError::Record(_))));
    assert_eq!(loaded_sheet(&store, id).doc().heads(), heads);
    assert_eq!(store.get_entry(id).expect("entry"), entry);
    assert_eq!(store.sync_state(id).expect("sync"), sync);
    assert_eq!(stored(&store, id).heads, Some(documents::sorted(heads)));
}

#[test]
fn chunks_then_compaction_keep_the_document_identical() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let mut saw_chunks = false;
    let mut compactions = 0;
    let mut previous_chunks = 0;
    for minute in 2..42 {
        let expected = note(&mut store, id, minute);
        let row = stored(&store, id);
        saw_chunks |= row.chunk_count > 0;
        if row.chunk_count < previous_chunks {
            compactions += 1;
        }
        previous_chunks = row.chunk_count;
        let loaded = loaded_sheet(&store, id);
        assert_eq!(loaded.doc().heads(), expected.doc().heads());
        assert_eq!(loaded.view(), expected.view());
        assert_eq!(row.heads, Some(documents::sorted(expected.doc().heads())));
    }
    assert!(saw_chunks, "small changes are appended as chunks");
    assert!(compactions >= 2, "chunks are folded into the snapshot");
    assert_eq!(loaded_sheet(&store, id).view().notes.len(), 40);
}

#[test]
fn save_stores_only_what_changed() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let mut copy = loaded_sheet(&store, id);
    assert!(!store.save(copy.doc()).expect("save"), "nothing changed");
    copy.dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    assert!(store.save(copy.doc()).expect("save"));
    assert_eq!(loaded_sheet(&store, id).doc().heads(), copy.doc().heads());
    assert!(store.sync_state(id).expect("state").expect("stored").dirty);
    assert_eq!(
        store.get_entry(id).expect("entry").expect("row").state,
        "dispatched"
    );
}

#[test]
fn save_merges_a_copy_loaded_before_a_sync() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let mut copy = loaded_sheet(&store, id);
    let mut server = loaded_sheet(&store, id);
    server.doc_mut().set_actor(automerge::ActorId::random());
    server
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    store.put_remote(&server.doc().save()).expect("put");
    copy.add_note(&desk(), at(3), "from the copy")
        .expect("note");
    assert!(store.save(copy.doc()).expect("save"));
    let view = loaded_sheet(&store, id).view();
    assert_eq!(view.state, RepairState::Dispatched);
    assert_eq!(view.notes.len(), 1);
}

#[test]
fn save_refuses_a_copy_edited_alongside_another_local_edit() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let mut stale = loaded_sheet(&store, id);
    note(&mut store, id, 3);
    let heads = loaded_sheet(&store, id).doc().heads();
    stale
        .add_note(&desk(), at(4), "from the stale copy")
        .expect("note");
    let err = store.save(stale.doc()).expect_err("stale");
    assert!(
        matches!(err, StoreError::Stale(stale_id) if stale_id == id),
        "{err}"
    );
    assert_eq!(loaded_sheet(&store, id).doc().heads(), heads);
}

#[test]
fn documents_loaded_from_the_store_carry_the_device_actor() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.sqlite");
    let mut store = Store::open(&path).expect("open");
    let actor = store.actor().clone();
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let loaded = store.load(id).expect("load").expect("stored");
    assert_eq!(loaded.doc().automerge().get_actor(), &actor);
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.actor(), &actor, "one actor per device, for good");
}

#[test]
fn reopening_the_file_returns_everything() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.sqlite");
    let mut store = Store::open(&path).expect("open");
    let ids: Vec<RecordId> = (0..5)
        .map(|n| insert_sheet(&mut store, "estate-1", &format!("problem {n}")))
        .collect();
    dispatch(&mut store, ids[0], 2);
    for minute in 3..10 {
        note(&mut store, ids[1], minute);
    }
    let hk: chrono_tz::Tz = "Asia/Hong_Kong".parse().expect("tz");
    store.set_estate_time_zone("estate-1", hk).expect("tz");
    store.set_feed_cursor(42).expect("cursor");
    let views: Vec<_> = ids
        .iter()
        .map(|id| loaded_sheet(&store, *id).view())
        .collect();
    let entries = store.list(&Query::new()).expect("list");
    drop(store);

    let store = Store::open(&path).expect("reopen");
    for (id, view) in ids.iter().zip(&views) {
        assert_eq!(&loaded_sheet(&store, *id).view(), view);
    }
    assert_eq!(store.list(&Query::new()).expect("list"), entries);
    assert_eq!(store.feed_cursor().expect("cursor"), 42);
    assert_eq!(store.estate_time_zone("estate-1").expect("tz"), hk);
    assert_eq!(
        store.estate_time_zone("estate-2").expect("tz"),
        DEFAULT_TIME_ZONE
    );
}

#[test]
fn a_file_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.sqlite");
    drop(Store::open(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.pragma_update(None, "user_version", schema::CURRENT + 1)
        .expect("bump");
    drop(conn);
    let err = Store::open(&path).expect_err("refused");
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(err.to_string().contains("update the app"), "{err}");
    let conn = rusqlite::Connection::open(&path).expect("raw");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version");
    assert_eq!(version, schema::CURRENT + 1);
}

#[test]
fn the_file_is_wal_with_full_sync_at_the_current_version() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(dir.path().join("device.sqlite")).expect("open");
    let pragma = |name: &str| -> String {
        store
            .conn
            .pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
            .map(|value| format!("{value:?}"))
            .expect("pragma")
    };
    assert!(pragma("journal_mode").contains("wal"));
    assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
    assert_eq!(
        pragma("user_version"),
        format!("Integer({})", schema::CURRENT)
    );
}

#[test]
fn local_writes_are_pending_until_marked_synced() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(state.dirty && state.synced_heads.is_empty());

    // Never synced: the whole document goes up.
    let pending = store.pending_changes().expect("pending");
    assert_eq!(pending.len(), 1);
    let mut server = RecordDoc::load(&pending[0].changes).expect("whole document");
    store.mark_synced(id, &pending[0].heads).expect("synced");
    assert!(store.pending_changes().expect("pending").is_empty());
    assert!(!store.sync_state(id).expect("state").expect("stored").dirty);

    // Synced once: only the new change goes up, and the server catches up.
    dispatch(&mut store, id, 2);
    let pending = store.pending_changes().expect("pending");
    assert_eq!(pending.len(), 1);
    server.apply_changes(&pending[0].changes).expect("apply");
    assert_eq!(server.heads(), loaded_sheet(&store, id).doc().heads());
    let sent = pending[0].heads.clone();

    // A write after the changes were sent keeps the record dirty.
    note(&mut store, id, 3);
    store.mark_synced(id, &sent).expect("synced");
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(state.dirty);
    assert_eq!(state.synced_heads, sent);
    let pending = store.pending_changes().expect("pending");
    server.apply_changes(&pending[0].changes).expect("apply");
    assert_eq!(server.heads(), loaded_sheet(&store, id).doc().heads());
    assert!(matches!(
        store.mark_synced(RecordId::random(), &[]),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn put_remote_of_a_newer_version_merges_rather_than_overwrites() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let mut server = loaded_sheet(&store, id);
    server.doc_mut().set_actor(automerge::ActorId::random());
    store
        .mark_synced(id, &server.doc().heads())
        .expect("synced");
    // The server gets a dispatch from the desk; the phone adds a note offline.
    server
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    note(&mut store, id, 3);
    let stored_id = store.put_remote(&server.doc().save()).expect("put");
    assert_eq!(stored_id, id);
    let merged = loaded_sheet(&store, id);
    let view = merged.view();
    assert_eq!(view.state, RepairState::Dispatched, "the server's event");
    assert_eq!(view.notes.len(), 1, "the phone's event");
    let entry = store.get_entry(id).expect("entry").expect("row");
    assert_eq!(entry.assignee.as_deref(), Some("wang.tech"));
    // The server has its own heads; the phone still owes it the note.
    let state = store.sync_state(id).expect("state").expect("stored");
    assert_eq!(state.synced_heads, documents::sorted(server.doc().heads()));
    assert!(state.dirty);
    let pending = store.pending_changes().expect("pending");
    let mut server_doc = server.into_doc();
    server_doc
        .apply_changes(&pending[0].changes)
        .expect("apply");
    assert_eq!(server_doc.heads(), merged.doc().heads());
}

#[test]
fn records_from_the_server_are_not_dirty() {
    let mut store = Store::open_in_memory().expect("open");
    let known = sheet("estate-1", "known");
    let id = store.put_remote(&known.doc().save()).expect("put");
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(!state.dirty);
    assert_eq!(state.synced_heads, documents::sorted(known.doc().heads()));
    assert!(store.pending_changes().expect("pending").is_empty());
    // Receiving the same version again changes nothing.
    store.put_remote(&known.doc().save()).expect("again");
    assert!(store.pending_changes().expect("pending").is_empty());
}

#[test]
fn records_stored_unloaded_work_like_any_other() {
    let mut store = Store::open_in_memory().expect("open");
    let (remote, id) = remote_with_entry(1, None);
    store
        .put_remote_many(std::slice::from_ref(&remote))
        .expect("put");
    assert_eq!(stored(&store, id).heads, None, "not loaded on the way in");
    let heads = documents::sorted(RecordDoc::load(&remote.bytes).expect("doc").heads());
    let state = store.sync_state(id).expect("state").expect("stored");
    assert_eq!(state.synced_heads, heads);
    assert!(!state.dirty);
    dispatch(&mut store, id, 2);
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(state.dirty);
    assert_eq!(state.synced_heads, heads, "the server had the snapshot");
    let pending = store.pending_changes().expect("pending");
    let mut server = RecordDoc::load(&remote.bytes).expect("doc");
    server.apply_changes(&pending[0].changes).expect("apply");
    assert_eq!(server.heads(), loaded_sheet(&store, id).doc().heads());
    assert!(
        pending[0].changes.len() < remote.bytes.len(),
        "only the dispatch goes up"
    );
}

#[test]
fn a_refused_document_in_a_batch_does_not_stop_the_rest() {
    let mut store = Store::open_in_memory().expect("open");
    let good = sheet("estate-1", "good");
    let batch = [
        RemoteRecord {
            bytes: b"not automerge".to_vec(),
            entry: None,
        },
        RemoteRecord {
            bytes: good.doc().save(),
            entry: None,
        },
    ];
    let result = store.put_remote_many(&batch).expect("batch");
    assert_eq!(result.stored, vec![good.id()]);
    assert_eq!(result.refused.len(), 1);
    assert_eq!(result.refused[0].0, 0);
    assert!(store.load(good.id()).expect("load").is_some());
}

#[test]
fn a_copy_with_another_header_is_refused() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    let original = loaded_sheet(&store, id);
    // Same id, created again elsewhere: a different creation change.
    let impostor =
        RecordDoc::create(RecordKind::RepairSheet, id, "estate-2", &desk(), at(1)).expect("create");
    let err = store.put_remote(&impostor.save()).expect_err("refused");
    assert!(
        matches!(err, StoreError::Record(RecordError::Invalid { .. })),
        "{err}"
    );
    assert_eq!(
        loaded_sheet(&store, id).doc().heads(),
        original.doc().heads()
    );
}

#[test]
#[ignore = "timing, run by hand: cargo test --release -p stairwell-core -- --ignored timing"]
fn timing_put_remote_many_ten_thousand() {
    let docs: Vec<RepairSheet> = (0..10_000)
        .map(|n| {
            let mut sheet = sheet("estate-1", &format!("厨房水龙头漏水 {n}"));
            sheet
                .dispatch(&desk(), at(2), "wang.tech")
                .expect("dispatch");
            sheet
        })
        .collect();
    let with_rows: Vec<RemoteRecord> = docs
        .iter()
        .map(|sheet| RemoteRecord {
            bytes: sheet.doc().save(),
            entry: Some(sheet.index_entry(DEFAULT_TIME_ZONE)),
        })
        .collect();
    let without_rows: Vec<RemoteRecord> = with_rows
        .iter()
        .map(|record| RemoteRecord {
            entry: None,
            ..record.clone()
        })
        .collect();
    let start = Instant::now();
    let loaded: Vec<AnyRecord> = with_rows
        .iter()
        .map(|record| AnyRecord::load(&record.bytes).expect("load"))
        .collect();
    println!(
        "for comparison, AnyRecord::load of 10,000 alone: {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    for record in &loaded {
        record.index_entry(DEFAULT_TIME_ZONE);
    }
    println!(
        "for comparison, index_entry of 10,000 alone: {:?}",
        start.elapsed()
    );
    for (name, batch) in [
        ("with index rows", &with_rows),
        ("loading each", &without_rows),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(dir.path().join("device.sqlite")).expect("open");
        let start = Instant::now();
        let result = store.put_remote_many(batch).expect("put");
        let elapsed = start.elapsed();
        assert_eq!(result.stored.len(), 10_000);
        println!("put_remote_many of 10,000 repair sheets, {name}: {elapsed:?}");
    }
}

#[test]
fn a_bulk_row_naming_the_wrong_record_is_caught_at_load() {
    let mut store = Store::open_in_memory().expect("open");
    let (mut remote, _) = remote_with_entry(1, None);
    let wrong = RecordId::random();
    if let Some(entry) = remote.entry.as_mut() {
        entry.id = wrong;
    }
    store.put_remote_many(&[remote]).expect("put");
    let err = store.load(wrong).expect_err("mismatch");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
}

#[test]
fn a_record_never_synced_goes_up_whole_with_its_chunks() {
    let mut store = Store::open_in_memory().expect("open");
    let id = insert_sheet(&mut store, "estate-1", "漏水");
    dispatch(&mut store, id, 2);
    note(&mut store, id, 3);
    assert!(
        stored(&store, id).chunk_count > 0,
        "chunks beside the snapshot"
    );
    let pending = store.pending_changes().expect("pending");
    assert_eq!(pending.len(), 1);
    let server = RecordDoc::load(&pending[0].changes).expect("a whole document");
    let local = loaded_sheet(&store, id);
    assert_eq!(server.heads(), local.doc().heads());
    assert_eq!(pending[0].heads, documents::sorted(local.doc().heads()));
}

/// A record synced once, and the server's copy of it with a dispatch the
/// device does not have yet.
fn synced_sheet_and_server_dispatch(store: &mut Store) -> (RecordId, RecordDoc, Vec<u8>) {
    let id = insert_sheet(store, "estate-1", "漏水");
    let pending = store.pending_changes().expect("pending");
    store.mark_synced(id, &pending[0].heads).expect("synced");
    let mut server = loaded_sheet(store, id);
    server.doc_mut().set_actor(automerge::ActorId::random());
    let before = server.doc().heads();
    server
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    let changes = server.doc().save_after(&before);
    (id, server.into_doc(), changes)
}

fn server_entry(doc: &RecordDoc) -> IndexEntry {
    AnyRecord::from_doc(doc.clone())
        .expect("a record")
        .index_entry(chrono_tz::Asia::Shanghai)
}

#[test]
fn changes_to_a_clean_record_are_stored_without_loading_it() {
    let mut store = Store::open_in_memory().expect("open");
    let (id, server, changes) = synced_sheet_and_server_dispatch(&mut store);
    let remote = RemoteChanges {
        id,
        changes,
        entry: Some(server_entry(&server)),
    };
    let batch = store.apply_remote_changes(&[remote]).expect("apply");
    assert_eq!(batch.stored, vec![id]);
    assert_eq!(stored(&store, id).heads, None, "appended unloaded");
    let entry = store.get_entry(id).expect("entry").expect("row");
    assert_eq!(
        entry.assignee.as_deref(),
        Some("wang.tech"),
        "the server's row"
    );
    let local = loaded_sheet(&store, id);
    assert_eq!(local.view().state, RepairState::Dispatched);
    assert_eq!(local.doc().heads(), server.heads());
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(!state.dirty);
    assert_eq!(state.synced_heads, documents::sorted(server.heads()));
    assert!(store.pending_changes().expect("pending").is_empty());

    // A later edit sends only itself, and it applies on the server's copy.
    note(&mut store, id, 3);
    let pending = store.pending_changes().expect("pending");
    let mut server = server;
    server.apply_changes(&pending[0].changes).expect("apply");
    assert_eq!(server.heads(), loaded_sheet(&store, id).doc().heads());
}

#[test]
fn changes_to_a_record_with_unsent_edits_are_merged() {
    let mut store = Store::open_in_memory().expect("open");
    let (id, server, changes) = synced_sheet_and_server_dispatch(&mut store);
    note(&mut store, id, 3);
    let remote = RemoteChanges {
        id,
        changes,
        entry: Some(server_entry(&server)),
    };
    store.apply_remote_changes(&[remote]).expect("apply");
    let local = loaded_sheet(&store, id);
    let view = local.view();
    assert_eq!(view.state, RepairState::Dispatched, "the server's event");
    assert_eq!(view.notes.len(), 1, "the phone's unsent note");
    let state = store.sync_state(id).expect("state").expect("stored");
    assert!(state.dirty, "the note is still owed");
    assert_eq!(state.synced_heads, documents::sorted(server.heads()));
}

#[test]
fn changes_that_are_not_automerge_are_refused_and_store_nothing() {
    let mut store = Store::open_in_memory().expect("open");
    let (id, server, _) = synced_sheet_and_server_dispatch(&mut store);
    let before = stored(&store, id);
    let remote = RemoteChanges {
        id,
        changes: b"not automerge".to_vec(),
        entry: Some(server_entry(&server)),
    };
    let batch = store.apply_remote_changes(&[remote]).expect("apply");
    assert!(batch.stored.is_empty());
    assert_eq!(batch.refused.len(), 1);
    assert_eq!(stored(&store, id).chunk_count, before.chunk_count);
    assert_eq!(loaded_sheet(&store, id).view().state, RepairState::Reported);
}
