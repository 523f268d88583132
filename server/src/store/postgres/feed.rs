//! A page of the change feed over PostgreSQL: which records changed after a
//! device's cursor, and the bytes that bring its copy of each up to date.
//!
//! The window and every record's bytes are read in one REPEATABLE READ,
//! read-only transaction: one snapshot, whatever other replicas commit
//! meanwhile, so an item never carries changes from past the page's cursor
//! that its feed rows do not account for. The feed's rows are read in
//! batches sized to the page, since a device far behind needs only the
//! first few of possibly very many; the page's records then come from one
//! statement (their index rows, newest feed positions, the feed rows the
//! device last saw, snapshots and chunks), since with the database across
//! a network a statement per record was most of what a pull cost.

use std::collections::HashSet;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, IsolationLevel, Row, Transaction};

use super::records::{INDEX_COLUMNS, index_entry};
use super::{from_sql_int, to_sql_int};
use crate::store::{FeedPage, PullItem, PullPayload, StorageError, decode_heads};

/// Feed rows fetched per round trip while a window fills, at least and at
/// most: a page of `max` records needs at least `max + 1` rows to know
/// whether there are more.
const FEED_BATCH: (i64, i64) = (256, 16_384);

pub(super) fn pull(
    client: &mut Client,
    estates: &[String],
    cursor: u64,
    max: usize,
) -> Result<FeedPage, StorageError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let window = feed_window(&mut tx, estates, cursor, max)?;
    let items = pull_items(&mut tx, &window.ids, cursor)?;
    tx.commit()?;
    Ok(FeedPage {
        cursor: window.cursor,
        more: window.more,
        items,
    })
}

struct Window {
    ids: Vec<String>,
    cursor: u64,
    more: bool,
}

/// The distinct records of the feed rows after `cursor`, in order of their
/// first row, stopping before the row that would bring one too many.
fn feed_window(
    tx: &mut Transaction<'_>,
    estates: &[String],
    cursor: u64,
    max: usize,
) -> Result<Window, StorageError> {
    let batch = i64::try_from(max.saturating_add(1))
        .unwrap_or(i64::MAX)
        .clamp(FEED_BATCH.0, FEED_BATCH.1);
    let mut window = Window {
        ids: Vec::new(),
        cursor,
        more: false,
    };
    let mut seen = HashSet::new();
    let mut after = to_sql_int(cursor);
    loop {
        // Each batch starts after the last row of the one before: the
        // snapshot is the transaction's, so the batches join up exactly.
        let rows = tx.query_typed(
            "SELECT seq, record_id FROM feed WHERE seq > $1 AND estate = ANY($2)
             ORDER BY seq LIMIT $3",
            &[
                (&after, Type::INT8),
                (&estates, Type::TEXT_ARRAY),
                (&batch, Type::INT8),
            ],
        )?;
        let last_batch = (rows.len() as i64) < batch;
        for row in rows {
            let (seq, id): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            if !seen.contains(&id) {
                if window.ids.len() == max {
                    window.more = true;
                    return Ok(window);
                }
                seen.insert(id.clone());
                window.ids.push(id);
            }
            window.cursor = from_sql_int(seq);
            after = seq;
        }
        if last_batch {
            return Ok(window);
        }
    }
}

/// Each record of `ids`, in that order, with its payload for a device at
/// `cursor`. The device has a record as it was after the last feed row it
/// saw (`base`): it gets the chunks after that row, or, when it saw none
/// or they were compacted away since (`whole`), the snapshot and every
/// chunk, its base heads telling the caller what it already has.
fn pull_items(
    tx: &mut Transaction<'_>,
    ids: &[String],
    cursor: u64,
) -> Result<Vec<PullItem>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let cursor = to_sql_int(cursor);
    let params: [(&(dyn ToSql + Sync), Type); 2] =
        [(&ids, Type::TEXT_ARRAY), (&cursor, Type::INT8)];
    let mut rows = tx.query_typed_raw(&items_sql(), params)?;
    let mut items = Vec::with_capacity(ids.len());
    while let Some(row) = rows.next()? {
        items.push(pull_item(&row)?);
    }
    if items.len() != ids.len() {
        return Err(unstored(ids, &items));
    }
    Ok(items)
}

/// The statement of [`pull_items`]: `$1` the records, `$2` the cursor.
fn items_sql() -> String {
    format!(
        "SELECT m.*, latest.seq, base.heads, k.whole,
             CASE WHEN k.whole THEN r.snapshot ELSE ''::bytea END
             || coalesce((SELECT string_agg(c.bytes, ''::bytea ORDER BY c.seq) FROM chunks c
                 WHERE c.record_id = w.id
                 AND c.seq > CASE WHEN k.whole THEN 0 ELSE base.seq END), ''::bytea)
         FROM unnest($1) WITH ORDINALITY AS w (id, ord)
         JOIN records r ON r.id = w.id
         JOIN (SELECT {INDEX_COLUMNS} FROM read_model) m ON m.id = w.id
         CROSS JOIN LATERAL (SELECT max(seq) AS seq FROM feed WHERE record_id = w.id) latest
         LEFT JOIN LATERAL (SELECT seq, heads FROM feed WHERE record_id = w.id AND seq <= $2
             ORDER BY seq DESC LIMIT 1) base ON true
         CROSS JOIN LATERAL (SELECT base.seq IS NULL OR r.compacted_seq > base.seq AS whole) k
         ORDER BY w.ord"
    )
}

/// What a page whose records came back short lacks: a record in the feed
/// without its row or its index row.
fn unstored(ids: &[String], items: &[PullItem]) -> StorageError {
    let found: HashSet<&str> = items.iter().map(|item| item.id.as_str()).collect();
    let missing: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| !found.contains(id))
        .collect();
    StorageError::Damaged(format!(
        "records in the feed but not stored with their index rows: {}",
        missing.join(", ")
    ))
}

/// Where the columns after the index row's begin: the record's newest
/// feed position, its base heads, whether the device gets it whole, and
/// the bytes it gets.
const LATEST: usize = 12;

fn pull_item(row: &Row) -> Result<PullItem, StorageError> {
    let index = index_entry(row)?;
    let base: Option<&[u8]> = row.try_get(LATEST + 1)?;
    let whole: bool = row.try_get(LATEST + 2)?;
    let bytes: Vec<u8> = row.try_get(LATEST + 3)?;
    let payload = match (whole, base) {
        (false, _) => PullPayload::Changes(bytes),
        (true, None) => PullPayload::Whole(bytes),
        (true, Some(heads)) => PullPayload::AfterHeads {
            document: bytes,
            heads: decode_heads(heads)?,
        },
    };
    Ok(PullItem {
        id: row.try_get(0)?,
        latest_seq: from_sql_int(row.try_get::<_, Option<i64>>(LATEST)?.unwrap_or(0)),
        payload,
        index,
    })
}
