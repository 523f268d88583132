//! Checklists (docs/DOMAIN.md §3): an inspection sheet filled in on site from a
//! template on the phone (public-area or cleaning inspection, renovation
//! acceptance, unit handover). Each item is answered pass / fail / not
//! applicable, a failed one with what is wrong; a handover also records the
//! meters with the owner and is signed by owner and staff. A failed item
//! can open a repair sheet.

use std::time::SystemTime;

use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::checklist::{
    self as core, Checklist, ChecklistView as CoreView, Site, open_repair_from_item,
};
use stairwell_core::kinds::checklist_template::{self, ChecklistTemplate, TemplateType};

use super::repair_sheet::RepairIntake;
use crate::error::Result;
use crate::store::FieldStore;
use crate::types::{
    FieldConflict, Note, Photo, Signature, TimelineLine, blob, conflicts, count, mirror_enum,
    record_id, time, time_opt, timeline,
};

mirror_enum! {
    /// An item's answer.
    ItemResult <=> core::ItemResult {
        /// As it should be.
        Pass,
        /// Something is wrong: say what in the note.
        Fail,
        /// Does not apply here.
        NotApplicable,
    }
}

mirror_enum! {
    /// Where a checklist stands.
    ChecklistState <=> core::ChecklistState {
        /// Being filled in.
        InProgress,
        /// Signed: answers and readings are fixed.
        Signed,
        /// Closed.
        Completed,
    }
}

mirror_enum! {
    /// The meters read at a unit handover.
    MeterKind <=> core::MeterKind {
        /// Electricity.
        Electricity,
        /// Water.
        Water,
        /// Gas.
        Gas,
    }
}

mirror_enum! {
    /// The stages of a renovation acceptance.
    RenovationStage <=> checklist_template::RenovationStage {
        /// Concealed works, before they are closed up.
        Preliminary,
        /// The formal acceptance.
        Formal,
        /// Repeated until every defect is fixed.
        ReInspection,
    }
}

/// Which inspection sheet a checklist is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ChecklistType {
    /// The public-area inspection sheet.
    PublicAreaInspection,
    /// The cleaning inspection record.
    CleaningInspection,
    /// A renovation acceptance at one of its stages (needs a unit).
    RenovationAcceptance {
        /// The stage.
        stage: RenovationStage,
    },
    /// The unit handover form: meters read with the owner, signed by owner
    /// and staff (needs a unit).
    UnitHandover,
}

impl From<TemplateType> for ChecklistType {
    fn from(kind: TemplateType) -> Self {
        match kind {
            TemplateType::PublicAreaInspection => ChecklistType::PublicAreaInspection,
            TemplateType::CleaningInspection => ChecklistType::CleaningInspection,
            TemplateType::RenovationAcceptance { stage } => ChecklistType::RenovationAcceptance {
                stage: stage.into(),
            },
            TemplateType::UnitHandover => ChecklistType::UnitHandover,
        }
    }
}

/// Where a checklist is filled in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistSite {
    /// The building.
    pub building: String,
    /// The floor, if any.
    #[uniffi(default = "")]
    pub floor: String,
    /// The unit; required for a handover or a renovation acceptance.
    #[uniffi(default = None)]
    pub unit: Option<String>,
}

/// A meter reading taken with the owner present.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MeterReading {
    /// Which meter.
    pub meter: MeterKind,
    /// As shown on the meter, e.g. "01234.5" (kept as text, so leading
    /// zeros survive).
    pub reading: String,
    /// The owner who watched it read.
    pub owner: String,
}

/// A meter reading as recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MeterReadingView {
    /// The reading.
    pub reading: MeterReading,
    /// Who recorded it.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

/// An item of a checklist with its current answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistItemView {
    /// The item's id (pass it to `setChecklistItem`).
    pub id: String,
    /// What to inspect.
    pub label: String,
    /// The heading it is listed under.
    pub section: String,
    /// The answer; none until answered.
    pub result: Option<ItemResult>,
    /// What is wrong (for a failed item) or any remark.
    pub note: String,
    /// Who answered.
    pub answered_by: Option<String>,
    /// When.
    pub answered_at: Option<SystemTime>,
    /// Photos of this item.
    pub photos: Vec<Photo>,
    /// The repair sheets opened for it.
    pub repair_sheet_ids: Vec<String>,
}

