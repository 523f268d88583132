//! What phone screens list: my open repair sheets by deadline, today's
//! patrol round with the next checkpoint, the checklists to fill, the
//! routes and templates to start from, every conflict to resolve, the
//! records still to upload, and any record by id (as a typed view or as the
//! core's JSON, for generic and debug screens). Lists read the index rows
//! the store keeps beside each record and load documents only where a
//! screen needs more than a row.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use stairwell_core::kinds::{AnyRecord, IndexEntry};
use stairwell_core::record::{RecordDoc, RecordKind as CoreKind, Role as CoreRole};
use stairwell_core::store::{Query, Store};

use crate::error::{Result, StairwellError};
use crate::records::RecordView;
use crate::records::checklist::{
    ChecklistItemView, ChecklistState, ChecklistTemplateView, ChecklistType, ChecklistView,
};
use crate::records::patrol_round::{PatrolRoundView, RouteView};
use crate::records::repair_sheet::RepairState;
use crate::store::{FieldStore, Me};
use crate::sync::SyncRefusal;
use crate::types::{
    Due, FieldConflict, RecordFilter, RecordKind, RecordSummary, count, now,
    record_id as record_id_of, time,
};

/// A repair sheet in a work list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairSheetSummary {
    /// The sheet's id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// What is broken.
    pub problem: String,
    /// Unit or address.
    pub unit: Option<String>,
    /// Where it stands.
    pub state: RepairState,
    /// The assigned technician.
    pub technician: Option<String>,
    /// The deadline of its current step: when, time left, and the rule.
    pub due: Option<Due>,
    /// How many fields are in conflict.
    pub conflicts: u32,
}

/// A checklist still to fill in or close, with its progress.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistToFill {
    /// The checklist's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Which inspection sheet it is.
    pub checklist_type: ChecklistType,
    /// Where.
    pub site: String,
    /// Where it stands (in progress, or signed and awaiting completion).
    pub state: ChecklistState,
    /// Items answered.
    pub answered: u32,
    /// Items in all.
    pub total: u32,
    /// Items failed.
    pub failed: u32,
    /// The first item not yet answered.
    pub next_item: Option<ChecklistItemView>,
    /// When it last changed.
    pub updated_at: SystemTime,
}

/// A field in conflict on one record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordConflict {
    /// The record.
    pub record_id: String,
    /// Its kind.
    pub kind: RecordKind,
    /// Its one-line title.
    pub title: String,
    /// The field and its competing values (pick one with `resolveConflict`).
    pub conflict: FieldConflict,
}

/// A record with changes the server does not have yet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingUpload {
    /// The record.
    pub record_id: String,
    /// Its kind.
    pub kind: RecordKind,
    /// Its one-line title.
    pub title: String,
    /// About how many bytes its changes take.
    pub bytes: u64,
    /// The server's refusal of its last push, if it refused it: the
    /// changes stay here until a later push is accepted.
    pub refusal: Option<SyncRefusal>,
}

#[uniffi::export]
impl FieldStore {
    /// The open repair sheets of the work list, soonest deadline first,
    /// each with its time left and the rule that sets it. For a technician:
    /// the sheets assigned to them. For everyone else (desk, supervisors,
    /// patrol): every open sheet of their estates.
    pub fn my_open_repair_sheets(&self) -> Result<Vec<RepairSheetSummary>> {
        let store = self.lock()?;
        let me = FieldStore::me(&store)?;
        let mut query = Query::new().kind(CoreKind::RepairSheet).open(true);
        if me.editor.role == CoreRole::Technician {
            query = query.assignee(me.editor.user.clone());
        }
        let now = now();
        Ok(store
            .list(&query)?
            .iter()
            .filter(|entry| in_my_estates(&me, entry))
            .map(|entry| repair_summary(entry, now))
            .collect())
    }

