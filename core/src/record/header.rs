//! The part of a record that never changes after creation: what kind it is,
//! which schema wrote it, its id and its estate. The server refuses any
//! change that touches these, so they are safe keys for indexes and auth.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The document schema this build writes and understands.
pub const SCHEMA_VERSION: u64 = 1;

/// The kinds of record, as stored in a document's `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    RepairSheet,
    PatrolRound,
    RouteTemplate,
    Checklist,
    ChecklistTemplate,
    Complaint,
    DutyLog,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::RepairSheet,
        RecordKind::PatrolRound,
        RecordKind::RouteTemplate,
        RecordKind::Checklist,
        RecordKind::ChecklistTemplate,
        RecordKind::Complaint,
        RecordKind::DutyLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::RepairSheet => "repair_sheet",
            RecordKind::PatrolRound => "patrol_round",
            RecordKind::RouteTemplate => "route_template",
            RecordKind::Checklist => "checklist",
            RecordKind::ChecklistTemplate => "checklist_template",
            RecordKind::Complaint => "complaint",
            RecordKind::DutyLog => "duty_log",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown record kind {s:?}"))
    }
}

/// A record's id: a random UUID chosen by the device that creates it, so
/// offline devices never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(Uuid);

impl RecordId {
    pub fn random() -> Self {
        RecordId(Uuid::new_v4())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        RecordId(uuid)
    }

    /// The same id on every device for the same name (UUID v5), for records
    /// that must be one per something, like an estate's duty day.
    pub fn derived(name: &str) -> Self {
        RecordId(Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()))
    }

    /// Whether the id is a random one (UUID version 4), never one derived
    /// from a name (version 5).
    pub fn is_random(&self) -> bool {
        self.0.get_version_num() == 4
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for RecordId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(RecordId)
            .map_err(|err| format!("not a record id {s:?}: {err}"))
    }
}

/// The immutable root fields of a record document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub kind: RecordKind,
    pub schema: u64,
    pub id: RecordId,
    pub estate: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}
