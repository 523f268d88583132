//! The SQL of the `complaint_timeliness` report rows: inserting a
//! commit's rows in one statement, and the queries the reports read.

use postgres::{Client, Transaction};

use super::{batch, column, from_nanos, last_by_key, nanos, query_rows};
use crate::reports::complaint_timeliness::*;
use crate::store::StorageError;

pub(super) fn insert(
    tx: &mut Transaction<'_>,
    rows: &[&ComplaintTiming],
) -> Result<(), StorageError> {
    let rows = last_by_key(rows, |row| row.record_id.as_str());
    batch::execute(
        tx,
        "INSERT INTO complaint_timeliness (record_id, estate, channel, title, received_at,
         handled_at, due, on_time, month, counted)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (record_id) DO UPDATE SET estate = EXCLUDED.estate,
         channel = EXCLUDED.channel, title = EXCLUDED.title,
         received_at = EXCLUDED.received_at, handled_at = EXCLUDED.handled_at,
         due = EXCLUDED.due, on_time = EXCLUDED.on_time, month = EXCLUDED.month,
         counted = EXCLUDED.counted",
        &[
            column(&rows, |row| row.record_id.as_str()),
            column(&rows, |row| row.estate.as_str()),
            column(&rows, |row| row.channel.as_str()),
            column(&rows, |row| row.title.as_str()),
            column(&rows, |row| nanos(row.received_at)),
            column(&rows, |row| row.handled_at.map(nanos)),
            column(&rows, |row| nanos(row.due)),
            column(&rows, |row| row.on_time),
            column(&rows, |row| row.month.as_str()),
            column(&rows, |row| row.counted),
        ],
    )?;
    Ok(())
}

/// The estate's complaints and help requests received in `month` (`YYYY-MM`).
pub(super) fn query(
    client: &mut Client,
    estate: &str,
    month: &str,
) -> Result<Vec<ComplaintTiming>, StorageError> {
    const SQL: &str = "SELECT record_id, estate, channel, title, received_at, handled_at,
        due, on_time, month, counted FROM complaint_timeliness
        WHERE estate = $1 AND month = $2 ORDER BY received_at, record_id";
    query_rows(client, SQL, &[&estate, &month], |row| {
        Ok(ComplaintTiming {
            record_id: row.try_get(0)?,
            estate: row.try_get(1)?,
            channel: row.try_get(2)?,
            title: row.try_get(3)?,
            received_at: from_nanos(row.try_get(4)?),
            handled_at: row.try_get::<_, Option<i64>>(5)?.map(from_nanos),
            due: from_nanos(row.try_get(6)?),
            on_time: row.try_get(7)?,
            month: row.try_get(8)?,
            counted: row.try_get(9)?,
        })
    })
}
