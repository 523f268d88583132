//! Photos and signature images on the device. A record names a blob only by
//! its SHA-256 ([`BlobHash`]); the bytes live here, beside the records, and
//! travel to the server on their own, after the records, so a record never
//! waits for its photos (a sync on a weak signal still lands the work).
//!
//! A blob is `Local` from the moment the phone takes it until the server
//! confirms it holds it, then `Uploaded`; a blob a record references that the
//! device does not hold (another phone took it) is `Missing` and can be
//! downloaded on demand, after which it is stored as `Uploaded`. The bytes
//! are kept in SQLite with the records: one file to back up or wipe, and a
//! blob and the verb that references it can never be half-written apart.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, write_tx};
use crate::kinds::BlobHash;
use crate::protocol::DEFAULT_MAX_BLOB_BYTES;
use crate::record::{RecordDoc, RecordId};

/// Where a blob stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobStatus {
    /// The device holds the bytes; the server is not known to: pending.
    Local,
    /// The device holds the bytes and the server does too.
    Uploaded,
    /// The device does not hold the bytes (download them on demand).
    Missing,
}

impl BlobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BlobStatus::Local => "local",
            BlobStatus::Uploaded => "uploaded",
            BlobStatus::Missing => "missing",
        }
    }
}

/// A blob the device holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobInfo {
    pub hash: BlobHash,
    pub length: u64,
    /// `Local` (pending upload) or `Uploaded`.
    pub status: BlobStatus,
    pub added_at: DateTime<Utc>,
    /// Why the server last refused to take it (too large...), until an
    /// upload succeeds.
    pub last_error: Option<String>,
}

/// The SHA-256 of `bytes`, the name a blob goes by everywhere.
pub fn blob_hash(bytes: &[u8]) -> BlobHash {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    match hex.parse() {
        Ok(hash) => hash,
        Err(err) => unreachable!("a SHA-256 in hex is a blob hash: {err}"),
    }
}

/// Every blob a record references, sorted, each once. Blobs appear only in
/// event payloads: under a `blob` key (photos, and each signature's image)
/// or in a `photos` list (a patrol finding's); any depth is searched, so a
/// signature nested in a callback is found too.
pub fn referenced_blobs(doc: &RecordDoc) -> Vec<BlobHash> {
    let mut found = BTreeSet::new();
    for event in doc.raw_events() {
        collect(&event.data, &mut found);
    }
    found.into_iter().collect()
}

fn collect(value: &serde_json::Value, found: &mut BTreeSet<BlobHash>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("blob", Value::String(text)) => found.extend(text.parse().ok()),
                    ("photos", Value::Array(items)) => {
                        found.extend(items.iter().filter_map(|item| item.as_str()?.parse().ok()))
                    }
                    _ => collect(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        _ => {}
    }
}

impl Store {
    /// Refuses a photo this device does not hold: a step naming it would
    /// sync, but no image would ever follow it. The verbs that add a photo
    /// (on a sheet, a round, a finding, a checklist or its item) ask this
    /// first, on the field command line and in the bindings.
    pub fn require_held(&self, hash: &BlobHash) -> Result<(), StoreError> {
        match self.blob_status(hash)? {
            BlobStatus::Local | BlobStatus::Uploaded => Ok(()),
            BlobStatus::Missing => Err(StoreError::BlobNotAttached(hash.to_string())),
        }
    }

    /// Keeps `bytes` as a blob (a photo just taken, a signature just drawn)
    /// and returns its hash, to pass to a verb such as `attach_photo`. It is
    /// pending until an upload confirms the server has it. Adding the same
    /// bytes again changes nothing.
    /// Bytes over the enrolled server's blob limit are refused.
    pub fn add_blob(&mut self, bytes: &[u8]) -> Result<BlobHash, StoreError> {
        let limit = self
            .enrollment()?
            .map_or(DEFAULT_MAX_BLOB_BYTES, |enrollment| {
                enrollment.identity.max_blob_bytes
            });
        let length = bytes.len() as u64;
        if length > limit {
            return Err(StoreError::BlobTooLarge { length, limit });
        }
        let hash = blob_hash(bytes);
        let tx = write_tx(&mut self.conn)?;
        insert(&tx, &hash, bytes, false)?;
        tx.commit()?;
        Ok(hash)
    }

