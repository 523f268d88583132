//! [`Storage`] over one SQLite file in the data directory: WAL, so the
//! request handlers read from their own connections while the single writer
//! commits; one writer connection, used by the group-commit thread and the
//! admin command line.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::Role;
use stairwell_core::store::private;
use stairwell_core::sync::judge::Author;

use super::{
    Estate, FeedPage, IndexFn, NewDevice, NewEnrollmentCode, NewUser, PullItem, PullPayload,
    RecordChange, RecordWrite, Redeemed, Storage, StorageError, StoredRecord, decode_heads,
};

mod accounts;
pub mod backup;
mod blobs;
#[cfg(test)]
mod conformance_tests;
mod console;
mod guards;
mod read_models;

#[cfg(test)]
pub(crate) use read_models::clear as clear_read_models;
pub mod schema;

pub use blobs::BLOB_DIR;

/// The database file inside the data directory.
pub const DB_FILE: &str = "stairwell.db";

/// Reader connections kept open between requests; more are opened when
/// needed and closed when returned beyond this.
const IDLE_READERS: usize = 8;

#[derive(Debug)]
pub struct SqliteStorage {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// The schema version this database was upgraded from, when that
    /// upgrade added report tables the documents must fill.
    stale_read_models: Option<i64>,
}

/// SQLite's errors are the backend's: kept whole, with their cause.
impl From<rusqlite::Error> for StorageError {
    fn from(err: rusqlite::Error) -> Self {
        StorageError::Backend(Box::new(err))
    }
}

