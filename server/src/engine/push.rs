//! One pushed record, judged on its own: apply the device's bytes to a copy
//! of the server's document (or load them as a new record), let
//! [`check_push`] decide, and work out which heads the device may mark as
//! synced. Pure apart from the documents it is given; the writer decides
//! what to store.

use std::collections::HashSet;

use automerge::{ActorId, Automerge, AutomergeError, ChangeHash, ReadDoc};
use chrono::{DateTime, Utc};
use stairwell_core::protocol::{PushedRecord, RefusalCode, Refused};
use stairwell_core::record::Limits;
use stairwell_core::record::{RecordDoc, RecordError, RecordId};
use stairwell_core::sync::judge::{Author, Context, check_push};

use crate::engine::directory::Directory;

/// Who pushes, and what the judge knows beside the documents.
#[derive(Debug, Clone, Copy)]
pub struct Judging<'a> {
    pub author: &'a Author,
    pub directory: &'a Directory,
    pub limits: &'a Limits,
}

/// A push that passed every check, not yet stamped or stored.
#[derive(Debug)]
pub struct Applied {
    /// The server's document with the device's changes applied.
    pub after: RecordDoc,
    /// The heads of the changes the device sent, which it marks as synced.
    pub pushed_heads: Vec<ChangeHash>,
    /// Whether the push brought any change the server lacked.
    pub changed: bool,
    /// The events the push appended, to stamp with their receipt time.
    pub new_events: Vec<String>,
}

fn refused(pushed: &PushedRecord, code: RefusalCode, message: impl Into<String>) -> Refused {
    Refused {
        id: pushed.id.clone(),
        code,
        message: message.into(),
    }
}

/// Judges one pushed record against the server's copy (`None`: the server
/// does not have the record).
pub fn apply(
    before: Option<&RecordDoc>,
    pushed: &PushedRecord,
    judging: Judging<'_>,
) -> Result<Applied, Refused> {
    // Records are stored under their id as sent, so only the one canonical
    // spelling (lowercase, hyphenated) names a record: another spelling of
    // the same UUID would be a second, unchecked copy of it.
    let id = pushed
        .id
        .parse::<RecordId>()
        .ok()
        .filter(|id| id.to_string() == pushed.id)
        .ok_or_else(|| {
            refused(
                pushed,
                RefusalCode::NotARecord,
                format!("{:?} is not a record id in its canonical form", pushed.id),
            )
        })?;
    let standalone = parse(pushed)?;
    let after = match before {
        None => new_record(pushed, standalone, id)?,
        Some(before) => changed_record(pushed, before)?,
    };
    let context = Context {
        author: judging.author,
        staff: judging.directory,
        limits: judging.limits,
        tz: judging.directory.zone(&after.header().estate),
    };
    let judgement = check_push(before, &after, &context)?;
    let (pushed_heads, changed) = pushed_heads(before, &after);
    Ok(Applied {
        after,
        pushed_heads,
        changed,
        new_events: judgement.new_events,
    })
}

/// Loads the bytes on their own, to tell bytes that are not Automerge at
/// all from changes that merely build on history: `Some` when they form a
/// whole document.
fn parse(pushed: &PushedRecord) -> Result<Option<Automerge>, Refused> {
    match Automerge::load(&pushed.changes) {
        Ok(doc) => Ok(Some(doc)),
        Err(AutomergeError::MissingDeps) => Ok(None),
        Err(err) => Err(refused(
            pushed,
            RefusalCode::NotAutomerge,
            format!("the changes could not be read: {err}"),
        )),
    }
}

fn new_record(
    pushed: &PushedRecord,
    standalone: Option<Automerge>,
    id: RecordId,
) -> Result<RecordDoc, Refused> {
    let missing = || {
        refused(
            pushed,
            RefusalCode::MissingHistory,
            "the server does not have this record yet: send the whole record",
        )
    };
    let doc = standalone.ok_or_else(missing)?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err(missing());
    }
    let record = RecordDoc::from_automerge(doc).map_err(|err| match err {
        RecordError::SchemaTooNew { .. } => {
            refused(pushed, RefusalCode::SchemaTooNew, err.to_string())
        }
        _ => refused(pushed, RefusalCode::NotARecord, err.to_string()),
    })?;
    if record.id() != id {
        return Err(refused(
            pushed,
            RefusalCode::HeaderChanged,
            format!("the document is record {}, not {id}", record.id()),
        ));
    }
    Ok(record)
}

fn changed_record(pushed: &PushedRecord, before: &RecordDoc) -> Result<RecordDoc, Refused> {
    let mut after = before.clone();
    match after.apply_changes(&pushed.changes) {
        Ok(()) => Ok(after),
        Err(err) => {
            let (code, message) = classify(before, &pushed.changes, err);
            Err(refused(pushed, code, message))
        }
    }
}

