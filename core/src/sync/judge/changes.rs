//! What one pushed Automerge change does to a record, read from its
//! operations rather than from the document it produces: the events it
//! appends (each a new map in the `events` list, known by the operation that
//! made it, never by the `id` string inside it), the fields it writes (each
//! a new slot in the `fields` map, with the slots it overwrites), and
//! nothing else. Any other operation (a put on the header, a deletion, an
//! edit of an existing event or slot, a receipt time, a nested object) is
//! refused here, with the code that says why. Cost: the change's length.

use std::collections::HashMap;

use automerge::legacy::{ElementId, Key, ObjectId, Op, OpId, OpType};
use automerge::{ActorId, Change, ObjType, ScalarValue};
use chrono::{DateTime, Utc};

use crate::protocol::RefusalCode;
use crate::record::{FieldValue, Limits, RawEvent};

/// An Automerge operation's id: its counter and actor.
pub(crate) type OpKey = (u64, ActorId);

/// Why a change is refused, before any rule of the kind is asked.
pub(crate) type Breach = (RefusalCode, String);

/// The three containers of a record, as the operations that made them.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub events: OpKey,
    pub fields: OpKey,
    pub received: OpKey,
}

/// An event a change appends.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    /// The operation that made the event's map: its place in the history.
    pub key: OpKey,
    /// The list element it was inserted after (`None`: the list's start).
    pub after: Option<OpKey>,
    pub raw: RawEvent,
}

/// A field slot a change writes.
#[derive(Debug, Clone)]
pub(crate) struct NewSlot {
    /// The operation that made the slot: how later writes name it.
    pub key: OpKey,
    pub name: String,
    pub value: FieldValue<serde_json::Value>,
    /// The slots (values) this write replaces, as its author saw them.
    pub overwrites: Vec<OpKey>,
}

/// Everything one change does, in the order it did it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangeEdits {
    pub events: Vec<NewEvent>,
    pub slots: Vec<NewSlot>,
}

/// Reads what `change` does to a record laid out as `layout`.
pub(crate) fn decode(
    change: &Change,
    layout: &Layout,
    limits: &Limits,
) -> Result<ChangeEdits, Breach> {
    let expanded = change.decode();
    let mut reader = Reader {
        layout,
        limits,
        events: Vec::new(),
        slots: Vec::new(),
        objects: HashMap::new(),
    };
    let start = expanded.start_op.get();
    for (index, op) in expanded.operations.iter().enumerate() {
        let id = (start + index as u64, expanded.actor_id.clone());
        reader.read(id, op)?;
    }
    reader.finish()
}

/// Whether every operation of `change` writes a receipt time: the server's
/// stamping of a push, which no rule reads.
pub(crate) fn only_receipts(change: &Change, layout: &Layout) -> bool {
    change.decode().operations.iter().all(|op| match &op.obj {
        ObjectId::Id(OpId(counter, actor)) => {
            (*counter, actor) == (layout.received.0, &layout.received.1)
        }
        ObjectId::Root => false,
    })
}

/// Reads the layout from a record's first change: the header and its three
/// containers, exactly as [`crate::record::RecordDoc::create`] writes them.
pub(crate) fn layout_of_creation(change: &Change) -> Result<Layout, Breach> {
    let expanded = change.decode();
    let header_changed = |message: &str| (RefusalCode::HeaderChanged, message.to_owned());
    if !expanded.deps.is_empty() {
        return Err(header_changed("a record's first change depends on none"));
    }
    let start = expanded.start_op.get();
    let mut made: HashMap<&str, OpKey> = HashMap::new();
    let mut scalars = 0;
    for (index, op) in expanded.operations.iter().enumerate() {
        let key = match (&op.obj, &op.key, op.insert) {
            (ObjectId::Root, Key::Map(key), false) if op.pred.is_empty() => key.as_str(),
            _ => {
                return Err(header_changed(
                    "a record's first change writes its header only",
                ));
            }
        };
        match (&op.action, key) {
            (OpType::Make(ObjType::Map), "fields" | "received")
            | (OpType::Make(ObjType::List), "events") => {
                let id = (start + index as u64, expanded.actor_id.clone());
                if made.insert(key, id).is_some() {
                    return Err(header_changed("the header is written once"));
                }
            }
            (OpType::Put(_), "kind" | "schema" | "id" | "estate" | "created_at" | "created_by") => {
                scalars += 1
            }
            _ => {
                return Err(header_changed(
                    "a record's first change writes its header only",
                ));
            }
        }
    }
    match (
        made.remove("events"),
        made.remove("fields"),
        made.remove("received"),
    ) {
        (Some(events), Some(fields), Some(received)) if scalars == 6 => Ok(Layout {
            events,
            fields,
            received,
        }),
        _ => Err(header_changed(
            "a record's first change writes its whole header",
        )),
    }
}

