//! The duty log (docs/DOMAIN.md §6): one per estate per duty day (08:30 to 08:30
//! local). Everything handled on duty is written in it; no line is ever
//! altered or removed; officers hand over with an equipment count and the
//! open follow-ups; the customer-service supervisor signs it each morning.
//!
//! Its id is derived from the estate and the duty date and it is created
//! with [`RecordDoc::create_shared`], so two desks that open the same day's
//! log while offline hold one record that merges.

mod events;
mod rules;
mod view;

use crate::rules::duty_day::{duty_day_bounds, duty_day_of};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub use events::{DutyEvent, Entry, EntryCategory, EntryRef, EquipmentCount, Handover, NewEntry};
pub use view::{DutyLogView, EntryLink, HandoverRecord, LogEntry, LogSignOff, OpenFollowUp};

use super::Signature;
use super::common::required;
use super::index_entry::{IndexEntry, basic_entry};
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// An estate's duty log for one duty day.
#[derive(Debug, Clone)]
pub struct DutyLog {
    doc: RecordDoc,
}

super::common::record_accessors!(DutyLog, DutyLog);

impl DutyLog {
    /// The id of an estate's log for a duty date, the same on every device.
    pub fn id_for(estate: &str, duty_date: NaiveDate) -> RecordId {
        RecordId::derived(&format!("{estate}/duty-log/{duty_date}"))
    }

    /// Opens the log of a duty day of an estate in zone `tz`. Any device
    /// may do this offline: every device creates the very same record (its
    /// id and creation time derived from the estate and the day alone), so
    /// the copies merge, and the server accepts no other record at that id.
    pub fn open_for_day(estate: &str, duty_date: NaiveDate, tz: Tz) -> Result<Self, RecordError> {
        let estate = required("estate", estate.to_owned())?;
        let id = DutyLog::id_for(&estate, duty_date);
        let (day_start, _) = duty_day_bounds(duty_date, tz);
        let doc = RecordDoc::create_shared(RecordKind::DutyLog, id, &estate, day_start)?;
        Ok(DutyLog { doc })
    }

    /// Whether `doc`'s header is the one [`DutyLog::open_for_day`] writes
    /// for its estate and the duty day it starts: the only duty log the
    /// server accepts under that id.
    pub fn is_canonical(header: &crate::record::Header, tz: Tz) -> bool {
        let duty_date = duty_day_of(header.created_at, tz);
        let (day_start, _) = duty_day_bounds(duty_date, tz);
        header.id == DutyLog::id_for(&header.estate, duty_date) && header.created_at == day_start
    }

    /// The log as it reads now, folded from its history.
    pub fn view(&self) -> DutyLogView {
        DutyLog::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> DutyLogView {
        doc.memoized("view", || {
            let header = doc.header();
            DutyLogView::fold(&header.estate, header.created_at, &doc.events())
        })
    }

    /// Writes a line in the log; returns its entry id.
    pub fn append_entry(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        entry: NewEntry,
    ) -> Result<String, RecordError> {
        self.write_entry(editor, at, entry.into_entry(None))
    }

    /// Closes an entry's follow-up with a new line giving the outcome;
    /// returns the new entry's id.
    pub fn close_follow_up(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        entry: &str,
        outcome: &str,
    ) -> Result<String, RecordError> {
        let target = entry.trim().to_owned();
        let closure = NewEntry {
            text: outcome.to_owned(),
            category: EntryCategory::FollowUp,
            important: false,
            follow_up: false,
        };
        let closure = closure.into_entry(Some(EntryRef::Closes(target)));
        self.write_entry(editor, at, closure)
    }

    /// Corrects a mistaken entry with a new line that replaces its reading;
    /// the mistaken line stays in the log. Returns the new entry's id.
    pub fn correct_entry(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        entry: &str,
        correction: NewEntry,
    ) -> Result<String, RecordError> {
        let target = entry.trim().to_owned();
        let correction = correction.into_entry(Some(EntryRef::Corrects(target)));
        self.write_entry(editor, at, correction)
    }

    /// Hands the desk over. Refused while an important entry's follow-up is
    /// open, or while the incoming officer has not acknowledged every open
    /// follow-up.
    pub fn hand_over(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        handover: Handover,
    ) -> Result<(), RecordError> {
        self.step(editor, at, DutyEvent::HandedOver(handover))
            .map(drop)
    }

    /// The customer-service supervisor's morning reading; once per log.
    pub fn sign_off(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        signature: Signature,
        comment: &str,
    ) -> Result<(), RecordError> {
        let comment = comment.to_owned();
        let event = DutyEvent::SignedOff { signature, comment };
        self.step(editor, at, event).map(drop)
    }

    /// The index row lists and queries read; the title names the duty date
    /// in the estate's time zone.
    pub fn index_entry(&self, tz: Tz) -> IndexEntry {
        let view = self.view();
        let duty_date = view.day_start.with_timezone(&tz).date_naive();
        let on_duty = view
            .handovers
            .iter()
            .rev()
            .find(|record| record.superseded.is_none())
            .map(|record| record.handover.incoming.clone());
        let signed = view.sign_off.is_some();
        IndexEntry {
            state: if signed { "signed_off" } else { "open" }.to_owned(),
            open: !signed,
            title: format!("Duty log {duty_date}"),
            assignee: on_duty,
            ..basic_entry(&self.doc)
        }
    }

    /// The id of an entry of this log, or why the input names none.
    fn write_entry(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        entry: Entry,
    ) -> Result<String, RecordError> {
        self.step(editor, at, DutyEvent::EntryAppended(entry))
    }

    /// Checks `event` against the lifecycle, then appends it; returns its id.
    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        event: DutyEvent,
    ) -> Result<String, RecordError> {
        let view = self.view();
        self.doc.take_step(&view, editor, at, event, &[])
    }
}

#[cfg(test)]
mod tests;
