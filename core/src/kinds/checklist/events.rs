//! The events of a checklist's history (docs/DOMAIN.md §3): the start with the
//! copied template, each answer and meter reading (whose current values live
//! in correctable fields), photos, signatures, completion and the repair
//! sheets opened from failed items. Stored as `type` + JSON `data`; see
//! [`crate::record::RawEvent`].

use crate::record::Verb;
use serde::{Deserialize, Serialize};

use super::answers::{ItemResult, MeterReading};
use crate::kinds::checklist_template::ChecklistPlan;
use crate::kinds::common::required;
use crate::kinds::{BlobHash, Signature};
use crate::record::{RecordError, RecordId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ChecklistEvent {
    /// The template's items are copied, so a later revision of the template
    /// never changes this checklist.
    Started {
        plan: ChecklistPlan,
        site: Site,
    },
    /// An item was answered; the answer as written, for the history. The
    /// current answer is the item's field.
    ItemSet {
        item: String,
        result: ItemResult,
        note: String,
    },
    PhotoAttached {
        /// The item photographed, or none for the checklist as a whole.
        item: Option<String>,
        blob: BlobHash,
        caption: String,
    },
    MeterRecorded(MeterReading),
    /// The form was signed. `defects` are the items failed at that moment:
    /// what the owner signed for, whatever is corrected later.
    Signed {
        staff: Signature,
        owner: Option<Signature>,
        defects: Vec<String>,
    },
    Completed,
    /// A repair sheet was opened for a failed item.
    RepairLinked {
        item: String,
        repair: RecordId,
    },
    NoteAdded {
        text: String,
    },
}

/// Where the checklist is filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub building: String,
    pub floor: String,
    /// Required for a handover or a renovation acceptance, which are about
    /// one unit.
    pub unit: Option<String>,
}

impl Site {
    pub fn new(building: impl Into<String>, floor: impl Into<String>, unit: Option<&str>) -> Self {
        Site {
            building: building.into(),
            floor: floor.into(),
            unit: unit.map(str::to_owned),
        }
    }

    pub(crate) fn validated(self, needs_unit: bool) -> Result<Self, RecordError> {
        let unit = self
            .unit
            .map(|unit| unit.trim().to_owned())
            .filter(|unit| !unit.is_empty());
        if needs_unit && unit.is_none() {
            return Err(RecordError::invalid(
                "unit",
                "this checklist is for one unit: name it",
            ));
        }
        Ok(Site {
            building: required("building", self.building)?,
            floor: self.floor.trim().to_owned(),
            unit,
        })
    }

    /// One line for lists, e.g. "B2, 12F, 1203".
    pub fn describe(&self) -> String {
        [Some(&self.building), Some(&self.floor), self.unit.as_ref()]
            .into_iter()
            .flatten()
            .filter(|part| !part.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl ChecklistEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            ChecklistEvent::Started { .. } => Verb::StartChecklist,
            ChecklistEvent::ItemSet { .. } => Verb::SetItem,
            ChecklistEvent::PhotoAttached { .. } => Verb::AttachPhoto,
            ChecklistEvent::MeterRecorded(_) => Verb::RecordMeter,
            ChecklistEvent::Signed { .. } => Verb::SignChecklist,
            ChecklistEvent::Completed => Verb::CompleteChecklist,
            ChecklistEvent::RepairLinked { .. } => Verb::LinkRepair,
            ChecklistEvent::NoteAdded { .. } => Verb::AddNote,
        }
    }
}
