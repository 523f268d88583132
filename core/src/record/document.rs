//! [`RecordDoc`]: the one place that reads and writes a record's Automerge
//! document. Layout of every record document:
//!
//! ```text
//! { kind, schema, id, estate, created_at, created_by,   // immutable header
//!   fields:   { <name>: { value, user, device, at } },  // correctable slots
//!   events:   [ { id, type, at, user, device, data } ], // append-only history
//!   received: { <event id>: server time } }             // stamped by the server
//! ```
//!
//! Verbs run inside [`RecordDoc::edit`], which checks the role, opens one
//! Automerge transaction and commits it only if the verb succeeds, so a
//! refused verb leaves the document untouched.

use std::collections::HashMap;
use std::sync::Arc;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{
    ActorId, Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef,
    Value, ValueRef,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::event::encode;
use super::memo::Memo;
use super::{
    Conflict, ConflictValue, Editor, Event, FieldValue, Header, Limits, RawEvent, RecordError,
    RecordId, RecordKind, Rulebook, SCHEMA_VERSION, Step, Verb, judge_step, may,
};

/// The creator named in records made by [`RecordDoc::create_shared`].
pub const SHARED_CREATOR: &str = "shared";

/// A record's Automerge document together with its parsed header.
#[derive(Debug, Clone)]
pub struct RecordDoc {
    doc: Automerge,
    header: Header,
    memo: Memo,
}

/// The writes a verb may make, inside one transaction.
pub struct Write<'a> {
    tx: Transaction<'a>,
    editor: &'a Editor,
    at: DateTime<Utc>,
}

impl std::fmt::Debug for Write<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("editor", self.editor)
            .finish()
    }
}

impl RecordDoc {
    /// Creates the document of a new record, with its header, empty fields
    /// and empty history, in one change.
    pub fn create(
        kind: RecordKind,
        id: RecordId,
        estate: &str,
        editor: &Editor,
        at: DateTime<Utc>,
    ) -> Result<Self, RecordError> {
        RecordDoc::create_with_actor(kind, id, estate, editor, at, None)
    }

    fn create_with_actor(
        kind: RecordKind,
        id: RecordId,
        estate: &str,
        editor: &Editor,
        at: DateTime<Utc>,
        actor: Option<ActorId>,
    ) -> Result<Self, RecordError> {
        if estate.trim().is_empty() {
            return Err(RecordError::invalid("estate", "an estate is required"));
        }
        let mut doc = Automerge::new();
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        let mut tx = doc.transaction();
        tx.put(ROOT, "kind", kind.as_str())?;
        tx.put(ROOT, "schema", SCHEMA_VERSION)?;
        tx.put(ROOT, "id", id.to_string())?;
        tx.put(ROOT, "estate", estate)?;
        tx.put(
            ROOT,
            "created_at",
            ScalarValue::Timestamp(at.timestamp_millis()),
        )?;
        tx.put(ROOT, "created_by", editor.user.as_str())?;
        tx.put_object(ROOT, "fields", ObjType::Map)?;
        tx.put_object(ROOT, "events", ObjType::List)?;
        tx.put_object(ROOT, "received", ObjType::Map)?;
        tx.commit_with(commit_options("create", at));
        RecordDoc::from_automerge(doc)
    }

    /// Creates a record that several devices may create independently while
    /// offline, such as the one duty log of an estate's duty day. The first
    /// change is made byte-for-byte identical everywhere (an actor derived
    /// from the id, a fixed time and creator), so Automerge sees one shared
    /// change instead of two rival roots; later edits use the device's actor.
    pub fn create_shared(
        kind: RecordKind,
        id: RecordId,
        estate: &str,
        created_at: DateTime<Utc>,
    ) -> Result<Self, RecordError> {
        let creator = Editor::new(SHARED_CREATOR, SHARED_CREATOR, crate::record::Role::Admin);
        let mut record = RecordDoc::create_with_actor(
            kind,
            id,
            estate,
            &creator,
            created_at,
            Some(ActorId::from(id.as_bytes().as_slice())),
        )?;
        record.doc.set_actor(ActorId::random());
        Ok(record)
    }

    /// Loads a saved document, checking that it is a record this build reads.
    pub fn load(bytes: &[u8]) -> Result<Self, RecordError> {
        RecordDoc::from_automerge(Automerge::load(bytes)?)
    }

