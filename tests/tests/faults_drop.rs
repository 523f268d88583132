//! Clients that hang up: raw TCP connections send a device's real sync
//! request (the body its own session builds, with its pending changes)
//! and then go away at different points: before reading anything, after a
//! few bytes of the response, halfway through the response, or halfway
//! through their own request body. Meanwhile another device keeps syncing.
//!
//! The server must keep serving (health checks, the other device, the
//! device itself), and nothing may be lost or doubled: a push whose answer
//! was never read may or may not have landed; the device does not know, so
//! its next ordinary sync sends the same changes again, and each note must
//! then be on the server exactly once.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::protocol::{CONTENT_TYPE, SYNC_PATH};
use stairwell_core::record::{RecordId, Role};
use stairwell_core::store::Query;
use stairwell_core::sync::session::SyncSession;
use stairwell_tests::records::{self, Clock};
use stairwell_tests::server::ESTATE;
use stairwell_tests::storm::notes_by_text;
use stairwell_tests::{Device, Site};

/// Where a client hangs up.
#[derive(Debug, Clone, Copy)]
enum HangUp {
    /// Sends the whole request, closes without reading.
    BeforeReading,
    /// Reads a few bytes of the response (the status line), closes.
    AfterFewBytes,
    /// Reads about half of the response body, closes.
    HalfwayThroughResponse,
    /// Sends the headers and half the body, closes.
    HalfwayThroughRequest,
}

const ALL: [HangUp; 4] = [
    HangUp::BeforeReading,
    HangUp::AfterFewBytes,
    HangUp::HalfwayThroughResponse,
    HangUp::HalfwayThroughRequest,
];

fn sheet(device: &Device, clock: &Clock, n: usize) -> RepairSheet {
    records::sheet(device.editor(), clock, ESTATE, n)
}

/// Sends `body` as a sync request over a raw connection and hangs up as
/// `how` says. Returns how many response bytes were read.
fn send_and_hang_up(url: &str, token: &str, body: &[u8], how: HangUp) -> usize {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST {SYNC_PATH} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    if let HangUp::HalfwayThroughRequest = how {
        stream
            .write_all(&body[..body.len() / 2])
            .expect("send half");
        drop(stream);
        return 0;
    }
    stream.write_all(body).expect("send the body");
    stream.flush().expect("flush");
    let mut read = 0;
    match how {
        HangUp::BeforeReading | HangUp::HalfwayThroughRequest => {}
        HangUp::AfterFewBytes => {
            let mut buf = [0_u8; 12];
            read = stream.read(&mut buf).expect("read a few bytes");
        }
        HangUp::HalfwayThroughResponse => {
            // The head, then half of what Content-Length announces.
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut byte).expect("read the head");
                assert!(n == 1, "the server closed before its answer's head");
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head).to_lowercase();
            assert!(text.starts_with("http/1.1 200"), "{text}");
            let length: usize = text
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .expect("a content length");
            let mut body = vec![0_u8; length / 2];
            stream.read_exact(&mut body).expect("read half the body");
            read = head.len() + body.len();
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    read
}

fn healthz(url: &str) {
    let text = ureq::get(format!("{url}/healthz"))
        .call()
        .expect("the server answers")
        .body_mut()
        .read_to_string()
        .expect("a body");
    assert_eq!(text.trim(), "ok");
}

#[test]
fn clients_that_hang_up_lose_and_double_nothing() {
    const ROUNDS: usize = 16;
    let clock = Clock::new();
    let mut site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("he", Role::FrontDesk, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("lin");
    let mut busy = site.device("he");

    // Enough records that every answer to a device at cursor 0 is long.
    for n in 0..300 {
        busy.create(sheet(&busy, &clock, n).doc());
    }
    let busy_sheet = busy.create(sheet(&busy, &clock, 999).doc());
    busy.sync_ok();
    let mut records: Vec<RecordId> = vec![busy_sheet];

    // The other device keeps adding notes and syncing the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let background = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut written = Vec::new();
            while !stop.load(Ordering::SeqCst) && written.len() < 500 {
                let text = format!("busy note {}", written.len());
                busy.update(busy_sheet, |record, me| {
                    record.repair_sheet()?.add_note(me, clock.at(5), &text)
                });
                busy.sync_ok();
                written.push(text);
                thread::sleep(Duration::from_millis(5));
            }
            (busy, written)
        })
    };

    let own = desk.create(sheet(&desk, &clock, 1).doc());
    records.push(own);
    let mut written = Vec::new();
    let token = desk.token().to_owned();
    for round in 0..ROUNDS {
        let how = ALL[round % ALL.len()];
        // A new record now and then, and always a new note: the cut request
        // carries both, as the device's own session builds it.
        if round % 4 == 1 {
            records.push(desk.create(sheet(&desk, &clock, 100 + round).doc()));
        }
        let text = format!("desk note {round}");
        desk.update(own, |record, me| {
            record.repair_sheet()?.add_note(me, clock.at(6), &text)
        });
        written.push((text, own));
        let body = {
            let store = desk.store();
            let mut session = SyncSession::new(store).expect("a session");
            session
                .next_request(store)
                .expect("a request")
                .expect("a first request")
        };
        let read = send_and_hang_up(site.url(), &token, &body, how);
        println!("round {round}: {how:?}, read {read} bytes of the answer");
        // The server is still there for everyone.
        healthz(site.url());
        assert!(site.server.exited().is_none(), "the server died");
        // Every third round the device syncs for real: it sends again what
        // the cut request carried.
        if round % 3 == 2 {
            desk.sync_ok();
        }
    }
    stop.store(true, Ordering::SeqCst);
    let (mut busy, busy_written) = background.join().expect("the busy device never failed");
    assert!(!busy_written.is_empty());

    desk.sync_ok();
    busy.sync_ok();
    let stats = desk.sync_ok();
    assert_eq!((stats.sent, stats.received), (0, 0), "{stats:?}");

    let mut fresh = site.device("chen");
    fresh.sync_ok();
    let on_server = notes_by_text(&fresh, &records);
    for (text, id) in &written {
        assert_eq!(
            on_server.get(text),
            Some(&vec![*id]),
            "note {text:?} must be on the server exactly once"
        );
    }
    for text in &busy_written {
        assert_eq!(
            on_server.get(text),
            Some(&vec![busy_sheet]),
            "the busy device's note {text:?} must be there exactly once"
        );
    }
    assert_eq!(on_server.len(), written.len() + busy_written.len());
    for id in &records {
        assert_eq!(desk.heads(*id), fresh.heads(*id), "desk and server differ");
    }
    let held = fresh.store().list(&Query::new()).expect("list").len();
    assert_eq!(held, 301 + records.len() - 1, "records on the server");
}