/// `apply_changes` reports several causes as one `Malformed`; this sorts
/// them by redoing the merge on a scratch copy. Runs only for refusals.
fn classify(before: &RecordDoc, bytes: &[u8], err: RecordError) -> (RefusalCode, String) {
    match err {
        RecordError::SchemaTooNew { .. } => (RefusalCode::SchemaTooNew, err.to_string()),
        RecordError::Invalid { .. } => (
            RefusalCode::HeaderChanged,
            "a record's kind, id, estate and creation never change".into(),
        ),
        RecordError::Malformed(_) => {
            let mut scratch = before.automerge().fork();
            match scratch.load_incremental(bytes) {
                Err(err) => (
                    RefusalCode::NotAutomerge,
                    format!("the changes could not be applied: {err}"),
                ),
                Ok(_) if !scratch.get_missing_deps(&[]).is_empty() => (
                    RefusalCode::MissingHistory,
                    "the changes build on history the server does not have".into(),
                ),
                Ok(_) => (
                    RefusalCode::HeaderChanged,
                    "the changes remove the record's header".into(),
                ),
            }
        }
        other => (RefusalCode::Invalid, other.to_string()),
    }
}

/// The heads the device may mark as synced: the newest of the changes it
/// sent that the server lacked. Those are changes the device has and the
/// server now stores, so the device's next `save_after` of them sends
/// exactly what is still missing. A push of nothing new leaves the record's
/// heads.
fn pushed_heads(before: Option<&RecordDoc>, after: &RecordDoc) -> (Vec<ChangeHash>, bool) {
    let Some(before) = before else {
        // A new record: every change is the device's.
        let mut heads = after.heads();
        heads.sort_unstable();
        return (heads, true);
    };
    let new = after.automerge().get_changes(&before.heads());
    if new.is_empty() {
        return (after.heads(), false);
    }
    let depended_on: HashSet<ChangeHash> = new
        .iter()
        .flat_map(|change| change.deps().iter().copied())
        .collect();
    let mut heads: Vec<ChangeHash> = new
        .iter()
        .map(|change| change.hash())
        .filter(|hash| !depended_on.contains(hash))
        .collect();
    heads.sort_unstable();
    (heads, true)
}

