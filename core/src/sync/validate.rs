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
    AnyRecord::from_doc(after.clone())
        .map_err(|err| refuse(RefusalCode::Invalid, err.to_string()))?;
    Ok(())
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