    /// The patrol round the enrolled officer is walking, with where to go
    /// next; else the last one they started today (local to its estate);
    /// else `None`.
    pub fn todays_patrol_round(&self) -> Result<Option<PatrolRoundView>> {
        let store = self.lock()?;
        let me = FieldStore::me(&store)?;
        let mut mine = store.list(
            &Query::new()
                .kind(CoreKind::PatrolRound)
                .assignee(me.editor.user.clone()),
        )?;
        mine.sort_by_key(|entry| std::cmp::Reverse(entry.updated_at));
        if let Some(walking) = mine.iter().find(|entry| entry.open) {
            let mut record = FieldStore::load(&store, walking.id)?;
            return Ok(Some(PatrolRoundView::new(record.patrol_round()?)));
        }
        for entry in &mine {
            let tz = store.estate_time_zone(&entry.estate)?;
            let today = me.at.with_timezone(&tz).date_naive();
            if entry.updated_at.with_timezone(&tz).date_naive() < today {
                continue;
            }
            let mut record = FieldStore::load(&store, entry.id)?;
            let round = record.patrol_round()?;
            let started = round.view().started_at.with_timezone(&tz).date_naive();
            if started == today {
                return Ok(Some(PatrolRoundView::new(round)));
            }
        }
        Ok(None)
    }

    /// The patrol routes on this phone, to start a round on.
    pub fn patrol_routes(&self) -> Result<Vec<RouteView>> {
        let store = self.lock()?;
        load_each(&store, CoreKind::RouteTemplate, |record| {
            Ok(RouteView::new(record.route_template()?))
        })
    }

    /// The checklist templates on this phone, to start a checklist from.
    pub fn checklist_templates(&self) -> Result<Vec<ChecklistTemplateView>> {
        let store = self.lock()?;
        load_each(&store, CoreKind::ChecklistTemplate, |record| {
            Ok(ChecklistTemplateView::new(record.checklist_template()?))
        })
    }

    /// The checklists the enrolled user started and has not completed,
    /// most recently worked on first, with their progress and next item.
    pub fn checklists_to_fill(&self) -> Result<Vec<ChecklistToFill>> {
        let store = self.lock()?;
        let me = FieldStore::me(&store)?;
        let mut open = store.list(
            &Query::new()
                .kind(CoreKind::Checklist)
                .open(true)
                .assignee(me.editor.user.clone()),
        )?;
        open.sort_by_key(|entry| std::cmp::Reverse(entry.updated_at));
        open.iter()
            .map(|entry| {
                let mut record = FieldStore::load(&store, entry.id)?;
                let view = ChecklistView::new(record.checklist()?);
                Ok(ChecklistToFill {
                    next_item: view
                        .items
                        .iter()
                        .find(|item| item.result.is_none())
                        .cloned(),
                    id: view.id,
                    title: view.title,
                    checklist_type: view.checklist_type,
                    site: view.site,
                    state: view.state,
                    answered: view.answered,
                    total: count(view.items.len()),
                    failed: view.failed,
                    updated_at: time(entry.updated_at),
                })
            })
            .collect()
    }

    /// Every field in conflict on this phone: two people corrected it
    /// offline at the same time. Resolve each with `resolveConflict`.
    pub fn conflicts(&self) -> Result<Vec<RecordConflict>> {
        let store = self.lock()?;
        let mut found = Vec::new();
        for entry in store.list(&Query::new())? {
            if entry.conflicts == 0 {
                continue;
            }
            let record = FieldStore::load(&store, entry.id)?;
            found.extend(
                record
                    .doc()
                    .conflicts()
                    .iter()
                    .map(|conflict| RecordConflict {
                        record_id: entry.id.to_string(),
                        kind: entry.kind.into(),
                        title: entry.title.clone(),
                        conflict: FieldConflict::from(conflict),
                    }),
            );
        }
        Ok(found)
    }

    /// Keeps the value numbered `pick` of the conflicted `field` of a
    /// record: an ordinary later write, which ends the conflict on every
    /// phone once synced.
    pub fn resolve_conflict(&self, record_id: String, field: String, pick: u32) -> Result<()> {
        let pick =
            usize::try_from(pick).map_err(|_| StairwellError::invalid("pick", "too large"))?;
        self.act(&record_id, |record, me| {
            doc_mut(record).resolve_conflict(&me.editor, me.at, &field, pick)
        })
    }

    /// Undoes what the server refused of a record: puts it back as the
    /// server has it, or removes it if the server never had it. Returns
    /// true if anything was undone. The person then takes the step again.
    pub fn discard_unsynced(&self, record_id: String) -> Result<bool> {
        let id = crate::types::record_id(&record_id)?;
        let outcome = self.lock()?.discard_unsynced(id)?;
        Ok(outcome != stairwell_core::store::Discarded::Nothing)
    }

