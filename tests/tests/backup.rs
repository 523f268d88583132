//! Backups through real processes: a phone keeps syncing sheets with
//! photos while `stairwell admin backup` copies the live data directory;
//! `admin restore` makes a fresh directory from it, a server serves that,
//! and every record and photo acknowledged before the backup began is
//! there, readable by a phone, with the database passing SQLite's
//! integrity check. A damaged or unfinished backup is refused at restore,
//! and neither command overwrites a folder that holds something.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use stairwell_core::kinds::BlobHash;
use stairwell_core::record::{RecordId, Role};
use stairwell_core::sync::http;
use stairwell_tests::api::open_sheet_as;
use stairwell_tests::device::Device;
use stairwell_tests::server::{Server, add_estate, add_user, binary, issue};

/// What the phone had acknowledged by the server, in order.
type Acked = Arc<Mutex<Vec<(RecordId, BlobHash, Vec<u8>)>>>;

fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run stairwell admin")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A photo's bytes, different for every `n`.
fn photo(n: usize) -> Vec<u8> {
    let mut bytes = n.to_le_bytes().to_vec();
    bytes.extend((0..40_000).map(|i: usize| (i.wrapping_mul(31) ^ n) as u8));
    bytes
}

/// Opens a sheet with a photo on the phone and syncs it: once this
/// returns, the server has acknowledged both.
fn sheet_with_photo(phone: &mut Device, n: usize) -> (RecordId, BlobHash, Vec<u8>) {
    let bytes = photo(n);
    let hash = phone.store_mut().add_blob(&bytes).expect("add the photo");
    let mut sheet = open_sheet_as(phone.editor(), "e1", &format!("leak {n}"));
    sheet
        .attach_photo(phone.editor(), Utc::now(), hash.clone(), "the leak")
        .expect("attach");
    let id = phone.create(sheet.doc());
    let stats = phone.sync_ok();
    assert!(stats.blobs.error.is_none(), "{:?}", stats.blobs);
    (id, hash, bytes)
}

#[test]
fn a_backup_taken_while_phones_sync_restores_everything_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    add_estate(&data, "e1", "East");
    add_user(&data, "lin", Role::FrontDesk, &["e1"]);
    let token = issue(&data, "lin").token;
    let server = Server::start(&data, &[]);

    // The phone writes without pause, before, during and after the backup.
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop) = (acked.clone(), stop.clone());
        let (url, path) = (server.url().to_owned(), dir.path().join("phone.db"));
        std::thread::spawn(move || {
            let mut phone = Device::enroll(&path, &url, &token).expect("enroll");
            for n in 0..2_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let done = sheet_with_photo(&mut phone, n);
                acked.lock().expect("acked").push(done);
            }
        })
    };
    let started = Instant::now();
    while acked.lock().expect("acked").len() < 15 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the phone syncs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Back up until a backup overlapped a write the phone had
    // acknowledged (almost always the first).
    let mut tries = 0;
    let (before, backup, during) = loop {
        tries += 1;
        let before = acked.lock().expect("acked").clone();
        let backup = dir.path().join(format!("backup-{tries}"));
        let out = admin(&data, &["backup", "--to", backup.to_str().expect("path")]);
        assert!(out.status.success(), "{}", said(&out));
        let during = acked.lock().expect("acked").len() - before.len();
        if during > 0 || tries == 5 {
            break (before, backup, during);
        }
    };
    assert!(during > 0, "no write landed during any of {tries} backups");
    // Keep writing a little after the backup, then stop.
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("the phone's thread");
    let total = acked.lock().expect("acked").len();
    eprintln!(
        "acknowledged: {} before the backup, {during} during it, {total} in all",
        before.len()
    );

    // Restore into a fresh directory and serve it.
    let restored = dir.path().join("restored");
    let out = admin(
        &restored,
        &["restore", "--from", backup.to_str().expect("path")],
    );
    assert!(out.status.success(), "{}", said(&out));
    let conn = rusqlite::Connection::open(restored.join("stairwell.db")).expect("open");
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("check");
    assert_eq!(verdict, "ok");
    drop(conn);
    let again = Server::start(&restored, &[]);

    // A phone of the restored server (its token came back with the backup)
    // gets every record and photo acknowledged before the backup began.
    let mut reader = Device::enroll(
        &dir.path().join("reader.db"),
        again.url(),
        &issued_token(&restored),
    )
    .expect("enroll with the restored server");
    reader.sync_ok();
    let reader_token = reader.token().to_owned();
    for (id, hash, bytes) in &before {
        assert!(
            reader.has(*id),
            "record {id} acknowledged before the backup"
        );
        let photos = reader.repair_sheet(*id).view().photos.len();
        assert_eq!(photos, 1, "{id}'s photo");
        let fetched = http::download_blob(reader.store_mut(), again.url(), &reader_token, hash)
            .expect("the photo is there");
        assert_eq!(&fetched, bytes, "{hash}");
    }
}

/// A new device token for lin on the restored data directory.
fn issued_token(data: &Path) -> String {
    issue(data, "lin").token
}

#[test]
fn damaged_or_unfinished_backups_are_refused_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    add_estate(&data, "e1", "East");
    add_user(&data, "lin", Role::FrontDesk, &["e1"]);
    let token = issue(&data, "lin").token;
    let server = Server::start(&data, &[]);
    let mut phone =
        Device::enroll(&dir.path().join("phone.db"), server.url(), &token).expect("enroll");
    let (_, hash, _) = sheet_with_photo(&mut phone, 1);

    let backup = dir.path().join("backup");
    let to = backup.to_str().expect("path");
    assert!(admin(&data, &["backup", "--to", to]).status.success());
    // Never over an existing backup, nor into a data directory in use.
    let out = admin(&data, &["backup", "--to", to]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("not empty"), "{}", said(&out));
    let out = admin(&data, &["restore", "--from", to]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));

    // A photo changed in the backup is found at restore.
    let damaged = dir.path().join("damaged");
    copy_tree(&backup, &damaged);
    let blob = damaged
        .join("blobs")
        .join(&hash.as_str()[..2])
        .join(&hash.as_str()[2..]);
    std::fs::write(&blob, b"not the photo").expect("damage");
    let out = admin(
        &dir.path().join("from-damaged"),
        &["restore", "--from", damaged.to_str().expect("path")],
    );
    assert!(!out.status.success());
    assert!(said(&out).contains("holds other bytes"), "{}", said(&out));

    // A backup without its manifest was interrupted.
    std::fs::remove_file(damaged.join("BACKUP.json")).expect("remove");
    let out = admin(
        &dir.path().join("from-unfinished"),
        &["restore", "--from", damaged.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("not a finished Stairwell backup"),
        "{}",
        said(&out)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
