//! A record of any kind, and the index row every kind derives. The store
//! keeps one index row beside each document so that lists and queries (by
//! kind, state, estate, deadline) never have to load the documents.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::repair_sheet::{RepairEvent, RepairSheet};
use crate::record::{RawEvent, RecordDoc, RecordError, RecordId, RecordKind, Verb};

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

/// A loaded record of any kind.
#[derive(Debug, Clone)]
pub enum AnyRecord {
    RepairSheet(RepairSheet),
    /// A kind this build stores and syncs but has no verbs for.
    Other(RecordDoc),
}

impl AnyRecord {
    pub fn load(bytes: &[u8]) -> Result<Self, RecordError> {
        AnyRecord::from_doc(RecordDoc::load(bytes)?)
    }

    pub fn from_doc(doc: RecordDoc) -> Result<Self, RecordError> {
        Ok(match doc.kind() {
            RecordKind::RepairSheet => AnyRecord::RepairSheet(RepairSheet::from_doc(doc)?),
            _ => AnyRecord::Other(doc),
        })
    }

    pub fn doc(&self) -> &RecordDoc {
        match self {
            AnyRecord::RepairSheet(record) => record.doc(),
            AnyRecord::Other(doc) => doc,
        }
    }

    /// The verb that appends `event`, or `None` for an event type this build
    /// does not know: the server checks every pushed event's verb against
    /// the author's role.
    pub fn verb_of(kind: RecordKind, event: &RawEvent) -> Option<Verb> {
        match kind {
            RecordKind::RepairSheet => event.typed::<RepairEvent>().map(|event| event.body.verb()),
            _ => None,
        }
    }

    /// The index row, with deadlines computed in the estate's time zone.
    pub fn index_entry(&self, tz: Tz) -> IndexEntry {
        match self {
            AnyRecord::RepairSheet(record) => record.index_entry(tz),
            AnyRecord::Other(doc) => basic_entry(doc),
        }
    }
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
