//! The events of a patrol round's history (docs/DOMAIN.md §2): the start with the
//! copied route, each check-in, each finding and the repair sheets opened
//! from it, notes, photos and the finish. Stored as `type` + JSON `data`;
//! see [`crate::record::RawEvent`].

use crate::record::Verb;
use serde::{Deserialize, Serialize};

use crate::kinds::BlobHash;
use crate::kinds::route_template::{Location, RoutePlan};
use crate::record::RecordId;
use crate::rules::FindingCategory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum RoundEvent {
    /// The officer set out; the route's checkpoints are copied, so a later
    /// revision of the route never changes this round.
    Started(RoutePlan),
    /// The officer signed in at a checkpoint.
    CheckedIn {
        code: String,
        method: CheckInMethod,
    },
    FindingAdded(FindingReport),
    /// A repair sheet was opened for a finding.
    RepairLinked {
        /// The id of the `finding_added` event.
        finding: String,
        repair: RecordId,
    },
    NoteAdded {
        text: String,
    },
    PhotoAttached {
        blob: BlobHash,
        caption: String,
    },
    Finished,
}

/// How the officer proved the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInMethod {
    /// The QR or NFC tag was read.
    Scan,
    /// Typed in, for a tag that is damaged, missing or unreadable.
    Manual,
}

/// What an officer found (docs/DOMAIN.md §2): its category decides the record it
/// belongs on and its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingReport {
    pub category: FindingCategory,
    pub description: String,
    pub location: Location,
    pub photos: Vec<BlobHash>,
}

impl RoundEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            RoundEvent::Started(_) => Verb::StartRound,
            RoundEvent::CheckedIn { .. } => Verb::CheckIn,
            RoundEvent::FindingAdded(_) => Verb::AddFinding,
            RoundEvent::RepairLinked { .. } => Verb::LinkRepair,
            RoundEvent::NoteAdded { .. } => Verb::AddNote,
            RoundEvent::PhotoAttached { .. } => Verb::AttachPhoto,
            RoundEvent::Finished => Verb::FinishRound,
        }
    }
}