    /// [`Store::add_blob`] with the bytes of a file.
    pub fn add_blob_file(&mut self, path: impl AsRef<Path>) -> Result<BlobHash, StoreError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|err| StoreError::BlobFile {
            path: path.display().to_string(),
            message: err.to_string(),
        })?;
        self.add_blob(&bytes)
    }

    /// Keeps a blob downloaded from the server: it is `Uploaded` at once.
    /// Refuses bytes that are not the blob `hash` names.
    pub fn put_remote_blob(&mut self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        let found = blob_hash(bytes);
        if &found != hash {
            return Err(StoreError::BlobMismatch {
                expected: hash.to_string(),
                found: found.to_string(),
            });
        }
        let tx = write_tx(&mut self.conn)?;
        insert(&tx, hash, bytes, true)?;
        mark_uploaded(&tx, hash)?;
        tx.commit()?;
        Ok(())
    }

    /// A blob's bytes, or `None` if the device does not hold it.
    pub fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT bytes FROM blob_bytes WHERE hash = ?1")?
            .query_row([hash.as_str()], |row| row.get(0))
            .optional()?)
    }

    /// Whether the device holds a blob, and whether the server does.
    pub fn blob_status(&self, hash: &BlobHash) -> Result<BlobStatus, StoreError> {
        let uploaded: Option<bool> = self
            .conn
            .prepare_cached("SELECT uploaded FROM blobs WHERE hash = ?1")?
            .query_row([hash.as_str()], |row| row.get(0))
            .optional()?;
        Ok(match uploaded {
            None => BlobStatus::Missing,
            Some(false) => BlobStatus::Local,
            Some(true) => BlobStatus::Uploaded,
        })
    }

    /// The blobs the server is not yet known to hold, oldest first: what the
    /// next upload sends. A blob referenced by a record but not held here is
    /// not pending: this device has nothing to send (it is `Missing`).
    pub fn pending_blobs(&self) -> Result<Vec<BlobHash>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT hash FROM blobs WHERE NOT uploaded ORDER BY added_at, hash")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        rows.map(|hash| parse_hash(&hash?)).collect()
    }

    /// Records that the server holds a blob: it is no longer pending.
    /// Returns whether the device holds that blob.
    pub fn mark_blob_uploaded(&mut self, hash: &BlobHash) -> Result<bool, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let held = mark_uploaded(&tx, hash)?;
        tx.commit()?;
        Ok(held)
    }

    /// Drops a blob waiting for upload (one the server refused, say): its
    /// bytes go, and a record that references it shows it as missing. A
    /// blob the server already holds is not this device's to drop.
    pub fn drop_blob(&mut self, hash: &BlobHash) -> Result<(), StoreError> {
        let refuse = |why| StoreError::BlobNotDroppable {
            hash: hash.to_string(),
            why,
        };
        match self.blob_status(hash)? {
            BlobStatus::Missing => return Err(refuse("this device does not hold it")),
            BlobStatus::Uploaded => return Err(refuse("the server already holds it")),
            BlobStatus::Local => {}
        }
        let tx = write_tx(&mut self.conn)?;
        tx.execute("DELETE FROM blob_bytes WHERE hash = ?1", [hash.as_str()])?;
        tx.execute("DELETE FROM blobs WHERE hash = ?1", [hash.as_str()])?;
        Ok(tx.commit()?)
    }

    /// Keeps (or, with `None`, clears) why the server refused a blob. The
    /// blob stays pending: a later upload tries again.
    pub fn set_blob_error(
        &mut self,
        hash: &BlobHash,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE blobs SET last_error = ?2 WHERE hash = ?1")?
            .execute(params![hash.as_str(), error])?;
        Ok(())
    }

    /// Every blob the device holds, pending ones first, oldest first.
    pub fn blobs(&self) -> Result<Vec<BlobInfo>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT hash, length, uploaded, added_at, last_error FROM blobs
             ORDER BY uploaded, added_at, hash",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (hash, length, uploaded, added_at, last_error) = row?;
            Ok(BlobInfo {
                hash: parse_hash(&hash)?,
                length: u64::try_from(length).unwrap_or(0),
                status: if uploaded {
                    BlobStatus::Uploaded
                } else {
                    BlobStatus::Local
                },
                added_at: DateTime::from_timestamp_millis(added_at).unwrap_or_default(),
                last_error,
            })
        })
        .collect()
    }

    /// The blobs a stored record references, each with its status: which
    /// are still pending (`Local`), which the server has, and which this
    /// device lacks.
    pub fn record_blobs(&self, id: RecordId) -> Result<Vec<(BlobHash, BlobStatus)>, StoreError> {
        let record = self.load(id)?.ok_or(StoreError::NotFound(id))?;
        referenced_blobs(record.doc())
            .into_iter()
            .map(|hash| {
                let status = self.blob_status(&hash)?;
                Ok((hash, status))
            })
            .collect()
    }
}

