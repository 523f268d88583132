//! Which storage the tests' servers keep their state in: the SQLite file
//! of their data directory (the default), or, with
//! `STAIRWELL_TEST_BACKEND=postgres`, a PostgreSQL database of their own
//! on the cluster `STAIRWELL_TEST_POSTGRES` names (`scripts/with-postgres`
//! starts one). The same test files run against either: every `serve`,
//! `demo` and `admin` the harness starts gets [`storage_args`] for its data
//! directory, which name the same database each time for one directory.

use std::path::Path;

use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};

/// The storage of this test run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// A maintenance URL (`postgres://…/postgres`) of the test cluster.
    Postgres(String),
}

/// A backend chosen by the program rather than the environment (the
/// bench compares them in one run).
static CHOSEN: std::sync::Mutex<Option<Backend>> = std::sync::Mutex::new(None);

/// From now on, servers and admin commands started by this process use
/// `backend` (`None`: as `STAIRWELL_TEST_BACKEND` says again).
pub fn choose(backend: Option<Backend>) {
    *CHOSEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = backend;
}

/// The backend chosen, else the one `STAIRWELL_TEST_BACKEND` asks for.
pub fn backend() -> Backend {
    let chosen = CHOSEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some(chosen) = chosen {
        return chosen;
    }
    match std::env::var("STAIRWELL_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres(std::env::var("STAIRWELL_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!(
                "STAIRWELL_TEST_BACKEND=postgres needs STAIRWELL_TEST_POSTGRES: run the tests through scripts/with-postgres"
            )
        })),
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("STAIRWELL_TEST_BACKEND={other}: sqlite or postgres"),
    }
}

/// The arguments that point `stairwell serve|demo|admin` at the storage of
/// the data directory `data`: none for SQLite, `--database URL` for
/// PostgreSQL (its database made on first use).
pub fn storage_args(data: &Path) -> Vec<String> {
    match backend() {
        Backend::Sqlite => Vec::new(),
        Backend::Postgres(cluster) => vec!["--database".into(), database_for(&cluster, data)],
    }
}

/// The database of `data` on `cluster`, created if missing.
pub fn database_for(cluster: &str, data: &Path) -> String {
    let digest = Sha256::digest(data.to_string_lossy().as_bytes());
    let name = format!("sw_{}", hex(&digest[..10]));
    let mut admin = Client::connect(cluster, NoTls).expect("connect to the test cluster");
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("look for the database")
        .is_some();
    if !exists {
        // Two processes may race to make it; the loser finds it made.
        let _ = admin.batch_execute(&format!("CREATE DATABASE {name}"));
    }
    let base = cluster.rsplit_once('/').map_or(cluster, |(base, _)| base);
    format!("{base}/{name}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A query of the server's own tables for the test that reads them: the
/// first column of the first row of `sql`, as a number.
pub fn count(data: &Path, sql: &str) -> i64 {
    match backend() {
        Backend::Sqlite => sqlite(data)
            .query_row(sql, [], |row| row.get(0))
            .expect(sql),
        Backend::Postgres(cluster) => postgres(&cluster, data)
            .query_one(sql, &[])
            .expect(sql)
            .get(0),
    }
}

/// [`count`] for a text column.
pub fn text(data: &Path, sql: &str) -> String {
    match backend() {
        Backend::Sqlite => sqlite(data)
            .query_row(sql, [], |row| row.get(0))
            .expect(sql),
        Backend::Postgres(cluster) => postgres(&cluster, data)
            .query_one(sql, &[])
            .expect(sql)
            .get(0),
    }
}

fn sqlite(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("stairwell.db")).expect("open the database")
}

fn postgres(cluster: &str, data: &Path) -> Client {
    Client::connect(&database_for(cluster, data), NoTls).expect("connect to the database")
}
