//! A checklist's derived state: a pure fold over its events in history order
//! (see [`crate::record::replay`]), with each item's current answer and each
//! meter's reading read from their fields. Its [`Lifecycle::check`] is the
//! one statement of what a checklist accepts when (docs/DOMAIN.md §3); it judges by
//! events only, so replay gives the same verdict whatever was corrected since.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::answers::{ItemAnswer, ItemResult, MeterReading};
use super::events::{ChecklistEvent, Site};
use crate::kinds::checklist_template::{ChecklistItem, ChecklistPlan, TemplateType};
use crate::kinds::{Note, Photo, Signature};
use crate::record::{Conflict, Event, FieldValue, Lifecycle, RecordId, TimelineEntry, replay};

/// The lifecycle of a checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistState {
    /// Being filled in.
    InProgress,
    /// Signed: answers and readings are fixed.
    Signed,
    Completed,
}

impl ChecklistState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistState::InProgress => "in_progress",
            ChecklistState::Signed => "signed",
            ChecklistState::Completed => "completed",
        }
    }
}

/// An item with its current answer, photos and repair sheets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStatus {
    #[serde(flatten)]
    pub item: ChecklistItem,
    pub answer: Option<FieldValue<ItemAnswer>>,
    pub photos: Vec<Photo>,
    pub repairs: Vec<RecordId>,
}

impl ItemStatus {
    pub fn result(&self) -> Option<ItemResult> {
        self.answer.as_ref().map(|answer| answer.value.result)
    }
}

/// The signatures on the form and what they were given for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signing {
    pub staff: Signature,
    pub owner: Option<Signature>,
    /// The items failed when it was signed.
    pub defects: Vec<String>,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistView {
    pub state: ChecklistState,
    pub template: RecordId,
    pub template_version: u32,
    pub template_type: TemplateType,
    pub title: String,
    pub site: Site,
    /// Who started the checklist.
    pub inspector: String,
    pub started_at: DateTime<Utc>,
    pub items: Vec<ItemStatus>,
    /// Meter readings (handover only), current values.
    pub meters: Vec<FieldValue<MeterReading>>,
    pub signing: Option<Signing>,
    /// A handover signed with defects: one door key stays with the office
    /// until they are fixed (docs/DOMAIN.md §3).
    pub key_retained_by_office: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub notes: Vec<Note>,
    /// Photos of the checklist as a whole; item photos are on their item.
    pub photos: Vec<Photo>,
    pub timeline: Vec<TimelineEntry>,
    pub conflicts: Vec<Conflict>,
    #[serde(skip)]
    pub(super) started: bool,
    /// Current answers, read before the fold and handed to items at start.
    #[serde(skip)]
    answers: BTreeMap<String, FieldValue<ItemAnswer>>,
    /// Items with an `item_set` event folded: what the lifecycle judges by.
    #[serde(skip)]
    answered: BTreeSet<String>,
    #[serde(skip)]
    meter_recorded: bool,
}

impl ChecklistView {
    /// Folds the history into a view. `events` are in history order;
    /// `answers` and `meters` are the fields' current values.
    pub(crate) fn fold(
        events: &[Event<ChecklistEvent>],
        answers: BTreeMap<String, FieldValue<ItemAnswer>>,
        meters: Vec<FieldValue<MeterReading>>,
        conflicts: Vec<Conflict>,
    ) -> Self {
        let started_at = events
            .first()
            .map_or(DateTime::<Utc>::MIN_UTC, |event| event.at);
        let mut view = ChecklistView {
            state: ChecklistState::InProgress,
            template: RecordId::from_uuid(uuid::Uuid::nil()),
            template_version: 0,
            template_type: TemplateType::PublicAreaInspection,
            title: String::new(),
            site: Site::default(),
            inspector: String::new(),
            started_at,
            items: Vec::new(),
            meters,
            signing: None,
            key_retained_by_office: false,
            completed_at: None,
            notes: Vec::new(),
            photos: Vec::new(),
            timeline: Vec::new(),
            conflicts,
            started: false,
            answers,
            answered: BTreeSet::new(),
            meter_recorded: false,
        };
        view.timeline = replay(&mut view, events);
        view
    }

