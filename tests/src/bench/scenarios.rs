//! The scenarios, each against a real server process and real device
//! stores. What is timed is said beside each figure; setup (seeding,
//! enrolling) is timed too, but only reported.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use stairwell_core::kinds::repair_sheet::{Amendment, RepairSheet};
use stairwell_core::protocol::{self, SyncResponse};
use stairwell_core::record::{RecordDoc, RecordId, Role};
use stairwell_core::store::Query;
use stairwell_core::sync::session::{SyncSession, SyncStats};

use super::data::{self, full_sheet, make_parallel, small_sheet, small_sheet_in};
use super::machine::{self, CpuSpent, CpuWatch, memory};
use super::report::{Report, Target};
use super::site::BenchSite;
use super::{Options, fmt_bytes, fmt_count, fmt_duration, fmt_runs, median, percentile};
use crate::Device;
use crate::raw::{RawClient, pushed, request};
use crate::records::Clock;
use crate::server::ESTATE;

const MB: u64 = 1_000_000;
const KB: u64 = 1_000;

/// One timed sync of `device`, which must succeed with nothing refused.
fn timed_sync(device: &mut Device) -> (Duration, SyncStats) {
    let started = Instant::now();
    let stats = device.sync_ok();
    (started.elapsed(), stats)
}

/// [`timed_sync`], with the CPU time the device side and the server spent.
fn watched_sync(device: &mut Device, server_pid: u32) -> (Duration, SyncStats, CpuSpent) {
    let watch = CpuWatch::start(server_pid);
    let (time, stats) = timed_sync(device);
    (time, stats, watch.stop())
}

fn wire(stats: &SyncStats) -> u64 {
    stats.bytes_sent + stats.bytes_received + stats.blobs.bytes_sent
}

/// After a sync, the next one must find nothing to send or receive.
fn assert_quiet(device: &mut Device, what: &str) {
    let stats = device.sync_ok();
    assert_eq!(
        (stats.sent, stats.received),
        (0, 0),
        "{what}: the sync after it still moved records: {stats:?}"
    );
}

fn held(device: &Device) -> usize {
    device.store().list(&Query::new()).expect("list").len()
}

/// A server holding `n` full repair sheets (20 events each), made on one
/// device with the real verbs and pushed by its ordinary sync; shared by
/// the cold pull and the reconnect.
#[derive(Debug)]
pub struct FullEstate {
    pub site: BenchSite,
    pub seeder: Device,
    pub ids: Vec<RecordId>,
    /// A device that pulled everything (the last cold pull's).
    pub holder: Option<Device>,
    /// Records not yet changed by a reconnect round.
    next: usize,
    clock: Clock,
}

pub fn seed_full_estate(opts: &Options, report: &mut Report) -> FullEstate {
    let n = opts.sizes.cold_pull;
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("boss", Role::Admin, &[ESTATE]);
    site.add_user("reader", Role::Supervisor, &[ESTATE]);
    let mut seeder = site.device("boss");
    let signature = seeder
        .store_mut()
        .add_blob(data::SIGNATURE_BYTES)
        .expect("store the signature image");
    let editor = seeder.editor().clone();
    let clock = Clock::new();

    let started = Instant::now();
    let docs: Vec<RecordDoc> = make_parallel(0..n, |i| {
        full_sheet(&editor, &clock, i, &signature).into_doc()
    });
    let made = started.elapsed();
    let started = Instant::now();
    let ids: Vec<RecordId> = docs.iter().map(|doc| seeder.create(doc)).collect();
    drop(docs);
    let stored = started.elapsed();
    let (pushed, stats) = timed_sync(&mut seeder);
    assert_eq!(stats.sent as usize, n, "every sheet was accepted");
    report.info(
        "seed",
        &format!(
            "{} sheets × {} events: made / stored on the device / pushed",
            fmt_count(n as u64),
            data::FULL_EVENTS
        ),
        format!(
            "{} / {} / {}",
            fmt_duration(made),
            fmt_duration(stored),
            fmt_duration(pushed)
        ),
    );
    report.note(format!(
        "one device's ordinary sync: {} round trips, {} up, {} down",
        stats.round_trips,
        fmt_bytes(stats.bytes_sent),
        fmt_bytes(stats.bytes_received)
    ));
    FullEstate {
        site,
        seeder,
        ids,
        holder: None,
        next: 0,
        clock,
    }
}

