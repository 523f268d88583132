//! The record kinds: one file each with its verbs (methods on
//! [`FieldStore`]), its inputs and its view. Here: the verbs several kinds
//! share (notes, photos, callbacks) and [`RecordView`], any record's view
//! for generic screens.

pub mod checklist;
pub mod complaint;
pub mod duty_log;
pub mod patrol_round;
pub mod repair_sheet;

use stairwell_core::kinds::AnyRecord;
use stairwell_core::record::{RecordError, RecordKind as CoreKind};
use stairwell_core::store::Store;

use crate::error::Result;
use crate::store::FieldStore;
use crate::types::{Due, ResidentCallback, blob, now, record_id};

use checklist::{ChecklistTemplateView, ChecklistView};
use complaint::ComplaintView;
use duty_log::DutyLogView;
use patrol_round::{PatrolRoundView, RouteView};
use repair_sheet::RepairSheetView;

/// Any record's view, by kind; what `record(id)` returns.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RecordView {
    /// A repair sheet.
    RepairSheet {
        /// Its view.
        view: RepairSheetView,
    },
    /// A patrol round.
    PatrolRound {
        /// Its view.
        view: PatrolRoundView,
    },
    /// A patrol route.
    RouteTemplate {
        /// Its view.
        view: RouteView,
    },
    /// A checklist.
    Checklist {
        /// Its view.
        view: ChecklistView,
    },
    /// A checklist template.
    ChecklistTemplate {
        /// Its view.
        view: ChecklistTemplateView,
    },
    /// A complaint or help request.
    Complaint {
        /// Its view.
        view: ComplaintView,
    },
    /// A duty log.
    DutyLog {
        /// Its view.
        view: DutyLogView,
    },
}

impl RecordView {
    pub(crate) fn new(store: &Store, record: &AnyRecord, due: Option<Due>) -> Result<Self> {
        Ok(match record {
            AnyRecord::RepairSheet(sheet) => RecordView::RepairSheet {
                view: RepairSheetView::new(sheet, due),
            },
            AnyRecord::PatrolRound(round) => RecordView::PatrolRound {
                view: PatrolRoundView::new(round),
            },
            AnyRecord::RouteTemplate(route) => RecordView::RouteTemplate {
                view: RouteView::new(route),
            },
            AnyRecord::Checklist(checklist) => RecordView::Checklist {
                view: ChecklistView::new(checklist),
            },
            AnyRecord::ChecklistTemplate(template) => RecordView::ChecklistTemplate {
                view: ChecklistTemplateView::new(template),
            },
            AnyRecord::Complaint(complaint) => RecordView::Complaint {
                view: ComplaintView::new(complaint, due),
            },
            AnyRecord::DutyLog(log) => RecordView::DutyLog {
                view: DutyLogView::new(log, Some(duty_log::duty_date(store, log)?)),
            },
        })
    }
}

#[uniffi::export]
impl FieldStore {
    /// Adds a note to a repair sheet, patrol round or checklist.
    pub fn add_note(&self, record_id: String, text: String) -> Result<()> {
        self.act(&record_id, |record, me| match record {
            AnyRecord::RepairSheet(sheet) => sheet.add_note(&me.editor, me.at, &text),
            AnyRecord::PatrolRound(round) => round.add_note(&me.editor, me.at, &text),
            AnyRecord::Checklist(checklist) => checklist.add_note(&me.editor, me.at, &text),
            other => Err(not_for(other, "notes")),
        })
    }

    /// Attaches a photo, by the SHA-256 of its image, to a repair sheet,
    /// patrol round or checklist (as a whole; see `attachItemPhoto`).
    pub fn attach_photo(
        &self,
        record_id: String,
        image_sha256: String,
        caption: String,
    ) -> Result<()> {
        let blob = blob("image_sha256", &image_sha256)?;
        self.lock()?.require_held(&blob)?;
        self.act(&record_id, |record, me| match record {
            AnyRecord::RepairSheet(sheet) => sheet.attach_photo(&me.editor, me.at, blob, &caption),
            AnyRecord::PatrolRound(round) => round.attach_photo(&me.editor, me.at, blob, &caption),
            AnyRecord::Checklist(checklist) => {
                checklist.attach_photo(&me.editor, me.at, None, blob, &caption)
            }
            other => Err(not_for(other, "photos")),
        })
    }

    /// Records a callback to the resident after a completed repair or a
    /// handled complaint; in person it needs the resident's signature.
    pub fn record_callback(&self, record_id: String, callback: ResidentCallback) -> Result<()> {
        let callback = callback.to_core()?;
        self.act(&record_id, |record, me| match record {
            AnyRecord::RepairSheet(sheet) => sheet.call_back(&me.editor, me.at, callback),
            AnyRecord::Complaint(complaint) => complaint.call_back(&me.editor, me.at, callback),
            other => Err(not_for(other, "callbacks")),
        })
    }
}

/// Why a shared verb does not apply to a record of this kind.
fn not_for(record: &AnyRecord, what: &str) -> RecordError {
    let kind = record.doc().kind();
    RecordError::Invalid {
        field: "record_id".into(),
        reason: format!("a {} takes no {what}", kind_words(kind)),
    }
}

fn kind_words(kind: CoreKind) -> &'static str {
    match kind {
        CoreKind::RepairSheet => "repair sheet",
        CoreKind::PatrolRound => "patrol round",
        CoreKind::RouteTemplate => "patrol route",
        CoreKind::Checklist => "checklist",
        CoreKind::ChecklistTemplate => "checklist template",
        CoreKind::Complaint => "complaint",
        CoreKind::DutyLog => "duty log",
    }
}

impl FieldStore {
    /// A stored record and its deadline, read now.
    pub(crate) fn read(&self, id: &str) -> Result<(AnyRecord, Option<Due>)> {
        let id = record_id(id)?;
        let store = self.lock()?;
        let record = FieldStore::load(&store, id)?;
        let due = store
            .get_entry(id)?
            .and_then(|entry| Due::of(&entry, now()));
        Ok((record, due))
    }
}