    pub fn item(&self, id: &str) -> Option<&ItemStatus> {
        self.items.iter().find(|status| status.item.id == id)
    }

    pub fn failed_items(&self) -> Vec<&ItemStatus> {
        self.items
            .iter()
            .filter(|status| status.result() == Some(ItemResult::Fail))
            .collect()
    }

    pub fn all_answered(&self) -> bool {
        self.items.iter().all(|status| status.answer.is_some())
    }

    /// The item a repair sheet is opened for, which must have failed; why
    /// not if not. Judged on the current answer, by the verb only: a link
    /// made for a failed item stays valid if the answer is corrected later.
    pub(crate) fn repairable(&self, id: &str) -> Result<&ItemStatus, String> {
        let status = self.known_item(id)?;
        match status.result() {
            Some(ItemResult::Fail) => Ok(status),
            _ => Err(format!("item {id} has not failed")),
        }
    }

    fn known_item(&self, id: &str) -> Result<&ItemStatus, String> {
        self.item(id)
            .ok_or_else(|| format!("the checklist has no item {id:?}"))
    }

    /// Takes a written answer or meter reading (fields `item.<id>`,
    /// `meter.<kind>`), as a later read of the document would.
    pub(super) fn take_answer(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        let typed = value.clone();
        if let Some(item) = name.strip_prefix("item.") {
            let answer = FieldValue::parse(typed);
            match self.item_mut(item) {
                Some(status) => status.answer = answer,
                None => {
                    if let Some(answer) = answer {
                        self.answers.insert(item.to_owned(), answer);
                    }
                }
            }
        } else if name.starts_with("meter.")
            && let Some(reading) = FieldValue::<MeterReading>::parse(typed)
        {
            self.meters
                .retain(|kept| kept.value.meter != reading.value.meter);
            self.meters.push(reading);
            self.meters.sort_by_key(|kept| kept.value.meter);
        }
    }

    fn item_mut(&mut self, id: &str) -> Option<&mut ItemStatus> {
        self.items.iter_mut().find(|status| status.item.id == id)
    }

    fn every_item_set(&self) -> Result<(), String> {
        match self
            .items
            .iter()
            .find(|status| !self.answered.contains(&status.item.id))
        {
            Some(open) => Err(format!("item {} is not answered yet", open.item.id)),
            None => Ok(()),
        }
    }

    fn fillable(&self) -> Result<(), String> {
        match self.state {
            ChecklistState::InProgress => Ok(()),
            state => Err(format!("the checklist is {}", state.as_str())),
        }
    }

    fn check_sign(&self, owner: Option<&Signature>) -> Result<(), String> {
        self.fillable()?;
        self.every_item_set()?;
        if self.template_type == TemplateType::UnitHandover && owner.is_none() {
            return Err("a handover is signed by the owner and staff".into());
        }
        Ok(())
    }

    fn check_complete(&self) -> Result<(), String> {
        if self.state == ChecklistState::Completed {
            return Err("the checklist is already completed".into());
        }
        self.every_item_set()?;
        if self.template_type != TemplateType::UnitHandover {
            return Ok(());
        }
        if !self.meter_recorded {
            return Err("a handover records the meter readings first".into());
        }
        if self.state != ChecklistState::Signed {
            return Err("a handover is signed by the owner and staff first".into());
        }
        Ok(())
    }

    fn check_link(&self, item: &str, repair: RecordId) -> Result<(), String> {
        if self.known_item(item)?.repairs.contains(&repair) {
            Err(format!("repair sheet {repair} is already linked"))
        } else {
            Ok(())
        }
    }