    /// The records whose changes the server does not have yet (made
    /// offline, or refused by the server). Photo and signature images are
    /// listed by `images`: they travel separately.
    pub fn pending_uploads(&self) -> Result<Vec<PendingUpload>> {
        let store = self.lock()?;
        let refusals = store.refusals()?;
        store
            .pending_changes()?
            .into_iter()
            .map(|pending| {
                let entry = store
                    .get_entry(pending.id)?
                    .ok_or(StairwellError::NotFound {
                        record_id: pending.id.to_string(),
                    })?;
                let refusal = refusals.iter().find(|(id, _, _)| *id == pending.id).map(
                    |(id, code, message)| SyncRefusal {
                        record_id: id.to_string(),
                        code: code.clone(),
                        reason: message.clone(),
                    },
                );
                Ok(PendingUpload {
                    record_id: pending.id.to_string(),
                    kind: entry.kind.into(),
                    title: entry.title,
                    bytes: pending.changes.len() as u64,
                    refusal,
                })
            })
            .collect()
    }

    /// The records matching `filter`, soonest deadline first (records
    /// without one last), from the index: cheap enough for any list.
    pub fn list_records(&self, filter: RecordFilter) -> Result<Vec<RecordSummary>> {
        let store = self.lock()?;
        let query = Query {
            kind: filter.kind.map(Into::into),
            estate: filter.estate,
            state: filter.state,
            open: filter.open_only.then_some(true),
            assignee: filter.assignee,
            due_before: None,
            limit: filter.limit.map(|limit| limit as usize),
        };
        let now = now();
        Ok(store
            .list(&query)?
            .iter()
            .map(|entry| RecordSummary::new(entry, now))
            .collect())
    }

    /// Any record's view, by kind. Screens for one kind can call its own
    /// getter instead (`repairSheet(id)`, `patrolRound(id)`...).
    pub fn record(&self, record_id: String) -> Result<RecordView> {
        let (record, due) = self.read(&record_id)?;
        let store = self.lock()?;
        RecordView::new(&store, &record, due)
    }

    /// Any record as JSON: `{id, kind, header, entry, view}` where `view`
    /// is the core's view of its kind (field names in snake_case, times in
    /// RFC 3339), for generic and debug screens and for logs. Typed views
    /// (`record(id)`) are the ones to build screens on.
    pub fn record_json(&self, record_id: String) -> Result<String> {
        let id = record_id_of(&record_id)?;
        let store = self.lock()?;
        let record = FieldStore::load(&store, id)?;
        let entry = store.get_entry(id)?;
        let view = match &record {
            AnyRecord::RepairSheet(r) => serde_json::to_value(r.view())?,
            AnyRecord::RouteTemplate(r) => serde_json::to_value(r.view())?,
            AnyRecord::PatrolRound(r) => serde_json::to_value(r.view())?,
            AnyRecord::ChecklistTemplate(r) => serde_json::to_value(r.view())?,
            AnyRecord::Checklist(r) => serde_json::to_value(r.view())?,
            AnyRecord::Complaint(r) => serde_json::to_value(r.view())?,
            AnyRecord::DutyLog(r) => serde_json::to_value(r.view())?,
        };
        let json = serde_json::json!({
            "id": id.to_string(),
            "kind": record.doc().kind().as_str(),
            "header": record.doc().header(),
            "entry": entry,
            "view": view,
        });
        Ok(serde_json::to_string(&json)?)
    }
}

/// Whether a record belongs to one of the enrollment's estates.
fn in_my_estates(me: &Me, entry: &IndexEntry) -> bool {
    me.estates.iter().any(|estate| estate.id == entry.estate)
}

fn repair_summary(entry: &IndexEntry, now: DateTime<Utc>) -> RepairSheetSummary {
    let state = RepairState::ALL
        .iter()
        .copied()
        .find(|state| {
            stairwell_core::kinds::repair_sheet::RepairState::from(*state).as_str() == entry.state
        })
        .unwrap_or(RepairState::Reported);
    RepairSheetSummary {
        id: entry.id.to_string(),
        estate: entry.estate.clone(),
        problem: entry.title.clone(),
        unit: entry.location.clone(),
        state,
        technician: entry.assignee.clone(),
        due: Due::of(entry, now),
        conflicts: count(entry.conflicts),
    }
}

/// Loads every record of a kind and maps it.
fn load_each<T>(
    store: &Store,
    kind: CoreKind,
    map: impl Fn(&mut AnyRecord) -> Result<T>,
) -> Result<Vec<T>> {
    store
        .list(&Query::new().kind(kind))?
        .iter()
        .map(|entry| map(&mut FieldStore::load(store, entry.id)?))
        .collect()
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
