//! A record of any kind, and the index row every kind derives. The store
//! keeps one index row beside each document so that lists and queries (by
//! kind, state, estate, deadline) never have to load the documents.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::checklist::{Checklist, ChecklistEvent};
use super::checklist_template::{ChecklistTemplate, TemplateEvent};
use super::complaint::{Complaint, ComplaintEvent};
use super::duty_log::{DutyEvent, DutyLog};
use super::patrol_round::{PatrolRound, RoundEvent};
use super::repair_sheet::{RepairEvent, RepairSheet};
use super::route_template::{RouteEvent, RouteTemplate};
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
    RouteTemplate(RouteTemplate),
    PatrolRound(PatrolRound),
    ChecklistTemplate(ChecklistTemplate),
    Checklist(Checklist),
    Complaint(Complaint),
    DutyLog(DutyLog),
}

/// Calls `$body` with the typed record of any variant bound to `$record`.
macro_rules! each_kind {
    ($any:expr, $record:ident => $body:expr) => {
        match $any {
            AnyRecord::RepairSheet($record) => $body,
            AnyRecord::RouteTemplate($record) => $body,
            AnyRecord::PatrolRound($record) => $body,
            AnyRecord::ChecklistTemplate($record) => $body,
            AnyRecord::Checklist($record) => $body,
            AnyRecord::Complaint($record) => $body,
            AnyRecord::DutyLog($record) => $body,
        }
    };
}

/// Typed access to one kind, refusing a record of another kind.
macro_rules! accessor {
    ($name:ident, $variant:ident, $type:ty) => {
        pub fn $name(&mut self) -> Result<&mut $type, RecordError> {
            match self {
                AnyRecord::$variant(record) => Ok(record),
                other => Err(RecordError::WrongKind {
                    expected: RecordKind::$variant,
                    found: other.doc().kind(),
                }),
            }
        }
    };
}

impl AnyRecord {
    accessor!(repair_sheet, RepairSheet, RepairSheet);
    accessor!(route_template, RouteTemplate, RouteTemplate);
    accessor!(patrol_round, PatrolRound, PatrolRound);
    accessor!(checklist_template, ChecklistTemplate, ChecklistTemplate);
    accessor!(checklist, Checklist, Checklist);
    accessor!(complaint, Complaint, Complaint);
    accessor!(duty_log, DutyLog, DutyLog);

    pub fn load(bytes: &[u8]) -> Result<Self, RecordError> {
        AnyRecord::from_doc(RecordDoc::load(bytes)?)
    }

    pub fn from_doc(doc: RecordDoc) -> Result<Self, RecordError> {
        Ok(match doc.kind() {
            RecordKind::RepairSheet => AnyRecord::RepairSheet(RepairSheet::from_doc(doc)?),
            RecordKind::RouteTemplate => AnyRecord::RouteTemplate(RouteTemplate::from_doc(doc)?),
            RecordKind::PatrolRound => AnyRecord::PatrolRound(PatrolRound::from_doc(doc)?),
            RecordKind::ChecklistTemplate => {
                AnyRecord::ChecklistTemplate(ChecklistTemplate::from_doc(doc)?)
            }
            RecordKind::Checklist => AnyRecord::Checklist(Checklist::from_doc(doc)?),
            RecordKind::Complaint => AnyRecord::Complaint(Complaint::from_doc(doc)?),
            RecordKind::DutyLog => AnyRecord::DutyLog(DutyLog::from_doc(doc)?),
        })
    }

    pub fn doc(&self) -> &RecordDoc {
        each_kind!(self, record => record.doc())
    }

    /// The verb that appends `event`, or `None` for an event type this build
    /// does not know: the server checks every pushed event's verb against
    /// the author's role.
    pub fn verb_of(kind: RecordKind, event: &RawEvent) -> Option<Verb> {
        match kind {
            RecordKind::RepairSheet => event.typed::<RepairEvent>().map(|event| event.body.verb()),
            RecordKind::RouteTemplate => event.typed::<RouteEvent>().map(|event| event.body.verb()),
            RecordKind::PatrolRound => event.typed::<RoundEvent>().map(|event| event.body.verb()),
            RecordKind::ChecklistTemplate => event
                .typed::<TemplateEvent>()
                .map(|event| event.body.verb()),
            RecordKind::Checklist => event
                .typed::<ChecklistEvent>()
                .map(|event| event.body.verb()),
            RecordKind::Complaint => event
                .typed::<ComplaintEvent>()
                .map(|event| event.body.verb()),
            RecordKind::DutyLog => event.typed::<DutyEvent>().map(|event| event.body.verb()),
        }
    }

    /// Why the event `event_id` may not be made by its author, for rules
    /// that depend on who acts beyond the role (see [`RepairSheet::author_refusal`]).
    pub fn author_refusal(&self, event_id: &str) -> Option<String> {
        match self {
            AnyRecord::RepairSheet(record) => record.author_refusal(event_id),
            _ => None,
        }
    }

    /// The index row, with deadlines computed in the estate's time zone.
    pub fn index_entry(&self, tz: Tz) -> IndexEntry {
        each_kind!(self, record => record.index_entry(tz))
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
