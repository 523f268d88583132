//! The demo's seeder: each record made with the core's verbs as its user at
//! a plausible past time, and pushed through the server's own writer as a
//! phone's sync would be. One file per record kind.

use crate::engine::writer::WriterHandle;
use automerge::ChangeHash;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use stairwell_core::kinds::HasDoc;
use stairwell_core::kinds::{Callback, CallbackMethod};
use stairwell_core::protocol::PushedRecord;
use stairwell_core::record::{Editor, RecordDoc, RecordError};
use stairwell_core::rules::local_time::{at_local_time, local_date, sub_days};
use stairwell_core::sync::judge::Author;
use std::collections::HashMap;

use super::*;

mod checklists;
mod complaints;
mod duty;
mod images;
mod patrol;
mod repairs;

/// Makes the records, each step as its user, each pushed through the writer.
pub(super) struct Seeder {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) writer: WriterHandle,
    /// Where the demo's images go.
    pub(super) storage: std::sync::Arc<dyn crate::store::Storage>,
    pub(super) people: HashMap<&'static str, Author>,
    pub(super) now: DateTime<Utc>,
    pub(super) tz: Tz,
    /// How many records were made.
    pub(super) records: usize,
}

fn phone_callback(satisfied: bool, outcome: &str) -> Callback {
    Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied,
        outcome: outcome.to_owned(),
        follow_up_by: None,
    }
}

impl Seeder {
    pub(super) fn editor(&self, user: &str) -> Result<Editor, DemoError> {
        let author = self.people.get(user).ok_or(DemoError::Seeding(
            "a step names a user the demo does not have",
        ))?;
        Ok(Editor::new(user, author.device.clone(), author.role))
    }

    /// `hh:mm` local on the day `days_ago` days before today.
    pub(super) fn day(&self, days_ago: u64, hh: u32, mm: u32) -> DateTime<Utc> {
        let date = sub_days(local_date(self.now, self.tz), days_ago);
        let time = NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN);
        at_local_time(date, time, self.tz)
    }

    pub(super) fn ago(&self, minutes: i64) -> DateTime<Utc> {
        self.now - Duration::minutes(minutes)
    }

    pub(super) fn push(
        &self,
        user: &str,
        doc: &RecordDoc,
        since: Option<&[ChangeHash]>,
    ) -> Result<(), DemoError> {
        let author = self.people.get(user).ok_or(DemoError::Seeding(
            "a step names a user the demo does not have",
        ))?;
        let changes = match since {
            Some(heads) => doc.save_after(heads),
            None => doc.save(),
        };
        let record = PushedRecord {
            id: doc.id().to_string(),
            changes: serde_bytes::ByteBuf::from(changes),
        };
        let outcome = self
            .runtime
            .block_on(self.writer.push(author.clone(), vec![record]))?;
        match outcome.refused.first() {
            Some(refused) => Err(DemoError::Refused {
                kind: doc.kind().to_string(),
                user: user.to_owned(),
                message: refused.message.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Stores a record just made by `user`.
    pub(super) fn create<R: HasDoc>(&mut self, user: &str, record: &R) -> Result<(), DemoError> {
        self.push(user, record.record_doc(), None)?;
        self.records += 1;
        Ok(())
    }

    /// Runs `verb` as `user` and stores what it changed.
    pub(super) fn act<R: HasDoc, T>(
        &self,
        user: &str,
        record: &mut R,
        verb: impl FnOnce(&mut R, &Editor) -> Result<T, RecordError>,
    ) -> Result<T, DemoError> {
        let editor = self.editor(user)?;
        let before = record.record_doc().heads();
        let out = verb(record, &editor)?;
        self.push(user, record.record_doc(), Some(&before))?;
        Ok(out)
    }

    pub(super) fn seed_all(&mut self) -> Result<(), DemoError> {
        let route = self.route()?;
        let templates = self.checklist_templates()?;
        self.patrol_rounds(&route)?;
        self.repairs()?;
        self.complaints()?;
        self.help_requests()?;
        self.checklists(&templates)?;
        self.duty_logs()?;
        Ok(())
    }
}