    /// Wraps an Automerge document, checking its header.
    pub fn from_automerge(doc: Automerge) -> Result<Self, RecordError> {
        let header = read_header(&doc)?;
        Ok(RecordDoc {
            doc,
            header,
            memo: Memo::default(),
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn id(&self) -> RecordId {
        self.header.id
    }

    pub fn kind(&self) -> RecordKind {
        self.header.kind
    }

    /// Checks the document holds the expected kind of record.
    pub fn expect_kind(self, expected: RecordKind) -> Result<Self, RecordError> {
        if self.header.kind == expected {
            Ok(self)
        } else {
            Err(RecordError::WrongKind {
                expected,
                found: self.header.kind,
            })
        }
    }

    /// The underlying Automerge document, for sync and storage.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// Sets the Automerge actor used for this replica's future edits: one
    /// stable actor per device store keeps documents small.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, for incremental storage and sync.
    pub fn save_after(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Merges another replica of the same record into this one.
    pub fn merge(&mut self, other: &RecordDoc) -> Result<(), RecordError> {
        if other.header.id != self.header.id {
            return Err(RecordError::invalid(
                "merge",
                format!("record {} is not {}", other.header.id, self.header.id),
            ));
        }
        let mut other = other.doc.clone();
        self.doc.merge(&mut other)?;
        Ok(())
    }

    /// Applies changes (a saved document or incremental chunk) from another
    /// replica. Refuses, and leaves the record as it was, if the result no
    /// longer has the same header.
    pub fn apply_changes(&mut self, bytes: &[u8]) -> Result<(), RecordError> {
        // `load_incremental` skips what it cannot parse; parse strictly first
        // so garbage is an error, not a silent no-op.
        match Automerge::load(bytes) {
            Ok(_) | Err(automerge::AutomergeError::MissingDeps) => {}
            Err(err) => return Err(err.into()),
        }
        let mut fork = self.doc.fork();
        fork.load_incremental(bytes)?;
        let header = read_header(&fork)?;
        if header != self.header {
            return Err(RecordError::invalid(
                "header",
                "kind, schema, id, estate and creation never change",
            ));
        }
        if !fork.get_missing_deps(&[]).is_empty() {
            return Err(RecordError::Malformed(
                "changes depend on history this replica lacks".into(),
            ));
        }
        self.doc = fork;
        Ok(())
    }

    /// Runs a verb: checks the editor's role may perform it, then applies
    /// `write` in one transaction that is committed only if it succeeds.
    pub fn edit<T>(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        verb: Verb,
        write: impl FnOnce(&mut Write<'_>) -> Result<T, RecordError>,
    ) -> Result<T, RecordError> {
        if !may(editor.role, verb) {
            return Err(RecordError::Forbidden {
                role: editor.role,
                verb,
            });
        }
        let mut writer = Write {
            tx: self.doc.transaction(),
            editor,
            at,
        };
        match write(&mut writer) {
            Ok(result) => {
                writer.tx.commit_with(commit_options(verb.as_str(), at));
                Ok(result)
            }
            Err(err) => {
                writer.tx.rollback();
                Err(err)
            }
        }
    }

    /// Takes one step of a kind's procedure: judges `event`, and the field
    /// writes that come with it, by the kind's rulebook (the very checks
    /// the server makes on a push), then appends the event and writes the
    /// fields in one change. Returns the event's id.
    pub fn take_step<R>(
        &mut self,
        state: &R,
        editor: &Editor,
        at: DateTime<Utc>,
        event: R::Event,
        fields: &[(&str, serde_json::Value)],
    ) -> Result<String, RecordError>
    where
        R: Rulebook,
        R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
    {
        let header = self.header.clone();
        let step = Step::on_device(editor, at, &header);
        let event = judge_step(state, &step, event)?;
        let events = [event];
        let fields = judge_fields(state, &step, &events, fields)?;
        let [event] = events;
        self.edit(editor, at, R::verb(&event), |write| {
            let id = write.append(&event)?;
            for (name, value) in &fields {
                write.set_field(name, value)?;
            }
            Ok(id)
        })
    }

    /// Corrects one field without a step (an amendment), as the kind's
    /// field table allows.
    pub fn correct_field<R>(
        &mut self,
        state: &R,
        editor: &Editor,
        at: DateTime<Utc>,
        name: &str,
        value: serde_json::Value,
    ) -> Result<(), RecordError>
    where
        R: Rulebook,
        R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
    {
        let header = self.header.clone();
        let step = Step::on_device(editor, at, &header);
        let (value, verb) = state.admit_field(&step, name, &value, &[])?;
        self.edit(editor, at, verb, |write| write.set_field(name, &value))
    }

    /// Every event in history order: Automerge's list order, which puts an
    /// event after every event its author had seen and orders concurrent
    /// ones the same way on every replica, whatever order they merged in.
    /// Read in one pass over the list and one over each event's map: a
    /// lookup by index would make long histories quadratic.
    pub fn raw_events(&self) -> Vec<RawEvent> {
        self.memoized("raw_events", || {
            let Some(events) = object(&self.doc, &ROOT, "events") else {
                return Vec::new();
            };
            let received = self.receipts();
            self.doc
                .list_range(&events, ..)
                .filter_map(|item| read_event(&self.doc, &item.id(), &received))
                .collect()
        })
    }

    /// The id (counter, actor) of the operation that made one of the root's
    /// containers (`events`, `fields`, `received`): how the server knows
    /// which object a pushed operation writes to.
    pub fn container_key(&self, key: &str) -> Option<(u64, ActorId)> {
        object(&self.doc, &ROOT, key).and_then(|id| op_key(&id))
    }

    /// The id of the last event's map, as of `heads`: a new event is
    /// appended after it.
    pub fn last_event_key(&self, heads: &[ChangeHash]) -> Option<(u64, ActorId)> {
        let events = object(&self.doc, &ROOT, "events")?;
        let len = self.doc.length_at(&events, heads);
        let (_, id) = self
            .doc
            .get_at(&events, len.checked_sub(1)?, heads)
            .ok()??;
        op_key(&id)
    }

    /// Every value of field `name` as of `heads`, with the id of its slot:
    /// what a write made at those heads replaced.
    pub fn field_values_at(
        &self,
        name: &str,
        heads: &[ChangeHash],
    ) -> Vec<((u64, ActorId), serde_json::Value)> {
        let Some(fields) = object(&self.doc, &ROOT, "fields") else {
            return Vec::new();
        };
        self.doc
            .get_all_at(&fields, name, heads)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, slot)| Some((op_key(&slot)?, read_slot(&self.doc, &slot)?.value)))
            .collect()
    }

    /// How many fields the record has.
    pub fn field_count(&self) -> usize {
        object(&self.doc, &ROOT, "fields").map_or(0, |fields| self.doc.length(&fields))
    }

    /// A value computed from this document, kept until its heads move:
    /// views and lists that several readers of one change ask for.
    pub fn memoized<V: Clone + Send + Sync + 'static>(
        &self,
        key: &'static str,
        compute: impl FnOnce() -> V,
    ) -> V {
        self.memo.get_or(self.doc.get_heads(), key, compute)
    }

    /// The server's receipt time of every stamped event, by event id.
    pub fn receipts(&self) -> HashMap<String, DateTime<Utc>> {
        let Some(received) = object(&self.doc, &ROOT, "received") else {
            return HashMap::new();
        };
        self.doc
            .map_range(&received, ..)
            .filter_map(|item| Some((item.key.into_owned(), scalar_time(&item.value)?)))
            .collect()
    }

    /// The events this build understands, typed, in history order.
    pub fn events<E: DeserializeOwned>(&self) -> Vec<Event<E>> {
        self.raw_events()
            .iter()
            .filter_map(RawEvent::typed)
            .collect()
    }

    /// A field's current value. When the field is in conflict this is
    /// Automerge's deterministic pick; [`RecordDoc::conflicts`] lists all.
    pub fn field<T: DeserializeOwned>(&self, name: &str) -> Option<FieldValue<T>> {
        let fields = self.current_fields();
        FieldValue::parse(fields.get(name)?.clone())
    }

    /// Every field's current value, read in one pass over the fields and
    /// kept until the document changes: views read most of them.
    fn current_fields(&self) -> Arc<HashMap<String, FieldValue<serde_json::Value>>> {
        self.memoized("current_fields", || {
            let Some(fields) = object(&self.doc, &ROOT, "fields") else {
                return Arc::default();
            };
            let current = self
                .doc
                .map_range(&fields, ..)
                .filter_map(|item| {
                    let slot = item.id();
                    Some((item.key.into_owned(), read_slot(&self.doc, &slot)?))
                })
                .collect();
            Arc::new(current)
        })
    }

    /// Every value of every field, competing ones included, with who wrote
    /// it: what the server compares to see which fields a push wrote.
    pub fn field_writes(&self) -> Vec<(String, FieldValue<serde_json::Value>)> {
        let Some(fields) = object(&self.doc, &ROOT, "fields") else {
            return Vec::new();
        };
        let mut writes = Vec::new();
        for item in self.doc.map_range(&fields, ..) {
            let (conflict, winner) = (item.conflict, item.id());
            let name = item.key.into_owned();
            // A field written once is read from the walk itself; only one
            // with concurrent writes needs every value looked up.
            let slots = if conflict {
                self.doc
                    .get_all(&fields, name.as_str())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, slot)| slot)
                    .collect()
            } else {
                vec![winner]
            };
            writes.extend(
                slots
                    .iter()
                    .filter_map(|slot| read_slot(&self.doc, slot))
                    .map(|value| (name.clone(), value)),
            );
        }
        writes
    }

