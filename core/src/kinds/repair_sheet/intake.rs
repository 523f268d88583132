//! What the front desk writes when a sheet is opened, kept as correctable
//! fields: people do fix a misheard phone number or a wrong unit later, and
//! two such corrections made at once surface as a conflict.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kinds::common::{required, valid_phone};
use crate::record::{RecordDoc, RecordError, to_json};
use crate::rules::{RepairLocation, Urgency};

/// The resident's request as taken at the desk (docs/DOMAIN.md §1).
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
    /// Checks and normalises every field. A fault in a unit needs the
    /// resident and their phone; one in a public area (a corridor lamp a
    /// patrol found) may have no resident, and then has no phone either
    /// unless one is given.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        let in_unit = self.location == RepairLocation::InUnit;
        let resident_name = if in_unit {
            required("resident_name", self.resident_name)?
        } else {
            self.resident_name.trim().to_owned()
        };
        let phone = if in_unit || !self.phone.trim().is_empty() {
            valid_phone(self.phone)?
        } else {
            String::new()
        };
        Ok(Intake {
            resident_name,
            unit: required("unit", self.unit)?,
            phone,
            problem: required("problem", self.problem)?,
            ..self
        })
    }

    /// The fields a new sheet writes, as JSON, in the order of
    /// [`super::rules::INTAKE_FIELDS`].
    /// A public-area sheet without a resident writes no resident or phone.
    pub(crate) fn fields(&self) -> Result<Vec<(&'static str, serde_json::Value)>, RecordError> {
        let values = [
            to_json("resident_name", &self.resident_name)?,
            to_json("unit", &self.unit)?,
            to_json("phone", &self.phone)?,
            to_json("problem", &self.problem)?,
            to_json("location", &self.location)?,
            to_json("on_price_list", &self.on_price_list)?,
            to_json("urgency", &self.urgency)?,
            to_json("appointment", &self.appointment)?,
        ];
        Ok(super::rules::INTAKE_FIELDS
            .iter()
            .copied()
            .zip(values)
            .filter(|(name, value)| {
                !(matches!(*name, "resident_name" | "phone") && value.as_str() == Some(""))
            })
            .collect())
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
            "problem" => put(&mut self.problem, value),
            "location" => put(&mut self.location, value),
            "on_price_list" => put(&mut self.on_price_list, value),
            "urgency" => put(&mut self.urgency, value),
            "appointment" => put(&mut self.appointment, value),
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
    /// The correction as the verb writes it: the same checks a new sheet's
    /// intake passes.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        Ok(match self {
            Amendment::ResidentName(name) => {
                Amendment::ResidentName(required("resident_name", name)?)
            }
            Amendment::Unit(unit) => Amendment::Unit(required("unit", unit)?),
            Amendment::Phone(phone) => Amendment::Phone(valid_phone(phone)?),
            Amendment::Problem(problem) => Amendment::Problem(required("problem", problem)?),
            other @ (Amendment::OnPriceList(_)
            | Amendment::Urgency(_)
            | Amendment::Appointment(_)) => other,
        })
    }

    /// The field this corrects and its new value as JSON.
    pub(crate) fn value(&self) -> serde_json::Value {
        crate::record::field_value(self)
    }

    pub(crate) fn field_name(&self) -> &'static str {
        match self {
            Amendment::ResidentName(_) => "resident_name",
            Amendment::Unit(_) => "unit",
            Amendment::Phone(_) => "phone",
            Amendment::Problem(_) => "problem",
            Amendment::OnPriceList(_) => "on_price_list",
            Amendment::Urgency(_) => "urgency",
            Amendment::Appointment(_) => "appointment",
        }
    }
}
