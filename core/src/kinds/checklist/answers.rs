//! What inspectors write on site and may correct: each item's answer and,
//! on a handover, each meter reading. Each is a correctable field (one per
//! item, one per meter), so two inspectors answering the same item at once
//! surface as a conflict instead of one answer silently winning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kinds::checklist_template::ChecklistItem;
use crate::kinds::common::required;
use crate::record::{FieldValue, RecordDoc, RecordError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemResult {
    Pass,
    Fail,
    NotApplicable,
}

/// An item's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAnswer {
    pub result: ItemResult,
    /// What is wrong, for a failed item; otherwise optional.
    pub note: String,
}

impl ItemAnswer {
    /// A failed item needs its note: every defect is written on the form
    /// (docs/DOMAIN.md §3), and the note is what a repair sheet is opened from.
    pub(crate) fn validated(result: ItemResult, note: &str) -> Result<Self, RecordError> {
        let note = note.trim().to_owned();
        if result == ItemResult::Fail && note.is_empty() {
            return Err(RecordError::invalid(
                "note",
                "say what is wrong with a failed item",
            ));
        }
        Ok(ItemAnswer { result, note })
    }
}

/// The meters read at a unit handover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterKind {
    Electricity,
    Water,
    Gas,
}

impl MeterKind {
    pub const ALL: [MeterKind; 3] = [MeterKind::Electricity, MeterKind::Water, MeterKind::Gas];

    pub fn as_str(self) -> &'static str {
        match self {
            MeterKind::Electricity => "electricity",
            MeterKind::Water => "water",
            MeterKind::Gas => "gas",
        }
    }
}

/// A meter reading taken with the owner present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterReading {
    pub meter: MeterKind,
    /// As shown on the meter, a decimal such as "01234.5"; kept as text so
    /// leading zeros and decimals survive exactly.
    pub reading: String,
    /// The owner who watched it read.
    pub owner: String,
}

impl MeterReading {
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        let reading = self.reading.trim().to_owned();
        if !is_decimal(&reading) {
            return Err(RecordError::invalid(
                "reading",
                format!("{reading:?} is not a meter reading (digits, one optional '.')"),
            ));
        }
        Ok(MeterReading {
            meter: self.meter,
            reading,
            owner: required("owner", self.owner)?,
        })
    }
}

fn is_decimal(text: &str) -> bool {
    let mut parts = text.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

pub(crate) fn item_field(item: &str) -> String {
    format!("item.{item}")
}

pub(crate) fn meter_field(meter: MeterKind) -> String {
    format!("meter.{}", meter.as_str())
}

/// The current answer of every item that has one.
pub(crate) fn read_answers(
    doc: &RecordDoc,
    items: &[ChecklistItem],
) -> BTreeMap<String, FieldValue<ItemAnswer>> {
    items
        .iter()
        .filter_map(|item| Some((item.id.clone(), doc.field(&item_field(&item.id))?)))
        .collect()
}

/// The current reading of every meter read, in [`MeterKind::ALL`] order.
pub(crate) fn read_meters(doc: &RecordDoc) -> Vec<FieldValue<MeterReading>> {
    MeterKind::ALL
        .into_iter()
        .filter_map(|meter| doc.field(&meter_field(meter)))
        .collect()
}
