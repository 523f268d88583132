//! The events of a route template's history (docs/DOMAIN.md §2): its definition and
//! each revision of the checkpoint list. Stored as `type` + JSON `data`; see
//! [`crate::record::RawEvent`].

use crate::record::Verb;
use serde::{Deserialize, Serialize};

use super::Checkpoint;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum RouteEvent {
    /// A supervisor planned the route: version 1.
    Defined { checkpoints: Vec<Checkpoint> },
    /// A new version of the checkpoint list replaces the current one.
    Revised {
        /// The version the supervisor saw, so two revisions made at once on
        /// different devices can be told apart from one after the other.
        based_on: u32,
        checkpoints: Vec<Checkpoint>,
    },
}

impl RouteEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            RouteEvent::Defined { .. } => Verb::DefineRoute,
            RouteEvent::Revised { .. } => Verb::DefineRoute,
        }
    }
}
