//! Blobs through a real server: uploads in chunks that resume from the
//! server's offset after a drop, bytes checked against their hash before
//! anyone can read them, the size limit, reads limited to the uploader's
//! estates, and records that sync whether or not their photos have.

use std::path::Path;

use chrono::Utc;
use stairwell_core::kinds::BlobHash;
use stairwell_core::protocol::{self, CONTENT_TYPE, ErrorBody, ErrorCode, PROTOCOL_VERSION};
use stairwell_core::store::{BlobStatus, Store, blob_hash};
use stairwell_core::sync::blobs::{
    BLOB_LENGTH_HEADER, BLOB_OFFSET_HEADER, BLOBS_MISSING_PATH, CHUNK_BYTES, MissingRequest,
    MissingResponse, UploadStatus,
};
use stairwell_core::sync::http::{self, TransportError};
use stairwell_tests::api::{Device, World, open_sheet, world};
use stairwell_tests::backend::{Backend, backend};
use stairwell_tests::field_cli::{field, field_error, open_sheet as open_sheet_by_cli};

const CHUNK: u64 = CHUNK_BYTES as u64;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

fn read(response: &mut ureq::http::Response<ureq::Body>) -> Vec<u8> {
    response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("read body")
}

/// Bytes that differ from one blob to the next.
fn photo(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// A raw chunk: status, body, and the `Blob-Offset` header.
fn put(
    w: &World,
    token: Option<&str>,
    hash: &str,
    offset: u64,
    length: Option<u64>,
    chunk: &[u8],
) -> (u16, Vec<u8>, Option<u64>) {
    let url = format!("{}/v1/blobs/{hash}?offset={offset}", w.client().url);
    let mut request = agent().put(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(length) = length {
        request = request.header(BLOB_LENGTH_HEADER, length.to_string());
    }
    let mut response = request.send(chunk).expect("put");
    let offset = response
        .headers()
        .get(BLOB_OFFSET_HEADER)
        .and_then(|value| value.to_str().ok()?.parse().ok());
    (response.status().as_u16(), read(&mut response), offset)
}

fn status(body: &[u8]) -> UploadStatus {
    protocol::decode(body).expect("an upload status")
}

fn error(body: &[u8]) -> ErrorBody {
    protocol::decode(body).expect("an error body")
}

fn get(w: &World, device: &Device, hash: &str) -> (u16, Vec<u8>) {
    let url = format!("{}/v1/blobs/{hash}", w.client().url);
    let mut response = agent()
        .get(url)
        .header("Authorization", format!("Bearer {}", device.token))
        .call()
        .expect("get");
    (response.status().as_u16(), read(&mut response))
}

fn ask(w: &World, device: &Device, hashes: &[&str]) -> (u16, Vec<u8>) {
    let request = MissingRequest {
        version: PROTOCOL_VERSION,
        hashes: hashes.iter().map(|hash| (*hash).to_owned()).collect(),
    };
    let mut response = agent()
        .post(format!("{}{BLOBS_MISSING_PATH}", w.client().url))
        .header("Authorization", format!("Bearer {}", device.token))
        .content_type(CONTENT_TYPE)
        .send(&protocol::encode(&request))
        .expect("post");
    (response.status().as_u16(), read(&mut response))
}

/// What the server says `device` still has to upload of `hash`: `None` if
/// nothing, else the bytes it holds.
fn received(w: &World, device: &Device, hash: &BlobHash) -> Option<u64> {
    let (code, body) = ask(w, device, &[hash.as_str()]);
    assert_eq!(code, 200);
    let answer: MissingResponse = protocol::decode(&body).expect("missing");
    answer
        .missing
        .iter()
        .find(|blob| blob.hash == hash.as_str())
        .map(|blob| blob.received)
}

fn enrolled(w: &World, device: &Device) -> Store {
    let mut store = Store::open_in_memory().expect("store");
    http::enroll(&mut store, &w.client().url, &device.token, None).expect("enroll");
    store
}

fn upload(w: &World, store: &mut Store, device: &Device) -> stairwell_core::sync::blobs::BlobStats {
    http::upload_blobs(store, &w.client().url, &device.token, |_| true).expect("upload")
}

fn metric(w: &World, name: &str) -> u64 {
    let (_, text) = w.client().get("/metrics");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} "))?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// The files under the data directory's blob folder.
fn blob_files(data: &Path) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(&data.join("blobs"), &mut found);
    found
}

#[test]
fn a_blob_goes_up_in_chunks_and_reaches_another_device_of_the_estate() {
    let w = world(&[]);
    let mut desk = enrolled(&w, &w.desk);
    let bytes = photo(700_000, 1);
    let hash = desk.add_blob(&bytes).expect("add");
    assert_eq!(desk.pending_blobs().expect("pending"), vec![hash.clone()]);

    let mut seen = Vec::new();
    let stats = http::upload_blobs(&mut desk, &w.client().url, &w.desk.token, |stats| {
        seen.push(stats.bytes_sent);
        true
    })
    .expect("upload");
    assert_eq!(stats.uploaded, 1);
    assert_eq!(stats.bytes_sent, 700_000);
    assert_eq!(stats.bytes_resumed, 0);
    // One question, then three chunks of at most 256 KiB.
    assert_eq!(stats.requests, 4);
    assert_eq!(seen, vec![0, CHUNK, 2 * CHUNK, 700_000]);
    assert_eq!(
        desk.blob_status(&hash).expect("status"),
        BlobStatus::Uploaded
    );
    assert!(desk.pending_blobs().expect("pending").is_empty());
    assert_eq!(received(&w, &w.desk, &hash), None);
    // Stored where the design says, nothing left half-uploaded: a file of
    // the data directory, or (PostgreSQL) rows of the database.
    if backend() == Backend::Sqlite {
        let files = blob_files(&w.data);
        let name = format!("{}/{}", &hash.as_str()[..2], &hash.as_str()[2..]);
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].ends_with(&name), "{files:?}");
    }

    // The supervisor of the same estate downloads it, checked and kept.
    let mut supervisor = enrolled(&w, &w.supervisor);
    assert_eq!(
        supervisor.blob_status(&hash).expect("status"),
        BlobStatus::Missing
    );
    let fetched = http::download_blob(&mut supervisor, &w.client().url, &w.supervisor.token, &hash)
        .expect("download");
    assert_eq!(fetched, bytes);
    assert_eq!(
        supervisor.blob_status(&hash).expect("status"),
        BlobStatus::Uploaded
    );
    assert!(supervisor.pending_blobs().expect("pending").is_empty());

    // Nothing is pending any more: a second upload asks nothing.
    assert_eq!(upload(&w, &mut desk, &w.desk), Default::default());
    assert_eq!(metric(&w, "stairwell_blob_bytes_received_total"), 700_000);
    assert_eq!(metric(&w, "stairwell_blobs_stored_total"), 1);
    assert_eq!(metric(&w, "stairwell_blob_bytes_sent_total"), 700_000);
}

