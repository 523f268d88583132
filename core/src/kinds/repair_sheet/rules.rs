//! The repair sheet's rulebook (docs/DOMAIN.md §1): what each step must carry, who
//! may take it on this sheet, and which fields each step writes. The verbs
//! in `mod.rs` build events and hand them here; the server hands every
//! pushed event here too (see [`crate::record::Rulebook`]).

use super::events::{FeeLine, MaterialCheck, RepairEvent};
use super::intake::Amendment;
use super::view::RepairSheetView;
use crate::kinds::common::{non_empty_items, required};
use crate::record::{
    FieldValue, RecordDoc, RecordError, Role, Rulebook, Step, Verb, later_than, parse_field,
    to_json,
};
use crate::rules::RepairLocation;

/// The intake fields a new sheet writes with its `opened` event.
pub(crate) const INTAKE_FIELDS: &[&str] = &[
    "resident_name",
    "unit",
    "phone",
    "problem",
    "location",
    "on_price_list",
    "urgency",
    "appointment",
];

/// A fault in a public area may have no resident, nor their phone.
const PUBLIC_AREA_INTAKE_FIELDS: &[&str] = &[
    "unit",
    "problem",
    "location",
    "on_price_list",
    "urgency",
    "appointment",
];

impl Rulebook for RepairSheetView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::RepairSheet::view_of(doc)
    }

    fn verb(event: &RepairEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, step: &Step<'_>, event: RepairEvent) -> Result<RepairEvent, RecordError> {
        if !self.opened && !matches!(event, RepairEvent::Opened { .. }) {
            return Err(RecordError::not_now(event.verb(), "the sheet is not open"));
        }
        self.assigned_technician_acts(step, &event)?;
        Ok(match event {
            RepairEvent::Opened {
                reported_at,
                source,
            } => {
                if later_than(reported_at, step.at) {
                    return Err(RecordError::invalid(
                        "reported_at",
                        "cannot be after the sheet is written",
                    ));
                }
                RepairEvent::Opened {
                    reported_at,
                    source,
                }
            }
            RepairEvent::Dispatched { technician } => {
                let technician = required("technician", technician)?;
                step.names_staff("technician", &technician, &[Role::Technician])?;
                RepairEvent::Dispatched { technician }
            }
            RepairEvent::Quoted {
                feasible,
                fee_cents,
                note,
            } => {
                if fee_cents.is_some_and(|fee| fee < 0) {
                    return Err(RecordError::invalid("fee", "cannot be negative"));
                }
                if feasible && fee_cents.is_none() {
                    return Err(RecordError::invalid("fee", "a feasible job needs its fee"));
                }
                RepairEvent::Quoted {
                    feasible,
                    fee_cents,
                    note: note.trim().to_owned(),
                }
            }
            RepairEvent::ItemsConfirmed {
                items,
                fee_standard,
            } => RepairEvent::ItemsConfirmed {
                items: non_empty_items(items)?,
                fee_standard: fee_standard.trim().to_owned(),
            },
            RepairEvent::Declined { reason, signature } => RepairEvent::Declined {
                reason: required("reason", reason)?,
                signature: signature.validated()?,
            },
            RepairEvent::FeeLineAdded(line) => RepairEvent::FeeLineAdded(fee_line(line)?),
            RepairEvent::MaterialChecked(check) => RepairEvent::MaterialChecked(MaterialCheck {
                material: required("material", check.material)?,
                ..check
            }),
            RepairEvent::NoteAdded { text } => RepairEvent::NoteAdded {
                text: required("note", text)?,
            },
            RepairEvent::PhotoAttached { blob, caption } => RepairEvent::PhotoAttached {
                blob,
                caption: caption.trim().to_owned(),
            },
            RepairEvent::Completed {
                items_repaired,
                signature,
                satisfaction,
            } => RepairEvent::Completed {
                items_repaired: non_empty_items(items_repaired)?,
                signature: signature.validated()?,
                satisfaction,
            },
            RepairEvent::CalledBack(callback) => RepairEvent::CalledBack(callback.validated()?),
            event @ (RepairEvent::Arrived
            | RepairEvent::Agreed
            | RepairEvent::HandedBack
            | RepairEvent::ReturnConfirmed) => event,
        })
    }

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        events: &[RepairEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        // Where the fault is decides who pays, so it is fixed at opening.
        if name == "location" && opens(events) {
            let location: RepairLocation = serde_json::from_value(value.clone())
                .map_err(|_| RecordError::invalid(name, format!("{value} is not a location")))?;
            return Ok((to_json(name, &location)?, Verb::OpenRepairSheet));
        }
        let amendment = parse_field::<Amendment>(name, value)?.validated()?;
        let verb = if opens(events) {
            Verb::OpenRepairSheet
        } else {
            Verb::Amend
        };
        Ok((to_json(name, &amendment.value())?, verb))
    }

    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        self.intake.set(name, &value.value);
    }

    fn required_fields(&self, events: &[RepairEvent]) -> &'static [&'static str] {
        match (opens(events), self.intake.location) {
            (false, _) => &[],
            (true, RepairLocation::InUnit) => INTAKE_FIELDS,
            (true, RepairLocation::PublicArea) => PUBLIC_AREA_INTAKE_FIELDS,
        }
    }
}

impl RepairSheetView {
    /// The technician's steps on a sheet are taken by the technician it is
    /// dispatched to (an admin may stand in).
    fn assigned_technician_acts(
        &self,
        step: &Step<'_>,
        event: &RepairEvent,
    ) -> Result<(), RecordError> {
        let technicians_step = matches!(
            event,
            RepairEvent::Arrived
                | RepairEvent::ItemsConfirmed { .. }
                | RepairEvent::Agreed
                | RepairEvent::FeeLineAdded(_)
                | RepairEvent::MaterialChecked(_)
                | RepairEvent::Completed { .. }
                | RepairEvent::HandedBack
        ) || (matches!(event, RepairEvent::Declined { .. })
            && step.editor.role == Role::Technician);
        let assigned = self.technician.as_deref();
        if !technicians_step
            || step.editor.role == Role::Admin
            || assigned == Some(step.editor.user.as_str())
        {
            return Ok(());
        }
        Err(RecordError::NotTheirs {
            verb: event.verb(),
            reason: format!("the sheet is assigned to {}", assigned.unwrap_or("nobody")),
        })
    }
}

fn opens(events: &[RepairEvent]) -> bool {
    events
        .iter()
        .any(|event| matches!(event, RepairEvent::Opened { .. }))
}

fn fee_line(line: FeeLine) -> Result<FeeLine, RecordError> {
    let description = required("description", line.description)?;
    if line.quantity == 0 {
        return Err(RecordError::invalid("quantity", "must be at least 1"));
    }
    if line.unit_price_cents < 0 {
        return Err(RecordError::invalid("unit_price", "cannot be negative"));
    }
    Ok(FeeLine {
        description,
        ..line
    })
}
