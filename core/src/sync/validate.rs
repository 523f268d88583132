//! What the server checks before it stores a pushed record: the result of
//! applying the push to its copy must still be the same record (header), keep
//! every event it had unchanged and in order (the duty log may never lose or
//! alter an entry), and everything new must be written by the token's user
//! and device, in one of the user's estates, through verbs the user's role
//! may perform. Pure: the server supplies both versions and the author.

use std::collections::HashSet;

use super::protocol::{RefusalCode, Refused};
use crate::kinds::AnyRecord;
use crate::record::{RawEvent, RecordDoc, Role, Verb, may};

/// Who a sync request speaks for, as the server knows it from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub user: String,
    pub device: String,
    pub role: Role,
    pub estates: Vec<String>,
}

/// Checks a push that turns `before` (none for a new record) into `after`.
pub fn check_push(
    before: Option<&RecordDoc>,
    after: &RecordDoc,
    author: &Author,
) -> Result<(), Refused> {
    let id = after.id().to_string();
    let refuse = |code: RefusalCode, message: String| Refused {
        id: id.clone(),
        code,
        message,
    };
    check_estate(after, author).map_err(|message| refuse(RefusalCode::WrongEstate, message))?;
    if let Some(before) = before {
        if before.header() != after.header() {
            return Err(refuse(
                RefusalCode::HeaderChanged,
                "a record's kind, id, estate and creation never change".into(),
            ));
        }
        check_history_kept(before, after)
            .map_err(|message| refuse(RefusalCode::HistoryRewritten, message))?;
        if before.receipts() != after.receipts() {
            return Err(refuse(
                RefusalCode::HistoryRewritten,
                "receipt times are written by the server only".into(),
            ));
        }
    } else if !after.receipts().is_empty() {
        return Err(refuse(
            RefusalCode::HistoryRewritten,
            "receipt times are written by the server only".into(),
        ));
    } else if after.header().created_by != author.user
        && after.header().created_by != crate::record::SHARED_CREATOR
    {
        return Err(refuse(
            RefusalCode::WrongAuthor,
            format!(
                "the record says it was created by {}",
                after.header().created_by
            ),
        ));
    }
    check_new_events(before, after, author).map_err(|(code, message)| refuse(code, message))?;
    check_new_fields(before, after, author).map_err(|(code, message)| refuse(code, message))?;
    let record = AnyRecord::from_doc(after.clone())
        .map_err(|err| refuse(RefusalCode::Invalid, err.to_string()))?;
    check_authors(before, &record).map_err(|message| refuse(RefusalCode::Forbidden, message))
}

/// The rules on who may act that depend on the record, not only the role.
fn check_authors(before: Option<&RecordDoc>, after: &AnyRecord) -> Result<(), String> {
    let old_ids: HashSet<String> = before
        .map(|doc| doc.raw_events().into_iter().map(|event| event.id).collect())
        .unwrap_or_default();
    after
        .doc()
        .raw_events()
        .iter()
        .filter(|event| !old_ids.contains(&event.id))
        .find_map(|event| after.author_refusal(&event.id))
        .map_or(Ok(()), Err)
}

fn check_estate(record: &RecordDoc, author: &Author) -> Result<(), String> {
    let estate = &record.header().estate;
    if author.estates.iter().any(|own| own == estate) {
        Ok(())
    } else {
        Err(format!("{} does not work at estate {estate}", author.user))
    }
}

/// Every event of `before` is still in `after`, unaltered and in order.
fn check_history_kept(before: &RecordDoc, after: &RecordDoc) -> Result<(), String> {
    let old = before.raw_events();
    let kept: Vec<RawEvent> = {
        let old_ids: HashSet<&str> = old.iter().map(|event| event.id.as_str()).collect();
        after
            .raw_events()
            .into_iter()
            .filter(|event| old_ids.contains(event.id.as_str()))
            .collect()
    };
    if kept.len() < old.len() {
        return Err(format!(
            "{} entries were removed from the history",
            old.len() - kept.len()
        ));
    }
    for (was, is) in old.iter().zip(&kept) {
        if !same_event(was, is) {
            return Err(format!(
                "the {} entry made at {} was altered or moved",
                was.kind, was.at
            ));
        }
    }
    Ok(())
}

fn same_event(was: &RawEvent, is: &RawEvent) -> bool {
    (
        &was.id,
        &was.kind,
        was.at,
        &was.user,
        &was.device,
        &was.data,
    ) == (&is.id, &is.kind, is.at, &is.user, &is.device, &is.data)
}