#[test]
fn a_dropped_upload_goes_on_from_the_servers_offset() {
    let w = world(&[]);
    let mut desk = enrolled(&w, &w.desk);
    let len = 4 * CHUNK_BYTES + 151_424;
    let bytes = photo(len, 2);
    let hash = desk.add_blob(&bytes).expect("add");

    // The connection drops after two of five chunks.
    let cut = http::upload_blobs(&mut desk, &w.client().url, &w.desk.token, |stats| {
        stats.bytes_sent < 2 * CHUNK
    });
    assert!(matches!(cut, Err(TransportError::Cancelled)), "{cut:?}");
    assert_eq!(desk.blob_status(&hash).expect("status"), BlobStatus::Local);
    assert_eq!(received(&w, &w.desk, &hash), Some(2 * CHUNK));
    // Half an upload is readable by nobody, not even its uploader.
    assert_eq!(get(&w, &w.desk, hash.as_str()).0, 404);

    // The next upload goes on from byte 524288 instead of starting over.
    let resumed = upload(&w, &mut desk, &w.desk);
    assert_eq!(resumed.uploaded, 1);
    assert_eq!(resumed.bytes_resumed, 2 * CHUNK);
    assert_eq!(resumed.bytes_sent, len as u64 - 2 * CHUNK);
    assert_eq!(resumed.requests, 1 + 3);
    assert_eq!(
        metric(&w, "stairwell_blob_bytes_received_total"),
        len as u64
    );
    assert_eq!(get(&w, &w.supervisor, hash.as_str()), (200, bytes));
    assert_eq!(
        desk.blob_status(&hash).expect("status"),
        BlobStatus::Uploaded
    );
}

