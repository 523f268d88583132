//! Opening a repair sheet from a patrol finding. The sheet names the finding
//! as its source and the round names the sheet, written in one call so that
//! neither side of the link can be forgotten. The sheet starts from what
//! the officer already wrote: where the fault is and what it is, when the
//! desk leaves them out, and the finding's photos.

use chrono::{DateTime, Utc};

use super::PatrolRound;
use crate::kinds::repair_sheet::{Intake, RepairSheet, SourceLink};
use crate::record::{Editor, RecordError, Verb};

/// Opens a repair sheet for `finding` on `round` and links it back. The
/// sheet's clock runs from when the finding was recorded; an empty `unit`
/// or `problem` is the finding's place or description, and the finding's
/// photos are attached to the sheet. Refused, with the round unchanged and
/// no sheet made, if the finding does not exist or either step is not
/// allowed.
pub fn open_repair_from_finding(
    round: &mut PatrolRound,
    editor: &Editor,
    at: DateTime<Utc>,
    finding: &str,
    mut intake: Intake,
) -> Result<RepairSheet, RecordError> {
    let view = round.view();
    let found = view
        .known_finding(finding.trim())
        .map_err(|reason| RecordError::not_now(Verb::LinkRepair, reason))?;
    let source = SourceLink {
        record: round.id().to_string(),
        item: found.id.clone(),
    };
    let report = &found.report;
    if intake.unit.trim().is_empty() {
        intake.unit = report.location.describe();
    }
    if intake.problem.trim().is_empty() {
        intake.problem = report.description.clone();
    }
    let estate = round.doc().header().estate.clone();
    let mut sheet = RepairSheet::open(editor, at, &estate, intake, found.at.min(at), Some(source))?;
    for photo in &report.photos {
        sheet.attach_photo(editor, at, photo.clone(), &report.description)?;
    }
    round.link_repair(editor, at, &found.id, sheet.id())?;
    Ok(sheet)
}
