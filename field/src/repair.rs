//! `repair`: the repair sheet's verbs (docs/DOMAIN.md §1), one subcommand per step
//! the procedures name, each a thin call of the core's verb as the enrolled
//! user. The core checks role, lifecycle and inputs; this file only turns
//! flags into the core's input types.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::repair_sheet::{Amendment, FeeLine, MaterialCheck, RepairSheet};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::store::Store;

use super::FieldError;
use super::args::{
    CallbackArgs, IntakeArgs, MaterialArg, PhotoArgs, SatisfactionArg, SignatureArgs, UrgencyArg,
    parse_money, parse_time,
};
use super::context::{self, Me};

#[derive(Debug, Clone, Subcommand)]
pub enum RepairCommand {
    /// Open a repair sheet; prints its id.
    Open(OpenArgs),
    /// Assign (or reassign) the technician.
    Dispatch {
        id: RecordId,
        #[arg(long)]
        technician: String,
    },
    /// Engineering's feasibility and fee for an item not on the price list.
    Quote {
        id: RecordId,
        #[command(flatten)]
        feasibility: Feasibility,
        /// The fee in yuan (`120` or `120.00`); required for a feasible job.
        #[arg(long, value_parser = parse_money)]
        fee: Option<i64>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The assigned technician arrived on site.
    Arrive { id: RecordId },
    /// The items actually to be repaired and their fee standard.
    ConfirmItems {
        id: RecordId,
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long)]
        fee_standard: String,
    },
    /// The resident agreed to the fee standard.
    Agree { id: RecordId },
    /// The resident declined: the job ends with the reason, signed.
    Decline {
        id: RecordId,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signature: SignatureArgs,
    },
    /// Note a fee line (billed by finance, never collected on the spot).
    FeeLine {
        id: RecordId,
        #[arg(long)]
        description: String,
        #[arg(long)]
        quantity: u32,
        /// The unit price in yuan (`45` or `45.00`).
        #[arg(long, value_parser = parse_money)]
        unit_price: i64,
        /// The price does not come from the estate's price list.
        #[arg(long)]
        off_price_list: bool,
    },
    /// Record the check of a material the resident supplied.
    Material {
        id: RecordId,
        #[arg(long)]
        material: String,
        #[arg(long, value_enum)]
        result: MaterialArg,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add a note.
    Note { id: RecordId, text: String },
    /// Attach a photo by its blob hash.
    Photo {
        id: RecordId,
        #[command(flatten)]
        photo: PhotoArgs,
    },
    /// The resident tried the repair and signed.
    Complete {
        id: RecordId,
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[command(flatten)]
        signature: SignatureArgs,
        #[arg(long, value_enum)]
        satisfaction: SatisfactionArg,
    },
    /// The technician handed the sheet back to engineering.
    HandBack { id: RecordId },
    /// The supervisor confirmed the returned sheet.
    ConfirmReturn { id: RecordId },
    /// A callback to the resident after completion.
    CallBack {
        id: RecordId,
        #[command(flatten)]
        callback: CallbackArgs,
    },
    /// Correct one intake field.
    Amend {
        id: RecordId,
        #[command(flatten)]
        change: AmendArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub intake: IntakeArgs,
    /// When the resident called; defaults to now.
    #[arg(long, value_parser = parse_time)]
    pub reported_at: Option<DateTime<Utc>>,
    /// The estate; defaults to the enrollment's only estate.
    #[arg(long)]
    pub estate: Option<String>,
}

/// Feasible or not: exactly one of the two flags.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Feasibility {
    #[arg(long)]
    pub feasible: bool,
    #[arg(long)]
    pub infeasible: bool,
}

/// The one intake field to correct.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct AmendArgs {
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub resident: Option<String>,
    #[arg(long)]
    pub problem: Option<String>,
    #[arg(long, value_enum)]
    pub urgency: Option<UrgencyArg>,
    #[arg(long)]
    pub on_price_list: bool,
    #[arg(long)]
    pub off_price_list: bool,
    #[arg(long, value_parser = parse_time)]
    pub appointment: Option<DateTime<Utc>>,
    /// Remove the appointment: the resident wants it now.
    #[arg(long)]
    pub no_appointment: bool,
}

