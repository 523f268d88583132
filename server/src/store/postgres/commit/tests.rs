//! A group that writes records several times, creates, appends and
//! compacts among them must store exactly what its writes committed one
//! at a time store, and what SQLite, which runs them one by one, stores:
//! the conformance suite commits each record at most once per group.

use chrono::{DateTime, Duration, Utc};
use postgres::{Client, NoTls};
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::{RecordId, RecordKind};

use crate::reports::{ModelRows, PatrolVisit};
use crate::store::postgres::{PostgresStorage, test_database};
use crate::store::read_models::REPORT_TABLES;
use crate::store::{RecordChange, RecordWrite, SqliteStorage, Storage};

const EAST: &str = "east";

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + Duration::minutes(minute)
}

fn visit(id: RecordId, event: &str) -> PatrolVisit {
    PatrolVisit {
        record_id: id.to_string(),
        event_id: event.to_owned(),
        estate: EAST.to_owned(),
        building: "B1".to_owned(),
        floor: "3".to_owned(),
        area: "stairs".to_owned(),
        place: "north".to_owned(),
        checkpoint: "cp-1".to_owned(),
        officer: "zhao".to_owned(),
        at: at(1),
    }
}

/// A write of opaque bytes (storage never reads a document): heads
/// `[base; 32]` to `[heads; 32]`, its index row titled after `heads`.
fn write(id: RecordId, change: RecordChange, base: Option<u8>, heads: u8) -> RecordWrite {
    RecordWrite {
        id: id.to_string(),
        estate: EAST.to_owned(),
        kind: RecordKind::PatrolRound.as_str().to_owned(),
        change,
        compacted: None,
        heads: vec![heads; 32],
        base_heads: base.map(|base| vec![base; 32]),
        index: IndexEntry {
            id,
            kind: RecordKind::PatrolRound,
            estate: EAST.to_owned(),
            state: "started".to_owned(),
            open: true,
            title: format!("round at heads {heads}"),
            location: None,
            assignee: Some("zhao".to_owned()),
            due: Some(at(i64::from(heads))),
            due_rule: None,
            conflicts: 0,
            updated_at: at(i64::from(heads)),
        },
        models: ModelRows::default(),
    }
}

fn create(id: RecordId, snapshot: &str, heads: u8) -> RecordWrite {
    let snapshot = snapshot.as_bytes().to_vec();
    write(id, RecordChange::Create { snapshot }, None, heads)
}

fn append(id: RecordId, chunk: &str, base: u8, heads: u8) -> RecordWrite {
    let chunk = chunk.as_bytes().to_vec();
    write(id, RecordChange::Append { chunk }, Some(base), heads)
}

fn compacting(mut write: RecordWrite, document: &str) -> RecordWrite {
    write.compacted = Some(document.as_bytes().to_vec());
    write
}

fn visiting(mut write: RecordWrite, id: RecordId, events: &[&str]) -> RecordWrite {
    write.models.patrol_visits = events.iter().map(|event| visit(id, event)).collect();
    write
}

/// Record `c` stored before the group, with a chunk of its own.
fn before(c: RecordId) -> Vec<RecordWrite> {
    vec![create(c, "C0", 1), append(c, "c1", 1, 2)]
}

/// Three records written nine times, interleaved: A created, appended
/// twice (compacted on the second, its report rows shrinking) and once
/// more; B created and appended; C, stored before, appended, compacted,
/// appended.
fn group(a: RecordId, b: RecordId, c: RecordId) -> Vec<RecordWrite> {
    vec![
        visiting(create(a, "A0", 10), a, &["e1", "e2"]),
        append(c, "c2", 2, 3),
        visiting(append(a, "a1", 10, 11), a, &["e1", "e2", "e3"]),
        visiting(compacting(append(a, "a2", 11, 12), "A2"), a, &["e1"]),
        create(b, "B0", 20),
        compacting(append(c, "c3", 3, 4), "C4"),
        append(a, "a3", 12, 13),
        append(c, "c4", 4, 5),
        append(b, "b1", 20, 21),
    ]
}

