//! The walk over the changes a push adds, in history order, judging each
//! against the record as its author saw it: the state at that change's
//! dependencies. A device's changes usually form a chain from the heads the
//! server already has, so the state is carried from one change to the next
//! and each event or field write costs what it holds (the kind folds both
//! into its state); only a change that branches off needs the state rebuilt
//! at its heads.

use std::collections::HashSet;
use std::sync::Arc;

use automerge::{Change, ChangeHash, ReadDoc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::changes::{
    Breach, ChangeEdits, Layout, NewEvent, NewSlot, OpKey, decode, only_receipts, over_limit,
};
use super::{Context, refusal_of};
use crate::protocol::RefusalCode;
use crate::record::{
    Editor, Event, RawEvent, RecordDoc, RecordError, Rulebook, Step, Verb, judge_step, may,
};

/// The record as the author of the next change saw it.
struct Tip<R> {
    heads: Vec<ChangeHash>,
    state: R,
    last_event: Option<OpKey>,
}

impl<R: Rulebook> Tip<R>
where
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    /// The state at `heads`, rebuilt from the document.
    fn at(after: &RecordDoc, heads: &[ChangeHash]) -> Result<Self, Breach> {
        let fork = after
            .automerge()
            .fork_at(heads)
            .map_err(|err| (RefusalCode::MissingHistory, err.to_string()))?;
        let doc = RecordDoc::from_automerge(fork)
            .map_err(|err| (RefusalCode::NotARecord, err.to_string()))?;
        Ok(Tip::of(&doc, heads))
    }

    fn of(doc: &RecordDoc, heads: &[ChangeHash]) -> Self {
        Tip {
            heads: sorted(heads),
            state: R::of_doc(doc),
            last_event: doc.last_event_key(heads),
        }
    }
}

/// What the walk needs beside the changes.
pub(super) struct Walk<'a> {
    pub before: Option<&'a RecordDoc>,
    pub after: &'a RecordDoc,
    pub layout: &'a Layout,
    pub context: &'a Context<'a>,
}

/// Judges every change of `changes` (new to the server, in history order;
/// for a new record, without its first change); returns the ids of the
/// events they append.
pub(super) fn judge<R>(walk: &Walk<'_>, changes: &[Change]) -> Result<Vec<String>, Breach>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let limits = walk.context.limits;
    let old = walk.before.map(History::of).unwrap_or_default();
    let mut ids = NewIds {
        old: &old.ids,
        new: HashSet::new(),
        order: Vec::new(),
    };
    let mut count = old.ids.len();
    let mut bytes = old.payload_bytes;
    let mut tip: Option<Tip<R>> = walk.before.map(|doc| Tip::of(doc, &doc.heads()));
    for change in changes {
        let edits = decode(change, walk.layout, limits)?;
        count += edits.events.len();
        limits.events(count).map_err(over_limit)?;
        bytes += edits
            .events
            .iter()
            .map(|event| payload_bytes(&event.raw))
            .sum::<usize>();
        limits.record_bytes(bytes).map_err(over_limit)?;
        let deps = sorted(change.deps());
        let mut current = match tip.take() {
            Some(tip) if tip.heads == deps || saw_all_but_receipts(walk, &tip, &deps) => tip,
            _ => Tip::at(walk.after, &deps)?,
        };
        judge_change(walk, &mut current, &edits, &mut ids)?;
        current.heads = vec![change.hash()];
        tip = Some(current);
    }
    limits
        .fields(walk.after.field_count())
        .map_err(over_limit)?;
    Ok(ids.order)
}

/// What the judge needs of the stored history, kept with the document's
/// other derived values so a record's next push does not read it again.
#[derive(Debug, Clone, Default)]
struct History {
    ids: Arc<HashSet<String>>,
    payload_bytes: usize,
}

impl History {
    fn of(doc: &RecordDoc) -> History {
        doc.memoized("judged_history", || {
            let events = doc.raw_events();
            History {
                ids: Arc::new(events.iter().map(|event| event.id.clone()).collect()),
                payload_bytes: events.iter().map(payload_bytes).sum(),
            }
        })
    }
}

/// Event ids: the stored ones, and those the push adds, in order.
struct NewIds<'a> {
    old: &'a HashSet<String>,
    new: HashSet<String>,
    order: Vec<String>,
}

impl NewIds<'_> {
    /// Takes `id` if no event of the record has it yet.
    fn insert(&mut self, id: &str) -> bool {
        if self.old.contains(id) || !self.new.insert(id.to_owned()) {
            return false;
        }
        self.order.push(id.to_owned());
        true
    }
}

fn judge_change<R>(
    walk: &Walk<'_>,
    tip: &mut Tip<R>,
    edits: &ChangeEdits,
    ids: &mut NewIds<'_>,
) -> Result<(), Breach>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let mut events = Vec::with_capacity(edits.events.len());
    for event in &edits.events {
        events.push(judge_event(walk, tip, event, ids)?);
    }
    for slot in &edits.slots {
        judge_slot(walk, &tip.state, &tip.heads, slot, &events)?;
    }
    for slot in &edits.slots {
        tip.state.apply_field(&slot.name, &slot.value);
    }
    for required in tip.state.required_fields(&events) {
        if !edits.slots.iter().any(|slot| slot.name == *required) {
            return Err((
                RefusalCode::Invalid,
                format!("{required}: is required when the record is opened"),
            ));
        }
    }
    Ok(())
}

