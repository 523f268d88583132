//! Backups of a data directory while its server keeps serving, and the
//! restore that makes a new data directory from one.
//!
//! A backup is a folder: `stairwell.db`, a consistent snapshot of the
//! database taken with `VACUUM INTO` (one read transaction, so it holds
//! exactly the commits acknowledged before it began and none half-done;
//! the server's writer is never blocked by it, WAL readers do not block
//! writers), then `blobs/`, every finished blob that snapshot names, copied
//! with its SHA-256 checked, and last `BACKUP.json`, the manifest: without
//! it the folder is an interrupted backup and restore refuses it. Blobs are
//! written once and never changed, so copying them after the snapshot is
//! safe; uploads still in progress are not backed up (the phones still
//! hold them and send them again).
//!
//! Restore checks everything a backup claims before the new directory is
//! used: the database's SHA-256 against the manifest, `PRAGMA
//! integrity_check`, and every blob's bytes against its name. So restoring
//! into a scratch directory is also how a backup is checked.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stairwell_core::store::private;

use super::{BLOB_DIR, DB_FILE};
use crate::store::StorageError;

/// The manifest's name: written last, so its presence marks a whole backup.
pub const MANIFEST: &str = "BACKUP.json";
/// The manifest format this build writes and reads.
const FORMAT: u32 = 1;
/// How often a long copy says how far it is.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// What a backup holds; also what restore reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    pub created_at: DateTime<Utc>,
    /// The version of Stairwell that wrote it.
    pub stairwell: String,
    pub schema: i64,
    pub records: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// The SHA-256 of `stairwell.db` as written.
    pub database_sha256: String,
}

/// Where a long copy stands, for the person waiting on it.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub blobs_done: u64,
    pub blobs_total: u64,
    pub bytes_done: u64,
}

/// Copies the data directory `data` into the new folder `dest`.
pub fn backup(
    data: &Path,
    dest: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, StorageError> {
    let source = data.join(DB_FILE);
    if !source.is_file() {
        return Err(StorageError::NotFound(format!(
            "{} holds no Stairwell database ({DB_FILE})",
            data.display()
        )));
    }
    fresh_folder(dest, "the backup folder")?;
    let copy = dest.join(DB_FILE);
    snapshot(&source, &copy)?;
    let Contents {
        schema,
        records,
        blobs,
    } = contents(&copy)?;
    let blob_bytes = copy_blobs(&data.join(BLOB_DIR), &dest.join(BLOB_DIR), &blobs, progress)?;
    integrity_check(&copy)?;
    let manifest = Manifest {
        format: FORMAT,
        created_at: Utc::now(),
        stairwell: env!("CARGO_PKG_VERSION").to_owned(),
        schema,
        records,
        blobs: blobs.len() as u64,
        blob_bytes,
        database_sha256: file_sha256(&copy)?,
    };
    write_manifest(dest, &manifest)?;
    Ok(manifest)
}

/// Makes the new data directory `data` from the backup in `from`, checking
/// every byte the manifest and the blob names vouch for.
pub fn restore(
    from: &Path,
    data: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, StorageError> {
    let manifest = read_manifest(from)?;
    let source = from.join(DB_FILE);
    if file_sha256(&source)? != manifest.database_sha256 {
        return Err(StorageError::Damaged(format!(
            "{} does not match the backup's manifest: the backup is damaged",
            source.display()
        )));
    }
    fresh_folder(data, "the data directory to restore into")?;
    let target = data.join(DB_FILE);
    copy_file(&source, &target)?;
    integrity_check(&target)?;
    let Contents { records, blobs, .. } = contents(&target)?;
    if records != manifest.records || blobs.len() as u64 != manifest.blobs {
        return Err(StorageError::Damaged(format!(
            "the backup's database holds {records} records and {} blobs, its manifest says {} and {}",
            blobs.len(),
            manifest.records,
            manifest.blobs
        )));
    }
    copy_blobs(&from.join(BLOB_DIR), &data.join(BLOB_DIR), &blobs, progress)?;
    Ok(manifest)
}

/// A folder that does not exist yet, or exists empty: never overwrite.
fn fresh_folder(dir: &Path, what: &str) -> Result<(), StorageError> {
    let files = files_error(dir);
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(StorageError::Conflict(format!(
                    "{what} {} is not empty; name a new folder",
                    dir.display()
                )));
            }
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(files)?;
        }
        Err(err) => return Err(files(err)),
    }
    private::private_dir(dir).map_err(files_error(dir))
}

/// `VACUUM INTO`: a compact, consistent copy from one read transaction.
fn snapshot(source: &Path, copy: &Path) -> Result<(), StorageError> {
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let target = copy
        .to_str()
        .ok_or_else(|| StorageError::Conflict(format!("{} is not a UTF-8 path", copy.display())))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    private::private_file(copy).map_err(files_error(copy))?;
    Ok(())
}

