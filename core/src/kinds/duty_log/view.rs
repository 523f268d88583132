//! A duty log's derived state: a pure fold over its lines in history order
//! (see [`crate::record::replay`]). Its [`Lifecycle::check`] is the one
//! statement of what may be written when (docs/DOMAIN.md §6). A line that a
//! concurrent edit made invalid (a follow-up closed twice, a handover that
//! missed a follow-up written meanwhile on another phone) is still shown,
//! marked, because no page is ever torn out of the log.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::events::{DutyEvent, Entry, EntryCategory, EntryRef, EquipmentCount, Handover};
use crate::kinds::Signature;
use crate::record::{Event, Lifecycle, TimelineEntry, replay};

/// A line of the log, with what later lines say about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub user: String,
    pub text: String,
    pub category: EntryCategory,
    pub important: bool,
    pub follow_up: bool,
    pub refers_to: Option<EntryRef>,
    /// The entry that closed this one's follow-up.
    pub closed_by: Option<EntryLink>,
    /// The entry that corrected this one; its reading replaces this one's.
    pub corrected_by: Option<EntryLink>,
    /// Written after the supervisor signed the log.
    pub after_sign_off: bool,
    /// Why the line took no effect, when a concurrent edit made it invalid.
    pub superseded: Option<String>,
}

/// A later entry, as shown against the entry it refers to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryLink {
    pub entry: String,
    pub text: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// A follow-up still to be done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenFollowUp {
    pub entry: String,
    pub text: String,
    pub important: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoverRecord {
    #[serde(flatten)]
    pub handover: Handover,
    pub handed_over_at: DateTime<Utc>,
    pub user: String,
    /// The equipment lines counted short.
    pub shortfalls: Vec<EquipmentCount>,
    pub superseded: Option<String>,
}

impl HandoverRecord {
    /// How long before the handover the incoming officer arrived.
    pub fn arrived_ahead(&self) -> Duration {
        self.handed_over_at - self.handover.incoming_arrived_at
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogSignOff {
    pub signature: Signature,
    pub comment: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a duty log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DutyLogView {
    pub estate: String,
    /// The duty day's start (08:30 local), as computed by the rules.
    pub day_start: DateTime<Utc>,
    pub entries: Vec<LogEntry>,
    pub open_follow_ups: Vec<OpenFollowUp>,
    pub handovers: Vec<HandoverRecord>,
    pub sign_off: Option<LogSignOff>,
    /// Every line ever written; the server checks it never goes down.
    pub entry_count: usize,
    pub timeline: Vec<TimelineEntry>,
}

impl DutyLogView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(
        estate: &str,
        day_start: DateTime<Utc>,
        events: &[Event<DutyEvent>],
    ) -> Self {
        let mut view = DutyLogView {
            estate: estate.to_owned(),
            day_start,
            entries: Vec::new(),
            open_follow_ups: Vec::new(),
            handovers: Vec::new(),
            sign_off: None,
            entry_count: 0,
            timeline: Vec::new(),
        };
        view.timeline = replay(&mut view, events);
        view.keep_every_line(events);
        view.entry_count = view.entries.len();
        view.open_follow_ups = view.open().map(OpenFollowUp::from).collect();
        view
    }

    /// Puts the lines that took no effect back in their place, marked, and
    /// notes which lines came after the sign-off.
    fn keep_every_line(&mut self, events: &[Event<DutyEvent>]) {
        let reasons: HashMap<&str, &str> = self
            .timeline
            .iter()
            .filter_map(|line| Some((line.event.as_str(), line.superseded.as_deref()?)))
            .collect();
        let mut entries = std::mem::take(&mut self.entries).into_iter();
        let mut handovers = std::mem::take(&mut self.handovers).into_iter();
        let mut signed = false;
        for event in events {
            let reason = reasons.get(event.id.as_str()).copied();
            match (&event.body, reason) {
                (DutyEvent::EntryAppended(entry), _) => {
                    let line = match reason {
                        Some(_) => Some(LogEntry::new(event, entry, reason)),
                        None => entries.next(),
                    };
                    let line = line.map(|line| LogEntry {
                        after_sign_off: signed,
                        ..line
                    });
                    self.entries.extend(line);
                }
                (DutyEvent::HandedOver(handover), Some(_)) => {
                    let record = HandoverRecord::new(event, handover, reason);
                    self.handovers.push(record);
                }
                (DutyEvent::HandedOver(_), None) => self.handovers.extend(handovers.next()),
                (DutyEvent::SignedOff { .. }, None) => signed = true,
                (DutyEvent::SignedOff { .. }, Some(_)) => {}
            }
        }
    }

    /// The entry with this id, as currently read.
    pub fn entry(&self, id: &str) -> Option<&LogEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// The entries whose follow-up is still to be done.
    fn open(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter().filter(|entry| entry.is_open())
    }

    fn lookup(&self, id: &str) -> Result<&LogEntry, String> {
        self.entry(id)
            .filter(|entry| entry.superseded.is_none())
            .ok_or_else(|| format!("no entry {id} in this log"))
    }

    fn check_entry(&self, entry: &Entry) -> Result<(), String> {
        match &entry.refers_to {
            None => Ok(()),
            Some(EntryRef::Closes(id)) => self.check_close(id),
            Some(EntryRef::Corrects(id)) => self.check_correct(id),
        }
    }

    fn check_close(&self, id: &str) -> Result<(), String> {
        let target = self.lookup(id)?;
        if let Some(correction) = &target.corrected_by {
            return Err(format!(
                "the entry was corrected by {}; close the correction",
                correction.entry
            ));
        }
        match (&target.closed_by, target.follow_up) {
            (_, false) => Err("the entry has no follow-up to close".into()),
            (Some(closure), _) => Err(format!("already closed by {}", closure.entry)),
            (None, true) => Ok(()),
        }
    }

    fn check_correct(&self, id: &str) -> Result<(), String> {
        match &self.lookup(id)?.corrected_by {
            Some(correction) => Err(format!(
                "already corrected by {}; correct that entry instead",
                correction.entry
            )),
            None => Ok(()),
        }
    }

    fn check_handover(&self, handover: &Handover) -> Result<(), String> {
        if let Some(unknown) = handover
            .acknowledged
            .iter()
            .find(|id| self.lookup(id).is_err())
        {
            return Err(format!("no entry {unknown} in this log"));
        }
        let important: Vec<&str> = self
            .open()
            .filter(|entry| entry.important)
            .map(|entry| entry.text.as_str())
            .collect();
        if !important.is_empty() {
            return Err(format!(
                "important work is unfinished: {}",
                important.join("; ")
            ));
        }
        let unread: Vec<&str> = self
            .open()
            .filter(|entry| !handover.acknowledged.contains(&entry.id))
            .map(|entry| entry.text.as_str())
            .collect();
        if unread.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the incoming officer has not acknowledged: {}",
                unread.join("; ")
            ))
        }
    }

    fn apply_entry(&mut self, event: &Event<DutyEvent>, entry: &Entry) {
        let line = LogEntry::new(event, entry, None);
        let link = EntryLink {
            entry: line.id.clone(),
            text: line.text.clone(),
            user: line.user.clone(),
            at: line.at,
        };
        if let Some(reference) = &entry.refers_to {
            let target = self.entries.iter_mut().find(|e| e.id == reference.entry());
            if let Some(target) = target {
                match reference {
                    EntryRef::Closes(_) => target.closed_by = Some(link),
                    EntryRef::Corrects(_) => target.corrected_by = Some(link),
                }
            }
        }
        self.entries.push(line);
    }
}