/// What a change has built so far, by the id of each object it made.
#[derive(Debug)]
enum Built {
    Event(usize),
    Slot(usize),
}

/// An event or slot as its puts arrive.
#[derive(Debug, Default)]
struct Parts {
    texts: HashMap<&'static str, String>,
    time: Option<DateTime<Utc>>,
}

struct Reader<'a> {
    layout: &'a Layout,
    limits: &'a Limits,
    events: Vec<(OpKey, Option<OpKey>, Parts)>,
    slots: Vec<(OpKey, String, Vec<OpKey>, Parts)>,
    objects: HashMap<OpKey, Built>,
}

const EVENT_KEYS: [&str; 5] = ["id", "type", "user", "device", "data"];
const SLOT_KEYS: [&str; 3] = ["value", "user", "device"];

impl Reader<'_> {
    fn read(&mut self, id: OpKey, op: &Op) -> Result<(), Breach> {
        let obj = match &op.obj {
            ObjectId::Root => {
                return Err((
                    RefusalCode::HeaderChanged,
                    "a record's kind, id, estate and creation never change".into(),
                ));
            }
            ObjectId::Id(OpId(counter, actor)) => (*counter, actor.clone()),
        };
        if obj == self.layout.events {
            return self.append_event(id, op);
        }
        if obj == self.layout.fields {
            return self.write_slot(id, op);
        }
        if obj == self.layout.received {
            return Err(rewritten("receipt times are written by the server only"));
        }
        match self.objects.get(&obj) {
            Some(Built::Event(index)) => {
                let index = *index;
                self.put_part(op, &EVENT_KEYS, "an event", |reader| {
                    &mut reader.events[index].2
                })
            }
            Some(Built::Slot(index)) => {
                let index = *index;
                self.put_part(op, &SLOT_KEYS, "a field", |reader| {
                    &mut reader.slots[index].3
                })
            }
            None => Err(rewritten(
                "an event or field already written is never altered",
            )),
        }
    }

    fn append_event(&mut self, id: OpKey, op: &Op) -> Result<(), Breach> {
        let after = match (&op.action, &op.key, op.insert) {
            (OpType::Make(ObjType::Map), Key::Seq(after), true) => match after {
                ElementId::Head => None,
                ElementId::Id(OpId(counter, actor)) => Some((*counter, actor.clone())),
            },
            (OpType::Delete, _, _) => {
                return Err(rewritten("entries are never removed from the history"));
            }
            _ => return Err(rewritten("the history only grows by new events")),
        };
        self.objects
            .insert(id.clone(), Built::Event(self.events.len()));
        self.events.push((id, after, Parts::default()));
        Ok(())
    }

    fn write_slot(&mut self, id: OpKey, op: &Op) -> Result<(), Breach> {
        let name = match (&op.action, &op.key, op.insert) {
            (OpType::Make(ObjType::Map), Key::Map(name), false) => name.to_string(),
            (OpType::Delete, Key::Map(name), _) => {
                return Err((
                    RefusalCode::Forbidden,
                    format!("the {name} field is corrected, never deleted"),
                ));
            }
            _ => {
                return Err((
                    RefusalCode::Invalid,
                    "a field is written as a slot with its value and its writer".into(),
                ));
            }
        };
        self.limits.string(&name).map_err(over_limit)?;
        let overwrites = op
            .pred
            .iter()
            .map(|OpId(counter, actor)| (*counter, actor.clone()))
            .collect();
        self.objects
            .insert(id.clone(), Built::Slot(self.slots.len()));
        self.slots.push((id, name, overwrites, Parts::default()));
        Ok(())
    }

    /// One put into an event or slot this change made: each key once, a
    /// text or the time, nothing nested.
    fn put_part(
        &mut self,
        op: &Op,
        texts: &[&'static str],
        what: &str,
        parts: impl FnOnce(&mut Self) -> &mut Parts,
    ) -> Result<(), Breach> {
        let invalid = |message: String| (RefusalCode::Invalid, message);
        let key = match (&op.key, op.insert, op.pred.len()) {
            (Key::Map(key), false, 0) => key.to_string(),
            _ => return Err(invalid(format!("{what} is written once, key by key"))),
        };
        let limits = *self.limits;
        let parts = parts(self);
        match (&op.action, key.as_str()) {
            (OpType::Put(ScalarValue::Timestamp(millis)), "at") if parts.time.is_none() => {
                parts.time = DateTime::from_timestamp_millis(*millis);
                Ok(())
            }
            (OpType::Put(ScalarValue::Str(text)), _) => {
                let Some(name) = texts.iter().find(|name| **name == key) else {
                    return Err(invalid(format!("{what} has no {key:?}")));
                };
                if *name != "data" && *name != "value" {
                    limits.string(text).map_err(over_limit)?;
                }
                match parts.texts.insert(name, text.to_string()) {
                    None => Ok(()),
                    Some(_) => Err(invalid(format!("{what}'s {key} is written once"))),
                }
            }
            _ => Err(invalid(format!("{what}'s {key:?} is not a text or a time"))),
        }
    }

    fn finish(self) -> Result<ChangeEdits, Breach> {
        let limits = self.limits;
        let events = self
            .events
            .into_iter()
            .map(|(key, after, parts)| {
                let mut parts = Complete::new(parts, "an event", limits);
                let raw = RawEvent {
                    id: parts.text("id")?,
                    kind: parts.text("type")?,
                    at: parts.time()?,
                    received_at: None,
                    user: parts.text("user")?,
                    device: parts.text("device")?,
                    data: parts.json("data")?,
                };
                Ok(NewEvent { key, after, raw })
            })
            .collect::<Result<_, Breach>>()?;
        let slots = self
            .slots
            .into_iter()
            .map(|(key, name, overwrites, parts)| {
                let mut parts = Complete::new(parts, "a field", limits);
                let value = FieldValue {
                    value: parts.json("value")?,
                    user: parts.text("user")?,
                    device: parts.text("device")?,
                    at: parts.time()?,
                };
                Ok(NewSlot {
                    key,
                    name,
                    value,
                    overwrites,
                })
            })
            .collect::<Result<_, Breach>>()?;
        Ok(ChangeEdits { events, slots })
    }
}