/// Stamps the server's receipt time on every event not yet stamped, as the
/// server's own actor so documents do not collect one actor per load.
pub fn stamp(
    record: &mut RecordDoc,
    new_events: &[String],
    actor: &ActorId,
    now: DateTime<Utc>,
) -> Result<usize, RecordError> {
    record.set_actor(actor.clone());
    record.stamp_events(new_events, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ScalarValue, Value};
    use serde_bytes::ByteBuf;
    use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
    use stairwell_core::record::{Editor, Role};
    use stairwell_core::rules::{RepairLocation, Urgency};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_413_200 + minute * 60, 0).expect("time")
    }

    /// Stamps every event, as the server does once it has judged them.
    fn stamp_all(record: &mut RecordDoc, at: DateTime<Utc>) {
        record.set_actor(ActorId::random());
        record.stamp_received(at).expect("stamp");
    }

    /// Judges as `author`, in estate e1 with one technician, wang.
    fn apply_as(
        before: Option<&RecordDoc>,
        pushed: &PushedRecord,
        author: &Author,
    ) -> Result<Applied, Refused> {
        let judging = Judging {
            author,
            directory: &Directory::of(
                "e1",
                &[("lin", Role::FrontDesk), ("wang", Role::Technician)],
            ),
            limits: &Limits::default(),
        };
        apply(before, pushed, judging)
    }

    fn desk() -> (Editor, Author) {
        let editor = Editor::new("lin", "dev-lin", Role::FrontDesk);
        let author = Author {
            user: "lin".into(),
            device: "dev-lin".into(),
            role: Role::FrontDesk,
            estates: vec!["e1".into()],
        };
        (editor, author)
    }

    fn sheet(editor: &Editor) -> RepairSheet {
        let intake = Intake {
            resident_name: "李先生".into(),
            unit: "B2-1203".into(),
            phone: "138 0000 1234".into(),
            problem: "厨房水龙头漏水".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
            appointment: None,
        };
        RepairSheet::open(editor, at(1), "e1", intake, at(0), None).expect("open")
    }

    fn push(id: impl ToString, bytes: Vec<u8>) -> PushedRecord {
        PushedRecord {
            id: id.to_string(),
            changes: ByteBuf::from(bytes),
        }
    }

    #[test]
    fn new_records_are_accepted_with_their_heads() {
        let (editor, author) = desk();
        let sheet = sheet(&editor);
        let applied =
            apply_as(None, &push(sheet.id(), sheet.doc().save()), &author).expect("accepted");
        assert!(applied.changed);
        assert_eq!(applied.pushed_heads, sheet.doc().heads());
    }

    #[test]
    fn pushed_heads_are_the_devices_even_when_the_server_has_more() {
        let (editor, author) = desk();
        let device = sheet(&editor);
        let mut server = device.doc().clone();
        stamp_all(&mut server, at(2));
        let mut edited = device.clone();
        edited.dispatch(&editor, at(3), "wang").expect("dispatch");
        let bytes = edited.doc().save_after(&device.doc().heads());
        let applied =
            apply_as(Some(&server), &push(device.id(), bytes), &author).expect("accepted");
        assert_eq!(applied.pushed_heads, edited.doc().heads());
        assert_ne!(applied.after.heads(), edited.doc().heads());
    }

    #[test]
    fn refusals_name_their_cause() {
        let (editor, author) = desk();
        let sheet = sheet(&editor);
        let code = |before: Option<&RecordDoc>, pushed: PushedRecord| {
            apply_as(before, &pushed, &author)
                .expect_err("refused")
                .code
        };
        assert_eq!(
            code(None, push(sheet.id(), b"garbage".to_vec())),
            RefusalCode::NotAutomerge
        );
        assert_eq!(
            code(Some(sheet.doc()), push(sheet.id(), b"garbage".to_vec())),
            RefusalCode::NotAutomerge
        );
        assert_eq!(
            code(None, push("not-a-uuid", sheet.doc().save())),
            RefusalCode::NotARecord
        );
        assert_eq!(
            code(None, push(sheet.id(), Automerge::new().save())),
            RefusalCode::NotARecord
        );
        let mut edited = sheet.clone();
        edited.add_note(&editor, at(2), "note").expect("note");
        let increment = edited.doc().save_after(&sheet.doc().heads());
        assert_eq!(
            code(None, push(sheet.id(), increment)),
            RefusalCode::MissingHistory
        );
        let mut moved = sheet.doc().automerge().fork();
        let heads = moved.get_heads();
        let mut tx = moved.transaction();
        tx.put(ROOT, "estate", "e2").expect("put");
        tx.commit();
        assert_eq!(
            code(
                Some(sheet.doc()),
                push(sheet.id(), moved.save_after(&heads))
            ),
            RefusalCode::HeaderChanged
        );
        let mut gone = sheet.doc().automerge().fork();
        let heads = gone.get_heads();
        let mut tx = gone.transaction();
        tx.delete(ROOT, "kind").expect("delete");
        tx.commit();
        assert!(gone.get(ROOT, "kind").expect("get").is_none());
        assert_eq!(
            code(Some(sheet.doc()), push(sheet.id(), gone.save_after(&heads))),
            RefusalCode::HeaderChanged
        );
    }

    #[test]
    fn devices_may_not_write_receipt_stamps() {
        let (editor, author) = desk();
        let sheet = sheet(&editor);
        let event = sheet.doc().raw_events()[0].id.clone();
        let forge = |doc: &RecordDoc| {
            let mut forged = doc.automerge().fork();
            let base = forged.get_heads();
            let received = match forged.get(ROOT, "received").expect("get") {
                Some((Value::Object(_), received)) => received,
                other => panic!("no received map: {other:?}"),
            };
            let mut tx = forged.transaction();
            tx.put(&received, event.as_str(), ScalarValue::Timestamp(0))
                .expect("put");
            tx.commit();
            (forged.save(), forged.save_after(&base))
        };
        let (whole, _) = forge(sheet.doc());
        let refusal = apply_as(None, &push(sheet.id(), whole), &author).expect_err("refused");
        assert_eq!(refusal.code, RefusalCode::HistoryRewritten);

        let mut stored = sheet.doc().clone();
        stamp_all(&mut stored, at(2));
        let (_, change) = forge(&stored);
        let refusal =
            apply_as(Some(&stored), &push(sheet.id(), change), &author).expect_err("refused");
        assert_eq!(refusal.code, RefusalCode::HistoryRewritten);
    }

    #[test]
    fn a_repeated_push_is_accepted_without_change() {
        let (editor, author) = desk();
        let sheet = sheet(&editor);
        let applied = apply_as(
            Some(sheet.doc()),
            &push(sheet.id(), sheet.doc().save()),
            &author,
        )
        .expect("accepted");
        assert!(!applied.changed);
        assert_eq!(applied.pushed_heads, sheet.doc().heads());
    }
}
