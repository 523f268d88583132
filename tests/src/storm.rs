//! A sync storm under SIGKILL, shared by `tests/server_kill.rs` (two kills)
//! and `tests/faults_soak.rs` (twenty and more): a real `stairwell serve`
//! process is SIGKILLed again and again in the middle of the storm and
//! started again on the same data directory (on a new port, which the
//! devices are told). Several devices keep adding notes, to a sheet they
//! share and to one of their own, syncing after each, and keep a ledger: a
//! note is acknowledged once a sync that started after it was written
//! returned Ok; the others were written offline or lost their sync to a
//! kill. At the end every device syncs until quiet.
//!
//! Then, read from the server by a device enrolled afterwards: every note
//! ever written is there exactly once, on the record it was written to (so
//! every acknowledged note survived the kills, every unacknowledged one was
//! re-sent, and a re-sent one that had in fact landed was not stored
//! twice); every device holds exactly the server's copy of every record;
//! and the server's database passes `PRAGMA integrity_check` once stopped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use stairwell_core::record::{RecordId, Role};

use crate::records::{self, Clock};
use crate::server::ESTATE;
use crate::{Device, Site};

/// How hard the storm is.
#[derive(Debug, Clone)]
pub struct StormPlan {
    pub devices: usize,
    /// Kills of the server during the storm.
    pub kills: usize,
    /// Successful syncs, across devices, before each kill and after the last
    /// restart: the storm is well under way each time.
    pub syncs_between_kills: u32,
    /// How long the server stays dead: devices keep writing and failing.
    /// Each kill picks a time between the two bounds.
    pub downtime: (Duration, Duration),
    /// After a sync is seen in flight, the kill waits up to this long, so
    /// kills land at different points of a request (decode, group commit,
    /// pull, response).
    pub kill_jitter: Duration,
    /// Bounds on the storm, whatever happens.
    pub max_notes_per_device: usize,
    pub deadline: Duration,
}

impl StormPlan {
    /// The two-kill storm of `tests/server_kill.rs`.
    pub fn two_kills() -> StormPlan {
        StormPlan {
            devices: 4,
            kills: 2,
            syncs_between_kills: 12,
            downtime: (Duration::from_millis(300), Duration::from_millis(300)),
            kill_jitter: Duration::ZERO,
            max_notes_per_device: 400,
            deadline: Duration::from_secs(40),
        }
    }
}

/// What a storm did, for the test's summary line.
#[derive(Debug, Clone, Default)]
pub struct StormReport {
    pub kills: usize,
    pub written: usize,
    pub acknowledged: usize,
    pub cut_short: usize,
    pub syncs_ok: u32,
    pub syncs_failed: u32,
    pub cut_in_flight: u32,
    pub elapsed: Duration,
}

impl std::fmt::Display for StormReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} kills, {} notes, {} acknowledged during the storm, {} sent again, {} syncs ok, \
             {} failed ({} cut in flight), {:?}",
            self.kills,
            self.written,
            self.acknowledged,
            self.cut_short,
            self.syncs_ok,
            self.syncs_failed,
            self.cut_in_flight,
            self.elapsed
        )
    }
}

/// What one device wrote and what the server acknowledged of it.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Every note written, with the record it was written to.
    pub written: Vec<(String, RecordId)>,
    pub acknowledged: Vec<String>,
    /// Notes whose sync failed at least once (the server was dead or died
    /// under it): acknowledged, if ever, only by a later sync.
    pub cut_short: BTreeSet<String>,
    pub syncs_ok: u32,
    pub syncs_failed: u32,
    /// Failures other than a refused connection: a request the kill cut.
    pub cut_in_flight: u32,
}

/// What the test thread and the device threads share.
struct Storm {
    url: Mutex<String>,
    stop: AtomicBool,
    syncs_ok: AtomicU32,
    /// Syncs under way right now: the kill waits for one, to cut it.
    in_flight: AtomicU32,
}

/// What a storm strikes: where the devices sync, and one fault.
pub trait Target {
    /// The address devices sync with now.
    fn url(&self, site: &Site) -> String;
    /// One fault, lasting about `downtime`; afterwards [`Target::url`]
    /// answers again.
    fn strike(&mut self, site: &mut Site, downtime: Duration, dice: &mut Dice);
    /// Whether devices see the faults as failed syncs (a lone server), or
    /// something in front hides them (a proxy passing a request on to
    /// another replica), so the storm cannot require failed syncs.
    fn devices_see_faults(&self) -> bool {
        true
    }
}

/// The site's one server, SIGKILLed and started again on its data (on a
/// new port).
#[derive(Debug)]
pub struct OneServer;

impl Target for OneServer {
    fn url(&self, site: &Site) -> String {
        site.url().to_owned()
    }

    fn strike(&mut self, site: &mut Site, downtime: Duration, _dice: &mut Dice) {
        site.server.kill();
        thread::sleep(downtime);
        site.server.restart();
    }
}

/// Runs the storm of `plan` on a new site with one server and checks
/// everything the module comment promises; panics on the first broken
/// promise.
pub fn run(plan: &StormPlan) -> StormReport {
    run_on(plan, &mut Site::new(), &mut OneServer)
}

