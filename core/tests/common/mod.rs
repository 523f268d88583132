//! What every convergence property shares, so each record kind's file states
//! only its own verbs and views: replicas on separate devices, the random
//! rounds they play offline, the rule that a refused verb changes nothing,
//! and the one assertion that every merge order ends in the same record.
//!
//! Besides comparing the merge orders with each other, the assertion checks
//! the merged conflicts against a small model of Automerge's register
//! semantics: a field write hides every write of that field its replica had
//! seen, and a field is in conflict exactly when the writes nobody hid hold
//! more than one distinct value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use stairwell_core::kinds::BlobHash;
use stairwell_core::kinds::checklist::Checklist;
use stairwell_core::kinds::complaint::Complaint;
use stairwell_core::kinds::duty_log::DutyLog;
use stairwell_core::kinds::patrol_round::PatrolRound;
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::record::{Editor, FieldValue, RecordDoc, RecordError};

/// How many devices edit the record offline.
pub const REPLICAS: usize = 3;

/// Every order in which three replicas can be merged.
pub const ORDERS: [[usize; REPLICAS]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// The pairs of replicas that may meet between rounds.
const PAIRS: [&[usize]; 3] = [&[0, 1], &[1, 2], &[0, 2]];

/// All the replicas, meeting (each syncs with the server and pulls what the
/// others pushed).
const ALL: [usize; REPLICAS] = [0, 1, 2];

/// A record kind as these properties drive it.
pub trait Record: Sized {
    fn doc(&self) -> &RecordDoc;
    fn doc_mut(&mut self) -> &mut RecordDoc;
    fn from_doc(doc: RecordDoc) -> Result<Self, RecordError>;
}

macro_rules! records {
    ($($kind:ident),* $(,)?) => {$(
        impl Record for $kind {
            fn doc(&self) -> &RecordDoc {
                $kind::doc(self)
            }
            fn doc_mut(&mut self) -> &mut RecordDoc {
                $kind::doc_mut(self)
            }
            fn from_doc(doc: RecordDoc) -> Result<Self, RecordError> {
                $kind::from_doc(doc)
            }
        }
    )*};
}

records!(RepairSheet, PatrolRound, Checklist, Complaint, DutyLog);

/// Device time, `minute` minutes into the test's morning.
pub fn time(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

/// A photo or signature blob.
pub fn blob() -> BlobHash {
    "ab".repeat(32).parse().expect("hash")
}

/// The record as a separate device holds it. Loading the saved bytes gives
/// a fresh Automerge actor; `clone()` would keep the actor, which is two
/// devices sharing one actor and never happens in the field.
pub fn replica_of<K: Record>(record: &K) -> K {
    K::from_doc(RecordDoc::load(&record.doc().save()).expect("load")).expect("kind")
}

/// Resolves one of the record's conflicts, picked by index, keeping one of
/// its values (or, one time in `len + 1`, a value that does not exist, which
/// must be refused). With no conflict, tries a field that is in none, which
/// must be refused too.
pub fn resolve(
    doc: &mut RecordDoc,
    editor: &Editor,
    at: DateTime<Utc>,
    conflict: u8,
    value: u8,
) -> Result<(), RecordError> {
    let conflicts = doc.conflicts();
    if conflicts.is_empty() {
        return doc.resolve_conflict(editor, at, "no_such_field", 0);
    }
    let conflict = &conflicts[usize::from(conflict) % conflicts.len()];
    let pick = usize::from(value) % (conflict.values.len() + 1);
    doc.resolve_conflict(editor, at, &conflict.field.clone(), pick)
}

/// One stretch of offline work: each replica's steps, then the replicas in
/// `meeting` (none, two or all three) exchange everything they hold before
/// the next round.
#[derive(Debug, Clone)]
pub struct Round<S> {
    pub steps: [Vec<S>; REPLICAS],
    pub meeting: &'static [usize],
}

/// One to four rounds of up to five steps per replica; most rounds end
/// with a meeting, so later rounds see (and may resolve) what earlier ones
/// did concurrently. Half the histories then settle: all three replicas
/// meet, and each tries up to two `resolution` steps on the conflicts it
/// now sees, concurrently with the others, before the final merges.
pub fn rounds<S: Debug + Clone>(
    step: impl Strategy<Value = S> + Clone,
    resolution: impl Strategy<Value = S> + Clone,
) -> impl Strategy<Value = Vec<Round<S>>> {
    let round = (
        prop::array::uniform3(prop::collection::vec(step, 0..6)),
        prop_oneof![
            1 => Just(&[][..]),
            2 => prop::sample::select(PAIRS.to_vec()),
            1 => Just(&ALL[..]),
        ],
    )
        .prop_map(|(steps, meeting)| Round { steps, meeting });
    let settling = prop::option::of(prop::array::uniform3(prop::collection::vec(
        resolution,
        0..3,
    )));
    (prop::collection::vec(round, 1..5), settling).prop_map(|(mut rounds, settling)| {
        if let Some(steps) = settling {
            rounds.push(Round {
                steps: Default::default(),
                meeting: &ALL,
            });
            rounds.push(Round {
                steps,
                meeting: &[],
            });
        }
        rounds
    })
}

/// The replicas of one record, and the model of their field writes.
#[derive(Debug)]
pub struct Replicas<K> {
    records: Vec<K>,
    writes: FieldWrites,
    /// The device time of the latest step, in minutes.
    minute: i64,
}

impl<K: Record> Replicas<K> {
    /// Takes the replicas as each device starts with them; the fields they
    /// hold count as written before anyone went offline.
    pub fn new(records: Vec<K>) -> Self {
        assert_eq!(records.len(), REPLICAS, "one record per replica");
        let mut writes = FieldWrites::default();
        for (field, value) in records[0].doc().field_writes() {
            writes.write_everywhere(field, value.value);
        }
        Replicas {
            records,
            writes,
            minute: 0,
        }
    }

    /// Plays the rounds. Each step gets its own device time, later than any
    /// before it (in this call or an earlier one); `apply` performs it. A
    /// refused step must leave the record as it was; an accepted one is
    /// noted in the model of field writes.
    pub fn play<S: Debug>(
        &mut self,
        rounds: &[Round<S>],
        mut apply: impl FnMut(&mut K, usize, DateTime<Utc>, &S) -> Result<(), RecordError>,
    ) -> Result<(), TestCaseError> {
        for round in rounds {
            for (replica, steps) in round.steps.iter().enumerate() {
                for step in steps {
                    self.minute += 1;
                    self.apply(replica, time(self.minute), step, &mut apply)?;
                }
            }
            self.meet(round.meeting)?;
        }
        Ok(())
    }

    fn apply<S: Debug>(
        &mut self,
        replica: usize,
        at: DateTime<Utc>,
        step: &S,
        apply: &mut impl FnMut(&mut K, usize, DateTime<Utc>, &S) -> Result<(), RecordError>,
    ) -> Result<(), TestCaseError> {
        let record = &mut self.records[replica];
        let heads = record.doc().heads();
        let before = fields(record.doc());
        if let Err(err) = apply(record, replica, at, step) {
            prop_assert_eq!(
                record.doc().heads(),
                heads,
                "a refused {:?} on replica {} changed the record ({})",
                step,
                replica,
                err
            );
            return Ok(());
        }
        let after = fields(record.doc());
        for name in before.keys() {
            prop_assert!(
                after.contains_key(name),
                "{:?} removed field {}",
                step,
                name
            );
        }
        for (name, values) in after {
            if before.get(&name) == Some(&values) {
                continue;
            }
            prop_assert_eq!(
                values.len(),
                1,
                "{:?} wrote {} but left competing values",
                step,
                &name
            );
            self.writes.write(replica, name, values[0].value.clone());
        }
        Ok(())
    }

    /// The replicas of `group` exchange everything they hold: the first
    /// takes in the others' changes, then each other takes in the first's.
    fn meet(&mut self, group: &[usize]) -> Result<(), TestCaseError> {
        let Some((&hub, others)) = group.split_first() else {
            return Ok(());
        };
        for &other in others {
            self.exchange(hub, other);
        }
        for &other in others {
            self.exchange(hub, other);
            let mut heads = self.records[other].doc().heads();
            let mut hub_heads = self.records[hub].doc().heads();
            heads.sort();
            hub_heads.sort();
            prop_assert_eq!(heads, hub_heads, "replicas {:?} met", group);
        }
        self.writes.meet(group);
        Ok(())
    }

    /// Two replicas merge each other's changes.
    fn exchange(&mut self, a: usize, b: usize) {
        let (low, high) = (a.min(b), a.max(b));
        let (left, right) = self.records.split_at_mut(high);
        let (first, second) = (&mut left[low], &mut right[0]);
        first.doc_mut().merge(second.doc()).expect("merge");
        second.doc_mut().merge(first.doc()).expect("merge");
    }

    /// The replicas merged in `order`, on a device of their own.
    pub fn merged(&self, order: &[usize]) -> K {
        let mut result = replica_of(&self.records[order[0]]);
        for &index in &order[1..] {
            result
                .doc_mut()
                .merge(self.records[index].doc())
                .expect("merge");
        }
        result
    }

    /// Merges the replicas in every order and checks every result is the
    /// same record: same heads, same document, same `view`, same conflicts.
    /// Then checks that no replica's event was lost, and that the conflicts
    /// are the ones the concurrent field writes make. Returns one merge.
    pub fn assert_converge<V: PartialEq + Debug>(
        &self,
        view: impl Fn(&K) -> V,
    ) -> Result<K, TestCaseError> {
        let mut results: Vec<K> = ORDERS.iter().map(|order| self.merged(order)).collect();
        let first = &results[0];
        let mut first_heads = first.doc().heads();
        first_heads.sort();
        let first_doc = first.doc().automerge().hydrate(None);
        let first_view = view(first);
        let first_conflicts = first.doc().conflicts();
        for (order, other) in ORDERS.iter().zip(&results).skip(1) {
            let mut heads = other.doc().heads();
            heads.sort();
            prop_assert_eq!(&first_heads, &heads, "heads, merge order {:?}", order);
            prop_assert_eq!(
                &first_doc,
                &other.doc().automerge().hydrate(None),
                "document, merge order {:?}",
                order
            );
            prop_assert_eq!(&first_view, &view(other), "view, merge order {:?}", order);
            prop_assert_eq!(
                &first_conflicts,
                &other.doc().conflicts(),
                "conflicts, merge order {:?}",
                order
            );
        }
        self.assert_no_event_lost(first)?;
        self.writes.assert_matches(first.doc())?;
        Ok(results.swap_remove(0))
    }

    /// Every event of every replica is in the merge, and nothing else is.
    fn assert_no_event_lost(&self, merged: &K) -> Result<(), TestCaseError> {
        let merged_events: Vec<String> = merged
            .doc()
            .raw_events()
            .into_iter()
            .map(|event| event.id)
            .collect();
        let distinct: BTreeSet<&String> = merged_events.iter().collect();
        prop_assert_eq!(
            distinct.len(),
            merged_events.len(),
            "an event appears twice"
        );
        let mut written = BTreeSet::new();
        for (replica, record) in self.records.iter().enumerate() {
            for event in record.doc().raw_events() {
                prop_assert!(
                    distinct.contains(&event.id),
                    "event {} ({}) of replica {} is lost",
                    event.id,
                    event.kind,
                    replica
                );
                written.insert(event.id);
            }
        }
        prop_assert_eq!(written.len(), distinct.len(), "the merge made up events");
        Ok(())
    }
}

/// Every value of every field, as a replica holds them.
fn fields(doc: &RecordDoc) -> BTreeMap<String, Vec<FieldValue<Value>>> {
    let mut fields: BTreeMap<String, Vec<FieldValue<Value>>> = BTreeMap::new();
    for (name, value) in doc.field_writes() {
        fields.entry(name).or_default().push(value);
    }
    fields
}

/// The model of field writes: which write each replica has seen, and which
/// writes a later write of the same field hid.
#[derive(Debug, Default)]
struct FieldWrites {
    writes: Vec<(String, Value)>,
    hidden: BTreeSet<usize>,
    seen: [BTreeSet<usize>; REPLICAS],
}

impl FieldWrites {
    fn write_everywhere(&mut self, field: String, value: Value) {
        let id = self.writes.len();
        self.writes.push((field, value));
        for seen in &mut self.seen {
            seen.insert(id);
        }
    }

    fn write(&mut self, replica: usize, field: String, value: Value) {
        let id = self.writes.len();
        for &earlier in &self.seen[replica] {
            if self.writes[earlier].0 == field {
                self.hidden.insert(earlier);
            }
        }
        self.writes.push((field, value));
        self.seen[replica].insert(id);
    }

    fn meet(&mut self, group: &[usize]) {
        let union: BTreeSet<usize> = group
            .iter()
            .flat_map(|&replica| self.seen[replica].iter().copied())
            .collect();
        for &replica in group {
            self.seen[replica] = union.clone();
        }
    }

    /// The distinct values of each field that no write hid.
    fn surviving(&self) -> BTreeMap<&str, BTreeSet<String>> {
        let mut fields: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (id, (field, value)) in self.writes.iter().enumerate() {
            let values = fields.entry(field.as_str()).or_default();
            if !self.hidden.contains(&id) {
                values.insert(value.to_string());
            }
        }
        fields
    }

    /// The merged record holds every field written, each with a surviving
    /// value, and its conflicts are the fields left with several.
    fn assert_matches(&self, merged: &RecordDoc) -> Result<(), TestCaseError> {
        let surviving = self.surviving();
        let names: BTreeSet<String> = fields(merged).into_keys().collect();
        let expected_names: BTreeSet<String> =
            surviving.keys().map(|name| (*name).to_owned()).collect();
        prop_assert_eq!(names, expected_names, "fields after the merge");
        for (name, values) in &surviving {
            let current = merged
                .field::<Value>(name)
                .map(|field| field.value.to_string())
                .unwrap_or_default();
            prop_assert!(
                values.contains(&current),
                "{} reads {} after the merge, not one of {:?}",
                name,
                current,
                values
            );
        }
        let mut conflicts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for conflict in merged.conflicts() {
            let values: BTreeSet<String> = conflict
                .values
                .iter()
                .map(|value| value.value.to_string())
                .collect();
            prop_assert_eq!(
                values.len(),
                conflict.values.len(),
                "each value offered once"
            );
            conflicts.insert(conflict.field, values);
        }
        let expected: BTreeMap<String, BTreeSet<String>> = surviving
            .into_iter()
            .filter(|(_, values)| values.len() > 1)
            .map(|(name, values)| (name.to_owned(), values))
            .collect();
        prop_assert_eq!(conflicts, expected, "conflicts after the merge");
        Ok(())
    }
}
