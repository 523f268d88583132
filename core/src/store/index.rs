//! The index: one plain row per record, written in the same transaction as
//! the record's bytes, so lists and queries (by kind, state, estate,
//! assignee, deadline) read SQL rows and never load a document.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::{Store, StoreError, documents, meta};
use crate::kinds::{AnyRecord, IndexEntry};
use crate::record::{RecordId, RecordKind};

const COLUMNS: &str = "id, kind, estate, state, open, title, location, assignee, due, due_rule, \
                       conflicts, updated_at";

/// Which index rows to list. Every filter left `None` matches everything.
/// Rows come by deadline (records without one last), then by last update.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub kind: Option<RecordKind>,
    pub estate: Option<String>,
    pub state: Option<String>,
    pub open: Option<bool>,
    pub assignee: Option<String>,
    /// Only records whose deadline is before this time.
    pub due_before: Option<DateTime<Utc>>,
    pub limit: Option<usize>,
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    pub fn kind(self, kind: RecordKind) -> Self {
        Query {
            kind: Some(kind),
            ..self
        }
    }

    pub fn estate(self, estate: impl Into<String>) -> Self {
        Query {
            estate: Some(estate.into()),
            ..self
        }
    }

    pub fn state(self, state: impl Into<String>) -> Self {
        Query {
            state: Some(state.into()),
            ..self
        }
    }

    pub fn open(self, open: bool) -> Self {
        Query {
            open: Some(open),
            ..self
        }
    }

    pub fn assignee(self, assignee: impl Into<String>) -> Self {
        Query {
            assignee: Some(assignee.into()),
            ..self
        }
    }

    pub fn due_before(self, time: DateTime<Utc>) -> Self {
        Query {
            due_before: Some(time),
            ..self
        }
    }

    pub fn limit(self, limit: usize) -> Self {
        Query {
            limit: Some(limit),
            ..self
        }
    }

    /// The WHERE clause and its values; each filter binds a parameter, so
    /// nothing from the caller is ever spliced into SQL.
    fn filters(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        let mut filter = |clause: &'static str, value: Value| {
            clauses.push(clause);
            values.push(value);
        };
        if let Some(kind) = self.kind {
            filter("kind = ?", kind.as_str().to_owned().into());
        }
        if let Some(estate) = &self.estate {
            filter("estate = ?", estate.clone().into());
        }
        if let Some(state) = &self.state {
            filter("state = ?", state.clone().into());
        }
        if let Some(open) = self.open {
            filter("open = ?", i64::from(open).into());
        }
        if let Some(assignee) = &self.assignee {
            filter("assignee = ?", assignee.clone().into());
        }
        if let Some(due) = self.due_before {
            filter("due < ?", due.timestamp_millis().into());
        }
        if clauses.is_empty() {
            return (String::new(), values);
        }
        (format!(" WHERE {}", clauses.join(" AND ")), values)
    }
}

impl Store {
    /// A record's index row, without loading its document.
    pub fn get_entry(&self, id: RecordId) -> Result<Option<IndexEntry>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM entries WHERE id = ?1"))?
            .query_row([id.to_string()], entry_from_row)
            .optional()?)
    }

    /// The index rows matching `query`, without loading any document.
    pub fn list(&self, query: &Query) -> Result<Vec<IndexEntry>, StoreError> {
        let (filters, mut values) = query.filters();
        // SQLite reads a negative limit as none.
        let limit = query
            .limit
            .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        values.push(limit.into());
        let sql = format!(
            "SELECT {COLUMNS} FROM entries{filters}
             ORDER BY due IS NULL, due, updated_at, id LIMIT ?"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params_from_iter(values), entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A record's index row, with deadlines in its estate's time zone.
pub(super) fn entry_of(conn: &Connection, record: &AnyRecord) -> Result<IndexEntry, StoreError> {
    let tz = meta::time_zone(conn, &record.doc().header().estate)?;
    Ok(record.index_entry(tz))
}

pub(super) fn put(conn: &Connection, entry: &IndexEntry) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO entries ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        entry.id.to_string(),
        entry.kind.as_str(),
        entry.estate,
        entry.state,
        entry.open,
        entry.title,
        entry.location,
        entry.assignee,
        entry.due.map(|due| due.timestamp_millis()),
        entry.due_rule,
        i64::try_from(entry.conflicts).unwrap_or(i64::MAX),
        entry.updated_at.timestamp_millis(),
    ])?;
    Ok(())
}

/// Recomputes the rows of an estate's records, whose deadlines moved with
/// its time zone. Loads each document: a rare, deliberate act.
pub(super) fn reindex_estate(conn: &Connection, estate: &str) -> Result<(), StoreError> {
    let ids: Vec<RecordId> = conn
        .prepare_cached("SELECT id FROM entries WHERE estate = ?1")?
        .query_map([estate], |row| parsed(row, 0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let doc = documents::read(conn, id)?
            .ok_or_else(|| StoreError::Corrupt(format!("record {id} has no snapshot")))?;
        put(conn, &entry_of(conn, &AnyRecord::from_doc(doc)?)?)?;
    }
    Ok(())
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<IndexEntry> {
    Ok(IndexEntry {
        id: parsed(row, 0)?,
        kind: parsed(row, 1)?,
        estate: row.get(2)?,
        state: row.get(3)?,
        open: row.get(4)?,
        title: row.get(5)?,
        location: row.get(6)?,
        assignee: row.get(7)?,
        due: row
            .get::<_, Option<i64>>(8)?
            .map(|millis| time(8, millis))
            .transpose()?,
        due_rule: row.get(9)?,
        conflicts: usize::try_from(row.get::<_, i64>(10)?).unwrap_or(0),
        updated_at: time(11, row.get(11)?)?,
    })
}

fn parsed<T: FromStr<Err = String>>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    row.get::<_, String>(index)?.parse().map_err(|err: String| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, err.into())
    })
}

fn time(index: usize, millis: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            Type::Integer,
            format!("time {millis} is out of range").into(),
        )
    })
}
