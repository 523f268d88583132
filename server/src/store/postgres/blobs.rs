//! [`BlobStorage`] for [`PostgresStorage`]: blob bytes and their
//! bookkeeping, all in the database.
//!
//! Why the bytes are rows here while SQLite keeps files: replicas on
//! several machines share the database and nothing else, so a photo
//! uploaded through one must be readable through another, and an upload
//! interrupted on one must resume on another. SQLite's reasons for files do
//! not hold either: PostgreSQL has many writers, so a chunk's insert holds
//! up no commit of records, and its backups and replicas carry the blobs
//! with everything else. (Object storage would be the next step for very
//! large estates; the trait keeps that open.)
//!
//! How: each chunk a device sends is its own row of `blob_chunks` (an
//! append to one `bytea` value would rewrite the whole value each time),
//! keyed by the device, the blob and the chunk's first byte. The last
//! chunk is checked by streaming the chunks through SHA-256; if they match,
//! a `blobs` row marks the blob complete, naming the device whose chunks
//! are its bytes. A second device uploading the same blob later only adds
//! its estates; its own chunks are dropped. Reading concatenates the
//! uploader's chunks in order. Who may read what, the quotas, the offsets
//! and abandoned uploads work as in SQLite (`store/blobs.rs`).
//!
//! Concurrency, where SQLite had one process and locks in memory: each
//! chunk is stored in one transaction holding the transaction-level
//! advisory lock of its upload (device and blob), so two copies of a chunk
//! racing through two replicas cannot both append; starting an upload also
//! takes [`QUOTA_LOCK`], so two starting at once cannot both pass a quota
//! that only one fits under.

use postgres::fallible_iterator::FallibleIterator;
use postgres::{GenericClient, Transaction};
use sha2::{Digest, Sha256};
use stairwell_core::kinds::BlobHash;
use stairwell_core::sync::judge::Author;

use super::{PostgresStorage, from_sql_int, now_millis, to_sql_int};
use crate::store::StorageError;
use crate::store::blobs::{BlobChunk, BlobError, BlobStorage, ChunkOutcome, UploadQuota};

/// The blob tables; the second migration of the database.
pub const SCHEMA: &str = "
-- Finished blobs: their bytes are the uploaded_by device's chunks.
CREATE TABLE blobs (
    hash        text PRIMARY KEY,
    length      bigint NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at bigint NOT NULL
);
-- The estates whose devices may read a blob: those of every device that
-- uploaded it, as they were then.
CREATE TABLE blob_estates (
    hash   text NOT NULL REFERENCES blobs (hash),
    estate text NOT NULL,
    PRIMARY KEY (hash, estate)
);
-- Uploads under way: length is the total the device declared when it
-- started, received the bytes stored so far.
CREATE TABLE blob_uploads (
    device     text NOT NULL,
    hash       text NOT NULL,
    length     bigint NOT NULL,
    received   bigint NOT NULL,
    started_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (device, hash)
);
CREATE INDEX blob_uploads_stale ON blob_uploads (updated_at);
-- Every chunk a device sent, of uploads under way and of finished blobs.
CREATE TABLE blob_chunks (
    device     text NOT NULL,
    hash       text NOT NULL,
    start_byte bigint NOT NULL,
    bytes      bytea NOT NULL,
    PRIMARY KEY (device, hash, start_byte)
);
-- Photos do not compress: store them out of line without trying.
ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
";

/// Most abandoned uploads removed at the start of one new upload.
const SWEEP_BATCH: i64 = 32;

/// The first key of every upload's advisory lock (the two-key form, whose
/// keys never meet the one-key locks'); the second is [`upload_key`].
const UPLOAD_LOCKS: i32 = 0x5342_4C42;

/// Held while an upload starts, from its quota check to its row's insert.
/// An arbitrary constant ("STAIRQUO").
const QUOTA_LOCK: i64 = 0x5354_4149_5251_554F;

/// `older_than` for [`end_upload`] when the upload goes whatever its age.
const ANY_AGE: i64 = i64::MAX;

