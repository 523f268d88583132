//! The group commit over PostgreSQL: every accepted change of a group
//! stored with its feed rows, index rows and report rows in one
//! transaction, in one statement per table for the whole group (two for
//! `records` and `chunks`; see `batch.rs`) rather than a few per record,
//! since with the database across a network each statement costs a round
//! trip. `plan.rs` works out beforehand what each table gets, a record
//! written twice in the group included.
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

use std::collections::HashMap;

use postgres::types::Type;
use postgres::{Client, Transaction};

use super::batch::{self, column, last_by_key};
use super::{FEED_LOCK, from_sql_int, read_models, records, to_sql_int};
use crate::store::{RecordWrite, StorageError};

mod plan;
#[cfg(test)]
mod tests;

use plan::RecordRows;

/// Takes the feed lock for the rest of `tx` (see the module comment). The
/// transaction must be READ COMMITTED, PostgreSQL's default: each later
/// statement then sees everything committed before the lock was granted,
/// where a REPEATABLE READ snapshot would date from before the wait.
pub(super) fn lock_feed(tx: &mut Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_typed(
        "SELECT pg_advisory_xact_lock($1)",
        &[(&FEED_LOCK, Type::INT8)],
    )?;
    Ok(())
}

pub(super) fn commit(
    client: &mut Client,
    writes: &[RecordWrite],
) -> Result<Vec<u64>, StorageError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = client.transaction()?;
    lock_feed(&mut tx)?;
    // Another replica may have changed a record since this one's writer
    // judged it: then nothing of the group is stored, and the writer
    // judges again on the stored records (the rows stay locked until this
    // commit ends, so the check holds).
    let stored = lock_records(&mut tx, writes)?;
    plan::check(writes, &stored)?;
    let seqs = insert_feed(&mut tx, writes)?;
    let records = plan::plan(writes, &seqs);
    for part in parts(&records, STATEMENT_BYTES) {
        insert_created(&mut tx, part)?;
        update_stored(&mut tx, part)?;
        replace_chunks(&mut tx, part)?;
    }
    write_read_models(&mut tx, writes)?;
    let seqs: Vec<u64> = seqs.into_iter().map(from_sql_int).collect();
    super::notify::announce(&mut tx, writes, &seqs)?;
    tx.commit()?;
    Ok(seqs)
}

/// The most document bytes one statement carries. An array parameter is
/// one value, which PostgreSQL caps at 1 GiB, and a group may gather many
/// large pushes: those are written in several statements rather than
/// fail.
const STATEMENT_BYTES: usize = 64 << 20;

/// `records` in runs of at most `most` bytes of snapshots and chunks (a
/// record larger than that alone in its run); one run, almost always.
fn parts<'r, 'w>(records: &'r [RecordRows<'w>], most: usize) -> Vec<&'r [RecordRows<'w>]> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, rows) in records.iter().enumerate() {
        if at > start && bytes + rows.bytes() > most {
            parts.push(&records[start..at]);
            (start, bytes) = (at, 0);
        }
        bytes += rows.bytes();
    }
    parts.push(&records[start..]);
    parts
}

/// The stored heads of the group's records, by id, their rows locked
/// until the commit ends. Locked in id order, one order for every
/// replica.
fn lock_records(
    tx: &mut Transaction<'_>,
    writes: &[RecordWrite],
) -> Result<HashMap<String, Vec<u8>>, StorageError> {
    let writes: Vec<&RecordWrite> = writes.iter().collect();
    batch::query(
        tx,
        "SELECT id, heads FROM records WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &[column(&writes, |write| write.id.as_str())],
    )?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
    .collect()
}

/// One feed row per write, in the writes' order; their positions, in that
/// order too.
fn insert_feed(tx: &mut Transaction<'_>, writes: &[RecordWrite]) -> Result<Vec<i64>, StorageError> {
    let writes: Vec<&RecordWrite> = writes.iter().collect();
    let rows = batch::query(
        tx,
        "INSERT INTO feed (estate, record_id, heads)
         SELECT estate, record_id, heads
         FROM unnest($1, $2, $3) WITH ORDINALITY AS w (estate, record_id, heads, ord)
         ORDER BY ord
         RETURNING seq",
        &[
            column(&writes, |write| write.estate.as_str()),
            column(&writes, |write| write.id.as_str()),
            column(&writes, |write| write.heads.as_slice()),
        ],
    )?;
    let mut seqs = rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<Vec<i64>, _>>()?;
    if seqs.len() != writes.len() {
        return Err(StorageError::Damaged(format!(
            "{} feed rows written for {} writes",
            seqs.len(),
            writes.len()
        )));
    }
    // The rows take their numbers in `ord` order; sorted, the numbers pair
    // with the writes whatever order RETURNING lists them in.
    seqs.sort_unstable();
    Ok(seqs)
}

