//! What a record's history says, for the people who answer for it: every
//! write of every field (an amendment, a conflict's competing values, its
//! resolution) with the value it replaced, who wrote it, from which device
//! and when; and the whole raw history, every Automerge change with its
//! actor, time and operations, as JSON for an auditor. Both are read from
//! the document's own changes, the same reading the server judges pushes
//! by, so nothing here can disagree with what was stored: a correction is
//! history because the history is never rewritten (the server refuses
//! that), not because a second copy of it is kept.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::record::{FieldValue, Limits, RecordDoc};
use crate::sync::judge::changes::{self, OpKey};

/// One write of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldWrite {
    pub field: String,
    pub value: Value,
    /// The values this write replaced, as its author saw them: none for
    /// the first write, one for an amendment, several for a resolution.
    pub previous: Vec<Value>,
    pub user: String,
    pub device: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The write chose between values written concurrently.
    pub resolves_conflict: bool,
    /// The Automerge change that made it (hex hash).
    pub change: String,
}

/// Every field write of the record, in history order.
pub fn field_history(record: &RecordDoc) -> Vec<FieldWrite> {
    let doc = record.automerge();
    let all = doc.get_changes(&[]);
    let Some(layout) = all
        .first()
        .and_then(|first| changes::layout_of_creation(first).ok())
    else {
        return Vec::new();
    };
    // The record was accepted under the limits in force then; its history
    // is read whatever today's limits are.
    let limits = Limits::unbounded();
    let mut values: HashMap<OpKey, Value> = HashMap::new();
    let mut writes = Vec::new();
    for change in all.iter().skip(1) {
        if changes::only_receipts(change, &layout) {
            continue;
        }
        let Ok(edits) = changes::decode(change, &layout, &limits) else {
            continue;
        };
        for slot in edits.slots {
            let previous: Vec<Value> = slot
                .overwrites
                .iter()
                .filter_map(|key| values.get(key).cloned())
                .collect();
            values.insert(slot.key.clone(), slot.value.value.clone());
            writes.push(write(slot.name, slot.value, previous, change.hash()));
        }
    }
    writes
}

fn write(
    field: String,
    value: FieldValue<Value>,
    previous: Vec<Value>,
    change: automerge::ChangeHash,
) -> FieldWrite {
    FieldWrite {
        field,
        resolves_conflict: previous.len() > 1,
        value: value.value,
        previous,
        user: value.user,
        device: value.device,
        at: value.at,
        change: change.to_string(),
    }
}

/// The whole raw history: every change, in causal order, with its hash,
/// actor, sequence number, time (seconds), message (the verb), dependencies
/// and operations, as Automerge records them.
pub fn raw_history(record: &RecordDoc) -> Value {
    let changes: Vec<Value> = record
        .automerge()
        .get_changes(&[])
        .iter()
        .map(|change| serde_json::to_value(change.decode()).unwrap_or(Value::Null))
        .collect();
    json!({
        "record": record.id().to_string(),
        "kind": record.kind().as_str(),
        "estate": record.header().estate,
        "changes": changes,
    })
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::kinds::repair_sheet::{Amendment, Intake, RepairSheet};
    use crate::record::{Editor, RecordDoc, Role};
    use crate::rules::{RepairLocation, Urgency};

    fn intake() -> Intake {
        Intake {
            resident_name: "Li".into(),
            unit: "B1-101".into(),
            phone: "13800000000".into(),
            problem: "leak".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
            appointment: None,
        }
    }

    #[test]
    fn a_phone_number_keeps_every_value_it_had_and_who_changed_it() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
            .single()
            .expect("time");
        let at = |minutes| t0 + Duration::minutes(minutes);
        let desk = Editor::new("lin", "dev-a", Role::FrontDesk);
        let other_desk = Editor::new("lin", "dev-b", Role::FrontDesk);
        let office = Editor::new("boss", "browser", Role::Office);
        let intake = intake();
        let mut a = RepairSheet::open(&desk, at(1), "e", intake, t0, None).expect("open");
        let copy = RecordDoc::load(&a.doc().save()).expect("copy");
        let mut b = RepairSheet::from_doc(copy).expect("a sheet");
        b.doc_mut().set_actor(ActorId::random());
        a.amend(&desk, at(2), Amendment::Phone("13900000001".into()))
            .expect("amend on a");
        b.amend(&other_desk, at(3), Amendment::Phone("13900000002".into()))
            .expect("amend on b");
        a.doc_mut().merge(b.doc()).expect("merge");
        a.doc_mut()
            .resolve_conflict(&office, at(4), "phone", 1)
            .expect("resolve");

        let phone: Vec<FieldWrite> = field_history(a.doc())
            .into_iter()
            .filter(|write| write.field == "phone")
            .collect();
        let shown: Vec<(&str, Vec<&str>, &str, &str, bool)> = phone
            .iter()
            .map(|write| {
                (
                    write.value.as_str().expect("text"),
                    write.previous.iter().filter_map(Value::as_str).collect(),
                    write.user.as_str(),
                    write.device.as_str(),
                    write.resolves_conflict,
                )
            })
            .collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert_eq!(shown[0], ("13800000000", vec![], "lin", "dev-a", false));
        assert!(shown[1..3].contains(&("13900000001", vec!["13800000000"], "lin", "dev-a", false)));
        assert!(shown[1..3].contains(&("13900000002", vec!["13800000000"], "lin", "dev-b", false)));
        assert_eq!(shown[3].0, "13900000002");
        assert_eq!(shown[3].2, "boss");
        assert!(shown[3].4, "the resolution chose between both values");
        let mut replaced = shown[3].1.clone();
        replaced.sort();
        assert_eq!(replaced, ["13900000001", "13900000002"]);
    }

    #[test]
    fn the_raw_history_lists_every_change_with_its_actor_and_operations() {
        let desk = Editor::new("lin", "dev-a", Role::FrontDesk);
        let now = Utc::now();
        let intake = intake();
        let mut sheet = RepairSheet::open(&desk, now, "e", intake, now, None).expect("open");
        sheet
            .amend(&desk, now, Amendment::Phone("13900000001".into()))
            .expect("amend");
        let raw = raw_history(sheet.doc());
        let changes = raw["changes"].as_array().expect("changes");
        assert_eq!(
            changes.len(),
            sheet.doc().automerge().get_changes(&[]).len()
        );
        for change in changes {
            assert!(change["actor"].is_string(), "{change}");
            assert!(change["time"].is_i64(), "{change}");
            assert!(!change["ops"].as_array().expect("ops").is_empty());
        }
        assert_eq!(raw["record"], sheet.id().to_string());
    }
}
