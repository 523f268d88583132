//! Blob transfer, protocol version 1 (the version of the record protocol):
//! photos and signature images move beside the records, never inside them,
//! and after them, so a record never waits for its photos.
//!
//! An upload survives a dropped connection. The device asks which of its
//! pending hashes the server lacks (`POST /v1/blobs/missing`, CBOR
//! [`MissingRequest`] → [`MissingResponse`]), learning for each how many
//! bytes an earlier, interrupted upload already left there, and sends the
//! rest in chunks: `PUT /v1/blobs/{hash}?offset=N` with the blob's total
//! length in a `Blob-Length` header. The server appends a chunk only at the
//! offset it has reached (else `409` with that offset, from which the device
//! goes on), checks the SHA-256 once the last byte is in, and only then lets
//! anyone read the blob (`GET /v1/blobs/{hash}`).
//!
//! [`BlobUpload`] is the sans-IO side of an upload, like the sync session:
//! it reads the store to say what to send next and writes what the answers
//! mean; the HTTP driver only moves the bytes.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::error::SyncError;
use crate::kinds::BlobHash;
use crate::protocol::{ErrorBody, PROTOCOL_VERSION, decode, encode};
use crate::store::Store;

/// Asks which blobs the server lacks.
pub const BLOBS_MISSING_PATH: &str = "/v1/blobs/missing";

/// The prefix of a blob's path: `/v1/blobs/{hash}`.
pub const BLOBS_PATH: &str = "/v1/blobs";

/// A blob's total length, on every `PUT` of one of its chunks.
pub const BLOB_LENGTH_HEADER: &str = "Blob-Length";

/// How many bytes of a blob the server holds, on `202` and `409` answers.
pub const BLOB_OFFSET_HEADER: &str = "Blob-Offset";

/// The media type of a chunk and of a downloaded blob.
pub const BLOB_CONTENT_TYPE: &str = "application/octet-stream";

/// The chunk size devices send: small enough that a chunk lost to a dropped
/// connection costs little to resend on a weak signal.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Most hashes one `missing` request may name.
pub const MAX_MISSING_HASHES: usize = 1000;

pub use crate::protocol::DEFAULT_MAX_BLOB_BYTES;

/// A blob's path on the server.
pub fn blob_path(hash: &BlobHash) -> String {
    format!("{BLOBS_PATH}/{hash}")
}

/// Which of these blobs does the server lack?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingRequest {
    pub version: u32,
    /// SHA-256 hashes, 64 hex digits each.
    pub hashes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingResponse {
    pub version: u32,
    /// The asked hashes this device still has to upload; a hash left out is
    /// held by the server, readable by this device, and need not be sent.
    pub missing: Vec<MissingBlob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingBlob {
    pub hash: String,
    /// Bytes of it this device already uploaded: the offset to go on from.
    pub received: u64,
}

/// The server's answer to a chunk (`200`, `201`, `202`, and `409`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub version: u32,
    pub hash: String,
    /// Bytes the server holds: the offset of the next chunk.
    pub received: u64,
    /// The blob's total length, as declared in `Blob-Length`.
    pub length: u64,
    /// The whole blob arrived, its hash matched, and it is stored.
    pub complete: bool,
}

/// A blob the server would not take; it stays pending on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRefusal {
    pub hash: String,
    /// The HTTP status: 413 too large, 422 bytes not matching the hash...
    pub status: u16,
    pub message: String,
}

/// What an upload did, for progress and its summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlobStats {
    /// Requests answered.
    pub requests: u32,
    /// Blobs the server now holds that it lacked.
    pub uploaded: u32,
    /// Pending blobs the server already held (nothing sent).
    pub already_on_server: u32,
    /// Chunk bytes sent.
    pub bytes_sent: u64,
    /// Bytes not sent again because an interrupted upload left them on the
    /// server.
    pub bytes_resumed: u64,
    /// Blobs the server refused; they stay pending.
    pub refused: Vec<BlobRefusal>,
    /// Blobs still to do in this upload.
    pub to_upload: u32,
    /// Why the upload stopped before the end, if it did (set by a sync,
    /// whose records landed whatever became of the blobs).
    pub error: Option<String>,
}

