//! What the desk takes when a complaint or help request comes in. The
//! resident's details, the responsible department and the seriousness are
//! correctable fields: a misheard number or a wrong department is fixed
//! later, and two fixes made at once surface as a conflict. How the call was
//! taken (the channel and the "four clears and one report") is a fact of the
//! moment, so it travels in the `opened` event and never changes.

use serde::{Deserialize, Serialize};

use crate::kinds::common::{required, valid_phone};
use crate::record::{RecordDoc, RecordError, to_json};

/// The intake fields a new case writes with its `opened` event.
pub(crate) const INTAKE_FIELDS: &[&str] = &[
    "resident_name",
    "unit",
    "phone",
    "department",
    "seriousness",
    "serious",
];

/// The resident's details and the desk's judgement of the case (docs/DOMAIN.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub resident_name: String,
    /// Unit or address; for something in a public area, where it is.
    pub unit: String,
    pub phone: String,
    /// The department responsible for the problem.
    pub department: Department,
    pub seriousness: Seriousness,
    /// Flagged as a serious complaint whatever its grade: like a major one,
    /// it is reported at once to company management.
    pub serious: bool,
}

/// A correction of one intake field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum Amendment {
    ResidentName(String),
    Unit(String),
    Phone(String),
    Department(Department),
    Seriousness(Seriousness),
    Serious(bool),
}

/// The departments complaints are dispatched to (docs/DOMAIN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// Facility faults and repairs.
    Engineering,
    /// Safety.
    Security,
    /// Cleaning, greening, noise, smells, renovation dust, door-to-door sellers.
    Property,
    /// Mail handling.
    Mail,
}

/// How serious a complaint is; decides who calls the resident back (docs/DOMAIN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seriousness {
    Ordinary,
    Important,
    Major,
}

/// Who calls the resident back after a complaint is handled (docs/DOMAIN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackBy {
    PatrolOfficer,
    CustomerServiceSupervisor,
    EstateManager,
}

impl Seriousness {
    /// Who calls back: ordinary, a patrol officer; important, the
    /// customer-service supervisor; major, the estate manager.
    pub fn called_back_by(self) -> CallbackBy {
        match self {
            Seriousness::Ordinary => CallbackBy::PatrolOfficer,
            Seriousness::Important => CallbackBy::CustomerServiceSupervisor,
            Seriousness::Major => CallbackBy::EstateManager,
        }
    }
}

impl Intake {
    /// Checks and normalises every field.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        Ok(Intake {
            resident_name: required("resident_name", self.resident_name)?,
            unit: required("unit", self.unit)?,
            phone: valid_phone(self.phone)?,
            ..self
        })
    }

    /// Whether the case must be reported at once to company management.
    pub fn needs_escalation(&self) -> bool {
        self.serious || self.seriousness == Seriousness::Major
    }

    /// The fields a new case writes, as JSON, in the order of
    /// [`INTAKE_FIELDS`].
    pub(crate) fn fields(&self) -> Result<Vec<(&'static str, serde_json::Value)>, RecordError> {
        let values = [
            to_json("resident_name", &self.resident_name)?,
            to_json("unit", &self.unit)?,
            to_json("phone", &self.phone)?,
            to_json("department", &self.department)?,
            to_json("seriousness", &self.seriousness)?,
            to_json("serious", &self.serious)?,
        ];
        Ok(INTAKE_FIELDS.iter().copied().zip(values).collect())
    }

    /// Takes a written field's value; a value of the wrong shape (which the
    /// judge refuses before) leaves the field as it was.
    pub(crate) fn set(&mut self, name: &str, value: &serde_json::Value) {
        fn put<T: serde::de::DeserializeOwned>(slot: &mut T, value: &serde_json::Value) {
            if let Ok(parsed) = serde_json::from_value(value.clone()) {
                *slot = parsed;
            }
        }
        match name {
            "resident_name" => put(&mut self.resident_name, value),
            "unit" => put(&mut self.unit, value),
            "phone" => put(&mut self.phone, value),
            "department" => put(&mut self.department, value),
            "seriousness" => put(&mut self.seriousness, value),
            "serious" => put(&mut self.serious, value),
            _ => {}
        }
    }

    /// Reads the current values; a field missing from a damaged document
    /// reads as empty rather than making the whole record unreadable.
    pub(crate) fn read(doc: &RecordDoc) -> Intake {
        fn get<T: serde::de::DeserializeOwned + Default>(doc: &RecordDoc, name: &str) -> T {
            doc.field(name).map(|field| field.value).unwrap_or_default()
        }
        Intake {
            resident_name: get(doc, "resident_name"),
            unit: get(doc, "unit"),
            phone: get(doc, "phone"),
            department: doc
                .field("department")
                .map_or(Department::Property, |field| field.value),
            seriousness: doc
                .field("seriousness")
                .map_or(Seriousness::Ordinary, |field| field.value),
            serious: get(doc, "serious"),
        }
    }
}