impl SqliteStorage {
    /// Opens (creating if needed) the data directory and its database, and
    /// migrates the schema. A database upgraded across a version that added
    /// report tables says so through [`Storage::read_models_stale`].
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let files = |source| StorageError::Files {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(files)?;
        // Records and password hashes: the owner's only, whatever the umask,
        // and a directory made by an older build is tightened too. On a
        // directory that cannot be changed (read-only) opening says why.
        if let Err(err) = private::restrict_tree(dir) {
            tracing::warn!(dir = %dir.display(), error = %err, "cannot make the data directory private");
        }
        let path = dir.join(DB_FILE);
        if !path.exists() {
            private::private_file(&path).map_err(|err| cannot_open(&path, files(err)))?;
        }
        let (writer, found) = open_connection(&path)
            .and_then(|mut conn| schema::migrate(&mut conn).map(|found| (conn, found)))
            .map_err(|err| cannot_open(&path, err))?;
        let storage = SqliteStorage {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            stale_read_models: schema::rebuilds_read_models(found).then_some(found),
        };
        Ok(storage)
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no transaction open (rusqlite
        // rolls back on drop), so the connection is still good to use.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn with_reader<T>(
        &self,
        read: impl FnOnce(&mut Connection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        let result = read(&mut conn);
        let mut idle = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

/// Names the file, and the usual cause when it is one: a data directory
/// the server may not write to (SQLite needs to create its `-wal` and
/// `-shm` files beside the database even to read it).
fn cannot_open(path: &Path, err: StorageError) -> StorageError {
    let dir = path.parent().unwrap_or(Path::new("."));
    let probe = dir.join(".stairwell-write-check");
    let writable = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    StorageError::Unopenable {
        path: path.to_owned(),
        source: Box::new(err),
        read_only: !writable,
    }
}

fn open_connection(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open(path)?;
    // The admin command line writes to the same file while a server runs.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    // FULL rather than NORMAL: an accepted push is acknowledged to a device,
    // which then never sends those changes again, so a commit lost to a power
    // cut would leave later pushes depending on history the server lacks.
    // Group commit makes FULL cheap: one WAL fsync (~0.3 ms here) per batch
    // of concurrent requests, not per request.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// Feed positions are SQLite integers; a cursor beyond them means "nothing".
fn to_sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn from_sql_seq(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

fn exists(tx: &Connection, sql: &str, id: &str) -> Result<bool, StorageError> {
    Ok(tx.query_row(sql, [id], |_| Ok(())).optional()?.is_some())
}

impl Storage for SqliteStorage {
    fn server_actor(&self) -> Result<Vec<u8>, StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'actor'", [], |row| {
                row.get(0)
            })
            .optional()?;
        let actor = match found {
            Some(actor) => actor,
            None => {
                let mut actor = vec![0u8; 16];
                getrandom::fill(&mut actor)?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('actor', ?1)",
                    [&actor],
                )?;
                actor
            }
        };
        tx.commit()?;
        Ok(actor)
    }

    fn add_estate(&self, estate: &Estate) -> Result<(), StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if exists(&tx, "SELECT 1 FROM estates WHERE id = ?1", &estate.id)? {
            return Err(StorageError::Conflict(format!(
                "estate {} already exists",
                estate.id
            )));
        }
        tx.execute(
            "INSERT INTO estates (id, name, tz, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![estate.id, estate.name, estate.tz.name(), now_millis()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn user_name(&self, id: &str) -> Result<Option<String>, StorageError> {
        let conn = self.writer();
        Ok(conn
            .query_row("SELECT name FROM users WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn staff(&self, estate: &str) -> Result<Vec<(String, Role)>, StorageError> {
        self.with_reader(|conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT u.id, u.role FROM users u JOIN user_estates e ON e.user_id = u.id
                     WHERE e.estate_id = ?1",
                )?
                .query_map([estate], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<(String, String)>, _>>()?;
            rows.into_iter()
                .map(|(user, role)| {
                    Ok((user, role.parse::<Role>().map_err(StorageError::Damaged)?))
                })
                .collect()
        })
    }

    fn estate(&self, id: &str) -> Result<Option<Estate>, StorageError> {
        let conn = self.writer();
        let row: Option<(String, String)> = conn
            .query_row("SELECT name, tz FROM estates WHERE id = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        row.map(|(name, tz)| {
            let tz = tz
                .parse::<Tz>()
                .map_err(|err| StorageError::Damaged(format!("estate {id}: {err}")))?;
            Ok(Estate {
                id: id.to_owned(),
                name,
                tz,
            })
        })
        .transpose()
    }

    fn add_user(&self, user: &NewUser) -> Result<(), StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if exists(&tx, "SELECT 1 FROM users WHERE id = ?1", &user.id)? {
            return Err(StorageError::Conflict(format!(
                "user {} already exists",
                user.id
            )));
        }
        for estate in &user.estates {
            if !exists(&tx, "SELECT 1 FROM estates WHERE id = ?1", estate)? {
                return Err(StorageError::NotFound(format!("unknown estate {estate}")));
            }
        }
        tx.execute(
            "INSERT INTO users (id, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![user.id, user.name, user.role.as_str(), now_millis()],
        )?;
        for estate in &user.estates {
            tx.execute(
                "INSERT OR IGNORE INTO user_estates (user_id, estate_id) VALUES (?1, ?2)",
                params![user.id, estate],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn add_device(&self, device: &NewDevice) -> Result<(), StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !exists(&tx, "SELECT 1 FROM users WHERE id = ?1", &device.user)? {
            return Err(StorageError::NotFound(format!(
                "unknown user {}",
                device.user
            )));
        }
        if exists(&tx, "SELECT 1 FROM devices WHERE id = ?1", &device.id)? {
            return Err(StorageError::Conflict(format!(
                "device {} already exists",
                device.id
            )));
        }
        tx.execute(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                device.id,
                device.user,
                device.name,
                device.token_hash,
                now_millis()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn add_enrollment_code(&self, code: &NewEnrollmentCode) -> Result<(), StorageError> {
        let conn = self.writer();
        if !exists(&conn, "SELECT 1 FROM users WHERE id = ?1", &code.user)? {
            return Err(StorageError::NotFound(format!(
                "unknown user {}",
                code.user
            )));
        }
        conn.execute(
            "INSERT INTO enrollment_codes (code_hash, user_id, device_name, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                code.code_hash,
                code.user,
                code.device_name,
                now_millis(),
                code.expires_at.timestamp_millis()
            ],
        )?;
        Ok(())
    }

    fn redeem_enrollment_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        device: &NewDevice,
    ) -> Result<Redeemed, StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT user_id, device_name, expires_at, used_at FROM enrollment_codes
                 WHERE code_hash = ?1",
                [code_hash],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let Some((user, name, expires_at, used_at)) = found else {
            return Ok(Redeemed::Unknown);
        };
        if used_at.is_some() {
            return Ok(Redeemed::Used);
        }
        if expires_at <= now.timestamp_millis() {
            return Ok(Redeemed::Expired);
        }
        tx.execute(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                device.id,
                user,
                if name.is_empty() { &device.name } else { &name },
                device.token_hash,
                now_millis()
            ],
        )?;
        tx.execute(
            "UPDATE enrollment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
            params![code_hash, now.timestamp_millis(), device.id],
        )?;
        tx.commit()?;
        Ok(Redeemed::Issued { user })
    }

    fn revoke_device(&self, id: &str) -> Result<(), StorageError> {
        let conn = self.writer();
        let changed = conn.execute(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id, now_millis()],
        )?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("unknown device {id}")));
        }
        Ok(())
    }

    fn device_live(&self, id: &str) -> Result<bool, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached("SELECT 1 FROM devices WHERE id = ?1 AND revoked_at IS NULL")?
                .exists([id])?)
        })
    }

    fn author_for_token(&self, token_hash: &str) -> Result<Option<Author>, StorageError> {
        self.with_reader(|conn| {
            let found: Option<(String, String, String)> = conn
                .prepare_cached(
                    "SELECT d.id, u.id, u.role FROM devices d JOIN users u ON u.id = d.user_id
                     WHERE d.token_hash = ?1 AND d.revoked_at IS NULL",
                )?
                .query_row([token_hash], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((device, user, role)) = found else {
                return Ok(None);
            };
            let role = role.parse::<Role>().map_err(StorageError::Damaged)?;
            let estates = conn
                .prepare_cached(
                    "SELECT estate_id FROM user_estates WHERE user_id = ?1 ORDER BY estate_id",
                )?
                .query_map([&user], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(Some(Author {
                user,
                device,
                role,
                estates,
            }))
        })
    }

    fn load_record(&self, id: &str) -> Result<Option<StoredRecord>, StorageError> {
        let conn = self.writer();
        load_record(&conn, id)
    }

    fn commit(&self, writes: &[RecordWrite]) -> Result<Vec<u64>, StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut seqs = Vec::with_capacity(writes.len());
        for write in writes {
            // One process writes a SQLite file, so this holds unless the
            // file was changed behind the server's back; checked all the
            // same, as every backend does.
            if !still_as_judged(&tx, write)? {
                return Err(StorageError::Stale {
                    ids: vec![write.id.clone()],
                });
            }
            seqs.push(commit_one(&tx, write)?);
        }
        tx.commit()?;
        Ok(seqs)
    }

    fn pull(&self, estates: &[String], cursor: u64, max: usize) -> Result<FeedPage, StorageError> {
        if estates.is_empty() {
            return Ok(FeedPage {
                cursor,
                ..FeedPage::default()
            });
        }
        self.with_reader(|conn| {
            // One read transaction: the feed window and every record's bytes
            // come from the same snapshot, whatever commits meanwhile.
            let tx = conn.transaction()?;
            let window = feed_window(&tx, estates, cursor, max)?;
            let items = window
                .ids
                .iter()
                .map(|id| pull_item(&tx, id, cursor))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(FeedPage {
                cursor: window.cursor,
                more: window.more,
                items,
            })
        })
    }

    fn record_count(&self) -> Result<u64, StorageError> {
        self.with_reader(|conn| {
            let count: i64 =
                conn.query_row("SELECT count(*) FROM records", [], |row| row.get(0))?;
            Ok(from_sql_seq(count))
        })
    }

    fn rebuild_read_models(&self, index: &IndexFn<'_>) -> Result<usize, StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM read_model", [])?;
        read_models::clear(&tx)?;
        let mut ids = tx.prepare("SELECT id FROM records ORDER BY id")?;
        let mut rows = ids.query([])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let record = load_record(&tx, &id)?
                .ok_or_else(|| StorageError::Damaged(format!("record {id} vanished")))?;
            let tz = estate_tz(&tx, &record.estate)?;
            let (entry, models) = index(&record, tz).map_err(|source| StorageError::Record {
                id: id.clone(),
                source,
            })?;
            write_index(&tx, &entry)?;
            read_models::write_rows(&tx, &id, &models)?;
            count += 1;
        }
        drop(rows);
        drop(ids);
        tx.commit()?;
        Ok(count)
    }

    fn read_models_stale(&self) -> Option<i64> {
        self.stale_read_models
    }

    fn read_models(&self) -> &dyn crate::store::ReadModels {
        self
    }

    fn watch_commits(&self, _heard: crate::store::CommitListener) -> Result<bool, StorageError> {
        Ok(false)
    }

    fn console(&self) -> &dyn crate::store::console::ConsoleStore {
        self
    }

    fn accounts(&self) -> &dyn crate::store::accounts::AccountStore {
        self
    }

    fn guards(&self) -> &dyn crate::store::guards::GuardStore {
        self
    }
}

