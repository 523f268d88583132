//! What the front desk writes when a sheet is opened, kept as correctable
//! fields: people do fix a misheard phone number or a wrong unit later, and
//! two such corrections made at once surface as a conflict.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kinds::common::{required, valid_phone};
use crate::record::{RecordDoc, RecordError, Write};
use crate::rules::{RepairLocation, Urgency};

/// The resident's request as taken at the desk (DOMAIN §1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub resident_name: String,
    /// Unit or address; for a public-area fault, where it is.
    pub unit: String,
    pub phone: String,
    /// What is broken, in the resident's words.
    pub problem: String,
    /// Inside a unit (paid service) or in a public area (free).
    pub location: RepairLocation,
    /// Whether the item is on the estate's price list of paid repairs.
    pub on_price_list: bool,
    pub urgency: Urgency,
    /// The requested appointment; none means the resident wants it now.
    pub appointment: Option<DateTime<Utc>>,
}

/// A correction of one intake field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum Amendment {
    ResidentName(String),
    Unit(String),
    Phone(String),
    Problem(String),
    OnPriceList(bool),
    Urgency(Urgency),
    Appointment(Option<DateTime<Utc>>),
}

impl Intake {
    /// Checks and normalises every field.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        Ok(Intake {
            resident_name: required("resident_name", self.resident_name)?,
            unit: required("unit", self.unit)?,
            phone: valid_phone(self.phone)?,
            problem: required("problem", self.problem)?,
            ..self
        })
    }

    pub(crate) fn write(&self, write: &mut Write<'_>) -> Result<(), RecordError> {
        write.set_field("resident_name", &self.resident_name)?;
        write.set_field("unit", &self.unit)?;
        write.set_field("phone", &self.phone)?;
        write.set_field("problem", &self.problem)?;
        write.set_field("location", &self.location)?;
        write.set_field("on_price_list", &self.on_price_list)?;
        write.set_field("urgency", &self.urgency)?;
        write.set_field("appointment", &self.appointment)
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
            problem: get(doc, "problem"),
            location: doc
                .field("location")
                .map_or(RepairLocation::InUnit, |field| field.value),
            on_price_list: get(doc, "on_price_list"),
            urgency: doc
                .field("urgency")
                .map_or(Urgency::Normal, |field| field.value),
            appointment: get(doc, "appointment"),
        }
    }
}

impl Amendment {
    /// Validates the new value and writes it to its field.
    pub(crate) fn write(self, write: &mut Write<'_>) -> Result<(), RecordError> {
        match self {
            Amendment::ResidentName(name) => {
                write.set_field("resident_name", &required("resident_name", name)?)
            }
            Amendment::Unit(unit) => write.set_field("unit", &required("unit", unit)?),
            Amendment::Phone(phone) => write.set_field("phone", &valid_phone(phone)?),
            Amendment::Problem(problem) => {
                write.set_field("problem", &required("problem", problem)?)
            }
            Amendment::OnPriceList(on) => write.set_field("on_price_list", &on),
            Amendment::Urgency(urgency) => write.set_field("urgency", &urgency),
            Amendment::Appointment(at) => write.set_field("appointment", &at),
        }
    }
}