fn judge_event<R>(
    walk: &Walk<'_>,
    tip: &mut Tip<R>,
    event: &NewEvent,
    ids: &mut NewIds<'_>,
) -> Result<R::Event, Breach>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let raw = &event.raw;
    walk.context
        .written_by_author(&raw.user, &raw.device, &raw.kind)?;
    if event.after != tip.last_event {
        return Err((
            RefusalCode::HistoryRewritten,
            format!(
                "the {} entry is not appended after the last one its author saw",
                raw.kind
            ),
        ));
    }
    if uuid::Uuid::parse_str(&raw.id).is_err() || !ids.insert(&raw.id) {
        return Err((
            RefusalCode::Invalid,
            format!("the {} entry's id {:?} is not a new one", raw.kind, raw.id),
        ));
    }
    let typed = raw.typed::<R::Event>().ok_or_else(|| {
        (
            RefusalCode::Invalid,
            format!(
                "{} records have no {:?} entries of that shape",
                walk.after.kind(),
                raw.kind
            ),
        )
    })?;
    let editor = walk.context.editor();
    let step = step_of(walk, &editor, raw.at);
    let admitted = judge_step(&tip.state, &step, typed.body).map_err(refusal_of)?;
    if !written_as(raw, &admitted) {
        return Err((
            RefusalCode::Invalid,
            format!("the {} entry is not as its verb writes it", raw.kind),
        ));
    }
    tip.state.apply(&Event {
        id: raw.id.clone(),
        kind: raw.kind.clone(),
        at: raw.at,
        user: raw.user.clone(),
        device: raw.device.clone(),
        body: admitted.clone(),
    });
    tip.last_event = Some(event.key.clone());
    Ok(admitted)
}

/// Whether a change made at `deps` saw the record as the stored `tip` has
/// it, but for the server's receipt times: the usual case, since a phone
/// pushes again before it pulls the change that stamped its last push.
/// Receipts touch neither the events nor the fields, so the state is the
/// same, and the change is judged without reading the history again.
fn saw_all_but_receipts<R>(walk: &Walk<'_>, tip: &Tip<R>, deps: &[ChangeHash]) -> bool {
    let Some(before) = walk.before else {
        return false;
    };
    if tip.heads != sorted(&before.heads()) {
        return false;
    }
    let unseen = before.automerge().get_changes(deps);
    // Changes of `deps` the server lacks would make `unseen` meaningless;
    // they cannot be, since the push applied, but check rather than trust.
    let known = before.automerge().get_missing_deps(deps).is_empty();
    known
        && unseen
            .iter()
            .all(|change| only_receipts(change, walk.layout))
}

/// A field write: a resolution of a conflict its author saw, or a write the
/// kind's field table allows for this change.
fn judge_slot<R>(
    walk: &Walk<'_>,
    state: &R,
    heads: &[ChangeHash],
    slot: &NewSlot,
    events: &[R::Event],
) -> Result<(), Breach>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let value = &slot.value;
    walk.context
        .written_by_author(&value.user, &value.device, &slot.name)?;
    let editor = walk.context.editor();
    let verb = if resolves_conflict(walk.after, heads, slot) {
        Verb::ResolveConflict
    } else {
        let step = step_of(walk, &editor, value.at);
        let (canonical, verb) = state
            .admit_field(&step, &slot.name, &value.value, events)
            .map_err(refusal_of)?;
        if canonical != value.value {
            return Err((
                RefusalCode::Invalid,
                format!("{}: not as its verb writes it", slot.name),
            ));
        }
        verb
    };
    if may(editor.role, verb) {
        Ok(())
    } else {
        Err(refusal_of(RecordError::Forbidden {
            role: editor.role,
            verb,
        }))
    }
}

/// Whether the write replaces every value of a conflict its author saw
/// with one of those values.
fn resolves_conflict(after: &RecordDoc, heads: &[ChangeHash], slot: &NewSlot) -> bool {
    // A write that replaces fewer than two values resolves nothing: only
    // then is the field read as of the change's heads.
    if slot.overwrites.len() < 2 {
        return false;
    }
    let competing = after.field_values_at(&slot.name, heads);
    let distinct: HashSet<String> = competing.iter().map(|(_, v)| v.to_string()).collect();
    distinct.len() > 1
        && competing
            .iter()
            .all(|(key, _)| slot.overwrites.contains(key))
        && distinct.contains(&slot.value.value.to_string())
}

/// Whether the stored event is exactly what the verb writes: its type and
/// payload, with nothing added.
fn written_as<E: Serialize>(raw: &RawEvent, admitted: &E) -> bool {
    let Ok(serde_json::Value::Object(tagged)) = serde_json::to_value(admitted) else {
        return false;
    };
    let kind = tagged.get("type").and_then(serde_json::Value::as_str);
    let data = tagged.get("data").unwrap_or(&serde_json::Value::Null);
    kind == Some(raw.kind.as_str()) && *data == raw.data
}

fn step_of<'a>(
    walk: &'a Walk<'_>,
    editor: &'a Editor,
    at: chrono::DateTime<chrono::Utc>,
) -> Step<'a> {
    let header = walk.after.header();
    Step {
        editor,
        at,
        estate: &header.estate,
        record: header.id,
        staff: Some(walk.context.staff),
    }
}

/// An event's payload size as stored (its JSON text).
fn payload_bytes(event: &RawEvent) -> usize {
    event.data.to_string().len()
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort();
    heads
}
