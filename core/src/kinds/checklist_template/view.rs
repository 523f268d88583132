//! A checklist template's derived state: a pure fold over its events (see
//! [`crate::record::replay`]). As for routes, the version is the count of
//! definitions and revisions folded, never a stored number.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::events::TemplateEvent;
use super::{ChecklistItem, TemplateType};
use crate::record::{Conflict, Event, Lifecycle, TimelineEntry, replay};

/// One version of the item list, as it was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateVersion {
    pub version: u32,
    /// The version its author revised; `version - 1` unless another
    /// revision was made at the same time on another device.
    pub based_on: u32,
    pub items: Vec<ChecklistItem>,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a checklist template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistTemplateView {
    pub name: String,
    pub template_type: TemplateType,
    pub version: u32,
    /// The items of the current version, in listed order.
    pub items: Vec<ChecklistItem>,
    /// Every version, oldest first.
    pub versions: Vec<TemplateVersion>,
    pub timeline: Vec<TimelineEntry>,
    pub conflicts: Vec<Conflict>,
}

impl ChecklistTemplateView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(
        name: String,
        events: &[Event<TemplateEvent>],
        conflicts: Vec<Conflict>,
    ) -> Self {
        let mut view = ChecklistTemplateView {
            name,
            template_type: TemplateType::PublicAreaInspection,
            version: 0,
            items: Vec::new(),
            versions: Vec::new(),
            timeline: Vec::new(),
            conflicts,
        };
        view.timeline = replay(&mut view, events);
        view
    }

    /// Revisions made without seeing the version before them.
    pub fn concurrent_revisions(&self) -> Vec<&TemplateVersion> {
        self.versions
            .iter()
            .filter(|version| version.based_on + 1 != version.version)
            .collect()
    }

    fn push_version(
        &mut self,
        based_on: u32,
        items: &[ChecklistItem],
        event: &Event<TemplateEvent>,
    ) {
        self.version = self.version.saturating_add(1);
        self.items = items.to_vec();
        self.versions.push(TemplateVersion {
            version: self.version,
            based_on,
            items: items.to_vec(),
            user: event.user.clone(),
            at: event.at,
        });
    }
}

impl Lifecycle for ChecklistTemplateView {
    type Event = TemplateEvent;

    fn check(&self, event: &TemplateEvent) -> Result<(), String> {
        let defined = self.version > 0;
        match event {
            TemplateEvent::Defined { .. } if defined => {
                Err("the template is already defined".into())
            }
            TemplateEvent::Revised { .. } if !defined => {
                Err("only a defined template is revised".into())
            }
            TemplateEvent::Defined { .. } | TemplateEvent::Revised { .. } => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event<TemplateEvent>) {
        match &event.body {
            TemplateEvent::Defined {
                template_type,
                items,
            } => {
                self.template_type = *template_type;
                self.push_version(0, items, event);
            }
            TemplateEvent::Revised { based_on, items } => {
                self.push_version(*based_on, items, event);
            }
        }
    }
}
