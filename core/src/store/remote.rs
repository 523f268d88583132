//! Documents received from the server. They are stored without marking
//! them dirty (the server has them), merged into the local copy when the
//! device has one, and, for a cold pull of thousands, stored as received
//! without loading them when the server sends each one's index row beside
//! it: loading costs ~180 µs a document, which alone would blow the budget
//! of 10,000 documents in well under a second.
//!
//! Changes to a record the device holds with nothing unsent (the echo of
//! its own push, a reconnect's few changed records) are likewise appended
//! as a chunk beside the stored bytes without loading the document: the
//! server then holds exactly what the device holds, which is the state a
//! record stored unloaded is in. Only a record with unsent local changes
//! is loaded and merged, to learn which heads the server has.

use automerge::{ActorId, Automerge, ChangeHash};
use rusqlite::Connection;

use super::documents::{self, NewSync, Stored, sorted, sorted_heads};
use super::{Store, StoreError, index, sync, write_tx};
use crate::kinds::{AnyRecord, IndexEntry};
use crate::record::{RecordDoc, RecordError, RecordId};

/// A whole document as the server sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteRecord {
    /// The compacted document (`save()`).
    pub bytes: Vec<u8>,
    /// The record's index row, computed by the server in the estate's time
    /// zone. With it, a record new to the device is stored without being
    /// loaded; its row and bytes are trusted as the server validated them.
    pub entry: Option<IndexEntry>,
}

/// Changes of a record the device already has, as the server sends them:
/// only what was made after the device's feed cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteChanges {
    pub id: RecordId,
    pub changes: Vec<u8>,
    /// The record's index row after these changes, computed by the server.
    /// With it, a record with nothing unsent takes the changes unloaded.
    pub entry: Option<IndexEntry>,
}

/// What [`Store::put_remote_many`] did with a batch.
#[derive(Debug, Default)]
pub struct RemoteBatch {
    pub stored: Vec<RecordId>,
    /// Documents refused, by their index in the batch; the rest are stored.
    pub refused: Vec<(usize, RecordError)>,
}

impl Store {
    /// Stores a whole document received from the server, merging it into
    /// the local copy if the device has one. Returns the record's id.
    pub fn put_remote(&mut self, bytes: &[u8]) -> Result<RecordId, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let id = put_loaded(&tx, &self.actor, bytes)?;
        tx.commit()?;
        Ok(id)
    }

    /// Stores a batch from the server in one transaction (one fsync). A
    /// document the record rules refuse is reported and skipped, so one bad
    /// record cannot block every later pull; a storage error stores nothing.
    pub fn put_remote_many(&mut self, records: &[RemoteRecord]) -> Result<RemoteBatch, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let mut batch = RemoteBatch::default();
        for (index, record) in records.iter().enumerate() {
            match put_one(&tx, &self.actor, record) {
                Ok(id) => batch.stored.push(id),
                Err(StoreError::Record(error)) => batch.refused.push((index, error)),
                Err(error) => return Err(error),
            }
        }
        tx.commit()?;
        Ok(batch)
    }
}

impl Store {
    /// Applies changes from the server to records the device has, in one
    /// transaction. A record the rules refuse, or that the device lacks, is
    /// reported and skipped; a storage error stores nothing.
    pub fn apply_remote_changes(
        &mut self,
        batch: &[RemoteChanges],
    ) -> Result<RemoteBatch, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let mut result = RemoteBatch::default();
        for (index, remote) in batch.iter().enumerate() {
            match apply_one(&tx, &self.actor, remote) {
                Ok(id) => result.stored.push(id),
                Err(StoreError::Record(error)) => result.refused.push((index, error)),
                Err(StoreError::NotFound(id)) => {
                    let reason = format!("changes for record {id}, which this device lacks");
                    result.refused.push((index, RecordError::Malformed(reason)));
                }
                Err(error) => return Err(error),
            }
        }
        tx.commit()?;
        Ok(result)
    }
}