/// A new device pulls every sheet of the estate.
pub fn cold_pull(opts: &Options, estate: &mut FullEstate, report: &mut Report) {
    let n = estate.ids.len();
    let mut times = Vec::new();
    let mut last = SyncStats::default();
    let mut cpu = CpuSpent::default();
    let pid = estate.site.pid();
    for _ in 0..opts.runs {
        let mut device = estate.site.device("reader");
        let (time, stats, spent) = watched_sync(&mut device, pid);
        cpu = spent;
        assert_eq!(stats.received as usize, n, "{stats:?}");
        assert_eq!(held(&device), n, "the device holds every sheet");
        assert_quiet(&mut device, "cold pull");
        times.push(time);
        last = stats;
        estate.holder = Some(device);
    }
    report.time(
        "cold pull",
        &format!(
            "new device pulls {} sheets × {} events: time (median of {})",
            fmt_count(n as u64),
            data::FULL_EVENTS,
            opts.runs
        ),
        median(&times),
        Target::Under(Duration::from_secs(1)),
    );
    report.note(format!("{}; last run's {cpu}", fmt_runs(&times)));
    report.bytes(
        "cold pull",
        "bytes on the wire (request + response bodies)",
        wire(&last),
        Target::None,
    );
    report.info("cold pull", "round trips", last.round_trips.to_string());
}

/// A device holding every sheet reconnects after some changed on the
/// server (another device added a note to each and synced).
pub fn reconnect(opts: &Options, estate: &mut FullEstate, report: &mut Report) {
    let changed = opts.sizes.reconnect_changed;
    let mut holder = match estate.holder.take() {
        Some(holder) => holder,
        None => {
            let mut device = estate.site.device("reader");
            device.sync_ok();
            device
        }
    };
    let mut times = Vec::new();
    let mut bytes = Vec::new();
    let mut last = SyncStats::default();
    let mut cpu = CpuSpent::default();
    let pid = estate.site.pid();
    for _ in 0..opts.runs {
        let start = estate.next;
        estate.next = (start + changed) % estate.ids.len().max(1);
        let at = estate.clock.at(90);
        for id in estate.ids.iter().cycle().skip(start).take(changed) {
            estate.seeder.update(*id, |record, me| {
                record.repair_sheet()?.add_note(me, at, "checked again")
            });
        }
        estate.seeder.sync_ok();
        let (time, stats, spent) = watched_sync(&mut holder, pid);
        cpu = spent;
        assert_eq!(stats.received as usize, changed, "{stats:?}");
        assert_quiet(&mut holder, "reconnect");
        times.push(time);
        bytes.push(wire(&stats));
        last = stats;
    }
    let held_n = held(&holder);
    report.time(
        "reconnect",
        &format!(
            "device holding {} reconnects, {changed} changed on the server: time (median of {})",
            fmt_count(held_n as u64),
            opts.runs
        ),
        median(&times),
        Target::Under(Duration::from_millis(100)),
    );
    report.note(format!("{}; last run's {cpu}", fmt_runs(&times)));
    bytes.sort_unstable();
    report.bytes(
        "reconnect",
        "bytes on the wire (request + response bodies, median)",
        bytes[(bytes.len() - 1) / 2],
        Target::UnderBytes(100 * KB),
    );
    report.info("reconnect", "round trips", last.round_trips.to_string());
    estate.holder = Some(holder);
}

/// What one run of the small-record push and pull measured.
#[derive(Debug, Clone, Default)]
pub struct SmallRun {
    pub made: Duration,
    pub push: Duration,
    pub push_stats: SyncStats,
    pub push_cpu: CpuSpent,
    pub pull: Duration,
    pub pull_stats: SyncStats,
    pub pull_cpu: CpuSpent,
}