fn check_new_events(
    before: Option<&RecordDoc>,
    after: &RecordDoc,
    author: &Author,
) -> Result<(), (RefusalCode, String)> {
    let old_ids: HashSet<String> = before
        .map(|doc| doc.raw_events().into_iter().map(|event| event.id).collect())
        .unwrap_or_default();
    let kind = after.kind();
    for event in after
        .raw_events()
        .iter()
        .filter(|event| !old_ids.contains(&event.id))
    {
        if event.user != author.user || event.device != author.device {
            return Err((
                RefusalCode::WrongAuthor,
                format!(
                    "a {} entry names {} on {}, not this device's user",
                    event.kind, event.user, event.device
                ),
            ));
        }
        let verb = AnyRecord::verb_of(kind, event).ok_or_else(|| {
            (
                RefusalCode::Invalid,
                format!("{kind} records have no {:?} entries", event.kind),
            )
        })?;
        if !may(author.role, verb) {
            return Err((
                RefusalCode::Forbidden,
                format!("a {} may not {verb}", author.role),
            ));
        }
    }
    Ok(())
}

fn check_new_fields(
    before: Option<&RecordDoc>,
    after: &RecordDoc,
    author: &Author,
) -> Result<(), (RefusalCode, String)> {
    let key = |(name, value): &(String, crate::record::FieldValue<serde_json::Value>)| {
        format!(
            "{name}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            value.user, value.device, value.at, value.value
        )
    };
    let old: HashSet<String> = before
        .map(|doc| doc.field_writes().iter().map(key).collect())
        .unwrap_or_default();
    let is_new_record = before.is_none();
    for write in after
        .field_writes()
        .iter()
        .filter(|write| !old.contains(&key(write)))
    {
        let (name, value) = write;
        if value.user != author.user || value.device != author.device {
            return Err((
                RefusalCode::WrongAuthor,
                format!("the {name} field names {} on {}", value.user, value.device),
            ));
        }
        let allowed = is_new_record
            || may(author.role, Verb::Amend)
            || may(author.role, Verb::ResolveConflict);
        if !allowed {
            return Err((
                RefusalCode::Forbidden,
                format!("a {} may not change {name}", author.role),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::kinds::repair_sheet::{Intake, RepairSheet};
    use crate::record::{Editor, Role};
    use crate::rules::{RepairLocation, Urgency};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_413_200, 0).expect("time") + Duration::minutes(minute)
    }

    fn author(editor: &Editor) -> Author {
        Author {
            user: editor.user.clone(),
            device: editor.device.clone(),
            role: editor.role,
            estates: vec!["e1".into()],
        }
    }

    fn dispatched_sheet() -> RepairSheet {
        let desk = Editor::new("lin", "desk", Role::FrontDesk);
        let intake = Intake {
            resident_name: "Li".into(),
            unit: "B1-101".into(),
            phone: "13800000000".into(),
            problem: "leak".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let mut sheet = RepairSheet::open(&desk, at(1), "e1", intake, at(0), None).expect("open");
        sheet.dispatch(&desk, at(2), "wang").expect("dispatch");
        sheet
    }

    #[test]
    fn only_the_assigned_technician_records_arrival() {
        let before = dispatched_sheet();
        // A doctored phone skips the verb's own check: the server still refuses.
        let zhao = Editor::new("zhao", "phone-zhao", Role::Technician);
        let mut after = RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
            .expect("kind");
        after
            .doc_mut()
            .edit(&zhao, at(3), Verb::Arrive, |write| {
                write
                    .append(&crate::kinds::repair_sheet::RepairEvent::Arrived)
                    .map(drop)
            })
            .expect("forged arrival");
        let refused =
            check_push(Some(before.doc()), after.doc(), &author(&zhao)).expect_err("refused");
        assert_eq!(refused.code, RefusalCode::Forbidden);

        let wang = Editor::new("wang", "phone-wang", Role::Technician);
        let mut honest =
            RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
                .expect("kind");
        honest.arrive(&wang, at(3)).expect("arrive");
        check_push(Some(before.doc()), honest.doc(), &author(&wang)).expect("accepted");
    }

    #[test]
    fn a_role_that_may_not_act_is_refused() {
        let before = dispatched_sheet();
        let patrol = Editor::new("liu", "phone-liu", Role::Patrol);
        let mut after = RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
            .expect("kind");
        after
            .doc_mut()
            .edit(
                &Editor::new("liu", "phone-liu", Role::Admin),
                at(3),
                Verb::Dispatch,
                |write| {
                    write
                        .append(&crate::kinds::repair_sheet::RepairEvent::Dispatched {
                            technician: "x".into(),
                        })
                        .map(drop)
                },
            )
            .expect("forged");
        let refused =
            check_push(Some(before.doc()), after.doc(), &author(&patrol)).expect_err("refused");
        assert_eq!(refused.code, RefusalCode::Forbidden);
    }
}