fn apply_one(
    conn: &Connection,
    actor: &ActorId,
    remote: &RemoteChanges,
) -> Result<RecordId, StoreError> {
    let id = remote.id;
    let stored = documents::stored(conn, id)?.ok_or(StoreError::NotFound(id))?;
    if let Some(entry) = remote.entry.as_ref().filter(|entry| entry.id == id)
        && !stored.dirty
        && !documents::needs_compaction(&stored, documents::byte_len(&remote.changes))
    {
        append_unloaded(conn, &stored, &remote.changes, entry)?;
        return Ok(id);
    }
    let local = documents::load(conn, id, actor)?.ok_or(StoreError::NotFound(id))?;
    let synced = sync::read_sync_state(conn, id)?
        .map(|state| state.synced_heads)
        .unwrap_or_default();
    let server_heads = heads_after(&local.doc, &synced, &remote.changes)?;
    let mut merged = local.doc;
    merged.apply_changes(&remote.changes)?;
    let record = AnyRecord::from_doc(merged)?;
    let entry = index::entry_of(conn, &record)?;
    if documents::write_changes(conn, &local.stored, &local.heads, record.doc())? {
        index::put(conn, &entry)?;
    }
    sync::mark_received(conn, id, &server_heads, &sorted_heads(record.doc()))?;
    Ok(id)
}

/// Appends the server's changes to a record with nothing unsent, as
/// received: the server now has exactly what the device has, the state of
/// a record stored unloaded (heads read at its next load). The bytes are
/// parsed on their own first, so what is stored is Automerge changes.
fn append_unloaded(
    conn: &Connection,
    stored: &Stored,
    changes: &[u8],
    entry: &IndexEntry,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    Automerge::new()
        .load_incremental(changes)
        .map_err(|err| RecordError::Malformed(format!("changes from the server: {err}")))?;
    documents::append(conn, stored, changes, None)?;
    sync::mark_received_unloaded(conn, stored.id)?;
    index::put(conn, entry)
}

/// The heads the server has once it sent `changes`: what it had (`synced`)
/// plus those changes, without this device's unsent ones.
fn heads_after(
    local: &RecordDoc,
    synced: &[ChangeHash],
    changes: &[u8],
) -> Result<Vec<ChangeHash>, StoreError> {
    let mut server = local
        .automerge()
        .fork_at(synced)
        .map_err(RecordError::from)?;
    server
        .load_incremental(changes)
        .map_err(RecordError::from)?;
    Ok(sorted(server.get_heads()))
}

fn put_one(
    conn: &Connection,
    actor: &ActorId,
    record: &RemoteRecord,
) -> Result<RecordId, StoreError> {
    match &record.entry {
        Some(entry) if documents::stored(conn, entry.id)?.is_none() => {
            put_unloaded(conn, &record.bytes, entry)
        }
        _ => put_loaded(conn, actor, &record.bytes),
    }
}

/// Stores a new record as received; its heads are read at its first write.
fn put_unloaded(
    conn: &Connection,
    bytes: &[u8],
    entry: &IndexEntry,
) -> Result<RecordId, StoreError> {
    let sync = NewSync {
        synced_heads: None,
        dirty: false,
    };
    documents::insert(conn, entry.id, bytes, None, sync)?;
    index::put(conn, entry)?;
    Ok(entry.id)
}

/// Loads the document once, to check it and compute its index row, and
/// stores it or merges it into the local copy. Every step that can refuse
/// the document runs before the first write, so a refusal in a batch
/// leaves nothing half-stored.
fn put_loaded(conn: &Connection, actor: &ActorId, bytes: &[u8]) -> Result<RecordId, StoreError> {
    let remote = RecordDoc::load(bytes)?;
    let id = remote.id();
    let server_heads = sorted_heads(&remote);
    let Some(local) = documents::load(conn, id, actor)? else {
        let entry = index::entry_of(conn, &AnyRecord::from_doc(remote)?)?;
        let sync = NewSync {
            synced_heads: Some(&server_heads),
            dirty: false,
        };
        documents::insert(conn, id, bytes, Some(&server_heads), sync)?;
        index::put(conn, &entry)?;
        return Ok(id);
    };
    let mut merged = local.doc;
    documents::merge(&mut merged, &remote)?;
    let record = AnyRecord::from_doc(merged)?;
    let entry = index::entry_of(conn, &record)?;
    if documents::write_changes(conn, &local.stored, &local.heads, record.doc())? {
        index::put(conn, &entry)?;
    }
    sync::mark_received(conn, id, &server_heads, &sorted_heads(record.doc()))?;
    Ok(id)
}