    /// Every field written concurrently with different values.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.memoized("conflicts", || {
            let Some(fields) = object(&self.doc, &ROOT, "fields") else {
                return Vec::new();
            };
            // Automerge flags the keys with concurrent writes as it walks
            // the map; only those are read in full.
            let conflicted: Vec<String> = self
                .doc
                .map_range(&fields, ..)
                .filter(|item| item.conflict)
                .map(|item| item.key.into_owned())
                .collect();
            conflicted
                .iter()
                .filter_map(|name| self.conflict(&fields, name))
                .collect()
        })
    }

    fn conflict(&self, fields: &ObjId, name: &str) -> Option<Conflict> {
        let written = self.doc.get_all(fields, name).ok()?;
        if written.len() < 2 {
            return None;
        }
        let mut values: Vec<ConflictValue> = written
            .into_iter()
            .filter_map(|(_, slot)| read_slot(&self.doc, &slot))
            .map(|slot| ConflictValue {
                value: slot.value,
                user: slot.user,
                device: slot.device,
                at: slot.at,
            })
            .collect();
        values.sort_by(|a, b| {
            (a.at, &a.device, a.value.to_string()).cmp(&(b.at, &b.device, b.value.to_string()))
        });
        // The same value written on several devices is one choice, not many:
        // keep its earliest writer.
        let mut seen = std::collections::HashSet::new();
        values.retain(|candidate| seen.insert(candidate.value.to_string()));
        (values.len() > 1).then(|| Conflict {
            field: name.to_owned(),
            values,
        })
    }

    /// Resolves a conflict by keeping one of its values (by its index in
    /// [`Conflict::values`]). The resolution is an ordinary write that
    /// follows every competing value, so it ends the conflict everywhere.
    pub fn resolve_conflict(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        field: &str,
        pick: usize,
    ) -> Result<(), RecordError> {
        let fields = object(&self.doc, &ROOT, "fields")
            .ok_or_else(|| RecordError::Malformed("no fields map".into()))?;
        let conflict = self.conflict(&fields, field).ok_or_else(|| {
            RecordError::not_now(Verb::ResolveConflict, format!("{field} is not in conflict"))
        })?;
        let chosen = conflict.values.into_iter().nth(pick).ok_or_else(|| {
            RecordError::invalid("pick", format!("{field} has no value number {pick}"))
        })?;
        self.edit(editor, at, Verb::ResolveConflict, |write| {
            write.set_field(field, &chosen.value)
        })
    }

    /// Stamps every event not yet stamped with the server's receipt time;
    /// returns how many were stamped. Called by the server only.
    pub fn stamp_received(&mut self, at: DateTime<Utc>) -> Result<usize, RecordError> {
        let unstamped: Vec<String> = self
            .raw_events()
            .into_iter()
            .filter(|event| event.received_at.is_none())
            .map(|event| event.id)
            .collect();
        self.stamp_events(&unstamped, at)
    }

    /// Stamps the events named by `unstamped` (the ones a push added, as
    /// the judge found them) with the server's receipt time, without
    /// reading the rest of the history.
    pub fn stamp_events(
        &mut self,
        unstamped: &[String],
        at: DateTime<Utc>,
    ) -> Result<usize, RecordError> {
        if unstamped.is_empty() {
            return Ok(0);
        }
        let received = object(&self.doc, &ROOT, "received")
            .ok_or_else(|| RecordError::Malformed("no received map".into()))?;
        let mut tx = self.doc.transaction();
        for id in unstamped {
            tx.put(
                &received,
                id.as_str(),
                ScalarValue::Timestamp(at.timestamp_millis()),
            )?;
        }
        tx.commit_with(commit_options("received", at));
        Ok(unstamped.len())
    }
}