fn estate_tz(conn: &Connection, estate: &str) -> Result<Tz, StorageError> {
    let tz: Option<String> = conn
        .query_row("SELECT tz FROM estates WHERE id = ?1", [estate], |row| {
            row.get(0)
        })
        .optional()?;
    match tz {
        Some(tz) => tz
            .parse::<Tz>()
            .map_err(|err| StorageError::Damaged(format!("estate {estate}: {err}"))),
        None => Ok(Tz::UTC),
    }
}

fn load_record(conn: &Connection, id: &str) -> Result<Option<StoredRecord>, StorageError> {
    let found: Option<(String, Vec<u8>, u32, i64)> = conn
        .prepare_cached(
            "SELECT estate, snapshot, chunk_count, chunk_bytes FROM records WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((estate, mut bytes, chunk_count, chunk_bytes)) = found else {
        return Ok(None);
    };
    let snapshot_len = bytes.len();
    append_chunks(conn, id, 0, &mut bytes)?;
    Ok(Some(StoredRecord {
        id: id.to_owned(),
        estate,
        bytes,
        snapshot_len,
        chunk_count,
        chunk_bytes: usize::try_from(chunk_bytes).unwrap_or(0),
    }))
}

/// Appends the record's chunks after feed position `after`, in order.
fn append_chunks(
    conn: &Connection,
    id: &str,
    after: i64,
    out: &mut Vec<u8>,
) -> Result<(), StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes FROM chunks WHERE record_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![id, after])?;
    while let Some(row) = rows.next()? {
        let chunk = row
            .get_ref(0)?
            .as_blob()
            .map_err(|err| StorageError::Damaged(format!("record {id}'s chunk: {err}")))?;
        out.extend_from_slice(chunk);
    }
    Ok(())
}

