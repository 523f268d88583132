//! The demo's images: signatures and photos drawn here, small and real, and
//! stored as blobs the estate may read, so the console shows thumbnails of
//! them as it would of a phone's uploads. Each is drawn from its subject's
//! text, so the same demo always has the same images.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use sha2::{Digest, Sha256};
use stairwell_core::kinds::{BlobHash, Signature};
use std::io::Cursor;

use super::Seeder;
use crate::cli::demo::DemoError;
use crate::store::{BlobChunk, UploadQuota};

/// A pen stroke across a clear 320 × 120 image: a signature.
fn signature_png(signer: &str) -> Result<Vec<u8>, DemoError> {
    let seed = Sha256::digest(signer.as_bytes());
    let mut image = RgbaImage::from_pixel(320, 120, Rgba([0, 0, 0, 0]));
    let ink = Rgba([20, 40, 110, 255]);
    for x in 10..310u32 {
        let phase = f64::from(x) / 18.0 + f64::from(seed[0]) / 40.0;
        let loops = f64::from(seed[(x as usize / 40) % seed.len()]) / 255.0;
        let y = 60.0 + (phase.sin() * 28.0 * loops) + ((phase * 2.7).cos() * 12.0);
        for thickness in 0..3 {
            let py = (y as i64 + thickness).clamp(0, 119) as u32;
            image.put_pixel(x, py, ink);
        }
    }
    encode(DynamicImage::ImageRgba8(image), ImageFormat::Png)
}

/// A 640 × 480 "photo": a wall in a colour from the subject, with a dark
/// crack across it.
fn photo_jpeg(subject: &str) -> Result<Vec<u8>, DemoError> {
    let seed = Sha256::digest(subject.as_bytes());
    let base = [seed[0] / 2 + 100, seed[1] / 2 + 100, seed[2] / 2 + 100];
    let mut image = RgbImage::from_fn(640, 480, |x, y| {
        let shade = ((x + y) / 16) as u8;
        Rgb([
            base[0].saturating_sub(shade),
            base[1].saturating_sub(shade),
            base[2].saturating_sub(shade),
        ])
    });
    for x in 80..560u32 {
        let y = 240.0 + (f64::from(x) / 30.0).sin() * 40.0 + f64::from(seed[3] % 40);
        for thickness in 0..4 {
            let py = (y as i64 + thickness).clamp(0, 479) as u32;
            image.put_pixel(x, py, Rgb([40, 35, 30]));
        }
    }
    encode(DynamicImage::ImageRgb8(image), ImageFormat::Jpeg)
}

fn encode(image: DynamicImage, format: ImageFormat) -> Result<Vec<u8>, DemoError> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .map_err(|_| DemoError::Seeding("a demo image could not be encoded"))?;
    Ok(out.into_inner())
}

impl Seeder {
    /// `signer`'s signature, its image stored.
    pub(super) fn signature(&self, signer: &str) -> Result<Signature, DemoError> {
        let hash = self.store_image(&signature_png(signer)?)?;
        Ok(Signature::new(hash, signer)?)
    }

    /// A photo of `subject`, stored.
    pub(super) fn photo(&self, subject: &str) -> Result<BlobHash, DemoError> {
        self.store_image(&photo_jpeg(subject)?)
    }

    /// Stores an image as the estate's admin uploaded it, so every one of
    /// the estate's devices and the console may read it.
    fn store_image(&self, bytes: &[u8]) -> Result<BlobHash, DemoError> {
        let hash: BlobHash = hex::encode(Sha256::digest(bytes)).parse()?;
        let author = self
            .people
            .get("admin")
            .ok_or(DemoError::Seeding("the demo has no admin"))?;
        self.storage
            .put_blob_chunk(&BlobChunk {
                quota: UploadQuota::default(),
                author,
                hash: &hash,
                offset: 0,
                length: bytes.len() as u64,
                bytes,
            })
            .map_err(|_| DemoError::Seeding("a demo image could not be stored"))?;
        Ok(hash)
    }
}
