//! [`Storage`] over PostgreSQL 15, for several server replicas sharing one
//! database where SQLite allows one process.
//!
//! What changes when more than one process writes, and where each answer
//! lives:
//! - the feed: sequence numbers are handed out in commit order across every
//!   connection of every replica (`commit/`, the advisory lock of
//!   `FEED_LOCK`);
//! - a pull reads its feed window and every record's bytes from one
//!   snapshot (`feed.rs`, REPEATABLE READ, read only);
//! - enrollment codes, users and uploads take row or advisory locks where
//!   SQLite relied on having one writer (`accounts.rs`, `blobs.rs`);
//! - blob bytes are rows of the database, since replicas on several
//!   machines share no directory (`blobs.rs`);
//! - every replica hears every commit (`notify.rs`, LISTEN/NOTIFY);
//! - migrations run under a session advisory lock, so replicas starting
//!   together do not race (`schema.rs`).
//!
//! Connections come from an r2d2 pool; every method checks one out for
//! its whole operation (one transaction where its statements must see or
//! change the database together) and gives it back. Round trips are what
//! an operation costs with the database across a network, so the hot
//! paths count them: a group commit and a pull page take a few statements
//! whatever their size (`commit/`, `feed.rs`, `batch.rs`), statements go
//! out typed rather than prepared first, and a connection that just
//! served a sync goes out again without the pool's test (`pool.rs`).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::{Client, Config};
use r2d2_postgres::r2d2::{Pool, PooledConnection};
use stairwell_core::record::Role;
use stairwell_core::sync::judge::Author;

use super::{
    Estate, FeedPage, IndexFn, NewDevice, NewEnrollmentCode, NewUser, RecordWrite, Redeemed,
    Storage, StorageError, StoredRecord,
};

mod accounts;
mod batch;
mod blobs;
mod commit;
#[cfg(test)]
mod conformance_tests;
mod console;
mod feed;
mod guards;
pub mod import;
mod notify;
mod pool;
mod read_models;
mod records;
#[cfg(test)]
mod replica_tests;
pub mod schema;
#[cfg(test)]
mod test_database;
mod tls;

/// Connections one server process keeps at most. Several replicas share
/// the database's `max_connections` (100 by default): six replicas at 16
/// leave room for the admin command line and `psql`.
pub const POOL_SIZE: u32 = 16;

/// How long connecting may take, unless the URL says (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for a free connection before it fails.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// The transaction-level advisory lock every writer of feed rows holds
/// from before its first feed row until it commits (see `commit/`).
/// An arbitrary constant ("STAIRFED"), the same in every build.
const FEED_LOCK: i64 = 0x5354_4149_5246_4544;

type Manager = pool::Manager;
type Conn = PooledConnection<Manager>;

pub struct PostgresStorage {
    pool: Pool<Manager>,
    /// How to connect, for the connection that listens for commits.
    config: Config,
    tls: tls::Tls,
    /// `postgres://HOST/DB`, without user or password: for messages.
    name: String,
    /// The schema version this database was upgraded from, when that
    /// upgrade added report tables the documents must fill.
    stale_read_models: Option<i64>,
}

/// The URL may carry a password: only the host and database are shown.
impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage")
            .field("database", &self.name)
            .finish_non_exhaustive()
    }
}

/// PostgreSQL's errors are the backend's: kept whole, with their cause.
/// (The pool's own errors arise in one place, `PostgresStorage::conn`.)
impl From<postgres::Error> for StorageError {
    fn from(err: postgres::Error) -> Self {
        StorageError::Backend(Box::new(err))
    }
}

impl PostgresStorage {
    /// Connects to the database `url` names (a `postgres://` URL or a
    /// `key=value` string; TLS as `tls.rs` reads it), migrates its schema,
    /// and keeps a pool of up to [`POOL_SIZE`] connections.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let (mut config, tls) = tls::settings(url)?;
        config.application_name("stairwell");
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let name = describe(&config);
        let unopenable = |err: StorageError| StorageError::Unopenable {
            path: PathBuf::from(&name),
            source: Box::new(err),
            read_only: false,
        };
        // A connection of its own, not the pool's: a wrong address or
        // password fails at once with PostgreSQL's own words, not after the
        // pool's retries.
        let mut first = config
            .connect(tls.clone())
            .map_err(|err| unopenable(tls::explained(&err)))?;
        let found = schema::migrate(&mut first).map_err(unopenable)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build_unchecked(Manager::new(config.clone(), tls.clone()));
        Ok(PostgresStorage {
            pool,
            config,
            tls,
            name,
            stale_read_models: schema::rebuilds_read_models(found).then_some(found),
        })
    }

    /// A connection from the pool; the only place the pool's errors arise.
    fn conn(&self) -> Result<Conn, StorageError> {
        self.pool.get().map_err(|err| {
            StorageError::Backend(format!("no connection to {}: {err}", self.name).into())
        })
    }

    /// Runs one of the calls syncs make on a connection from the pool;
    /// its success vouches for the connection (see `pool.rs`).
    fn vouched<T>(
        &self,
        call: impl FnOnce(&mut Client) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut conn = self.conn()?;
        let done = call(&mut conn)?;
        conn.vouch();
        Ok(done)
    }
}

