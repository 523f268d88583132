//! A page of the change feed over PostgreSQL: which records changed after a
//! device's cursor, and the bytes that bring its copy of each up to date.
//!
//! The window and every record's bytes are read in one REPEATABLE READ,
//! read-only transaction: one snapshot, whatever other replicas commit
//! meanwhile, so an item never carries changes from past the page's cursor
//! that its feed rows do not account for. The feed's rows are read through
//! a portal in batches, since a device far behind needs only the first few
//! of possibly very many.

use std::collections::HashSet;

use postgres::{IsolationLevel, Transaction};

use super::records::{INDEX_COLUMNS, index_entry};
use super::{Conn, from_sql_int, to_sql_int};
use crate::store::{FeedPage, PullItem, PullPayload, StorageError, decode_heads};

/// Feed rows fetched per round trip while a window fills.
const FEED_BATCH: i32 = 256;

pub(super) fn pull(
    conn: &mut Conn,
    estates: &[String],
    cursor: u64,
    max: usize,
) -> Result<FeedPage, StorageError> {
    let mut tx = conn
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let window = feed_window(&mut tx, estates, cursor, max)?;
    let items = window
        .ids
        .iter()
        .map(|id| pull_item(&mut tx, id, cursor))
        .collect::<Result<Vec<_>, _>>()?;
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
    let portal = tx.bind(
        "SELECT seq, record_id FROM feed WHERE seq > $1 AND estate = ANY($2) ORDER BY seq",
        &[&to_sql_int(cursor), &estates],
    )?;
    let mut window = Window {
        ids: Vec::new(),
        cursor,
        more: false,
    };
    let mut seen = HashSet::new();
    loop {
        let rows = tx.query_portal(&portal, FEED_BATCH)?;
        if rows.is_empty() {
            return Ok(window);
        }
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
        }
    }
}

fn pull_item(tx: &mut Transaction<'_>, id: &str, cursor: u64) -> Result<PullItem, StorageError> {
    let record = tx.query_one(
        "SELECT snapshot, compacted_seq, (SELECT max(seq) FROM feed WHERE record_id = $1)
         FROM records WHERE id = $1",
        &[&id],
    )?;
    let (snapshot, compacted_seq): (Vec<u8>, i64) = (record.try_get(0)?, record.try_get(1)?);
    // The device has the record as it was after the last feed row it saw.
    let base = tx.query_opt(
        "SELECT seq, heads FROM feed WHERE record_id = $1 AND seq <= $2
         ORDER BY seq DESC LIMIT 1",
        &[&id, &to_sql_int(cursor)],
    )?;
    let payload = match base {
        None => PullPayload::Whole(with_chunks(tx, id, 0, snapshot)?),
        Some(row) if compacted_seq <= row.try_get::<_, i64>(0)? => {
            PullPayload::Changes(with_chunks(tx, id, row.try_get(0)?, Vec::new())?)
        }
        Some(row) => PullPayload::AfterHeads {
            document: with_chunks(tx, id, 0, snapshot)?,
            heads: decode_heads(row.try_get(1)?)?,
        },
    };
    let index = tx.query_one(
        &format!("SELECT {INDEX_COLUMNS} FROM read_model WHERE id = $1"),
        &[&id],
    )?;
    Ok(PullItem {
        id: id.to_owned(),
        latest_seq: from_sql_int(record.try_get::<_, Option<i64>>(2)?.unwrap_or(0)),
        payload,
        index: index_entry(&index)?,
    })
}

/// `out` followed by the record's chunks after feed position `after`.
fn with_chunks(
    tx: &mut Transaction<'_>,
    id: &str,
    after: i64,
    mut out: Vec<u8>,
) -> Result<Vec<u8>, StorageError> {
    let rows = tx.query(
        "SELECT bytes FROM chunks WHERE record_id = $1 AND seq > $2 ORDER BY seq",
        &[&id, &after],
    )?;
    for row in rows {
        out.extend_from_slice(row.try_get(0)?);
    }
    Ok(out)
}
