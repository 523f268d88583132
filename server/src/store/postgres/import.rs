//! Moving a SQLite data directory into an empty PostgreSQL database
//! (`stairwell admin --database URL import --from-data DIR`), for a company
//! that outgrows one process. Everything phones and people rely on comes
//! across as it was: the server's Automerge actor; estates, users, devices
//! (their token hashes, so every phone keeps syncing with its token),
//! console passwords and sessions, the account log; every record with its
//! snapshot and chunks; the feed with its very sequence numbers, so a
//! phone's cursor means on PostgreSQL what it meant on SQLite and it pulls
//! exactly what it lacks; and every finished blob, its bytes read from the
//! data directory's files (checked against their hash) into chunk rows.
//! Read from one SQLite read transaction (the server may keep serving
//! while the copy is taken, though changes made after it do not come
//! across: stop the server first) and written in one PostgreSQL
//! transaction, so a failed import leaves the database empty. The report
//! read models are not copied: the caller rebuilds them from the
//! documents. Uploads under way, enrollment codes and the edge's
//! short-lived guards are not copied either: phones send unfinished photos
//! again, and codes are made anew.

use std::io::Read;
use std::path::Path;

use postgres::Transaction;
use postgres::types::{ToSql, Type};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use super::{FEED_LOCK, PostgresStorage};
use crate::store::StorageError;
use crate::store::sqlite::{BLOB_DIR, DB_FILE};

/// The tables copied row for row, parents first, with the columns both
/// backends have. (`feed` and `account_log` keep their numbers.)
const TABLES: [(&str, &str); 13] = [
    ("meta", "key, value"),
    ("estates", "id, name, tz, created_at"),
    ("users", "id, name, role, created_at"),
    ("user_estates", "user_id, estate_id"),
    (
        "devices",
        "id, user_id, name, token_hash, created_at, revoked_at, last_seen_at",
    ),
    ("console_passwords", "user_id, hash, updated_at"),
    (
        "console_sessions",
        "id_hash, user_id, csrf, created_at, expires_at",
    ),
    ("account_log", "id, at, actor, action, target, detail"),
    (
        "records",
        "id, estate, kind, snapshot, heads, compacted_seq, chunk_count, chunk_bytes",
    ),
    ("chunks", "record_id, seq, bytes"),
    ("feed", "seq, estate, record_id, heads"),
    ("blobs", "hash, length, uploaded_by, uploaded_at"),
    ("blob_estates", "hash, estate"),
];

/// A blob's bytes are stored in chunks of this size, as uploads make them.
const CHUNK: usize = 256 * 1024;

/// What an import brought across.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub records: u64,
    pub feed_rows: u64,
    pub users: u64,
    pub devices: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
}

impl PostgresStorage {
    /// Copies the SQLite data directory `dir` into this database, which
    /// must hold no records, users or estates yet. `progress` hears each
    /// table as it is copied.
    pub fn import_sqlite(
        &self,
        dir: &Path,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<Imported, StorageError> {
        let mut source = Connection::open_with_flags(
            dir.join(DB_FILE),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| StorageError::NotFound(format!("{}: {err}", dir.join(DB_FILE).display())))?;
        let snapshot = source.transaction()?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK])?;
        refuse_unless_empty(&mut tx)?;
        let mut imported = Imported::default();
        for (table, columns) in TABLES {
            let rows = copy_table(&snapshot, &mut tx, table, columns)?;
            progress(table, rows);
            match table {
                "records" => imported.records = rows,
                "feed" => imported.feed_rows = rows,
                "users" => imported.users = rows,
                "devices" => imported.devices = rows,
                "blobs" => imported.blobs = rows,
                _ => {}
            }
        }
        imported.blob_bytes = copy_blob_bytes(&snapshot, &mut tx, &dir.join(BLOB_DIR))?;
        progress("blob bytes", imported.blob_bytes);
        for (table, column) in [("feed", "seq"), ("account_log", "id")] {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                     coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                ),
                &[],
            )?;
        }
        tx.commit()?;
        Ok(imported)
    }
}

