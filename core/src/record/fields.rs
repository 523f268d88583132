//! Fields that people may correct after creation (a resident's phone number,
//! a checklist item's result). Each field is a slot in the document's
//! `fields` map holding the value (JSON text) and who wrote it, when and from
//! which device. Two devices writing the same slot concurrently leave both
//! values in Automerge; we surface them as a [`Conflict`] instead of letting
//! one silently win, and a resolution is an ordinary later write.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The current value of a field with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldValue<T> {
    pub value: T,
    pub user: String,
    pub device: String,
    pub at: DateTime<Utc>,
}

/// One of the values competing in a conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValue {
    pub value: serde_json::Value,
    pub user: String,
    pub device: String,
    pub at: DateTime<Utc>,
}

/// A field that was written concurrently on several devices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub field: String,
    /// Every competing value, in a fixed order (by time, then device) so all
    /// replicas list them alike and a resolution can name one by index.
    pub values: Vec<ConflictValue>,
}

impl<T> FieldValue<T> {
    pub(crate) fn parse(raw: FieldValue<serde_json::Value>) -> Option<FieldValue<T>>
    where
        T: DeserializeOwned,
    {
        Some(FieldValue {
            value: serde_json::from_value(raw.value).ok()?,
            user: raw.user,
            device: raw.device,
            at: raw.at,
        })
    }
}