impl From<&core::ItemStatus> for ChecklistItemView {
    fn from(status: &core::ItemStatus) -> Self {
        let answer = status.answer.as_ref();
        ChecklistItemView {
            id: status.item.id.clone(),
            label: status.item.label.clone(),
            section: status.item.section.clone(),
            result: answer.map(|answer| answer.value.result.into()),
            note: answer
                .map(|answer| answer.value.note.clone())
                .unwrap_or_default(),
            answered_by: answer.map(|answer| answer.user.clone()),
            answered_at: answer.map(|answer| time(answer.at)),
            photos: status.photos.iter().map(Photo::from).collect(),
            repair_sheet_ids: status.repairs.iter().map(|id| id.to_string()).collect(),
        }
    }
}

/// The signatures on a checklist.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistSigning {
    /// The staff member who signed.
    pub staff_signer: String,
    /// The owner who signed, for a handover.
    pub owner_signer: Option<String>,
    /// The items failed when it was signed.
    pub defect_item_ids: Vec<String>,
    /// When.
    pub at: SystemTime,
}

/// Everything a checklist's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistView {
    /// The checklist's id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Where it stands.
    pub state: ChecklistState,
    /// The template it copied.
    pub template_id: String,
    /// The template's version it copied.
    pub template_version: u32,
    /// Which inspection sheet it is.
    pub checklist_type: ChecklistType,
    /// Its title.
    pub title: String,
    /// Where, e.g. "B2, 12F, 1203".
    pub site: String,
    /// Who started it.
    pub inspector: String,
    /// When.
    pub started_at: SystemTime,
    /// The items, in template order.
    pub items: Vec<ChecklistItemView>,
    /// How many items are answered.
    pub answered: u32,
    /// How many failed.
    pub failed: u32,
    /// The meter readings (handover only).
    pub meters: Vec<MeterReadingView>,
    /// The signatures, once signed.
    pub signing: Option<ChecklistSigning>,
    /// A handover signed with defects: the office keeps one key until
    /// they are fixed.
    pub key_retained_by_office: bool,
    /// When it was closed.
    pub completed_at: Option<SystemTime>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Photos of the checklist as a whole.
    pub photos: Vec<Photo>,
    /// Answers in conflict (field `item.<id>`) or readings (`meter.<kind>`).
    pub conflicts: Vec<FieldConflict>,
    /// The history.
    pub timeline: Vec<TimelineLine>,
}

impl ChecklistView {
    pub(crate) fn new(checklist: &Checklist) -> Self {
        let view: CoreView = checklist.view();
        let items: Vec<ChecklistItemView> =
            view.items.iter().map(ChecklistItemView::from).collect();
        ChecklistView {
            id: checklist.id().to_string(),
            estate: checklist.doc().header().estate.clone(),
            state: view.state.into(),
            template_id: view.template.to_string(),
            template_version: view.template_version,
            checklist_type: view.template_type.into(),
            title: view.title.clone(),
            site: view.site.describe(),
            inspector: view.inspector.clone(),
            started_at: time(view.started_at),
            answered: count(items.iter().filter(|item| item.result.is_some()).count()),
            failed: count(view.failed_items().len()),
            items,
            meters: view
                .meters
                .iter()
                .map(|field| MeterReadingView {
                    reading: MeterReading {
                        meter: field.value.meter.into(),
                        reading: field.value.reading.clone(),
                        owner: field.value.owner.clone(),
                    },
                    user: field.user.clone(),
                    at: time(field.at),
                })
                .collect(),
            signing: view.signing.as_ref().map(|signing| ChecklistSigning {
                staff_signer: signing.staff.signer.clone(),
                owner_signer: signing.owner.as_ref().map(|owner| owner.signer.clone()),
                defect_item_ids: signing.defects.clone(),
                at: time(signing.at),
            }),
            key_retained_by_office: view.key_retained_by_office,
            completed_at: time_opt(view.completed_at),
            notes: view.notes.iter().map(Note::from).collect(),
            photos: view.photos.iter().map(Photo::from).collect(),
            conflicts: conflicts(&view.conflicts),
            timeline: timeline(&view.timeline),
        }
    }
}

/// A checklist template on the phone, to start a checklist from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChecklistTemplateView {
    /// The template's id (pass it to `startChecklist`).
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Its name.
    pub name: String,
    /// Which inspection sheet it is.
    pub checklist_type: ChecklistType,
    /// Its current version.
    pub version: u32,
    /// Its items, as `ChecklistItemView`s with no answers.
    pub items: Vec<ChecklistItemView>,
}

