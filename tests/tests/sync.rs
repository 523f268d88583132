//! Devices syncing records through a real server: a sheet opened on one
//! phone reaches another whole, a change made there comes back as only the
//! change, and another estate's devices neither see nor touch it.

use std::thread;

use automerge::ActorId;
use chrono::Utc;
use stairwell_core::kinds::repair_sheet::{RepairSheet, RepairState};
use stairwell_core::protocol::RefusalCode;
use stairwell_core::record::RecordDoc;
use stairwell_tests::api::{heads, open_sheet, pushed, request, world};

#[test]
fn a_sheet_travels_between_devices_of_one_estate() {
    let w = world(&[]);
    let client = w.client();
    let mut sheet = open_sheet(&w.desk, "e1");
    let id = sheet.id().to_string();

    // Device A pushes a new sheet.
    let first = client.sync(&w.desk, &request(0, vec![pushed(&id, sheet.doc().save())]));
    assert_eq!(first.refused, vec![]);
    assert_eq!(first.accepted.len(), 1);
    assert_eq!(first.accepted[0].id, id);
    assert_eq!(heads(&first.accepted[0]), sheet.doc().heads());
    let desk_cursor = first.cursor;
    assert!(desk_cursor > 0);
    // The same response brings back only what the server added (receipt
    // stamps); a device stores what it pulls, as A does here.
    assert_eq!(first.records.len(), 1);
    assert!(!first.records[0].whole);
    assert!(first.records[0].bytes.len() < sheet.doc().save().len() / 2);
    sheet
        .doc_mut()
        .apply_changes(&first.records[0].bytes)
        .expect("merge the server's copy");

    // Device B pulls it whole, with its index row, and sees the same sheet.
    let pulled = client.sync(&w.supervisor, &request(0, vec![]));
    assert_eq!(pulled.records.len(), 1);
    let record = &pulled.records[0];
    assert!(record.whole);
    assert_eq!(record.index.state, "reported");
    assert_eq!(record.index.title, "厨房水龙头漏水");
    assert_eq!(record.index.estate, "e1");
    assert!(record.index.due.is_some(), "an urgent sheet has a deadline");
    let loaded = RecordDoc::load(&record.bytes).expect("loads");
    assert!(
        loaded.raw_events().iter().all(|e| e.received_at.is_some()),
        "stamped"
    );
    let mut copy = RepairSheet::from_doc(loaded).expect("a repair sheet");
    assert_eq!(copy.view(), sheet.view());

    // B dispatches; A gets only that change.
    let before = copy.doc().heads();
    copy.dispatch(&w.supervisor.editor, Utc::now(), "wang")
        .expect("dispatch");
    let change = copy.doc().save_after(&before);
    let dispatched = client.sync(
        &w.supervisor,
        &request(pulled.cursor, vec![pushed(&id, change)]),
    );
    assert_eq!(dispatched.refused, vec![]);
    assert_eq!(heads(&dispatched.accepted[0]), copy.doc().heads());

    let back = client.sync(&w.desk, &request(desk_cursor, vec![]));
    assert_eq!(back.records.len(), 1);
    let change = &back.records[0];
    assert!(!change.whole);
    assert!(change.bytes.len() < record.bytes.len());
    assert_eq!(change.index.state, "dispatched");
    assert_eq!(change.index.assignee.as_deref(), Some("wang"));
    sheet.doc_mut().apply_changes(&change.bytes).expect("apply");
    assert_eq!(sheet.view().state, RepairState::Dispatched);
    assert_eq!(sheet.view().technician.as_deref(), Some("wang"));

    // Nothing new: an empty page at the same cursor.
    let idle = client.sync(&w.desk, &request(back.cursor, vec![]));
    assert!(idle.records.is_empty() && !idle.more);
    assert_eq!(idle.cursor, back.cursor);
}

#[test]
fn another_estate_neither_sees_nor_touches_the_record() {
    let w = world(&[]);
    let client = w.client();
    let sheet = open_sheet(&w.desk, "e1");
    let id = sheet.id().to_string();
    client.sync(&w.desk, &request(0, vec![pushed(&id, sheet.doc().save())]));

    let other = client.sync(&w.other, &request(0, vec![]));
    assert!(other.records.is_empty());
    assert_eq!(other.cursor, 0);

    let pushed_there = client.sync(&w.other, &request(0, vec![pushed(&id, sheet.doc().save())]));
    assert_eq!(pushed_there.accepted, vec![]);
    assert_eq!(pushed_there.refused[0].code, RefusalCode::WrongEstate);

    let theirs = open_sheet(&w.other, "e1");
    let created = client.sync(
        &w.other,
        &request(0, vec![pushed(theirs.id(), theirs.doc().save())]),
    );
    assert_eq!(created.refused[0].code, RefusalCode::WrongEstate);

    // Their own estate's records do reach them.
    let own = open_sheet(&w.other, "e2");
    let stored = client.sync(
        &w.other,
        &request(0, vec![pushed(own.id(), own.doc().save())]),
    );
    assert_eq!(stored.accepted.len(), 1);
    assert_eq!(stored.records.len(), 1);
    assert_eq!(stored.records[0].id, own.id().to_string());
}

#[test]
fn concurrent_pushes_to_one_record_all_land() {
    let w = world(&[]);
    let client = w.client();
    let sheet = open_sheet(&w.desk, "e1");
    let id = sheet.id().to_string();
    client.sync(&w.desk, &request(0, vec![pushed(&id, sheet.doc().save())]));

    let threads: Vec<_> = (0..6)
        .map(|n| {
            let client = client.clone();
            let device = w.desk.clone();
            let mut copy = sheet.clone();
            // Concurrent replicas must not share an Automerge actor.
            copy.doc_mut().set_actor(ActorId::random());
            let id = id.clone();
            thread::spawn(move || {
                for k in 0..4 {
                    let before = copy.doc().heads();
                    copy.add_note(&device.editor, Utc::now(), &format!("note {n}.{k}"))
                        .expect("note");
                    let change = copy.doc().save_after(&before);
                    let answer = client.sync(&device, &request(0, vec![pushed(&id, change)]));
                    assert_eq!(answer.refused, vec![]);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("pusher");
    }

    let pulled = client.sync(&w.supervisor, &request(0, vec![]));
    let merged = RepairSheet::from_doc(RecordDoc::load(&pulled.records[0].bytes).expect("load"))
        .expect("sheet");
    assert_eq!(merged.view().notes.len(), 24);
    assert!(
        merged
            .doc()
            .raw_events()
            .iter()
            .all(|e| e.received_at.is_some())
    );

    let (_, metrics) = client.get("/metrics");
    assert!(
        metrics.contains("stairwell_records_accepted_total 25"),
        "{metrics}"
    );
}
