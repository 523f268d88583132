//! Records over PostgreSQL: the group commit that stores accepted changes
//! with their feed rows, index rows and report rows in one transaction;
//! loading a record; rebuilding the read models.
//!
//! Why commits take a lock: a feed row's `seq` comes from an identity
//! column, and a sequence hands out numbers when rows are inserted, not
//! when their transactions commit. Two replicas committing at once could
//! take N and N+1 and commit N+1 first; a device pulling in between sees
//! N+1, moves its cursor past it, and never asks for N, whose change it
//! then misses for good. So every writer of feed rows first takes the
//! transaction-level advisory lock [`FEED_LOCK`] and holds it until it
//! commits: numbers are taken and made visible in one order, and a reader
//! that sees N+1 sees every number below it that will ever commit. (A
//! rolled-back group leaves a gap, which nothing waits for.) The cost is
//! one commit at a time across all replicas, as with SQLite's one writer;
//! the writer's group commit keeps that cheap.

use postgres::{Client, GenericClient, Transaction};
use stairwell_core::kinds::IndexEntry;

use super::{
    Conn, FEED_LOCK, accounts, from_millis, from_sql_int, millis, read_models, to_sql_int,
};
use crate::store::{IndexFn, RecordChange, RecordWrite, StorageError, StoredRecord};

/// Takes the feed lock for the rest of `tx` (see the module comment). The
/// transaction must be READ COMMITTED, PostgreSQL's default: each later
/// statement then sees everything committed before the lock was granted,
/// where a REPEATABLE READ snapshot would date from before the wait.
pub(super) fn lock_feed(tx: &mut Transaction<'_>) -> Result<(), StorageError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK])?;
    Ok(())
}

pub(super) fn commit(conn: &mut Conn, writes: &[RecordWrite]) -> Result<Vec<u64>, StorageError> {
    let mut tx = conn.transaction()?;
    lock_feed(&mut tx)?;
    let seqs = writes
        .iter()
        .map(|write| commit_one(&mut tx, write))
        .collect::<Result<Vec<u64>, _>>()?;
    super::notify::announce(&mut tx, writes, &seqs)?;
    tx.commit()?;
    Ok(seqs)
}

fn commit_one(tx: &mut Transaction<'_>, write: &RecordWrite) -> Result<u64, StorageError> {
    let stored_heads = lock_record(tx, &write.id)?;
    // Another replica may have changed the record since this one's writer
    // judged it: then nothing of the group is stored, and the writer
    // judges again on the stored record (heads check with retry; the row
    // stays locked until this commit ends, so the check holds).
    if stored_heads != write.base_heads {
        return Err(StorageError::Stale {
            ids: vec![write.id.clone()],
        });
    }
    let seq: i64 = tx
        .query_one(
            "INSERT INTO feed (estate, record_id, heads) VALUES ($1, $2, $3) RETURNING seq",
            &[&write.estate, &write.id, &write.heads],
        )?
        .try_get(0)?;
    match &write.change {
        RecordChange::Create { snapshot } => create(tx, write, snapshot, stored_heads, seq)?,
        RecordChange::Append { chunk } => append(tx, write, chunk, stored_heads, seq)?,
    }
    if let Some(snapshot) = &write.compacted {
        compact(tx, &write.id, snapshot, seq)?;
    }
    write_index(tx, &write.index)?;
    read_models::write_rows(tx, &write.id, &write.models)?;
    Ok(from_sql_int(seq))
}

/// The record's stored heads, its row locked until the commit ends; `None`
/// if it is not stored.
fn lock_record(tx: &mut Transaction<'_>, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
    let row = tx.query_opt("SELECT heads FROM records WHERE id = $1 FOR UPDATE", &[&id])?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

fn create(
    tx: &mut Transaction<'_>,
    write: &RecordWrite,
    snapshot: &[u8],
    stored_heads: Option<Vec<u8>>,
    seq: i64,
) -> Result<(), StorageError> {
    if stored_heads.is_some() {
        return Err(StorageError::Conflict(format!(
            "record {} is already stored; it cannot be created again",
            write.id
        )));
    }
    tx.execute(
        "INSERT INTO records (id, estate, kind, snapshot, heads, compacted_seq)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &write.id,
            &write.estate,
            &write.kind,
            &snapshot,
            &write.heads,
            &seq,
        ],
    )?;
    Ok(())
}

fn append(
    tx: &mut Transaction<'_>,
    write: &RecordWrite,
    chunk: &[u8],
    stored_heads: Option<Vec<u8>>,
    seq: i64,
) -> Result<(), StorageError> {
    // Changes to a record that is not stored would leave a feed row no
    // pull can serve; the whole group is rolled back instead.
    if stored_heads.is_none() {
        return Err(StorageError::NotFound(format!(
            "record {} is not stored; its changes cannot be appended",
            write.id
        )));
    }
    tx.execute(
        "INSERT INTO chunks (record_id, seq, bytes) VALUES ($1, $2, $3)",
        &[&write.id, &seq, &chunk],
    )?;
    tx.execute(
        "UPDATE records SET heads = $2, chunk_count = chunk_count + 1,
         chunk_bytes = chunk_bytes + $3 WHERE id = $1",
        &[&write.id, &write.heads, &to_sql_int(chunk.len() as u64)],
    )?;
    Ok(())
}

