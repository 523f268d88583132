//! What several server replicas on one database need of the storage, beyond
//! the conformance suite (which runs one storage at a time): each test
//! opens the database twice, as two replicas would, and races them. Also
//! the SQLite backend's own blob tests, ported.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use chrono::Utc;
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};
use stairwell_core::kinds::{BlobHash, IndexEntry};
use stairwell_core::record::{RecordId, RecordKind, Role};
use stairwell_core::sync::judge::Author;

use super::{FEED_LOCK, PostgresStorage, test_database};
use crate::reports::ModelRows;
use crate::store::{
    BlobChunk, BlobError, BlobStorage, ChunkOutcome, Estate, NewDevice, NewEnrollmentCode, NewUser,
    RecordChange, RecordWrite, Redeemed, Storage, UploadQuota,
};

/// Two storages on one fresh database, and a plain client of it.
fn replicas() -> (tempfile::TempDir, [Arc<PostgresStorage>; 2], Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = test_database::create(dir.path());
    let open = || Arc::new(PostgresStorage::open(&url).expect("open"));
    let storages = [open(), open()];
    let client = Client::connect(&url, NoTls).expect("connect");
    (dir, storages, client)
}

/// A record creation of opaque bytes: storage never reads a document.
fn create(estate: &str) -> RecordWrite {
    let id = RecordId::random();
    RecordWrite {
        id: id.to_string(),
        estate: estate.into(),
        kind: RecordKind::RepairSheet.as_str().into(),
        change: RecordChange::Create {
            snapshot: id.to_string().into_bytes(),
        },
        compacted: None,
        heads: vec![7; 32],
        base_heads: None,
        index: IndexEntry {
            id,
            kind: RecordKind::RepairSheet,
            estate: estate.into(),
            state: "reported".into(),
            open: true,
            title: "a tap".into(),
            location: None,
            assignee: None,
            due: None,
            due_rule: None,
            conflicts: 0,
            updated_at: Utc::now(),
        },
        models: ModelRows::default(),
    }
}

#[test]
fn commits_wait_for_the_feed_lock() {
    let (_dir, [storage, _], mut client) = replicas();
    let mut holder = client.transaction().expect("begin");
    holder
        .execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK])
        .expect("lock");
    let committing = thread::spawn(move || storage.commit(&[create("east")]).expect("commit"));
    thread::sleep(Duration::from_millis(300));
    assert!(
        !committing.is_finished(),
        "a commit went ahead while another writer of feed rows held the lock"
    );
    holder.commit().expect("release");
    assert_eq!(committing.join().expect("thread").len(), 1);
}

