//! A real `stairwell serve` process is SIGKILLed in the middle of a sync
//! storm, twice, and started again on the same data directory (on a new
//! port, which the devices are told). Four devices keep adding notes, to a
//! sheet they share and to one of their own, syncing after each, and keep a
//! ledger: a note is acknowledged once a sync that started after it was
//! written returned Ok; the others were written offline or lost their sync
//! to the kill. At the end every device syncs until quiet.
//!
//! Then, read from the server by a device enrolled afterwards: every note
//! ever written is there exactly once, on the record it was written to (so
//! every acknowledged note survived the kill, every unacknowledged one was
//! re-sent, and a re-sent one that had in fact landed was not stored
//! twice); and every device holds exactly the server's copy of every record.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::record::{RecordId, Role};
use stairwell_tests::records::{Clock, intake};
use stairwell_tests::server::ESTATE;
use stairwell_tests::{Device, Site};

const DEVICES: usize = 4;
/// Kills of the server during the storm.
const KILLS: usize = 2;
/// Successful syncs, across devices, before each kill and after the last
/// restart: the storm is well under way each time.
const SYNCS_BETWEEN_KILLS: u32 = 12;
/// How long the server stays dead: devices keep writing and failing.
const DOWNTIME: Duration = Duration::from_millis(300);
/// Bounds on the storm, whatever happens.
const MAX_NOTES_PER_DEVICE: usize = 400;
const DEADLINE: Duration = Duration::from_secs(40);

/// What one device wrote and what the server acknowledged of it.
#[derive(Debug, Default)]
struct Ledger {
    /// Every note written, with the record it was written to.
    written: Vec<(String, RecordId)>,
    acknowledged: Vec<String>,
    /// Notes whose sync failed at least once (the server was dead or died
    /// under it): acknowledged, if ever, only by a later sync.
    cut_short: BTreeSet<String>,
    syncs_ok: u32,
    syncs_failed: u32,
    /// Failures other than a refused connection: a request the kill cut.
    cut_in_flight: u32,
}

/// What the test thread and the device threads share.
struct Storm {
    url: Mutex<String>,
    stop: AtomicBool,
    syncs_ok: AtomicU32,
    /// Syncs under way right now: the kill waits for one, to cut it.
    in_flight: AtomicU32,
}

#[test]
fn acknowledged_changes_survive_sigkill_exactly_once() {
    let clock = Clock::new();
    let mut site = Site::new();
    for n in 0..DEVICES {
        site.add_user(&format!("desk{n}"), Role::FrontDesk, &[ESTATE]);
    }
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut devices: Vec<Device> = (0..DEVICES)
        .map(|n| site.device(&format!("desk{n}")))
        .collect();

    // One sheet they all write to, and one of each device's own.
    let open = |device: &Device, n: usize| {
        RepairSheet::open(
            device.editor(),
            clock.at(1),
            ESTATE,
            intake(&format!("138 0000 000{n}")),
            clock.at(0),
            None,
        )
        .expect("open a sheet")
    };
    let shared_sheet = open(&devices[0], 9);
    let shared = devices[0].create(shared_sheet.doc());
    let own: Vec<RecordId> = devices
        .iter_mut()
        .enumerate()
        .map(|(n, device)| {
            let sheet = open(device, n);
            device.create(sheet.doc())
        })
        .collect();
    for device in &mut devices {
        device.sync_ok();
    }
    for device in &mut devices {
        device.sync_ok();
        assert!(device.has(shared));
    }

    let records: Vec<RecordId> = std::iter::once(shared).chain(own.iter().copied()).collect();

    let storm = Arc::new(Storm {
        url: Mutex::new(site.url().to_owned()),
        stop: AtomicBool::new(false),
        syncs_ok: AtomicU32::new(0),
        in_flight: AtomicU32::new(0),
    });
    let started = Instant::now();
    let workers: Vec<_> = devices
        .into_iter()
        .zip(own)
        .map(|(device, own)| {
            let storm = storm.clone();
            let base = clock.at(10);
            thread::spawn(move || write_and_sync(device, shared, own, base, &storm))
        })
        .collect();

    for _ in 0..KILLS {
        let target = storm.syncs_ok.load(Ordering::SeqCst) + SYNCS_BETWEEN_KILLS;
        wait_for_syncs(&storm, target, started);
        wait_for_a_sync_in_flight(&storm);
        site.server.kill();
        thread::sleep(DOWNTIME);
        site.server.restart();
        *storm.url.lock().expect("url lock") = site.url().to_owned();
    }
    let target = storm.syncs_ok.load(Ordering::SeqCst) + SYNCS_BETWEEN_KILLS;
    wait_for_syncs(&storm, target, started);
    storm.stop.store(true, Ordering::SeqCst);

    let (mut devices, ledgers): (Vec<Device>, Vec<Ledger>) = workers
        .into_iter()
        .map(|worker| worker.join().expect("a device thread"))
        .unzip();

    let failed: u32 = ledgers.iter().map(|ledger| ledger.syncs_failed).sum();
    assert!(failed > 0, "no sync failed: the kills hit nothing");
    let cut_short: usize = ledgers.iter().map(|ledger| ledger.cut_short.len()).sum();
    assert!(cut_short > 0, "no note had to be sent again");

    // Everyone syncs until nothing moves: the first pass sends what is left
    // (re-sending what the kills cut short), the second brings it to all.
    for _ in 0..2 {
        for device in &mut devices {
            device.sync_ok();
        }
    }
    for device in &mut devices {
        let stats = device.sync_ok();
        assert_eq!((stats.sent, stats.received), (0, 0), "{stats:?}");
        let dirty = device.store().pending_changes().expect("pending changes");
        assert!(
            dirty.is_empty(),
            "{} still has unsent changes",
            device.user()
        );
    }

    // The server's copy, read by a device enrolled now.
    let mut fresh = site.device("chen");
    fresh.sync_ok();
    let mut on_server: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for id in &records {
        for note in fresh.repair_sheet(*id).view().notes {
            on_server.entry(note.text).or_default().push(*id);
        }
    }

    let mut written = 0;
    for ledger in &ledgers {
        for text in &ledger.acknowledged {
            let found = on_server.get(text).map_or(0, Vec::len);
            assert_eq!(
                found, 1,
                "acknowledged note {text:?} is on the server {found} times"
            );
        }
        for (text, id) in &ledger.written {
            assert_eq!(
                on_server.get(text),
                Some(&vec![*id]),
                "note {text:?} must be on record {id} exactly once"
            );
            written += 1;
        }
    }
    assert_eq!(
        on_server.len(),
        written,
        "the server holds notes nobody wrote"
    );

    // And every device holds exactly the server's copy of every record.
    for device in &devices {
        for id in &records {
            assert_eq!(
                device.heads(*id),
                fresh.heads(*id),
                "{} and the server differ on {id}",
                device.user()
            );
            assert_eq!(
                device.repair_sheet(*id).view(),
                fresh.repair_sheet(*id).view()
            );
        }
    }
    let acknowledged: usize = ledgers.iter().map(|ledger| ledger.acknowledged.len()).sum();
    let in_flight: u32 = ledgers.iter().map(|ledger| ledger.cut_in_flight).sum();
    println!(
        "{written} notes, {acknowledged} acknowledged during the storm, {cut_short} sent again, \
         {failed} syncs failed ({in_flight} cut in flight), {:?}",
        started.elapsed()
    );
}

