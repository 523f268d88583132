//! The checklist template (docs/DOMAIN.md §3): a versioned list of items to inspect,
//! of one type (public-area inspection, cleaning inspection, renovation
//! acceptance, unit handover). Checklists copy the version they start from,
//! so revising a template never changes one being filled in.

mod events;
mod items;
mod rules;
mod standard;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use events::TemplateEvent;
pub use items::{ChecklistItem, RenovationStage, TemplateType};
pub use standard::standard_items;
pub use view::{ChecklistTemplateView, TemplateVersion};

pub(crate) use items::validated_items;

use super::index_entry::{IndexEntry, basic_entry};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// The correctable field holding the template's name.
use super::common::TEMPLATE_NAME as NAME;

/// A checklist template record.
#[derive(Debug, Clone)]
pub struct ChecklistTemplate {
    doc: RecordDoc,
}

super::common::record_accessors!(ChecklistTemplate, ChecklistTemplate);

/// What a checklist copies from its template when it starts. Built with
/// [`ChecklistTemplate::plan`], or by hand from a synced template's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistPlan {
    pub template: RecordId,
    pub name: String,
    pub version: u32,
    pub template_type: TemplateType,
    pub items: Vec<ChecklistItem>,
}

impl ChecklistTemplate {
    /// Makes a new template: version 1 of its items (often
    /// [`standard_items`] of its type).
    pub fn define(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        name: &str,
        template_type: TemplateType,
        items: Vec<ChecklistItem>,
    ) -> Result<Self, RecordError> {
        let mut doc = RecordDoc::create(
            RecordKind::ChecklistTemplate,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = ChecklistTemplate::view_of(&doc);
        let event = TemplateEvent::Defined {
            template_type,
            items,
        };
        let name = serde_json::Value::String(name.to_owned());
        doc.take_step(&empty, editor, at, event, &[(NAME, name)])?;
        Ok(ChecklistTemplate { doc })
    }

    /// The template's current version, folded from its history.
    pub fn view(&self) -> ChecklistTemplateView {
        ChecklistTemplate::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> ChecklistTemplateView {
        doc.memoized("view", || {
            let name = doc.field(NAME).map(|field| field.value).unwrap_or_default();
            ChecklistTemplateView::fold(name, &doc.events(), doc.conflicts())
        })
    }

    /// Makes a new version of the item list.
    pub fn revise(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        items: Vec<ChecklistItem>,
    ) -> Result<(), RecordError> {
        let view = self.view();
        let event = TemplateEvent::Revised {
            based_on: view.version,
            items,
        };
        self.doc.take_step(&view, editor, at, event, &[]).map(drop)
    }

    /// Corrects the template's name; checklists already started keep theirs.
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

    /// What a checklist starting now copies.
    pub fn plan(&self) -> ChecklistPlan {
        let view = self.view();
        ChecklistPlan {
            template: self.id(),
            name: view.name,
            version: view.version,
            template_type: view.template_type,
            items: view.items,
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
