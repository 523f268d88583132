//! The one rulebook: what a step may be, checked by the same function on the
//! phone, before a verb appends its event, and on the server, for every
//! event a push adds, against the record as that event's author saw it.
//!
//! A kind states its rules once, in its [`Rulebook`] implementation: the
//! inputs each event must carry in the form its verb writes them, who may
//! take the step given the record (only the assigned technician arrives),
//! and which fields may be written by which step. [`judge_step`] adds the
//! lifecycle ([`Lifecycle::check`]) and the role table ([`may`]). A verb is
//! a thin constructor of an event; because the match over a kind's events in
//! `admit` is exhaustive, a new event cannot be added without its rules.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Editor, FieldValue, Lifecycle, RecordDoc, RecordError, RecordId, Role, Verb, may};

/// Who is taking a step, when, and what is known of the estate's staff.
#[derive(Clone, Copy)]
pub struct Step<'a> {
    pub editor: &'a Editor,
    pub at: DateTime<Utc>,
    /// The record's estate.
    pub estate: &'a str,
    /// The record the step is taken on.
    pub record: RecordId,
    /// The estate's staff, where known: the server always knows them; a
    /// phone may not, and then the server is the one that checks names.
    pub staff: Option<&'a dyn Staff>,
}

impl std::fmt::Debug for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("editor", self.editor)
            .field("at", &self.at)
            .field("estate", &self.estate)
            .finish()
    }
}

/// The users of the estates, as the rules need them: a step naming a
/// person (the technician a sheet is dispatched to) names a real one.
pub trait Staff: Sync {
    /// The role of `user` if they work at `estate`.
    fn role_at(&self, estate: &str, user: &str) -> Option<Role>;
}

impl<'a> Step<'a> {
    /// A step taken by a verb on the phone, which knows no staff list.
    pub fn on_device(editor: &'a Editor, at: DateTime<Utc>, header: &'a super::Header) -> Self {
        Step {
            editor,
            at,
            estate: &header.estate,
            record: header.id,
            staff: None,
        }
    }

    /// Checks that `user` works at the record's estate in one of `roles`
    /// (admins may stand in for anyone). Passes when the staff are unknown.
    pub fn names_staff(&self, field: &str, user: &str, roles: &[Role]) -> Result<(), RecordError> {
        let Some(staff) = self.staff else {
            return Ok(());
        };
        match staff.role_at(self.estate, user) {
            Some(role) if role == Role::Admin || roles.contains(&role) => Ok(()),
            Some(role) => Err(RecordError::invalid(
                field,
                format!("{user} is a {role} at {}", self.estate),
            )),
            None => Err(RecordError::invalid(
                field,
                format!("{user} does not work at {}", self.estate),
            )),
        }
    }
}

/// A kind's rules over its folded state.
pub trait Rulebook: Lifecycle + Clone
where
    Self::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    /// The kind's state as a document holds it: what the verbs read.
    fn of_doc(doc: &RecordDoc) -> Self;

    /// The verb that appends `event`, for the role table.
    fn verb(event: &Self::Event) -> Verb;

    /// The event as its verb writes it: every input checked and normalised,
    /// and the checks that depend on who acts or on the record beyond its
    /// lifecycle. The server refuses a pushed event unless this returns it
    /// unchanged.
    fn admit(&self, step: &Step<'_>, event: Self::Event) -> Result<Self::Event, RecordError>;

    /// Whether a change that appends `events` may also write `name` with
    /// `value` (JSON), and under which verb: the field table of the kind.
    /// Returns the value as the verb writes it. Conflict resolutions are
    /// judged before this, in one place for every kind.
    fn admit_field(
        &self,
        step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        events: &[Self::Event],
    ) -> Result<(serde_json::Value, Verb), RecordError>;

    /// Folds a field write the judge admitted into the state, as a later
    /// read of the document would: how the server carries the state from
    /// one change to the next without reading the record again.
    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>);

    /// Fields that a change appending `events` must write (a new sheet's
    /// intake): a step is refused if it leaves one out. Asked of the state
    /// with the change's field writes applied, so what is required may
    /// depend on what is written (a public-area sheet needs no resident).
    fn required_fields(&self, _events: &[Self::Event]) -> &'static [&'static str] {
        &[]
    }
}

/// Every check a step makes before its event is appended, in the order a
/// person would want to hear them: the inputs, then the record's state,
/// then the role. Returns the event as it is to be written.
pub fn judge_step<R>(state: &R, step: &Step<'_>, event: R::Event) -> Result<R::Event, RecordError>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let event = state.admit(step, event)?;
    let verb = R::verb(&event);
    state
        .check(&event)
        .map_err(|reason| RecordError::not_now(verb, reason))?;
    if !may(step.editor.role, verb) {
        return Err(RecordError::Forbidden {
            role: step.editor.role,
            verb,
        });
    }
    Ok(event)
}

/// A field value parsed as `T` and written back, for kinds whose field
/// table is a serde enum (`{"field": name, "value": v}`).
pub fn parse_field<T: DeserializeOwned>(
    name: &str,
    value: &serde_json::Value,
) -> Result<T, RecordError> {
    serde_json::from_value(serde_json::json!({ "field": name, "value": value })).map_err(|_| {
        RecordError::invalid(
            name,
            format!("no field {name:?} holds {value} in this kind of record"),
        )
    })
}

/// The JSON of a value a verb writes.
pub fn to_json<T: Serialize>(field: &str, value: &T) -> Result<serde_json::Value, RecordError> {
    serde_json::to_value(value).map_err(|err| RecordError::invalid(field, err.to_string()))
}

/// The value of a field-table enum serialised as `{"field", "value"}`.
pub fn field_value<T: Serialize>(tagged: &T) -> serde_json::Value {
    match serde_json::to_value(tagged) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.remove("value").unwrap_or(serde_json::Value::Null)
        }
        _ => serde_json::Value::Null,
    }
}

/// Whether `claimed` is after `written` (a step's time): compared to the
/// millisecond, the precision an event's time is stored with, so the phone
/// and the server (which reads the stored time) judge alike.
pub fn later_than(claimed: DateTime<Utc>, written: DateTime<Utc>) -> bool {
    claimed.timestamp_millis() > written.timestamp_millis()
}