#[test]
fn chunks_must_start_where_the_upload_stands() {
    let w = world(&[]);
    let token = Some(w.desk.token.as_str());
    let bytes = photo(2 * CHUNK_BYTES + 10, 3);
    let hash = blob_hash(&bytes);
    let hash = hash.as_str();
    let len = bytes.len() as u64;
    let first = &bytes[..CHUNK_BYTES];

    let (code, body, offset) = put(&w, token, hash, 0, Some(len), first);
    assert_eq!(code, 202);
    assert_eq!(status(&body).received, CHUNK);
    assert!(!status(&body).complete);
    assert_eq!(offset, Some(CHUNK));

    // The same chunk again (its answer was lost): 409 with the offset, and
    // nothing appended twice.
    let (code, body, offset) = put(&w, token, hash, 0, Some(len), first);
    assert_eq!(code, 409);
    assert_eq!(status(&body).received, CHUNK);
    assert_eq!(offset, Some(CHUNK));
    // A chunk from further on: 409 too.
    let (code, body, _) = put(
        &w,
        token,
        hash,
        2 * CHUNK,
        Some(len),
        &bytes[2 * CHUNK_BYTES..],
    );
    assert_eq!(code, 409);
    assert_eq!(status(&body).received, CHUNK);
    // An offset past the blob, a chunk that runs past it, no length, a
    // malformed hash: clear errors, and the upload still stands at CHUNK.
    let (code, body, _) = put(&w, token, hash, len + 1, Some(len), b"");
    assert_eq!(code, 400);
    assert!(
        error(&body).message.contains("past the blob"),
        "{:?}",
        error(&body)
    );
    let (code, body, _) = put(&w, token, hash, CHUNK, Some(len), &bytes);
    assert_eq!(code, 400);
    assert!(
        error(&body).message.contains("runs past"),
        "{:?}",
        error(&body)
    );
    let (code, body, _) = put(&w, token, hash, CHUNK, None, &bytes[CHUNK_BYTES..]);
    assert_eq!(code, 400);
    assert!(error(&body).message.contains(BLOB_LENGTH_HEADER));
    for bad in ["xyz", &"g".repeat(64), &hash[..63]] {
        let (code, body, _) = put(&w, token, bad, 0, Some(len), first);
        assert_eq!(code, 400, "{bad}");
        assert_eq!(error(&body).code, ErrorCode::MalformedRequest);
        assert_eq!(get(&w, &w.desk, bad).0, 400);
    }
    let (code, body) = ask(&w, &w.desk, &["not a hash"]);
    assert_eq!(code, 400);
    assert!(error(&body).message.contains("not a blob hash"));
    let (code, _, _) = put(&w, None, hash, CHUNK, Some(len), &bytes[CHUNK_BYTES..]);
    assert_eq!(code, 401);
    assert_eq!(received(&w, &w.desk, &blob_hash(&bytes)), Some(CHUNK));

    // The rest, in one chunk: complete, checked, readable.
    let (code, body, _) = put(&w, token, hash, CHUNK, Some(len), &bytes[CHUNK_BYTES..]);
    assert_eq!(code, 201);
    assert!(status(&body).complete);
    assert_eq!(get(&w, &w.desk, hash), (200, bytes.clone()));
    // Sending it again changes nothing and says it is complete.
    let (code, body, _) = put(&w, token, hash, 0, Some(len), first);
    assert_eq!(code, 200);
    assert!(status(&body).complete);

    // An upload whose declared length changes is dropped: start again.
    let other = photo(1000, 4);
    let other_hash = blob_hash(&other);
    let (code, _, _) = put(&w, token, other_hash.as_str(), 0, Some(1000), &other[..500]);
    assert_eq!(code, 202);
    let (code, body, _) = put(
        &w,
        token,
        other_hash.as_str(),
        500,
        Some(999),
        &other[500..999],
    );
    assert_eq!(code, 400);
    assert!(error(&body).message.contains("start again"));
    assert_eq!(received(&w, &w.desk, &other_hash), Some(0));
}

