//! The plain records and enums several record kinds share: who the phone
//! acts for, signatures and photos (by the SHA-256 of their image), notes,
//! callbacks, timelines, deadlines and list rows. Times cross the boundary
//! as `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`, Python
//! `datetime`), kept to the millisecond as records store them.
//!
//! Also the conversions to and from the core's types, which stay private:
//! apps see only these.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use stairwell_core::kinds::{self, BlobHash, IndexEntry};
use stairwell_core::protocol::{EstateInfo, Identity as CoreIdentity};
use stairwell_core::record::{self, ConflictValue, TimelineEntry};
use stairwell_core::rules::{self, RuleId};

use crate::error::{Result, StairwellError};

/// Declares an enum of the bindings that mirrors a core enum variant for
/// variant, with conversions both ways.
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $name:ident <=> $core:ty {
            $($(#[$vmeta:meta])* $variant:ident),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        #[allow(dead_code)]
        impl $name {
            /// Every variant, in declaration order.
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant,)*];
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                type Core = $core;
                match value {
                    $(Core::$variant => $name::$variant,)*
                }
            }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                type Core = $core;
                match value {
                    $($name::$variant => Core::$variant,)*
                }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// The time a verb is recorded at: the wall clock to the millisecond, the
/// precision documents keep, so a time written reads back exactly.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// A core time as the bindings pass it.
pub(crate) fn time(at: DateTime<Utc>) -> SystemTime {
    SystemTime::from(at)
}

/// An optional core time as the bindings pass it.
pub(crate) fn time_opt(at: Option<DateTime<Utc>>) -> Option<SystemTime> {
    at.map(time)
}

/// A time from the app, to the millisecond.
pub(crate) fn utc(at: SystemTime) -> DateTime<Utc> {
    let at = DateTime::<Utc>::from(at);
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// An optional time from the app.
pub(crate) fn utc_opt(at: Option<SystemTime>) -> Option<DateTime<Utc>> {
    at.map(utc)
}

/// Parses a record id given by the app.
pub(crate) fn record_id(id: &str) -> Result<record::RecordId> {
    id.trim()
        .parse()
        .map_err(|_| StairwellError::invalid("record_id", format!("{id:?} is not a record id")))
}

/// Parses the SHA-256 of an image given by the app.
pub(crate) fn blob(field: &str, sha256: &str) -> Result<BlobHash> {
    sha256.parse().map_err(|_| {
        StairwellError::invalid(
            field,
            format!("{sha256:?} is not the SHA-256 of an image (64 hex digits)"),
        )
    })
}

mirror_enum! {
    /// A person's role, which decides the verbs they may use.
    Role <=> record::Role {
        /// Property officers walking rounds.
        Patrol,
        /// Engineering technicians working repair sheets.
        Technician,
        /// Customer-service reception: opens sheets and complaints, keeps
        /// the duty log.
        FrontDesk,
        /// Engineering and customer-service supervisors.
        Supervisor,
        /// Office staff and managers: read everything, resolve conflicts.
        Office,
        /// Administrators: every verb.
        Admin,
    }
}

mirror_enum! {
    /// The kinds of record.
    RecordKind <=> record::RecordKind {
        /// A repair request worked by engineering.
        RepairSheet,
        /// One officer's walk of a patrol route.
        PatrolRound,
        /// A planned patrol route (supervisors define them).
        RouteTemplate,
        /// An inspection sheet filled in on site.
        Checklist,
        /// The items of an inspection sheet (supervisors define them).
        ChecklistTemplate,
        /// A resident's complaint or help request.
        Complaint,
        /// An estate's duty log for one duty day.
        DutyLog,
    }
}

mirror_enum! {
    /// The resident's satisfaction rating.
    Satisfaction <=> kinds::Satisfaction {
        /// Very satisfied.
        VerySatisfied,
        /// Satisfied.
        Satisfied,
        /// Neither satisfied nor dissatisfied.
        Neutral,
        /// Dissatisfied.
        Dissatisfied,
    }
}

mirror_enum! {
    /// How a resident was called back.
    CallbackMethod <=> kinds::CallbackMethod {
        /// In person: needs the resident's signature.
        InPerson,
        /// By phone.
        Phone,
    }
}

/// An estate the phone's user works at.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Estate {
    /// The estate's id, as records name it.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its IANA time zone (e.g. `Asia/Shanghai`): deadlines are local to it.
    pub time_zone: String,
}

/// Who this phone acts for, as the server said at enrollment. Every verb
/// is recorded under this user and device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Identity {
    /// The user's id.
    pub user: String,
    /// The user's display name (also the signer of their own signatures).
    pub name: String,
    /// The user's role.
    pub role: Role,
    /// This phone's device id.
    pub device: String,
    /// The estates the user works at and this phone syncs.
    pub estates: Vec<Estate>,
    /// The server this phone syncs with.
    pub server_url: String,
}

