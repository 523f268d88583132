//! Arguments several command groups share, and how the command line spells
//! the core's vocabulary: kebab-case names for its enums, RFC 3339 times,
//! and the colon-separated checkpoint and equipment triples. Parsing here is
//! about form only (clap reports a malformed value as a usage error, exit
//! 2); whether a value is acceptable is the core's call (exit 1).

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use stairwell_core::kinds::checklist::{ItemResult, MeterKind};
use stairwell_core::kinds::checklist_template::{RenovationStage, TemplateType};
use stairwell_core::kinds::complaint::{
    CrimeKind, Department, DisasterKind, HelpKind, Seriousness,
};
use stairwell_core::kinds::duty_log::{EntryCategory, EquipmentCount};
use stairwell_core::kinds::repair_sheet::{Intake, MaterialResult};
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind};
use stairwell_core::kinds::{BlobHash, Callback, CallbackMethod, Satisfaction, Signature};
use stairwell_core::record::{RecordError, RecordKind};
use stairwell_core::rules::{FindingCategory, RepairLocation, Urgency};

/// Parses an RFC 3339 time (any offset) into UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|err| {
            format!("{text:?} is not an RFC 3339 time such as 2024-05-01T09:30:00+08:00 ({err})")
        })
}

/// Parses an amount in yuan (`45`, `45.00`) into fen.
pub fn parse_money(text: &str) -> Result<i64, String> {
    stairwell_core::rules::money::parse_yuan(text).map_err(|err| err.to_string())
}

/// Parses a duty date, `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date such as 2024-05-01"))
}

/// Parses `CODE:BUILDING:FLOOR:AREA[:PLACE]`; parts may be empty (a green
/// area has no building), PLACE defaults to `floor`.
pub fn parse_checkpoint(text: &str) -> Result<Checkpoint, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (code, building, floor, area, place) = match parts.as_slice() {
        [code, building, floor, area] => (code, building, floor, area, "floor"),
        [code, building, floor, area, place] => (code, building, floor, area, *place),
        _ => {
            return Err(format!(
                "{text:?} is not CODE:BUILDING:FLOOR:AREA[:PLACE] (four or five parts)"
            ));
        }
    };
    let place = PlaceArg::from_str(place.trim(), true).map_err(|_| {
        format!("{place:?} is not a place (floor, unit, shop, car-park, green-area, facility-room)")
    })?;
    Ok(Checkpoint::new(
        *code,
        Location::new(*building, *floor, *area),
        place.into(),
    ))
}

/// Parses `ITEM:EXPECTED:COUNTED[:NOTE]`; the note may itself hold colons.
pub fn parse_equipment(text: &str) -> Result<EquipmentCount, String> {
    let parts: Vec<&str> = text.splitn(4, ':').collect();
    let [item, expected, counted, rest @ ..] = parts.as_slice() else {
        return Err(format!("{text:?} is not ITEM:EXPECTED:COUNTED[:NOTE]"));
    };
    let number = |what: &str, value: &str| {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{text:?}: {what} {value:?} is not a whole number"))
    };
    Ok(EquipmentCount {
        item: (*item).to_owned(),
        expected: number("expected", expected)?,
        counted: number("counted", counted)?,
        note: rest.first().copied().unwrap_or_default().to_owned(),
    })
}

/// Parses a help request kind: `medical-emergency`, `repair`, `complaint`,
/// `enquiry`, `other`, `crime:KIND` or `disaster:KIND`.
pub fn parse_help_kind(text: &str) -> Result<HelpKind, String> {
    let text = text.trim();
    let simple = match text {
        "medical-emergency" => Some(HelpKind::MedicalEmergency),
        "repair" => Some(HelpKind::Repair),
        "complaint" => Some(HelpKind::Complaint),
        "enquiry" => Some(HelpKind::Enquiry),
        "other" => Some(HelpKind::Other),
        _ => None,
    };
    if let Some(kind) = simple {
        return Ok(kind);
    }
    let sub = |prefix: &str| text.strip_prefix(prefix).map(str::trim);
    let crime = sub("crime:").and_then(|name| match name {
        "theft" => Some(CrimeKind::Theft),
        "fight" => Some(CrimeKind::Fight),
        "robbery" => Some(CrimeKind::Robbery),
        "poisoning" => Some(CrimeKind::Poisoning),
        "traffic-accident" => Some(CrimeKind::TrafficAccident),
        _ => None,
    });
    let disaster = sub("disaster:").and_then(|name| match name {
        "typhoon" => Some(DisasterKind::Typhoon),
        "flood" => Some(DisasterKind::Flood),
        "fire" => Some(DisasterKind::Fire),
        _ => None,
    });
    crime
        .map(HelpKind::Crime)
        .or(disaster.map(HelpKind::Disaster))
        .ok_or_else(|| {
            format!(
                "{text:?} is not a help request kind (medical-emergency, repair, complaint, \
                 enquiry, other, crime:theft|fight|robbery|poisoning|traffic-accident, \
                 disaster:typhoon|flood|fire)"
            )
        })
}