/// An event's or slot's parts, each required.
struct Complete<'a> {
    parts: Parts,
    what: &'static str,
    limits: &'a Limits,
}

impl<'a> Complete<'a> {
    fn new(parts: Parts, what: &'static str, limits: &'a Limits) -> Self {
        Complete {
            parts,
            what,
            limits,
        }
    }

    fn text(&mut self, key: &str) -> Result<String, Breach> {
        self.parts
            .texts
            .remove(key)
            .ok_or_else(|| self.missing(key))
    }

    fn time(&mut self) -> Result<DateTime<Utc>, Breach> {
        self.parts.time.ok_or_else(|| self.missing("at"))
    }

    fn json(&mut self, key: &str) -> Result<serde_json::Value, Breach> {
        let text = self.text(key)?;
        self.limits
            .payload(&text)
            .map_err(over_limit)?
            .ok_or_else(|| {
                (
                    RefusalCode::Invalid,
                    format!("{}'s {key} is not JSON", self.what),
                )
            })
    }

    fn missing(&self, key: &str) -> Breach {
        (RefusalCode::Invalid, format!("{} has no {key}", self.what))
    }
}

fn rewritten(message: &str) -> Breach {
    (RefusalCode::HistoryRewritten, message.to_owned())
}

pub(crate) fn over_limit(over: crate::record::OverLimit) -> Breach {
    (RefusalCode::OverLimit, over.to_string())
}