/// On a fresh server: a device creates `n` small records offline (just
/// opened sheets) and syncs them; then a new device pulls them.
pub fn small_push_pull(opts: &Options, n: usize) -> SmallRun {
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("desk", Role::FrontDesk, &[ESTATE]);
    site.add_user("reader", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("desk");
    let editor = desk.editor().clone();
    let clock = Clock::new();
    let started = Instant::now();
    let docs: Vec<RecordDoc> = make_parallel(0..n, |i| small_sheet(&editor, &clock, i).into_doc());
    for doc in &docs {
        desk.create(doc);
    }
    let made = started.elapsed();
    let pid = site.pid();
    let (push, push_stats, push_cpu) = watched_sync(&mut desk, pid);
    assert_eq!(push_stats.sent as usize, n, "{push_stats:?}");
    assert_quiet(&mut desk, "cold push");
    let mut reader = site.device("reader");
    let (pull, pull_stats, pull_cpu) = watched_sync(&mut reader, pid);
    assert_eq!(pull_stats.received as usize, n, "{pull_stats:?}");
    assert_quiet(&mut reader, "cold pull of small records");
    SmallRun {
        made,
        push,
        push_stats,
        push_cpu,
        pull,
        pull_stats,
        pull_cpu,
    }
}

/// A device creates records offline and syncs them.
pub fn cold_push(opts: &Options, report: &mut Report) -> Vec<SmallRun> {
    let n = opts.sizes.cold_push;
    let runs: Vec<SmallRun> = (0..opts.runs).map(|_| small_push_pull(opts, n)).collect();
    let pushes: Vec<Duration> = runs.iter().map(|run| run.push).collect();
    let last = runs.last().cloned().unwrap_or_default();
    report.time(
        "cold push",
        &format!(
            "device syncs {} records created offline: time (median of {})",
            fmt_count(n as u64),
            opts.runs
        ),
        median(&pushes),
        Target::Under(Duration::from_millis(500)),
    );
    report.note(format!(
        "{}; last run's {}; creating them offline took {}",
        fmt_runs(&pushes),
        last.push_cpu,
        fmt_duration(last.made)
    ));
    report.bytes(
        "cold push",
        "bytes on the wire (request + response bodies)",
        wire(&last.push_stats),
        Target::None,
    );
    report.info(
        "cold push",
        "round trips",
        last.push_stats.round_trips.to_string(),
    );
    runs
}

/// Many devices, each on its own thread with its own store, push edits at
/// once; every sync call is timed.
pub fn many_devices(opts: &Options, estates: usize, report: &mut Report) {
    let devices_n = opts.sizes.devices;
    let edits = opts.sizes.edits_per_device;
    let estates = estates.clamp(1, devices_n);
    let names: Vec<String> = (1..=estates).map(|k| format!("m{k}")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut site = BenchSite::new(&opts.tmp, &name_refs, &[]);
    for name in &names {
        site.add_user(&format!("desk-{name}"), Role::FrontDesk, &[name]);
    }
    let clock = Clock::new();
    let setup = Instant::now();
    let mut devices: Vec<(Device, RecordId)> = (0..devices_n)
        .map(|d| {
            let estate = &names[d % estates];
            let mut device = site.device(&format!("desk-{estate}"));
            let sheet = small_sheet_in(device.editor(), &clock, d, estate);
            let id = device.create(sheet.doc());
            device.sync_ok();
            (device, id)
        })
        .collect();
    // Everyone up to date before the clock starts.
    for (device, _) in &mut devices {
        device.sync_ok();
    }
    let setup = setup.elapsed();

    let pid = site.pid();
    let url = site.url().to_owned();
    let barrier = Arc::new(Barrier::new(devices_n + 1));
    let threads: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(d, (mut device, id))| {
            let barrier = barrier.clone();
            let client = RawClient::new(&url);
            std::thread::Builder::new()
                .name(format!("device-{d}"))
                .stack_size(1 << 20)
                .spawn(move || {
                    let mut timing = DeviceTiming::default();
                    barrier.wait();
                    for e in 0..edits {
                        let text = format!("edit {e} from device {d}");
                        let at = clock.at(30);
                        device.update(id, |record, me| {
                            record.repair_sheet()?.add_note(me, at, &text)
                        });
                        match timed_session(&mut device, &client, &mut timing.posts) {
                            Ok((call, 1)) => timing.calls.push(call),
                            Ok((_, sent)) => timing.failures.push(format!("{sent} records sent")),
                            Err(err) => timing.failures.push(err),
                        }
                    }
                    timing
                })
                .expect("start a device thread")
        })
        .collect();
    let cpu_before = machine::cpu_time(pid).unwrap_or_default();
    let own_before = machine::own_cpu_time();
    barrier.wait();
    let started = Instant::now();
    let mut all = DeviceTiming::default();
    for thread in threads {
        let timing = thread.join().expect("a device thread");
        all.calls.extend(timing.calls);
        all.posts.extend(timing.posts);
        all.failures.extend(timing.failures);
    }
    let wall = started.elapsed();
    let cpu = machine::cpu_time(pid)
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    let own = machine::own_cpu_time().saturating_sub(own_before);
    let mem = memory(pid);
    all.calls.sort_unstable();
    all.posts.sort_unstable();

    let scenario = format!(
        "many devices ({estates} estate{} × {})",
        if estates == 1 { "" } else { "s" },
        devices_n / estates
    );
    report.time(
        &scenario,
        &format!(
            "{devices_n} devices × {edits} edits: p99 acknowledgement, POST round trip \
             (request sent → whole answer read)"
        ),
        percentile(&all.posts, 99.0),
        Target::Under(Duration::from_millis(200)),
    );
    report.note(format!(
        "p50 {}, p90 {}, max {}; {} requests",
        fmt_duration(percentile(&all.posts, 50.0)),
        fmt_duration(percentile(&all.posts, 90.0)),
        fmt_duration(all.posts.last().copied().unwrap_or_default()),
        all.posts.len()
    ));
    report.time(
        &scenario,
        "p99 per sync call (device work included: reading its store, storing the answer)",
        percentile(&all.calls, 99.0),
        Target::Under(Duration::from_millis(200)),
    );
    report.note(format!(
        "p50 {}, p90 {}, max {}; {} syncs, {} failed; all {devices_n} simulated phones share \
         this machine's CPUs with the server (bench CPU over the run {}), so this includes \
         waiting for a CPU; setup (enrol, first syncs) {}",
        fmt_duration(percentile(&all.calls, 50.0)),
        fmt_duration(percentile(&all.calls, 90.0)),
        fmt_duration(all.calls.last().copied().unwrap_or_default()),
        all.calls.len(),
        all.failures.len(),
        fmt_duration(own),
        fmt_duration(setup)
    ));
    report.info(
        &scenario,
        "throughput (acknowledged edits / wall time)",
        format!(
            "{:.0} edits/s ({} in {})",
            all.calls.len() as f64 / wall.as_secs_f64(),
            all.calls.len(),
            fmt_duration(wall)
        ),
    );
    report.info(
        &scenario,
        "server CPU over the run (utime + stime)",
        format!(
            "{} = {:.0}% of one core",
            fmt_duration(cpu),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
        ),
    );
    report.info(
        &scenario,
        "server RSS at the end / peak (VmHWM)",
        format!("{} / {}", fmt_bytes(mem.rss), fmt_bytes(mem.peak)),
    );
    if let Some(first) = all.failures.first() {
        report.say(format!(
            "{scenario}: {} syncs failed, the first: {first}",
            all.failures.len()
        ));
    }
}

/// The server alone under many pushers: each device's edits are made and
/// encoded before the clock starts (one note each, a request apiece,
/// push only), so during the run the threads only send bytes and read the
/// answers, and the latency is the server's (and the loopback's), not the
/// simulated phones' CPU work.
pub fn many_pushers(opts: &Options, report: &mut Report) {
    let (measured, _) = many_pushers_watched(opts);
    report.rows.extend(measured.rows);
    report.notes.extend(measured.notes);
}

/// [`many_pushers`], with the CPU every server process spent.
pub fn many_pushers_watched(opts: &Options) -> (Report, Duration) {
    let mut measured = Report::new();
    let report = &mut measured;
    let devices_n = opts.sizes.devices;
    let edits = opts.sizes.edits_per_device;
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("desk", Role::FrontDesk, &[ESTATE]);
    let clock = Clock::new();
    let at = clock.at(30);
    let prepared: Vec<(String, Vec<Vec<u8>>)> = (0..devices_n)
        .map(|d| {
            let mut device = site.device("desk");
            let mut sheet = small_sheet(device.editor(), &clock, d);
            device.create(sheet.doc());
            device.sync_ok();
            let bodies = (0..edits)
                .map(|e| {
                    let before = sheet.doc().heads();
                    sheet
                        .add_note(device.editor(), at, &format!("edit {e} from {d}"))
                        .expect("a note");
                    let mut ask =
                        request(0, vec![pushed(sheet.id(), sheet.doc().save_after(&before))]);
                    ask.max_records = 0;
                    protocol::encode(&ask)
                })
                .collect();
            (device.token().to_owned(), bodies)
        })
        .collect();
    let pid = site.pid();
    let url = site.url().to_owned();
    let barrier = Arc::new(Barrier::new(devices_n + 1));
    let threads: Vec<_> = prepared
        .into_iter()
        .map(|(token, bodies)| {
            let barrier = barrier.clone();
            let client = RawClient::new(&url);
            std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || {
                    barrier.wait();
                    bodies
                        .iter()
                        .map(|body| {
                            let sent = Instant::now();
                            let (status, answer) = client.post(Some(&token), body);
                            let time = sent.elapsed();
                            let accepted = status == 200
                                && protocol::decode::<SyncResponse>(&answer)
                                    .is_ok_and(|answer| answer.accepted.len() == 1);
                            (time, accepted)
                        })
                        .collect::<Vec<_>>()
                })
                .expect("start a pusher")
        })
        .collect();
    let pids = site.pids();
    let servers_before = super::backends::servers_cpu(&pids);
    let watch = CpuWatch::start(pid);
    barrier.wait();
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = threads
        .into_iter()
        .flat_map(|thread| thread.join().expect("a pusher"))
        .collect();
    let wall = started.elapsed();
    let cpu = watch.stop();
    let servers_spent = super::backends::servers_cpu(&pids).saturating_sub(servers_before);
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    let mut times: Vec<Duration> = results.iter().map(|(time, _)| *time).collect();
    times.sort_unstable();
    let scenario = format!("many pushers (1 estate × {devices_n})");
    report.time(
        &scenario,
        &format!(
            "{devices_n} clients × {edits} pre-built pushes: p99 acknowledgement (POST round trip)"
        ),
        percentile(&times, 99.0),
        Target::Under(Duration::from_millis(200)),
    );
    report.note(format!(
        "p50 {}, p90 {}, max {}; {} pushes, {failed} not accepted; {:.0} pushes/s; {cpu}",
        fmt_duration(percentile(&times, 50.0)),
        fmt_duration(percentile(&times, 90.0)),
        fmt_duration(times.last().copied().unwrap_or_default()),
        times.len(),
        times.len() as f64 / wall.as_secs_f64()
    ));
    report.time(
        &scenario,
        "p50 acknowledgement",
        percentile(&times, 50.0),
        Target::None,
    );
    report.info(
        &scenario,
        "pushes acknowledged per second",
        format!("{:.0}", times.len() as f64 / wall.as_secs_f64()),
    );
    if failed > 0 {
        report.say(format!("{scenario}: {failed} pushes were not accepted"));
    }
    (measured, servers_spent)
}

