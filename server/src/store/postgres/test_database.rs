//! The PostgreSQL database a test opens: one per temporary directory, on
//! the server `STAIRWELL_TEST_POSTGRES` names (`scripts/with-postgres` sets
//! it). The name is a hash of the directory, so a test that reopens its
//! directory reaches the same database. Without the variable the tests
//! fail, saying how to run them, rather than pass having checked nothing.

use std::path::Path;

use postgres::error::SqlState;
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};

use super::PostgresStorage;

/// A `postgres://` URL of a maintenance database, as a superuser.
const SERVER: &str = "STAIRWELL_TEST_POSTGRES";

/// Opens the storage on the database of `dir`, creating it if missing.
pub(super) fn open(dir: &Path) -> PostgresStorage {
    PostgresStorage::open(&create(dir)).expect("open the test database")
}

/// The URL of the database of `dir`, created if missing.
pub(super) fn create(dir: &Path) -> String {
    let server = std::env::var(SERVER).unwrap_or_default();
    assert!(
        !server.is_empty(),
        "{SERVER} is not set: run the PostgreSQL tests through scripts/with-postgres, e.g. \
         scripts/with-postgres cargo test -p stairwell-server store::postgres"
    );
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    let name = format!("stairwell_test_{}", &hex::encode(digest)[..16]);
    let mut client = Client::connect(&server, NoTls).expect("connect to STAIRWELL_TEST_POSTGRES");
    let known = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("list databases");
    if known.is_none() {
        match client.batch_execute(&format!("CREATE DATABASE {name}")) {
            Err(err) if err.code() != Some(&SqlState::DUPLICATE_DATABASE) => {
                panic!("create database {name}: {err}")
            }
            _ => {}
        }
    }
    with_database(&server, &name)
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let authority = base.find("://").map_or(0, |at| at + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |at| authority + at);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..path])
}

#[test]
fn urls_name_the_test_database() {
    assert_eq!(
        with_database("postgres://pg@127.0.0.1:5433/postgres", "t1"),
        "postgres://pg@127.0.0.1:5433/t1"
    );
    assert_eq!(
        with_database("postgres://pg@127.0.0.1:5433?sslmode=disable", "t1"),
        "postgres://pg@127.0.0.1:5433/t1?sslmode=disable"
    );
}
