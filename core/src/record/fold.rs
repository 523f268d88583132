//! Replaying a history into derived state, the same way for every kind. A
//! kind states once which event may follow which ([`Lifecycle::check`]) and
//! how an event changes its state ([`Lifecycle::apply`]). Verbs check before
//! appending; replay checks again, so an event that a concurrent event on
//! another device made invalid is kept in the timeline and marked, never
//! silently dropped, and every replica with the same events derives the same
//! state.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Event;

/// The state machine of a record kind.
pub trait Lifecycle {
    type Event;
    /// Whether `event` may follow the history folded so far; why not if not.
    fn check(&self, event: &Self::Event) -> Result<(), String>;
    /// Changes the state by an event that passed [`Lifecycle::check`].
    fn apply(&mut self, event: &Event<Self::Event>);
}

/// One line of a record's timeline: an event and whether it took effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub event: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub user: String,
    pub device: String,
    /// Why the event did not take effect, when a concurrent event on another
    /// device made it invalid.
    pub superseded: Option<String>,
}

/// Replays `events` (in history order) into `state`; returns the timeline.
pub fn replay<L: Lifecycle>(state: &mut L, events: &[Event<L::Event>]) -> Vec<TimelineEntry> {
    events
        .iter()
        .map(|event| {
            let superseded = state.check(&event.body).err();
            if superseded.is_none() {
                state.apply(event);
            }
            TimelineEntry {
                event: event.id.clone(),
                kind: event.kind.clone(),
                at: event.at,
                user: event.user.clone(),
                device: event.device.clone(),
                superseded,
            }
        })
        .collect()
}
