//! The checklist (DOMAIN §3): one template's items filled in on site, each
//! pass / fail / not applicable with a note and photos; for a unit handover
//! also the meter readings and the owner's signature. A failed item can open
//! a repair sheet. Each public method is one step the procedures name.

mod answers;
mod events;
mod repair;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use answers::{ItemAnswer, ItemResult, MeterKind, MeterReading};
pub use events::{ChecklistEvent, Site};
pub use repair::open_repair_from_item;
pub use view::{ChecklistState, ChecklistView, ItemStatus, Signing};

use super::checklist_template::{ChecklistPlan, validated_items};
use super::common::required;
use super::index_entry::{IndexEntry, basic_entry};
use super::{BlobHash, Signature};
use crate::record::{Editor, Lifecycle, RecordDoc, RecordError, RecordId, RecordKind, Verb, Write};

/// A checklist record.
#[derive(Debug, Clone)]
pub struct Checklist {
    doc: RecordDoc,
}

super::common::record_accessors!(Checklist, Checklist);

impl Checklist {
    /// Starts filling in `plan` (see [`ChecklistTemplate::plan`]) at `site`.
    ///
    /// [`ChecklistTemplate::plan`]: crate::kinds::checklist_template::ChecklistTemplate::plan
    pub fn start(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        plan: ChecklistPlan,
        site: Site,
    ) -> Result<Self, RecordError> {
        let site = site.validated(plan.template_type.is_for_a_unit())?;
        let plan = ChecklistPlan {
            name: required("name", plan.name)?,
            items: validated_items(plan.items)?,
            ..plan
        };
        let mut doc = RecordDoc::create(
            RecordKind::Checklist,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        doc.edit(editor, at, Verb::StartChecklist, |write| {
            write.append(&ChecklistEvent::Started { plan, site })
        })?;
        Ok(Checklist { doc })
    }

    /// The checklist's current state, folded from its history and fields.
    pub fn view(&self) -> ChecklistView {
        self.doc.memoized("view", || {
            let events = self.doc.events();
            let items = events
                .iter()
                .find_map(|event| match &event.body {
                    ChecklistEvent::Started { plan, .. } => Some(plan.items.as_slice()),
                    _ => None,
                })
                .unwrap_or_default();
            let answers = answers::read_answers(&self.doc, items);
            let meters = answers::read_meters(&self.doc);
            ChecklistView::fold(&events, answers, meters, self.doc.conflicts())
        })
    }

    /// Answers (or corrects the answer to) an item.
    pub fn set_item(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        item: &str,
        result: ItemResult,
        note: &str,
    ) -> Result<(), RecordError> {
        let answer = ItemAnswer::validated(result, note)?;
        let item = item.trim().to_owned();
        let field = answers::item_field(&item);
        let event = ChecklistEvent::ItemSet {
            item,
            result,
            note: answer.note.clone(),
        };
        self.step_writing(editor, at, Verb::SetItem, event, |write| {
            write.set_field(&field, &answer)
        })
    }

    /// Attaches a photo to an item, or to the checklist when `item` is none.
    pub fn attach_photo(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        item: Option<&str>,
        blob: BlobHash,
        caption: &str,
    ) -> Result<(), RecordError> {
        let event = ChecklistEvent::PhotoAttached {
            item: item.map(|id| id.trim().to_owned()),
            blob,
            caption: caption.trim().to_owned(),
        };
        self.step(editor, at, Verb::AttachPhoto, event)
    }

    /// Records (or corrects) a meter reading at a unit handover.
    pub fn record_meter(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        reading: MeterReading,
    ) -> Result<(), RecordError> {
        let reading = reading.validated()?;
        let field = answers::meter_field(reading.meter);
        let event = ChecklistEvent::MeterRecorded(reading.clone());
        self.step_writing(editor, at, Verb::RecordMeter, event, |write| {
            write.set_field(&field, &reading)
        })
    }

    /// Signs the form once every item is answered; a handover needs the
    /// owner's signature beside the staff's. The failed items are written
    /// into the signing, as the owner saw them.
    pub fn sign(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        staff: Signature,
        owner: Option<Signature>,
    ) -> Result<(), RecordError> {
        let defects = self
            .view()
            .failed_items()
            .into_iter()
            .map(|status| status.item.id.clone())
            .collect();
        let event = ChecklistEvent::Signed {
            staff,
            owner,
            defects,
        };
        self.step(editor, at, Verb::SignChecklist, event)
    }

    /// Closes the checklist.
    pub fn complete(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(
            editor,
            at,
            Verb::CompleteChecklist,
            ChecklistEvent::Completed,
        )
    }

    /// Notes the repair sheet opened for a failed item.
    pub fn link_repair(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        item: &str,
        repair: RecordId,
    ) -> Result<(), RecordError> {
        let item = item.trim().to_owned();
        self.view()
            .repairable(&item)
            .map_err(|reason| RecordError::not_now(Verb::LinkRepair, reason))?;
        let event = ChecklistEvent::RepairLinked { item, repair };
        self.step(editor, at, Verb::LinkRepair, event)
    }

    pub fn add_note(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        text: &str,
    ) -> Result<(), RecordError> {
        let text = required("note", text.to_owned())?;
        self.step(
            editor,
            at,
            Verb::AddNote,
            ChecklistEvent::NoteAdded { text },
        )
    }

    /// The index row lists and queries read.
    pub fn index_entry(&self, _tz: Tz) -> IndexEntry {
        let view = self.view();
        IndexEntry {
            state: view.state.as_str().to_owned(),
            open: view.state != ChecklistState::Completed,
            location: Some(view.site.describe()),
            title: view.title,
            assignee: Some(view.inspector),
            ..basic_entry(&self.doc)
        }
    }

    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        verb: Verb,
        event: ChecklistEvent,
    ) -> Result<(), RecordError> {
        self.step_writing(editor, at, verb, event, |_| Ok(()))
    }

    /// Checks `event` against the lifecycle, then appends it and makes the
    /// field writes `also` in the same transaction.
    fn step_writing(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        verb: Verb,
        event: ChecklistEvent,
        also: impl FnOnce(&mut Write<'_>) -> Result<(), RecordError>,
    ) -> Result<(), RecordError> {
        self.view()
            .check(&event)
            .map_err(|reason| RecordError::not_now(verb, reason))?;
        self.doc.edit(editor, at, verb, |write| {
            write.append(&event)?;
            also(write)
        })
    }
}

#[cfg(test)]
mod tests;