impl Amendment {
    /// The correction as the verb writes it: the checks a new case's intake
    /// passes.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        Ok(match self {
            Amendment::ResidentName(name) => {
                Amendment::ResidentName(required("resident_name", name)?)
            }
            Amendment::Unit(unit) => Amendment::Unit(required("unit", unit)?),
            Amendment::Phone(phone) => Amendment::Phone(valid_phone(phone)?),
            other @ (Amendment::Department(_)
            | Amendment::Seriousness(_)
            | Amendment::Serious(_)) => other,
        })
    }

    /// The new value as JSON.
    pub(crate) fn value(&self) -> serde_json::Value {
        crate::record::field_value(self)
    }

    pub(crate) fn field_name(&self) -> &'static str {
        match self {
            Amendment::ResidentName(_) => "resident_name",
            Amendment::Unit(_) => "unit",
            Amendment::Phone(_) => "phone",
            Amendment::Department(_) => "department",
            Amendment::Seriousness(_) => "seriousness",
            Amendment::Serious(_) => "serious",
        }
    }
}

/// How the case reached the desk: a complaint, or one of the seven kinds of
/// help request (docs/DOMAIN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Complaint,
    HelpRequest(HelpKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpKind {
    MedicalEmergency,
    Repair,
    Complaint,
    Enquiry,
    Crime(CrimeKind),
    Disaster(DisasterKind),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeKind {
    Theft,
    Fight,
    Robbery,
    Poisoning,
    TrafficAccident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisasterKind {
    Typhoon,
    Flood,
    Fire,
}

impl Channel {
    pub fn is_help_request(self) -> bool {
        matches!(self, Channel::HelpRequest(_))
    }
}

/// The "four clears and one report" rule for taking a complaint (docs/DOMAIN.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FourClears {
    /// Heard clearly: the resident's own words.
    pub heard: String,
    /// Asked clearly: the answers to the desk's clarifying questions.
    pub asked: String,
    /// Repeated back clearly: the resident confirmed the desk's repetition.
    pub repeated_back: bool,
    /// Recorded clearly: the summary as written.
    pub recorded: String,
    /// Reported: the department head who was told. A help request answered
    /// at once needs no report; one that cannot be solved at once is
    /// reported later with [`super::Complaint::report_to_head`].
    pub reported_to: Option<String>,
}

impl FourClears {
    /// Refuses an intake missing any of the clears, or, for a complaint,
    /// the report.
    pub(crate) fn validated(self, channel: Channel) -> Result<Self, RecordError> {
        if !self.repeated_back {
            return Err(RecordError::invalid(
                "repeated_back",
                "repeat the complaint back and have the resident confirm it",
            ));
        }
        let reported_to = match (self.reported_to, channel) {
            (Some(head), _) if !head.trim().is_empty() => Some(head.trim().to_owned()),
            (_, Channel::HelpRequest(_)) => None,
            (_, Channel::Complaint) => {
                return Err(RecordError::invalid(
                    "reported_to",
                    "a complaint is reported to the department head",
                ));
            }
        };
        Ok(FourClears {
            heard: required("heard", self.heard)?,
            asked: required("asked", self.asked)?,
            repeated_back: true,
            recorded: required("recorded", self.recorded)?,
            reported_to,
        })
    }
}