#[test]
fn bytes_that_are_not_the_named_blob_are_refused_and_nothing_is_readable() {
    let w = world(&[]);
    let token = Some(w.desk.token.as_str());
    let claimed = blob_hash(b"the real photo");
    let wrong = b"something else entirely".to_vec();
    let (code, body, _) = put(
        &w,
        token,
        claimed.as_str(),
        0,
        Some(wrong.len() as u64),
        &wrong,
    );
    assert_eq!(code, 422);
    let refusal = error(&body);
    assert_eq!(refusal.code, ErrorCode::HashMismatch);
    assert!(refusal.message.contains(blob_hash(&wrong).as_str()));
    assert_eq!(get(&w, &w.desk, claimed.as_str()).0, 404);
    assert_eq!(get(&w, &w.desk, blob_hash(&wrong).as_str()).0, 404);
    // Nothing kept: the device starts over from 0.
    assert_eq!(received(&w, &w.desk, &claimed), Some(0));
    assert_eq!(blob_files(&w.data), Vec::<String>::new());
    assert_eq!(metric(&w, "stairwell_blobs_stored_total"), 0);
    assert_eq!(metric(&w, "stairwell_blob_chunks_refused_total"), 1);
}

#[test]
fn a_blob_over_the_limit_is_refused_and_stays_pending_while_its_record_syncs() {
    let w = world(&["--max-blob-bytes", "100000"]);
    let token = Some(w.desk.token.as_str());
    let big = photo(100_001, 5);
    let (code, body, _) = put(
        &w,
        token,
        blob_hash(&big).as_str(),
        0,
        Some(100_001),
        &big[..1000],
    );
    assert_eq!(code, 413);
    assert_eq!(error(&body).code, ErrorCode::TooLarge);
    assert!(error(&body).message.contains("100000"));
    assert!(blob_files(&w.data).is_empty());

    // On a phone enrolled before the server lowered its limit (a phone
    // that knows the limit refuses the photo when it is attached): a sheet
    // with the big photo and a small one.
    let mut desk = enrolled(&w, &w.desk);
    let mut enrollment = desk.enrollment().expect("read").expect("enrolled");
    enrollment.identity.max_blob_bytes = 20 * 1024 * 1024;
    desk.enroll(&enrollment).expect("an older enrollment");
    let big_hash = desk.add_blob(&big).expect("add");
    let small = desk.add_blob(&photo(5_000, 6)).expect("add");
    let sheet = open_sheet(&w.desk, "e1");
    let id = sheet.id();
    desk.insert(sheet.doc()).expect("insert");
    desk.update(id, |record| {
        let sheet = record.repair_sheet()?;
        sheet.attach_photo(&w.desk.editor, Utc::now(), big_hash.clone(), "whole wall")?;
        sheet.attach_photo(&w.desk.editor, Utc::now(), small.clone(), "tap")
    })
    .expect("attach");
    let stats = http::sync(&mut desk, &w.client().url, &w.desk.token, |_| true).expect("sync");
    // The record landed; the small photo went up; the big one waits.
    assert_eq!(stats.sent, 1);
    assert!(stats.refused.is_empty());
    assert_eq!(stats.blobs.uploaded, 1);
    assert_eq!(stats.blobs.refused.len(), 1);
    assert_eq!(stats.blobs.refused[0].status, 413);
    assert_eq!(stats.blobs.error, None);
    assert_eq!(
        desk.pending_blobs().expect("pending"),
        vec![big_hash.clone()]
    );
    let held = desk.blobs().expect("blobs");
    assert!(
        held[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("limit"))
    );
    let mut statuses = desk.record_blobs(id).expect("record blobs");
    statuses.sort_by_key(|(_, status)| *status);
    assert_eq!(
        statuses,
        vec![(big_hash, BlobStatus::Local), (small, BlobStatus::Uploaded)]
    );
}

