//! The checklist (docs/DOMAIN.md §3): one template's items filled in on site, each
//! pass / fail / not applicable with a note and photos; for a unit handover
//! also the meter readings and the owner's signature. A failed item can open
//! a repair sheet. Each public method is one step the procedures name.

mod answers;
mod events;
mod repair;
mod rules;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use answers::{ItemAnswer, ItemResult, MeterKind, MeterReading};
pub use events::{ChecklistEvent, Site};
pub use repair::open_repair_from_item;
pub use view::{ChecklistState, ChecklistView, ItemStatus, Signing};

use super::checklist_template::ChecklistPlan;
use super::index_entry::{IndexEntry, basic_entry};
use super::{BlobHash, Signature};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind, to_json};

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
        let mut doc = RecordDoc::create(
            RecordKind::Checklist,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = Checklist::view_of(&doc);
        doc.take_step(
            &empty,
            editor,
            at,
            ChecklistEvent::Started { plan, site },
            &[],
        )?;
        Ok(Checklist { doc })
    }

    /// The checklist's current state, folded from its history and fields.
    pub fn view(&self) -> ChecklistView {
        Checklist::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> ChecklistView {
        doc.memoized("view", || {
            let events = doc.events();
            let items = events
                .iter()
                .find_map(|event| match &event.body {
                    ChecklistEvent::Started { plan, .. } => Some(plan.items.as_slice()),
                    _ => None,
                })
                .unwrap_or_default();
            let answers = answers::read_answers(doc, items);
            let meters = answers::read_meters(doc);
            ChecklistView::fold(&events, answers, meters, doc.conflicts())
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
        let value = to_json(&field, &answer)?;
        let event = ChecklistEvent::ItemSet {
            item,
            result,
            note: answer.note,
        };
        self.step_writing(editor, at, event, &[(&field, value)])
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
            item: item.map(str::to_owned),
            blob,
            caption: caption.to_owned(),
        };
        self.step(editor, at, event)
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
        let value = to_json(&field, &reading)?;
        let event = ChecklistEvent::MeterRecorded(reading);
        self.step_writing(editor, at, event, &[(&field, value)])
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
        self.step(editor, at, event)
    }

    /// Closes the checklist.
    pub fn complete(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, ChecklistEvent::Completed)
    }

    /// Notes the repair sheet opened for a failed item.
    pub fn link_repair(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        item: &str,
        repair: RecordId,
    ) -> Result<(), RecordError> {
        let item = item.to_owned();
        self.step(editor, at, ChecklistEvent::RepairLinked { item, repair })
    }

    pub fn add_note(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        text: &str,
    ) -> Result<(), RecordError> {
        let text = text.to_owned();
        self.step(editor, at, ChecklistEvent::NoteAdded { text })
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
        event: ChecklistEvent,
    ) -> Result<(), RecordError> {
        self.step_writing(editor, at, event, &[])
    }

    /// Judges `event` and the field writes that come with it by the
    /// checklist's rulebook, then makes them in one change.
    fn step_writing(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        event: ChecklistEvent,
        fields: &[(&str, serde_json::Value)],
    ) -> Result<(), RecordError> {
        let view = self.view();
        self.doc
            .take_step(&view, editor, at, event, fields)
            .map(drop)
    }
}

#[cfg(test)]
mod tests;