/// The next request of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobStep {
    /// `POST` this CBOR [`MissingRequest`] to [`BLOBS_MISSING_PATH`].
    AskMissing { body: Vec<u8> },
    /// `PUT` `chunk` to [`blob_path`]`(hash)?offset={offset}`, with
    /// `Blob-Length: {length}`.
    PutChunk {
        hash: BlobHash,
        offset: u64,
        length: u64,
        chunk: Vec<u8>,
    },
}

/// Answers to a chunk that keep naming an offset the device cannot use are
/// not followed forever.
const MAX_CONFLICTS: u32 = 8;

/// The blob being sent: its bytes, read once, and where the server is.
#[derive(Debug)]
struct Sending {
    hash: BlobHash,
    bytes: Vec<u8>,
    offset: u64,
    /// Length of the chunk in flight.
    in_flight: usize,
    conflicts: u32,
}

/// One upload of the store's pending blobs. Drive it with
/// [`BlobUpload::next_step`] and hand each answer to
/// [`BlobUpload::handle_missing`] or [`BlobUpload::handle_chunk`]; after a
/// dropped connection, send the same step again: the server's `409` says
/// where to go on if the chunk had in fact arrived.
#[derive(Debug)]
pub struct BlobUpload {
    to_ask: VecDeque<BlobHash>,
    /// Blobs the server lacks, with the bytes it holds of each.
    to_send: VecDeque<(BlobHash, u64)>,
    asked: Vec<BlobHash>,
    current: Option<Sending>,
    chunk_bytes: usize,
    stats: BlobStats,
}

impl BlobUpload {
    /// Starts an upload of every blob the store has pending.
    pub fn new(store: &Store) -> Result<Self, SyncError> {
        let to_ask: VecDeque<BlobHash> = store.pending_blobs()?.into();
        let stats = BlobStats {
            to_upload: count(to_ask.len()),
            ..BlobStats::default()
        };
        Ok(BlobUpload {
            to_ask,
            to_send: VecDeque::new(),
            asked: Vec::new(),
            current: None,
            chunk_bytes: CHUNK_BYTES,
            stats,
        })
    }

