//! Photos and signature images. An app adds the image's bytes (or a file
//! the camera wrote) to the store and gets its SHA-256 back; that hash is
//! what a photo or a signature in a record names. The bytes wait on the
//! phone and upload after the records of the next sync, so a record never
//! waits for its pictures.

use stairwell_core::store::BlobStatus;

use crate::error::Result;
use crate::store::FieldStore;

/// An image kept on this phone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoredImage {
    /// The SHA-256 of the bytes, as 64 hex digits: what records name.
    pub sha256: String,
    /// The image's size in bytes.
    pub bytes: u64,
    /// Whether the server has it yet.
    pub uploaded: bool,
    /// Why the server last refused it (too large...), if it did.
    pub last_error: Option<String>,
}

#[uniffi::export]
impl FieldStore {
    /// Keeps an image's bytes on the phone; returns its SHA-256, to pass to
    /// `attachPhoto` or to a `Signature`.
    pub fn add_image(&self, bytes: Vec<u8>) -> Result<String> {
        Ok(self.lock()?.add_blob(&bytes)?.to_string())
    }

    /// Keeps the image in a file (say, where the camera wrote it); returns
    /// its SHA-256.
    pub fn add_image_file(&self, path: String) -> Result<String> {
        Ok(self.lock()?.add_blob_file(&path)?.to_string())
    }

    /// Drops an image still waiting for upload (one the server refused):
    /// its bytes go, and a record naming it shows it as missing.
    pub fn drop_image(&self, sha256: String) -> Result<()> {
        let hash = sha256
            .parse()
            .map_err(|err| crate::error::StairwellError::InvalidInput {
                field: "sha256".into(),
                reason: format!("{err}"),
            })?;
        Ok(self.lock()?.drop_blob(&hash)?)
    }

    /// Every image on the phone, those still to upload first.
    pub fn images(&self) -> Result<Vec<StoredImage>> {
        let infos = self.lock()?.blobs()?;
        Ok(infos
            .into_iter()
            .map(|info| StoredImage {
                sha256: info.hash.to_string(),
                bytes: info.length,
                uploaded: info.status == BlobStatus::Uploaded,
                last_error: info.last_error,
            })
            .collect())
    }
}
