//! The complaint (docs/DOMAIN.md §4, §5): a resident's complaint or one of the seven
//! kinds of help request, taken by the "four clears and one report", then
//! worked through received → dispatched → handled → signed off → called
//! back, or closed as a duplicate of the complaint that carries the case.
//! Each public method is one step the procedures name.

mod deadline;
mod events;
mod intake;
mod rules;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use deadline::{handling, next_deadline, obligations};
pub use events::ComplaintEvent;
pub use intake::{
    Amendment, CallbackBy, Channel, CrimeKind, Department, DisasterKind, FourClears, HelpKind,
    Intake, Seriousness,
};
pub use view::{
    Answer, ComplaintState, ComplaintView, DispatchRecord, Escalation, Handling, HeadReport,
    ResidentSignOff,
};

use super::index_entry::{IndexEntry, basic_entry};
use super::{Callback, Satisfaction, Signature};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// A complaint or help request record.
#[derive(Debug, Clone)]
pub struct Complaint {
    doc: RecordDoc,
}

super::common::record_accessors!(Complaint, Complaint);

impl Complaint {
    /// Opens a case received at `received_at`, refusing an intake that
    /// misses any of the four clears (or, for a complaint, the report).
    pub fn open(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        intake: Intake,
        channel: Channel,
        clears: FourClears,
        received_at: DateTime<Utc>,
    ) -> Result<Self, RecordError> {
        let intake = intake.validated()?;
        let mut doc = RecordDoc::create(
            RecordKind::Complaint,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = Complaint::view_of(&doc);
        let event = ComplaintEvent::Opened {
            channel,
            received_at,
            clears,
        };
        doc.take_step(&empty, editor, at, event, &intake.fields()?)?;
        Ok(Complaint { doc })
    }

    /// The case's current state, folded from its history.
    pub fn view(&self) -> ComplaintView {
        Complaint::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> ComplaintView {
        doc.memoized("view", || {
            ComplaintView::fold(Intake::read(doc), &doc.events(), doc.conflicts())
        })
    }

    /// Sends the case to the responsible department, and to a person in it
    /// when one is named.
    pub fn dispatch(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        department: Department,
        person: Option<&str>,
    ) -> Result<(), RecordError> {
        let person = person.map(str::to_owned);
        self.step(
            editor,
            at,
            ComplaintEvent::Dispatched { department, person },
        )
    }

    /// Reports the case at once to company management (`to`: who was told).
    pub fn escalate(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        to: &str,
    ) -> Result<(), RecordError> {
        let to = to.to_owned();
        self.step(editor, at, ComplaintEvent::Escalated { to })
    }

    /// Answers a help request, solved or not.
    pub fn answer(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        reply: &str,
        solved: bool,
    ) -> Result<(), RecordError> {
        let reply = reply.to_owned();
        self.step(editor, at, ComplaintEvent::Answered { reply, solved })
    }

    /// Reports a help request that cannot be solved at once to the
    /// department head.
    pub fn report_to_head(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        head: &str,
    ) -> Result<(), RecordError> {
        let head = head.to_owned();
        self.step(editor, at, ComplaintEvent::ReportedToHead { head })
    }

    /// Records what was done and when it was done.
    pub fn record_handling(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        action: &str,
        handled_at: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        let action = action.to_owned();
        self.step(editor, at, ComplaintEvent::Handled { action, handled_at })
    }

    /// The resident signs and rates the result.
    pub fn resident_sign_off(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        signature: Signature,
        rating: Satisfaction,
    ) -> Result<(), RecordError> {
        self.step(editor, at, ComplaintEvent::SignedOff { signature, rating })
    }

    /// A callback after handling; in person it needs the resident's
    /// signature. An unsatisfied one reopens the case until fixed.
    pub fn call_back(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        callback: Callback,
    ) -> Result<(), RecordError> {
        self.step(editor, at, ComplaintEvent::CalledBack(callback))
    }

    /// Closes this case as a duplicate of `original`, which carries it.
    pub fn mark_duplicate_of(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        original: RecordId,
    ) -> Result<(), RecordError> {
        self.step(editor, at, ComplaintEvent::MarkedDuplicate { of: original })
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
            open: view.is_open(),
            title: view.clears.recorded.clone(),
            location: Some(view.intake.unit.clone()),
            assignee: view.assignee().map(str::to_owned),
            ..basic_entry(&self.doc)
        }
    }

    /// Checks `event` against the lifecycle, then appends it.
    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        event: ComplaintEvent,
    ) -> Result<(), RecordError> {
        let view = self.view();
        self.doc.take_step(&view, editor, at, event, &[]).map(drop)
    }
}

/// Refuses a time the caller claims for something after it was written down.
#[cfg(test)]
mod tests;
