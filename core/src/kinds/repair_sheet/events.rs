//! The events of a repair sheet's history (docs/DOMAIN.md §1), one variant per step
//! the procedures name. Stored as `type` + JSON `data`; see
//! [`crate::record::RawEvent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kinds::{BlobHash, Callback, Satisfaction, Signature};
use crate::record::Verb;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum RepairEvent {
    /// The front desk (or a patrol officer, from a finding) wrote the sheet.
    Opened {
        /// When the resident called or the fault was reported.
        reported_at: DateTime<Utc>,
        /// The patrol finding or checklist item that opened this sheet.
        source: Option<SourceLink>,
    },
    /// A technician was assigned (again, on a reassignment).
    Dispatched {
        technician: String,
    },
    /// Feasibility and fee decided for an item not on the price list.
    Quoted {
        feasible: bool,
        fee_cents: Option<i64>,
        note: String,
    },
    Arrived,
    /// The technician confirmed what is actually broken and its fee standard.
    ItemsConfirmed {
        items: Vec<String>,
        fee_standard: String,
    },
    /// The resident agreed to the fee standard.
    Agreed,
    /// The resident declined; the job ends, signed by the technician.
    Declined {
        reason: String,
        signature: Signature,
    },
    FeeLineAdded(FeeLine),
    MaterialChecked(MaterialCheck),
    NoteAdded {
        text: String,
    },
    PhotoAttached {
        blob: BlobHash,
        caption: String,
    },
    /// The resident tried the repair and signed; the resident's copy is the
    /// basis for billing.
    Completed {
        items_repaired: Vec<String>,
        signature: Signature,
        satisfaction: Satisfaction,
    },
    /// The technician handed the sheet back to engineering.
    HandedBack,
    /// The supervisor confirmed the returned sheet.
    ReturnConfirmed,
    CalledBack(Callback),
}

/// Where a sheet opened from a finding or a failed checklist item came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLink {
    pub record: String,
    /// The finding or checklist item within that record.
    pub item: String,
}

/// A fee line, noted per the price list; billed by finance with the monthly
/// management fee, never collected on the spot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub description: String,
    pub quantity: u32,
    pub unit_price_cents: i64,
    /// Whether the line's price comes from the estate's price list.
    pub from_price_list: bool,
}

impl FeeLine {
    pub fn total_cents(&self) -> i64 {
        self.unit_price_cents * i64::from(self.quantity)
    }
}

/// The technician's check of a material the resident supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialCheck {
    pub material: String,
    pub result: MaterialResult,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialResult {
    Qualified,
    /// Noted and the resident warned, but the resident's choice is respected.
    Unqualified,
    PoorQuality,
}

impl RepairEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            RepairEvent::Opened { .. } => Verb::OpenRepairSheet,
            RepairEvent::Dispatched { .. } => Verb::Dispatch,
            RepairEvent::Quoted { .. } => Verb::Quote,
            RepairEvent::Arrived => Verb::Arrive,
            RepairEvent::ItemsConfirmed { .. } => Verb::ConfirmItems,
            RepairEvent::Agreed => Verb::Agree,
            RepairEvent::Declined { .. } => Verb::Decline,
            RepairEvent::FeeLineAdded(_) => Verb::AddFeeLine,
            RepairEvent::MaterialChecked(_) => Verb::CheckMaterial,
            RepairEvent::NoteAdded { .. } => Verb::AddNote,
            RepairEvent::PhotoAttached { .. } => Verb::AttachPhoto,
            RepairEvent::Completed { .. } => Verb::Complete,
            RepairEvent::HandedBack => Verb::HandBack,
            RepairEvent::ReturnConfirmed => Verb::ConfirmReturn,
            RepairEvent::CalledBack(_) => Verb::CallBack,
        }
    }
}