#[test]
fn a_device_of_another_estate_gets_404_until_it_proves_it_holds_the_bytes() {
    let w = world(&[]);
    let mut desk = enrolled(&w, &w.desk);
    let bytes = photo(3_000, 7);
    let hash = desk.add_blob(&bytes).expect("add");
    upload(&w, &mut desk, &w.desk);

    // e1's patrol officer may read it; e2's front desk may not, and is told
    // exactly what it would hear for a blob that does not exist.
    assert_eq!(get(&w, &w.patrol, hash.as_str()), (200, bytes.clone()));
    let (code, body) = get(&w, &w.other, hash.as_str());
    assert_eq!(code, 404);
    assert_eq!(error(&body).code, ErrorCode::NotFound);
    let nowhere = blob_hash(b"never uploaded");
    assert_eq!(get(&w, &w.other, nowhere.as_str()).0, 404);
    let mut other = enrolled(&w, &w.other);
    let denied = http::download_blob(&mut other, &w.client().url, &w.other.token, &hash);
    assert!(
        matches!(denied, Err(TransportError::NotFound(_))),
        "{denied:?}"
    );
    assert_eq!(
        other.blob_status(&hash).expect("status"),
        BlobStatus::Missing
    );
    // Asking does not reveal that another estate holds it.
    assert_eq!(received(&w, &w.other, &hash), Some(0));

    // A phone at e2 that took the same picture uploads it; then e2 reads it.
    let same = other.add_blob(&bytes).expect("add");
    let stats = upload(&w, &mut other, &w.other);
    assert_eq!(stats.uploaded, 1);
    assert_eq!(get(&w, &w.other, same.as_str()), (200, bytes));
}

#[test]
fn a_photo_attached_after_its_record_synced_follows_and_reaches_another_phone() {
    let w = world(&[]);
    let mut desk = enrolled(&w, &w.desk);
    let bytes = photo(300_000, 8);
    let sheet = open_sheet(&w.desk, "e1");
    let id = sheet.id();
    desk.insert(sheet.doc()).expect("insert");
    let first = http::sync(&mut desk, &w.client().url, &w.desk.token, |_| true).expect("sync");
    assert_eq!(first.sent, 1);
    assert_eq!(first.blobs, Default::default());

    // The photo is taken: its bytes are kept, then the step names them.
    let hash = desk.add_blob(&bytes).expect("add");
    desk.update(id, |record| {
        record
            .repair_sheet()?
            .attach_photo(&w.desk.editor, Utc::now(), hash.clone(), "leak")
    })
    .expect("attach");
    assert_eq!(
        desk.record_blobs(id).expect("blobs"),
        vec![(hash.clone(), BlobStatus::Local)]
    );
    let second = http::sync(&mut desk, &w.client().url, &w.desk.token, |_| true).expect("sync");
    assert_eq!(second.sent, 1);
    assert_eq!(second.blobs.uploaded, 1);
    assert_eq!(second.blobs.bytes_sent, 300_000);
    assert_eq!(
        desk.record_blobs(id).expect("blobs"),
        vec![(hash.clone(), BlobStatus::Uploaded)]
    );

    // Another phone of the estate gets the sheet, sees the photo missing
    // locally, and fetches it on demand.
    let mut supervisor = enrolled(&w, &w.supervisor);
    let pulled = http::sync(
        &mut supervisor,
        &w.client().url,
        &w.supervisor.token,
        |_| true,
    )
    .expect("sync");
    assert_eq!(pulled.received, 1);
    assert_eq!(
        supervisor.record_blobs(id).expect("blobs"),
        vec![(hash.clone(), BlobStatus::Missing)]
    );
    let fetched = http::download_blob(&mut supervisor, &w.client().url, &w.supervisor.token, &hash)
        .expect("download");
    assert_eq!(fetched, bytes);
    assert_eq!(
        supervisor.record_blobs(id).expect("blobs"),
        vec![(hash, BlobStatus::Uploaded)]
    );
}