impl Identity {
    pub(crate) fn new(identity: CoreIdentity, server_url: &str) -> Self {
        Identity {
            user: identity.user,
            name: identity.name,
            role: identity.role.into(),
            device: identity.device,
            estates: identity.estates.into_iter().map(Estate::from).collect(),
            server_url: server_url.to_owned(),
        }
    }
}

impl From<EstateInfo> for Estate {
    fn from(estate: EstateInfo) -> Self {
        Estate {
            id: estate.id,
            name: estate.name,
            time_zone: estate.time_zone,
        }
    }
}

/// A handwritten signature captured on the phone: the image itself travels
/// beside the record, named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Signature {
    /// The SHA-256 of the signature image, as 64 hex digits.
    pub image_sha256: String,
    /// Who signed.
    pub signer: String,
}

impl Signature {
    pub(crate) fn to_core(&self) -> Result<kinds::Signature> {
        Ok(kinds::Signature::new(
            blob("image_sha256", &self.image_sha256)?,
            self.signer.as_str(),
        )?)
    }

    pub(crate) fn to_core_opt(signature: Option<&Signature>) -> Result<Option<kinds::Signature>> {
        signature.map(Signature::to_core).transpose()
    }
}

impl From<kinds::Signature> for Signature {
    fn from(signature: kinds::Signature) -> Self {
        Signature {
            image_sha256: signature.blob.to_string(),
            signer: signature.signer,
        }
    }
}

/// A callback to the resident after a repair or a handled complaint.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResidentCallback {
    /// In person or by phone.
    pub method: CallbackMethod,
    /// The resident's signature; required for a callback in person.
    #[uniffi(default = None)]
    pub resident_signature: Option<Signature>,
    /// Whether the resident was satisfied; if not, the case is called back
    /// again once fixed.
    pub satisfied: bool,
    /// What the resident said, and what was done about it.
    pub outcome: String,
    /// When a problem raised is to be fixed, if not at once.
    #[uniffi(default = None)]
    pub follow_up_by: Option<SystemTime>,
}

impl ResidentCallback {
    pub(crate) fn to_core(&self) -> Result<kinds::Callback> {
        Ok(kinds::Callback {
            method: self.method.into(),
            signature: Signature::to_core_opt(self.resident_signature.as_ref())?,
            satisfied: self.satisfied,
            outcome: self.outcome.clone(),
            follow_up_by: utc_opt(self.follow_up_by),
        })
    }
}

/// A callback as recorded, with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResidentCallbackView {
    /// In person or by phone.
    pub method: CallbackMethod,
    /// Who signed, for a callback in person.
    pub resident_signer: Option<String>,
    /// Whether the resident was satisfied.
    pub satisfied: bool,
    /// What the resident said, and what was done.
    pub outcome: String,
    /// When a problem raised is to be fixed.
    pub follow_up_by: Option<SystemTime>,
    /// Who called back.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

