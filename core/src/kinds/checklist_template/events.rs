//! The events of a checklist template's history (docs/DOMAIN.md §3): its definition
//! and each revision of the item list. Stored as `type` + JSON `data`; see
//! [`crate::record::RawEvent`].

use crate::record::Verb;
use serde::{Deserialize, Serialize};

use super::{ChecklistItem, TemplateType};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum TemplateEvent {
    /// A supervisor made the template: version 1. The type never changes,
    /// since it decides what every checklist made from it must carry.
    Defined {
        template_type: TemplateType,
        items: Vec<ChecklistItem>,
    },
    /// A new version of the item list replaces the current one.
    Revised {
        /// The version the supervisor saw (see the route template's).
        based_on: u32,
        items: Vec<ChecklistItem>,
    },
}

impl TemplateEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            TemplateEvent::Defined { .. } => Verb::DefineChecklist,
            TemplateEvent::Revised { .. } => Verb::DefineChecklist,
        }
    }
}