#[test]
fn the_field_command_line_attaches_syncs_lists_and_fetches() {
    let w = world(&[]);
    let dir = w.dir.path();
    let phone = dir.join("desk.db");
    let url = w.client().url.clone();
    field(
        &phone,
        &["enroll", "--server", &url, "--token", &w.desk.token],
    );
    let image = dir.join("leak.jpg");
    let bytes = photo(400_000, 9);
    std::fs::write(&image, &bytes).expect("write");
    let hash = field(&phone, &["attach", image.to_str().expect("path")])
        .trim()
        .to_owned();
    assert_eq!(hash, blob_hash(&bytes).as_str());
    let id = open_sheet_by_cli(&phone, "kitchen tap leaking");
    field(&phone, &["repair", "photo", &id, "--blob", &hash]);
    let listed: serde_json::Value =
        serde_json::from_str(&field(&phone, &["blobs", "--json"])).expect("json");
    assert_eq!(listed[0]["hash"], hash.as_str());
    assert_eq!(listed[0]["status"], "local");
    assert_eq!(listed[0]["length"], 400_000);

    let summary = field(&phone, &["sync"]);
    assert!(summary.contains("uploaded 1 blob(s)"), "{summary}");
    let listed: serde_json::Value =
        serde_json::from_str(&field(&phone, &["blobs", "--record", &id, "--json"])).expect("json");
    assert_eq!(listed[0]["status"], "uploaded");

    // The supervisor's phone syncs the sheet and fetches its photo.
    let other = dir.join("supervisor.db");
    field(
        &other,
        &["enroll", "--server", &url, "--token", &w.supervisor.token],
    );
    field(&other, &["sync"]);
    let listed: serde_json::Value =
        serde_json::from_str(&field(&other, &["blobs", "--record", &id, "--json"])).expect("json");
    assert_eq!(listed[0]["status"], "missing");
    assert_eq!(listed[0]["length"], serde_json::Value::Null);
    let out = dir.join("fetched.jpg");
    let said = field(
        &other,
        &["fetch", &hash, "--out", out.to_str().expect("path")],
    );
    assert!(said.contains("400000 bytes"), "{said}");
    assert_eq!(std::fs::read(&out).expect("read"), bytes);
    let text = field(&other, &["blobs"]);
    assert!(
        text.contains(&format!("{hash}  uploaded  400000 bytes")),
        "{text}"
    );
}

/// Sends the rest of a blob in chunks from the server's offset; the status
/// of the last one.
fn upload_rest(w: &World, device: &Device, bytes: &[u8]) -> u16 {
    let hash = blob_hash(bytes);
    let length = Some(bytes.len() as u64);
    let mut offset = received(w, device, &hash).unwrap_or(0);
    loop {
        let start = offset as usize;
        let end = (start + CHUNK_BYTES).min(bytes.len());
        let (code, _, next) = put(
            w,
            Some(&device.token),
            hash.as_str(),
            offset,
            length,
            &bytes[start..end],
        );
        match next {
            Some(next) if code == 202 => offset = next,
            _ => return code,
        }
    }
}

#[test]
fn pending_uploads_past_a_devices_or_the_servers_quota_are_refused_until_some_finish() {
    let w = world(&[
        "--max-pending-upload-mib",
        "1",
        "--max-pending-uploads-mib",
        "2",
    ]);
    let begin = |device: &Device, bytes: &[u8]| {
        let hash = blob_hash(bytes);
        let length = Some(bytes.len() as u64);
        put(
            &w,
            Some(&device.token),
            hash.as_str(),
            0,
            length,
            &bytes[..1024],
        )
    };
    let first = photo(700 * 1024, 1);
    let second = photo(400 * 1024, 2);
    assert_eq!(begin(&w.desk, &first).0, 202);

    // The desk's 700 KiB pending plus 400 KiB passes its 1 MiB.
    let (code, body, _) = begin(&w.desk, &second);
    assert_eq!(code, 507);
    let refusal = error(&body);
    assert_eq!(refusal.code, ErrorCode::QuotaExceeded);
    assert!(
        refusal.message.contains("this device's"),
        "{}",
        refusal.message
    );
    assert_eq!(received(&w, &w.desk, &blob_hash(&second)), Some(0));

    // Others have their own quota, until everyone's 2 MiB is reached.
    assert_eq!(begin(&w.patrol, &photo(1024 * 1024, 3)).0, 202);
    let (code, body, _) = begin(&w.other, &photo(400 * 1024, 4));
    assert_eq!(code, 507);
    assert!(error(&body).message.contains("all devices'"));

    // A finished upload no longer counts.
    assert_eq!(upload_rest(&w, &w.desk, &first), 201);
    assert_eq!(begin(&w.desk, &second).0, 202);
}

