//! What this device owes the server and what the server is known to hold.
//! Each record keeps the heads the server has (`synced_heads`, empty before
//! its first sync) and a dirty flag set by every local write, so a sync
//! sends only the changes of dirty records and never loads a clean one. The
//! feed cursor beside them says where the next pull starts.

use automerge::{ChangeHash, ReadDoc};
use rusqlite::{Connection, OptionalExtension, params};

use super::documents::{self, decode_heads, encode_heads, sorted, sorted_heads};
use super::{Store, StoreError, meta, write_tx};
use crate::record::{RecordDoc, RecordId};

/// Changes of one record the server does not have yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    pub id: RecordId,
    /// The heads `changes` bring the server to: pass them to
    /// [`Store::mark_synced`] once it acknowledges.
    pub heads: Vec<ChangeHash>,
    /// `save_after(synced_heads)`, or the whole compacted document for a
    /// record the server has never had. Either loads with `apply_changes`.
    pub changes: Vec<u8>,
}

/// Where a record stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// The heads the server is known to have; empty if it has nothing.
    pub synced_heads: Vec<ChangeHash>,
    /// Whether the device has changes the server may lack.
    pub dirty: bool,
}

impl Store {
    /// The changes of every dirty record, read in one snapshot of the file.
    ///
    /// A record the server has never had goes as its stored bytes, whole,
    /// without loading it: the common case of records made offline.
    pub fn pending_changes(&self) -> Result<Vec<PendingChange>, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut pending = Vec::new();
        for dirty in dirty_records(&tx)? {
            let id = dirty.id;
            match dirty.heads {
                Some(heads) if dirty.synced.is_empty() => {
                    let changes = documents::raw(&tx, id)?.ok_or(StoreError::NotFound(id))?;
                    pending.push(PendingChange { id, heads, changes });
                }
                _ => {
                    let doc = documents::read(&tx, id)?.ok_or(StoreError::NotFound(id))?;
                    pending.extend(pending_change(id, &doc, dirty.synced));
                }
            }
        }
        Ok(pending)
    }

    /// Records that the server has `heads` of a record. The record stays
    /// dirty if it moved on since those heads were sent.
    pub fn mark_synced(&mut self, id: RecordId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        self.mark_synced_many(&[(id, heads.to_vec())])
    }

    /// [`Store::mark_synced`] for a whole acknowledged batch, in one
    /// transaction: one fsync for a thousand records, not a thousand.
    pub fn mark_synced_many(
        &mut self,
        acknowledged: &[(RecordId, Vec<ChangeHash>)],
    ) -> Result<(), StoreError> {
        let tx = write_tx(&mut self.conn)?;
        for (id, heads) in acknowledged {
            let heads = encode_heads(&sorted(heads.clone()));
            let updated = tx
                .prepare_cached(
                    "UPDATE records SET synced_heads = ?2,
                     dirty = heads IS NOT NULL AND heads IS NOT ?2 WHERE id = ?1",
                )?
                .execute(params![id.to_string(), heads])?;
            if updated == 0 {
                return Err(StoreError::NotFound(*id));
            }
            tx.prepare_cached("DELETE FROM refusals WHERE id = ?1")?
                .execute([id.to_string()])?;
        }
        Ok(tx.commit()?)
    }

    /// Keeps the server's refusal of a record's changes; the changes stay
    /// on the device, still pending, so nothing the user did is lost.
    pub fn set_refusal(
        &mut self,
        id: RecordId,
        code: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO refusals (id, code, message) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id.to_string(), code, message])?;
        Ok(())
    }

    /// Every record whose last push the server refused: (id, code, message).
    pub fn refusals(&self) -> Result<Vec<(RecordId, String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, code, message FROM refusals ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?))
        })?;
        rows.map(|row| {
            let (id, code, message) = row?;
            let id = id.parse().map_err(StoreError::Corrupt)?;
            Ok((id, code, message))
        })
        .collect()
    }

    /// A record's sync state; `None` if the device does not have it.
    pub fn sync_state(&self, id: RecordId) -> Result<Option<SyncState>, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        read_sync_state(&tx, id)
    }

    /// The last feed sequence stored from the server; 0 before any sync.
    pub fn feed_cursor(&self) -> Result<u64, StoreError> {
        meta::feed_cursor(&self.conn)
    }

    pub fn set_feed_cursor(&mut self, cursor: u64) -> Result<(), StoreError> {
        let tx = write_tx(&mut self.conn)?;
        meta::set_feed_cursor(&tx, cursor)?;
        Ok(tx.commit()?)
    }
}

