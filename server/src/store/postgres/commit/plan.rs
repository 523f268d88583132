//! What a group commit does to each record, worked out before it writes:
//! whether every write still applies to the record as stored (the heads
//! check), then the rows each record ends the group with, so that one
//! statement per table writes the whole group.
//!
//! A record may be written twice in one group (two requests of one batch
//! changed it): the second write was judged against the first's heads. So
//! the check follows the group's own writes in order, and a record's rows
//! are what its writes, applied one after another, would have left: its
//! chunks after its last compaction, its last heads, the counts of those
//! chunks.

use std::collections::{HashMap, HashSet};

use crate::store::{RecordChange, RecordWrite, StorageError};

/// Every write applies: its base heads are the record's heads as `stored`
/// (by record id) or as the group's earlier writes leave them. Refuses
/// with `Stale`, naming every record of the group that changed meanwhile,
/// before any other refusal.
pub(super) fn check(
    writes: &[RecordWrite],
    stored: &HashMap<String, Vec<u8>>,
) -> Result<(), StorageError> {
    let mut heads: HashMap<&str, Option<&[u8]>> = HashMap::new();
    let mut stale: Vec<String> = Vec::new();
    let mut named = HashSet::new();
    let mut refused = None;
    for write in writes {
        let now = *heads
            .entry(write.id.as_str())
            .or_insert_with(|| stored.get(&write.id).map(Vec::as_slice));
        if now != write.base_heads.as_deref() {
            if named.insert(write.id.as_str()) {
                stale.push(write.id.clone());
            }
        } else if refused.is_none() {
            refused = misfit(write, now.is_some());
        }
        heads.insert(write.id.as_str(), Some(write.heads.as_slice()));
    }
    if !stale.is_empty() {
        return Err(StorageError::Stale { ids: stale });
    }
    refused.map_or(Ok(()), Err)
}

/// A write whose heads check out but whose change cannot apply: creating
/// a record that is there, appending to one that is not.
fn misfit(write: &RecordWrite, stored: bool) -> Option<StorageError> {
    match (&write.change, stored) {
        (RecordChange::Create { .. }, true) => Some(StorageError::Conflict(format!(
            "record {} is already stored; it cannot be created again",
            write.id
        ))),
        (RecordChange::Append { .. }, false) => Some(StorageError::NotFound(format!(
            "record {} is not stored; its changes cannot be appended",
            write.id
        ))),
        _ => None,
    }
}

