//! Reading what the device holds: `show` one record, `list` the index rows,
//! `conflicts` across every record, `resolve` one, and the server's
//! `refusals`. Lists read the index only; `show` and `conflicts` load the
//! documents they need, as the app's detail screens do.

use chrono::Utc;
use chrono_tz::Tz;
use clap::Args;
use serde_json::Value;
use stairwell_core::kinds::{AnyRecord, IndexEntry};
use stairwell_core::record::{RecordDoc, RecordId, TimelineEntry};
use stairwell_core::store::{Discarded, Query, Store};
use stairwell_core::sync::audit;

use super::FieldError;
use super::args::KindArg;
use super::context::{self, Me};
use super::detail;
use super::output::{
    self, ConflictOut, FieldConflictOut, FieldWriteOut, HeaderOut, RefusalOut, Row, ShowOut,
    TimelineOut,
};

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    pub id: RecordId,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    pub id: RecordId,
}

#[derive(Debug, Clone, Args)]
pub struct DiscardArgs {
    pub id: RecordId,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// A lifecycle state's code, e.g. dispatched.
    #[arg(long)]
    pub state: Option<String>,
    /// Only records that still need someone's action.
    #[arg(long)]
    pub open: bool,
    #[arg(long)]
    pub assignee: Option<String>,
    #[arg(long)]
    pub estate: Option<String>,
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    pub id: RecordId,
    /// The field in conflict, as `conflicts` names it.
    #[arg(long)]
    pub field: String,
    /// The value to keep, by its number in `conflicts`.
    #[arg(long)]
    pub pick: usize,
}

/// A record's view, split the way `show` prints it.
struct Shown {
    view: Value,
    timeline: Vec<TimelineEntry>,
    details: Vec<String>,
}

pub fn show(store: &Store, args: &ShowArgs) -> Result<(), FieldError> {
    let now = Utc::now();
    let (shown, entry, details) = show_out(store, args.id)?;
    if args.json {
        output::print_json(&shown)
    } else {
        let zone = estate_zone(store, &entry.estate)?;
        output::print(&shown.text(&entry, &details, now, zone))
    }
}

/// Everything `show` prints about a record, with its index row and the
/// kind's human lines.
pub fn show_out(
    store: &Store,
    id: RecordId,
) -> Result<(ShowOut, IndexEntry, Vec<String>), FieldError> {
    let record = context::load(store, id)?;
    let entry = store.get_entry(id)?.ok_or(FieldError::NotFound(id))?;
    let doc = record.doc();
    let shown = shown(&record, estate_zone(store, &entry.estate)?)?;
    let out = ShowOut {
        id: id.to_string(),
        kind: doc.kind().as_str().to_owned(),
        header: HeaderOut::from(doc.header()),
        entry: Row::from(&entry),
        pending_sync: store.sync_state(id)?.is_some_and(|state| state.dirty),
        refusal: refusal_of(store, id)?,
        view: shown.view,
        timeline: shown.timeline.iter().map(TimelineOut::from).collect(),
        conflicts: doc.conflicts().iter().map(FieldConflictOut::from).collect(),
        field_history: audit::field_history(doc)
            .iter()
            .map(FieldWriteOut::from)
            .collect(),
    };
    Ok((out, entry, shown.details))
}

fn refusal_of(store: &Store, id: RecordId) -> Result<Option<RefusalOut>, FieldError> {
    Ok(store
        .refusals()?
        .into_iter()
        .find(|(refused, _, _)| *refused == id)
        .map(|(id, code, message)| RefusalOut::new(id, &code, &message)))
}

/// The zone the enrollment gives `estate` (UTC before enrollment).
fn estate_zone(store: &Store, estate: &str) -> Result<Tz, FieldError> {
    Ok(store.enrollment()?.map_or(Tz::UTC, |enrollment| {
        context::zone_of(&enrollment.identity.estates, estate)
    }))
}

/// Folds the record's view and splits off its timeline; the kind's lines
/// give times in `tz`.
fn shown(record: &AnyRecord, tz: Tz) -> Result<Shown, FieldError> {
    macro_rules! split {
        ($view:expr, $details:path) => {{
            let view = $view;
            Shown {
                view: without_history(serde_json::to_value(&view)?),
                timeline: view.timeline.clone(),
                details: $details(&view, tz),
            }
        }};
    }
    Ok(match record {
        AnyRecord::RepairSheet(r) => split!(r.view(), detail::repair),
        AnyRecord::RouteTemplate(r) => split!(r.view(), detail::route),
        AnyRecord::PatrolRound(r) => split!(r.view(), detail::patrol),
        AnyRecord::ChecklistTemplate(r) => split!(r.view(), detail::checklist_template),
        AnyRecord::Checklist(r) => split!(r.view(), detail::checklist),
        AnyRecord::Complaint(r) => split!(r.view(), detail::complaint),
        AnyRecord::DutyLog(r) => split!(r.view(), detail::duty),
    })
}

