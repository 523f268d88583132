//! A route template's derived state: a pure fold over its events (see
//! [`crate::record::replay`]). The version number is never stored: it is the
//! count of definitions and revisions folded, so every replica that holds
//! the same events numbers them alike.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Checkpoint;
use super::events::RouteEvent;
use crate::record::{Conflict, Event, Lifecycle, TimelineEntry, replay};

/// One version of the checkpoint list, as it was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteVersion {
    pub version: u32,
    /// The version its author revised; `version - 1` unless another
    /// revision was made at the same time on another device.
    pub based_on: u32,
    pub checkpoints: Vec<Checkpoint>,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a route template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteTemplateView {
    pub name: String,
    /// The current version: 1 for the definition, plus one per revision.
    pub version: u32,
    /// The checkpoints of the current version, in planned order.
    pub checkpoints: Vec<Checkpoint>,
    /// Every version, oldest first.
    pub versions: Vec<RouteVersion>,
    pub timeline: Vec<TimelineEntry>,
    pub conflicts: Vec<Conflict>,
}

impl RouteTemplateView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(
        name: String,
        events: &[Event<RouteEvent>],
        conflicts: Vec<Conflict>,
    ) -> Self {
        let mut view = RouteTemplateView {
            name,
            version: 0,
            checkpoints: Vec::new(),
            versions: Vec::new(),
            timeline: Vec::new(),
            conflicts,
        };
        view.timeline = replay(&mut view, events);
        view
    }

    /// Revisions made without seeing the version before them: worth a
    /// supervisor's look, since one silently replaced the other's list.
    pub fn concurrent_revisions(&self) -> Vec<&RouteVersion> {
        self.versions
            .iter()
            .filter(|version| version.based_on + 1 != version.version)
            .collect()
    }

    fn push_version(
        &mut self,
        based_on: u32,
        checkpoints: &[Checkpoint],
        event: &Event<RouteEvent>,
    ) {
        self.version = self.version.saturating_add(1);
        self.checkpoints = checkpoints.to_vec();
        self.versions.push(RouteVersion {
            version: self.version,
            based_on,
            checkpoints: checkpoints.to_vec(),
            user: event.user.clone(),
            at: event.at,
        });
    }
}

impl Lifecycle for RouteTemplateView {
    type Event = RouteEvent;

    fn check(&self, event: &RouteEvent) -> Result<(), String> {
        let defined = self.version > 0;
        match event {
            RouteEvent::Defined { .. } if defined => Err("the route is already defined".into()),
            RouteEvent::Revised { .. } if !defined => Err("only a defined route is revised".into()),
            RouteEvent::Defined { .. } | RouteEvent::Revised { .. } => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event<RouteEvent>) {
        match &event.body {
            RouteEvent::Defined { checkpoints } => self.push_version(0, checkpoints, event),
            RouteEvent::Revised {
                based_on,
                checkpoints,
            } => self.push_version(*based_on, checkpoints, event),
        }
    }
}