/// The records the group creates, each as its writes leave it.
fn insert_created(
    tx: &mut Transaction<'_>,
    records: &[RecordRows<'_>],
) -> Result<(), StorageError> {
    // A created record always has its snapshot (`plan::RecordRows::apply`),
    // so the columns below hold no NULL.
    let created: Vec<&RecordRows<'_>> = records
        .iter()
        .filter(|rows| rows.created.is_some() && rows.snapshot.is_some())
        .collect();
    batch::execute(
        tx,
        "INSERT INTO records (id, estate, kind, snapshot, heads, compacted_seq, chunk_count,
         chunk_bytes)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            column(&created, |rows| rows.id),
            column(&created, |rows| {
                rows.created.map(|write| write.estate.as_str())
            }),
            column(&created, |rows| {
                rows.created.map(|write| write.kind.as_str())
            }),
            column(&created, |rows| rows.snapshot.map(|(snapshot, _)| snapshot)),
            column(&created, |rows| rows.heads),
            column(&created, |rows| rows.snapshot.map(|(_, seq)| seq)),
            column(&created, |rows| count(rows.chunks.len())),
            column(&created, |rows| count(rows.chunk_bytes())),
        ],
    )?;
    Ok(())
}

/// The records stored before the group: their new heads, their chunks'
/// counts, and, when compacted, their new snapshots.
fn update_stored(tx: &mut Transaction<'_>, records: &[RecordRows<'_>]) -> Result<(), StorageError> {
    let stored: Vec<&RecordRows<'_>> = records
        .iter()
        .filter(|rows| rows.created.is_none())
        .collect();
    let updated = batch::execute(
        tx,
        "UPDATE records r SET heads = u.heads,
         snapshot = coalesce(u.snapshot, r.snapshot),
         compacted_seq = coalesce(u.compacted_seq, r.compacted_seq),
         chunk_count = CASE WHEN u.snapshot IS NULL THEN r.chunk_count ELSE 0 END + u.chunks,
         chunk_bytes = CASE WHEN u.snapshot IS NULL THEN r.chunk_bytes ELSE 0 END + u.bytes
         FROM unnest($1, $2, $3, $4, $5, $6)
             AS u (id, heads, snapshot, compacted_seq, chunks, bytes)
         WHERE r.id = u.id",
        &[
            column(&stored, |rows| rows.id),
            column(&stored, |rows| rows.heads),
            column(&stored, |rows| rows.snapshot.map(|(snapshot, _)| snapshot)),
            column(&stored, |rows| rows.snapshot.map(|(_, seq)| seq)),
            column(&stored, |rows| count(rows.chunks.len())),
            column(&stored, |rows| count(rows.chunk_bytes())),
        ],
    )?;
    // Their rows were found and locked above, so each is there.
    if updated != stored.len() as u64 {
        return Err(StorageError::Damaged(format!(
            "{updated} of {} locked records updated",
            stored.len()
        )));
    }
    Ok(())
}

/// Drops the chunks of the records the group compacted, then adds the
/// group's chunks that outlive its compactions.
fn replace_chunks(
    tx: &mut Transaction<'_>,
    records: &[RecordRows<'_>],
) -> Result<(), StorageError> {
    let compacted: Vec<&RecordRows<'_>> = records.iter().filter(|rows| rows.compacted).collect();
    batch::execute(
        tx,
        "DELETE FROM chunks WHERE record_id = ANY($1)",
        &[column(&compacted, |rows| rows.id)],
    )?;
    let chunks: Vec<(&str, i64, &[u8])> = records
        .iter()
        .flat_map(|rows| {
            rows.chunks
                .iter()
                .map(|&(seq, chunk)| (rows.id, seq, chunk))
        })
        .collect();
    let chunks: Vec<&_> = chunks.iter().collect();
    batch::execute(
        tx,
        "INSERT INTO chunks (record_id, seq, bytes) SELECT * FROM unnest($1, $2, $3)",
        &[
            column(&chunks, |(id, _, _)| *id),
            column(&chunks, |(_, seq, _)| *seq),
            column(&chunks, |(_, _, chunk)| *chunk),
        ],
    )?;
    Ok(())
}

/// Each record's index row and report rows as its last write of the
/// group has them: a later write replaces what an earlier one wrote.
fn write_read_models(tx: &mut Transaction<'_>, writes: &[RecordWrite]) -> Result<(), StorageError> {
    let writes: Vec<&RecordWrite> = writes.iter().collect();
    let last = last_by_key(&writes, |write| write.id.as_str());
    let entries: Vec<_> = last.iter().map(|write| &write.index).collect();
    records::write_index(tx, &entries)?;
    let models: Vec<_> = last
        .iter()
        .map(|write| (write.id.as_str(), &write.models))
        .collect();
    read_models::write_rows(tx, &models)
}

/// Counts and lengths are `bigint` columns.
fn count(value: usize) -> i64 {
    to_sql_int(value as u64)
}
