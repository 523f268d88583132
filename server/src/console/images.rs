//! Images in the console: what type a stored photo or signature is, and
//! the signature images a desk uploads with a form (a resident's signature
//! for a callback in person, the officers' at a handover, the supervisor's
//! on the duty log). An uploaded image is stored exactly as a phone's
//! upload is, through the blob store as the console's device, so the
//! record that names it is judged and served the same way.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use stairwell_core::kinds::BlobHash;

use super::session::{Ctx, PageError, blocking};
use crate::http::state::AppState;
use crate::store::{BlobChunk, BlobError};

/// The image types phones send, by their first bytes.
pub fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

/// An uploaded image, checked and named by its hash, not yet stored: the
/// step that names it is admitted first, so a refused form stores nothing.
#[derive(Debug)]
pub struct Upload {
    pub hash: BlobHash,
    bytes: Vec<u8>,
}

impl Upload {
    /// Anything but a PNG, JPEG, GIF or WebP image, or one over the
    /// server's blob limit, is refused.
    pub fn check(state: &AppState, ctx: &Ctx, bytes: &[u8]) -> Result<Upload, PageError> {
        if !sniff(bytes).starts_with("image/") {
            return Err(PageError::BadRequest(
                ctx.t("error.not_an_image").to_owned(),
            ));
        }
        let max = state.limits.max_blob_bytes;
        let length = bytes.len() as u64;
        if length > max {
            return Err(PageError::BadRequest(ctx.lang.tf(
                "error.image_too_big",
                &[&length.to_string(), &max.to_string()],
            )));
        }
        let hash = hex::encode(Sha256::digest(bytes))
            .parse()
            .map_err(PageError::internal)?;
        Ok(Upload {
            hash,
            bytes: bytes.to_vec(),
        })
    }

    /// Stores the image as a blob the signed-in user's estates may read.
    pub async fn store(self, state: &Arc<AppState>, ctx: &Ctx) -> Result<(), PageError> {
        let quota = state.limits.uploads;
        let author = ctx.author();
        let Upload { hash, bytes } = self;
        let length = bytes.len() as u64;
        let outcome = blocking(state, move |storage| {
            Ok(storage.put_blob_chunk(&BlobChunk {
                quota,
                author: &author,
                hash: &hash,
                offset: 0,
                length,
                bytes: &bytes,
            }))
        })
        .await?;
        match outcome {
            Ok(_) => Ok(()),
            Err(BlobError::QuotaExceeded { .. }) => Err(PageError::BadRequest(
                ctx.t("error.upload_quota").to_owned(),
            )),
            Err(err) => Err(PageError::internal(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), "image/jpeg");
        assert_eq!(sniff(b"hello"), "application/octet-stream");
    }
}
