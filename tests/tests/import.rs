//! Moving a SQLite data directory into PostgreSQL, through real
//! processes: the demo serves from SQLite and a phone syncs with it; the
//! server stops, `stairwell admin --database URL import --from-data DIR`
//! copies it, and a server on PostgreSQL takes over. The phone, with its
//! old token and cursor, finds nothing new to pull, then exactly the one
//! change made since; a new phone gets every record and every photo; the
//! reports read the same; a second import into the filled database is
//! refused; and importing a directory a server still serves is refused.
//!
//! Needs the test cluster (`scripts/with-postgres`).

use std::path::Path;
use std::process::{Command, Output};

use stairwell_core::kinds::BlobHash;
use stairwell_core::sync::http;
use stairwell_tests::api::{Client, open_sheet_as};
use stairwell_tests::backend::database_for;
use stairwell_tests::device::Device;
use stairwell_tests::server::{Server, binary};

fn cluster() -> String {
    std::env::var("STAIRWELL_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("STAIRWELL_TEST_POSTGRES is not set: run this test through scripts/with-postgres")
    })
}

fn import(url: &str, from: &Path) -> Output {
    Command::new(binary())
        .args(["admin", "--database", url, "import", "--from-data"])
        .arg(from)
        .output()
        .expect("run the import")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn token(data: &Path, user: &str) -> String {
    let tokens = std::fs::read_to_string(data.join("tokens.txt")).expect("tokens.txt");
    tokens
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.first() == Some(&user)).then(|| fields[3].to_owned())
        })
        .expect("a token")
}

/// The callbacks report, without the instant it was made at.
fn report(url: &str, token: &str) -> serde_json::Value {
    let client = Client::new(url);
    let (status, body) = client.get_with_token("/v1/reports/callbacks?estate=east-court", token);
    assert_eq!(status, 200, "{body}");
    let mut report: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    report
        .as_object_mut()
        .expect("an object")
        .remove("at")
        .expect("made at");
    report
}

#[test]
fn a_sqlite_data_directory_moves_into_postgresql_and_phones_carry_on() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("demo");
    let mut demo = Server::demo(&data);
    let supervisor = token(&data, "chen.sup");
    let mut phone =
        Device::enroll(&dir.path().join("phone.db"), demo.url(), &supervisor).expect("enroll");
    let records = phone.sync_ok().received;
    assert!(records > 40, "the demo's records: {records}");
    let before = report(demo.url(), &supervisor);

    // Not while the server still serves the directory.
    let url = database_for(&cluster(), &dir.path().join("pg"));
    let busy = import(&url, &data);
    assert_eq!(busy.status.code(), Some(2), "{}", said(&busy));
    assert!(said(&busy).contains("stop that server"), "{}", said(&busy));
    assert!(demo.stop().success());

    let done = import(&url, &data);
    assert!(done.status.success(), "{}", said(&done));
    assert!(
        said(&done).contains(&format!("imported {records} records")),
        "{}",
        said(&done)
    );
    let again = import(&url, &data);
    assert_eq!(again.status.code(), Some(2), "{}", said(&again));
    assert!(said(&again).contains("already holds"), "{}", said(&again));

    let server = Server::start(&dir.path().join("replica"), &["--database", &url]);
    // The same phone, token and cursor: nothing to pull.
    phone.set_url(server.url());
    assert_eq!(phone.sync_ok().received, 0, "the cursor means the same");
    assert_eq!(
        report(server.url(), &supervisor),
        before,
        "the reports read the same"
    );

    // A new phone gets everything, photos included.
    let mut fresh =
        Device::enroll(&dir.path().join("fresh.db"), server.url(), &supervisor).expect("enroll");
    assert_eq!(fresh.sync_ok().received, records);
    let hashes: Vec<String> = {
        let conn = rusqlite::Connection::open(data.join("stairwell.db")).expect("open");
        let mut query = conn.prepare("SELECT hash FROM blobs").expect("query");
        query
            .query_map([], |row| row.get(0))
            .expect("blobs")
            .collect::<Result<_, _>>()
            .expect("hashes")
    };
    assert!(!hashes.is_empty(), "the demo has photos and signatures");
    for hash in &hashes {
        let hash: BlobHash = hash.parse().expect("a hash");
        http::download_blob(fresh.store_mut(), server.url(), &supervisor, &hash)
            .unwrap_or_else(|err| panic!("{hash} came across: {err}"));
    }

    // One change on PostgreSQL reaches the old phone, alone.
    let sheet = open_sheet_as(fresh.editor(), "east-court", "lobby light out");
    fresh.create(sheet.doc());
    fresh.sync_ok();
    assert_eq!(phone.sync_ok().received, 1);
}
