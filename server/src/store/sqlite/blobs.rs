//! [`BlobStorage`] for [`SqliteStorage`]: blob files in the data directory
//! and their bookkeeping in its database (see `store::blobs` for why).
//!
//! An upload appends each chunk to its partial file and fsyncs it, so the
//! offset a device is told (the file's length) survives a crash. The last
//! chunk hashes the file, renames it into place (atomic), and only then
//! writes the rows that let devices read it: a crash in between leaves an
//! unreadable file that the next upload of the blob overwrites.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use stairwell_core::kinds::BlobHash;
use stairwell_core::store::private;
use stairwell_core::sync::judge::Author;

use super::{SqliteStorage, now_millis};
use crate::store::StorageError;
use crate::store::blobs::{BlobChunk, BlobError, BlobStorage, ChunkOutcome, UploadQuota};

/// The tables of blob bookkeeping; the second migration of the database.
pub const SCHEMA: &str = "
-- Finished blobs: their bytes are the file DATA/blobs/ab/cdef... .
CREATE TABLE blobs (
    hash        TEXT PRIMARY KEY,
    length      INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
-- The estates whose devices may read a blob: those of every device that
-- uploaded it, as they were then.
CREATE TABLE blob_estates (
    hash   TEXT NOT NULL REFERENCES blobs (hash),
    estate TEXT NOT NULL,
    PRIMARY KEY (hash, estate)
) WITHOUT ROWID;
-- Uploads under way: the bytes so far are DATA/blobs/partial/<device>-<hash>,
-- and length is the total the device declared when it started.
CREATE TABLE blob_uploads (
    device     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    length     INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (device, hash)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_stale ON blob_uploads (updated_at);
";

/// The blob folder inside the data directory.
pub const BLOB_DIR: &str = "blobs";

/// Most abandoned uploads removed at the start of one new upload.
const SWEEP_BATCH: i64 = 32;

impl SqliteStorage {
    fn blob_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map_or_else(|| PathBuf::from(BLOB_DIR), |dir| dir.join(BLOB_DIR))
    }
}

/// `blobs/ab/cdef…`: two hex digits of folder keep folders small.
fn final_path(dir: &Path, hash: &BlobHash) -> PathBuf {
    let (head, rest) = hash.as_str().split_at(2);
    dir.join(head).join(rest)
}

/// `blobs/partial/<device key>-<hash>`. The device id is hashed into the
/// name, so no id can reach outside the folder, whatever it holds.
fn partial_path(dir: &Path, device: &str, hash: &BlobHash) -> PathBuf {
    let key = hex::encode(&Sha256::digest(device.as_bytes())[..8]);
    dir.join("partial").join(format!("{key}-{hash}"))
}

/// Length of a file, 0 if it does not exist.
fn file_len(path: &Path) -> io::Result<u64> {
    match fs::metadata(path) {
        Ok(meta) => Ok(meta.len()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(err) => Err(err),
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

fn file_hash(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Makes a rename or a new file in `dir` durable (best effort: not every
/// platform can open a folder).
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Whether `author` may read a finished blob: it uploaded it, or shares an
/// estate with a device that did. `None` if no finished blob has that hash.
fn readable(
    conn: &Connection,
    author: &Author,
    hash: &BlobHash,
) -> Result<Option<bool>, StorageError> {
    let uploader: Option<String> = conn
        .prepare_cached("SELECT uploaded_by FROM blobs WHERE hash = ?1")?
        .query_row([hash.as_str()], |row| row.get(0))
        .optional()?;
    let Some(uploader) = uploader else {
        return Ok(None);
    };
    if uploader == author.device {
        return Ok(Some(true));
    }
    let mut statement = conn.prepare_cached("SELECT estate FROM blob_estates WHERE hash = ?1")?;
    let estates = statement.query_map([hash.as_str()], |row| row.get::<_, String>(0))?;
    for estate in estates {
        if author.estates.contains(&estate?) {
            return Ok(Some(true));
        }
    }
    Ok(Some(false))
}

/// Readable, and its file is there.
fn readable_on_disk(
    conn: &Connection,
    dir: &Path,
    author: &Author,
    hash: &BlobHash,
) -> Result<bool, StorageError> {
    Ok(readable(conn, author, hash)? == Some(true) && final_path(dir, hash).is_file())
}

fn upload_length(
    conn: &Connection,
    device: &str,
    hash: &BlobHash,
) -> Result<Option<u64>, StorageError> {
    let length: Option<i64> = conn
        .prepare_cached("SELECT length FROM blob_uploads WHERE device = ?1 AND hash = ?2")?
        .query_row(params![device, hash.as_str()], |row| row.get(0))
        .optional()?;
    Ok(length.map(|length| u64::try_from(length).unwrap_or(0)))
}

fn sql_len(length: u64) -> i64 {
    i64::try_from(length).unwrap_or(i64::MAX)
}

impl BlobStorage for SqliteStorage {
    fn missing_blobs(
        &self,
        author: &Author,
        hashes: &[BlobHash],
    ) -> Result<Vec<(BlobHash, u64)>, StorageError> {
        let dir = self.blob_dir();
        self.with_reader(|conn| {
            let mut missing = Vec::new();
            for hash in hashes {
                if readable_on_disk(conn, &dir, author, hash)? {
                    continue;
                }
                let received = match upload_length(conn, &author.device, hash)? {
                    Some(_) => {
                        let path = partial_path(&dir, &author.device, hash);
                        file_len(&path).map_err(|source| StorageError::Files { path, source })?
                    }
                    None => 0,
                };
                missing.push((hash.clone(), received));
            }
            Ok(missing)
        })
    }

    fn put_blob_chunk(&self, chunk: &BlobChunk<'_>) -> Result<ChunkOutcome, BlobError> {
        let end = chunk.offset.checked_add(chunk.bytes.len() as u64);
        if end.is_none_or(|end| end > chunk.length) {
            return Err(BlobError::PastEnd {
                length: chunk.length,
            });
        }
        let dir = self.blob_dir();
        let partial = partial_path(&dir, &chunk.author.device, chunk.hash);
        UPLOADS.with(&partial, || self.append(chunk, &dir, &partial))
    }

    fn read_blob(&self, author: &Author, hash: &BlobHash) -> Result<Option<Vec<u8>>, StorageError> {
        let dir = self.blob_dir();
        if !self
            .with_reader(|conn| readable(conn, author, hash))?
            .unwrap_or(false)
        {
            return Ok(None);
        }
        match fs::read(final_path(&dir, hash)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                tracing::warn!(%hash, "a stored blob's file is missing");
                Ok(None)
            }
            Err(source) => Err(StorageError::Files {
                path: final_path(&dir, hash),
                source,
            }),
        }
    }
}

impl SqliteStorage {
    /// Stores a chunk; the caller holds the upload's lock.
    fn append(
        &self,
        chunk: &BlobChunk<'_>,
        dir: &Path,
        partial: &Path,
    ) -> Result<ChunkOutcome, BlobError> {
        let device = chunk.author.device.as_str();
        let hash = chunk.hash;
        let (already, started) = self.with_reader(|conn| {
            Ok((
                readable_on_disk(conn, dir, chunk.author, hash)?,
                upload_length(conn, device, hash)?,
            ))
        })?;
        if already {
            // Another upload finished it meanwhile; nothing to keep of this one.
            if started.is_some() {
                self.drop_upload(device, hash, partial)?;
            }
            let length = self.with_reader(|conn| {
                let length: i64 = conn
                    .prepare_cached("SELECT length FROM blobs WHERE hash = ?1")?
                    .query_row([hash.as_str()], |row| row.get(0))?;
                Ok(u64::try_from(length).unwrap_or(0))
            })?;
            return Ok(ChunkOutcome::Complete {
                length,
                stored: false,
            });
        }
        let mut received = file_len(partial)?;
        match started {
            Some(started) if started != chunk.length => {
                self.drop_upload(device, hash, partial)?;
                return Err(BlobError::LengthChanged {
                    started,
                    declared: chunk.length,
                });
            }
            Some(_) => {}
            None => {
                // A file without its row is a leftover of a dropped upload.
                remove_if_present(partial)?;
                received = 0;
                if chunk.offset != 0 {
                    return Err(BlobError::OffsetMismatch { received });
                }
                self.sweep_stale_uploads(dir, chunk.quota.abandon_after)?;
                self.check_quota(device, chunk.length, &chunk.quota)?;
                let now = now_millis();
                self.writer()
                    .execute(
                        "INSERT INTO blob_uploads (device, hash, length, started_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![device, hash.as_str(), sql_len(chunk.length), now],
                    )
                    .map_err(StorageError::from)?;
            }
        }
        if chunk.offset != received {
            return Err(BlobError::OffsetMismatch { received });
        }
        if let Some(folder) = partial.parent() {
            private::private_dir(folder)?;
        }
        let mut file = private::private_options()
            .create(true)
            .append(true)
            .open(partial)?;
        file.write_all(chunk.bytes)?;
        file.sync_data()?;
        drop(file);
        let received = received + chunk.bytes.len() as u64;
        if received < chunk.length {
            self.writer()
                .execute(
                    "UPDATE blob_uploads SET updated_at = ?3 WHERE device = ?1 AND hash = ?2",
                    params![device, hash.as_str(), now_millis()],
                )
                .map_err(StorageError::from)?;
            return Ok(ChunkOutcome::Partial { received });
        }
        self.finish(chunk, dir, partial)
    }

    /// The last chunk is in: check the hash, move the file into place, and
    /// let the uploader's estates read it.
    fn finish(
        &self,
        chunk: &BlobChunk<'_>,
        dir: &Path,
        partial: &Path,
    ) -> Result<ChunkOutcome, BlobError> {
        let device = chunk.author.device.as_str();
        let hash = chunk.hash;
        let found = file_hash(partial)?;
        if found != hash.as_str() {
            self.drop_upload(device, hash, partial)?;
            return Err(BlobError::HashMismatch { found });
        }
        let target = final_path(dir, hash);
        if let Some(folder) = target.parent() {
            private::private_dir(folder)?;
            fs::rename(partial, &target)?;
            sync_dir(folder);
        }
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StorageError::from)?;
        let now = now_millis();
        tx.execute(
            "INSERT OR IGNORE INTO blobs (hash, length, uploaded_by, uploaded_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![hash.as_str(), sql_len(chunk.length), device, now],
        )
        .map_err(StorageError::from)?;
        for estate in &chunk.author.estates {
            tx.execute(
                "INSERT OR IGNORE INTO blob_estates (hash, estate) VALUES (?1, ?2)",
                params![hash.as_str(), estate],
            )
            .map_err(StorageError::from)?;
        }
        tx.execute(
            "DELETE FROM blob_uploads WHERE device = ?1 AND hash = ?2",
            params![device, hash.as_str()],
        )
        .map_err(StorageError::from)?;
        tx.commit().map_err(StorageError::from)?;
        Ok(ChunkOutcome::Complete {
            length: chunk.length,
            stored: true,
        })
    }

    fn drop_upload(&self, device: &str, hash: &BlobHash, partial: &Path) -> Result<(), BlobError> {
        self.writer()
            .execute(
                "DELETE FROM blob_uploads WHERE device = ?1 AND hash = ?2",
                params![device, hash.as_str()],
            )
            .map_err(StorageError::from)?;
        remove_if_present(partial)?;
        Ok(())
    }

    /// Refuses an upload that would take the device's, or everyone's,
    /// declared pending bytes past the quota.
    fn check_quota(&self, device: &str, length: u64, quota: &UploadQuota) -> Result<(), BlobError> {
        let (mine, all): (i64, i64) = self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT coalesce(sum(CASE WHEN device = ?1 THEN length END), 0),
                            coalesce(sum(length), 0) FROM blob_uploads",
                )?
                .query_row([device], |row| Ok((row.get(0)?, row.get(1)?)))?)
        })?;
        let pending = |sum: i64| u64::try_from(sum).unwrap_or(0).saturating_add(length);
        if pending(mine) > quota.per_device_bytes {
            return Err(BlobError::QuotaExceeded {
                whose: "this device's",
                limit: quota.per_device_bytes,
            });
        }
        if pending(all) > quota.total_bytes {
            return Err(BlobError::QuotaExceeded {
                whose: "all devices'",
                limit: quota.total_bytes,
            });
        }
        Ok(())
    }

    /// Removes a few uploads nobody touched for `abandon_after`, so
    /// abandoned partial files do not pile up.
    fn sweep_stale_uploads(&self, dir: &Path, abandon_after: Duration) -> Result<(), BlobError> {
        let after = i64::try_from(abandon_after.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_millis().saturating_sub(after);
        let stale: Vec<(String, String)> = self.with_reader(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT device, hash FROM blob_uploads WHERE updated_at < ?1 LIMIT ?2",
            )?;
            let rows = statement.query_map(params![cutoff, SWEEP_BATCH], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        for (device, hash) in stale {
            let Ok(hash) = hash.parse::<BlobHash>() else {
                continue;
            };
            let partial = partial_path(dir, &device, &hash);
            // One in use right now is not abandoned after all.
            UPLOADS
                .try_with(&partial, || self.drop_upload(&device, &hash, &partial))
                .transpose()?;
        }
        Ok(())
    }
}

/// One lock per upload (device and blob), so two requests carrying chunks
/// of one upload (a retry racing the original) cannot both append. Only
/// this process writes the data directory (`serve.lock`), so locks in
/// memory suffice; an entry lives while someone holds or waits for it.
static UPLOADS: LazyLock<UploadLocks> = LazyLock::new(UploadLocks::default);

#[derive(Debug, Default)]
struct UploadLocks {
    held: Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>,
}

impl UploadLocks {
    fn map(&self) -> MutexGuard<'_, HashMap<PathBuf, Arc<Mutex<()>>>> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` holding the lock of `key`, waiting for it if need be.
    fn with<T>(&self, key: &Path, work: impl FnOnce() -> T) -> T {
        let entry = self.map().entry(key.to_owned()).or_default().clone();
        let result = {
            let _held = entry
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work()
        };
        self.release(key, entry);
        result
    }

    /// Runs `work` holding the lock of `key`, or returns `None` at once if
    /// someone holds it.
    fn try_with<T>(&self, key: &Path, work: impl FnOnce() -> T) -> Option<T> {
        let entry = self.map().entry(key.to_owned()).or_default().clone();
        let result = match entry.try_lock() {
            Ok(_held) => Some(work()),
            Err(_) => None,
        };
        self.release(key, entry);
        result
    }

    /// Forgets a lock nobody else holds or waits for.
    fn release(&self, key: &Path, entry: Arc<Mutex<()>>) {
        let mut map = self.map();
        drop(entry);
        if map
            .get(key)
            .is_some_and(|entry| Arc::strong_count(entry) == 1)
        {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use stairwell_core::record::Role;

    use super::*;

    fn storage() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = SqliteStorage::open(dir.path()).expect("open");
        (dir, storage)
    }

    fn author(device: &str, estates: &[&str]) -> Author {
        Author {
            user: format!("user-{device}"),
            device: device.into(),
            role: Role::FrontDesk,
            estates: estates.iter().map(|estate| (*estate).into()).collect(),
        }
    }

    fn hash_of(bytes: &[u8]) -> BlobHash {
        hex::encode(Sha256::digest(bytes)).parse().expect("hash")
    }

    fn put(
        storage: &SqliteStorage,
        author: &Author,
        hash: &BlobHash,
        offset: u64,
        length: u64,
        bytes: &[u8],
    ) -> Result<ChunkOutcome, BlobError> {
        storage.put_blob_chunk(&BlobChunk {
            quota: UploadQuota::default(),
            author,
            hash,
            offset,
            length,
            bytes,
        })
    }

    #[test]
    fn racing_copies_of_a_chunk_are_stored_once() {
        let (_dir, storage) = storage();
        let storage = Arc::new(storage);
        let bytes: Vec<u8> = (0..64_000u32).map(|i| (i % 251) as u8).collect();
        let hash = hash_of(&bytes);
        let desk = author("dev-a", &["e1"]);
        let results: Vec<_> = (0..8)
            .map(|_| {
                let (storage, hash, desk) = (storage.clone(), hash.clone(), desk.clone());
                let first = bytes[..32_000].to_vec();
                thread::spawn(move || put(&storage, &desk, &hash, 0, 64_000, &first))
            })
            .map(|handle| handle.join().expect("thread"))
            .collect();
        let stored = results
            .iter()
            .filter(|result| matches!(result, Ok(ChunkOutcome::Partial { received: 32_000 })))
            .count();
        let conflicts = results
            .iter()
            .filter(|result| matches!(result, Err(BlobError::OffsetMismatch { received: 32_000 })))
            .count();
        assert_eq!((stored, conflicts), (1, 7));
        let done = put(&storage, &desk, &hash, 32_000, 64_000, &bytes[32_000..]);
        assert!(matches!(
            done,
            Ok(ChunkOutcome::Complete {
                length: 64_000,
                stored: true
            })
        ));
        assert_eq!(storage.read_blob(&desk, &hash).expect("read"), Some(bytes));
        let key = partial_path(&storage.blob_dir(), "dev-a", &hash);
        assert!(
            !UPLOADS.map().contains_key(&key),
            "locks are forgotten once released"
        );
    }

    #[test]
    fn readers_are_the_uploader_and_its_estates() {
        let (_dir, storage) = storage();
        let bytes = b"signature image".to_vec();
        let hash = hash_of(&bytes);
        let uploader = author("dev-a", &["e1", "e2"]);
        put(&storage, &uploader, &hash, 0, bytes.len() as u64, &bytes).expect("put");
        let read = |author: &Author| storage.read_blob(author, &hash).expect("read");
        assert_eq!(read(&author("dev-b", &["e2"])), Some(bytes.clone()));
        assert_eq!(read(&author("dev-c", &["e3"])), None);
        // The uploader keeps access even after leaving its estates.
        assert_eq!(read(&author("dev-a", &[])), Some(bytes.clone()));
        let missing = |author: &Author| {
            storage
                .missing_blobs(author, std::slice::from_ref(&hash))
                .expect("ask")
        };
        assert!(missing(&author("dev-b", &["e1"])).is_empty());
        assert_eq!(missing(&author("dev-c", &["e3"])), vec![(hash.clone(), 0)]);
    }

    #[test]
    fn abandoned_uploads_are_swept_when_a_new_one_starts() {
        let (dir, storage) = storage();
        let old = b"half of an old photo".to_vec();
        let old_hash = hash_of(&old);
        let desk = author("dev-a", &["e1"]);
        put(&storage, &desk, &old_hash, 0, 100, &old).expect("partial");
        let partial = partial_path(&dir.path().join(BLOB_DIR), "dev-a", &old_hash);
        assert!(partial.is_file());
        storage
            .writer()
            .execute(
                "UPDATE blob_uploads SET updated_at = ?1",
                [now_millis() - 7 * 24 * 60 * 60 * 1000 - 1],
            )
            .expect("age it");
        let new = b"new photo".to_vec();
        put(&storage, &desk, &hash_of(&new), 0, new.len() as u64, &new).expect("new");
        assert!(!partial.exists());
        assert_eq!(
            storage
                .missing_blobs(&desk, std::slice::from_ref(&old_hash))
                .expect("ask"),
            vec![(old_hash, 0)]
        );
    }

    #[test]
    fn device_ids_never_reach_outside_the_partial_folder() {
        let hash = hash_of(b"x");
        let path = partial_path(Path::new("/data/blobs"), "../../etc/passwd", &hash);
        assert_eq!(path.parent(), Some(Path::new("/data/blobs/partial")));
        assert_eq!(
            final_path(Path::new("/data/blobs"), &hash),
            Path::new("/data/blobs")
                .join(&hash.as_str()[..2])
                .join(&hash.as_str()[2..])
        );
    }
}