/// Builds a signature from a blob hash and a signer's name.
pub fn signature(blob: &BlobHash, signer: &str) -> Result<Signature, RecordError> {
    Signature::new(blob.clone(), signer)
}

/// Maps a command-line enum to the core's.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident => $core:ty { $($variant:ident $(($alias:literal))? => $value:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
        pub enum $name {
            $($(#[value(name = $alias)])? $variant,)*
        }

        impl From<$name> for $core {
            fn from(value: $name) -> $core {
                match value {
                    $($name::$variant => $value,)*
                }
            }
        }
    };
}

value_enum!(PlaceArg => PlaceKind {
    Floor => PlaceKind::Floor,
    Unit => PlaceKind::Unit,
    Shop => PlaceKind::Shop,
    CarPark => PlaceKind::CarPark,
    GreenArea => PlaceKind::GreenArea,
    FacilityRoom => PlaceKind::FacilityRoom,
});

value_enum!(
    /// Inside a unit (paid service) or in a public area (free).
    LocationArg => RepairLocation {
    InUnit => RepairLocation::InUnit,
    PublicArea => RepairLocation::PublicArea,
});

value_enum!(UrgencyArg => Urgency {
    ExtraUrgent => Urgency::ExtraUrgent,
    Urgent => Urgency::Urgent,
    Normal => Urgency::Normal,
});

value_enum!(SatisfactionArg => Satisfaction {
    VerySatisfied => Satisfaction::VerySatisfied,
    Satisfied => Satisfaction::Satisfied,
    Neutral => Satisfaction::Neutral,
    Dissatisfied => Satisfaction::Dissatisfied,
});

value_enum!(MaterialArg => MaterialResult {
    Qualified => MaterialResult::Qualified,
    Unqualified => MaterialResult::Unqualified,
    PoorQuality => MaterialResult::PoorQuality,
});

value_enum!(MethodArg => CallbackMethod {
    Phone => CallbackMethod::Phone,
    InPerson => CallbackMethod::InPerson,
});

value_enum!(FindingArg => FindingCategory {
    FacilityDamage => FindingCategory::FacilityDamage,
    PlantRoomDoorOpen => FindingCategory::PlantRoomDoorOpen,
    Cleanliness => FindingCategory::Cleanliness,
    RenovationViolation => FindingCategory::RenovationViolation,
    UnitSafetyHazard => FindingCategory::UnitSafetyHazard,
    Disturbance => FindingCategory::Disturbance,
    PublicOrder => FindingCategory::PublicOrder,
});

value_enum!(ResultArg => ItemResult {
    Pass => ItemResult::Pass,
    Fail => ItemResult::Fail,
    Na("na") => ItemResult::NotApplicable,
});

value_enum!(MeterArg => MeterKind {
    Electricity => MeterKind::Electricity,
    Water => MeterKind::Water,
    Gas => MeterKind::Gas,
});

value_enum!(TemplateTypeArg => TemplateType {
    PublicArea => TemplateType::PublicAreaInspection,
    Cleaning => TemplateType::CleaningInspection,
    RenovationPreliminary => TemplateType::RenovationAcceptance { stage: RenovationStage::Preliminary },
    RenovationFormal => TemplateType::RenovationAcceptance { stage: RenovationStage::Formal },
    RenovationReinspection => TemplateType::RenovationAcceptance { stage: RenovationStage::ReInspection },
    UnitHandover => TemplateType::UnitHandover,
});

value_enum!(DepartmentArg => Department {
    Engineering => Department::Engineering,
    Security => Department::Security,
    Property => Department::Property,
    Mail => Department::Mail,
});

value_enum!(SeriousnessArg => Seriousness {
    Ordinary => Seriousness::Ordinary,
    Important => Seriousness::Important,
    Major => Seriousness::Major,
});

