//! The data directory stops taking writes: it is full (ENOSPC), or it is
//! read-only. The server must answer pushes with a clear 5xx error and
//! store nothing of them, stay up for everything else, and once the
//! condition clears, take the same pushes again; the database must pass
//! `PRAGMA integrity_check` and hold every record exactly once.
//!
//! How the conditions are made, as root in a sandbox: the data directory is
//! on a small tmpfs of its own (`mount -t tmpfs -o size=…`). Full: a filler
//! file takes every free byte, then is deleted. Read-only: a tmpfs cannot be
//! remounted read-only while the server holds its database open for
//! writing (the kernel answers EBUSY, which the test checks and prints),
//! and root ignores file modes, so the test stops the server, remounts the
//! directory read-only, and starts the server on it; then remounts it
//! read-write and starts it again. If mounting is refused (no root, no
//! tmpfs), each test prints why and skips.

use std::fs;
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::record::{RecordId, Role};
use stairwell_core::sync::http::TransportError;
use stairwell_tests::Device;
use stairwell_tests::faults::{Tmpfs, assert_integrity, count};
use stairwell_tests::records::{self, Clock};
use stairwell_tests::server::{ESTATE, Server, add_estate, add_user, binary, issue};

/// A server whose data directory is on its own tmpfs. Fields drop in
/// order: the server is killed before the tmpfs is unmounted.
struct DiskSite {
    server: Server,
    tmpfs: Tmpfs,
    dir: tempfile::TempDir,
}

impl DiskSite {
    /// `None`, with the reason printed, where mounting is impossible.
    fn new(test: &str, bytes: u64) -> Option<DiskSite> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let tmpfs = match Tmpfs::mount(&dir.path().join("mnt"), bytes) {
            Ok(tmpfs) => tmpfs,
            Err(reason) => {
                println!("SKIPPED {test}: cannot mount a tmpfs here: {reason}");
                return None;
            }
        };
        let data = tmpfs.path().join("data");
        add_estate(&data, ESTATE, "East Garden");
        add_user(&data, "lin", Role::FrontDesk, &[ESTATE]);
        add_user(&data, "chen", Role::Supervisor, &[ESTATE]);
        let server = Server::start(&data, &[]);
        Some(DiskSite { server, tmpfs, dir })
    }

    fn data(&self) -> PathBuf {
        self.tmpfs.path().join("data")
    }

    /// A device whose store lives off the tmpfs.
    fn device(&self, user: &str) -> Device {
        let issued = issue(&self.data(), user);
        let path = self.dir.path().join(format!("{}.db", issued.device_id));
        Device::enroll(&path, self.server.url(), &issued.token).expect("enroll")
    }

    fn healthy(&mut self) {
        assert!(self.server.exited().is_none(), "the server died");
        let answer = ureq::get(format!("{}/healthz", self.server.url()))
            .call()
            .expect("the server still answers")
            .body_mut()
            .read_to_string()
            .expect("healthz body");
        assert_eq!(answer.trim(), "ok");
    }
}

fn sheet(device: &Device, clock: &Clock, n: usize) -> RepairSheet {
    records::sheet(device.editor(), clock, ESTATE, n)
}

/// A sheet carrying about `bytes` of notes (a few long ones), so storing
/// it needs fresh pages (more than any free space SQLite's files may hold).
fn big_sheet(device: &Device, clock: &Clock, bytes: usize) -> RepairSheet {
    let mut sheet = sheet(device, clock, 7777);
    // Each note stays under the limit of 4,000 characters to one text.
    let line = "水管检查记录 pipe inspection notes, floor by floor; ".repeat(60);
    let mut written = 0;
    let mut n = 0;
    while written < bytes {
        let text = format!("{n}: {line}");
        written += text.len();
        sheet
            .add_note(device.editor(), clock.at(2), &text)
            .expect("a note");
        n += 1;
    }
    sheet
}

/// A push the server could not store: a 5xx with a readable reason.
fn assert_storage_error(synced: Result<stairwell_core::sync::session::SyncStats, TransportError>) {
    match synced {
        Err(TransportError::Refused { status, message }) => {
            assert!(
                status == 500 || status == 503,
                "a storage failure is a 500 or 503, not {status}: {message}"
            );
            assert!(
                message.contains("nothing of this request was stored"),
                "the error says what became of the push: {message:?}"
            );
        }
        other => panic!("a push to a server that cannot write succeeded: {other:?}"),
    }
}

fn notes(device: &Device, id: RecordId) -> usize {
    device.repair_sheet(id).view().notes.len()
}