/// [`run`] on `site`, striking `target`. The site's own server must be
/// running at the end, for the device that reads the server's copy; it is
/// stopped before the database is checked.
pub fn run_on(plan: &StormPlan, site: &mut Site, target: &mut dyn Target) -> StormReport {
    let clock = Clock::new();
    for n in 0..plan.devices {
        site.add_user(&format!("desk{n}"), Role::FrontDesk, &[ESTATE]);
    }
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut devices: Vec<Device> = (0..plan.devices)
        .map(|n| site.device(&format!("desk{n}")))
        .collect();

    // One sheet they all write to, and one of each device's own.
    let open = |device: &Device, n: usize| records::sheet(device.editor(), &clock, ESTATE, n);
    let shared_sheet = open(&devices[0], 9999);
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
        url: Mutex::new(target.url(site)),
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
            let max_notes = plan.max_notes_per_device;
            thread::spawn(move || write_and_sync(device, shared, own, base, max_notes, &storm))
        })
        .collect();

    let mut dice = Dice::from_clock();
    for _ in 0..plan.kills {
        let goal = storm.syncs_ok.load(Ordering::SeqCst) + plan.syncs_between_kills;
        wait_for_syncs(&storm, goal, started, plan.deadline);
        wait_for_a_sync_in_flight(&storm);
        thread::sleep(dice.between(Duration::ZERO, plan.kill_jitter));
        let downtime = dice.between(plan.downtime.0, plan.downtime.1);
        target.strike(site, downtime, &mut dice);
        *storm.url.lock().expect("url lock") = target.url(site);
    }
    let goal = storm.syncs_ok.load(Ordering::SeqCst) + plan.syncs_between_kills;
    wait_for_syncs(&storm, goal, started, plan.deadline);
    storm.stop.store(true, Ordering::SeqCst);

    let (mut devices, ledgers): (Vec<Device>, Vec<Ledger>) = workers
        .into_iter()
        .map(|worker| worker.join().expect("a device thread"))
        .unzip();

    let failed: u32 = ledgers.iter().map(|ledger| ledger.syncs_failed).sum();
    let cut_short: usize = ledgers.iter().map(|ledger| ledger.cut_short.len()).sum();
    if target.devices_see_faults() {
        assert!(failed > 0, "no sync failed: the kills hit nothing");
        assert!(cut_short > 0, "no note had to be sent again");
    }

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
    let on_server = notes_by_text(&fresh, &records);
    let written = check_ledgers(&ledgers, &on_server);

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

    // The database the kills hit is whole.
    site.server.stop();
    crate::faults::assert_integrity(site.data());

    StormReport {
        kills: plan.kills,
        written,
        acknowledged: ledgers.iter().map(|ledger| ledger.acknowledged.len()).sum(),
        cut_short,
        syncs_ok: ledgers.iter().map(|ledger| ledger.syncs_ok).sum(),
        syncs_failed: failed,
        cut_in_flight: ledgers.iter().map(|ledger| ledger.cut_in_flight).sum(),
        elapsed: started.elapsed(),
    }
}

/// Every note of `records` as `device` holds them: text → the records it is
/// on, once per time it is there.
pub fn notes_by_text(device: &Device, records: &[RecordId]) -> BTreeMap<String, Vec<RecordId>> {
    let mut found: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for id in records {
        for note in device.repair_sheet(*id).view().notes {
            found.entry(note.text).or_default().push(*id);
        }
    }
    found
}

/// Checks the ledgers against the server's notes: every acknowledged note
/// once, every written note once on its own record, nothing else. Returns
/// how many notes were written.
pub fn check_ledgers(ledgers: &[Ledger], on_server: &BTreeMap<String, Vec<RecordId>>) -> usize {
    let mut written = 0;
    for ledger in ledgers {
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
    written
}

/// One device's storm: write a note, alternately to the shared sheet and to
/// its own, then sync with whatever server address is current.
fn write_and_sync(
    mut device: Device,
    shared: RecordId,
    own: RecordId,
    base: chrono::DateTime<chrono::Utc>,
    max_notes: usize,
    storm: &Storm,
) -> (Device, Ledger) {
    let mut ledger = Ledger::default();
    let mut pending = Vec::new();
    for n in 0..max_notes {
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
fn wait_for_syncs(storm: &Storm, target: u32, started: Instant, deadline: Duration) {
    while storm.syncs_ok.load(Ordering::SeqCst) < target {
        if started.elapsed() > deadline {
            storm.stop.store(true, Ordering::SeqCst);
            panic!(
                "the storm stalled at {} successful syncs",
                storm.syncs_ok.load(Ordering::SeqCst)
            );
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// A small xorshift generator: kill timings vary from run to run without a
/// dependency, and the seed is printed so a run can be told apart.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed | 1)
    }

    pub fn from_clock() -> Dice {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.subsec_nanos());
        Dice::new(u64::from(nanos))
    }

    pub fn roll(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A duration in `[low, high]`.
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        if high <= low {
            return low;
        }
        let span = u64::try_from((high - low).as_micros()).unwrap_or(u64::MAX);
        low + Duration::from_micros(self.roll() % (span + 1))
    }
}
