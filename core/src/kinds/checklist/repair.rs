//! Opening a repair sheet from a failed checklist item. The sheet names the
//! item as its source and the checklist names the sheet, written in one call
//! so that neither side of the link can be forgotten.

use chrono::{DateTime, Utc};

use super::Checklist;
use crate::kinds::repair_sheet::{Intake, RepairSheet, SourceLink};
use crate::record::{Editor, RecordError, Verb};

/// Opens a repair sheet for the failed `item` of `checklist` and links it
/// back. The sheet's clock runs from when the item was answered. Refused,
/// with the checklist unchanged and no sheet made, for an item that has not
/// failed or when either step is not allowed.
pub fn open_repair_from_item(
    checklist: &mut Checklist,
    editor: &Editor,
    at: DateTime<Utc>,
    item: &str,
    intake: Intake,
) -> Result<RepairSheet, RecordError> {
    let view = checklist.view();
    let status = view
        .repairable(item.trim())
        .map_err(|reason| RecordError::not_now(Verb::LinkRepair, reason))?;
    let reported_at = status
        .answer
        .as_ref()
        .map_or(at, |answer| answer.at.min(at));
    let source = SourceLink {
        record: checklist.id().to_string(),
        item: status.item.id.clone(),
    };
    let estate = checklist.doc().header().estate.clone();
    let sheet = RepairSheet::open(editor, at, &estate, intake, reported_at, Some(source))?;
    checklist.link_repair(editor, at, &status.item.id, sheet.id())?;
    Ok(sheet)
}
