//! Repair sheets (docs/DOMAIN.md §1): opened by the desk (or a patrol officer) for
//! every repair request, dispatched to a technician, worked on site and
//! called back. One method per step the procedures name; each runs as the
//! enrolled person now and is refused, changing nothing, when the sheet's
//! state or the person's role does not allow it.

use std::time::SystemTime;

use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::repair_sheet::{
    self as core, Amendment, Intake, RepairSheet, RepairSheetView as CoreView,
};
use stairwell_core::rules;

use crate::error::Result;
use crate::store::FieldStore;
use crate::types::{
    Due, FieldConflict, Note, Photo, ResidentCallbackView, Satisfaction, Signature, TimelineLine,
    conflicts, mirror_enum, time, time_opt, timeline, utc_opt,
};

mirror_enum! {
    /// Where a repair is, which decides who pays and which clock runs.
    RepairLocation <=> rules::RepairLocation {
        /// Inside a unit: a paid service billed with the management fee.
        InUnit,
        /// A shared facility: free to residents.
        PublicArea,
    }
}

mirror_enum! {
    /// How fast a repair must be handled.
    Urgency <=> rules::Urgency {
        /// On site or handled within 10 minutes.
        ExtraUrgent,
        /// Within 15 minutes.
        Urgent,
        /// The same day, or at the agreed time.
        Normal,
    }
}

mirror_enum! {
    /// Where a repair sheet stands.
    RepairState <=> core::RepairState {
        /// Written, not yet dispatched.
        Reported,
        /// A technician is assigned.
        Dispatched,
        /// Engineering decided feasibility and fee (off the price list).
        Quoted,
        /// The technician is on site.
        OnSite,
        /// The resident agreed to the fee standard.
        Agreed,
        /// The resident declined; the job ends.
        Declined,
        /// Repaired and signed by the resident.
        Completed,
        /// The technician handed the sheet back.
        HandedBack,
        /// The supervisor confirmed the returned sheet.
        Returned,
        /// The resident was called back.
        CalledBack,
    }
}

mirror_enum! {
    /// The technician's verdict on a material the resident supplied.
    MaterialResult <=> core::MaterialResult {
        /// Fit for the job.
        Qualified,
        /// Not up to standard; noted and the resident warned.
        Unqualified,
        /// Poor quality; noted and the resident warned.
        PoorQuality,
    }
}

/// A resident's repair request as the desk takes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairIntake {
    /// The resident's name.
    pub resident_name: String,
    /// Unit or address; for a public-area fault, where it is.
    pub unit: String,
    /// The resident's phone number.
    pub phone: String,
    /// What is broken, in the resident's words.
    pub problem: String,
    /// In a unit (paid) or a public area (free).
    pub location: RepairLocation,
    /// Whether the item is on the estate's price list of paid repairs; if
    /// not, engineering quotes it first.
    pub on_price_list: bool,
    /// How fast it must be handled.
    pub urgency: Urgency,
    /// The requested appointment; none means the resident wants it now.
    #[uniffi(default = None)]
    pub appointment: Option<SystemTime>,
    /// When the resident called; none means now.
    #[uniffi(default = None)]
    pub reported_at: Option<SystemTime>,
    /// The estate; none means the enrollment's only estate.
    #[uniffi(default = None)]
    pub estate: Option<String>,
}

impl RepairIntake {
    pub(crate) fn core(&self) -> Intake {
        Intake {
            resident_name: self.resident_name.clone(),
            unit: self.unit.clone(),
            phone: self.phone.clone(),
            problem: self.problem.clone(),
            location: self.location.into(),
            on_price_list: self.on_price_list,
            urgency: self.urgency.into(),
            appointment: utc_opt(self.appointment),
        }
    }
}

/// A correction of one field of a sheet's intake. Two people correcting
/// the same field offline at once make a conflict, listed by `conflicts()`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RepairAmendment {
    /// The resident's name.
    ResidentName {
        /// The corrected name.
        name: String,
    },
    /// The unit or address.
    Unit {
        /// The corrected unit.
        unit: String,
    },
    /// The resident's phone number.
    Phone {
        /// The corrected number.
        phone: String,
    },
    /// What is broken.
    Problem {
        /// The corrected description.
        problem: String,
    },
    /// Whether the item is on the price list.
    OnPriceList {
        /// The corrected answer.
        on_price_list: bool,
    },
    /// How fast it must be handled.
    Urgency {
        /// The corrected urgency.
        urgency: Urgency,
    },
    /// The appointment; none means the resident wants it now.
    Appointment {
        /// The corrected appointment.
        appointment: Option<SystemTime>,
    },
}