/// Replaces the snapshot and every chunk with the whole document.
fn compact(
    tx: &mut Transaction<'_>,
    id: &str,
    snapshot: &[u8],
    seq: i64,
) -> Result<(), StorageError> {
    tx.execute(
        "UPDATE records SET snapshot = $2, compacted_seq = $3, chunk_count = 0,
         chunk_bytes = 0 WHERE id = $1",
        &[&id, &snapshot, &seq],
    )?;
    tx.execute("DELETE FROM chunks WHERE record_id = $1", &[&id])?;
    Ok(())
}

/// The snapshot and its chunks come from one statement, hence one
/// snapshot of the database, whatever a compaction does meanwhile.
pub(super) fn load_record(
    client: &mut impl GenericClient,
    id: &str,
) -> Result<Option<StoredRecord>, StorageError> {
    let Some(row) = client.query_opt(
        "SELECT estate, snapshot, chunk_count, chunk_bytes,
         ARRAY(SELECT bytes FROM chunks WHERE record_id = r.id ORDER BY seq)
         FROM records r WHERE id = $1",
        &[&id],
    )?
    else {
        return Ok(None);
    };
    let mut bytes: Vec<u8> = row.try_get(1)?;
    let snapshot_len = bytes.len();
    let chunks: Vec<Vec<u8>> = row.try_get(4)?;
    bytes.extend(chunks.concat());
    Ok(Some(StoredRecord {
        id: id.to_owned(),
        estate: row.try_get(0)?,
        bytes,
        snapshot_len,
        chunk_count: u32::try_from(row.try_get::<_, i64>(2)?).unwrap_or(0),
        chunk_bytes: usize::try_from(row.try_get::<_, i64>(3)?).unwrap_or(0),
    }))
}

pub(super) fn record_count(client: &mut Client) -> Result<u64, StorageError> {
    let count: i64 = client
        .query_one("SELECT count(*) FROM records", &[])?
        .try_get(0)?;
    Ok(from_sql_int(count))
}

/// One transaction, under the feed lock like a commit: a commit racing the
/// rebuild would otherwise have its fresh rows overwritten by rows computed
/// from the document as it was before.
pub(super) fn rebuild_read_models(
    conn: &mut Conn,
    index: &IndexFn<'_>,
) -> Result<usize, StorageError> {
    let mut tx = conn.transaction()?;
    lock_feed(&mut tx)?;
    tx.execute("DELETE FROM read_model", &[])?;
    read_models::clear(&mut tx)?;
    let ids = tx
        .query("SELECT id FROM records ORDER BY id", &[])?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<Vec<String>, _>>()?;
    for id in &ids {
        let record = load_record(&mut tx, id)?
            .ok_or_else(|| StorageError::Damaged(format!("record {id} vanished")))?;
        let tz = accounts::estate_tz(&mut tx, &record.estate)?;
        let (entry, models) = index(&record, tz).map_err(|source| StorageError::Record {
            id: id.clone(),
            source,
        })?;
        write_index(&mut tx, &entry)?;
        read_models::write_rows(&mut tx, id, &models)?;
    }
    tx.commit()?;
    Ok(ids.len())
}

fn write_index(tx: &mut Transaction<'_>, entry: &IndexEntry) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO read_model (id, kind, estate, state, open, title, location, assignee,
         due, due_rule, conflicts, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, estate = EXCLUDED.estate,
         state = EXCLUDED.state, open = EXCLUDED.open, title = EXCLUDED.title,
         location = EXCLUDED.location, assignee = EXCLUDED.assignee, due = EXCLUDED.due,
         due_rule = EXCLUDED.due_rule, conflicts = EXCLUDED.conflicts,
         updated_at = EXCLUDED.updated_at",
        &[
            &entry.id.to_string(),
            &entry.kind.as_str(),
            &entry.estate,
            &entry.state,
            &entry.open,
            &entry.title,
            &entry.location,
            &entry.assignee,
            &entry.due.map(millis),
            &entry.due_rule,
            &to_sql_int(entry.conflicts as u64),
            &millis(entry.updated_at),
        ],
    )?;
    Ok(())
}

/// The columns [`index_entry`] reads, in its order.
pub(super) const INDEX_COLUMNS: &str = "id, kind, estate, state, open, title, location, \
     assignee, due, due_rule, conflicts, updated_at";

/// An index row as [`INDEX_COLUMNS`] selects it.
pub(super) fn index_entry(row: &postgres::Row) -> Result<IndexEntry, StorageError> {
    let id: String = row.try_get(0)?;
    let bad =
        |what: &str, err: String| StorageError::Damaged(format!("read model {id}: {what}: {err}"));
    Ok(IndexEntry {
        id: id.parse().map_err(|err| bad("id", err))?,
        kind: row
            .try_get::<_, &str>(1)?
            .parse()
            .map_err(|err| bad("kind", err))?,
        estate: row.try_get(2)?,
        state: row.try_get(3)?,
        open: row.try_get(4)?,
        title: row.try_get(5)?,
        location: row.try_get(6)?,
        assignee: row.try_get(7)?,
        due: row.try_get::<_, Option<i64>>(8)?.map(from_millis),
        due_rule: row.try_get(9)?,
        conflicts: usize::try_from(row.try_get::<_, i64>(10)?).unwrap_or(0),
        updated_at: from_millis(row.try_get(11)?),
    })
}