/// One device's timings in the many-devices run.
#[derive(Debug, Default)]
struct DeviceTiming {
    /// Whole sync calls.
    calls: Vec<Duration>,
    /// Each POST of them.
    posts: Vec<Duration>,
    failures: Vec<String>,
}

/// A sync as `stairwell_core::sync::http::sync` runs it (the same sans-IO
/// session, the same requests), with each POST timed on its own; the blob
/// step is left out (these devices have no blobs). Returns the whole call's
/// time and how many records the server stored.
fn timed_session(
    device: &mut Device,
    client: &RawClient,
    posts: &mut Vec<Duration>,
) -> Result<(Duration, u32), String> {
    let started = Instant::now();
    let token = device.token().to_owned();
    let store = device.store_mut();
    let mut session = SyncSession::new(store).map_err(|err| err.to_string())?;
    while let Some(body) = session.next_request(store).map_err(|err| err.to_string())? {
        let sent = Instant::now();
        let (status, answer) = client.post(Some(&token), &body);
        posts.push(sent.elapsed());
        if status != 200 {
            return Err(format!("status {status}"));
        }
        session
            .handle_response(store, &answer)
            .map_err(|err| err.to_string())?;
    }
    let stats = session.stats();
    if !stats.refused.is_empty() {
        return Err(format!("refused: {:?}", stats.refused));
    }
    Ok((started.elapsed(), stats.sent))
}