/// Whether the record is stored as the write was judged against.
fn still_as_judged(tx: &Transaction<'_>, write: &RecordWrite) -> Result<bool, StorageError> {
    let stored: Option<Vec<u8>> = tx
        .prepare_cached("SELECT heads FROM records WHERE id = ?1")?
        .query_row([&write.id], |row| row.get(0))
        .optional()?;
    Ok(stored == write.base_heads)
}

fn commit_one(tx: &Transaction<'_>, write: &RecordWrite) -> Result<u64, StorageError> {
    tx.prepare_cached("INSERT INTO feed (estate, record_id, heads) VALUES (?1, ?2, ?3)")?
        .execute(params![write.estate, write.id, write.heads])?;
    let seq = tx.last_insert_rowid();
    match &write.change {
        RecordChange::Create { snapshot } => {
            tx.prepare_cached(
                "INSERT INTO records (id, estate, kind, snapshot, heads, compacted_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                write.id,
                write.estate,
                write.kind,
                snapshot,
                write.heads,
                seq
            ])?;
        }
        RecordChange::Append { chunk } => {
            tx.prepare_cached("INSERT INTO chunks (record_id, seq, bytes) VALUES (?1, ?2, ?3)")?
                .execute(params![write.id, seq, chunk])?;
            let len = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
            let updated = tx
                .prepare_cached(
                    "UPDATE records SET heads = ?2, chunk_count = chunk_count + 1,
                     chunk_bytes = chunk_bytes + ?3 WHERE id = ?1",
                )?
                .execute(params![write.id, write.heads, len])?;
            // Changes to a record that is not stored would leave a feed row
            // no pull can serve; the whole group is rolled back instead.
            if updated == 0 {
                return Err(StorageError::NotFound(format!(
                    "record {} is not stored; its changes cannot be appended",
                    write.id
                )));
            }
        }
    }
    if let Some(snapshot) = &write.compacted {
        tx.prepare_cached(
            "UPDATE records SET snapshot = ?2, compacted_seq = ?3, chunk_count = 0,
             chunk_bytes = 0 WHERE id = ?1",
        )?
        .execute(params![write.id, snapshot, seq])?;
        tx.prepare_cached("DELETE FROM chunks WHERE record_id = ?1")?
            .execute([&write.id])?;
    }
    write_index(tx, &write.index)?;
    read_models::write_rows(tx, &write.id, &write.models)?;
    Ok(from_sql_seq(seq))
}