impl Write<'_> {
    /// Appends an event to the history; returns its id.
    pub fn append<E: Serialize>(&mut self, body: &E) -> Result<String, RecordError> {
        let (kind, data) = encode(body)?;
        let limits = Limits::default();
        limits.payload(&data)?;
        let events = object(&self.tx, &ROOT, "events")
            .ok_or_else(|| RecordError::Malformed("no events list".into()))?;
        let id = uuid::Uuid::new_v4().to_string();
        let end = self.tx.length(&events);
        limits.events(end + 1)?;
        let event = self.tx.insert_object(&events, end, ObjType::Map)?;
        self.tx.put(&event, "id", id.as_str())?;
        self.tx.put(&event, "type", kind)?;
        self.tx.put(
            &event,
            "at",
            ScalarValue::Timestamp(self.at.timestamp_millis()),
        )?;
        self.tx.put(&event, "user", self.editor.user.as_str())?;
        self.tx.put(&event, "device", self.editor.device.as_str())?;
        self.tx.put(&event, "data", data)?;
        Ok(id)
    }

    /// Writes a correctable field, recording who wrote it and when.
    pub fn set_field<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), RecordError> {
        let json = serde_json::to_string(value)
            .map_err(|err| RecordError::invalid(name, err.to_string()))?;
        let limits = Limits::default();
        limits.string(name)?;
        limits.payload(&json)?;
        let fields = object(&self.tx, &ROOT, "fields")
            .ok_or_else(|| RecordError::Malformed("no fields map".into()))?;
        if self.tx.get(&fields, name)?.is_none() {
            limits.fields(self.tx.length(&fields) + 1)?;
        }
        let slot = self.tx.put_object(&fields, name, ObjType::Map)?;
        self.tx.put(&slot, "value", json)?;
        self.tx.put(&slot, "user", self.editor.user.as_str())?;
        self.tx.put(&slot, "device", self.editor.device.as_str())?;
        self.tx.put(
            &slot,
            "at",
            ScalarValue::Timestamp(self.at.timestamp_millis()),
        )?;
        Ok(())
    }

    pub fn editor(&self) -> &Editor {
        self.editor
    }

    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