/// Pushes one batch of records with the raw protocol (push only); returns
/// how many were accepted.
fn push_batch(client: &RawClient, token: &str, docs: &[RecordDoc]) -> usize {
    let push = docs
        .iter()
        .map(|doc| pushed(doc.id(), doc.save()))
        .collect();
    let mut ask = request(0, push);
    ask.max_records = 0;
    let answer = client.sync(token, &ask);
    assert!(answer.refused.is_empty(), "{:?}", answer.refused.first());
    answer.accepted.len()
}

/// A server with many records: its memory and disk after a restart and a
/// sync that touches some of them.
pub fn big_estate(opts: &Options, report: &mut Report) {
    const SEEDERS: usize = 2;
    const BATCH: usize = 2_000;
    let n = opts.sizes.big_estate;
    let touched = opts.sizes.big_estate_sync.min(n);
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("boss", Role::Admin, &[ESTATE]);
    let clock = Clock::new();
    let url = site.url().to_owned();
    let signature = stairwell_core::store::blob_hash(data::SIGNATURE_BYTES);

    // Seeding: several devices of one admin, each making sheets with the
    // real verbs and pushing them in big batches (push only, as a device's
    // first sync of a day's work would, without the pull half). The first
    // `touched` are full sheets (20 events), which the first device keeps
    // to edit after the restart; the rest are just opened (one event):
    // making and validating 100,000 full sheets would take the bench half
    // an hour on two cores, and what is measured here (memory with a
    // bounded cache, the feed, the disk) depends little on their length.
    let started = Instant::now();
    let seeders: Vec<_> = (0..SEEDERS)
        .map(|s| {
            let issued = crate::server::issue(site.data(), "boss");
            let url = url.clone();
            let signature = signature.clone();
            std::thread::spawn(move || {
                let editor = stairwell_core::record::Editor::new(
                    issued.user.clone(),
                    issued.device_id.clone(),
                    Role::Admin,
                );
                let client = RawClient::new(&url);
                let mut kept: Vec<RepairSheet> = Vec::new();
                let mut accepted = 0;
                let mut start = s * BATCH;
                while start < n {
                    let end = (start + BATCH).min(n);
                    let sheets: Vec<RepairSheet> = (start..end)
                        .map(|i| {
                            if i < touched {
                                full_sheet(&editor, &clock, i, &signature)
                            } else {
                                small_sheet(&editor, &clock, i)
                            }
                        })
                        .collect();
                    let docs: Vec<RecordDoc> = sheets.iter().map(|s| s.doc().clone()).collect();
                    accepted += push_batch(&client, &issued.token, &docs);
                    if s == 0 && kept.len() < touched {
                        kept.extend(sheets.into_iter().take(touched - kept.len()));
                    }
                    start += SEEDERS * BATCH;
                }
                (accepted, kept, editor, issued.token)
            })
        })
        .collect();
    let mut accepted = 0;
    let mut kept = Vec::new();
    let mut editor_token = None;
    for seeder in seeders {
        let (count, sheets, editor, token) = seeder.join().expect("a seeding device");
        accepted += count;
        if !sheets.is_empty() {
            kept = sheets;
            editor_token = Some((editor, token));
        }
    }
    let seeded = started.elapsed();
    assert_eq!(accepted, n, "every seeded record was accepted");
    let seeding_mem = memory(site.pid());
    report.info(
        "big estate",
        &format!(
            "seed {} sheets: {} full (20 events), the rest just opened ({SEEDERS} devices, \
             batches of {BATCH}, raw protocol)",
            fmt_count(n as u64),
            fmt_count(touched as u64)
        ),
        format!(
            "{} ({:.0} records/s)",
            fmt_duration(seeded),
            n as f64 / seeded.as_secs_f64()
        ),
    );
    report.note(format!(
        "server RSS while seeding: {} now, {} peak",
        fmt_bytes(seeding_mem.rss),
        fmt_bytes(seeding_mem.peak)
    ));

    let start_time = site.restart();
    let idle = memory(site.pid());
    let data_dir = site.data().to_owned();
    let disk = machine::folder_bytes(&data_dir);
    let db = machine::file_bytes(&data_dir.join("stairwell.db"));
    let wal = machine::file_bytes(&data_dir.join("stairwell.db-wal"));
    report.info(
        "big estate",
        "server restart until listening / RSS idle after restart",
        format!("{} / {}", fmt_duration(start_time), fmt_bytes(idle.rss)),
    );
    report.info(
        "big estate",
        &format!("disk: data directory with {} records", fmt_count(n as u64)),
        format!(
            "{} (database {}, WAL {}, {} a record)",
            fmt_bytes(disk),
            fmt_bytes(db),
            fmt_bytes(wal),
            fmt_bytes(disk / n.max(1) as u64)
        ),
    );

    // A device syncs edits of `touched` stored records (one note each) and
    // pulls the feed since its cursor: the server loads each from storage.
    let (editor, token) = editor_token.expect("the first seeder kept sheets");
    let cursor = crate::faults::count(&data_dir, "SELECT max(seq) FROM feed");
    let at = clock.at(100);
    let push = kept
        .iter_mut()
        .map(|sheet| {
            let before = sheet.doc().heads();
            sheet
                .add_note(&editor, at, "checked again after the restart")
                .expect("a note");
            pushed(sheet.id(), sheet.doc().save_after(&before))
        })
        .collect();
    let mut ask = request(u64::try_from(cursor).unwrap_or(0), push);
    ask.max_records = 2_000;
    let client = RawClient::new(&site.url());
    let body = protocol::encode(&ask);
    let started = Instant::now();
    let (status, answer) = client.post(Some(&token), &body);
    let synced = started.elapsed();
    assert_eq!(status, 200);
    let answer: SyncResponse = protocol::decode(&answer).expect("a sync response");
    assert_eq!(answer.accepted.len(), touched);
    assert_eq!(answer.records.len(), touched);
    let after = memory(site.pid());
    report.info(
        "big estate",
        &format!(
            "one sync pushing edits of {} stored records, pulling them back",
            fmt_count(touched as u64)
        ),
        fmt_duration(synced),
    );
    report.bytes(
        "big estate",
        &format!(
            "server RSS after restart + sync of {}",
            fmt_count(touched as u64)
        ),
        after.rss,
        Target::UnderBytes(150 * MB),
    );
    report.info(
        "big estate",
        "server peak RSS since restart (VmHWM)",
        fmt_bytes(after.peak),
    );
}

