//! The one error type of the device store. Apps show these messages to the
//! person holding the phone, so each says what happened in their words; a
//! refused verb passes through unchanged, since the record module already
//! words it for them.

use crate::record::{RecordError, RecordId};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A verb or a document was refused by the record rules.
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("record {0} is not on this device")]
    NotFound(RecordId),
    #[error("record {0} is already on this device")]
    AlreadyExists(RecordId),
    /// A copy saved with [`super::Store::save`] was edited while the stored
    /// record took other edits on this device: both carry the device's
    /// actor, so Automerge cannot hold them side by side.
    #[error(
        "record {0} changed on this device after this copy was loaded; reload it and try again"
    )]
    Stale(RecordId),
    /// The file was migrated by a newer app; opening it would risk damage.
    #[error(
        "this device's record file was written by a newer version of Stairwell \
         (file format {found}, this version reads up to {supported}); update the app"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// Bytes offered as a blob do not hash to the name they came under.
    #[error("the bytes given for blob {expected} are not that blob (their SHA-256 is {found})")]
    BlobMismatch { expected: String, found: String },
    /// A photo or signature over the server's blob limit: refused when it
    /// is attached, not at every upload.
    #[error(
        "this image is {length} bytes; the server accepts at most {limit} bytes: take it again at a lower resolution"
    )]
    BlobTooLarge { length: u64, limit: u64 },
    /// A photo named by a step is not an image this device holds.
    #[error(
        "no image {0} is attached on this device: attach the photo first and pass the hash it prints"
    )]
    BlobNotAttached(String),
    /// Only a blob waiting for upload can be dropped.
    #[error("blob {hash} cannot be dropped: {why}")]
    BlobNotDroppable { hash: String, why: &'static str },
    /// A file to add as a blob could not be read.
    #[error("could not read {path}: {message}")]
    BlobFile { path: String, message: String },
    /// The file holds something this store never writes.
    #[error("this device's record file is damaged: {0}")]
    Corrupt(String),
    #[error("this device's record file could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store file could not be created or made private.
    #[error("this device's record file could not be created: {0}")]
    File(#[from] std::io::Error),
}