/// Every table a commit writes, as text, in a fixed order.
fn tables(url: &str) -> Vec<String> {
    let mut client = Client::connect(url, NoTls).expect("connect");
    ["records", "chunks", "feed", "read_model"]
        .iter()
        .chain(&REPORT_TABLES)
        .map(|table| {
            let sql =
                format!("SELECT coalesce(json_agg(t ORDER BY t::text)::text, '') FROM {table} t");
            client
                .query_one(&sql, &[])
                .expect("dump")
                .get::<_, String>(0)
        })
        .collect()
}

/// What devices and the writer read back: each record, and the pages
/// from cursors before, inside and after the group.
fn read_back(storage: &dyn Storage, ids: &[RecordId]) -> Vec<String> {
    let records = ids.iter().map(|id| {
        let stored = storage.load_record(&id.to_string()).expect("load");
        format!("{stored:?}")
    });
    let pages = [0, 4, 9].map(|cursor| {
        let page = storage.pull(&[EAST.to_owned()], cursor, 10).expect("pull");
        format!("{page:?}")
    });
    records.chain(pages).collect()
}

#[test]
fn a_group_writing_records_twice_stores_what_one_write_at_a_time_stores() {
    let [a, b, c] = [(); 3].map(|()| RecordId::random());
    let mut ids = [a, b, c];
    ids.sort_by_key(ToString::to_string);
    let (grouped, one_by_one, sqlite) = (tempdir(), tempdir(), tempdir());
    let (grouped_url, one_by_one_url) = (
        test_database::create(grouped.path()),
        test_database::create(one_by_one.path()),
    );
    let open = |url: &str| PostgresStorage::open(url).expect("open");
    let (grouped_store, one_by_one_store) = (open(&grouped_url), open(&one_by_one_url));
    let sqlite = SqliteStorage::open(sqlite.path()).expect("open sqlite");
    for storage in [&grouped_store as &dyn Storage, &one_by_one_store, &sqlite] {
        for write in before(c) {
            storage.commit(&[write]).expect("before");
        }
    }
    let seqs = grouped_store.commit(&group(a, b, c)).expect("grouped");
    assert_eq!(seqs, (3..=11).collect::<Vec<u64>>(), "in the writes' order");
    for storage in [&one_by_one_store as &dyn Storage, &sqlite] {
        for write in group(a, b, c) {
            storage.commit(&[write]).expect("one by one");
        }
    }

    assert_eq!(tables(&grouped_url), tables(&one_by_one_url));
    let read = read_back(&grouped_store, &ids);
    assert_eq!(read, read_back(&one_by_one_store, &ids));
    assert_eq!(read, read_back(&sqlite, &ids));
    let a_stored = grouped_store
        .load_record(&a.to_string())
        .expect("load")
        .expect("stored");
    assert_eq!(
        (a_stored.bytes.as_slice(), a_stored.chunk_count),
        (&b"A2a3"[..], 1)
    );
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn large_groups_are_written_in_runs_of_bounded_bytes() {
    let ids = [(); 4].map(|()| RecordId::random());
    let writes: Vec<RecordWrite> = ids
        .iter()
        .zip(["aaaa", "bb", "cccccc", "d"])
        .map(|(id, snapshot)| create(*id, snapshot, 1))
        .collect();
    let records = super::plan::plan(&writes, &[1, 2, 3, 4]);
    let runs = |most| -> Vec<usize> {
        let parts = super::parts(&records, most);
        parts.iter().map(|run| run.len()).collect()
    };
    assert_eq!(runs(7), [2, 2], "4 + 2 bytes, then 6 + 1");
    assert_eq!(runs(3), [1, 1, 1, 1], "a record over the bound goes alone");
    assert_eq!(runs(usize::MAX), [4]);
}