#[test]
fn a_full_disk_is_answered_with_a_clear_error_and_nothing_breaks() {
    let Some(mut site) = DiskSite::new("full disk", 48 << 20) else {
        return;
    };
    let clock = Clock::new();
    let mut desk = site.device("lin");
    let mut observer = site.device("chen");
    let first = desk.create(sheet(&desk, &clock, 1).doc());
    desk.sync_ok();

    let (filler, filled) = site.tmpfs.fill("filler");
    assert!(filled > 0);
    let big = desk.create(big_sheet(&desk, &clock, 4 << 20).doc());
    let small = desk.create(sheet(&desk, &clock, 2).doc());
    assert_storage_error(desk.sync());
    // Again: a second failure finds the server in the same state.
    assert_storage_error(desk.sync());
    let log = site.server.log_tail(100);
    assert!(
        log.contains("full"),
        "the server's log names the cause (database or disk is full): {log}"
    );

    // The server stays up and serves what it has.
    site.healthy();
    observer.sync_ok();
    assert!(observer.has(first));
    assert!(!observer.has(big) && !observer.has(small));

    // The condition clears: the same pushes land, once.
    fs::remove_file(&filler).expect("remove the filler");
    let stats = desk.sync_ok();
    assert_eq!(stats.sent, 2, "{stats:?}");
    observer.sync_ok();
    assert!(observer.has(big) && observer.has(small));
    assert_eq!(notes(&observer, big), notes(&desk, big));
    assert_eq!(observer.heads(big), desk.heads(big));
    desk.update(first, |record, me| {
        record
            .repair_sheet()?
            .add_note(me, clock.at(3), "after the disk")
    });
    desk.sync_ok();
    observer.sync_ok();
    assert_eq!(notes(&observer, first), 1);

    site.server.stop();
    assert_integrity(&site.data());
    assert_eq!(count(&site.data(), "SELECT count(*) FROM records"), 3);
}

#[test]
fn a_read_only_data_directory_is_answered_with_a_clear_error() {
    let Some(mut site) = DiskSite::new("read-only data directory", 32 << 20) else {
        return;
    };
    let clock = Clock::new();
    let mut desk = site.device("lin");
    let mut observer = site.device("chen");
    let first = desk.create(sheet(&desk, &clock, 1).doc());
    desk.sync_ok();
    // Records the server must hold at the end.
    let mut expected = 2;

    // Under the running server the kernel refuses: its database is open for
    // writing. (Should this ever succeed, the pushes below must fail the
    // same way; the test then goes on the same.)
    let live = site.tmpfs.remount_read_only();
    println!("read-only remount under the running server: {live:?}");
    if live.is_err() {
        site.server.stop();
        site.tmpfs
            .remount_read_only()
            .expect("remount read-only with the server stopped");
        // A server started on a read-only directory either refuses to
        // start, saying why, or starts and refuses every push.
        match start_on_read_only(&site.data()) {
            Started::Refused(reason) => {
                // It names the database file and the cause.
                println!("the server refused to start on a read-only directory: {reason}");
                assert!(
                    reason.contains("error:")
                        && reason.contains("stairwell.db")
                        && reason.contains("not writable"),
                    "the refusal names the file and the cause: {reason:?}"
                );
            }
            Started::Serving(mut server) => {
                desk.set_url(server.url());
                desk.create(sheet(&desk, &clock, 2).doc());
                expected += 1;
                assert_storage_error(desk.sync());
                server.stop();
            }
        }
        site.tmpfs.remount_read_write().expect("remount read-write");
        site.server.restart();
        desk.set_url(site.server.url());
        observer.set_url(site.server.url());
    } else {
        desk.create(sheet(&desk, &clock, 2).doc());
        expected += 1;
        assert_storage_error(desk.sync());
        site.healthy();
        site.tmpfs.remount_read_write().expect("remount read-write");
    }

    // Writable again: pushes land, nothing was half-stored.
    site.healthy();
    let late = desk.create(sheet(&desk, &clock, 3).doc());
    desk.sync_ok();
    observer.sync_ok();
    assert!(observer.has(first) && observer.has(late));
    assert!(desk.store().pending_changes().expect("pending").is_empty());
    let held = observer
        .store()
        .list(&stairwell_core::store::Query::new())
        .expect("list")
        .len();
    assert_eq!(held, expected, "records on the server");

    site.server.stop();
    assert_integrity(&site.data());
}

enum Started {
    Refused(String),
    Serving(Box<Server>),
}

/// Starts `stairwell serve` on `data`; a server that exits instead of
/// announcing its address is a refusal, with what it said.
fn start_on_read_only(data: &Path) -> Started {
    let mut child = Command::new(binary())
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stairwell serve");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    let _ = BufReader::new(stdout).read_line(&mut line);
    if line.starts_with("listening on ") {
        let _ = child.kill();
        let _ = child.wait();
        // Started: run it the ordinary way, to speak to it.
        return Started::Serving(Box::new(Server::start(data, &[])));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server neither served nor exited"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        !status.success(),
        "a server that could not serve exits with an error"
    );
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    Started::Refused(stderr)
}