/// The second key of an upload's lock: a hash of the device and the blob.
/// Two uploads sharing a key only wait for one another.
fn upload_key(device: &str, hash: &str) -> i32 {
    let digest = Sha256::new()
        .chain_update(device)
        .chain_update([0])
        .chain_update(hash)
        .finalize();
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Waits for the upload's lock, held until `tx` ends.
fn lock_upload(tx: &mut Transaction<'_>, device: &str, hash: &str) -> Result<(), StorageError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&UPLOAD_LOCKS, &upload_key(device, hash)],
    )?;
    Ok(())
}

/// Takes the upload's lock unless someone holds it.
fn try_lock_upload(
    tx: &mut Transaction<'_>,
    device: &str,
    hash: &str,
) -> Result<bool, StorageError> {
    let row = tx.query_one(
        "SELECT pg_try_advisory_xact_lock($1, $2)",
        &[&UPLOAD_LOCKS, &upload_key(device, hash)],
    )?;
    Ok(row.try_get(0)?)
}

/// The length of the finished blob, if there is one and `author` may read
/// it: it uploaded it, or shares an estate with a device that did.
fn readable_length(
    client: &mut impl GenericClient,
    author: &Author,
    hash: &BlobHash,
) -> Result<Option<u64>, StorageError> {
    let row = client.query_opt(
        "SELECT length FROM blobs b WHERE hash = $1 AND (uploaded_by = $2 OR EXISTS
         (SELECT 1 FROM blob_estates e WHERE e.hash = b.hash AND e.estate = ANY($3)))",
        &[&hash.as_str(), &author.device, &author.estates],
    )?;
    Ok(row
        .map(|row| row.try_get::<_, i64>(0))
        .transpose()?
        .map(from_sql_int))
}

/// The device's upload of the blob under way: (declared length, received).
fn upload(
    client: &mut impl GenericClient,
    device: &str,
    hash: &BlobHash,
) -> Result<Option<(u64, u64)>, StorageError> {
    let row = client.query_opt(
        "SELECT length, received FROM blob_uploads WHERE device = $1 AND hash = $2",
        &[&device, &hash.as_str()],
    )?;
    row.map(|row| {
        let (length, received): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        Ok((from_sql_int(length), from_sql_int(received)))
    })
    .transpose()
}

/// Forgets the device's upload if it was last touched before
/// `older_than`: its row, and its chunks unless they are the bytes of a
/// finished blob. Returns whether it went.
fn end_upload(
    tx: &mut Transaction<'_>,
    device: &str,
    hash: &str,
    older_than: i64,
) -> Result<bool, StorageError> {
    let ended = tx.execute(
        "DELETE FROM blob_uploads WHERE device = $1 AND hash = $2 AND updated_at < $3",
        &[&device, &hash, &older_than],
    )?;
    tx.execute(
        "DELETE FROM blob_chunks WHERE device = $1 AND hash = $2
         AND NOT EXISTS (SELECT 1 FROM blobs WHERE hash = $2 AND uploaded_by = $1)",
        &[&device, &hash],
    )?;
    Ok(ended > 0)
}

impl BlobStorage for PostgresStorage {
    fn missing_blobs(
        &self,
        author: &Author,
        hashes: &[BlobHash],
    ) -> Result<Vec<(BlobHash, u64)>, StorageError> {
        let mut conn = self.conn()?;
        let mut missing = Vec::new();
        for hash in hashes {
            if readable_length(&mut **conn, author, hash)?.is_some() {
                continue;
            }
            let received = upload(&mut **conn, &author.device, hash)?;
            missing.push((hash.clone(), received.map_or(0, |(_, received)| received)));
        }
        Ok(missing)
    }

    fn put_blob_chunk(&self, chunk: &BlobChunk<'_>) -> Result<ChunkOutcome, BlobError> {
        let end = chunk.offset.checked_add(chunk.bytes.len() as u64);
        if end.is_none_or(|end| end > chunk.length) {
            return Err(BlobError::PastEnd {
                length: chunk.length,
            });
        }
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(StorageError::from)?;
        let answer = store_chunk(&mut tx, chunk);
        // A refusal may have dropped the upload, which must stick; a
        // failure of the database keeps nothing.
        if !matches!(answer, Err(BlobError::Storage(_))) {
            tx.commit().map_err(StorageError::from)?;
        }
        answer
    }