/// One record with a long history: its load time and memory on the device
/// and on the server.
pub fn long_history(opts: &Options, report: &mut Report) {
    const ROUNDS: usize = 10;
    let changes = opts.sizes.long_history;
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("desk", Role::FrontDesk, &[ESTATE]);
    let clock = Clock::new();
    let mut device = site.device("desk");
    let sheet = small_sheet(device.editor(), &clock, 1);
    let id = device.create(sheet.doc());
    device.sync_ok();

    // The phone number corrected over and over: one small change each, in
    // rounds, each stored and synced (the server appends a chunk a round,
    // and compacts).
    let started = Instant::now();
    let mut sync_time = Duration::ZERO;
    let per_round = changes.div_ceil(ROUNDS);
    let mut made = 0;
    while made < changes {
        let mut record = device.record(id);
        let editor = device.editor().clone();
        {
            let sheet = record.repair_sheet().expect("a repair sheet");
            for _ in 0..per_round.min(changes - made) {
                made += 1;
                let phone = format!("139 {:04} {:04}", made / 10_000, made % 10_000);
                sheet
                    .amend(&editor, clock.at(5), Amendment::Phone(phone))
                    .expect("amend the phone");
            }
        }
        assert!(device.store_mut().save(record.doc()).expect("save"));
        let (time, _) = timed_sync(&mut device);
        sync_time += time;
    }
    let built = started.elapsed();
    let change_count = device.record(id).doc().automerge().get_changes(&[]).len();
    report.info(
        "long history",
        &format!(
            "one record, {} changes ({ROUNDS} rounds, each stored and synced)",
            fmt_count(change_count as u64)
        ),
        format!(
            "built in {} (syncs {})",
            fmt_duration(built),
            fmt_duration(sync_time)
        ),
    );

    // The device: its load of the record, and the memory it takes, in a
    // process of its own (this one has built the record and reuses freed
    // memory, which would hide the growth).
    let loads: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let record = device.record(id);
            let time = started.elapsed();
            drop(record);
            time
        })
        .collect();
    let saved = device.record(id).doc().save().len() as u64;
    report.time(
        "long history",
        "device: load the record from its store (median of 5)",
        median(&loads),
        Target::None,
    );
    report.note(format!(
        "{}; compacted document {}; device store file + WAL {}",
        fmt_runs(&loads),
        fmt_bytes(saved),
        fmt_bytes(
            machine::file_bytes(device.path())
                + machine::file_bytes(&device.path().with_extension("db-wal"))
        )
    ));
    match load_in_new_process(device.path(), id) {
        Ok(probe) => report.info(
            "long history",
            "device: RSS of a new process before → after loading the record",
            format!(
                "{} → {} (+{}), load {}",
                fmt_bytes(probe.before),
                fmt_bytes(probe.after),
                fmt_bytes(probe.after.saturating_sub(probe.before)),
                fmt_duration(probe.load)
            ),
        ),
        Err(err) => report.say(format!("long history: the load probe failed: {err}")),
    }

    // The server: restarted, so the record is not cached; the next push
    // makes it load the record from storage; the one after finds it cached.
    site.restart();
    device.set_url(&site.url());
    let idle = memory(site.pid());
    let pid = site.pid();
    let push_once = |device: &mut Device, n: usize| {
        device.update(id, |record, me| {
            record.repair_sheet()?.amend(
                me,
                clock.at(6),
                Amendment::Phone(format!("137 0000 {n:04}")),
            )
        });
        let (time, _, cpu) = watched_sync(device, pid);
        (time, cpu)
    };
    let (first, first_cpu) = push_once(&mut device, 1);
    let loaded = memory(site.pid());
    let (second, second_cpu) = push_once(&mut device, 2);
    report.time(
        "long history",
        "server: first push (one change) after a restart: loads the record from storage",
        first,
        Target::None,
    );
    report.note(format!(
        "{first_cpu}; the next push, record cached: {} ({second_cpu})",
        fmt_duration(second)
    ));
    report.info(
        "long history",
        "server: RSS idle after restart → after loading the record (peak)",
        format!(
            "{} → {} (+{}; peak {})",
            fmt_bytes(idle.rss),
            fmt_bytes(loaded.rss),
            fmt_bytes(loaded.rss.saturating_sub(idle.rss)),
            fmt_bytes(loaded.peak)
        ),
    );
    let mut reader = site.device("desk");
    let (pull, stats) = timed_sync(&mut reader);
    assert_eq!(stats.received, 1);
    let started = Instant::now();
    let record = reader.record(id);
    let load = started.elapsed();
    assert_eq!(
        record.doc().heads().len(),
        device.record(id).doc().heads().len()
    );
    report.info(
        "long history",
        "new device: pull the record / then load it",
        format!(
            "{} ({}) / {}",
            fmt_duration(pull),
            fmt_bytes(wire(&stats)),
            fmt_duration(load)
        ),
    );
    report.info(
        "long history",
        "server data directory",
        fmt_bytes(machine::folder_bytes(site.data())),
    );
}

