//! A record's own part of its page: what the procedure filled in, block by
//! block, read for people. [`layout`] says what each kind shows, as data;
//! [`render`] draws it; [`Sheet::gather`] fetches what reading it needs
//! (the names of the estate's people, the titles of linked records, which
//! images the server holds yet).

pub mod layout;
pub mod render;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;
use serde_json::Value;
use stairwell_core::kinds::{AnyRecord, BlobHash};

use super::messages::Lang;
use super::people::People;
use super::record::blobs_of;
use super::session::{Ctx, PageError, blocking};
use crate::http::state::AppState;

/// What a record page needs to read a view for people.
#[derive(Debug)]
pub struct Sheet<'a> {
    pub lang: Lang,
    pub tz: Tz,
    /// The record shown, for its images' addresses.
    pub record: &'a str,
    /// Names for user ids, for the record's estate.
    pub people: People,
    /// Record id → title, for the records this one links to.
    pub titles: HashMap<String, String>,
    /// The images the server holds; the others are still on a phone.
    pub stored: HashSet<String>,
    /// A checklist's item id → its label, for its `item.<id>` fields.
    pub items: HashMap<String, String>,
}

impl<'a> Sheet<'a> {
    /// Fetches the names, titles and image states `view` needs.
    pub async fn gather(
        state: &Arc<AppState>,
        ctx: &Ctx,
        record: &'a str,
        estate: &str,
        view: &Value,
    ) -> Result<Sheet<'a>, PageError> {
        let tz = ctx.tz(estate);
        let linked = linked_ids(view);
        let hashes: Vec<BlobHash> = blobs_of(view)
            .into_iter()
            .filter_map(|blob| blob.hash.parse().ok())
            .collect();
        let estate = estate.to_owned();
        let estates = ctx.user.estates.clone();
        let author = ctx.author();
        let (people, titles, stored) = blocking(state, move |storage| {
            let people = People::of(storage, &[estate])?;
            let mut titles = HashMap::new();
            for id in linked {
                let Some(stored) = storage.load_record(&id)? else {
                    continue;
                };
                if !estates.contains(&stored.estate) {
                    continue;
                }
                if let Ok(record) = AnyRecord::load(&stored.bytes) {
                    titles.insert(id, record.index_entry(tz).title);
                }
            }
            let missing: HashSet<String> = storage
                .missing_blobs(&author, &hashes)?
                .into_iter()
                .map(|(hash, _)| hash.to_string())
                .collect();
            let stored = hashes
                .iter()
                .map(ToString::to_string)
                .filter(|hash| !missing.contains(hash))
                .collect();
            Ok((people, titles, stored))
        })
        .await?;
        Ok(Sheet {
            lang: ctx.lang,
            tz,
            record,
            people,
            titles,
            stored,
            items: item_labels(view),
        })
    }
}

/// A checklist's or a template's items by id, with their labels.
fn item_labels(view: &Value) -> HashMap<String, String> {
    view.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            Some((
                item.get("id")?.as_str()?.to_owned(),
                item.get("label")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The record ids a view links to: a repair's source, a finding's or an
/// item's repairs, a round's route, a checklist's template, the original
/// of a duplicate.
fn linked_ids(view: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut push = |value: Option<&Value>| {
        if let Some(id) = value.and_then(Value::as_str) {
            ids.push(id.to_owned());
        }
    };
    push(view.pointer("/source/record"));
    push(view.get("route"));
    push(view.get("template"));
    push(view.get("duplicate_of"));
    for list in ["findings", "items"] {
        for entry in view
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for repair in entry
                .get("repairs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push(Some(repair));
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}