impl RepairAmendment {
    fn core(&self) -> Amendment {
        match self {
            RepairAmendment::ResidentName { name } => Amendment::ResidentName(name.clone()),
            RepairAmendment::Unit { unit } => Amendment::Unit(unit.clone()),
            RepairAmendment::Phone { phone } => Amendment::Phone(phone.clone()),
            RepairAmendment::Problem { problem } => Amendment::Problem(problem.clone()),
            RepairAmendment::OnPriceList { on_price_list } => {
                Amendment::OnPriceList(*on_price_list)
            }
            RepairAmendment::Urgency { urgency } => Amendment::Urgency((*urgency).into()),
            RepairAmendment::Appointment { appointment } => {
                Amendment::Appointment(utc_opt(*appointment))
            }
        }
    }
}

/// A fee line, noted per the price list and billed by finance with the
/// monthly management fee (never collected on the spot).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FeeLine {
    /// What is charged.
    pub description: String,
    /// How many; at least 1.
    pub quantity: u32,
    /// The price of one, in cents.
    pub unit_price_cents: i64,
    /// Whether the price comes from the estate's price list.
    pub from_price_list: bool,
}

impl From<&FeeLine> for core::FeeLine {
    fn from(line: &FeeLine) -> Self {
        core::FeeLine {
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price_cents: line.unit_price_cents,
            from_price_list: line.from_price_list,
        }
    }
}

impl From<&core::FeeLine> for FeeLine {
    fn from(line: &core::FeeLine) -> Self {
        FeeLine {
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price_cents: line.unit_price_cents,
            from_price_list: line.from_price_list,
        }
    }
}

/// The technician's check of a material the resident supplied.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MaterialCheck {
    /// The material.
    pub material: String,
    /// The verdict.
    pub result: MaterialResult,
    /// Anything worth noting.
    #[uniffi(default = "")]
    pub note: String,
}

/// Engineering's decision on an item not on the price list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairQuote {
    /// Whether the job can be done.
    pub feasible: bool,
    /// The fee, in cents, for a feasible job.
    pub fee_cents: Option<i64>,
    /// Engineering's note.
    pub note: String,
    /// When it was decided.
    pub at: SystemTime,
}

/// The resident's decline, which ends the job.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairDecline {
    /// Why the resident declined.
    pub reason: String,
    /// Who signed the decline.
    pub signer: String,
    /// When.
    pub at: SystemTime,
}

/// The completed repair, signed by the resident.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairCompletion {
    /// What was repaired.
    pub items_repaired: Vec<String>,
    /// Who signed.
    pub signer: String,
    /// The resident's rating.
    pub satisfaction: Satisfaction,
    /// When.
    pub at: SystemTime,
}

/// The patrol finding or checklist item a sheet was opened from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SourceLink {
    /// The patrol round or checklist.
    pub record_id: String,
    /// The finding or item within it.
    pub item_id: String,
}

