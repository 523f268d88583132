//! The cheap look at a push before anything expensive: how many operations
//! its changes hold, read from each change chunk's own header and columns
//! without applying anything to the record, and for a whole document how
//! many events and fields it has. A push that could only take a record past
//! its limits is refused here, off the single writer, so one device sending
//! a hundred thousand events never holds up everyone else's pushes.

use automerge::{Automerge, Change, ROOT, ReadDoc, Value};

use super::changes::{Breach, over_limit};
use crate::protocol::RefusalCode;
use crate::record::{Limits, OverLimit};

/// Every chunk of an Automerge file starts with these bytes.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The chunk type of a whole document (the others are changes).
const DOCUMENT: u8 = 0;
/// Operations of one event: the map and its six keys (a field slot: five).
const OPS_PER_EVENT: usize = 7;

/// Refuses pushed `bytes` that hold more than a record may: more
/// operations than `limits` allow events and fields, or (a whole
/// document) more events or fields.
pub fn precheck(bytes: &[u8], limits: &Limits) -> Result<(), Breach> {
    let budget = limits.max_events.saturating_add(limits.max_fields) * OPS_PER_EVENT;
    let mut ops = 0usize;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (kind, chunk, after) = split_chunk(rest).ok_or_else(not_automerge)?;
        if kind == DOCUMENT {
            check_document(chunk, limits)?;
        } else {
            let change = Change::try_from(chunk).map_err(|_| not_automerge())?;
            ops += change.len();
            if ops > budget {
                return Err(over_limit(OverLimit {
                    limit: "operations in one push of a record",
                    value: budget,
                }));
            }
        }
        rest = after;
    }
    Ok(())
}

/// The first chunk of `bytes`: its type, the whole chunk, and what follows.
fn split_chunk(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let kind = *bytes.get(8)?;
    let mut length_bytes = bytes.get(9..)?;
    let before = length_bytes.len();
    let length = usize::try_from(leb128::read::unsigned(&mut length_bytes).ok()?).ok()?;
    let header = 9 + (before - length_bytes.len());
    let end = header.checked_add(length)?;
    Some((kind, bytes.get(..end)?, bytes.get(end..)?))
}

fn check_document(chunk: &[u8], limits: &Limits) -> Result<(), Breach> {
    let doc = Automerge::load(chunk).map_err(|_| not_automerge())?;
    let length = |key: &str| match doc.get(ROOT, key) {
        Ok(Some((Value::Object(_), id))) => doc.length(&id),
        _ => 0,
    };
    limits.events(length("events")).map_err(over_limit)?;
    limits.fields(length("fields")).map_err(over_limit)
}

fn not_automerge() -> Breach {
    (
        RefusalCode::NotAutomerge,
        "the changes could not be read".into(),
    )
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ScalarValue};

    use super::*;

    fn events(count: usize, per_change: usize) -> (Automerge, Vec<u8>) {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put_object(ROOT, "events", ObjType::List)
            .expect("events");
        tx.commit();
        let base = doc.get_heads();
        let events = match doc.get(ROOT, "events") {
            Ok(Some((_, id))) => id,
            other => panic!("{other:?}"),
        };
        for start in (0..count).step_by(per_change) {
            let mut tx = doc.transaction();
            for n in start..(start + per_change).min(count) {
                let map = tx.insert_object(&events, n, ObjType::Map).expect("insert");
                for key in ["id", "type", "user", "device", "data"] {
                    tx.put(&map, key, "x").expect("put");
                }
                tx.put(&map, "at", ScalarValue::Timestamp(0)).expect("at");
            }
            tx.commit();
        }
        let changes = doc.save_after(&base);
        (doc, changes)
    }

    #[test]
    fn a_push_is_counted_without_applying_it() {
        let limits = Limits {
            max_events: 20,
            max_fields: 0,
            ..Limits::default()
        };
        let (_, small) = events(10, 3);
        assert!(precheck(&small, &limits).is_ok());
        let (doc, big) = events(30, 7);
        let (code, message) = precheck(&big, &limits).expect_err("too many");
        assert_eq!(code, RefusalCode::OverLimit);
        assert!(message.contains("operations"), "{message}");
        let (code, _) = precheck(&doc.save(), &limits).expect_err("a whole document");
        assert_eq!(code, RefusalCode::OverLimit);
        assert_eq!(
            precheck(b"garbage", &limits).expect_err("junk").0,
            RefusalCode::NotAutomerge
        );
    }
}