value_enum!(CategoryArg => EntryCategory {
    Call => EntryCategory::Call,
    Visit => EntryCategory::Visit,
    Incident => EntryCategory::Incident,
    FollowUp => EntryCategory::FollowUp,
    Equipment => EntryCategory::Equipment,
    Other => EntryCategory::Other,
});

value_enum!(KindArg => RecordKind {
    RepairSheet => RecordKind::RepairSheet,
    PatrolRound => RecordKind::PatrolRound,
    RouteTemplate => RecordKind::RouteTemplate,
    Checklist => RecordKind::Checklist,
    ChecklistTemplate => RecordKind::ChecklistTemplate,
    Complaint => RecordKind::Complaint,
    DutyLog => RecordKind::DutyLog,
});

/// What the desk takes for a repair sheet; shared by `repair open` and the
/// `open-repair` commands of patrol rounds and checklists.
#[derive(Debug, Clone, Args)]
pub struct IntakeArgs {
    /// The resident's name; a public-area fault may have none.
    #[arg(long, default_value = "")]
    pub resident: String,
    /// Unit or address; for a public-area fault, where it is (from a
    /// finding or a checklist item: its place, when left out).
    #[arg(long, default_value = "")]
    pub unit: String,
    /// The resident's phone; a public-area fault without a resident has none.
    #[arg(long, default_value = "")]
    pub phone: String,
    /// What is broken, in the resident's words (from a finding: its
    /// description, when left out).
    #[arg(long, default_value = "")]
    pub problem: String,
    #[arg(long, value_enum)]
    pub location: LocationArg,
    /// The item is not on the estate's price list (engineering quotes it).
    #[arg(long)]
    pub off_price_list: bool,
    #[arg(long, value_enum)]
    pub urgency: UrgencyArg,
    /// The requested appointment; without one the resident wants it now.
    #[arg(long, value_parser = parse_time)]
    pub appointment: Option<DateTime<Utc>>,
}

impl IntakeArgs {
    pub fn intake(&self) -> Intake {
        Intake {
            resident_name: self.resident.clone(),
            unit: self.unit.clone(),
            phone: self.phone.clone(),
            problem: self.problem.clone(),
            location: self.location.into(),
            on_price_list: !self.off_price_list,
            urgency: self.urgency.into(),
            appointment: self.appointment,
        }
    }
}

/// A required signature: the blob hash of its image and who signed.
#[derive(Debug, Clone, Args)]
pub struct SignatureArgs {
    /// The SHA-256 of the signature image (64 hex digits).
    #[arg(long)]
    pub signature: BlobHash,
    /// Who signed.
    #[arg(long)]
    pub signer: String,
}

impl SignatureArgs {
    pub fn signature(&self) -> Result<Signature, RecordError> {
        signature(&self.signature, &self.signer)
    }
}

/// Whether the resident was satisfied: exactly one of the two flags.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Verdict {
    #[arg(long)]
    pub satisfied: bool,
    #[arg(long)]
    pub unsatisfied: bool,
}

/// A callback to the resident, for repair sheets and complaints alike.
#[derive(Debug, Clone, Args)]
pub struct CallbackArgs {
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// The resident's signature, required for a callback in person.
    #[arg(long, requires = "signer")]
    pub signature: Option<BlobHash>,
    #[arg(long, requires = "signature")]
    pub signer: Option<String>,
    #[command(flatten)]
    pub verdict: Verdict,
    /// What the resident said, and what was done about it.
    #[arg(long)]
    pub outcome: String,
    /// When a problem raised is to be fixed, if not at once.
    #[arg(long, value_parser = parse_time)]
    pub follow_up_by: Option<DateTime<Utc>>,
}

impl CallbackArgs {
    pub fn callback(&self) -> Result<Callback, RecordError> {
        let signature = match (&self.signature, &self.signer) {
            (Some(blob), Some(signer)) => Some(signature(blob, signer)?),
            _ => None,
        };
        Ok(Callback {
            method: self.method.into(),
            signature,
            satisfied: self.verdict.satisfied,
            outcome: self.outcome.clone(),
            follow_up_by: self.follow_up_by,
        })
    }
}

/// A photo: the blob hash of its image and an optional caption.
#[derive(Debug, Clone, Args)]
pub struct PhotoArgs {
    /// The SHA-256 of the photo (64 hex digits).
    #[arg(long)]
    pub blob: BlobHash,
    #[arg(long, default_value = "")]
    pub caption: String,
}