fn write_index(conn: &Connection, entry: &IndexEntry) -> Result<(), StorageError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO read_model (id, kind, estate, state, open, title, location,
         assignee, due, due_rule, conflicts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        entry.id.to_string(),
        entry.kind.as_str(),
        entry.estate,
        entry.state,
        entry.open,
        entry.title,
        entry.location,
        entry.assignee,
        entry.due.map(|due| due.timestamp_millis()),
        entry.due_rule,
        i64::try_from(entry.conflicts).unwrap_or(i64::MAX),
        entry.updated_at.timestamp_millis(),
    ])?;
    Ok(())
}

fn read_index(conn: &Connection, id: &str) -> Result<IndexEntry, StorageError> {
    let bad =
        |what: &str, err: String| StorageError::Damaged(format!("read model {id}: {what}: {err}"));
    let millis = |millis: i64| {
        DateTime::<Utc>::from_timestamp_millis(millis)
            .ok_or_else(|| bad("time", millis.to_string()))
    };
    type Row = (
        String,
        String,
        String,
        bool,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        i64,
        i64,
    );
    let row: Row = conn
        .prepare_cached(
            "SELECT kind, estate, state, open, title, location, assignee, due, due_rule,
             conflicts, updated_at FROM read_model WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
                row.get(9)?,
                row.get(10)?,
            ))
        })?;
    let (kind, estate, state, open, title, location, assignee, due, due_rule, conflicts, updated) =
        row;
    Ok(IndexEntry {
        id: id.parse().map_err(|err| bad("id", err))?,
        kind: kind.parse().map_err(|err| bad("kind", err))?,
        estate,
        state,
        open,
        title,
        location,
        assignee,
        due: due.map(millis).transpose()?,
        due_rule,
        conflicts: usize::try_from(conflicts).unwrap_or(0),
        updated_at: millis(updated)?,
    })
}

struct Window {
    ids: Vec<String>,
    cursor: u64,
    more: bool,
}

/// The distinct records of the feed rows after `cursor`, in order of their
/// first row, stopping before the row that would bring one too many.
fn feed_window(
    conn: &Connection,
    estates: &[String],
    cursor: u64,
    max: usize,
) -> Result<Window, StorageError> {
    let marks = vec!["?"; estates.len()].join(", ");
    let sql = format!(
        "SELECT seq, record_id FROM feed WHERE seq > ? AND estate IN ({marks}) ORDER BY seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(estates.len() + 1);
    let after = to_sql_seq(cursor);
    values.push(&after);
    values.extend(estates.iter().map(|estate| estate as &dyn rusqlite::ToSql));
    let mut rows = stmt.query(values.as_slice())?;
    let mut window = Window {
        ids: Vec::new(),
        cursor,
        more: false,
    };
    let mut seen = std::collections::HashSet::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let id: String = row.get(1)?;
        if !seen.contains(&id) {
            if window.ids.len() == max {
                window.more = true;
                break;
            }
            seen.insert(id.clone());
            window.ids.push(id);
        }
        window.cursor = from_sql_seq(seq);
    }
    Ok(window)
}

fn pull_item(conn: &Connection, id: &str, cursor: u64) -> Result<PullItem, StorageError> {
    let (mut snapshot, compacted_seq): (Vec<u8>, i64) = conn
        .prepare_cached("SELECT snapshot, compacted_seq FROM records WHERE id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    // The device has the record as it was after the last feed row it saw.
    let base: Option<(i64, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT seq, heads FROM feed WHERE record_id = ?1 AND seq <= ?2
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![id, to_sql_seq(cursor)], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let payload = match base {
        None => {
            append_chunks(conn, id, 0, &mut snapshot)?;
            PullPayload::Whole(snapshot)
        }
        Some((seq, _)) if compacted_seq <= seq => {
            let mut changes = Vec::new();
            append_chunks(conn, id, seq, &mut changes)?;
            PullPayload::Changes(changes)
        }
        Some((_, heads)) => {
            append_chunks(conn, id, 0, &mut snapshot)?;
            PullPayload::AfterHeads {
                document: snapshot,
                heads: decode_heads(&heads)?,
            }
        }
    };
    let latest_seq: i64 = conn
        .prepare_cached("SELECT max(seq) FROM feed WHERE record_id = ?1")?
        .query_row([id], |row| row.get(0))?;
    Ok(PullItem {
        id: id.to_owned(),
        latest_seq: from_sql_seq(latest_seq),
        payload,
        index: read_index(conn, id)?,
    })
}