/// What a database copy holds.
struct Contents {
    schema: i64,
    records: u64,
    /// The finished blobs: hash and length.
    blobs: Vec<(String, u64)>,
}

fn contents(db: &Path) -> Result<Contents, StorageError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let schema: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let records: i64 = conn.query_row("SELECT count(*) FROM records", [], |row| row.get(0))?;
    let mut query = conn.prepare("SELECT hash, length FROM blobs ORDER BY hash")?;
    let blobs = query
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?
        .map(|row| row.map(|(hash, length)| (hash, u64::try_from(length).unwrap_or(0))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Contents {
        schema,
        records: u64::try_from(records).unwrap_or(0),
        blobs,
    })
}

fn integrity_check(db: &Path) -> Result<(), StorageError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(StorageError::Damaged(format!(
            "{} fails SQLite's integrity check: {verdict}",
            db.display()
        )))
    }
}

/// Copies each blob from `from` to `to`, checking its bytes hash to its
/// name; returns the bytes copied.
fn copy_blobs(
    from: &Path,
    to: &Path,
    blobs: &[(String, u64)],
    progress: &mut dyn FnMut(Progress),
) -> Result<u64, StorageError> {
    let mut done = Progress {
        blobs_done: 0,
        blobs_total: blobs.len() as u64,
        bytes_done: 0,
    };
    let mut said = Instant::now();
    for (hash, length) in blobs {
        let relative = blob_path(hash)?;
        let (source, target) = (from.join(&relative), to.join(&relative));
        let found = copy_file(&source, &target)?;
        if found != *hash {
            return Err(StorageError::Damaged(format!(
                "blob {hash} ({}) holds other bytes (they hash to {found})",
                source.display()
            )));
        }
        done.blobs_done += 1;
        done.bytes_done += length;
        if said.elapsed() >= PROGRESS_EVERY {
            progress(done);
            said = Instant::now();
        }
    }
    if done.blobs_total > 0 {
        progress(done);
    }
    Ok(done.bytes_done)
}

/// `ab/cdef…`, as the blob store lays finished blobs out; refuses a name
/// that is not a SHA-256 in hex, so no stored name reaches outside.
fn blob_path(hash: &str) -> Result<PathBuf, StorageError> {
    let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex {
        return Err(StorageError::Damaged(format!(
            "a stored blob is named {hash:?}, not a SHA-256"
        )));
    }
    let (head, rest) = hash.split_at(2);
    Ok(Path::new(head).join(rest))
}

/// Copies one file into a private file, synced to disk; returns the
/// SHA-256 of what it copied.
fn copy_file(source: &Path, target: &Path) -> Result<String, StorageError> {
    if let Some(folder) = target.parent() {
        fs::create_dir_all(folder).map_err(files_error(folder))?;
        private::private_dir(folder).map_err(files_error(folder))?;
    }
    let mut output = private::private_options()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(files_error(target))?;
    let hash = read_hashing(source, &mut |bytes| {
        output.write_all(bytes).map_err(files_error(target))
    })?;
    output.sync_all().map_err(files_error(target))?;
    Ok(hash)
}

fn file_sha256(path: &Path) -> Result<String, StorageError> {
    read_hashing(path, &mut |_| Ok(()))
}

/// Reads a file through, handing each piece to `each`; returns its SHA-256.
fn read_hashing(
    path: &Path,
    each: &mut dyn FnMut(&[u8]) -> Result<(), StorageError>,
) -> Result<String, StorageError> {
    let mut input = File::open(path).map_err(files_error(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = input.read(&mut buffer).map_err(files_error(path))?;
        if read == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
        each(&buffer[..read])?;
    }
}

fn write_manifest(dest: &Path, manifest: &Manifest) -> Result<(), StorageError> {
    let path = dest.join(MANIFEST);
    let text =
        serde_json::to_vec_pretty(manifest).map_err(|err| StorageError::Backend(Box::new(err)))?;
    let mut file = private::private_options()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(files_error(&path))?;
    file.write_all(&text).map_err(files_error(&path))?;
    file.sync_all().map_err(files_error(&path))
}

fn read_manifest(from: &Path) -> Result<Manifest, StorageError> {
    let path = from.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(StorageError::NotFound(format!(
                "{} is not a finished Stairwell backup (no {MANIFEST}; an interrupted backup has none)",
                from.display()
            )));
        }
        Err(err) => return Err(files_error(&path)(err)),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|err| StorageError::Damaged(format!("{} does not read: {err}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(StorageError::Damaged(format!(
            "{} is backup format {}; this build reads format {FORMAT}",
            path.display(),
            manifest.format
        )));
    }
    Ok(manifest)
}

fn files_error(path: &Path) -> impl Fn(io::Error) -> StorageError + '_ {
    move |source| StorageError::Files {
        path: path.to_owned(),
        source,
    }
}