impl LogEntry {
    fn new(event: &Event<DutyEvent>, entry: &Entry, superseded: Option<&str>) -> Self {
        LogEntry {
            id: event.id.clone(),
            at: event.at,
            user: event.user.clone(),
            text: entry.text.clone(),
            category: entry.category,
            important: entry.important,
            follow_up: entry.follow_up,
            refers_to: entry.refers_to.clone(),
            closed_by: None,
            corrected_by: None,
            after_sign_off: false,
            superseded: superseded.map(str::to_owned),
        }
    }

    /// A follow-up still to be done: not closed, and not replaced by a
    /// correction (which carries its own follow-up if one is still needed).
    pub fn is_open(&self) -> bool {
        self.follow_up
            && self.closed_by.is_none()
            && self.corrected_by.is_none()
            && self.superseded.is_none()
    }
}

impl From<&LogEntry> for OpenFollowUp {
    fn from(entry: &LogEntry) -> Self {
        OpenFollowUp {
            entry: entry.id.clone(),
            text: entry.text.clone(),
            important: entry.important,
            at: entry.at,
        }
    }
}

impl HandoverRecord {
    fn new(event: &Event<DutyEvent>, handover: &Handover, superseded: Option<&str>) -> Self {
        HandoverRecord {
            shortfalls: handover
                .equipment
                .iter()
                .filter(|line| line.missing() > 0)
                .cloned()
                .collect(),
            handover: handover.clone(),
            handed_over_at: event.at,
            user: event.user.clone(),
            superseded: superseded.map(str::to_owned),
        }
    }
}

impl Lifecycle for DutyLogView {
    type Event = DutyEvent;

    fn check(&self, event: &DutyEvent) -> Result<(), String> {
        match event {
            DutyEvent::EntryAppended(entry) => self.check_entry(entry),
            DutyEvent::HandedOver(handover) => self.check_handover(handover),
            DutyEvent::SignedOff { .. } => match &self.sign_off {
                Some(done) => Err(format!("already signed off by {}", done.signature.signer)),
                None => Ok(()),
            },
        }
    }

    fn apply(&mut self, event: &Event<DutyEvent>) {
        match &event.body {
            DutyEvent::EntryAppended(entry) => self.apply_entry(event, entry),
            DutyEvent::HandedOver(handover) => {
                self.handovers
                    .push(HandoverRecord::new(event, handover, None));
            }
            DutyEvent::SignedOff { signature, comment } => {
                self.sign_off = Some(LogSignOff {
                    signature: signature.clone(),
                    comment: comment.clone(),
                    user: event.user.clone(),
                    at: event.at,
                });
            }
        }
    }
}
