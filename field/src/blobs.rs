//! Photos and signature images: `attach` keeps a file's bytes in the store
//! and prints the hash that verbs take (`repair photo ID --blob HASH`,
//! `--signature HASH`), `blobs` lists what the device holds and what the
//! server has, and `fetch` downloads a blob another phone took. `sync`
//! uploads pending blobs after the records; this file also words that part
//! of its summary.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use stairwell_core::kinds::BlobHash;
use stairwell_core::record::RecordId;
use stairwell_core::store::{BlobStatus, Store};
use stairwell_core::sync::blobs::BlobStats;
use stairwell_core::sync::http;
use stairwell_core::sync::session::SyncStats;

use super::FieldError;
use super::output;

#[derive(Debug, Clone, Args)]
pub struct AttachArgs {
    /// The image file (photo or signature) to keep as a blob.
    pub file: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct BlobsArgs {
    /// Only the blobs this record references, including those the device
    /// lacks (`missing`).
    #[arg(long)]
    pub record: Option<RecordId>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// The blob's SHA-256 (64 hex digits).
    pub hash: BlobHash,
    /// Where to write the bytes.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct DropArgs {
    /// The blob's SHA-256 (64 hex digits), as `blobs` lists it.
    pub hash: BlobHash,
}

/// One blob, as `blobs --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlobOut {
    pub hash: String,
    /// `local` (pending upload), `uploaded` or `missing` (not on this device).
    pub status: BlobStatus,
    /// Null for a missing blob.
    pub length: Option<u64>,
    pub added_at: Option<String>,
    pub last_error: Option<String>,
}

/// Keeps the file's bytes as a blob and prints its hash alone.
pub fn attach(store: &mut Store, args: &AttachArgs) -> Result<(), FieldError> {
    let hash = store.add_blob_file(&args.file)?;
    output::print(hash.as_str())
}

/// Drops a pending blob and says so.
pub fn drop(store: &mut Store, args: &DropArgs) -> Result<(), FieldError> {
    store.drop_blob(&args.hash)?;
    output::print(&format!("dropped {}", args.hash))
}

/// The blobs the device holds, pending first; or those of one record.
pub fn list(store: &Store, args: &BlobsArgs) -> Result<(), FieldError> {
    let held: Vec<BlobOut> = store
        .blobs()?
        .into_iter()
        .map(|blob| BlobOut {
            hash: blob.hash.to_string(),
            status: blob.status,
            length: Some(blob.length),
            added_at: Some(output::time(blob.added_at)),
            last_error: blob.last_error,
        })
        .collect();
    let shown = match args.record {
        None => held,
        Some(id) => store
            .record_blobs(id)?
            .into_iter()
            .map(|(hash, status)| {
                held.iter()
                    .find(|blob| blob.hash == hash.as_str())
                    .cloned()
                    .unwrap_or_else(|| BlobOut {
                        hash: hash.to_string(),
                        status,
                        length: None,
                        added_at: None,
                        last_error: None,
                    })
            })
            .collect(),
    };
    if args.json {
        return output::print_json(&shown);
    }
    if shown.is_empty() {
        return output::print("no blobs");
    }
    let lines: Vec<String> = shown.iter().map(text_line).collect();
    output::print(&lines.join("\n"))
}

fn text_line(blob: &BlobOut) -> String {
    let mut line = format!("{}  {}", blob.hash, blob.status.as_str());
    if let Some(length) = blob.length {
        line.push_str(&format!("  {length} bytes"));
    }
    if let Some(error) = &blob.last_error {
        line.push_str(&format!("  (refused: {error})"));
    }
    line
}

/// Writes a blob to a file: from the store if the device holds it, else
/// downloaded from the server (and kept in the store).
pub fn fetch(store: &mut Store, args: &FetchArgs) -> Result<(), FieldError> {
    let bytes = match store.blob(&args.hash)? {
        Some(bytes) => bytes,
        None => {
            let enrollment = store.enrollment()?.ok_or(FieldError::NotEnrolled)?;
            http::download_blob(store, &enrollment.server_url, &enrollment.token, &args.hash)?
        }
    };
    std::fs::write(&args.out, &bytes).map_err(|err| {
        FieldError::input(format!("could not write {}: {err}", args.out.display()))
    })?;
    output::print(&format!(
        "{} bytes written to {}",
        bytes.len(),
        args.out.display()
    ))
}

/// The stderr line after each request of a sync: the records' figures,
/// then, once blobs are uploading, theirs.
pub fn progress_line(stats: &SyncStats) -> String {
    let blobs = &stats.blobs;
    if blobs.requests == 0 {
        return output::progress_line(stats);
    }
    format!(
        "blobs: uploaded {}, {} to go, {} bytes sent",
        blobs.uploaded, blobs.to_upload, blobs.bytes_sent
    )
}

/// The lines a sync summary adds about blobs; none when there were none.
pub fn summary_lines(stats: &BlobStats) -> Vec<String> {
    let mut lines = Vec::new();
    if stats.uploaded > 0 || stats.bytes_sent > 0 {
        lines.push(format!(
            "uploaded {} blob(s) ({} bytes sent, {} resumed)",
            stats.uploaded, stats.bytes_sent, stats.bytes_resumed
        ));
    }
    if !stats.refused.is_empty() {
        lines.push(format!(
            "the server refused {} blob(s); they stay on this device:",
            stats.refused.len()
        ));
        lines.extend(stats.refused.iter().map(|refused| {
            format!(
                "  {} ({}): {}",
                refused.hash, refused.status, refused.message
            )
        }));
    }
    if let Some(error) = &stats.error {
        lines.push(format!(
            "blob upload stopped, to go on at the next sync: {error}"
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use stairwell_core::sync::blobs::BlobRefusal;

    #[test]
    fn attach_lists_and_fetch_offline() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(dir.path().join("device.db")).expect("store");
        let photo = dir.path().join("leak.jpg");
        std::fs::write(&photo, b"jpeg").expect("write");
        attach(&mut store, &AttachArgs { file: photo }).expect("attach");
        let hash = stairwell_core::store::blob_hash(b"jpeg");
        assert_eq!(store.pending_blobs().expect("pending"), vec![hash.clone()]);
        list(
            &store,
            &BlobsArgs {
                record: None,
                json: true,
            },
        )
        .expect("list");
        // A held blob is fetched without a server or an enrollment.
        let out = dir.path().join("copy.jpg");
        fetch(
            &mut store,
            &FetchArgs {
                hash,
                out: out.clone(),
            },
        )
        .expect("fetch");
        assert_eq!(std::fs::read(&out).expect("read"), b"jpeg");
        // One it lacks needs the enrollment's server.
        let other = stairwell_core::store::blob_hash(b"elsewhere");
        let err = fetch(&mut store, &FetchArgs { hash: other, out });
        assert!(matches!(err, Err(FieldError::NotEnrolled)));
    }

    #[test]
    fn the_sync_summary_names_refused_blobs() {
        assert!(summary_lines(&BlobStats::default()).is_empty());
        let stats = BlobStats {
            uploaded: 2,
            bytes_sent: 100,
            refused: vec![BlobRefusal {
                hash: "ab".into(),
                status: 413,
                message: "too large".into(),
            }],
            ..BlobStats::default()
        };
        let lines = summary_lines(&stats);
        assert_eq!(lines[0], "uploaded 2 blob(s) (100 bytes sent, 0 resumed)");
        assert_eq!(lines[2], "  ab (413): too large");
    }
}