impl AmendArgs {
    pub fn amendment(&self) -> Amendment {
        let text = |value: &Option<String>| value.clone();
        if let Some(phone) = text(&self.phone) {
            Amendment::Phone(phone)
        } else if let Some(unit) = text(&self.unit) {
            Amendment::Unit(unit)
        } else if let Some(name) = text(&self.resident) {
            Amendment::ResidentName(name)
        } else if let Some(problem) = text(&self.problem) {
            Amendment::Problem(problem)
        } else if let Some(urgency) = self.urgency {
            Amendment::Urgency(urgency.into())
        } else if self.on_price_list || self.off_price_list {
            Amendment::OnPriceList(self.on_price_list)
        } else {
            Amendment::Appointment(self.appointment)
        }
    }
}

pub fn run(store: &mut Store, command: RepairCommand) -> Result<(), FieldError> {
    use RepairCommand as C;
    match command {
        C::Open(args) => open(store, &args),
        C::Dispatch { id, technician } => on_sheet(store, id, |sheet, me| {
            sheet.dispatch(&me.editor, me.at, &technician)
        }),
        C::Quote {
            id,
            feasibility,
            fee,
            note,
        } => on_sheet(store, id, |sheet, me| {
            sheet.quote(&me.editor, me.at, feasibility.feasible, fee, &note)
        }),
        C::Arrive { id } => on_sheet(store, id, |sheet, me| sheet.arrive(&me.editor, me.at)),
        C::ConfirmItems {
            id,
            items,
            fee_standard,
        } => on_sheet(store, id, |sheet, me| {
            sheet.confirm_items(&me.editor, me.at, items, &fee_standard)
        }),
        C::Agree { id } => on_sheet(store, id, |sheet, me| sheet.agree(&me.editor, me.at)),
        C::Decline {
            id,
            reason,
            signature,
        } => on_sheet(store, id, |sheet, me| {
            sheet.decline(&me.editor, me.at, &reason, signature.signature()?)
        }),
        C::FeeLine {
            id,
            description,
            quantity,
            unit_price,
            off_price_list,
        } => {
            let line = FeeLine {
                description,
                quantity,
                unit_price_cents: unit_price,
                from_price_list: !off_price_list,
            };
            on_sheet(store, id, |sheet, me| {
                sheet.add_fee_line(&me.editor, me.at, line)
            })
        }
        C::Material {
            id,
            material,
            result,
            note,
        } => {
            let check = MaterialCheck {
                material,
                result: result.into(),
                note,
            };
            on_sheet(store, id, |sheet, me| {
                sheet.check_material(&me.editor, me.at, check)
            })
        }
        C::Note { id, text } => on_sheet(store, id, |sheet, me| {
            sheet.add_note(&me.editor, me.at, &text)
        }),
        C::Photo { id, photo } => {
            store.require_held(&photo.blob)?;
            on_sheet(store, id, |sheet, me| {
                sheet.attach_photo(&me.editor, me.at, photo.blob, &photo.caption)
            })
        }
        C::Complete {
            id,
            items,
            signature,
            satisfaction,
        } => on_sheet(store, id, |sheet, me| {
            let signature = signature.signature()?;
            sheet.complete(&me.editor, me.at, items, signature, satisfaction.into())
        }),
        C::HandBack { id } => on_sheet(store, id, |sheet, me| sheet.hand_back(&me.editor, me.at)),
        C::ConfirmReturn { id } => on_sheet(store, id, |sheet, me| {
            sheet.confirm_return(&me.editor, me.at)
        }),
        C::CallBack { id, callback } => on_sheet(store, id, |sheet, me| {
            sheet.call_back(&me.editor, me.at, callback.callback()?)
        }),
        C::Amend { id, change } => on_sheet(store, id, |sheet, me| {
            sheet.amend(&me.editor, me.at, change.amendment())
        }),
    }
}

fn open(store: &mut Store, args: &OpenArgs) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let estate = me.estate(args.estate.as_deref())?;
    let reported_at = args.reported_at.unwrap_or(me.at);
    let intake = args.intake.intake();
    let sheet = RepairSheet::open(&me.editor, me.at, &estate, intake, reported_at, None)?;
    context::created(store, &AnyRecord::RepairSheet(sheet))
}

/// Runs a verb on a stored repair sheet.
fn on_sheet(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut RepairSheet, &Me) -> Result<(), RecordError>,
) -> Result<(), FieldError> {
    context::act(store, id, |record, me| verb(record.repair_sheet()?, me))
}