/// What loading one record in a new process cost.
#[derive(Debug, Clone, Copy)]
pub struct LoadProbe {
    pub before: u64,
    pub after: u64,
    pub load: Duration,
}

/// The bench's hidden `__load-record STORE ID` mode: opens a device store,
/// loads one record, and prints its RSS before and after and the load time.
pub fn load_record_probe(store: &std::path::Path, id: &str) -> Result<String, String> {
    let id: RecordId = id.parse().map_err(|err| format!("{id}: {err}"))?;
    let store = stairwell_core::store::Store::open(store).map_err(|err| err.to_string())?;
    let before = machine::own_rss();
    let started = Instant::now();
    let record = store
        .load(id)
        .map_err(|err| err.to_string())?
        .ok_or("no such record")?;
    let load = started.elapsed();
    let after = machine::own_rss();
    let heads = record.doc().heads().len();
    Ok(format!(
        "before={before} after={after} load_us={} heads={heads}",
        load.as_micros()
    ))
}

/// Runs [`load_record_probe`] in a new process of the bench binary.
fn load_in_new_process(store: &std::path::Path, id: RecordId) -> Result<LoadProbe, String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let out = std::process::Command::new(exe)
        .arg("__load-record")
        .arg(store)
        .arg(id.to_string())
        .output()
        .map_err(|err| err.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{}{}", text, String::from_utf8_lossy(&out.stderr)));
    }
    let field = |name: &str| -> Result<u64, String> {
        text.split_whitespace()
            .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| format!("no {name} in {text:?}"))
    };
    Ok(LoadProbe {
        before: field("before")?,
        after: field("after")?,
        load: Duration::from_micros(field("load_us")?),
    })
}
