//! A rough timing of the paths PERFORMANCE.md sets floors for: bulk push,
//! cold pull, reconnect after a few changes. Ignored by default (it takes a
//! while in a debug build); run with
//! `cargo test --release -p stairwell-server --test perf_smoke -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use chrono::Utc;
use common::{open_sheet, pushed, request, world};

#[test]
#[ignore = "timing, not correctness"]
fn bulk_push_cold_pull_and_reconnect() {
    let records = 5_000;
    let w = world(&[]);
    let client = w.client();
    let mut sheets: Vec<_> = (0..records).map(|_| open_sheet(&w.desk, "e1")).collect();

    let started = Instant::now();
    let mut desk_cursor = 0;
    for batch in sheets.chunks(1_000) {
        let push = batch
            .iter()
            .map(|sheet| pushed(sheet.id(), sheet.doc().save()))
            .collect();
        // Push only: the pull half is timed on its own below.
        let mut ask = request(desk_cursor, push);
        ask.max_records = 0;
        let answer = client.sync(&w.desk, &ask);
        assert_eq!(answer.accepted.len(), batch.len());
        desk_cursor = answer.cursor;
    }
    println!(
        "push {records} new records in 1000s: {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let (mut cursor, mut pulled, mut bytes) = (0, 0, 0);
    loop {
        let mut ask = request(cursor, vec![]);
        ask.max_records = 2_000;
        let page = client.sync(&w.supervisor, &ask);
        pulled += page.records.len();
        bytes += page.records.iter().map(|r| r.bytes.len()).sum::<usize>();
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(pulled, records);
    println!(
        "cold pull of {pulled}: {:?}, {} KiB",
        started.elapsed(),
        bytes / 1024
    );

    let changed: Vec<_> = sheets
        .iter_mut()
        .take(50)
        .map(|sheet| {
            let before = sheet.doc().heads();
            sheet
                .add_note(&w.desk.editor, Utc::now(), "checked again")
                .expect("note");
            pushed(sheet.id(), sheet.doc().save_after(&before))
        })
        .collect();
    let started = Instant::now();
    let mut ask = request(desk_cursor, changed);
    ask.max_records = 0;
    let answer = client.sync(&w.desk, &ask);
    assert_eq!(answer.accepted.len(), 50);
    println!("push 50 changes: {:?}", started.elapsed());

    let started = Instant::now();
    let page = client.sync(&w.supervisor, &request(cursor, vec![]));
    let bytes: usize = page.records.iter().map(|r| r.bytes.len()).sum();
    assert_eq!(page.records.len(), 50);
    assert!(page.records.iter().all(|r| !r.whole));
    println!(
        "reconnect pull of 50 changes: {:?}, {bytes} bytes",
        started.elapsed()
    );
}
