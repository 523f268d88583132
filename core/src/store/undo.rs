//! Undoing what the server refused. A change the server refused stays in the
//! record on the phone, and every later push would carry it again, so the
//! person chooses: put the record back as the server has it (or, for a
//! record the server never accepted, remove it) and take the step again,
//! correctly. The refusal itself is shown with its reason until then (see
//! [`Store::refusals`]); every other record keeps syncing meanwhile.

use rusqlite::params;

use super::documents::{self, sorted_heads};
use super::{Store, StoreError, index, write_tx};
use crate::kinds::AnyRecord;
use crate::record::{RecordDoc, RecordId};

/// What [`Store::discard_unsynced`] did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discarded {
    /// Put back as the server has it; the local changes are gone.
    Reverted,
    /// Removed: the server never had any of it.
    Removed,
    /// Nothing: the server already has everything the phone has.
    Nothing,
}

impl Store {
    /// Drops every change of record `id` the server does not have, in one
    /// transaction, and forgets its refusal.
    pub fn discard_unsynced(&mut self, id: RecordId) -> Result<Discarded, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let loaded = documents::load(&tx, id, &self.actor)?.ok_or(StoreError::NotFound(id))?;
        let state = super::sync::read_sync_state(&tx, id)?;
        let key = id.to_string();
        tx.prepare_cached("DELETE FROM refusals WHERE id = ?1")?
            .execute([&key])?;
        let outcome = match state.as_ref().map(|state| state.synced_heads.as_slice()) {
            None => Discarded::Nothing,
            Some([]) => {
                for table in ["entries", "chunks", "snapshots", "records"] {
                    tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [&key])?;
                }
                Discarded::Removed
            }
            Some(server) if sorted_heads(&loaded.doc) == server => Discarded::Nothing,
            Some(server) => {
                let fork = loaded
                    .doc
                    .automerge()
                    .fork_at(server)
                    .map_err(|err| StoreError::Corrupt(format!("record {id}: {err}")))?;
                let record = AnyRecord::from_doc(RecordDoc::from_automerge(fork)?)?;
                documents::compact(&tx, id, record.doc(), &sorted_heads(record.doc()))?;
                index::put(&tx, &index::entry_of(&tx, &record)?)?;
                tx.prepare_cached("UPDATE records SET dirty = 0, synced_heads = ?2 WHERE id = ?1")?
                    .execute(params![key, documents::encode_heads(server)])?;
                Discarded::Reverted
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}
