//! The index row every kind derives from its document. The store keeps one
//! beside each document so that lists and queries (by kind, state, estate,
//! deadline) never have to load the documents.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::record::{RecordDoc, RecordId, RecordKind};

/// What lists show and queries filter on, derived from a record's document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub id: RecordId,
    pub kind: RecordKind,
    pub estate: String,
    /// The lifecycle state's code, e.g. `dispatched`.
    pub state: String,
    /// Whether the record still needs someone's action.
    pub open: bool,
    /// A one-line summary for lists.
    pub title: String,
    /// Building, unit or area, where the record has one.
    pub location: Option<String>,
    /// The user the record waits on (assigned technician, officer).
    pub assignee: Option<String>,
    /// The next deadline that applies and the rule that sets it.
    pub due: Option<DateTime<Utc>>,
    pub due_rule: Option<String>,
    /// How many fields are in conflict.
    pub conflicts: usize,
    /// The device time of the latest event.
    pub updated_at: DateTime<Utc>,
}

/// The index row every record has, before a kind adds its state and deadline.
pub(crate) fn basic_entry(doc: &RecordDoc) -> IndexEntry {
    let header = doc.header();
    let updated_at = doc
        .raw_events()
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or(header.created_at);
    IndexEntry {
        id: header.id,
        kind: header.kind,
        estate: header.estate.clone(),
        state: "open".into(),
        open: true,
        title: header.kind.to_string(),
        location: None,
        assignee: None,
        due: None,
        due_rule: None,
        conflicts: doc.conflicts().len(),
        updated_at,
    }
}
