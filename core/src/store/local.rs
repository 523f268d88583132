//! Writes made on this device: a record created here, and verbs run on
//! stored records. Each is one SQLite transaction that stores the new
//! changes, the index row and the dirty flag together, so a crash keeps all
//! of a verb or none of it, and a refused verb writes nothing.

use automerge::{ChangeHash, ReadDoc};
use rusqlite::Connection;

use super::documents::{self, NewSync, Stored, sorted_heads};
use super::{Store, StoreError, index, sync, write_tx};
use crate::kinds::AnyRecord;
use crate::record::{RecordDoc, RecordError, RecordId};

impl Store {
    /// Stores a record created on this device, e.g. `sheet.doc()` right
    /// after `RepairSheet::open`. It is dirty until the server has it.
    pub fn insert(&mut self, doc: &RecordDoc) -> Result<(), StoreError> {
        let id = doc.id();
        let record = AnyRecord::from_doc(doc.clone())?;
        let tx = write_tx(&mut self.conn)?;
        if documents::stored(&tx, id)?.is_some() {
            return Err(StoreError::AlreadyExists(id));
        }
        let heads = sorted_heads(doc);
        let sync = NewSync {
            synced_heads: Some(&[]),
            dirty: true,
        };
        documents::insert(&tx, id, &doc.save(), Some(&heads), sync)?;
        index::put(&tx, &index::entry_of(&tx, &record)?)?;
        Ok(tx.commit()?)
    }

    /// Loads a record; its future edits carry this device's actor.
    pub fn load(&self, id: RecordId) -> Result<Option<AnyRecord>, StoreError> {
        // One read transaction, so a concurrent compaction cannot pair an
        // old snapshot with new chunks.
        let tx = self.conn.unchecked_transaction()?;
        let Some(mut doc) = documents::read(&tx, id)? else {
            return Ok(None);
        };
        doc.set_actor(self.actor.clone());
        Ok(Some(AnyRecord::from_doc(doc)?))
    }

    /// Stores what `doc` changed since the stored version, updates its index
    /// row and marks it dirty. Returns whether there was anything to store.
    /// A `doc` loaded before a sync merged changes into the stored record is
    /// merged with it, never written over it; one edited while the stored
    /// record took other edits on this device is refused as stale (prefer
    /// [`Store::update`], which cannot go stale).
    pub fn save(&mut self, doc: &RecordDoc) -> Result<bool, StoreError> {
        let id = doc.id();
        let tx = write_tx(&mut self.conn)?;
        let stored = documents::stored(&tx, id)?.ok_or(StoreError::NotFound(id))?;
        let changed = match &stored.heads {
            Some(prior) if sorted_heads(doc) == *prior => false,
            Some(prior) if contains(doc, prior) => {
                write_local(&tx, &stored, prior, &AnyRecord::from_doc(doc.clone())?)?
            }
            _ => {
                let loaded =
                    documents::load(&tx, id, &self.actor)?.ok_or(StoreError::NotFound(id))?;
                let mut merged = loaded.doc;
                documents::merge(&mut merged, doc).map_err(|err| match err {
                    // Two changes with one actor and sequence number.
                    RecordError::Malformed(_) => StoreError::Stale(id),
                    other => other.into(),
                })?;
                write_local(
                    &tx,
                    &loaded.stored,
                    &loaded.heads,
                    &AnyRecord::from_doc(merged)?,
                )?
            }
        };
        tx.commit()?;
        Ok(changed)
    }

    /// Runs `verb` on a stored record and stores its changes, all in one
    /// SQLite transaction: what apps call for every verb. If `verb` returns
    /// an error, nothing is written, whatever it did to the record first.
    pub fn update<T>(
        &mut self,
        id: RecordId,
        verb: impl FnOnce(&mut AnyRecord) -> Result<T, RecordError>,
    ) -> Result<T, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let loaded = documents::load(&tx, id, &self.actor)?.ok_or(StoreError::NotFound(id))?;
        let mut record = AnyRecord::from_doc(loaded.doc)?;
        let result = verb(&mut record)?;
        write_local(&tx, &loaded.stored, &loaded.heads, &record)?;
        tx.commit()?;
        Ok(result)
    }
}

/// Whether `doc` has every change named by `heads`.
fn contains(doc: &RecordDoc, heads: &[ChangeHash]) -> bool {
    doc.automerge().get_missing_deps(heads).is_empty()
}

/// Stores a local change of a record whose stored bytes reach `prior`.
fn write_local(
    conn: &Connection,
    stored: &Stored,
    prior: &[ChangeHash],
    record: &AnyRecord,
) -> Result<bool, StoreError> {
    if !documents::write_changes(conn, stored, prior, record.doc())? {
        return Ok(false);
    }
    index::put(conn, &index::entry_of(conn, record)?)?;
    sync::mark_changed(conn, stored.id, prior)?;
    Ok(true)
}
