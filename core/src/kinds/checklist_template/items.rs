//! What a checklist template is made of (docs/DOMAIN.md §3): its type, which decides
//! what the filled-in checklist must carry (meter readings, signatures), and
//! its items. Checklists copy these values when they start.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::kinds::common::required;
use crate::record::RecordError;

/// The sheets the procedures name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateType {
    /// The public-area inspection sheet [§10.5.2].
    PublicAreaInspection,
    /// The cleaning inspection record.
    CleaningInspection,
    /// A renovation acceptance at one of its stages [§7].
    RenovationAcceptance { stage: RenovationStage },
    /// The unit handover inspection form [§5.5.5, §5.8.7]: meter readings
    /// with the owner, signed by owner and staff.
    UnitHandover,
}

/// The stages of a renovation acceptance [§7].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenovationStage {
    /// Concealed works (buried conduits, ceilings) before they are closed.
    Preliminary,
    Formal,
    /// Repeated until every defect is fixed.
    ReInspection,
}

impl TemplateType {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateType::PublicAreaInspection => "public_area_inspection",
            TemplateType::CleaningInspection => "cleaning_inspection",
            TemplateType::RenovationAcceptance { .. } => "renovation_acceptance",
            TemplateType::UnitHandover => "unit_handover",
        }
    }

    /// Whether the checklist records meter readings with the owner.
    pub fn has_meter_readings(self) -> bool {
        self == TemplateType::UnitHandover
    }

    /// Whether the checklist is about one unit, which it must then name.
    pub fn is_for_a_unit(self) -> bool {
        matches!(
            self,
            TemplateType::UnitHandover | TemplateType::RenovationAcceptance { .. }
        )
    }
}

/// One line of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable across versions, so answers can be compared; lowercase
    /// letters, digits, `_` and `-`, since it names the item's field.
    pub id: String,
    pub label: String,
    /// The heading it is listed under, e.g. "走廊 / Corridors".
    pub section: String,
}

impl ChecklistItem {
    pub fn new(
        id: impl Into<String>,
        label: impl Into<String>,
        section: impl Into<String>,
    ) -> Self {
        ChecklistItem {
            id: id.into(),
            label: label.into(),
            section: section.into(),
        }
    }

    fn validated(self) -> Result<Self, RecordError> {
        let id = required("item id", self.id)?;
        let valid_id = id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid_id {
            return Err(RecordError::invalid(
                "item id",
                format!("{id:?} may use only a-z, 0-9, _ and -"),
            ));
        }
        Ok(ChecklistItem {
            id,
            label: required("item label", self.label)?,
            section: self.section.trim().to_owned(),
        })
    }
}

/// Checks a template's item list: not empty, each valid, ids unique.
pub(crate) fn validated_items(
    items: Vec<ChecklistItem>,
) -> Result<Vec<ChecklistItem>, RecordError> {
    if items.is_empty() {
        return Err(RecordError::invalid(
            "items",
            "a checklist needs at least one item",
        ));
    }
    let items = items
        .into_iter()
        .map(ChecklistItem::validated)
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    if let Some(twice) = items.iter().find(|item| !seen.insert(item.id.as_str())) {
        return Err(RecordError::invalid(
            "items",
            format!("item id {:?} appears twice", twice.id),
        ));
    }
    Ok(items)
}
