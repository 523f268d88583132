//! The checklist's rulebook (docs/DOMAIN.md §3): what each step of filling in a
//! checklist must carry, and the fields a step writes (an item's answer, a
//! meter reading) beside its event. The verbs in `mod.rs` and the server's
//! push check both judge steps here (see [`crate::record::Rulebook`]).

use super::answers::{ItemAnswer, item_field, meter_field};
use super::events::ChecklistEvent;
use super::view::ChecklistView;
use crate::kinds::checklist_template::{ChecklistPlan, validated_items};
use crate::kinds::common::required;
use crate::record::{FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb, to_json};

impl Rulebook for ChecklistView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::Checklist::view_of(doc)
    }

    fn verb(event: &ChecklistEvent) -> Verb {
        event.verb()
    }

    fn admit(
        &self,
        _step: &Step<'_>,
        event: ChecklistEvent,
    ) -> Result<ChecklistEvent, RecordError> {
        Ok(match event {
            ChecklistEvent::Started { plan, site } => {
                let site = site.validated(plan.template_type.is_for_a_unit())?;
                let plan = ChecklistPlan {
                    name: required("name", plan.name)?,
                    items: validated_items(plan.items)?,
                    ..plan
                };
                ChecklistEvent::Started { plan, site }
            }
            ChecklistEvent::ItemSet { item, result, note } => {
                let answer = ItemAnswer::validated(result, &note)?;
                ChecklistEvent::ItemSet {
                    item: item.trim().to_owned(),
                    result,
                    note: answer.note,
                }
            }
            ChecklistEvent::PhotoAttached {
                item,
                blob,
                caption,
            } => ChecklistEvent::PhotoAttached {
                item: item.map(|id| id.trim().to_owned()),
                blob,
                caption: caption.trim().to_owned(),
            },
            ChecklistEvent::MeterRecorded(reading) => {
                ChecklistEvent::MeterRecorded(reading.validated()?)
            }
            ChecklistEvent::Signed {
                staff,
                owner,
                defects,
            } => {
                let failed: Vec<String> = self
                    .failed_items()
                    .into_iter()
                    .map(|status| status.item.id.clone())
                    .collect();
                if defects != failed {
                    return Err(RecordError::invalid(
                        "defects",
                        "a signing lists the failed items as they stand",
                    ));
                }
                ChecklistEvent::Signed {
                    staff: staff.validated()?,
                    owner: owner.map(|owner| owner.validated()).transpose()?,
                    defects,
                }
            }
            ChecklistEvent::RepairLinked { item, repair } => {
                let item = item.trim().to_owned();
                self.repairable(&item)
                    .map_err(|reason| RecordError::not_now(Verb::LinkRepair, reason))?;
                ChecklistEvent::RepairLinked { item, repair }
            }
            ChecklistEvent::NoteAdded { text } => ChecklistEvent::NoteAdded {
                text: required("note", text)?,
            },
            ChecklistEvent::Completed => ChecklistEvent::Completed,
        })
    }

    /// An item's answer and a meter reading are fields, written only by the
    /// step that records them, with the value that step carries.
    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        events: &[ChecklistEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        let written = events.iter().find_map(|event| match event {
            ChecklistEvent::ItemSet { item, result, note } if item_field(item) == name => {
                let answer = ItemAnswer {
                    result: *result,
                    note: note.clone(),
                };
                Some((to_json(name, &answer), Verb::SetItem))
            }
            ChecklistEvent::MeterRecorded(reading) if meter_field(reading.meter) == name => {
                Some((to_json(name, reading), Verb::RecordMeter))
            }
            _ => None,
        });
        match written {
            Some((expected, verb)) if expected.as_ref() == Ok(value) => Ok((value.clone(), verb)),
            _ => Err(RecordError::invalid(
                name,
                "a checklist's answers are written only by the step that records them",
            )),
        }
    }

    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        self.take_answer(name, value);
    }
}
