//! Images in the console: what type a stored photo or signature is, the
//! thumbnails pages show of them, and the signature images a desk uploads
//! with a form (a resident's signature for a callback in person, the
//! officers' at a handover, the supervisor's on the duty log). An uploaded
//! image is stored exactly as a phone's upload is, through the blob store
//! as the console's device, so the record that names it is judged and
//! served the same way.
//!
//! Thumbnails are made here, not in the browser: a phone photo is a few
//! MiB and a page of a round has dozens. Each is decoded within limits (a
//! crafted image cannot claim gigabytes), turned upright by its EXIF
//! orientation (phones store photos sideways and say so), shrunk to fit
//! [`THUMB_SIZE`], and kept in a small cache by hash: blobs never change.

use std::io::Cursor;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use lru::LruCache;
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

/// The box a thumbnail fits in, in pixels.
pub const THUMB_SIZE: u32 = 240;
/// Thumbnails kept (about 20 KiB each).
const CACHED_THUMBS: usize = 512;
/// The largest image decoded for a thumbnail: a 48-megapixel photo.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// A thumbnail: its bytes and their type.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub bytes: Arc<Vec<u8>>,
    pub content_type: &'static str,
}

fn cache() -> &'static Mutex<LruCache<String, Thumbnail>> {
    static CACHE: OnceLock<Mutex<LruCache<String, Thumbnail>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(LruCache::new(
            NonZeroUsize::new(CACHED_THUMBS).unwrap_or(NonZeroUsize::MIN),
        ))
    })
}

/// The cached thumbnail of blob `hash`, if one was made.
pub fn cached_thumbnail(hash: &str) -> Option<Thumbnail> {
    cache().lock().ok()?.get(hash).cloned()
}

/// Makes (and caches) the thumbnail of the image `bytes`, blob `hash`:
/// upright, fitting [`THUMB_SIZE`], JPEG, or PNG when it has transparency
/// (a signature on a clear background). Blocking and CPU-bound.
pub fn make_thumbnail(hash: &str, bytes: &[u8]) -> Result<Thumbnail, image::ImageError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let small = image.thumbnail(THUMB_SIZE, THUMB_SIZE);
    let mut out = Cursor::new(Vec::new());
    let content_type = if small.color().has_alpha() {
        small.write_to(&mut out, ImageFormat::Png)?;
        "image/png"
    } else {
        DynamicImage::ImageRgb8(small.to_rgb8()).write_to(&mut out, ImageFormat::Jpeg)?;
        "image/jpeg"
    };
    let thumbnail = Thumbnail {
        bytes: Arc::new(out.into_inner()),
        content_type,
    };
    if let Ok(mut cache) = cache().lock() {
        cache.put(hash.to_owned(), thumbnail.clone());
    }
    Ok(thumbnail)
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

    /// A 600 × 300 PNG, with an `eXIf` chunk saying "rotate 90° clockwise"
    /// when `sideways`, as a phone held upright writes it.
    fn photo(sideways: bool) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(600, 300);
        let mut png = Cursor::new(Vec::new());
        image.write_to(&mut png, ImageFormat::Png).expect("png");
        let png = png.into_inner();
        if !sideways {
            return png;
        }
        // TIFF, little-endian: one IFD entry, Orientation (0x0112) = 6.
        let exif: Vec<u8> = [
            &b"II*\0"[..],
            &8u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &0x0112u16.to_le_bytes(),
            &3u16.to_le_bytes(),
            &1u32.to_le_bytes(),
            &6u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u32.to_le_bytes(),
        ]
        .concat();
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&(exif.len() as u32).to_be_bytes());
        let body = [&b"eXIf"[..], &exif].concat();
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc32(&body).to_be_bytes());
        // After the signature (8) and IHDR (25 bytes).
        [&png[..33], &chunk, &png[33..]].concat()
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn size_of(thumbnail: &Thumbnail) -> (u32, u32) {
        let image = image::load_from_memory(&thumbnail.bytes).expect("a thumbnail decodes");
        (image.width(), image.height())
    }

    #[test]
    fn thumbnails_fit_the_box_and_stand_upright() {
        let flat = make_thumbnail("flat", &photo(false)).expect("thumbnail");
        assert_eq!(flat.content_type, "image/jpeg");
        assert_eq!(size_of(&flat), (240, 120));
        let upright = make_thumbnail("upright", &photo(true)).expect("thumbnail");
        assert_eq!(
            size_of(&upright),
            (120, 240),
            "turned by its EXIF orientation"
        );
        assert!(cached_thumbnail("upright").is_some());
    }

    #[test]
    fn what_is_not_an_image_makes_no_thumbnail() {
        assert!(make_thumbnail("junk", b"not an image at all").is_err());
        // A header claiming a picture of 100,000 × 100,000 pixels is
        // refused by the limits, not allocated.
        let mut huge = photo(false);
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        let refused = make_thumbnail("huge", &huge).expect_err("refused");
        assert!(
            matches!(refused, image::ImageError::Limits(_)),
            "{refused:?}"
        );
    }
}