    fn read_blob(&self, author: &Author, hash: &BlobHash) -> Result<Option<Vec<u8>>, StorageError> {
        let mut conn = self.conn()?;
        let Some(length) = readable_length(&mut **conn, author, hash)? else {
            return Ok(None);
        };
        // A finished blob's chunks never change, so a second statement
        // reads what the first one vouched for.
        let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        let mut rows = conn.query_raw(
            "SELECT c.bytes FROM blobs b JOIN blob_chunks c
             ON c.hash = b.hash AND c.device = b.uploaded_by
             WHERE b.hash = $1 ORDER BY c.start_byte",
            [hash.as_str()],
        )?;
        while let Some(row) = rows.next()? {
            bytes.extend_from_slice(row.try_get(0)?);
        }
        if bytes.len() as u64 != length {
            tracing::warn!(%hash, length, found = bytes.len(), "a stored blob's chunks are missing");
            return Ok(None);
        }
        Ok(Some(bytes))
    }
}

/// Stores a chunk inside `tx`, holding the upload's lock.
fn store_chunk(tx: &mut Transaction<'_>, chunk: &BlobChunk<'_>) -> Result<ChunkOutcome, BlobError> {
    let device = chunk.author.device.as_str();
    let hash = chunk.hash;
    lock_upload(tx, device, hash.as_str())?;
    let started = upload(tx, device, hash)?;
    if let Some(length) = readable_length(tx, chunk.author, hash)? {
        // Another upload finished it meanwhile; nothing to keep of this one.
        if started.is_some() {
            end_upload(tx, device, hash.as_str(), ANY_AGE)?;
        }
        return Ok(ChunkOutcome::Complete {
            length,
            stored: false,
        });
    }
    let received = match started {
        Some((started, _)) if started != chunk.length => {
            end_upload(tx, device, hash.as_str(), ANY_AGE)?;
            return Err(BlobError::LengthChanged {
                started,
                declared: chunk.length,
            });
        }
        Some((_, received)) => received,
        None if chunk.offset != 0 => return Err(BlobError::OffsetMismatch { received: 0 }),
        None => {
            start_upload(tx, chunk)?;
            0
        }
    };
    if chunk.offset != received {
        return Err(BlobError::OffsetMismatch { received });
    }
    append(tx, chunk)?;
    let received = received + chunk.bytes.len() as u64;
    if received < chunk.length {
        tx.execute(
            "UPDATE blob_uploads SET received = $3, updated_at = $4
             WHERE device = $1 AND hash = $2",
            &[
                &device,
                &hash.as_str(),
                &to_sql_int(received),
                &now_millis(),
            ],
        )
        .map_err(StorageError::from)?;
        return Ok(ChunkOutcome::Partial { received });
    }
    finish(tx, chunk)
}

/// One row per chunk; an empty chunk adds nothing (and no row, whose key
/// the next chunk would need).
fn append(tx: &mut Transaction<'_>, chunk: &BlobChunk<'_>) -> Result<(), StorageError> {
    if chunk.bytes.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO blob_chunks (device, hash, start_byte, bytes) VALUES ($1, $2, $3, $4)",
        &[
            &chunk.author.device,
            &chunk.hash.as_str(),
            &to_sql_int(chunk.offset),
            &chunk.bytes,
        ],
    )?;
    Ok(())
}

/// Starts the device's upload, if the quotas allow: first removing a few
/// uploads nobody touched for `abandon_after`, so they free their share.
fn start_upload(tx: &mut Transaction<'_>, chunk: &BlobChunk<'_>) -> Result<(), BlobError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&QUOTA_LOCK])
        .map_err(StorageError::from)?;
    sweep_stale_uploads(tx, chunk.quota.abandon_after)?;
    check_quota(tx, &chunk.author.device, chunk.length, &chunk.quota)?;
    let now = now_millis();
    tx.execute(
        "INSERT INTO blob_uploads (device, hash, length, received, started_at, updated_at)
         VALUES ($1, $2, $3, 0, $4, $4)",
        &[
            &chunk.author.device,
            &chunk.hash.as_str(),
            &to_sql_int(chunk.length),
            &now,
        ],
    )
    .map_err(StorageError::from)?;
    Ok(())
}

