//! Blobs on the server: photos and signature images, named by SHA-256,
//! uploaded in resumable chunks and served only to devices that may see
//! them.
//!
//! Where the bytes live, and why: files, not SQLite rows. A finished blob is
//! `DATA/blobs/ab/cdef…` (the first two hex digits of its hash, then the
//! rest), written once and never changed; an upload in progress is
//! `DATA/blobs/partial/<device key>-<hash>`, one per device and blob, whose
//! length is the offset the device goes on from. The SQLite database keeps
//! only the small facts beside them (`blobs`, `blob_estates`,
//! `blob_uploads`, created by a migration of the backend): who may read a
//! blob and which uploads are under way. Reasons:
//! - SQLite has one writer, shared with the group commit of records. A
//!   20 MiB photo written into it, chunk by chunk, would hold that writer
//!   and grow the WAL by the photo's size; appending a chunk to a file holds
//!   nothing, and only the last chunk of a blob takes the writer, for a few
//!   rows.
//! - A chunk append is one `write` at the end of a file; in a BLOB column it
//!   is a rewrite of the whole value (SQLite has no append).
//! - Blobs are most of the bytes a server keeps and never change: as files
//!   they are backed up, moved to cheaper disks or served by a reverse proxy
//!   with ordinary tools, and the database stays small enough to copy.
//!
//! A backend for several server replicas (PostgreSQL) would keep these rows
//! in its database and the files in shared object storage; hence a trait of
//! its own, which [`Storage`](super::Storage) requires.
//!
//! Who may read a blob: the device that uploaded it, and any device sharing
//! one of the estates that device had when it uploaded it. A device that
//! asks for a blob it may not read is told it is missing, and may upload it:
//! once its bytes check out, its estates may read it too. Knowing a hash is
//! thus never enough to read a blob, and the answer never says whether
//! another estate holds it.

use stairwell_core::kinds::BlobHash;
use stairwell_core::sync::judge::Author;

use super::StorageError;

/// One chunk of an upload.
#[derive(Debug, Clone, Copy)]
pub struct BlobChunk<'a> {
    pub quota: UploadQuota,
    pub author: &'a Author,
    pub hash: &'a BlobHash,
    /// Where the chunk starts in the blob.
    pub offset: u64,
    /// The blob's total length, as the device declares it.
    pub length: u64,
    pub bytes: &'a [u8],
}

/// Bounds on uploads under way: the declared bytes of a device's unfinished
/// uploads and of everyone's, and how long an untouched upload is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub per_device_bytes: u64,
    pub total_bytes: u64,
    pub abandon_after: std::time::Duration,
}

impl Default for UploadQuota {
    /// A device may have 256 MiB of photos pending (about 100 phone photos
    /// of a shift), the server 4 GiB; an upload untouched for 7 days is
    /// abandoned.
    fn default() -> Self {
        UploadQuota {
            per_device_bytes: 256 * 1024 * 1024,
            total_bytes: 4 * 1024 * 1024 * 1024,
            abandon_after: std::time::Duration::from_secs(7 * 24 * 60 * 60),
        }
    }
}

/// What storing a chunk did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Stored; the blob is not complete yet.
    Partial { received: u64 },
    /// The blob is complete and readable by the uploader. `stored` is false
    /// when the device could read it already and nothing was written.
    Complete { length: u64, stored: bool },
}

/// Why a chunk was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The chunk does not start where the upload stands.
    #[error("this upload stands at byte {received}; send the chunk from there")]
    OffsetMismatch { received: u64 },
    /// `Blob-Length` differs from the one the upload started with; the
    /// upload is dropped, so the next one starts over.
    #[error(
        "the upload of this blob started with a length of {started} bytes, not {declared}; \
         it was dropped, start again from 0"
    )]
    LengthChanged { started: u64, declared: u64 },
    #[error("the chunk runs past the blob's length of {length} bytes")]
    PastEnd { length: u64 },
    /// The whole blob arrived but is not the blob its hash names; it was
    /// dropped and nothing is readable.
    #[error("the bytes uploaded hash to {found}, not to the blob's name; they were dropped")]
    HashMismatch { found: String },
    /// Starting this upload would pass a pending-upload quota.
    #[error(
        "{whose} unfinished uploads would pass {limit} bytes; finish them or wait until they are abandoned"
    )]
    QuotaExceeded { whose: &'static str, limit: u64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<std::io::Error> for BlobError {
    fn from(err: std::io::Error) -> Self {
        BlobError::Storage(StorageError::Files {
            path: "blobs".into(),
            source: err,
        })
    }
}

/// Blob bookkeeping and bytes. Every method is blocking.
pub trait BlobStorage {
    /// The `hashes` that `author` still has to upload (the server lacks
    /// them, or holds them for other estates only), each with the bytes the
    /// device's own interrupted upload left: the offset to go on from.
    fn missing_blobs(
        &self,
        author: &Author,
        hashes: &[BlobHash],
    ) -> Result<Vec<(BlobHash, u64)>, StorageError>;

    /// Appends a chunk if it starts where the device's upload of the blob
    /// stands; the last chunk makes the blob readable once its SHA-256
    /// matches. Safe against concurrent chunks of one upload.
    fn put_blob_chunk(&self, chunk: &BlobChunk<'_>) -> Result<ChunkOutcome, BlobError>;

    /// A blob's bytes, if it is stored and `author` may read it.
    fn read_blob(&self, author: &Author, hash: &BlobHash) -> Result<Option<Vec<u8>>, StorageError>;
}
