//! The duty log (docs/DOMAIN.md §6): one per estate per duty day (08:30 to 08:30 in
//! the estate's time zone). No line is ever altered or removed: closing a
//! follow-up or correcting a mistake is a new line that points at the old
//! one. Officers hand over with an equipment count and the open follow-ups;
//! the supervisor signs the log each morning.
//!
//! Appending and handing over act on the current duty day's log and open
//! it when the phone lacks it: every phone derives the very same record, so
//! logs opened offline on two desks merge into one.

use std::time::SystemTime;

use chrono::NaiveDate;
use stairwell_core::kinds::Signature as CoreSignature;
use stairwell_core::kinds::duty_log::{self as core, DutyLog, EntryRef, NewEntry as CoreEntry};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::rules::duty_day::duty_day_of;
use stairwell_core::store::Store;

use crate::error::Result;
use crate::store::{FieldStore, Me};
use crate::types::{TimelineLine, blob, mirror_enum, time, timeline, utc};

mirror_enum! {
    /// What a line of the log is about.
    DutyEntryCategory <=> core::EntryCategory {
        /// A phone call.
        Call,
        /// A visitor.
        Visit,
        /// An incident.
        Incident,
        /// A follow-up, or the closing of one.
        FollowUp,
        /// The shared equipment.
        Equipment,
        /// Anything else.
        Other,
    }
}

/// A line to write in the log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewDutyEntry {
    /// What happened.
    pub text: String,
    /// What it is about.
    pub category: DutyEntryCategory,
    /// Important work: while its follow-up is open, no one hands over.
    #[uniffi(default = false)]
    pub important: bool,
    /// Something still to be done, carried to the next shift until closed.
    #[uniffi(default = false)]
    pub follow_up: bool,
}

impl NewDutyEntry {
    fn core(&self) -> CoreEntry {
        CoreEntry {
            text: self.text.clone(),
            category: self.category.into(),
            important: self.important,
            follow_up: self.follow_up,
        }
    }
}

/// Where a line was written: its log and its own id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DutyEntryRef {
    /// The duty log's record id.
    pub log_id: String,
    /// The entry's id within it.
    pub entry_id: String,
}

/// One line of the shared equipment count.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EquipmentCount {
    /// The item, e.g. "radio".
    pub item: String,
    /// How many there should be.
    pub expected: u32,
    /// How many were counted.
    pub counted: u32,
    /// What happened to anything missing; required when short.
    #[uniffi(default = "")]
    pub note: String,
}

impl From<&EquipmentCount> for core::EquipmentCount {
    fn from(count: &EquipmentCount) -> Self {
        core::EquipmentCount {
            item: count.item.clone(),
            expected: count.expected,
            counted: count.counted,
            note: count.note.clone(),
        }
    }
}

impl From<&core::EquipmentCount> for EquipmentCount {
    fn from(count: &core::EquipmentCount) -> Self {
        EquipmentCount {
            item: count.item.clone(),
            expected: count.expected,
            counted: count.counted,
            note: count.note.clone(),
        }
    }
}

/// A handover of the desk from one officer to the next, both signing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Handover {
    /// The officer going off duty.
    pub outgoing: String,
    /// The officer coming on duty.
    pub incoming: String,
    /// When the incoming officer arrived (5 minutes early, the rules say).
    pub incoming_arrived_at: SystemTime,
    /// The shared equipment, counted.
    pub equipment: Vec<EquipmentCount>,
    /// The open follow-ups the incoming officer read and took on, by entry id.
    pub acknowledged_entry_ids: Vec<String>,
    /// The SHA-256 of the outgoing officer's signature image.
    pub outgoing_signature_sha256: String,
    /// The SHA-256 of the incoming officer's signature image.
    pub incoming_signature_sha256: String,
}