/// Refuses an upload that would take the device's, or everyone's,
/// declared pending bytes past the quota.
fn check_quota(
    tx: &mut Transaction<'_>,
    device: &str,
    length: u64,
    quota: &UploadQuota,
) -> Result<(), BlobError> {
    let row = tx
        .query_one(
            "SELECT coalesce(sum(length) FILTER (WHERE device = $1), 0)::bigint,
                    coalesce(sum(length), 0)::bigint FROM blob_uploads",
            &[&device],
        )
        .map_err(StorageError::from)?;
    let (mine, all): (i64, i64) = (
        row.try_get(0).map_err(StorageError::from)?,
        row.try_get(1).map_err(StorageError::from)?,
    );
    let pending = |sum: i64| from_sql_int(sum).saturating_add(length);
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

/// Removes a few uploads nobody touched for `abandon_after`, so abandoned
/// chunks do not pile up.
fn sweep_stale_uploads(
    tx: &mut Transaction<'_>,
    abandon_after: std::time::Duration,
) -> Result<(), StorageError> {
    let after = i64::try_from(abandon_after.as_millis()).unwrap_or(i64::MAX);
    let cutoff = now_millis().saturating_sub(after);
    let stale = tx.query(
        "SELECT device, hash FROM blob_uploads WHERE updated_at < $1 LIMIT $2",
        &[&cutoff, &SWEEP_BATCH],
    )?;
    for row in stale {
        let (device, hash): (&str, &str) = (row.try_get(0)?, row.try_get(1)?);
        // One in use right now is not abandoned after all; one touched
        // since it was listed is left too (`end_upload` checks its age).
        if try_lock_upload(tx, device, hash)? {
            end_upload(tx, device, hash, cutoff)?;
        }
    }
    Ok(())
}

/// The last chunk is in: check the hash over every chunk, then let the
/// uploader's estates read the blob.
fn finish(tx: &mut Transaction<'_>, chunk: &BlobChunk<'_>) -> Result<ChunkOutcome, BlobError> {
    let device = chunk.author.device.as_str();
    let hash = chunk.hash.as_str();
    let found = chunks_hash(tx, device, hash)?;
    if found != hash {
        end_upload(tx, device, hash, ANY_AGE)?;
        return Err(BlobError::HashMismatch { found });
    }
    tx.execute(
        "INSERT INTO blobs (hash, length, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hash) DO NOTHING",
        &[&hash, &to_sql_int(chunk.length), &device, &now_millis()],
    )
    .map_err(StorageError::from)?;
    for estate in &chunk.author.estates {
        tx.execute(
            "INSERT INTO blob_estates (hash, estate) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&hash, estate],
        )
        .map_err(StorageError::from)?;
    }
    // Another device's copy may have been stored first: then these chunks
    // are not the blob's bytes, and go with the upload.
    end_upload(tx, device, hash, ANY_AGE)?;
    Ok(ChunkOutcome::Complete {
        length: chunk.length,
        stored: true,
    })
}

/// SHA-256 over the upload's chunks in order, streamed: a large blob is
/// never whole in memory.
fn chunks_hash(tx: &mut Transaction<'_>, device: &str, hash: &str) -> Result<String, StorageError> {
    let mut rows = tx.query_raw(
        "SELECT bytes FROM blob_chunks WHERE device = $1 AND hash = $2 ORDER BY start_byte",
        [device, hash],
    )?;
    let mut hasher = Sha256::new();
    while let Some(row) = rows.next()? {
        hasher.update(row.try_get::<_, &[u8]>(0)?);
    }
    Ok(hex::encode(hasher.finalize()))
}