    /// Sends chunks of `bytes` instead of [`CHUNK_BYTES`] (at least 1).
    pub fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes.max(1);
        self
    }

    pub fn stats(&self) -> &BlobStats {
        &self.stats
    }

    /// The next request, or `None` once every pending blob is done.
    pub fn next_step(&mut self, store: &Store) -> Result<Option<BlobStep>, SyncError> {
        if self.current.is_none() {
            self.start_next(store)?;
        }
        if let Some(sending) = &mut self.current {
            let start = usize::try_from(sending.offset)
                .unwrap_or(usize::MAX)
                .min(sending.bytes.len());
            let end = start
                .saturating_add(self.chunk_bytes)
                .min(sending.bytes.len());
            sending.in_flight = end - start;
            return Ok(Some(BlobStep::PutChunk {
                hash: sending.hash.clone(),
                offset: sending.offset,
                length: sending.bytes.len() as u64,
                chunk: sending.bytes[start..end].to_vec(),
            }));
        }
        if self.to_ask.is_empty() {
            return Ok(None);
        }
        let take = self.to_ask.len().min(MAX_MISSING_HASHES);
        self.asked = self.to_ask.drain(..take).collect();
        let request = MissingRequest {
            version: PROTOCOL_VERSION,
            hashes: self.asked.iter().map(ToString::to_string).collect(),
        };
        Ok(Some(BlobStep::AskMissing {
            body: encode(&request),
        }))
    }

    /// Takes the next blob the server lacks, skipping any the device no
    /// longer holds.
    fn start_next(&mut self, store: &Store) -> Result<(), SyncError> {
        while let Some((hash, received)) = self.to_send.pop_front() {
            let Some(bytes) = store.blob(&hash)? else {
                self.stats.to_upload = self.stats.to_upload.saturating_sub(1);
                continue;
            };
            // An offset past the blob cannot be the server's own partial
            // upload of it; start over and let a 409 correct the offset.
            let offset = if received <= bytes.len() as u64 {
                received
            } else {
                0
            };
            self.stats.bytes_resumed += offset;
            self.current = Some(Sending {
                hash,
                bytes,
                offset,
                in_flight: 0,
                conflicts: 0,
            });
            break;
        }
        Ok(())
    }

    /// Stores what a `200` answer to [`BlobStep::AskMissing`] says: blobs the
    /// server holds stop being pending, the others are queued with their
    /// offsets.
    pub fn handle_missing(&mut self, store: &mut Store, body: &[u8]) -> Result<(), SyncError> {
        let response: MissingResponse = decode(body).map_err(SyncError::BadResponse)?;
        if response.version != PROTOCOL_VERSION {
            return Err(SyncError::VersionMismatch {
                found: response.version,
            });
        }
        self.stats.requests += 1;
        let missing: HashMap<&str, u64> = response
            .missing
            .iter()
            .map(|blob| (blob.hash.as_str(), blob.received))
            .collect();
        for hash in std::mem::take(&mut self.asked) {
            match missing.get(hash.as_str()) {
                Some(&received) => self.to_send.push_back((hash, received)),
                None => {
                    store.mark_blob_uploaded(&hash)?;
                    self.stats.already_on_server += 1;
                    self.stats.to_upload = self.stats.to_upload.saturating_sub(1);
                }
            }
        }
        Ok(())
    }

    /// Stores what the server answered to the last [`BlobStep::PutChunk`]:
    /// `200`/`201`/`202`/`409` with an [`UploadStatus`], or `400`/`404`/
    /// `413`/`422`/`507` with an [`ErrorBody`], which refuses this blob (it
    /// stays pending, with the reason, for the next sync) and moves on to
    /// the next. Any other status
    /// is the caller's to report.
    pub fn handle_chunk(
        &mut self,
        store: &mut Store,
        status: u16,
        body: &[u8],
    ) -> Result<(), SyncError> {
        let Some(sending) = &mut self.current else {
            return Err(SyncError::BadResponse(
                "an answer to a chunk when none was sent".into(),
            ));
        };
        self.stats.requests += 1;
        self.stats.bytes_sent += sending.in_flight as u64;
        match status {
            200..=202 | 409 => {
                let answer: UploadStatus = decode(body).map_err(SyncError::BadResponse)?;
                if answer.complete {
                    store.mark_blob_uploaded(&sending.hash)?;
                    self.stats.uploaded += 1;
                    self.finish_current();
                    return Ok(());
                }
                let moved = answer.received > sending.offset;
                sending.offset = answer.received;
                if moved {
                    sending.conflicts = 0;
                } else {
                    sending.conflicts += 1;
                }
                if sending.conflicts > MAX_CONFLICTS {
                    let message = format!(
                        "the server keeps asking for offset {} of this blob; it is left for the next upload",
                        answer.received
                    );
                    self.refuse(store, status, message)?;
                }
                Ok(())
            }
            400 | 404 | 413 | 422 | 507 => {
                let message = decode::<ErrorBody>(body)
                    .map(|error| error.message)
                    .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
                self.refuse(store, status, message)
            }
            other => Err(SyncError::BadResponse(format!(
                "status {other} to a blob chunk"
            ))),
        }
    }

    fn refuse(&mut self, store: &mut Store, status: u16, message: String) -> Result<(), SyncError> {
        if let Some(sending) = self.current.take() {
            store.set_blob_error(&sending.hash, Some(&message))?;
            self.stats.refused.push(BlobRefusal {
                hash: sending.hash.to_string(),
                status,
                message,
            });
            self.stats.to_upload = self.stats.to_upload.saturating_sub(1);
        }
        Ok(())
    }

    fn finish_current(&mut self) {
        self.current = None;
        self.stats.to_upload = self.stats.to_upload.saturating_sub(1);
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::store::{BlobStatus, blob_hash};

    /// A server in memory that speaks the upload protocol, and can drop
    /// the connection after storing a chunk.
    #[derive(Default)]
    struct FakeServer {
        partial: BTreeMap<String, Vec<u8>>,
        complete: BTreeMap<String, Vec<u8>>,
        max: Option<u64>,
    }

    enum Answer {
        Ok(u16, Vec<u8>),
        Dropped,
    }

    impl FakeServer {
        fn answer(&mut self, step: &BlobStep, drop_after_store: bool) -> Answer {
            match step {
                BlobStep::AskMissing { body } => {
                    let request: MissingRequest = decode(body).expect("request");
                    let missing = request
                        .hashes
                        .into_iter()
                        .filter(|hash| !self.complete.contains_key(hash))
                        .map(|hash| MissingBlob {
                            received: self.partial.get(&hash).map_or(0, |p| p.len() as u64),
                            hash,
                        })
                        .collect();
                    let response = MissingResponse {
                        version: PROTOCOL_VERSION,
                        missing,
                    };
                    Answer::Ok(200, encode(&response))
                }
                BlobStep::PutChunk {
                    hash,
                    offset,
                    length,
                    chunk,
                } => {
                    if self.max.is_some_and(|max| *length > max) {
                        let error = ErrorBody {
                            code: crate::protocol::ErrorCode::TooLarge,
                            message: "too large".into(),
                        };
                        return Answer::Ok(413, encode(&error));
                    }
                    let key = hash.to_string();
                    let partial = self.partial.entry(key.clone()).or_default();
                    let status = |received: u64, complete: bool| UploadStatus {
                        version: PROTOCOL_VERSION,
                        hash: key.clone(),
                        received,
                        length: *length,
                        complete,
                    };
                    if *offset != partial.len() as u64 {
                        return Answer::Ok(409, encode(&status(partial.len() as u64, false)));
                    }
                    partial.extend_from_slice(chunk);
                    let received = partial.len() as u64;
                    let done = received == *length;
                    if done {
                        let bytes = self.partial.remove(&key).unwrap_or_default();
                        assert_eq!(blob_hash(&bytes), *hash);
                        self.complete.insert(key.clone(), bytes);
                    }
                    if drop_after_store {
                        return Answer::Dropped;
                    }
                    Answer::Ok(
                        if done { 201 } else { 202 },
                        encode(&status(received, done)),
                    )
                }
            }
        }
    }

    /// Runs an upload against `server`; the connection drops after the
    /// chunk numbers in `drops` are stored, and the step is sent again.
    /// Stops after `max_chunks` answered chunks, like a cancelled upload.
    fn run(
        store: &mut Store,
        server: &mut FakeServer,
        drops: &[usize],
        max_chunks: Option<usize>,
    ) -> BlobStats {
        let mut upload = BlobUpload::new(store).expect("new").with_chunk_bytes(100);
        let mut chunks = 0;
        while let Some(step) = upload.next_step(store).expect("step") {
            let is_chunk = matches!(step, BlobStep::PutChunk { .. });
            let mut answer = server.answer(&step, is_chunk && drops.contains(&chunks));
            if matches!(answer, Answer::Dropped) {
                answer = server.answer(&step, false);
            }
            let Answer::Ok(status, body) = answer else {
                unreachable!()
            };
            match step {
                BlobStep::AskMissing { .. } => {
                    upload.handle_missing(store, &body).expect("missing")
                }
                BlobStep::PutChunk { .. } => {
                    upload.handle_chunk(store, status, &body).expect("chunk");
                    chunks += 1;
                }
            }
            if max_chunks.is_some_and(|max| chunks >= max) {
                break;
            }
        }
        upload.stats().clone()
    }

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn pending_blobs_go_up_in_chunks_and_stop_being_pending() {
        let mut store = Store::open_in_memory().expect("store");
        let a = store.add_blob(&bytes(250, 1)).expect("a");
        let b = store.add_blob(&bytes(100, 2)).expect("b");
        let mut server = FakeServer::default();
        let stats = run(&mut store, &mut server, &[], None);
        assert_eq!(stats.uploaded, 2);
        assert_eq!(stats.bytes_sent, 350);
        assert_eq!(stats.bytes_resumed, 0);
        assert_eq!(stats.to_upload, 0);
        // Three chunks of a, one of b, one question.
        assert_eq!(stats.requests, 5);
        assert_eq!(server.complete.len(), 2);
        for hash in [a, b] {
            assert_eq!(
                store.blob_status(&hash).expect("status"),
                BlobStatus::Uploaded
            );
        }
        // Nothing left to do.
        let again = run(&mut store, &mut server, &[], None);
        assert_eq!(again, BlobStats::default());
    }

    #[test]
    fn blobs_the_server_holds_are_not_sent() {
        let mut store = Store::open_in_memory().expect("store");
        let hash = store.add_blob(&bytes(500, 3)).expect("add");
        let mut server = FakeServer::default();
        server.complete.insert(hash.to_string(), bytes(500, 3));
        let stats = run(&mut store, &mut server, &[], None);
        assert_eq!(stats.already_on_server, 1);
        assert_eq!(stats.bytes_sent, 0);
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Uploaded
        );
    }

    #[test]
    fn an_interrupted_upload_goes_on_from_the_servers_offset() {
        let mut store = Store::open_in_memory().expect("store");
        let photo = bytes(450, 4);
        let hash = store.add_blob(&photo).expect("add");
        let mut server = FakeServer::default();
        // The phone loses the signal after two chunks.
        let first = run(&mut store, &mut server, &[], Some(2));
        assert_eq!(first.bytes_sent, 200);
        assert_eq!(store.blob_status(&hash).expect("status"), BlobStatus::Local);
        // The next upload asks, and sends only the rest.
        let second = run(&mut store, &mut server, &[], None);
        assert_eq!(second.bytes_resumed, 200);
        assert_eq!(second.bytes_sent, 250);
        assert_eq!(second.uploaded, 1);
        assert_eq!(server.complete.get(hash.as_str()), Some(&photo));
    }

    #[test]
    fn a_chunk_whose_answer_was_lost_is_not_stored_twice() {
        let mut store = Store::open_in_memory().expect("store");
        let photo = bytes(300, 5);
        let hash = store.add_blob(&photo).expect("add");
        let mut server = FakeServer::default();
        // The first chunk arrives but its answer is lost: resent, the
        // server answers 409 with its offset and the upload goes on.
        let stats = run(&mut store, &mut server, &[0], None);
        assert_eq!(stats.uploaded, 1);
        assert_eq!(stats.bytes_sent, 300);
        assert_eq!(server.complete.get(hash.as_str()), Some(&photo));
    }

    #[test]
    fn a_refused_blob_stays_pending_with_the_reason_and_the_rest_go_on() {
        let mut store = Store::open_in_memory().expect("store");
        let big = store.add_blob(&bytes(400, 6)).expect("big");
        let small = store.add_blob(&bytes(50, 7)).expect("small");
        let mut server = FakeServer {
            max: Some(100),
            ..FakeServer::default()
        };
        let stats = run(&mut store, &mut server, &[], None);
        assert_eq!(stats.uploaded, 1);
        assert_eq!(stats.refused.len(), 1);
        assert_eq!(stats.refused[0].hash, big.to_string());
        assert_eq!(stats.refused[0].status, 413);
        assert_eq!(store.pending_blobs().expect("pending"), vec![big]);
        assert_eq!(
            store.blob_status(&small).expect("status"),
            BlobStatus::Uploaded
        );
        let info = store.blobs().expect("blobs");
        assert_eq!(info[0].last_error.as_deref(), Some("too large"));
    }

    #[test]
    fn an_empty_blob_is_one_empty_chunk() {
        let mut store = Store::open_in_memory().expect("store");
        let hash = store.add_blob(b"").expect("add");
        let mut server = FakeServer::default();
        let stats = run(&mut store, &mut server, &[], None);
        assert_eq!(stats.uploaded, 1);
        assert_eq!(server.complete.get(hash.as_str()), Some(&Vec::new()));
    }

    #[test]
    fn messages_round_trip_through_cbor() {
        let request = MissingRequest {
            version: PROTOCOL_VERSION,
            hashes: vec![blob_hash(b"x").to_string()],
        };
        assert_eq!(decode::<MissingRequest>(&encode(&request)), Ok(request));
        assert_eq!(
            blob_path(&blob_hash(b"abc")),
            "/v1/blobs/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