/// The view without `timeline` and `conflicts`, which `show` gives at the
/// top level for every kind.
fn without_history(mut view: Value) -> Value {
    if let Some(map) = view.as_object_mut() {
        map.remove("timeline");
        map.remove("conflicts");
    }
    view
}

pub fn list(store: &Store, args: &ListArgs) -> Result<(), FieldError> {
    let now = Utc::now();
    let entries = store.list(&query(args))?;
    if args.json {
        output::print_json(&entries.iter().map(Row::from).collect::<Vec<_>>())
    } else {
        output::print(&output::list_text(&entries, now))
    }
}

fn query(args: &ListArgs) -> Query {
    Query {
        kind: args.kind.map(Into::into),
        estate: args.estate.clone(),
        state: args.state.clone(),
        open: args.open.then_some(true),
        assignee: args.assignee.clone(),
        due_before: None,
        limit: args.limit,
    }
}

pub fn conflicts(store: &Store, args: &JsonArgs) -> Result<(), FieldError> {
    let conflicts = all_conflicts(store)?;
    if args.json {
        output::print_json(&conflicts)
    } else {
        output::print(&output::conflicts_text(&conflicts))
    }
}

/// Every conflict on the device; only records whose index row counts
/// conflicts are loaded.
pub fn all_conflicts(store: &Store) -> Result<Vec<ConflictOut>, FieldError> {
    let mut found = Vec::new();
    for entry in store.list(&Query::new())? {
        if entry.conflicts == 0 {
            continue;
        }
        let record = context::load(store, entry.id)?;
        found.extend(record_conflicts(&entry, record.doc()));
    }
    Ok(found)
}

fn record_conflicts(entry: &IndexEntry, doc: &RecordDoc) -> Vec<ConflictOut> {
    doc.conflicts()
        .iter()
        .map(|conflict| ConflictOut {
            id: entry.id.to_string(),
            kind: entry.kind.as_str().to_owned(),
            title: entry.title.clone(),
            conflict: FieldConflictOut::from(conflict),
        })
        .collect()
}

/// Keeps one value of a conflicted field, as an ordinary later write.
pub fn resolve(store: &mut Store, args: &ResolveArgs) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    store.update(args.id, |record| {
        doc_mut(record).resolve_conflict(&me.editor, me.at, &args.field, args.pick)
    })?;
    context::done(store, args.id, &me)
}

/// The document of a record of any kind, to edit.
fn doc_mut(record: &mut AnyRecord) -> &mut RecordDoc {
    match record {
        AnyRecord::RepairSheet(r) => r.doc_mut(),
        AnyRecord::RouteTemplate(r) => r.doc_mut(),
        AnyRecord::PatrolRound(r) => r.doc_mut(),
        AnyRecord::ChecklistTemplate(r) => r.doc_mut(),
        AnyRecord::Checklist(r) => r.doc_mut(),
        AnyRecord::Complaint(r) => r.doc_mut(),
        AnyRecord::DutyLog(r) => r.doc_mut(),
    }
}

/// Prints the record's whole raw history as JSON, for an auditor: every
/// Automerge change with its actor, time, verb, dependencies and operations.
pub fn history(store: &Store, args: &HistoryArgs) -> Result<(), FieldError> {
    let record = context::load(store, args.id)?;
    output::print_json(&audit::raw_history(record.doc()))
}

/// Prints what was undone: `<id>: reverted to the server's copy`, `<id>:
/// removed (the server never had it)` or `<id>: nothing to discard`.
pub fn discard(store: &mut Store, args: &DiscardArgs) -> Result<(), FieldError> {
    let what = match store.discard_unsynced(args.id)? {
        Discarded::Reverted => "reverted to the server's copy",
        Discarded::Removed => "removed (the server never had it)",
        Discarded::Nothing => "nothing to discard",
    };
    output::print(&format!("{}: {what}", args.id))
}

pub fn refusals(store: &Store, args: &JsonArgs) -> Result<(), FieldError> {
    let refusals: Vec<RefusalOut> = store
        .refusals()?
        .into_iter()
        .map(|(id, code, message)| RefusalOut::new(id, &code, &message))
        .collect();
    if args.json {
        output::print_json(&refusals)
    } else {
        output::print(&output::refusals_text(&refusals))
    }
}
