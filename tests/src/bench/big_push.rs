//! Judging costs what a push adds: pushes of 1, 1,000 and 100,000 new
//! duty-log entries onto a log that already holds a long history, while
//! other devices keep making small pushes. Reports each big push's round
//! trip (the writer holds it for about that long) and the p99 of the small
//! pushes acknowledged meanwhile. 100,000 entries is over the default limit
//! of events per record, so that push is refused before its steps are judged.
//!
//! The entries are written with raw Automerge operations, one change per
//! entry as a phone offline makes them (100 entries a change for the
//! largest push), so building them costs the bench little.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::Utc;
use stairwell_core::kinds::duty_log::DutyLog;
use stairwell_core::protocol::{self, SyncResponse};
use stairwell_core::record::{RecordId, Role};
use stairwell_core::rules::duty_day::duty_day_of;

use super::data::small_sheet;
use super::report::{Report, Target};
use super::site::BenchSite;
use super::{Options, fmt_count, fmt_duration, percentile};
use crate::raw::{RawClient, pushed, request};
use crate::records::Clock;
use crate::server::ESTATE;

/// Entries the log holds before the big pushes.
const HISTORY: usize = 8_000;
/// Devices making small pushes meanwhile.
const BYSTANDERS: usize = 4;

pub fn big_push(opts: &Options, report: &mut Report) {
    let history = if opts.quick { 2_000 } else { HISTORY };
    let mut site = BenchSite::new(&opts.tmp, &[ESTATE], &[]);
    site.add_user("desk", Role::FrontDesk, &[ESTATE]);
    let desk = site.device("desk");
    let (user, device) = (desk.identity().user.clone(), desk.identity().device.clone());
    let client = RawClient::new(&site.url());

    // The log with its history, pushed whole.
    let tz = chrono_tz::Asia::Shanghai;
    let log = DutyLog::open_for_day(ESTATE, duty_day_of(Utc::now(), tz), tz).expect("log");
    let id = log.id();
    let mut doc = log.doc().automerge().fork();
    append_entries(&mut doc, (&user, &device), history, 100);
    let (time, answer) = push(&client, desk.token(), id, doc.save());
    assert_eq!(
        answer.accepted.len(),
        1,
        "history refused: {:?}",
        answer.refused
    );
    let scenario = format!("big push (a log of {} entries)", fmt_count(history as u64));
    report.info(
        &scenario,
        "the history, pushed as a new record",
        fmt_duration(time),
    );

    let bystanders = Bystanders::start(&mut site, BYSTANDERS);
    for (entries, per_change) in [(1, 1), (1_000, 1), (100_000, 100)] {
        let base = doc.get_heads();
        let mut grown = doc.fork();
        append_entries(&mut grown, (&user, &device), entries, per_change);
        let bytes = grown.save_after(&base);
        let started = Instant::now();
        let (time, answer) = push(&client, desk.token(), id, bytes.clone());
        // Let the small pushes sent meanwhile come back before counting.
        std::thread::sleep(Duration::from_millis(300));
        let others = bystanders.p99_since(started, started + time);
        let outcome = match (answer.accepted.first(), answer.refused.first()) {
            (Some(_), _) => {
                doc = grown;
                "accepted".to_owned()
            }
            (_, Some(refused)) => format!("refused {}: {}", refused.code.as_str(), refused.message),
            _ => "no answer".to_owned(),
        };
        report.time(
            &scenario,
            &format!(
                "push of {} new entries ({} changes, {} KiB): round trip",
                fmt_count(entries as u64),
                fmt_count(entries.div_ceil(per_change) as u64),
                bytes.len() / 1024
            ),
            time,
            if entries <= 1_000 {
                Target::Under(Duration::from_millis(100))
            } else {
                Target::None
            },
        );
        report.note(format!(
            "{outcome}; other devices' small pushes meanwhile: {others}"
        ));
    }
    let total = bystanders.stop();
    report.note(format!(
        "{total} small pushes by {BYSTANDERS} other devices in all"
    ));
}

