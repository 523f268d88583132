//! The complaint (DOMAIN §4, §5): a resident's complaint or one of the seven
//! kinds of help request, taken by the "four clears and one report", then
//! worked through received → dispatched → handled → signed off → called
//! back, or closed as a duplicate of the complaint that carries the case.
//! Each public method is one step the procedures name.

mod deadline;
mod events;
mod intake;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use deadline::next_deadline;
pub use events::ComplaintEvent;
pub use intake::{
    Amendment, CallbackBy, Channel, CrimeKind, Department, DisasterKind, FourClears, HelpKind,
    Intake, Seriousness,
};
pub use view::{
    Answer, ComplaintState, ComplaintView, DispatchRecord, Escalation, Handling, HeadReport,
    ResidentSignOff,
};

use super::common::required;
use super::index_entry::{IndexEntry, basic_entry};
use super::{Callback, Satisfaction, Signature};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind, Verb};

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
        let clears = clears.validated(channel)?;
        not_after("received_at", received_at, at)?;
        let mut doc = RecordDoc::create(
            RecordKind::Complaint,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        doc.edit(editor, at, Verb::OpenComplaint, |write| {
            intake.write(write)?;
            write.append(&ComplaintEvent::Opened {
                channel,
                received_at,
                clears,
            })
        })?;
        Ok(Complaint { doc })
    }

    /// The case's current state, folded from its history.
    pub fn view(&self) -> ComplaintView {
        self.doc.memoized("view", || {
            ComplaintView::fold(
                Intake::read(&self.doc),
                &self.doc.events(),
                self.doc.conflicts(),
            )
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
        let person = person
            .map(|person| required("person", person.to_owned()))
            .transpose()?;
        let event = ComplaintEvent::Dispatched { department, person };
        self.step(editor, at, Verb::DispatchComplaint, event)
    }

    /// Reports the case at once to company management (`to`: who was told).
    pub fn escalate(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        to: &str,
    ) -> Result<(), RecordError> {
        let to = required("to", to.to_owned())?;
        self.step(editor, at, Verb::Escalate, ComplaintEvent::Escalated { to })
    }

    /// Answers a help request, solved or not.
    pub fn answer(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        reply: &str,
        solved: bool,
    ) -> Result<(), RecordError> {
        let reply = required("reply", reply.to_owned())?;
        let event = ComplaintEvent::Answered { reply, solved };
        self.step(editor, at, Verb::AnswerHelpRequest, event)
    }

    /// Reports a help request that cannot be solved at once to the
    /// department head.
    pub fn report_to_head(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        head: &str,
    ) -> Result<(), RecordError> {
        let head = required("head", head.to_owned())?;
        let event = ComplaintEvent::ReportedToHead { head };
        self.step(editor, at, Verb::ReportToHead, event)
    }

    /// Records what was done and when it was done.
    pub fn record_handling(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        action: &str,
        handled_at: DateTime<Utc>,
    ) -> Result<(), RecordError> {
        let action = required("action", action.to_owned())?;
        not_after("handled_at", handled_at, at)?;
        if handled_at < self.view().received_at {
            return Err(RecordError::invalid(
                "handled_at",
                "cannot be before the case was received",
            ));
        }
        let event = ComplaintEvent::Handled { action, handled_at };
        self.step(editor, at, Verb::RecordHandling, event)
    }

    /// The resident signs and rates the result.
    pub fn resident_sign_off(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        signature: Signature,
        rating: Satisfaction,
    ) -> Result<(), RecordError> {
        let event = ComplaintEvent::SignedOff { signature, rating };
        self.step(editor, at, Verb::ResidentSignOff, event)
    }

    /// A callback after handling; in person it needs the resident's
    /// signature. An unsatisfied one reopens the case until fixed.
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
            ComplaintEvent::CalledBack(callback),
        )
    }

    /// Closes this case as a duplicate of `original`, which carries it.
    pub fn mark_duplicate_of(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        original: RecordId,
    ) -> Result<(), RecordError> {
        if original == self.id() {
            return Err(RecordError::invalid(
                "duplicate_of",
                "a complaint cannot duplicate itself",
            ));
        }
        let event = ComplaintEvent::MarkedDuplicate { of: original };
        self.step(editor, at, Verb::MarkDuplicate, event)
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
        verb: Verb,
        event: ComplaintEvent,
    ) -> Result<(), RecordError> {
        let view = self.view();
        self.doc
            .append_checked(&view, editor, at, verb, &event)
            .map(drop)
    }
}

/// Refuses a time the caller claims for something after it was written down.
fn not_after(
    field: &str,
    claimed: DateTime<Utc>,
    written: DateTime<Utc>,
) -> Result<(), RecordError> {
    if claimed > written {
        Err(RecordError::invalid(
            field,
            "cannot be after it is written down",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