/// One device's storm: write a note, alternately to the shared sheet and to
/// its own, then sync with whatever server address is current.
fn write_and_sync(
    mut device: Device,
    shared: RecordId,
    own: RecordId,
    base: chrono::DateTime<chrono::Utc>,
    storm: &Storm,
) -> (Device, Ledger) {
    let mut ledger = Ledger::default();
    let mut pending = Vec::new();
    for n in 0..MAX_NOTES_PER_DEVICE {
        if storm.stop.load(Ordering::SeqCst) {
            break;
        }
        let text = format!("{} note {n}", device.user());
        let target = if n % 2 == 0 { shared } else { own };
        let at = base + TimeDelta::seconds(i64::try_from(n).expect("a small count"));
        device.update(target, |record, me| {
            record.repair_sheet()?.add_note(me, at, &text)
        });
        ledger.written.push((text.clone(), target));
        pending.push(text);

        let url = storm.url.lock().expect("url lock").clone();
        if url != device.url() {
            device.set_url(&url);
        }
        storm.in_flight.fetch_add(1, Ordering::SeqCst);
        let synced = device.sync();
        storm.in_flight.fetch_sub(1, Ordering::SeqCst);
        match synced {
            Ok(stats) => {
                assert!(stats.refused.is_empty(), "{:?}", stats.refused);
                ledger.acknowledged.append(&mut pending);
                ledger.syncs_ok += 1;
                storm.syncs_ok.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(2));
            }
            Err(err) => {
                if !err.to_string().contains("Connection refused") {
                    ledger.cut_in_flight += 1;
                }
                ledger.cut_short.extend(pending.iter().cloned());
                ledger.syncs_failed += 1;
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
    (device, ledger)
}

/// Waits (a little, at most) until some device is in the middle of a sync.
fn wait_for_a_sync_in_flight(storm: &Storm) {
    let started = Instant::now();
    while storm.in_flight.load(Ordering::SeqCst) == 0
        && started.elapsed() < Duration::from_millis(500)
    {
        thread::yield_now();
    }
}

/// Waits until the devices have synced `target` times in all; stops the
/// storm and fails if that takes past the deadline.
fn wait_for_syncs(storm: &Storm, target: u32, started: Instant) {
    while storm.syncs_ok.load(Ordering::SeqCst) < target {
        if started.elapsed() > DEADLINE {
            storm.stop.store(true, Ordering::SeqCst);
            panic!(
                "the storm stalled at {} successful syncs",
                storm.syncs_ok.load(Ordering::SeqCst)
            );
        }
        thread::sleep(Duration::from_millis(5));
    }
}
