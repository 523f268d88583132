//! The SQL of the `patrol_visits` and `patrol_places` report rows:
//! inserting a commit's rows in one statement per table, and the queries
//! the reports read.

use chrono::{DateTime, Utc};
use postgres::{Client, Transaction};

use super::{batch, column, count, from_nanos, last_by_key, nanos, query_rows};
use crate::reports::patrol_visits::*;
use crate::store::StorageError;

pub(super) fn insert_visits(
    tx: &mut Transaction<'_>,
    visits: &[&PatrolVisit],
) -> Result<(), StorageError> {
    let visits = last_by_key(visits, |visit| {
        (visit.record_id.as_str(), visit.event_id.as_str())
    });
    batch::execute(
        tx,
        "INSERT INTO patrol_visits (record_id, event_id, estate, building, floor, area,
         place, checkpoint, officer, at)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (record_id, event_id) DO UPDATE SET estate = EXCLUDED.estate,
         building = EXCLUDED.building, floor = EXCLUDED.floor, area = EXCLUDED.area,
         place = EXCLUDED.place, checkpoint = EXCLUDED.checkpoint,
         officer = EXCLUDED.officer, at = EXCLUDED.at",
        &[
            column(&visits, |visit| visit.record_id.as_str()),
            column(&visits, |visit| visit.event_id.as_str()),
            column(&visits, |visit| visit.estate.as_str()),
            column(&visits, |visit| visit.building.as_str()),
            column(&visits, |visit| visit.floor.as_str()),
            column(&visits, |visit| visit.area.as_str()),
            column(&visits, |visit| visit.place.as_str()),
            column(&visits, |visit| visit.checkpoint.as_str()),
            column(&visits, |visit| visit.officer.as_str()),
            column(&visits, |visit| nanos(visit.at)),
        ],
    )?;
    Ok(())
}

pub(super) fn insert_places(
    tx: &mut Transaction<'_>,
    places: &[&PlannedPlace],
) -> Result<(), StorageError> {
    let places = last_by_key(places, |place| (place.record_id.as_str(), place.position));
    batch::execute(
        tx,
        "INSERT INTO patrol_places (record_id, position, estate, building, floor, area,
         place, checkpoint)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (record_id, position) DO UPDATE SET estate = EXCLUDED.estate,
         building = EXCLUDED.building, floor = EXCLUDED.floor, area = EXCLUDED.area,
         place = EXCLUDED.place, checkpoint = EXCLUDED.checkpoint",
        &[
            column(&places, |place| place.record_id.as_str()),
            column(&places, |place| i64::from(place.position)),
            column(&places, |place| place.estate.as_str()),
            column(&places, |place| place.building.as_str()),
            column(&places, |place| place.floor.as_str()),
            column(&places, |place| place.area.as_str()),
            column(&places, |place| place.place.as_str()),
            column(&places, |place| place.checkpoint.as_str()),
        ],
    )?;
    Ok(())
}

/// The estate's check-ins in `[from, to)`, oldest first.
pub(super) fn query_visits(
    client: &mut Client,
    estate: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<PatrolVisit>, StorageError> {
    const SQL: &str = "SELECT record_id, event_id, estate, building, floor, area, place,
        checkpoint, officer, at FROM patrol_visits WHERE estate = $1 AND at >= $2
        AND at < $3 ORDER BY at, record_id, event_id";
    query_rows(client, SQL, &[&estate, &nanos(from), &nanos(to)], |row| {
        Ok(PatrolVisit {
            record_id: row.try_get(0)?,
            event_id: row.try_get(1)?,
            estate: row.try_get(2)?,
            building: row.try_get(3)?,
            floor: row.try_get(4)?,
            area: row.try_get(5)?,
            place: row.try_get(6)?,
            checkpoint: row.try_get(7)?,
            officer: row.try_get(8)?,
            at: from_nanos(row.try_get(9)?),
        })
    })
}

/// Every planned checkpoint of the estate's routes.
pub(super) fn query_places(
    client: &mut Client,
    estate: &str,
) -> Result<Vec<PlannedPlace>, StorageError> {
    const SQL: &str = "SELECT record_id, position, estate, building, floor, area, place,
        checkpoint FROM patrol_places WHERE estate = $1 ORDER BY record_id, position";
    query_rows(client, SQL, &[&estate], |row| {
        Ok(PlannedPlace {
            record_id: row.try_get(0)?,
            position: count(row.try_get(1)?),
            estate: row.try_get(2)?,
            building: row.try_get(3)?,
            floor: row.try_get(4)?,
            area: row.try_get(5)?,
            place: row.try_get(6)?,
            checkpoint: row.try_get(7)?,
        })
    })
}
