//! Reconnecting after a shift costs what changed, not what exists. The front
//! desk writes 1,000 repair sheets and pushes them in one sync; a
//! technician's phone pulls them all. The desk then adds a note to 10 of
//! them. When the phone syncs again, exactly those 10 records cross the
//! wire, as changes rather than whole documents, in one round trip, and the
//! bytes received are bounded by what 10 small changes take, far below what
//! the cold pull of 1,000 took.
//!
//! The desk's own sync of the 10 notes is bounded the same way: what comes
//! back to it is only the server's receipt stamps of its 10 records (the
//! echoes), never the 990 untouched ones. And when both sides changed
//! records meanwhile (the desk 10, the phone 10, 5 of them the same), the
//! phone receives each record once: the desk's 10, the 5 overlapping ones
//! merged with its own push's echo, plus the echoes of its 5 others.

use stairwell_core::record::{RecordId, Role};
use stairwell_core::sync::session::SyncStats;
use stairwell_tests::Site;
use stairwell_tests::records::{self, Clock};
use stairwell_tests::server::ESTATE;

const RECORDS: usize = 1_000;
const CHANGED: usize = 10;

/// A generous ceiling for one changed record in a pull: its new changes (a
/// note and the server's stamp) and its index row, each a few hundred bytes.
const PER_RECORD: u64 = 4 * 1024;
/// The response envelope: version, cursor, empty lists.
const OVERHEAD: u64 = 1024;

#[test]
fn a_reconnecting_phone_receives_only_the_ten_changed_records() {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("wang", Role::Technician, &[ESTATE]);
    let mut desk = site.device("lin");
    let mut phone = site.device("wang");

    let ids: Vec<RecordId> = (0..RECORDS)
        .map(|n| {
            let sheet = records::sheet(desk.editor(), &clock, ESTATE, n);
            desk.create(sheet.doc())
        })
        .collect();
    let pushed = desk.sync_ok();
    assert_eq!(pushed.sent as usize, RECORDS);
    assert_eq!(pushed.round_trips, 1, "1,000 records go in one request");

    let cold = phone.sync_ok();
    assert_eq!(cold.received as usize, RECORDS);
    assert!(cold.round_trips <= 2, "{cold:?}");
    assert_eq!(
        phone.store().list(&Default::default()).expect("list").len(),
        RECORDS
    );

    // The desk changes 10 of them.
    let changed = &ids[..CHANGED];
    for (n, id) in changed.iter().enumerate() {
        desk.update(*id, |record, me| {
            let text = format!("resident called again ({n})");
            record.repair_sheet()?.add_note(me, clock.at(30), &text)
        });
    }
    let desk_stats = desk.sync_ok();
    assert_eq!(desk_stats.sent as usize, CHANGED);
    assert_eq!(
        desk_stats.received as usize, CHANGED,
        "the desk gets back the stamps of its 10 records and nothing else"
    );
    assert_small(&desk_stats, "the desk's push");

    // The phone reconnects.
    let warm = phone.sync_ok();
    assert_eq!(warm.received as usize, CHANGED, "{warm:?}");
    assert_eq!(warm.sent, 0);
    assert_eq!(warm.round_trips, 1, "{warm:?}");
    assert_small(&warm, "the phone's reconnect");
    assert!(
        warm.bytes_received * 50 < cold.bytes_received,
        "reconnecting took {} bytes, the cold pull {}",
        warm.bytes_received,
        cold.bytes_received
    );

    // What arrived is the desk's changes, and the rest is untouched.
    for id in changed {
        assert_eq!(phone.heads(*id), desk.heads(*id));
        assert_eq!(phone.repair_sheet(*id).view().notes.len(), 1);
    }
    let untouched = ids[RECORDS - 1];
    assert!(phone.repair_sheet(untouched).view().notes.is_empty());
    assert_eq!(phone.heads(untouched), desk.heads(untouched));

    // Nothing new: one small round trip that brings nothing.
    let idle = phone.sync_ok();
    assert_eq!((idle.received, idle.sent, idle.round_trips), (0, 0, 1));
    assert!(idle.bytes_received < OVERHEAD, "{idle:?}");

    // Both sides work at once: the desk changes 10 more records, while the
    // phone, offline, notes 10 of its own: 5 of the desk's and 5 others.
    let desks = &ids[CHANGED..2 * CHANGED];
    let phones = &ids[CHANGED + CHANGED / 2..2 * CHANGED + CHANGED / 2];
    for id in desks {
        desk.update(*id, |record, me| {
            record
                .repair_sheet()?
                .add_note(me, clock.at(40), "desk again")
        });
    }
    for id in phones {
        phone.update(*id, |record, me| {
            record
                .repair_sheet()?
                .add_note(me, clock.at(41), "seen on site")
        });
    }
    desk.sync_ok();
    let both = phone.sync_ok();
    assert_eq!(both.sent as usize, CHANGED);
    // The desk's 10, of which 5 come back merged with the phone's own echo,
    // and the echoes of the phone's 5 others: 15 records, each once.
    assert_eq!(both.received as usize, CHANGED + CHANGED / 2, "{both:?}");
    assert_eq!(both.round_trips, 1, "{both:?}");
    let ceiling = (CHANGED + CHANGED / 2) as u64 * PER_RECORD + OVERHEAD;
    assert!(both.bytes_received < ceiling, "{both:?}");
    desk.sync_ok();
    for id in desks.iter().chain(phones) {
        assert_eq!(
            phone.heads(*id),
            desk.heads(*id),
            "the copies of {id} differ"
        );
        let notes = phone.repair_sheet(*id).view().notes.len();
        let expected = usize::from(desks.contains(id)) + usize::from(phones.contains(id));
        assert_eq!(notes, expected, "{id}");
    }
    let idle = phone.sync_ok();
    assert_eq!((idle.received, idle.sent), (0, 0), "{idle:?}");
}

fn assert_small(stats: &SyncStats, what: &str) {
    let ceiling = CHANGED as u64 * PER_RECORD + OVERHEAD;
    assert!(
        stats.bytes_received < ceiling,
        "{what} received {} bytes, over {ceiling}",
        stats.bytes_received
    );
}
