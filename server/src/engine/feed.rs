//! The pull half of a sync: the device's estates' records changed after its
//! cursor, each sent as the changes the device lacks when it already has the
//! record, or whole when it does not, with its index row so the device can
//! store it without loading it. Storage reads the feed window and the bytes
//! in one snapshot; this module turns that into protocol records.
//!
//! A record the device pushed in this same request is sent as its
//! [`Echo`]: only what the server added to the push (receipt stamps, others'
//! concurrent changes), not the record the device itself just sent.

use std::collections::HashMap;

use serde_bytes::ByteBuf;
use stairwell_core::protocol::PulledRecord;
use stairwell_core::record::RecordDoc;
use stairwell_core::sync::judge::Author;

use crate::engine::writer::Echo;
use crate::store::{PullItem, PullPayload, Storage, StorageError};

/// What a device receives in one response.
#[derive(Debug, Default)]
pub struct Pulled {
    pub cursor: u64,
    pub more: bool,
    pub records: Vec<PulledRecord>,
}

/// The page after `cursor`: at most `requested` records, and never more
/// than the server's `server_max`, whatever the device asks for. `echoes`
/// are the records this request's push changed.
pub fn pull(
    storage: &dyn Storage,
    author: &Author,
    cursor: u64,
    requested: u32,
    server_max: usize,
    echoes: &[Echo],
) -> Result<Pulled, StorageError> {
    let echoes: HashMap<&str, &Echo> = echoes.iter().map(|echo| (echo.id.as_str(), echo)).collect();
    let max = usize::try_from(requested)
        .unwrap_or(usize::MAX)
        .min(server_max);
    let page = storage.pull(&author.estates, cursor, max)?;
    let records = page
        .items
        .into_iter()
        .map(|item| match echoes.get(item.id.as_str()) {
            // Valid only while nothing was stored after the push.
            Some(echo) if echo.seq == item.latest_seq => Ok(PulledRecord {
                id: item.id,
                whole: false,
                bytes: ByteBuf::from(echo.bytes.clone()),
                index: item.index,
            }),
            _ => pulled_record(item),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Pulled {
        cursor: page.cursor,
        more: page.more,
        records,
    })
}

fn pulled_record(item: PullItem) -> Result<PulledRecord, StorageError> {
    let (whole, bytes) = match item.payload {
        PullPayload::Whole(bytes) => (true, bytes),
        PullPayload::Changes(bytes) => (false, bytes),
        // The chunks the device lacks were compacted away: only here does a
        // pull load a document.
        PullPayload::AfterHeads { document, heads } => {
            let doc = RecordDoc::load(&document).map_err(|source| StorageError::Record {
                id: item.id.clone(),
                source,
            })?;
            (false, doc.save_after(&heads))
        }
    };
    Ok(PulledRecord {
        id: item.id,
        whole,
        bytes: ByteBuf::from(bytes),
        index: item.index,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};
    use serde_bytes::ByteBuf;
    use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
    use stairwell_core::protocol::PushedRecord;
    use stairwell_core::record::{Editor, Role};
    use stairwell_core::rules::{RepairLocation, Urgency};

    use super::*;
    use crate::accounts;
    use crate::engine::metrics::Metrics;
    use crate::engine::writer::{self, WriterConfig, WriterHandle};
    use crate::store::SqliteStorage;

    struct World {
        _dir: tempfile::TempDir,
        runtime: tokio::runtime::Runtime,
        storage: Arc<dyn Storage>,
        writer: WriterHandle,
        author: Author,
        editor: Editor,
    }

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_413_200 + minute * 60, 0).expect("time")
    }

    fn world(compact_chunks: u32) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).expect("open"));
        accounts::add_estate(&*storage, "e1", "East", "Asia/Shanghai").expect("estate");
        accounts::add_user(&*storage, "lin", "Lin", Role::FrontDesk, &["e1".into()]).expect("user");
        let device = accounts::issue_device(&*storage, "lin", None).expect("device");
        let author = accounts::authenticate(&*storage, &device.token)
            .expect("auth")
            .expect("author");
        let config = WriterConfig {
            compact_chunks,
            ..WriterConfig::default()
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (writer, _thread) =
            writer::spawn(storage.clone(), Arc::new(Metrics::default()), config).expect("writer");
        World {
            editor: Editor::new("lin", author.device.clone(), Role::FrontDesk),
            _dir: dir,
            runtime,
            storage,
            writer,
            author,
        }
    }

    impl World {
        fn open(&self) -> RepairSheet {
            let intake = Intake {
                resident_name: "王女士".into(),
                unit: "A1-0302".into(),
                phone: "139 1111 2222".into(),
                problem: "卫生间下水道堵塞".into(),
                location: RepairLocation::InUnit,
                on_price_list: true,
                urgency: Urgency::Normal,
                appointment: None,
            };
            RepairSheet::open(&self.editor, at(1), "e1", intake, at(0), None).expect("open")
        }

        fn push(&self, id: impl ToString, bytes: Vec<u8>) -> crate::engine::writer::PushOutcome {
            let record = PushedRecord {
                id: id.to_string(),
                changes: ByteBuf::from(bytes),
            };
            let outcome = self
                .runtime
                .block_on(self.writer.push(self.author.clone(), vec![record]))
                .expect("push");
            assert_eq!(outcome.refused, vec![], "refused");
            outcome
        }

        /// Adds a note on the device copy and pushes it.
        fn note(&self, sheet: &mut RepairSheet, minute: i64) {
            let before = sheet.doc().heads();
            sheet
                .add_note(&self.editor, at(minute), &format!("note {minute}"))
                .expect("note");
            self.push(sheet.id(), sheet.doc().save_after(&before));
        }

        fn pull(&self, cursor: u64, max: u32) -> Pulled {
            pull(&*self.storage, &self.author, cursor, max, 2000, &[]).expect("pull")
        }

        fn server_heads(&self, id: &str) -> Vec<automerge::ChangeHash> {
            let stored = self.storage.load_record(id).expect("load").expect("stored");
            RecordDoc::load(&stored.bytes).expect("loads").heads()
        }
    }

    #[test]
    fn a_snapshot_followed_by_its_chunks_loads_as_one_document() {
        let world = world(1000);
        let mut sheet = world.open();
        world.push(sheet.id(), sheet.doc().save());
        world.note(&mut sheet, 2);
        world.note(&mut sheet, 3);
        let stored = world
            .storage
            .load_record(&sheet.id().to_string())
            .expect("load")
            .expect("stored");
        assert_eq!(stored.chunk_count, 2);
        let pulled = world.pull(0, 100);
        let record = &pulled.records[0];
        assert!(record.whole);
        assert_eq!(record.bytes.as_ref(), stored.bytes.as_slice());
        let loaded = RecordDoc::load(&record.bytes).expect("snapshot and chunks load");
        let sheet_now = RepairSheet::from_doc(loaded).expect("sheet");
        assert_eq!(sheet_now.view(), sheet.view());
        assert!(
            sheet_now
                .doc()
                .raw_events()
                .iter()
                .all(|e| e.received_at.is_some())
        );
        assert_eq!(record.index.title, "卫生间下水道堵塞");
    }

    #[test]
    fn a_device_that_has_the_record_gets_only_changes() {
        for compact_chunks in [1000, 2] {
            let world = world(compact_chunks);
            let mut sheet = world.open();
            world.push(sheet.id(), sheet.doc().save());
            let first = world.pull(0, 100);
            let mut copy = RecordDoc::load(&first.records[0].bytes).expect("whole");
            for minute in 2..6 {
                world.note(&mut sheet, minute);
            }
            let stored = world
                .storage
                .load_record(&sheet.id().to_string())
                .expect("load")
                .expect("stored");
            let expected_chunks = if compact_chunks == 2 { 0 } else { 4 };
            assert_eq!(
                stored.chunk_count, expected_chunks,
                "compaction ran as configured"
            );
            let later = world.pull(first.cursor, 100);
            assert_eq!(later.records.len(), 1);
            assert!(!later.records[0].whole);
            copy.apply_changes(&later.records[0].bytes).expect("apply");
            assert_eq!(copy.heads(), world.server_heads(&sheet.id().to_string()));
            assert!(later.records[0].bytes.len() < first.records[0].bytes.len() * 4);
        }
    }

    #[test]
    fn a_pushed_record_comes_back_as_its_echo_until_something_newer_lands() {
        let world = world(1000);
        let mut sheet = world.open();
        let whole = sheet.doc().save();
        let outcome = world.push(sheet.id(), whole.clone());
        assert_eq!(outcome.echoes.len(), 1);
        let id = sheet.id().to_string();
        let echoed = pull(
            &*world.storage,
            &world.author,
            0,
            100,
            2000,
            &outcome.echoes,
        )
        .expect("pull");
        let record = &echoed.records[0];
        assert!(!record.whole);
        assert!(
            record.bytes.len() < whole.len() / 2,
            "only the stamp travels back"
        );
        sheet.doc_mut().apply_changes(&record.bytes).expect("apply");
        assert_eq!(sheet.doc().heads(), world.server_heads(&id));

        let mut elsewhere = sheet.clone();
        elsewhere.doc_mut().set_actor(automerge::ActorId::random());
        world.note(&mut elsewhere, 5);
        let stale = pull(
            &*world.storage,
            &world.author,
            0,
            100,
            2000,
            &outcome.echoes,
        )
        .expect("pull");
        assert!(
            stale.records[0].whole,
            "a newer change makes the echo stale"
        );
    }

    #[test]
    fn pages_stop_at_max_records_and_resume_from_the_cursor() {
        let world = world(1000);
        let sheets: Vec<RepairSheet> = (0..3).map(|_| world.open()).collect();
        for sheet in &sheets {
            world.push(sheet.id(), sheet.doc().save());
        }
        let first = world.pull(0, 2);
        assert_eq!(first.records.len(), 2);
        assert!(first.more);
        let second = world.pull(first.cursor, 2);
        assert_eq!(second.records.len(), 1);
        assert!(!second.more);
        assert_eq!(second.records[0].id, sheets[2].id().to_string());
        let none = world.pull(second.cursor, 2);
        assert!(none.records.is_empty() && !none.more);
        assert_eq!(none.cursor, second.cursor);
    }
}