/// The field writes of a step, judged by the kind's field table: each as
/// the verb writes it, under a verb the editor's role may perform, and none
/// of the fields the step must write left out.
fn judge_fields<R>(
    state: &R,
    step: &Step<'_>,
    events: &[R::Event],
    fields: &[(&str, serde_json::Value)],
) -> Result<Vec<(String, serde_json::Value)>, RecordError>
where
    R: Rulebook,
    R::Event: Serialize + DeserializeOwned + PartialEq + Clone,
{
    let admitted = fields
        .iter()
        .map(|(name, value)| {
            let (value, verb) = state.admit_field(step, name, value, events)?;
            if may(step.editor.role, verb) {
                Ok(((*name).to_owned(), value))
            } else {
                Err(RecordError::Forbidden {
                    role: step.editor.role,
                    verb,
                })
            }
        })
        .collect::<Result<Vec<_>, RecordError>>()?;
    // What must be written is asked of the state with the writes applied,
    // as the server's judge asks it (a public-area sheet needs no resident).
    let mut after = state.clone();
    for (name, value) in &admitted {
        after.apply_field(
            name,
            &FieldValue {
                value: value.clone(),
                user: step.editor.user.clone(),
                device: step.editor.device.clone(),
                at: step.at,
            },
        );
    }
    for required in after.required_fields(events) {
        if !admitted.iter().any(|(name, _)| name == required) {
            return Err(RecordError::invalid(required, "is required"));
        }
    }
    Ok(admitted)
}