/// Everything a repair sheet's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepairSheetView {
    /// The sheet's id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Where it stands.
    pub state: RepairState,
    /// The resident's name.
    pub resident_name: String,
    /// Unit or address.
    pub unit: String,
    /// The resident's phone number.
    pub phone: String,
    /// What is broken.
    pub problem: String,
    /// In a unit or a public area.
    pub location: RepairLocation,
    /// Whether the item is on the price list.
    pub on_price_list: bool,
    /// How fast it must be handled.
    pub urgency: Urgency,
    /// The requested appointment.
    pub appointment: Option<SystemTime>,
    /// When the resident called.
    pub reported_at: SystemTime,
    /// When the sheet was written.
    pub opened_at: SystemTime,
    /// The finding or checklist item it came from.
    pub source: Option<SourceLink>,
    /// The assigned technician.
    pub technician: Option<String>,
    /// When the technician was (last) assigned.
    pub dispatched_at: Option<SystemTime>,
    /// Engineering's quote, for an item off the price list.
    pub quote: Option<RepairQuote>,
    /// When the technician arrived.
    pub arrived_at: Option<SystemTime>,
    /// The items confirmed on site.
    pub confirmed_items: Vec<String>,
    /// The fee standard confirmed on site.
    pub fee_standard: Option<String>,
    /// When the resident agreed.
    pub agreed_at: Option<SystemTime>,
    /// The resident's decline.
    pub declined: Option<RepairDecline>,
    /// The fee lines noted.
    pub fee_lines: Vec<FeeLine>,
    /// Their total, in cents.
    pub fee_total_cents: i64,
    /// The materials checked.
    pub materials: Vec<MaterialCheck>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Photos.
    pub photos: Vec<Photo>,
    /// The completion, signed.
    pub completion: Option<RepairCompletion>,
    /// When the technician handed the sheet back.
    pub handed_back_at: Option<SystemTime>,
    /// When the supervisor confirmed the return.
    pub returned_at: Option<SystemTime>,
    /// The callbacks made.
    pub callbacks: Vec<ResidentCallbackView>,
    /// The next deadline, if any.
    pub due: Option<Due>,
    /// Fields in conflict.
    pub conflicts: Vec<FieldConflict>,
    /// The history.
    pub timeline: Vec<TimelineLine>,
}

