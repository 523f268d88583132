//! Records over PostgreSQL: loading a record, counting them, writing
//! index rows, rebuilding the read models. The group commit that stores
//! accepted changes is `commit/`.

use std::collections::HashMap;

use chrono_tz::Tz;
use postgres::types::Type;
use postgres::{Client, GenericClient, Transaction};
use stairwell_core::kinds::IndexEntry;

use super::batch::{self, column, last_by_key};
use super::commit::lock_feed;
use super::{Conn, accounts, from_millis, from_sql_int, millis, read_models, to_sql_int};
use crate::store::{IndexFn, StorageError, StoredRecord};

/// Records indexed per round of statements while the read models are
/// rebuilt: each round writes its rows in one statement per table.
const REBUILD_BATCH: usize = 256;

/// The snapshot and its chunks come from one statement, hence one
/// snapshot of the database, whatever a compaction does meanwhile.
pub(super) fn load_record(
    client: &mut impl GenericClient,
    id: &str,
) -> Result<Option<StoredRecord>, StorageError> {
    let Some(row) = client.query_typed_opt(
        "SELECT estate, snapshot, chunk_count, chunk_bytes,
         ARRAY(SELECT bytes FROM chunks WHERE record_id = r.id ORDER BY seq)
         FROM records r WHERE id = $1",
        &[(&id, Type::TEXT)],
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
    let mut zones = HashMap::new();
    for ids in ids.chunks(REBUILD_BATCH) {
        let rows = ids
            .iter()
            .map(|id| index_one(&mut tx, &mut zones, index, id))
            .collect::<Result<Vec<_>, _>>()?;
        let entries: Vec<&IndexEntry> = rows.iter().map(|(entry, _)| entry).collect();
        write_index(&mut tx, &entries)?;
        let models: Vec<_> = ids
            .iter()
            .zip(&rows)
            .map(|(id, (_, models))| (id.as_str(), models))
            .collect();
        read_models::write_rows(&mut tx, &models)?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Record `id`'s index row and report rows from its stored document;
/// `zones` keeps each estate's time zone once read.
fn index_one(
    tx: &mut Transaction<'_>,
    zones: &mut HashMap<String, Tz>,
    index: &IndexFn<'_>,
    id: &str,
) -> Result<(IndexEntry, crate::reports::ModelRows), StorageError> {
    let record = load_record(tx, id)?
        .ok_or_else(|| StorageError::Damaged(format!("record {id} vanished")))?;
    let tz = match zones.get(&record.estate) {
        Some(tz) => *tz,
        None => {
            let tz = accounts::estate_tz(tx, &record.estate)?;
            zones.insert(record.estate.clone(), tz);
            tz
        }
    };
    index(&record, tz).map_err(|source| StorageError::Record {
        id: id.to_owned(),
        source,
    })
}

/// Writes the index rows of `entries`, each replacing its record's; of
/// two for one record, the later.
pub(super) fn write_index(
    tx: &mut Transaction<'_>,
    entries: &[&IndexEntry],
) -> Result<(), StorageError> {
    let entries = last_by_key(entries, |entry| entry.id);
    batch::execute(
        tx,
        "INSERT INTO read_model (id, kind, estate, state, open, title, location, assignee,
         due, due_rule, conflicts, updated_at)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, estate = EXCLUDED.estate,
         state = EXCLUDED.state, open = EXCLUDED.open, title = EXCLUDED.title,
         location = EXCLUDED.location, assignee = EXCLUDED.assignee, due = EXCLUDED.due,
         due_rule = EXCLUDED.due_rule, conflicts = EXCLUDED.conflicts,
         updated_at = EXCLUDED.updated_at",
        &[
            column(&entries, |entry| entry.id.to_string()),
            column(&entries, |entry| entry.kind.as_str()),
            column(&entries, |entry| entry.estate.as_str()),
            column(&entries, |entry| entry.state.as_str()),
            column(&entries, |entry| entry.open),
            column(&entries, |entry| entry.title.as_str()),
            column(&entries, |entry| entry.location.as_deref()),
            column(&entries, |entry| entry.assignee.as_deref()),
            column(&entries, |entry| entry.due.map(millis)),
            column(&entries, |entry| entry.due_rule.as_deref()),
            column(&entries, |entry| to_sql_int(entry.conflicts as u64)),
            column(&entries, |entry| millis(entry.updated_at)),
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
