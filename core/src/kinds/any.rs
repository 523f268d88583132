//! A record of any kind: what code that handles records it did not make
//! (the store, the server, the console) loads, checks and indexes.

use chrono_tz::Tz;

use super::IndexEntry;
use super::checklist::{Checklist, ChecklistEvent};
use super::checklist_template::{ChecklistTemplate, TemplateEvent};
use super::complaint::{Complaint, ComplaintEvent};
use super::duty_log::{DutyEvent, DutyLog};
use super::patrol_round::{PatrolRound, RoundEvent};
use super::repair_sheet::{RepairEvent, RepairSheet};
use super::route_template::{RouteEvent, RouteTemplate};
use crate::record::{RawEvent, RecordDoc, RecordError, RecordKind, Verb};

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

    /// The index row, with deadlines computed in the estate's time zone.
    pub fn index_entry(&self, tz: Tz) -> IndexEntry {
        each_kind!(self, record => record.index_entry(tz))
    }
}

/// Any typed record gives its document: what a caller needs to save or push
/// the record after a verb, whatever its kind.
pub trait HasDoc {
    fn record_doc(&self) -> &RecordDoc;
}

macro_rules! has_doc {
    ($($type:ty),*) => {
        $(impl HasDoc for $type {
            fn record_doc(&self) -> &RecordDoc {
                self.doc()
            }
        })*
    };
}

has_doc!(
    RepairSheet,
    Complaint,
    PatrolRound,
    RouteTemplate,
    Checklist,
    ChecklistTemplate,
    DutyLog
);