impl From<&kinds::CallbackRecord> for ResidentCallbackView {
    fn from(record: &kinds::CallbackRecord) -> Self {
        let callback = &record.callback;
        ResidentCallbackView {
            method: callback.method.into(),
            resident_signer: callback.signature.as_ref().map(|s| s.signer.clone()),
            satisfied: callback.satisfied,
            outcome: callback.outcome.clone(),
            follow_up_by: time_opt(callback.follow_up_by),
            user: record.user.clone(),
            at: time(record.at),
        }
    }
}

/// A free-text note on a record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Note {
    /// The note.
    pub text: String,
    /// Who wrote it.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

impl From<&kinds::Note> for Note {
    fn from(note: &kinds::Note) -> Self {
        Note {
            text: note.text.clone(),
            user: note.user.clone(),
            at: time(note.at),
        }
    }
}

/// A photo attached to a record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Photo {
    /// The SHA-256 of the image, as 64 hex digits.
    pub image_sha256: String,
    /// Its caption, possibly empty.
    pub caption: String,
    /// Who attached it.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

impl From<&kinds::Photo> for Photo {
    fn from(photo: &kinds::Photo) -> Self {
        Photo {
            image_sha256: photo.blob.to_string(),
            caption: photo.caption.clone(),
            user: photo.user.clone(),
            at: time(photo.at),
        }
    }
}

/// One line of a record's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimelineLine {
    /// The event's id.
    pub event_id: String,
    /// What happened, e.g. `dispatched`, `arrived`.
    pub event_type: String,
    /// The device's clock when it happened.
    pub at: SystemTime,
    /// Who did it.
    pub user: String,
    /// On which device.
    pub device: String,
    /// Why it took no effect, when a step made at the same time on another
    /// phone ruled it out (e.g. one declined while another agreed).
    pub superseded: Option<String>,
}

impl From<&TimelineEntry> for TimelineLine {
    fn from(entry: &TimelineEntry) -> Self {
        TimelineLine {
            event_id: entry.event.clone(),
            event_type: entry.kind.clone(),
            at: time(entry.at),
            user: entry.user.clone(),
            device: entry.device.clone(),
            superseded: entry.superseded.clone(),
        }
    }
}

pub(crate) fn timeline(entries: &[TimelineEntry]) -> Vec<TimelineLine> {
    entries.iter().map(TimelineLine::from).collect()
}

/// The next deadline a record waits on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Due {
    /// The last instant that is still on time.
    pub due_at: SystemTime,
    /// Seconds left until then, when this was read; negative once late.
    pub time_left_seconds: i64,
    /// Whether it was already late when this was read.
    pub overdue: bool,
    /// The rule's stable code, e.g. `repair.urgent_handled`.
    pub rule_code: String,
    /// The rule in a sentence, e.g. "an urgent repair is on site or handled
    /// within 15 min of the report".
    pub rule: String,
}

impl Due {
    /// The deadline of an index row, read at `now`.
    pub(crate) fn of(entry: &IndexEntry, now: DateTime<Utc>) -> Option<Due> {
        let due = entry.due?;
        let code = entry.due_rule.clone().unwrap_or_default();
        Some(Due::new(due, code, now))
    }

    pub(crate) fn of_deadline(deadline: rules::Deadline, now: DateTime<Utc>) -> Due {
        Due::new(deadline.due, deadline.rule.code().to_owned(), now)
    }

    fn new(due: DateTime<Utc>, code: String, now: DateTime<Utc>) -> Due {
        let rule = RuleId::from_code(&code)
            .map(|rule| rule.describe().to_owned())
            .unwrap_or_else(|| code.clone());
        Due {
            due_at: time(due),
            time_left_seconds: (due - now).num_seconds(),
            overdue: now > due,
            rule_code: code,
            rule,
        }
    }
}