impl Handover {
    fn core(&self) -> Result<core::Handover> {
        let signature = |field: &str, sha256: &str, signer: &str| -> Result<CoreSignature> {
            Ok(CoreSignature::new(blob(field, sha256)?, signer)?)
        };
        Ok(core::Handover {
            outgoing: self.outgoing.clone(),
            incoming: self.incoming.clone(),
            incoming_arrived_at: utc(self.incoming_arrived_at),
            equipment: self.equipment.iter().map(Into::into).collect(),
            acknowledged: self.acknowledged_entry_ids.clone(),
            outgoing_signature: signature(
                "outgoing_signature_sha256",
                &self.outgoing_signature_sha256,
                &self.outgoing,
            )?,
            incoming_signature: signature(
                "incoming_signature_sha256",
                &self.incoming_signature_sha256,
                &self.incoming,
            )?,
        })
    }
}

/// A later line, as shown against the line it is about.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DutyEntryLink {
    /// The later line's id.
    pub entry_id: String,
    /// Its text.
    pub text: String,
    /// Who wrote it.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

/// A line of the log, with what later lines say about it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DutyEntryView {
    /// The line's id.
    pub id: String,
    /// When it was written.
    pub at: SystemTime,
    /// Who wrote it.
    pub user: String,
    /// What it says.
    pub text: String,
    /// What it is about.
    pub category: DutyEntryCategory,
    /// Important work.
    pub important: bool,
    /// Carries a follow-up.
    pub follow_up: bool,
    /// The earlier line whose follow-up this one closes.
    pub closes_entry_id: Option<String>,
    /// The earlier line this one corrects.
    pub corrects_entry_id: Option<String>,
    /// The line that closed this one's follow-up.
    pub closed_by: Option<DutyEntryLink>,
    /// The line that corrected this one (its reading replaces this one's).
    pub corrected_by: Option<DutyEntryLink>,
    /// Written after the supervisor signed the log.
    pub after_sign_off: bool,
    /// Why it took no effect, when a line written at the same time on
    /// another phone ruled it out.
    pub superseded: Option<String>,
}

fn link(link: &core::EntryLink) -> DutyEntryLink {
    DutyEntryLink {
        entry_id: link.entry.clone(),
        text: link.text.clone(),
        user: link.user.clone(),
        at: time(link.at),
    }
}

impl From<&core::LogEntry> for DutyEntryView {
    fn from(entry: &core::LogEntry) -> Self {
        let (closes, corrects) = match &entry.refers_to {
            Some(EntryRef::Closes(id)) => (Some(id.clone()), None),
            Some(EntryRef::Corrects(id)) => (None, Some(id.clone())),
            None => (None, None),
        };
        DutyEntryView {
            id: entry.id.clone(),
            at: time(entry.at),
            user: entry.user.clone(),
            text: entry.text.clone(),
            category: entry.category.into(),
            important: entry.important,
            follow_up: entry.follow_up,
            closes_entry_id: closes,
            corrects_entry_id: corrects,
            closed_by: entry.closed_by.as_ref().map(link),
            corrected_by: entry.corrected_by.as_ref().map(link),
            after_sign_off: entry.after_sign_off,
            superseded: entry.superseded.clone(),
        }
    }
}

/// A follow-up still to be done.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenFollowUp {
    /// The line carrying it.
    pub entry_id: String,
    /// What is to be done.
    pub text: String,
    /// Important: blocks the handover until closed.
    pub important: bool,
    /// When it was written.
    pub at: SystemTime,
}

/// A handover as recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HandoverView {
    /// The officer going off duty.
    pub outgoing: String,
    /// The officer coming on duty.
    pub incoming: String,
    /// When the incoming officer arrived.
    pub incoming_arrived_at: SystemTime,
    /// When the desk was handed over.
    pub handed_over_at: SystemTime,
    /// The equipment as counted.
    pub equipment: Vec<EquipmentCount>,
    /// The lines counted short.
    pub shortfalls: Vec<EquipmentCount>,
    /// The follow-ups the incoming officer took on.
    pub acknowledged_entry_ids: Vec<String>,
    /// Who recorded it.
    pub user: String,
    /// Why it took no effect, if a concurrent line ruled it out.
    pub superseded: Option<String>,
}

