//! The repair sheet (docs/DOMAIN.md §1): opened for every repair request, in a unit
//! (paid) or a public area (free), and worked through reported → dispatched →
//! quoted → on site → agreed/declined → completed → handed back → returned →
//! called back. Each public method is one step the procedures name.

mod deadline;
mod events;
mod intake;
mod rules;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub(crate) use deadline::callback_obligations;
pub use deadline::{next_deadline, obligations, tier};
pub use events::{FeeLine, MaterialCheck, MaterialResult, RepairEvent, SourceLink};
pub use intake::{Amendment, Intake};
pub use view::{Completion, Decline, Quote, RepairSheetView, RepairState};
// Callbacks and ratings are shared with complaints; re-exported so existing
// `repair_sheet::Callback` paths keep working.
pub use super::{Callback, CallbackMethod, CallbackRecord, Satisfaction};

use super::index_entry::{IndexEntry, basic_entry};
use super::{BlobHash, Signature};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// A repair sheet record.
#[derive(Debug, Clone)]
pub struct RepairSheet {
    doc: RecordDoc,
}

super::common::record_accessors!(RepairSheet, RepairSheet);

impl RepairSheet {
    /// Opens a sheet for a request taken at `reported_at` (the call, or the
    /// patrol finding named by `source`).
    pub fn open(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        intake: Intake,
        reported_at: DateTime<Utc>,
        source: Option<SourceLink>,
    ) -> Result<Self, RecordError> {
        let intake = intake.validated()?;
        let mut doc = RecordDoc::create(
            RecordKind::RepairSheet,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = RepairSheet::view_of(&doc);
        let event = RepairEvent::Opened {
            reported_at,
            source,
        };
        doc.take_step(&empty, editor, at, event, &intake.fields()?)?;
        Ok(RepairSheet { doc })
    }

    /// The sheet's current state, folded from its history.
    pub fn view(&self) -> RepairSheetView {
        RepairSheet::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> RepairSheetView {
        doc.memoized("view", || {
            RepairSheetView::fold(Intake::read(doc), &doc.events(), doc.conflicts())
        })
    }

    /// Assigns (or reassigns) the technician.
    pub fn dispatch(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        technician: &str,
    ) -> Result<(), RecordError> {
        let technician = technician.to_owned();
        self.step(editor, at, RepairEvent::Dispatched { technician })
    }

    /// Engineering's decision on an item not on the price list.
    pub fn quote(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        feasible: bool,
        fee_cents: Option<i64>,
        note: &str,
    ) -> Result<(), RecordError> {
        let event = RepairEvent::Quoted {
            feasible,
            fee_cents,
            note: note.to_owned(),
        };
        self.step(editor, at, event)
    }

    /// The assigned technician arrived on site.
    pub fn arrive(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::Arrived)
    }

    /// The items actually to be repaired and their fee standard.
    pub fn confirm_items(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        items: Vec<String>,
        fee_standard: &str,
    ) -> Result<(), RecordError> {
        let fee_standard = fee_standard.to_owned();
        let event = RepairEvent::ItemsConfirmed {
            items,
            fee_standard,
        };
        self.step(editor, at, event)
    }

    pub fn agree(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::Agreed)
    }

    /// The resident declined: the job ends with the reason, signed.
    pub fn decline(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        reason: &str,
        signature: Signature,
    ) -> Result<(), RecordError> {
        let reason = reason.to_owned();
        self.step(editor, at, RepairEvent::Declined { reason, signature })
    }

    pub fn add_fee_line(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        line: FeeLine,
    ) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::FeeLineAdded(line))
    }

    /// Records the check of a material the resident supplied.
    pub fn check_material(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        check: MaterialCheck,
    ) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::MaterialChecked(check))
    }

    pub fn add_note(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        text: &str,
    ) -> Result<(), RecordError> {
        let text = text.to_owned();
        self.step(editor, at, RepairEvent::NoteAdded { text })
    }

    pub fn attach_photo(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        blob: BlobHash,
        caption: &str,
    ) -> Result<(), RecordError> {
        let caption = caption.to_owned();
        self.step(editor, at, RepairEvent::PhotoAttached { blob, caption })
    }

    /// The resident tried the repair and signed.
    pub fn complete(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        items_repaired: Vec<String>,
        signature: Signature,
        satisfaction: Satisfaction,
    ) -> Result<(), RecordError> {
        let event = RepairEvent::Completed {
            items_repaired,
            signature,
            satisfaction,
        };
        self.step(editor, at, event)
    }

    pub fn hand_back(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::HandedBack)
    }

    pub fn confirm_return(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::ReturnConfirmed)
    }

    /// A callback after completion; in person it needs the resident's signature.
    pub fn call_back(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        callback: Callback,
    ) -> Result<(), RecordError> {
        self.step(editor, at, RepairEvent::CalledBack(callback))
    }

    /// Corrects an intake field.
    pub fn amend(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        amendment: Amendment,
    ) -> Result<(), RecordError> {
        let name = amendment.field_name();
        let view = self.view();
        self.doc
            .correct_field(&view, editor, at, name, amendment.value())
    }

    /// The index row lists and queries read.
    pub fn index_entry(&self, tz: Tz) -> IndexEntry {
        let view = self.view();
        let deadline = next_deadline(&view, tz);
        IndexEntry {
            due: deadline.map(|deadline| deadline.due),
            due_rule: deadline.map(|deadline| deadline.rule.code().to_owned()),
            state: view.state.as_str().to_owned(),
            open: view.state.is_open(),
            title: view.intake.problem.clone(),
            location: Some(view.intake.unit.clone()),
            assignee: view.technician.clone(),
            ..basic_entry(&self.doc)
        }
    }

    /// Judges `event` by the sheet's rulebook, then appends it.
    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        event: RepairEvent,
    ) -> Result<(), RecordError> {
        let view = self.view();
        self.doc.take_step(&view, editor, at, event, &[]).map(drop)
    }
}

#[cfg(test)]
mod tests;
