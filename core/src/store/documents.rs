//! A record's bytes on disk: one compacted snapshot plus the incremental
//! change chunks appended since, and the heads those bytes reach. A verb
//! then writes a few hundred bytes instead of rewriting the document, and
//! compaction folds the chunks back into the snapshot, in the same
//! transaction as the write that crosses the threshold, before loading them
//! gets slow or they outgrow the snapshot.

use automerge::{ActorId, ChangeHash};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use crate::record::{RecordDoc, RecordError, RecordId};

/// Compact once this many chunks are stored: every load parses each one.
const MAX_CHUNKS: i64 = 32;

const HASH_BYTES: usize = 32;

/// What the store knows about a record's bytes without reading them.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub id: RecordId,
    /// `None` for a document stored as received and not loaded since.
    pub heads: Option<Vec<ChangeHash>>,
    pub snapshot_bytes: i64,
    pub chunk_count: i64,
    pub chunk_bytes: i64,
    /// Whether the device has changes the server may lack.
    pub dirty: bool,
}

/// A stored record loaded for writing, with the heads of its stored bytes.
#[derive(Debug)]
pub(super) struct Loaded {
    pub doc: RecordDoc,
    pub stored: Stored,
    pub heads: Vec<ChangeHash>,
}

/// How a new record's sync columns start.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewSync<'a> {
    /// `None` only with unknown heads: the server has exactly these bytes.
    pub synced_heads: Option<&'a [ChangeHash]>,
    pub dirty: bool,
}