/// The supervisor's signature on the log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DutySignOff {
    /// Who signed.
    pub signer: String,
    /// The supervisor's comment.
    pub comment: String,
    /// When.
    pub at: SystemTime,
}

/// Everything a duty log's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DutyLogView {
    /// The log's record id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// The duty date, `YYYY-MM-DD`, in the estate's time zone.
    pub duty_date: String,
    /// When the duty day starts (08:30 local).
    pub day_start: SystemTime,
    /// Every line ever written, in order.
    pub entries: Vec<DutyEntryView>,
    /// The follow-ups still to be done.
    pub open_follow_ups: Vec<OpenFollowUp>,
    /// The handovers.
    pub handovers: Vec<HandoverView>,
    /// The supervisor's signature, once signed.
    pub sign_off: Option<DutySignOff>,
    /// The history.
    pub timeline: Vec<TimelineLine>,
}

impl DutyLogView {
    pub(crate) fn new(log: &DutyLog, duty_date: Option<NaiveDate>) -> Self {
        let view = log.view();
        DutyLogView {
            id: log.id().to_string(),
            estate: view.estate.clone(),
            duty_date: duty_date.map(|date| date.to_string()).unwrap_or_default(),
            day_start: time(view.day_start),
            entries: view.entries.iter().map(DutyEntryView::from).collect(),
            open_follow_ups: view
                .open_follow_ups
                .iter()
                .map(|open| OpenFollowUp {
                    entry_id: open.entry.clone(),
                    text: open.text.clone(),
                    important: open.important,
                    at: time(open.at),
                })
                .collect(),
            handovers: view
                .handovers
                .iter()
                .map(|record| HandoverView {
                    outgoing: record.handover.outgoing.clone(),
                    incoming: record.handover.incoming.clone(),
                    incoming_arrived_at: time(record.handover.incoming_arrived_at),
                    handed_over_at: time(record.handed_over_at),
                    equipment: record
                        .handover
                        .equipment
                        .iter()
                        .map(EquipmentCount::from)
                        .collect(),
                    shortfalls: record.shortfalls.iter().map(EquipmentCount::from).collect(),
                    acknowledged_entry_ids: record.handover.acknowledged.clone(),
                    user: record.user.clone(),
                    superseded: record.superseded.clone(),
                })
                .collect(),
            sign_off: view.sign_off.as_ref().map(|sign_off| DutySignOff {
                signer: sign_off.signature.signer.clone(),
                comment: sign_off.comment.clone(),
                at: time(sign_off.at),
            }),
            timeline: timeline(&view.timeline),
        }
    }
}

/// The duty date of a log, in its estate's time zone.
pub(crate) fn duty_date(store: &Store, log: &DutyLog) -> Result<NaiveDate> {
    let tz = store.estate_time_zone(&log.doc().header().estate)?;
    Ok(log.view().day_start.with_timezone(&tz).date_naive())
}

/// Runs `verb` on the current duty day's log of `estate`, in one
/// transaction. A phone that lacks the log opens it in memory, runs the verb
/// on it and stores both only if the verb succeeds: a refused verb leaves
/// no empty log behind.
fn on_current_log<T>(
    store: &mut Store,
    me: &Me,
    estate: Option<&str>,
    verb: impl FnOnce(&mut DutyLog) -> Result<T, RecordError>,
) -> Result<(T, RecordId)> {
    let estate = me.estate(estate)?;
    let tz = store.estate_time_zone(&estate)?;
    let date = duty_day_of(me.at, tz);
    let id = DutyLog::id_for(&estate, date);
    if store.get_entry(id)?.is_some() {
        let result = store.update(id, |record| verb(record.duty_log()?))?;
        return Ok((result, id));
    }
    let mut log = DutyLog::open_for_day(&estate, date, tz)?;
    log.doc_mut().set_actor(store.actor().clone());
    let result = verb(&mut log)?;
    store.insert(log.doc())?;
    Ok((result, id))
}