pub(super) fn read_sync_state(
    conn: &Connection,
    id: RecordId,
) -> Result<Option<SyncState>, StoreError> {
    let row: Option<(Option<Vec<u8>>, bool)> = conn
        .query_row(
            "SELECT synced_heads, dirty FROM records WHERE id = ?1",
            [id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((synced, dirty)) = row else {
        return Ok(None);
    };
    let synced_heads = match synced {
        Some(bytes) => decode_heads(&bytes)?,
        // Stored unloaded from the server: it has exactly what we have.
        None => documents::read(conn, id)?
            .map(|doc| sorted_heads(&doc))
            .unwrap_or_default(),
    };
    Ok(Some(SyncState {
        synced_heads,
        dirty,
    }))
}

/// A dirty record: the heads of its stored bytes (when known) and those
/// the server has.
struct Dirty {
    id: RecordId,
    heads: Option<Vec<ChangeHash>>,
    synced: Vec<ChangeHash>,
}

fn dirty_records(conn: &Connection) -> Result<Vec<Dirty>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT id, heads, synced_heads FROM records WHERE dirty")?;
    let mut rows = statement.query([])?;
    let mut dirty = Vec::new();
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let heads: Option<Vec<u8>> = row.get(1)?;
        let synced: Option<Vec<u8>> = row.get(2)?;
        dirty.push(Dirty {
            id: id.parse().map_err(StoreError::Corrupt)?,
            heads: heads.as_deref().map(decode_heads).transpose()?,
            synced: decode_heads(&synced.unwrap_or_default())?,
        });
    }
    Ok(dirty)
}

/// What the server lacks of `doc`, given the heads it has. Heads this
/// replica does not know (the server merged others' changes) are left out:
/// the result may then repeat changes the server has, which it ignores.
fn pending_change(id: RecordId, doc: &RecordDoc, synced: Vec<ChangeHash>) -> Option<PendingChange> {
    let unknown = doc.automerge().get_missing_deps(&synced);
    let known: Vec<ChangeHash> = synced
        .into_iter()
        .filter(|hash| !unknown.contains(hash))
        .collect();
    let changes = if known.is_empty() {
        doc.save()
    } else {
        doc.save_after(&known)
    };
    (!changes.is_empty()).then(|| PendingChange {
        id,
        heads: sorted_heads(doc),
        changes,
    })
}

/// After a local write: the record is dirty, and if it had been stored
/// unloaded, the server has what it had before this write (`prior`).
pub(super) fn mark_changed(
    conn: &Connection,
    id: RecordId,
    prior: &[ChangeHash],
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE records SET dirty = 1, synced_heads = COALESCE(synced_heads, ?2) WHERE id = ?1",
    )?
    .execute(params![id.to_string(), encode_heads(prior)])?;
    Ok(())
}

/// After storing a document from the server: it has `server_heads`, and the
/// record is dirty only if the merge kept local changes beyond them.
pub(super) fn mark_received(
    conn: &Connection,
    id: RecordId,
    server_heads: &[ChangeHash],
    local_heads: &[ChangeHash],
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE records SET synced_heads = ?2, dirty = ?3 WHERE id = ?1")?
        .execute(params![
            id.to_string(),
            encode_heads(server_heads),
            server_heads != local_heads
        ])?;
    Ok(())
}

/// After appending the server's changes to a clean record unloaded: the
/// server has exactly what the device has (see [`read_sync_state`]).
pub(super) fn mark_received_unloaded(conn: &Connection, id: RecordId) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE records SET synced_heads = NULL, dirty = 0 WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}