fn commit_options(message: &str, at: DateTime<Utc>) -> CommitOptions {
    CommitOptions::default()
        .with_message(message)
        .with_time(at.timestamp())
}

fn read_header(doc: &Automerge) -> Result<Header, RecordError> {
    let text = |key: &str| {
        string(doc, &ROOT, key).ok_or_else(|| RecordError::Malformed(format!("missing {key}")))
    };
    let kind = text("kind")?
        .parse::<RecordKind>()
        .map_err(RecordError::Malformed)?;
    let schema = scalar(doc, &ROOT, "schema")
        .and_then(|value| value.as_u64())
        .ok_or_else(|| RecordError::Malformed("missing schema".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(RecordError::SchemaTooNew {
            found: schema,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(Header {
        kind,
        schema,
        id: text("id")?.parse().map_err(RecordError::Malformed)?,
        estate: text("estate")?,
        created_at: timestamp(doc, &ROOT, "created_at")
            .ok_or_else(|| RecordError::Malformed("missing created_at".into()))?,
        created_by: text("created_by")?,
    })
}

fn read_event(
    doc: &Automerge,
    event: &ObjId,
    received: &HashMap<String, DateTime<Utc>>,
) -> Option<RawEvent> {
    let (mut id, mut kind, mut at, mut user, mut device, mut data) =
        (None, None, None, None, None, None);
    for item in doc.map_range(event, ..) {
        match item.key.as_ref() {
            "id" => id = scalar_text(&item.value),
            "type" => kind = scalar_text(&item.value),
            "at" => at = scalar_time(&item.value),
            "user" => user = scalar_text(&item.value),
            "device" => device = scalar_text(&item.value),
            "data" => data = scalar_text(&item.value),
            _ => {}
        }
    }
    let id = id?;
    Some(RawEvent {
        received_at: received.get(&id).copied(),
        kind: kind?,
        at: at?,
        user: user?,
        device: device?,
        data: serde_json::from_str(&data?).ok()?,
        id,
    })
}

fn scalar_text(value: &ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Scalar(ScalarValueRef::Str(text)) => Some(text.to_string()),
        _ => None,
    }
}

fn scalar_time(value: &ValueRef<'_>) -> Option<DateTime<Utc>> {
    match value {
        ValueRef::Scalar(ScalarValueRef::Timestamp(millis) | ScalarValueRef::Int(millis)) => {
            DateTime::from_timestamp_millis(*millis)
        }
        _ => None,
    }
}

/// One pass over the slot's keys: a lookup by key costs a seek each.
fn read_slot(doc: &Automerge, slot: &ObjId) -> Option<FieldValue<serde_json::Value>> {
    let (mut value, mut user, mut device, mut at) = (None, None, None, None);
    for item in doc.map_range(slot, ..) {
        match item.key.as_ref() {
            "value" => value = scalar_text(&item.value),
            "user" => user = scalar_text(&item.value),
            "device" => device = scalar_text(&item.value),
            "at" => at = scalar_time(&item.value),
            _ => {}
        }
    }
    Some(FieldValue {
        value: serde_json::from_str(&value?).ok()?,
        user: user?,
        device: device?,
        at: at?,
    })
}

fn op_key(id: &ObjId) -> Option<(u64, ActorId)> {
    match id {
        ObjId::Root => None,
        ObjId::Id(counter, actor, _) => Some((*counter, actor.clone())),
    }
}

fn object<R: ReadDoc>(doc: &R, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key).ok()?? {
        (Value::Object(_), id) => Some(id),
        _ => None,
    }
}

fn scalar(doc: &Automerge, parent: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(parent, key).ok()?? {
        (Value::Scalar(value), _) => Some(value.into_owned()),
        _ => None,
    }
}

fn string(doc: &Automerge, parent: &ObjId, key: &str) -> Option<String> {
    match scalar(doc, parent, key)? {
        ScalarValue::Str(text) => Some(text.to_string()),
        _ => None,
    }
}

fn timestamp(doc: &Automerge, parent: &ObjId, key: &str) -> Option<DateTime<Utc>> {
    match scalar(doc, parent, key)? {
        ScalarValue::Timestamp(millis) | ScalarValue::Int(millis) => {
            DateTime::from_timestamp_millis(millis)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    #[test]
    fn shared_records_created_on_two_devices_merge_as_one() {
        let id = RecordId::derived("estate-1/duty/2026-03-02");
        let at = DateTime::from_timestamp(1_772_400_000, 0).expect("time");
        let mut a = RecordDoc::create_shared(RecordKind::DutyLog, id, "estate-1", at).expect("a");
        let mut b = RecordDoc::create_shared(RecordKind::DutyLog, id, "estate-1", at).expect("b");
        let desk = Editor::new("lin", "desk", Role::FrontDesk);
        a.edit(&desk, at, Verb::AppendEntry, |w| {
            w.append(&serde_json::json!({"type": "x", "data": 1}))
                .map(drop)
        })
        .expect("a");
        b.edit(&desk, at, Verb::AppendEntry, |w| {
            w.append(&serde_json::json!({"type": "y", "data": 2}))
                .map(drop)
        })
        .expect("b");
        a.merge(&b).expect("merge");
        assert_eq!(a.raw_events().len(), 2, "both entries land in one list");
    }

    #[test]
    fn garbage_changes_are_refused_and_change_nothing() {
        let desk = Editor::new("lin", "desk", Role::FrontDesk);
        let at = DateTime::from_timestamp(1_772_400_000, 0).expect("time");
        let mut record = RecordDoc::create(
            RecordKind::Complaint,
            RecordId::random(),
            "estate-1",
            &desk,
            at,
        )
        .expect("create");
        let heads = record.heads();
        assert!(record.apply_changes(b"garbage").is_err());
        let mut junk = record.save();
        junk.extend_from_slice(b"junk");
        assert!(record.apply_changes(&junk).is_err());
        assert_eq!(record.heads(), heads);
    }

    #[test]
    fn a_value_written_on_two_devices_is_offered_once() {
        let at = DateTime::from_timestamp(1_772_400_000, 0).expect("time");
        let desk = |n: u8| Editor::new(format!("desk-{n}"), format!("device-{n}"), Role::FrontDesk);
        let origin = RecordDoc::create(
            RecordKind::Complaint,
            RecordId::random(),
            "estate-1",
            &desk(0),
            at,
        )
        .expect("create");
        let mut replicas: Vec<RecordDoc> = (0..3)
            .map(|_| RecordDoc::load(&origin.save()).expect("load"))
            .collect();
        for (n, value) in ["pass", "fail", "pass"].into_iter().enumerate() {
            let later = at + chrono::Duration::minutes(n as i64);
            replicas[n]
                .edit(&desk(n as u8), later, Verb::Amend, |w| {
                    w.set_field("door", &value)
                })
                .expect("set");
        }
        let (first, rest) = replicas.split_at_mut(1);
        for other in rest.iter() {
            first[0].merge(other).expect("merge");
        }
        let conflicts = first[0].conflicts();
        assert_eq!(conflicts[0].values.len(), 2, "{conflicts:?}");
    }

    #[test]
    fn garbage_is_not_a_record() {
        assert!(matches!(
            RecordDoc::load(b"not automerge"),
            Err(RecordError::Malformed(_))
        ));
        let empty = Automerge::new().save();
        assert!(matches!(
            RecordDoc::load(&empty),
            Err(RecordError::Malformed(_))
        ));
    }

    #[test]
    fn changes_that_alter_the_header_are_refused() {
        let desk = Editor::new("lin", "desk", Role::FrontDesk);
        let at = DateTime::from_timestamp(1_772_400_000, 0).expect("time");
        let record = RecordDoc::create(
            RecordKind::Complaint,
            RecordId::random(),
            "estate-1",
            &desk,
            at,
        )
        .expect("create");
        let mut tampered = record.automerge().fork();
        let heads = tampered.get_heads();
        let mut tx = tampered.transaction();
        tx.put(ROOT, "estate", "estate-2").expect("put");
        tx.commit();
        let mut local = record.clone();
        let err = local
            .apply_changes(&tampered.save_after(&heads))
            .expect_err("refused");
        assert!(matches!(err, RecordError::Invalid { .. }));
        assert_eq!(local.header().estate, "estate-1");
    }
}