#[test]
fn a_device_pulling_during_concurrent_commits_misses_nothing() {
    let (_dir, storages, _client) = replicas();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let storage = storages[writer % 2].clone();
            thread::spawn(move || {
                (0..25)
                    .map(|_| {
                        let write = create("east");
                        storage
                            .commit(std::slice::from_ref(&write))
                            .expect("commit");
                        write.id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let reader = storages[1].clone();
    let (mut cursor, mut seen) = (0, std::collections::HashSet::new());
    while !writers.iter().all(|writer| writer.is_finished()) {
        let page = reader.pull(&["east".into()], cursor, 7).expect("pull");
        seen.extend(page.items.into_iter().map(|item| item.id));
        cursor = page.cursor;
    }
    loop {
        let page = reader.pull(&["east".into()], cursor, 7).expect("pull");
        seen.extend(page.items.into_iter().map(|item| item.id));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let written: Vec<String> = writers
        .into_iter()
        .flat_map(|writer| writer.join().expect("thread"))
        .collect();
    let missed: Vec<_> = written.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(
        missed.is_empty(),
        "records the device never saw: {missed:?}"
    );
}

#[test]
fn one_record_created_through_two_replicas_is_stored_once() {
    let (_dir, storages, _client) = replicas();
    let write = create("east");
    let racers: Vec<_> = storages
        .iter()
        .map(|storage| {
            let (storage, write) = (storage.clone(), write.clone());
            thread::spawn(move || storage.commit(&[write]).is_ok())
        })
        .collect();
    let stored = racers
        .into_iter()
        .map(|racer| racer.join().expect("thread"))
        .filter(|stored| *stored)
        .count();
    assert_eq!(stored, 1);
    assert_eq!(storages[0].record_count().expect("count"), 1);
    assert_eq!(
        storages[1]
            .pull(&["east".into()], 0, 10)
            .expect("pull")
            .items
            .len(),
        1
    );
}

#[test]
fn a_code_redeemed_through_two_replicas_at_once_makes_one_device() {
    let (_dir, storages, _client) = replicas();
    let estate = Estate {
        id: "east".into(),
        name: "East".into(),
        tz: chrono_tz::Asia::Shanghai,
    };
    storages[0].add_estate(&estate).expect("estate");
    let user = NewUser {
        id: "lin".into(),
        name: "Lin".into(),
        role: Role::FrontDesk,
        estates: vec!["east".into()],
    };
    storages[0].add_user(&user).expect("user");
    let code = NewEnrollmentCode {
        code_hash: "code".into(),
        user: "lin".into(),
        device_name: "tablet".into(),
        expires_at: Utc::now() + chrono::Duration::minutes(15),
    };
    storages[0].add_enrollment_code(&code).expect("code");
    let racers: Vec<_> = (0..6)
        .map(|racer| {
            let storage = storages[racer % 2].clone();
            thread::spawn(move || {
                let device = NewDevice {
                    id: format!("dev-{racer}"),
                    user: String::new(),
                    name: String::new(),
                    token_hash: format!("token-{racer}"),
                };
                storage
                    .redeem_enrollment_code("code", Utc::now(), &device)
                    .expect("redeem")
            })
        })
        .collect();
    let outcomes: Vec<Redeemed> = racers
        .into_iter()
        .map(|racer| racer.join().expect("thread"))
        .collect();
    let issued = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Redeemed::Issued { .. }))
        .count();
    assert_eq!(issued, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|outcome| matches!(outcome, Redeemed::Issued { .. } | Redeemed::Used))
    );
}

// Blobs.

fn author(device: &str, estates: &[&str]) -> Author {
    Author {
        user: format!("user-{device}"),
        device: device.into(),
        role: Role::FrontDesk,
        estates: estates.iter().map(|estate| (*estate).into()).collect(),
    }
}

fn hash_of(bytes: &[u8]) -> BlobHash {
    hex::encode(Sha256::digest(bytes)).parse().expect("hash")
}

fn put(
    storage: &dyn BlobStorage,
    author: &Author,
    hash: &BlobHash,
    (offset, length): (u64, u64),
    bytes: &[u8],
) -> Result<ChunkOutcome, BlobError> {
    storage.put_blob_chunk(&BlobChunk {
        quota: UploadQuota::default(),
        author,
        hash,
        offset,
        length,
        bytes,
    })
}

#[test]
fn racing_copies_of_a_chunk_are_stored_once() {
    let (_dir, storages, _client) = replicas();
    let bytes: Vec<u8> = (0..64_000u32).map(|i| (i % 251) as u8).collect();
    let hash = hash_of(&bytes);
    let desk = author("dev-a", &["e1"]);
    let results: Vec<_> = (0..8)
        .map(|racer| {
            let storage = storages[racer % 2].clone();
            let (hash, desk) = (hash.clone(), desk.clone());
            let first = bytes[..32_000].to_vec();
            thread::spawn(move || put(&*storage, &desk, &hash, (0, 64_000), &first))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().expect("thread"))
        .collect();
    let stored = results
        .iter()
        .filter(|result| matches!(result, Ok(ChunkOutcome::Partial { received: 32_000 })))
        .count();
    let conflicts = results
        .iter()
        .filter(|result| matches!(result, Err(BlobError::OffsetMismatch { received: 32_000 })))
        .count();
    assert_eq!((stored, conflicts), (1, 7));
    // The upload goes on through the other replica.
    let done = put(
        &*storages[1],
        &desk,
        &hash,
        (32_000, 64_000),
        &bytes[32_000..],
    );
    assert!(matches!(
        done,
        Ok(ChunkOutcome::Complete {
            length: 64_000,
            stored: true
        })
    ));
    assert_eq!(
        storages[0].read_blob(&desk, &hash).expect("read"),
        Some(bytes)
    );
}

#[test]
fn abandoned_uploads_are_swept_when_a_new_one_starts() {
    let (_dir, [storage, _], mut client) = replicas();
    let old = b"half of an old photo".to_vec();
    let old_hash = hash_of(&old);
    let desk = author("dev-a", &["e1"]);
    put(&*storage, &desk, &old_hash, (0, 100), &old).expect("partial");
    let week = 7 * 24 * 60 * 60 * 1000;
    client
        .execute(
            "UPDATE blob_uploads SET updated_at = $1",
            &[&(Utc::now().timestamp_millis() - week - 1)],
        )
        .expect("age it");
    let new = b"new photo".to_vec();
    put(
        &*storage,
        &desk,
        &hash_of(&new),
        (0, new.len() as u64),
        &new,
    )
    .expect("new");
    let chunks: i64 = client
        .query_one(
            "SELECT count(*) FROM blob_chunks WHERE hash = $1",
            &[&old_hash.as_str()],
        )
        .expect("count")
        .get(0);
    assert_eq!(chunks, 0, "the abandoned upload's chunks went with it");
    assert_eq!(
        storage
            .missing_blobs(&desk, std::slice::from_ref(&old_hash))
            .expect("ask"),
        vec![(old_hash, 0)]
    );
}

#[test]
fn uploads_past_a_quota_are_refused_and_the_rest_resume() {
    let (_dir, storages, _client) = replicas();
    let quota = UploadQuota {
        per_device_bytes: 100,
        total_bytes: 150,
        abandon_after: Duration::from_secs(3600),
    };
    let chunk = |storage: &PostgresStorage, device: &str, seed: u8| {
        let desk = author(device, &["e1"]);
        let hash = hash_of(&[seed]);
        storage.put_blob_chunk(&BlobChunk {
            quota,
            author: &desk,
            hash: &hash,
            offset: 0,
            length: 60,
            bytes: &[seed; 10],
        })
    };
    assert!(chunk(&storages[0], "dev-a", 1).is_ok());
    let mine = chunk(&storages[1], "dev-a", 2);
    assert!(
        matches!(
            mine,
            Err(BlobError::QuotaExceeded {
                whose: "this device's",
                ..
            })
        ),
        "{mine:?}"
    );
    assert!(chunk(&storages[1], "dev-b", 3).is_ok());
    let all = chunk(&storages[0], "dev-c", 4);
    assert!(
        matches!(
            all,
            Err(BlobError::QuotaExceeded {
                whose: "all devices'",
                ..
            })
        ),
        "{all:?}"
    );
}

#[test]
fn a_blob_uploaded_by_a_second_device_keeps_one_copy_of_its_bytes() {
    let (_dir, [storage, other], mut client) = replicas();
    let bytes = b"signature image".to_vec();
    let hash = hash_of(&bytes);
    let length = bytes.len() as u64;
    put(
        &*storage,
        &author("dev-a", &["e1"]),
        &hash,
        (0, length),
        &bytes,
    )
    .expect("first");
    let second = put(
        &*other,
        &author("dev-b", &["e2"]),
        &hash,
        (0, length),
        &bytes,
    );
    assert!(matches!(
        second,
        Ok(ChunkOutcome::Complete { stored: true, .. })
    ));
    let chunks: i64 = client
        .query_one("SELECT count(*) FROM blob_chunks", &[])
        .expect("count")
        .get(0);
    assert_eq!(chunks, 1);
    assert_eq!(
        other
            .read_blob(&author("dev-z", &["e2"]), &hash)
            .expect("read"),
        Some(bytes)
    );
}
