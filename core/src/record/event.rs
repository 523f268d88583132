//! Events: the append-only history of a record, from which its lifecycle
//! state is folded. Each event is a small map in the document's `events` list
//! with its envelope (`id`, `type`, device time `at`, `user`, `device`) as
//! native Automerge values and its payload as JSON text in `data`: an event
//! is written once and never edited, so splitting the payload into Automerge
//! fields would only cost operations on every load.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RecordError;

/// An event as stored, whatever its type: what timelines, history views and
/// the server's validation read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The device's clock when the event was made.
    pub at: DateTime<Utc>,
    /// The server's clock when it first stored the event, once synced.
    pub received_at: Option<DateTime<Utc>>,
    pub user: String,
    pub device: String,
    pub data: serde_json::Value,
}

/// An event whose payload is one of a record kind's typed events.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<E> {
    pub id: String,
    /// The stored type name, as in [`RawEvent::kind`].
    pub kind: String,
    pub at: DateTime<Utc>,
    pub user: String,
    pub device: String,
    pub body: E,
}

impl RawEvent {
    /// The typed event, or `None` when the type is unknown to this build
    /// (written by a newer schema); folds skip such events rather than fail.
    pub fn typed<E: DeserializeOwned>(&self) -> Option<Event<E>> {
        let tagged = serde_json::json!({ "type": self.kind, "data": self.data });
        let body = serde_json::from_value(tagged).ok()?;
        Some(Event {
            id: self.id.clone(),
            kind: self.kind.clone(),
            at: self.at,
            user: self.user.clone(),
            device: self.device.clone(),
            body,
        })
    }
}

/// Splits a typed event into its stored `type` and `data`. Event enums are
/// serialized adjacently tagged (`#[serde(tag = "type", content = "data")]`).
pub(crate) fn encode<E: Serialize>(body: &E) -> Result<(String, String), RecordError> {
    let value =
        serde_json::to_value(body).map_err(|err| RecordError::invalid("event", err.to_string()))?;
    let kind = value
        .get("type")
        .and_then(|kind| kind.as_str())
        .ok_or_else(|| RecordError::invalid("event", "event types must be tagged"))?
        .to_owned();
    let data = value
        .get("data")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    Ok((kind, data.to_string()))
}