/// The rows one record ends the group with.
pub(super) struct RecordRows<'w> {
    pub id: &'w str,
    /// The write that creates the record, when the group does.
    pub created: Option<&'w RecordWrite>,
    /// The snapshot the record ends with and the feed position it stands
    /// for, when the group creates or compacts the record.
    pub snapshot: Option<(&'w [u8], i64)>,
    /// Whether the group compacted the record: its chunks stored before
    /// go.
    pub compacted: bool,
    /// The group's chunks that outlive its compactions, with their feed
    /// positions.
    pub chunks: Vec<(i64, &'w [u8])>,
    pub heads: &'w [u8],
}

impl<'w> RecordRows<'w> {
    fn new(write: &'w RecordWrite) -> Self {
        RecordRows {
            id: &write.id,
            created: None,
            snapshot: None,
            compacted: false,
            chunks: Vec::new(),
            heads: &write.heads,
        }
    }

    /// The record after `write`, stored at feed position `seq`.
    fn apply(&mut self, write: &'w RecordWrite, seq: i64) {
        match &write.change {
            RecordChange::Create { snapshot } => {
                self.created = Some(write);
                self.snapshot = Some((snapshot, seq));
            }
            RecordChange::Append { chunk } => self.chunks.push((seq, chunk)),
        }
        if let Some(document) = &write.compacted {
            self.snapshot = Some((document, seq));
            self.compacted = true;
            self.chunks.clear();
        }
        self.heads = &write.heads;
    }

    /// The bytes of the chunks the group adds.
    pub fn chunk_bytes(&self) -> usize {
        self.chunks.iter().map(|(_, chunk)| chunk.len()).sum()
    }

    /// The bytes of document the group writes for the record.
    pub fn bytes(&self) -> usize {
        self.snapshot.map_or(0, |(snapshot, _)| snapshot.len()) + self.chunk_bytes()
    }
}

/// Each record's rows after `writes` (checked by [`check`]), stored at
/// feed positions `seqs`, in the order of each record's first write.
pub(super) fn plan<'w>(writes: &'w [RecordWrite], seqs: &[i64]) -> Vec<RecordRows<'w>> {
    let mut records: Vec<RecordRows<'w>> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (write, &seq) in writes.iter().zip(seqs) {
        let index = *at.entry(write.id.as_str()).or_insert_with(|| {
            records.push(RecordRows::new(write));
            records.len() - 1
        });
        records[index].apply(write, seq);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use stairwell_core::kinds::IndexEntry;
    use stairwell_core::record::{RecordId, RecordKind};

    fn write(id: &str, change: RecordChange, base: Option<&[u8]>, heads: &[u8]) -> RecordWrite {
        RecordWrite {
            id: id.to_owned(),
            estate: "east".to_owned(),
            kind: "repair_sheet".to_owned(),
            change,
            compacted: None,
            heads: heads.to_vec(),
            base_heads: base.map(<[u8]>::to_vec),
            index: IndexEntry {
                id: RecordId::random(),
                kind: RecordKind::RepairSheet,
                estate: "east".to_owned(),
                state: "open".to_owned(),
                open: true,
                title: String::new(),
                location: None,
                assignee: None,
                due: None,
                due_rule: None,
                conflicts: 0,
                updated_at: chrono::DateTime::UNIX_EPOCH,
            },
            models: Default::default(),
        }
    }

    fn create(id: &str, heads: &[u8]) -> RecordWrite {
        let snapshot = vec![0; 10];
        write(id, RecordChange::Create { snapshot }, None, heads)
    }

    fn append(id: &str, base: &[u8], heads: &[u8], len: usize) -> RecordWrite {
        let chunk = vec![1; len];
        write(id, RecordChange::Append { chunk }, Some(base), heads)
    }

    fn stored(pairs: &[(&str, &[u8])]) -> HashMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(id, heads)| ((*id).to_owned(), heads.to_vec()))
            .collect()
    }

    #[test]
    fn a_record_written_twice_is_checked_against_the_groups_own_heads() {
        let writes = [create("a", b"a1"), append("a", b"a1", b"a2", 3)];
        check(&writes, &stored(&[])).expect("the second write follows the first");
        let records = plan(&writes, &[7, 8]);
        assert_eq!(records.len(), 1);
        let a = &records[0];
        assert!(a.created.is_some());
        assert_eq!(a.snapshot, Some((&[0u8; 10][..], 7)));
        assert_eq!(
            (a.chunks.len(), a.chunk_bytes(), a.heads),
            (1, 3, &b"a2"[..])
        );
    }

    #[test]
    fn every_stale_record_is_named_once_and_before_other_refusals() {
        let writes = [
            append("missing", b"x", b"y", 1),
            append("b", b"old", b"b2", 1),
            append("b", b"b2", b"b3", 1),
            append("c", b"c0", b"c1", 1),
            create("d", b"d1"),
        ];
        let found = stored(&[("missing", b"x"), ("b", b"b1"), ("c", b"c9"), ("d", b"d0")]);
        let Err(StorageError::Stale { ids }) = check(&writes, &found) else {
            panic!("stale");
        };
        assert_eq!(ids, ["b", "c", "d"]);
        let orphan = write("m", RecordChange::Append { chunk: vec![1] }, None, b"x");
        let Err(StorageError::NotFound(_)) = check(&[orphan], &stored(&[])) else {
            panic!("not found");
        };
    }

    #[test]
    fn a_compaction_drops_the_chunks_before_it_and_keeps_those_after() {
        let mut compacting = append("a", b"a1", b"a2", 2);
        compacting.compacted = Some(vec![9; 4]);
        let writes = [
            append("a", b"a0", b"a1", 5),
            compacting,
            append("a", b"a2", b"a3", 3),
        ];
        check(&writes, &stored(&[("a", b"a0")])).expect("in order");
        let records = plan(&writes, &[1, 2, 3]);
        let a = &records[0];
        assert!(a.created.is_none() && a.compacted);
        assert_eq!(a.snapshot, Some((&[9u8; 4][..], 2)));
        assert_eq!(a.chunks, vec![(3, &[1u8; 3][..])]);
        assert_eq!(a.heads, b"a3");
    }
}
