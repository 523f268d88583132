//! The events of a duty log (docs/DOMAIN.md §6). The log may never lose a page nor
//! have an entry altered, so every line is an event, and closing a
//! follow-up or correcting a mistake is a new entry that points at the one
//! it is about. Stored as `type` + JSON `data`; see
//! [`crate::record::RawEvent`].

use crate::record::Verb;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kinds::Signature;
use crate::kinds::common::required;
use crate::record::RecordError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum DutyEvent {
    /// A line written in the log; its event id is the entry's id.
    EntryAppended(Entry),
    /// One officer handed the desk to the next; both signed.
    HandedOver(Handover),
    /// The customer-service supervisor read and signed the log.
    SignedOff {
        signature: Signature,
        comment: String,
    },
}

/// What the officer writes in a line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub text: String,
    pub category: EntryCategory,
    /// Important work: while its follow-up is open, no one hands over.
    pub important: bool,
    /// Something still to be done, carried to the next shift until closed.
    pub follow_up: bool,
}

/// A line of the log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub text: String,
    pub category: EntryCategory,
    pub important: bool,
    pub follow_up: bool,
    /// The earlier entry this one closes or corrects.
    pub refers_to: Option<EntryRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryCategory {
    Call,
    Visit,
    Incident,
    FollowUp,
    Equipment,
    Other,
}

/// How an entry relates to an earlier one, named by its entry id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryRef {
    /// Closes the earlier entry's follow-up; this entry's text is the outcome.
    Closes(String),
    /// Replaces the reading of a mistaken entry, which stays in the log.
    Corrects(String),
}

impl EntryRef {
    pub fn entry(&self) -> &str {
        match self {
            EntryRef::Closes(entry) | EntryRef::Corrects(entry) => entry,
        }
    }
}

impl NewEntry {
    pub(crate) fn into_entry(self, refers_to: Option<EntryRef>) -> Entry {
        Entry {
            text: self.text,
            category: self.category,
            important: self.important,
            follow_up: self.follow_up,
            refers_to,
        }
    }
}

/// The handover between two officers on duty (docs/DOMAIN.md §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub outgoing: String,
    pub incoming: String,
    /// When the incoming officer arrived; the rules want 5 minutes early.
    pub incoming_arrived_at: DateTime<Utc>,
    /// The shared equipment, counted.
    pub equipment: Vec<EquipmentCount>,
    /// The open follow-ups the incoming officer read and took on, by entry id.
    pub acknowledged: Vec<String>,
    pub outgoing_signature: Signature,
    pub incoming_signature: Signature,
}

/// One line of the equipment count (radios and the like).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquipmentCount {
    pub item: String,
    pub expected: u32,
    pub counted: u32,
    /// What happened to anything missing.
    pub note: String,
}

impl EquipmentCount {
    pub fn missing(&self) -> u32 {
        self.expected.saturating_sub(self.counted)
    }

    fn validated(self) -> Result<Self, RecordError> {
        let missing = self.missing();
        let item = required("item", self.item)?;
        let note = self.note.trim().to_owned();
        if missing > 0 && note.is_empty() {
            return Err(RecordError::invalid(
                "note",
                format!("{item} is short: record what is missing"),
            ));
        }
        Ok(EquipmentCount { item, note, ..self })
    }
}

impl Handover {
    /// Checks the inputs that do not depend on the log's contents.
    pub(crate) fn validated(self, at: DateTime<Utc>) -> Result<Self, RecordError> {
        let outgoing = required("outgoing", self.outgoing)?;
        let incoming = required("incoming", self.incoming)?;
        if outgoing == incoming {
            return Err(RecordError::invalid(
                "incoming",
                "an officer does not hand over to themselves",
            ));
        }
        if crate::record::later_than(self.incoming_arrived_at, at) {
            return Err(RecordError::invalid(
                "incoming_arrived_at",
                "the incoming officer arrives before the handover",
            ));
        }
        Ok(Handover {
            outgoing,
            incoming,
            equipment: counted(self.equipment)?,
            acknowledged: deduplicated(self.acknowledged),
            ..self
        })
    }
}

fn counted(equipment: Vec<EquipmentCount>) -> Result<Vec<EquipmentCount>, RecordError> {
    if equipment.is_empty() {
        return Err(RecordError::invalid(
            "equipment",
            "count the shared equipment",
        ));
    }
    equipment
        .into_iter()
        .map(EquipmentCount::validated)
        .collect()
}

fn deduplicated(ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter()
        .map(|id| id.trim().to_owned())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

impl DutyEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            DutyEvent::EntryAppended(_) => Verb::AppendEntry,
            DutyEvent::HandedOver(_) => Verb::HandOver,
            DutyEvent::SignedOff { .. } => Verb::SignOff,
        }
    }
}