/// Appends `count` duty-log entries by `who`, `per_change` a change.
fn append_entries(doc: &mut Automerge, who: (&str, &str), count: usize, per_change: usize) {
    let events = match doc.get(ROOT, "events").expect("read") {
        Some((Value::Object(_), events)) => events,
        other => panic!("no events list: {other:?}"),
    };
    let mut written = 0;
    while written < count {
        let mut tx = doc.transaction();
        for _ in 0..per_change.min(count - written) {
            let end = tx.length(&events);
            let map = tx
                .insert_object(&events, end, ObjType::Map)
                .expect("insert");
            let data = serde_json::json!({
                "text": format!("call {written}: lift 2 stuck again"),
                "category": "call", "important": false, "follow_up": false,
                "refers_to": null
            });
            tx.put(&map, "id", uuid::Uuid::new_v4().to_string())
                .expect("id");
            tx.put(&map, "type", "entry_appended").expect("type");
            tx.put(
                &map,
                "at",
                ScalarValue::Timestamp(Utc::now().timestamp_millis()),
            )
            .expect("at");
            tx.put(&map, "user", who.0).expect("user");
            tx.put(&map, "device", who.1).expect("device");
            tx.put(&map, "data", data.to_string()).expect("data");
            written += 1;
        }
        tx.commit();
    }
}

fn push(client: &RawClient, token: &str, id: RecordId, bytes: Vec<u8>) -> (Duration, SyncResponse) {
    let mut ask = request(0, vec![pushed(id, bytes)]);
    ask.max_records = 0;
    let body = protocol::encode(&ask);
    let started = Instant::now();
    let (status, answer) = client.post(Some(token), &body);
    let time = started.elapsed();
    assert_eq!(status, 200, "the big push failed as a whole");
    (time, protocol::decode(&answer).expect("a sync response"))
}

/// Devices pushing one small note after another, timing each.
struct Bystanders {
    stop: Arc<AtomicBool>,
    times: Arc<Mutex<Vec<(Instant, Duration)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Bystanders {
    fn start(site: &mut BenchSite, count: usize) -> Bystanders {
        let clock = Clock::new();
        let stop = Arc::new(AtomicBool::new(false));
        let times = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..count)
            .map(|n| {
                let mut device = site.device("desk");
                let mut sheet = small_sheet(device.editor(), &clock, n);
                device.create(sheet.doc());
                device.sync_ok();
                let client = RawClient::new(&site.url());
                let token = device.token().to_owned();
                let editor = device.editor().clone();
                let (stop, times) = (stop.clone(), times.clone());
                std::thread::spawn(move || {
                    // Bounded: at most 100,000 pushes, or until told to stop.
                    for edit in 0..100_000 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let before: Vec<ChangeHash> = sheet.doc().heads();
                        sheet
                            .add_note(&editor, clock.at(30), &format!("edit {edit}"))
                            .expect("a note");
                        let bytes = sheet.doc().save_after(&before);
                        let sent = Instant::now();
                        let (time, _) = push(&client, &token, sheet.id(), bytes);
                        if let Ok(mut times) = times.lock() {
                            times.push((sent, time));
                        }
                    }
                })
            })
            .collect();
        Bystanders {
            stop,
            times,
            threads,
        }
    }

    /// The p99 of the small pushes sent between `since` and `until`.
    fn p99_since(&self, since: Instant, until: Instant) -> String {
        let mut window: Vec<Duration> = self
            .times
            .lock()
            .map(|times| {
                times
                    .iter()
                    .filter(|(sent, _)| *sent >= since && *sent <= until)
                    .map(|(_, time)| *time)
                    .collect()
            })
            .unwrap_or_default();
        window.sort_unstable();
        if window.is_empty() {
            return "none acknowledged".into();
        }
        format!(
            "p99 {} over {} pushes",
            fmt_duration(percentile(&window, 99.0)),
            window.len()
        )
    }

    fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
        self.times.lock().map(|times| times.len()).unwrap_or(0)
    }
}
