//! `checklist` and `checklist-template`: inspection sheets filled in on site
//! (docs/DOMAIN.md §3) and the templates they copy. Templates are defined from the
//! core's standard items of their type, as the procedures print them. A
//! repair sheet opened from a failed item is stored before the checklist
//! links it, as for patrol findings.

use clap::Subcommand;
use stairwell_core::kinds::checklist::{Checklist, MeterReading, Site, open_repair_from_item};
use stairwell_core::kinds::checklist_template::{ChecklistTemplate, standard_items};
use stairwell_core::kinds::{AnyRecord, BlobHash};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::store::Store;

use super::FieldError;
use super::args::{
    IntakeArgs, MeterArg, PhotoArgs, ResultArg, SignatureArgs, TemplateTypeArg, signature,
};
use super::context::{self, Me};
use super::output;

#[derive(Debug, Clone, Subcommand)]
pub enum ChecklistCommand {
    /// Start filling in a template stored on this device; prints its id.
    Start {
        #[arg(long)]
        template: RecordId,
        #[arg(long)]
        building: String,
        #[arg(long)]
        floor: String,
        /// Required for a handover or a renovation acceptance.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Answer (or correct) an item.
    Set {
        id: RecordId,
        #[arg(long)]
        item: String,
        #[arg(long, value_enum)]
        result: ResultArg,
        /// What is wrong; required for a failed item.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record (or correct) a meter reading at a unit handover.
    Meter {
        id: RecordId,
        #[arg(long, value_enum)]
        meter: MeterArg,
        /// As shown on the meter, e.g. 01234.5
        #[arg(long)]
        reading: String,
        /// The owner who watched it read.
        #[arg(long)]
        owner: String,
    },
    /// Sign the form (staff), with the owner's signature for a handover.
    Sign {
        id: RecordId,
        #[command(flatten)]
        staff: SignatureArgs,
        #[arg(long, requires = "owner_signer")]
        owner_signature: Option<BlobHash>,
        #[arg(long, requires = "owner_signature")]
        owner_signer: Option<String>,
    },
    /// Close the checklist.
    Complete { id: RecordId },
    /// Open a repair sheet for a failed item; prints the sheet's id.
    OpenRepair {
        id: RecordId,
        #[arg(long)]
        item: String,
        #[command(flatten)]
        intake: IntakeArgs,
    },
    /// Add a note.
    Note { id: RecordId, text: String },
    /// Attach a photo, to an item or to the whole checklist.
    Photo {
        id: RecordId,
        #[arg(long)]
        item: Option<String>,
        #[command(flatten)]
        photo: PhotoArgs,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum TemplateCommand {
    /// Define a template with the standard items of its type (supervisor);
    /// prints its id.
    Define {
        #[arg(long)]
        name: String,
        #[arg(long = "type", value_enum)]
        template_type: TemplateTypeArg,
        #[arg(long)]
        estate: Option<String>,
    },
}

pub fn run(store: &mut Store, command: ChecklistCommand) -> Result<(), FieldError> {
    use ChecklistCommand as C;
    match command {
        C::Start {
            template,
            building,
            floor,
            unit,
        } => start(store, template, Site::new(building, floor, unit.as_deref())),
        C::Set {
            id,
            item,
            result,
            note,
        } => on_checklist(store, id, |checklist, me| {
            checklist.set_item(&me.editor, me.at, &item, result.into(), &note)
        }),
        C::Meter {
            id,
            meter,
            reading,
            owner,
        } => {
            let reading = MeterReading {
                meter: meter.into(),
                reading,
                owner,
            };
            on_checklist(store, id, |checklist, me| {
                checklist.record_meter(&me.editor, me.at, reading)
            })
        }
        C::Sign {
            id,
            staff,
            owner_signature,
            owner_signer,
        } => on_checklist(store, id, |checklist, me| {
            let owner = match (&owner_signature, &owner_signer) {
                (Some(blob), Some(signer)) => Some(signature(blob, signer)?),
                _ => None,
            };
            checklist.sign(&me.editor, me.at, staff.signature()?, owner)
        }),
        C::Complete { id } => on_checklist(store, id, |checklist, me| {
            checklist.complete(&me.editor, me.at)
        }),
        C::OpenRepair { id, item, intake } => open_repair(store, id, &item, &intake),
        C::Note { id, text } => on_checklist(store, id, |checklist, me| {
            checklist.add_note(&me.editor, me.at, &text)
        }),
        C::Photo { id, item, photo } => {
            store.require_held(&photo.blob)?;
            on_checklist(store, id, |checklist, me| {
                let item = item.as_deref();
                checklist.attach_photo(&me.editor, me.at, item, photo.blob, &photo.caption)
            })
        }
    }
}

pub fn run_template(store: &mut Store, command: TemplateCommand) -> Result<(), FieldError> {
    let TemplateCommand::Define {
        name,
        template_type,
        estate,
    } = command;
    let me = Me::of(store)?;
    let estate = me.estate(estate.as_deref())?;
    let template_type = template_type.into();
    let items = standard_items(template_type);
    let template =
        ChecklistTemplate::define(&me.editor, me.at, &estate, &name, template_type, items)?;
    context::created(store, &AnyRecord::ChecklistTemplate(template))
}

fn start(store: &mut Store, template: RecordId, site: Site) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let mut stored = context::load(store, template)?;
    let estate = me.estate(Some(&stored.doc().header().estate))?;
    let plan = stored.checklist_template()?.plan();
    let checklist = Checklist::start(&me.editor, me.at, &estate, plan, site)?;
    context::created(store, &AnyRecord::Checklist(checklist))
}

/// Opens the sheet on a copy of the checklist (which checks everything),
/// stores the sheet, then links it from the stored checklist.
fn open_repair(
    store: &mut Store,
    id: RecordId,
    item: &str,
    intake: &IntakeArgs,
) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let mut copy = context::load(store, id)?;
    let sheet = open_repair_from_item(copy.checklist()?, &me.editor, me.at, item, intake.intake())?;
    let sheet_id = sheet.id();
    store.insert(sheet.doc())?;
    store.update(id, |record| {
        record
            .checklist()?
            .link_repair(&me.editor, me.at, item, sheet_id)
    })?;
    output::print(&sheet_id.to_string())
}

/// Runs a verb on a stored checklist.
fn on_checklist(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut Checklist, &Me) -> Result<(), RecordError>,
) -> Result<(), FieldError> {
    context::act(store, id, |record, me| verb(record.checklist()?, me))
}
