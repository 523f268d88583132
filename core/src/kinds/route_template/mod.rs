//! The route template (docs/DOMAIN.md §2): a supervisor's planned patrol route, an
//! ordered list of checkpoints that every round follows. Revising a route
//! makes a new version; rounds copy the version they start from, so a
//! revision never changes a round already under way.

mod checkpoint;
mod events;
mod rules;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use checkpoint::{Checkpoint, Location, PlaceKind};
pub use events::RouteEvent;
pub use view::{RouteTemplateView, RouteVersion};

pub(crate) use checkpoint::validated_checkpoints;

use super::index_entry::{IndexEntry, basic_entry};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// The correctable field holding the route's name.
use super::common::TEMPLATE_NAME as NAME;

/// A route template record.
#[derive(Debug, Clone)]
pub struct RouteTemplate {
    doc: RecordDoc,
}

super::common::record_accessors!(RouteTemplate, RouteTemplate);

/// What a round copies from its route when it starts. Built from a template
/// with [`RouteTemplate::plan`], or by hand from a synced route's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutePlan {
    pub route: RecordId,
    pub name: String,
    pub version: u32,
    pub checkpoints: Vec<Checkpoint>,
}

impl RouteTemplate {
    /// Plans a new route: version 1 of its checkpoint list.
    pub fn define(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        name: &str,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<Self, RecordError> {
        let mut doc = RecordDoc::create(
            RecordKind::RouteTemplate,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = RouteTemplate::view_of(&doc);
        let event = RouteEvent::Defined { checkpoints };
        let name = serde_json::Value::String(name.to_owned());
        doc.take_step(&empty, editor, at, event, &[(NAME, name)])?;
        Ok(RouteTemplate { doc })
    }

    /// The route's current version, folded from its history.
    pub fn view(&self) -> RouteTemplateView {
        RouteTemplate::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> RouteTemplateView {
        doc.memoized("view", || {
            let name = doc.field(NAME).map(|field| field.value).unwrap_or_default();
            RouteTemplateView::fold(name, &doc.events(), doc.conflicts())
        })
    }

    /// Makes a new version of the checkpoint list.
    pub fn revise(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<(), RecordError> {
        let view = self.view();
        let event = RouteEvent::Revised {
            based_on: view.version,
            checkpoints,
        };
        self.doc.take_step(&view, editor, at, event, &[]).map(drop)
    }

    /// Corrects the route's name; a name is not part of the version, so
    /// rounds already started keep theirs.
    pub fn rename(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        name: &str,
    ) -> Result<(), RecordError> {
        let view = self.view();
        let name = serde_json::Value::String(name.to_owned());
        self.doc.correct_field(&view, editor, at, NAME, name)
    }

    /// What a round starting now copies.
    pub fn plan(&self) -> RoutePlan {
        let view = self.view();
        RoutePlan {
            route: self.id(),
            name: view.name,
            version: view.version,
            checkpoints: view.checkpoints,
        }
    }

    /// The index row lists and queries read. A template waits on nobody.
    pub fn index_entry(&self, _tz: Tz) -> IndexEntry {
        let view = self.view();
        IndexEntry {
            state: "defined".into(),
            open: false,
            title: view.name,
            ..basic_entry(&self.doc)
        }
    }
}

#[cfg(test)]
mod tests;
