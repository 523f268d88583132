//! The repair sheet (DOMAIN §1): opened for every repair request, in a unit
//! (paid) or a public area (free), and worked through reported → dispatched →
//! quoted → on site → agreed/declined → completed → handed back → returned →
//! called back. Each public method is one step the procedures name.

mod deadline;
mod events;
mod intake;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use deadline::next_deadline;
pub use events::{FeeLine, MaterialCheck, MaterialResult, RepairEvent, SourceLink};
pub use intake::{Amendment, Intake};
pub use view::{Completion, Decline, Quote, RepairSheetView, RepairState};
// Callbacks and ratings are shared with complaints; re-exported so existing
// `repair_sheet::Callback` paths keep working.
pub use super::{Callback, CallbackMethod, CallbackRecord, Satisfaction};

use super::common::required;
use super::index_entry::{IndexEntry, basic_entry};
use super::{BlobHash, Signature};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind, Role, Verb};

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
        if reported_at > at {
            return Err(RecordError::invalid(
                "reported_at",
                "cannot be after the sheet is written",
            ));
        }
        let mut doc = RecordDoc::create(
            RecordKind::RepairSheet,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        doc.edit(editor, at, Verb::OpenRepairSheet, |write| {
            intake.write(write)?;
            write.append(&RepairEvent::Opened {
                reported_at,
                source,
            })
        })?;
        Ok(RepairSheet { doc })
    }

    /// The sheet's current state, folded from its history.
    pub fn view(&self) -> RepairSheetView {
        self.doc.memoized("view", || {
            RepairSheetView::fold(
                Intake::read(&self.doc),
                &self.doc.events(),
                self.doc.conflicts(),
            )
        })
    }

    /// Assigns (or reassigns) the technician.
    pub fn dispatch(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        technician: &str,
    ) -> Result<(), RecordError> {
        let technician = required("technician", technician.to_owned())?;
        self.step(
            editor,
            at,
            Verb::Dispatch,
            RepairEvent::Dispatched { technician },
        )
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
        if fee_cents.is_some_and(|fee| fee < 0) {
            return Err(RecordError::invalid("fee", "cannot be negative"));
        }
        if feasible && fee_cents.is_none() {
            return Err(RecordError::invalid("fee", "a feasible job needs its fee"));
        }
        let note = note.trim().to_owned();
        self.step(
            editor,
            at,
            Verb::Quote,
            RepairEvent::Quoted {
                feasible,
                fee_cents,
                note,
            },
        )
    }

    /// The assigned technician arrived on site.
    pub fn arrive(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        let assigned = self.view().technician;
        if editor.role != Role::Admin && assigned.as_deref() != Some(editor.user.as_str()) {
            return Err(RecordError::not_now(
                Verb::Arrive,
                format!(
                    "the sheet is assigned to {}",
                    assigned.as_deref().unwrap_or("nobody")
                ),
            ));
        }
        self.step(editor, at, Verb::Arrive, RepairEvent::Arrived)
    }

    /// The items actually to be repaired and their fee standard.
    pub fn confirm_items(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        items: Vec<String>,
        fee_standard: &str,
    ) -> Result<(), RecordError> {
        let items = non_empty_items(items)?;
        let fee_standard = fee_standard.trim().to_owned();
        self.step(
            editor,
            at,
            Verb::ConfirmItems,
            RepairEvent::ItemsConfirmed {
                items,
                fee_standard,
            },
        )
    }

    pub fn agree(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, Verb::Agree, RepairEvent::Agreed)
    }

    /// The resident declined: the job ends with the reason, signed.
    pub fn decline(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        reason: &str,
        signature: Signature,
    ) -> Result<(), RecordError> {
        let reason = required("reason", reason.to_owned())?;
        self.step(
            editor,
            at,
            Verb::Decline,
            RepairEvent::Declined { reason, signature },
        )
    }

    pub fn add_fee_line(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        line: FeeLine,
    ) -> Result<(), RecordError> {
        let description = required("description", line.description)?;
        if line.quantity == 0 {
            return Err(RecordError::invalid("quantity", "must be at least 1"));
        }
        if line.unit_price_cents < 0 {
            return Err(RecordError::invalid("unit_price", "cannot be negative"));
        }
        let line = FeeLine {
            description,
            ..line
        };
        self.step(
            editor,
            at,
            Verb::AddFeeLine,
            RepairEvent::FeeLineAdded(line),
        )
    }

    /// Records the check of a material the resident supplied.
    pub fn check_material(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        check: MaterialCheck,
    ) -> Result<(), RecordError> {
        let material = required("material", check.material)?;
        let check = MaterialCheck { material, ..check };
        self.step(
            editor,
            at,
            Verb::CheckMaterial,
            RepairEvent::MaterialChecked(check),
        )
    }

    pub fn add_note(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        text: &str,
    ) -> Result<(), RecordError> {
        let text = required("note", text.to_owned())?;
        self.step(editor, at, Verb::AddNote, RepairEvent::NoteAdded { text })
    }

    pub fn attach_photo(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        blob: BlobHash,
        caption: &str,
    ) -> Result<(), RecordError> {
        let caption = caption.trim().to_owned();
        self.step(
            editor,
            at,
            Verb::AttachPhoto,
            RepairEvent::PhotoAttached { blob, caption },
        )
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
        let items_repaired = non_empty_items(items_repaired)?;
        let event = RepairEvent::Completed {
            items_repaired,
            signature,
            satisfaction,
        };
        self.step(editor, at, Verb::Complete, event)
    }

    pub fn hand_back(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, Verb::HandBack, RepairEvent::HandedBack)
    }

    pub fn confirm_return(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        self.step(
            editor,
            at,
            Verb::ConfirmReturn,
            RepairEvent::ReturnConfirmed,
        )
    }

    /// A callback after completion; in person it needs the resident's signature.
    pub fn call_back(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        callback: Callback,
    ) -> Result<(), RecordError> {
        let callback = callback.validated()?;
        self.step(
            editor,
            at,
            Verb::CallBack,
            RepairEvent::CalledBack(callback),
        )
    }

    /// Corrects an intake field.
    pub fn amend(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        amendment: Amendment,
    ) -> Result<(), RecordError> {
        self.doc
            .edit(editor, at, Verb::Amend, |write| amendment.write(write))
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

    /// Why the event `event_id` should not have been made by its author, if
    /// so: the rules that depend on who acts, not only on the role (only the
    /// technician the sheet was dispatched to records arrival). Judged on
    /// the history before the event, as its author's device saw it.
    pub fn author_refusal(&self, event_id: &str) -> Option<String> {
        let events = self.doc.events::<RepairEvent>();
        let position = events.iter().position(|event| event.id == event_id)?;
        let event = &events[position];
        if event.body != RepairEvent::Arrived {
            return None;
        }
        let before =
            RepairSheetView::fold(Intake::read(&self.doc), &events[..position], Vec::new());
        let assigned = before.technician.as_deref();
        (assigned != Some(event.user.as_str())).then(|| {
            format!(
                "{} recorded arrival, but the sheet is assigned to {}",
                event.user,
                assigned.unwrap_or("nobody")
            )
        })
    }

    /// Checks `event` against the lifecycle, then appends it.
    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        verb: Verb,
        event: RepairEvent,
    ) -> Result<(), RecordError> {
        let view = self.view();
        self.doc
            .append_checked(&view, editor, at, verb, &event)
            .map(drop)
    }
}

fn non_empty_items(items: Vec<String>) -> Result<Vec<String>, RecordError> {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect();
    if items.is_empty() {
        Err(RecordError::invalid("items", "name at least one item"))
    } else {
        Ok(items)
    }
}

#[cfg(test)]
mod tests;