    fn start(&mut self, plan: &ChecklistPlan, site: &Site, event: &Event<ChecklistEvent>) {
        self.template = plan.template;
        self.template_version = plan.version;
        self.template_type = plan.template_type;
        self.title = plan.name.clone();
        self.site = site.clone();
        self.inspector = event.user.clone();
        self.started_at = event.at;
        self.items = plan
            .items
            .iter()
            .map(|item| ItemStatus {
                item: item.clone(),
                answer: self.answers.remove(&item.id),
                photos: Vec::new(),
                repairs: Vec::new(),
            })
            .collect();
        self.started = true;
    }

    fn sign(
        &mut self,
        staff: &Signature,
        owner: Option<&Signature>,
        defects: &[String],
        at: DateTime<Utc>,
    ) {
        self.key_retained_by_office =
            self.template_type == TemplateType::UnitHandover && !defects.is_empty();
        self.signing = Some(Signing {
            staff: staff.clone(),
            owner: owner.cloned(),
            defects: defects.to_vec(),
            at,
        });
        self.state = ChecklistState::Signed;
    }

    fn add_photo(&mut self, item: Option<&str>, photo: Photo) {
        match item.and_then(|id| self.item_mut(id)) {
            Some(status) => status.photos.push(photo),
            None => self.photos.push(photo),
        }
    }
}

impl Lifecycle for ChecklistView {
    type Event = ChecklistEvent;

    fn check(&self, event: &ChecklistEvent) -> Result<(), String> {
        match event {
            ChecklistEvent::Started { .. } if self.started => {
                Err("the checklist has already started".into())
            }
            ChecklistEvent::Started { .. } => Ok(()),
            _ if !self.started => Err("the checklist has not started".into()),
            ChecklistEvent::ItemSet { item, .. } => {
                self.fillable()?;
                self.known_item(item).map(drop)
            }
            ChecklistEvent::MeterRecorded(_) if !self.template_type.has_meter_readings() => {
                Err("only a unit handover records meter readings".into())
            }
            ChecklistEvent::MeterRecorded(_) => self.fillable(),
            ChecklistEvent::Signed { owner, .. } => self.check_sign(owner.as_ref()),
            ChecklistEvent::Completed => self.check_complete(),
            ChecklistEvent::PhotoAttached {
                item: Some(item), ..
            } => self.known_item(item).map(drop),
            ChecklistEvent::RepairLinked { item, repair } => self.check_link(item, *repair),
            ChecklistEvent::PhotoAttached { item: None, .. } | ChecklistEvent::NoteAdded { .. } => {
                Ok(())
            }
        }
    }

    fn apply(&mut self, event: &Event<ChecklistEvent>) {
        let at = event.at;
        match &event.body {
            ChecklistEvent::Started { plan, site } => self.start(plan, site, event),
            ChecklistEvent::ItemSet { item, .. } => {
                self.answered.insert(item.clone());
            }
            ChecklistEvent::PhotoAttached {
                item,
                blob,
                caption,
            } => {
                let photo = Photo {
                    blob: blob.clone(),
                    caption: caption.clone(),
                    user: event.user.clone(),
                    at,
                };
                self.add_photo(item.as_deref(), photo);
            }
            ChecklistEvent::MeterRecorded(_) => self.meter_recorded = true,
            ChecklistEvent::Signed {
                staff,
                owner,
                defects,
            } => self.sign(staff, owner.as_ref(), defects, at),
            ChecklistEvent::Completed => {
                self.completed_at = Some(at);
                self.state = ChecklistState::Completed;
            }
            ChecklistEvent::RepairLinked { item, repair } => {
                if let Some(status) = self.item_mut(item) {
                    status.repairs.push(*repair);
                }
            }
            ChecklistEvent::NoteAdded { text } => self.notes.push(Note {
                text: text.clone(),
                user: event.user.clone(),
                at,
            }),
        }
    }
}