/// A record as lists show it, read from the index without loading it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordSummary {
    /// The record's id.
    pub id: String,
    /// Its kind.
    pub kind: RecordKind,
    /// Its estate.
    pub estate: String,
    /// Its lifecycle state's code, e.g. `dispatched`.
    pub state: String,
    /// Whether it still needs someone's action.
    pub is_open: bool,
    /// A one-line summary.
    pub title: String,
    /// Building, unit or area, where it has one.
    pub location: Option<String>,
    /// Who it waits on (assigned technician, officer on duty...).
    pub assignee: Option<String>,
    /// The next deadline, if any.
    pub due: Option<Due>,
    /// How many fields are in conflict.
    pub conflicts: u32,
    /// When it last changed (device time of its latest step).
    pub updated_at: SystemTime,
}

impl RecordSummary {
    pub(crate) fn new(entry: &IndexEntry, now: DateTime<Utc>) -> Self {
        RecordSummary {
            id: entry.id.to_string(),
            kind: entry.kind.into(),
            estate: entry.estate.clone(),
            state: entry.state.clone(),
            is_open: entry.open,
            title: entry.title.clone(),
            location: entry.location.clone(),
            assignee: entry.assignee.clone(),
            due: Due::of(entry, now),
            conflicts: count(entry.conflicts),
            updated_at: time(entry.updated_at),
        }
    }
}

/// Which records to list; every filter left empty matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RecordFilter {
    /// Only this kind.
    #[uniffi(default = None)]
    pub kind: Option<RecordKind>,
    /// Only this estate.
    #[uniffi(default = None)]
    pub estate: Option<String>,
    /// Only this lifecycle state's code, e.g. `dispatched`.
    #[uniffi(default = None)]
    pub state: Option<String>,
    /// Only records that still need someone's action.
    #[uniffi(default = false)]
    pub open_only: bool,
    /// Only records waiting on this user.
    #[uniffi(default = None)]
    pub assignee: Option<String>,
    /// At most this many.
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

/// One value competing in a conflict.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictChoice {
    /// The number to pass to `resolveConflict` to keep this value.
    pub pick: u32,
    /// The value as text: a string as it is, anything else as JSON.
    pub value: String,
    /// Who wrote it.
    pub user: String,
    /// On which device.
    pub device: String,
    /// When.
    pub at: SystemTime,
}

/// A field two people corrected at the same time, offline, to different
/// values. Both are kept until someone picks one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldConflict {
    /// The field, e.g. `phone`, or `item.lamps` for a checklist answer.
    pub field: String,
    /// The competing values, in the same order on every phone.
    pub choices: Vec<ConflictChoice>,
}

impl From<&record::Conflict> for FieldConflict {
    fn from(conflict: &record::Conflict) -> Self {
        FieldConflict {
            field: conflict.field.clone(),
            choices: conflict
                .values
                .iter()
                .enumerate()
                .map(|(pick, value)| ConflictChoice::new(pick, value))
                .collect(),
        }
    }
}

impl ConflictChoice {
    fn new(pick: usize, value: &ConflictValue) -> Self {
        ConflictChoice {
            pick: count(pick),
            value: value_text(&value.value),
            user: value.user.clone(),
            device: value.device.clone(),
            at: time(value.at),
        }
    }
}

pub(crate) fn conflicts(conflicts: &[record::Conflict]) -> Vec<FieldConflict> {
    conflicts.iter().map(FieldConflict::from).collect()
}

/// A field's value as a person reads it: strings bare, the rest as JSON.
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

/// A count as the bindings pass it.
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_to_the_millisecond() {
        let at = now();
        assert_eq!(utc(time(at)), at);
    }

    #[test]
    fn due_describes_its_rule_and_counts_down() {
        let now = now();
        let due = Due::new(
            now + chrono::Duration::minutes(10),
            "repair.urgent_handled".into(),
            now,
        );
        assert_eq!(due.time_left_seconds, 600);
        assert!(!due.overdue);
        assert!(due.rule.contains("urgent"), "{}", due.rule);
    }

    #[test]
    fn conflict_values_read_as_text() {
        assert_eq!(value_text(&serde_json::json!("138")), "138");
        assert_eq!(value_text(&serde_json::json!(true)), "true");
    }
}