impl ChecklistTemplateView {
    pub(crate) fn new(template: &ChecklistTemplate) -> Self {
        let view = template.view();
        ChecklistTemplateView {
            id: template.id().to_string(),
            estate: template.doc().header().estate.clone(),
            name: view.name,
            checklist_type: view.template_type.into(),
            version: view.version,
            items: view
                .items
                .iter()
                .map(|item| ChecklistItemView {
                    id: item.id.clone(),
                    label: item.label.clone(),
                    section: item.section.clone(),
                    result: None,
                    note: String::new(),
                    answered_by: None,
                    answered_at: None,
                    photos: Vec::new(),
                    repair_sheet_ids: Vec::new(),
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Starts filling in the checklist template `template_id` (on this
    /// phone) at `site`; returns the checklist's id.
    pub fn start_checklist(&self, template_id: String, site: ChecklistSite) -> Result<String> {
        let template = record_id(&template_id)?;
        self.create(|store, me| {
            let mut stored = FieldStore::load(store, template)?;
            let estate = me.estate(Some(&stored.doc().header().estate))?;
            let plan = stored.checklist_template()?.plan();
            let site = Site::new(site.building, site.floor, site.unit.as_deref());
            let checklist = Checklist::start(&me.editor, me.at, &estate, plan, site)?;
            Ok(AnyRecord::Checklist(checklist))
        })
    }

    /// Answers (or corrects the answer to) an item; a failed item needs a
    /// note saying what is wrong.
    pub fn set_checklist_item(
        &self,
        checklist_id: String,
        item_id: String,
        result: ItemResult,
        note: String,
    ) -> Result<()> {
        self.act(&checklist_id, |record, me| {
            record
                .checklist()?
                .set_item(&me.editor, me.at, &item_id, result.into(), &note)
        })
    }

    /// Records (or corrects) a meter reading at a unit handover.
    pub fn record_meter(&self, checklist_id: String, reading: MeterReading) -> Result<()> {
        let reading = core::MeterReading {
            meter: reading.meter.into(),
            reading: reading.reading,
            owner: reading.owner,
        };
        self.act(&checklist_id, |record, me| {
            record.checklist()?.record_meter(&me.editor, me.at, reading)
        })
    }

    /// Signs the form once every item is answered; a handover also needs
    /// the owner's signature.
    pub fn sign_checklist(
        &self,
        checklist_id: String,
        staff: Signature,
        owner: Option<Signature>,
    ) -> Result<()> {
        let staff = staff.to_core()?;
        let owner = Signature::to_core_opt(owner.as_ref())?;
        self.act(&checklist_id, |record, me| {
            record.checklist()?.sign(&me.editor, me.at, staff, owner)
        })
    }

    /// Closes the checklist.
    pub fn complete_checklist(&self, checklist_id: String) -> Result<()> {
        self.act(&checklist_id, |record, me| {
            record.checklist()?.complete(&me.editor, me.at)
        })
    }

    /// Attaches a photo to one item of a checklist.
    pub fn attach_item_photo(
        &self,
        checklist_id: String,
        item_id: String,
        image_sha256: String,
        caption: String,
    ) -> Result<()> {
        let blob = blob("image_sha256", &image_sha256)?;
        self.lock()?.require_held(&blob)?;
        self.act(&checklist_id, |record, me| {
            record
                .checklist()?
                .attach_photo(&me.editor, me.at, Some(&item_id), blob, &caption)
        })
    }

    /// Opens a repair sheet for a failed item and links it back; returns
    /// the sheet's id. The sheet's clock runs from the item's answer.
    pub fn open_repair_from_item(
        &self,
        checklist_id: String,
        item_id: String,
        intake: RepairIntake,
    ) -> Result<String> {
        let checklist_id = record_id(&checklist_id)?;
        self.write(|store, me| {
            // Checked on a copy first: a refusal stores nothing.
            let mut copy = FieldStore::load(store, checklist_id)?;
            let sheet = open_repair_from_item(
                copy.checklist()?,
                &me.editor,
                me.at,
                &item_id,
                intake.core(),
            )?;
            let sheet_id = sheet.id();
            store.insert(sheet.doc())?;
            store.update(checklist_id, |record| {
                record
                    .checklist()?
                    .link_repair(&me.editor, me.at, &item_id, sheet_id)
            })?;
            Ok((sheet_id.to_string(), vec![sheet_id, checklist_id]))
        })
    }

    /// The checklist `checklist_id`, as its screen shows it.
    pub fn checklist(&self, checklist_id: String) -> Result<ChecklistView> {
        let (mut record, _) = self.read(&checklist_id)?;
        Ok(ChecklistView::new(record.checklist()?))
    }
}
