//! The route template (DOMAIN §2): a supervisor's planned patrol route, an
//! ordered list of checkpoints that every round follows. Revising a route
//! makes a new version; rounds copy the version they start from, so a
//! revision never changes a round already under way.

mod checkpoint;
mod events;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use checkpoint::{Checkpoint, Location, PlaceKind};
pub use events::RouteEvent;
pub use view::{RouteTemplateView, RouteVersion};

pub(crate) use checkpoint::validated_checkpoints;

use super::common::required;
use super::index_entry::{IndexEntry, basic_entry};
use crate::record::{Editor, Lifecycle, RecordDoc, RecordError, RecordId, RecordKind, Verb};

/// The correctable field holding the route's name.
const NAME: &str = "name";

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
        let name = required("name", name.to_owned())?;
        let checkpoints = validated_checkpoints(checkpoints)?;
        let mut doc = RecordDoc::create(
            RecordKind::RouteTemplate,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        doc.edit(editor, at, Verb::DefineRoute, |write| {
            write.set_field(NAME, &name)?;
            write.append(&RouteEvent::Defined { checkpoints })
        })?;
        Ok(RouteTemplate { doc })
    }

    /// The route's current version, folded from its history.
    pub fn view(&self) -> RouteTemplateView {
        self.doc.memoized("view", || {
            let name = self
                .doc
                .field(NAME)
                .map(|field| field.value)
                .unwrap_or_default();
            RouteTemplateView::fold(name, &self.doc.events(), self.doc.conflicts())
        })
    }

    /// Makes a new version of the checkpoint list.
    pub fn revise(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<(), RecordError> {
        let checkpoints = validated_checkpoints(checkpoints)?;
        let view = self.view();
        if view.checkpoints == checkpoints {
            return Err(RecordError::invalid(
                "checkpoints",
                format!("the same as version {}", view.version),
            ));
        }
        let event = RouteEvent::Revised {
            based_on: view.version,
            checkpoints,
        };
        view.check(&event)
            .map_err(|reason| RecordError::not_now(Verb::DefineRoute, reason))?;
        self.doc.edit(editor, at, Verb::DefineRoute, |write| {
            write.append(&event).map(drop)
        })
    }

    /// Corrects the route's name; a name is not part of the version, so
    /// rounds already started keep theirs.
    pub fn rename(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        name: &str,
    ) -> Result<(), RecordError> {
        let name = required("name", name.to_owned())?;
        self.doc.edit(editor, at, Verb::DefineRoute, |write| {
            write.set_field(NAME, &name)
        })
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