pub(super) fn stored(conn: &Connection, id: RecordId) -> Result<Option<Stored>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT heads, snapshot_bytes, chunk_count, chunk_bytes, dirty
             FROM records WHERE id = ?1",
        )?
        .query_row([id.to_string()], |row| {
            Ok((
                row.get::<_, Option<Vec<u8>>>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()?;
    let Some((heads, snapshot_bytes, chunk_count, chunk_bytes, dirty)) = row else {
        return Ok(None);
    };
    Ok(Some(Stored {
        id,
        heads: heads.as_deref().map(decode_heads).transpose()?,
        snapshot_bytes,
        chunk_count,
        chunk_bytes,
        dirty,
    }))
}

/// Reads a record's document: snapshot and chunks, loaded as one buffer
/// (Automerge loads a document chunk followed by change chunks in one go).
pub(super) fn read(conn: &Connection, id: RecordId) -> Result<Option<RecordDoc>, StoreError> {
    let Some(bytes) = raw(conn, id)? else {
        return Ok(None);
    };
    let doc = RecordDoc::load(&bytes)?;
    // Bulk pulls store documents under the id the server named, unloaded.
    if doc.id() != id {
        return Err(StoreError::Corrupt(format!(
            "record {id} holds the document of record {}",
            doc.id()
        )));
    }
    Ok(Some(doc))
}

/// Loads a record for a write, with the device's actor for its new changes.
pub(super) fn load(
    conn: &Connection,
    id: RecordId,
    actor: &ActorId,
) -> Result<Option<Loaded>, StoreError> {
    let Some(stored) = stored(conn, id)? else {
        return Ok(None);
    };
    let mut doc = read(conn, id)?
        .ok_or_else(|| StoreError::Corrupt(format!("record {id} has no snapshot")))?;
    doc.set_actor(actor.clone());
    let heads = stored.heads.clone().unwrap_or_else(|| sorted_heads(&doc));
    Ok(Some(Loaded { doc, stored, heads }))
}

/// Stores a record the device did not have. `heads` is `None` when the
/// bytes were not loaded (a bulk pull); they are read at the first write.
pub(super) fn insert(
    conn: &Connection,
    id: RecordId,
    snapshot: &[u8],
    heads: Option<&[ChangeHash]>,
    sync: NewSync<'_>,
) -> Result<(), StoreError> {
    let key = id.to_string();
    conn.prepare_cached(
        "INSERT INTO records (id, heads, snapshot_bytes, synced_heads, dirty)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        key,
        heads.map(encode_heads),
        byte_len(snapshot),
        sync.synced_heads.map(encode_heads),
        sync.dirty,
    ])?;
    conn.prepare_cached("INSERT INTO snapshots (id, bytes) VALUES (?1, ?2)")?
        .execute(params![key, snapshot])?;
    Ok(())
}

/// Stores what `doc` has beyond `prior`, the heads of the stored bytes
/// (`doc` must contain them). Returns whether there was anything to store.
pub(super) fn write_changes(
    conn: &Connection,
    stored: &Stored,
    prior: &[ChangeHash],
    doc: &RecordDoc,
) -> Result<bool, StoreError> {
    let heads = sorted_heads(doc);
    if heads == prior {
        return Ok(false);
    }
    let chunk = doc.save_after(prior);
    if needs_compaction(stored, byte_len(&chunk)) {
        compact(conn, stored.id, doc, &heads)?;
    } else {
        append(conn, stored, &chunk, Some(&heads))?;
    }
    Ok(true)
}

/// Whether appending a chunk of `chunk_len` bytes would leave too many
/// chunks, or more chunk bytes than the snapshot (compaction then more than
/// halves what a load parses).
pub(super) fn needs_compaction(stored: &Stored, chunk_len: i64) -> bool {
    stored.chunk_count + 1 >= MAX_CHUNKS
        || stored.chunk_bytes.saturating_add(chunk_len) > stored.snapshot_bytes
}

pub(super) fn compact(
    conn: &Connection,
    id: RecordId,
    doc: &RecordDoc,
    heads: &[ChangeHash],
) -> Result<(), StoreError> {
    let key = id.to_string();
    let snapshot = doc.save();
    conn.prepare_cached("UPDATE snapshots SET bytes = ?2 WHERE id = ?1")?
        .execute(params![key, snapshot])?;
    conn.prepare_cached("DELETE FROM chunks WHERE id = ?1")?
        .execute([&key])?;
    conn.prepare_cached(
        "UPDATE records SET heads = ?2, snapshot_bytes = ?3, chunk_count = 0, chunk_bytes = 0
         WHERE id = ?1",
    )?
    .execute(params![key, encode_heads(heads), byte_len(&snapshot)])?;
    Ok(())
}

/// Appends a chunk that brings the record to `heads`; `None` when the
/// document was not loaded to compute them (they are read at its next load).
pub(super) fn append(
    conn: &Connection,
    stored: &Stored,
    chunk: &[u8],
    heads: Option<&[ChangeHash]>,
) -> Result<(), StoreError> {
    let key = stored.id.to_string();
    conn.prepare_cached("INSERT INTO chunks (id, seq, bytes) VALUES (?1, ?2, ?3)")?
        .execute(params![key, stored.chunk_count, chunk])?;
    conn.prepare_cached(
        "UPDATE records SET heads = ?2, chunk_count = chunk_count + 1,
         chunk_bytes = chunk_bytes + ?3 WHERE id = ?1",
    )?
    .execute(params![key, heads.map(encode_heads), byte_len(chunk)])?;
    Ok(())
}

/// A record's stored bytes as they are, snapshot then chunks: a whole
/// document for `Automerge::load`, read without loading it.
pub(super) fn raw(conn: &Connection, id: RecordId) -> Result<Option<Vec<u8>>, StoreError> {
    let key = id.to_string();
    let snapshot: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM snapshots WHERE id = ?1")?
        .query_row([&key], |row| row.get(0))
        .optional()?;
    let Some(mut bytes) = snapshot else {
        return Ok(None);
    };
    let mut chunks = conn.prepare_cached("SELECT bytes FROM chunks WHERE id = ?1 ORDER BY seq")?;
    let mut rows = chunks.query([&key])?;
    while let Some(row) = rows.next()? {
        bytes.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
    }
    Ok(Some(bytes))
}

/// A length as SQLite stores it; no blob comes near 2^63 bytes.
pub(super) fn byte_len(bytes: &[u8]) -> i64 {
    i64::try_from(bytes.len()).unwrap_or(i64::MAX)
}

/// Merges another replica of a record, refusing one whose immutable header
/// differs (the server never sends one; a bug or tampering might).
pub(super) fn merge(into: &mut RecordDoc, other: &RecordDoc) -> Result<(), RecordError> {
    if other.header() != into.header() {
        return Err(RecordError::Invalid {
            field: "header".into(),
            reason: format!("the copy of record {} has a different header", into.id()),
        });
    }
    into.merge(other)
}

/// Heads in a canonical order, so equal sets encode to equal bytes and SQL
/// can compare them.
pub(super) fn sorted_heads(doc: &RecordDoc) -> Vec<ChangeHash> {
    sorted(doc.heads())
}

pub(super) fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort_unstable();
    heads.dedup();
    heads
}

pub(super) fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|hash| hash.0).collect()
}

pub(super) fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, StoreError> {
    if !bytes.len().is_multiple_of(HASH_BYTES) {
        return Err(StoreError::Corrupt(format!(
            "stored heads of {} bytes",
            bytes.len()
        )));
    }
    bytes
        .chunks_exact(HASH_BYTES)
        .map(|hash| ChangeHash::try_from(hash).map_err(|err| StoreError::Corrupt(err.to_string())))
        .collect()
}