#[uniffi::export]
impl FieldStore {
    /// Writes a line in the current duty day's log of `estate` (none: the
    /// enrollment's only estate), opening the log if needed.
    #[uniffi::method(default(estate = None))]
    pub fn append_duty_entry(
        &self,
        entry: NewDutyEntry,
        estate: Option<String>,
    ) -> Result<DutyEntryRef> {
        self.write(|store, me| {
            let (entry_id, log) = on_current_log(store, me, estate.as_deref(), |log| {
                log.append_entry(&me.editor, me.at, entry.core())
            })?;
            let written = DutyEntryRef {
                log_id: log.to_string(),
                entry_id,
            };
            Ok((written, vec![log]))
        })
    }

    /// Closes a line's follow-up with a new line giving the outcome.
    pub fn close_duty_follow_up(
        &self,
        log_id: String,
        entry_id: String,
        outcome: String,
    ) -> Result<DutyEntryRef> {
        let written = self.act(&log_id, |record, me| {
            record
                .duty_log()?
                .close_follow_up(&me.editor, me.at, &entry_id, &outcome)
        })?;
        Ok(DutyEntryRef {
            log_id,
            entry_id: written,
        })
    }

    /// Corrects a mistaken line with a new one; the mistaken line stays.
    pub fn correct_duty_entry(
        &self,
        log_id: String,
        entry_id: String,
        correction: NewDutyEntry,
    ) -> Result<DutyEntryRef> {
        let written = self.act(&log_id, |record, me| {
            record
                .duty_log()?
                .correct_entry(&me.editor, me.at, &entry_id, correction.core())
        })?;
        Ok(DutyEntryRef {
            log_id,
            entry_id: written,
        })
    }

    /// Hands the desk over in the current duty day's log of `estate`.
    /// Refused while an important follow-up is open, or while the incoming
    /// officer has not acknowledged every open follow-up. Returns the log's id.
    #[uniffi::method(default(estate = None))]
    pub fn hand_over_duty(&self, handover: Handover, estate: Option<String>) -> Result<String> {
        let handover = handover.core()?;
        self.write(|store, me| {
            let ((), log) = on_current_log(store, me, estate.as_deref(), |log| {
                log.hand_over(&me.editor, me.at, handover)
            })?;
            Ok((log.to_string(), vec![log]))
        })
    }

    /// The supervisor's morning reading and signature of the log `log_id`;
    /// the signer is the enrolled user.
    pub fn sign_off_duty_log(
        &self,
        log_id: String,
        signature_sha256: String,
        comment: String,
    ) -> Result<()> {
        let blob = blob("signature_sha256", &signature_sha256)?;
        self.act(&log_id, |record, me| {
            let signature = CoreSignature::new(blob, me.name.as_str())?;
            record
                .duty_log()?
                .sign_off(&me.editor, me.at, signature, &comment)
        })
    }

    /// The current duty day's log of `estate` (none: the enrollment's only
    /// estate), or `None` while nobody has written in it on this phone or
    /// synced it here.
    #[uniffi::method(default(estate = None))]
    pub fn current_duty_log(&self, estate: Option<String>) -> Result<Option<DutyLogView>> {
        let store = self.lock()?;
        let me = FieldStore::me(&store)?;
        let estate = me.estate(estate.as_deref())?;
        let tz = store.estate_time_zone(&estate)?;
        let date = duty_day_of(me.at, tz);
        let Some(mut record) = store.load(DutyLog::id_for(&estate, date))? else {
            return Ok(None);
        };
        Ok(Some(DutyLogView::new(record.duty_log()?, Some(date))))
    }

    /// The duty log `log_id`, as its screen shows it.
    pub fn duty_log(&self, log_id: String) -> Result<DutyLogView> {
        let (mut record, _) = self.read(&log_id)?;
        let store = self.lock()?;
        let log = record.duty_log()?;
        let date = duty_date(&store, log)?;
        Ok(DutyLogView::new(log, Some(date)))
    }
}