/// `postgres://HOST/DB` for messages and logs.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgres://{host}/{db}")
}

fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Feed positions, lengths and counts are `bigint`s; one past them means
/// "nothing" rather than an error.
fn to_sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn from_sql_int(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn damaged_role(role: &str) -> Result<Role, StorageError> {
    role.parse::<Role>().map_err(StorageError::Damaged)
}

impl Storage for PostgresStorage {
    fn server_actor(&self) -> Result<Vec<u8>, StorageError> {
        accounts::server_actor(&mut *self.conn()?)
    }

    fn add_estate(&self, estate: &Estate) -> Result<(), StorageError> {
        accounts::add_estate(&mut *self.conn()?, estate)
    }

    fn estate(&self, id: &str) -> Result<Option<Estate>, StorageError> {
        accounts::estate(&mut *self.conn()?, id)
    }

    fn add_user(&self, user: &NewUser) -> Result<(), StorageError> {
        accounts::add_user(&mut *self.conn()?, user)
    }

    fn user_name(&self, id: &str) -> Result<Option<String>, StorageError> {
        accounts::user_name(&mut *self.conn()?, id)
    }

    fn staff(&self, estate: &str) -> Result<Vec<(String, Role)>, StorageError> {
        accounts::staff(&mut *self.conn()?, estate)
    }

    fn add_device(&self, device: &NewDevice) -> Result<(), StorageError> {
        accounts::add_device(&mut *self.conn()?, device)
    }

    fn add_enrollment_code(&self, code: &NewEnrollmentCode) -> Result<(), StorageError> {
        accounts::add_enrollment_code(&mut *self.conn()?, code)
    }

    fn redeem_enrollment_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &NewDevice,
    ) -> Result<Redeemed, StorageError> {
        accounts::redeem_enrollment_code(&mut *self.conn()?, code_hash, now, device)
    }

    fn revoke_device(&self, id: &str) -> Result<(), StorageError> {
        accounts::revoke_device(&mut *self.conn()?, id)
    }

    fn device_live(&self, id: &str) -> Result<bool, StorageError> {
        accounts::device_live(&mut *self.conn()?, id)
    }

    fn author_for_token(&self, token_hash: &str) -> Result<Option<Author>, StorageError> {
        self.vouched(|conn| accounts::author_for_token(conn, token_hash))
    }

    fn load_record(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        self.vouched(|conn| records::load_record(conn, id))
    }

    fn commit(&self, writes: &[RecordWrite]) -> Result<Vec<u64>, StorageError> {
        self.vouched(|conn| commit::commit(conn, writes))
    }

    fn pull(&self, estates: &[String], cursor: u64, max: usize) -> Result<FeedPage, StorageError> {
        if estates.is_empty() {
            return Ok(FeedPage {
                cursor,
                ..FeedPage::default()
            });
        }
        self.vouched(|conn| feed::pull(conn, estates, cursor, max))
    }

    fn record_count(&self) -> Result<u64, StorageError> {
        records::record_count(&mut *self.conn()?)
    }

    fn rebuild_read_models(&self, index: &IndexFn<'_>) -> Result<usize, StorageError> {
        records::rebuild_read_models(&mut self.conn()?, index)
    }

    fn read_models_stale(&self) -> Option<i64> {
        self.stale_read_models
    }

    fn read_models(&self) -> &dyn crate::store::ReadModels {
        self
    }

    fn watch_commits(&self, heard: crate::store::CommitListener) -> Result<bool, StorageError> {
        notify::listen(
            self.config.clone(),
            self.tls.clone(),
            self.name.clone(),
            heard,
        )?;
        Ok(true)
    }

    fn console(&self) -> &dyn crate::store::console::ConsoleStore {
        self
    }

    fn guards(&self) -> &dyn crate::store::guards::GuardStore {
        self
    }

    fn accounts(&self) -> &dyn crate::store::accounts::AccountStore {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unopenable_and_its_password_never_shown() {
        let failed = PostgresStorage::open("postgres://lin:secret@127.0.0.1:1/stairwell");
        let Err(err) = failed else {
            panic!("nothing listens on port 1");
        };
        assert!(matches!(err, StorageError::Unopenable { .. }), "{err:?}");
        let told = err.to_string();
        assert!(told.contains("postgres://127.0.0.1/stairwell"), "{told}");
        assert!(!told.contains("secret"), "{told}");
    }
}