#[test]
fn an_upload_untouched_past_the_configured_time_is_abandoned() {
    // 0.0005 hours is 1.8 seconds.
    let w = world(&["--abandon-uploads-after-hours", "0.0005"]);
    let token = Some(w.desk.token.as_str());
    let old = photo(300 * 1024, 5);
    let old_hash = blob_hash(&old);
    let length = Some(old.len() as u64);
    assert_eq!(
        put(&w, token, old_hash.as_str(), 0, length, &old[..1024]).0,
        202
    );
    assert_eq!(received(&w, &w.desk, &old_hash), Some(1024));

    std::thread::sleep(std::time::Duration::from_millis(2_500));
    // The sweep runs when an upload starts.
    let new = photo(300 * 1024, 6);
    let new_hash = blob_hash(&new);
    let length = Some(new.len() as u64);
    assert_eq!(
        put(&w, token, new_hash.as_str(), 0, length, &new[..1024]).0,
        202
    );
    assert_eq!(received(&w, &w.desk, &old_hash), Some(0));
}

#[test]
fn the_field_command_line_refuses_what_would_never_upload_and_drops_what_was_refused() {
    let w = world(&["--max-blob-bytes", "100000"]);
    let dir = w.dir.path();
    let phone = stairwell_tests::field_cli::enroll(&w, "desk", &w.desk.token);
    let huge = dir.join("huge.jpg");
    std::fs::write(&huge, photo(100_001, 1)).expect("write");
    let refused = field_error(&phone, &["attach", huge.to_str().expect("path")]);
    assert!(
        refused.contains("100001 bytes") && refused.contains("at most 100000 bytes"),
        "{refused}"
    );
    assert_eq!(field(&phone, &["blobs"]), "no blobs");

    let id = open_sheet_by_cli(&phone, "tap");
    // A photo never attached here is refused, and nothing is written.
    let before = field(&phone, &["show", &id, "--json"]);
    let unheld = "0".repeat(64);
    let refused = field_error(&phone, &["repair", "photo", &id, "--blob", &unheld]);
    assert!(refused.contains("attach the photo first"), "{refused}");
    assert_eq!(field(&phone, &["show", &id, "--json"]), before);
    // A pending blob can be dropped; the sheet then shows it as missing.
    let small = dir.join("tap.jpg");
    std::fs::write(&small, photo(5_000, 2)).expect("write");
    let hash = field(&phone, &["attach", small.to_str().expect("path")]);
    field(&phone, &["repair", "photo", &id, "--blob", &hash]);
    assert_eq!(
        field(&phone, &["drop-blob", &hash]),
        format!("dropped {hash}")
    );
    let listed: serde_json::Value =
        serde_json::from_str(&field(&phone, &["blobs", "--record", &id, "--json"])).expect("json");
    assert_eq!(listed[0]["status"], "missing");
    let again = field_error(&phone, &["drop-blob", &hash]);
    assert!(again.contains("does not hold it"), "{again}");

    // One the server holds is not the phone's to drop.
    let kept = field(&phone, &["attach", small.to_str().expect("path")]);
    field(&phone, &["sync"]);
    let refused = field_error(&phone, &["drop-blob", &kept]);
    assert!(refused.contains("the server already holds it"), "{refused}");
}