/// Stores a blob unless it is already stored (its bytes cannot differ).
fn insert(
    conn: &Connection,
    hash: &BlobHash,
    bytes: &[u8],
    uploaded: bool,
) -> Result<(), StoreError> {
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO blobs (hash, length, uploaded, added_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            hash.as_str(),
            bytes.len() as i64,
            uploaded,
            Utc::now().timestamp_millis()
        ])?;
    if added > 0 {
        conn.prepare_cached("INSERT INTO blob_bytes (hash, bytes) VALUES (?1, ?2)")?
            .execute(params![hash.as_str(), bytes])?;
    }
    Ok(())
}

fn mark_uploaded(conn: &Connection, hash: &BlobHash) -> Result<bool, StoreError> {
    let updated = conn
        .prepare_cached("UPDATE blobs SET uploaded = 1, last_error = NULL WHERE hash = ?1")?
        .execute([hash.as_str()])?;
    Ok(updated > 0)
}

fn parse_hash(text: &str) -> Result<BlobHash, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("a blob named {text:?}")))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::kinds::Signature;
    use crate::kinds::repair_sheet::{Intake, RepairSheet};
    use crate::record::{Editor, Role};
    use crate::rules::{RepairLocation, Urgency};

    fn desk() -> Editor {
        Editor::new("lin.desk", "desk-pc", Role::FrontDesk)
    }

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .expect("valid time")
            + chrono::Duration::minutes(minute)
    }

    fn sheet() -> RepairSheet {
        let intake = Intake {
            resident_name: "李先生".into(),
            unit: "B2-1203".into(),
            phone: "138 0000 1234".into(),
            problem: "漏水".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Urgent,
            appointment: None,
        };
        RepairSheet::open(&desk(), at(1), "e1", intake, at(0), None).expect("open")
    }

    #[test]
    fn hashes_are_sha256_in_lowercase_hex() {
        assert_eq!(
            blob_hash(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            blob_hash(b"").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn an_added_blob_is_pending_until_uploaded() {
        let mut store = Store::open_in_memory().expect("open");
        let photo = vec![7u8; 1000];
        let hash = store.add_blob(&photo).expect("add");
        assert_eq!(hash, blob_hash(&photo));
        assert_eq!(store.blob(&hash).expect("read"), Some(photo.clone()));
        assert_eq!(store.blob_status(&hash).expect("status"), BlobStatus::Local);
        assert_eq!(store.pending_blobs().expect("pending"), vec![hash.clone()]);
        // Adding it again is harmless.
        assert_eq!(store.add_blob(&photo).expect("again"), hash);
        assert_eq!(store.blobs().expect("list").len(), 1);

        store
            .set_blob_error(&hash, Some("too large"))
            .expect("error");
        assert_eq!(
            store.blobs().expect("list")[0].last_error.as_deref(),
            Some("too large")
        );
        assert!(store.mark_blob_uploaded(&hash).expect("mark"));
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Uploaded
        );
        assert!(store.pending_blobs().expect("pending").is_empty());
        let info = &store.blobs().expect("list")[0];
        assert_eq!(info.length, 1000);
        assert_eq!(info.status, BlobStatus::Uploaded);
        assert_eq!(info.last_error, None);
        // Uploaded stays uploaded when the same bytes are added again.
        store.add_blob(&photo).expect("again");
        assert!(store.pending_blobs().expect("pending").is_empty());
    }

    #[test]
    fn unknown_blobs_are_missing() {
        let mut store = Store::open_in_memory().expect("open");
        let hash = blob_hash(b"elsewhere");
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Missing
        );
        assert_eq!(store.blob(&hash).expect("read"), None);
        assert!(!store.mark_blob_uploaded(&hash).expect("mark"));
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Missing
        );
    }

    #[test]
    fn downloaded_blobs_are_checked_and_not_pending() {
        let mut store = Store::open_in_memory().expect("open");
        let bytes = b"a signature".to_vec();
        let hash = blob_hash(&bytes);
        let wrong = store.put_remote_blob(&hash, b"something else");
        assert!(matches!(wrong, Err(StoreError::BlobMismatch { .. })));
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Missing
        );
        store.put_remote_blob(&hash, &bytes).expect("store");
        assert_eq!(
            store.blob_status(&hash).expect("status"),
            BlobStatus::Uploaded
        );
        assert!(store.pending_blobs().expect("pending").is_empty());
        assert_eq!(store.blob(&hash).expect("read"), Some(bytes));
    }

    #[test]
    fn files_are_added_by_their_bytes() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, b"jpeg bytes").expect("write");
        let mut store = Store::open(dir.path().join("device.db")).expect("open");
        let hash = store.add_blob_file(&path).expect("add");
        assert_eq!(hash, blob_hash(b"jpeg bytes"));
        let missing = store.add_blob_file(dir.path().join("nope.jpg"));
        assert!(matches!(missing, Err(StoreError::BlobFile { .. })));
        // The blob survives reopening the file.
        drop(store);
        let store = Store::open(dir.path().join("device.db")).expect("reopen");
        assert_eq!(store.pending_blobs().expect("pending"), vec![hash]);
    }

    #[test]
    fn an_image_over_the_servers_limit_is_refused_when_added() {
        use crate::protocol::{EstateInfo, Identity};
        use crate::store::Enrollment;
        let mut store = Store::open_in_memory().expect("open");
        store
            .enroll(&Enrollment {
                server_url: "http://127.0.0.1:9".into(),
                token: "t".into(),
                ca_pem: None,
                identity: Identity {
                    user: "lin.desk".into(),
                    name: "Lin".into(),
                    role: Role::FrontDesk,
                    device: "desk-pc".into(),
                    estates: vec![EstateInfo {
                        id: "e1".into(),
                        name: "East".into(),
                        time_zone: "Asia/Shanghai".into(),
                    }],
                    max_blob_bytes: 10,
                },
            })
            .expect("enroll");
        assert!(store.add_blob(b"ten bytes!").is_ok());
        let refused = store.add_blob(b"eleven bytes");
        assert!(matches!(
            refused,
            Err(StoreError::BlobTooLarge {
                length: 12,
                limit: 10
            })
        ));
    }

    #[test]
    fn only_a_blob_waiting_for_upload_can_be_dropped() {
        let mut store = Store::open_in_memory().expect("open");
        let pending = store.add_blob(b"refused photo").expect("add");
        let uploaded = store.add_blob(b"uploaded photo").expect("add");
        store.mark_blob_uploaded(&uploaded).expect("mark");
        store.drop_blob(&pending).expect("drop");
        assert_eq!(
            store.blob_status(&pending).expect("status"),
            BlobStatus::Missing
        );
        assert!(store.pending_blobs().expect("pending").is_empty());
        assert!(matches!(
            store.drop_blob(&pending),
            Err(StoreError::BlobNotDroppable { .. })
        ));
        assert!(matches!(
            store.drop_blob(&uploaded),
            Err(StoreError::BlobNotDroppable { .. })
        ));
    }

    #[test]
    fn a_record_lists_its_blobs_with_their_status() {
        let mut store = Store::open_in_memory().expect("open");
        // The sheet arrives naming a photo another phone took.
        let elsewhere = blob_hash(b"taken on another phone");
        let mut sheet = sheet();
        sheet
            .attach_photo(&desk(), at(1), elsewhere.clone(), "")
            .expect("attach elsewhere");
        let id = sheet.id();
        store.insert(sheet.doc()).expect("insert");
        assert_eq!(
            store.record_blobs(id).expect("blobs"),
            vec![(elsewhere.clone(), BlobStatus::Missing)]
        );

        let photo = store.add_blob(b"photo of the leak").expect("add");
        let uploaded = store.add_blob(b"older photo").expect("add");
        store.mark_blob_uploaded(&uploaded).expect("mark");
        store
            .update(id, |record| {
                let sheet = record.repair_sheet()?;
                sheet.attach_photo(&desk(), at(2), photo.clone(), "leak")?;
                sheet.attach_photo(&desk(), at(4), uploaded.clone(), "")
            })
            .expect("attach");
        let mut expected = vec![
            (photo, BlobStatus::Local),
            (elsewhere, BlobStatus::Missing),
            (uploaded, BlobStatus::Uploaded),
        ];
        expected.sort();
        assert_eq!(store.record_blobs(id).expect("blobs"), expected);
        assert!(matches!(
            store.record_blobs(RecordId::random()),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn blobs_are_found_under_blob_keys_and_photo_lists_at_any_depth() {
        let a = blob_hash(b"a");
        let b = blob_hash(b"b");
        let c = blob_hash(b"c");
        let signature = Signature::new(b.clone(), "Ann").expect("signature");
        let data = serde_json::json!({
            "finding": { "photos": [a.as_str(), "not a hash"] },
            "callback": { "signature": signature },
            "blob": c.as_str(),
            "note": a.as_str(),
        });
        let mut found = BTreeSet::new();
        collect(&data, &mut found);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), {
            let mut all = vec![a, b, c];
            all.sort();
            all
        });
    }
}