fn refuse_unless_empty(tx: &mut Transaction<'_>) -> Result<(), StorageError> {
    let found: i64 = tx
        .query_one(
            "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM users)
                  + (SELECT count(*) FROM estates)",
            &[],
        )?
        .try_get(0)?;
    if found > 0 {
        return Err(StorageError::Conflict(
            "the PostgreSQL database already holds estates, users or records; import into an empty one"
                .into(),
        ));
    }
    Ok(())
}

/// Copies one table's rows, each value converted to its PostgreSQL
/// column's type; returns how many.
fn copy_table(
    source: &Connection,
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &str,
) -> Result<u64, StorageError> {
    let count = columns.split(',').count();
    let placeholders: Vec<String> = (1..=count).map(|n| format!("${n}")).collect();
    let overriding = if matches!(table, "feed" | "account_log") {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let insert = tx.prepare(&format!(
        "INSERT INTO {table} ({columns}){overriding} VALUES ({})",
        placeholders.join(", ")
    ))?;
    let types: Vec<Type> = insert.params().to_vec();
    let mut query = source.prepare(&format!("SELECT {columns} FROM {table}"))?;
    let mut rows = query.query([])?;
    let mut copied = 0;
    while let Some(row) = rows.next()? {
        let values = (0..count)
            .map(|index| Ok(typed(row.get::<_, Value>(index)?, &types[index])))
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| &**value).collect();
        tx.execute(&insert, &params)?;
        copied += 1;
    }
    Ok(copied)
}

/// A SQLite value as the PostgreSQL column `ty` takes it (a NULL typed for
/// its column, an integer flag as a boolean).
fn typed(value: Value, ty: &Type) -> Box<dyn ToSql + Sync> {
    let integer = match &value {
        Value::Integer(n) => Some(*n),
        _ => None,
    };
    match *ty {
        Type::INT8 => Box::new(integer),
        Type::INT4 => Box::new(integer.and_then(|n| i32::try_from(n).ok())),
        Type::BOOL => Box::new(integer.map(|n| n != 0)),
        Type::BYTEA => Box::new(match value {
            Value::Blob(bytes) => Some(bytes),
            Value::Text(text) => Some(text.into_bytes()),
            _ => None,
        }),
        _ => Box::new(match value {
            Value::Text(text) => Some(text),
            Value::Integer(n) => Some(n.to_string()),
            Value::Real(x) => Some(x.to_string()),
            Value::Blob(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Value::Null => None,
        }),
    }
}

/// Reads each finished blob's file into chunk rows of its uploader, as an
/// upload would have left them; returns the bytes copied.
fn copy_blob_bytes(
    source: &Connection,
    tx: &mut Transaction<'_>,
    blob_dir: &Path,
) -> Result<u64, StorageError> {
    let mut query = source.prepare("SELECT hash, uploaded_by FROM blobs")?;
    let blobs = query
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let insert = tx.prepare(
        "INSERT INTO blob_chunks (device, hash, start_byte, bytes) VALUES ($1, $2, $3, $4)",
    )?;
    let mut total = 0u64;
    for (hash, device) in blobs {
        let path = blob_file(blob_dir, &hash)?;
        let files = |source| StorageError::Files {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::File::open(&path).map_err(files)?;
        let mut hasher = Sha256::new();
        let mut start: i64 = 0;
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let read = read_full(&mut file, &mut buffer).map_err(files)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            tx.execute(&insert, &[&device, &hash, &start, &&buffer[..read]])?;
            start += i64::try_from(read).unwrap_or(i64::MAX);
        }
        if hex::encode(hasher.finalize()) != hash {
            return Err(StorageError::Damaged(format!(
                "blob {hash} ({}) holds other bytes than its name says",
                path.display()
            )));
        }
        total += u64::try_from(start).unwrap_or(0);
    }
    Ok(total)
}

/// `ab/cdef…` under the blob folder; a stored name that is not a SHA-256
/// in hex is refused, so none reaches outside it.
fn blob_file(blob_dir: &Path, hash: &str) -> Result<std::path::PathBuf, StorageError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StorageError::Damaged(format!(
            "a stored blob is named {hash:?}, not a SHA-256"
        )));
    }
    let (head, rest) = hash.split_at(2);
    Ok(blob_dir.join(head).join(rest))
}

/// Fills `buffer` as far as the file allows; how much it read.
fn read_full(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}