impl RepairSheetView {
    pub(crate) fn new(sheet: &RepairSheet, due: Option<Due>) -> Self {
        let view: CoreView = sheet.view();
        let intake = &view.intake;
        let (confirmed_items, fee_standard) = match &view.confirmed_items {
            Some((items, standard)) => (items.clone(), Some(standard.clone())),
            None => (Vec::new(), None),
        };
        RepairSheetView {
            id: sheet.id().to_string(),
            estate: sheet.doc().header().estate.clone(),
            state: view.state.into(),
            resident_name: intake.resident_name.clone(),
            unit: intake.unit.clone(),
            phone: intake.phone.clone(),
            problem: intake.problem.clone(),
            location: intake.location.into(),
            on_price_list: intake.on_price_list,
            urgency: intake.urgency.into(),
            appointment: time_opt(intake.appointment),
            reported_at: time(view.reported_at),
            opened_at: time(view.opened_at),
            source: view.source.as_ref().map(|source| SourceLink {
                record_id: source.record.clone(),
                item_id: source.item.clone(),
            }),
            technician: view.technician.clone(),
            dispatched_at: time_opt(view.dispatched_at),
            quote: view.quote.as_ref().map(|quote| RepairQuote {
                feasible: quote.feasible,
                fee_cents: quote.fee_cents,
                note: quote.note.clone(),
                at: time(quote.at),
            }),
            arrived_at: time_opt(view.arrived_at),
            confirmed_items,
            fee_standard,
            agreed_at: time_opt(view.agreed_at),
            declined: view.declined.as_ref().map(|declined| RepairDecline {
                reason: declined.reason.clone(),
                signer: declined.signature.signer.clone(),
                at: time(declined.at),
            }),
            fee_lines: view.fee_lines.iter().map(FeeLine::from).collect(),
            fee_total_cents: view.fee_total_cents(),
            materials: view
                .materials
                .iter()
                .map(|check| MaterialCheck {
                    material: check.material.clone(),
                    result: check.result.into(),
                    note: check.note.clone(),
                })
                .collect(),
            notes: view.notes.iter().map(Note::from).collect(),
            photos: view.photos.iter().map(Photo::from).collect(),
            completion: view.completion.as_ref().map(|done| RepairCompletion {
                items_repaired: done.items_repaired.clone(),
                signer: done.signature.signer.clone(),
                satisfaction: done.satisfaction.into(),
                at: time(done.at),
            }),
            handed_back_at: time_opt(view.handed_back_at),
            returned_at: time_opt(view.returned_at),
            callbacks: view
                .callbacks
                .iter()
                .map(ResidentCallbackView::from)
                .collect(),
            due,
            conflicts: conflicts(&view.conflicts),
            timeline: timeline(&view.timeline),
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens a repair sheet for a resident's request; returns its id.
    /// Desk, patrol and supervisors may open sheets.
    pub fn open_repair_sheet(&self, intake: RepairIntake) -> Result<String> {
        self.create(|_, me| {
            let estate = me.estate(intake.estate.as_deref())?;
            let reported_at = utc_opt(intake.reported_at).unwrap_or(me.at);
            let sheet =
                RepairSheet::open(&me.editor, me.at, &estate, intake.core(), reported_at, None)?;
            Ok(AnyRecord::RepairSheet(sheet))
        })
    }

    /// Assigns (or reassigns) the sheet to `technician` (a user id).
    pub fn dispatch(&self, sheet_id: String, technician: String) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .dispatch(&me.editor, me.at, &technician)
        })
    }

    /// Engineering's decision on an item not on the price list: feasible
    /// or not, and the fee in cents (required when feasible).
    pub fn quote(
        &self,
        sheet_id: String,
        feasible: bool,
        fee_cents: Option<i64>,
        note: String,
    ) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .quote(&me.editor, me.at, feasible, fee_cents, &note)
        })
    }

    /// The assigned technician arrived on site. Refused for anyone else.
    pub fn record_arrival(&self, sheet_id: String) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record.repair_sheet()?.arrive(&me.editor, me.at)
        })
    }

    /// The items actually to be repaired, and their fee standard.
    pub fn confirm_items(
        &self,
        sheet_id: String,
        items: Vec<String>,
        fee_standard: String,
    ) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .confirm_items(&me.editor, me.at, items, &fee_standard)
        })
    }

    /// The resident agreed to the fee standard.
    pub fn record_agreement(&self, sheet_id: String) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record.repair_sheet()?.agree(&me.editor, me.at)
        })
    }

    /// The resident declined: the job ends, with the reason, signed.
    pub fn record_decline(
        &self,
        sheet_id: String,
        reason: String,
        signature: Signature,
    ) -> Result<()> {
        let signature = signature.to_core()?;
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .decline(&me.editor, me.at, &reason, signature)
        })
    }

    /// Notes a fee line (billed by finance, never collected on the spot).
    pub fn add_fee_line(&self, sheet_id: String, line: FeeLine) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .add_fee_line(&me.editor, me.at, (&line).into())
        })
    }

    /// Records the check of a material the resident supplied.
    pub fn check_material(&self, sheet_id: String, check: MaterialCheck) -> Result<()> {
        let check = core::MaterialCheck {
            material: check.material,
            result: check.result.into(),
            note: check.note,
        };
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .check_material(&me.editor, me.at, check)
        })
    }

    /// The resident tried the repair and signed. A paid repair needs the
    /// resident's agreement first.
    pub fn complete_repair(
        &self,
        sheet_id: String,
        items_repaired: Vec<String>,
        resident_signature: Signature,
        satisfaction: Satisfaction,
    ) -> Result<()> {
        let signature = resident_signature.to_core()?;
        self.act(&sheet_id, |record, me| {
            record.repair_sheet()?.complete(
                &me.editor,
                me.at,
                items_repaired,
                signature,
                satisfaction.into(),
            )
        })
    }

    /// The technician hands the finished (or declined) sheet back.
    pub fn hand_back(&self, sheet_id: String) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record.repair_sheet()?.hand_back(&me.editor, me.at)
        })
    }

    /// The supervisor confirms the returned sheet.
    pub fn confirm_return(&self, sheet_id: String) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record.repair_sheet()?.confirm_return(&me.editor, me.at)
        })
    }

    /// Corrects one field of the sheet's intake (a misheard phone number).
    pub fn amend_repair_sheet(&self, sheet_id: String, amendment: RepairAmendment) -> Result<()> {
        self.act(&sheet_id, |record, me| {
            record
                .repair_sheet()?
                .amend(&me.editor, me.at, amendment.core())
        })
    }

    /// The repair sheet `sheet_id`, as its screen shows it.
    pub fn repair_sheet(&self, sheet_id: String) -> Result<RepairSheetView> {
        let (mut record, due) = self.read(&sheet_id)?;
        Ok(RepairSheetView::new(record.repair_sheet()?, due))
    }
}
