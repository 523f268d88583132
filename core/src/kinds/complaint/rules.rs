//! The complaint's rulebook (docs/DOMAIN.md §4, §5): what each step of a complaint
//! or help request must carry, and which fields each step writes. The verbs
//! in `mod.rs` build events and hand them here; so does the server, for
//! every pushed event (see [`crate::record::Rulebook`]).

use chrono::{DateTime, Utc};

use super::events::ComplaintEvent;
use super::intake::{Amendment, INTAKE_FIELDS};
use super::view::ComplaintView;
use crate::kinds::common::required;
use crate::record::{
    FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb, later_than, parse_field, to_json,
};

impl Rulebook for ComplaintView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::Complaint::view_of(doc)
    }

    fn verb(event: &ComplaintEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, step: &Step<'_>, event: ComplaintEvent) -> Result<ComplaintEvent, RecordError> {
        if !self.opened && !matches!(event, ComplaintEvent::Opened { .. }) {
            return Err(RecordError::not_now(event.verb(), "the case is not open"));
        }
        Ok(match event {
            ComplaintEvent::Opened {
                channel,
                received_at,
                clears,
            } => {
                not_after("received_at", received_at, step.at)?;
                ComplaintEvent::Opened {
                    channel,
                    received_at,
                    clears: clears.validated(channel)?,
                }
            }
            ComplaintEvent::Dispatched { department, person } => ComplaintEvent::Dispatched {
                department,
                person: person
                    .map(|person| required("person", person))
                    .transpose()?,
            },
            ComplaintEvent::Escalated { to } => ComplaintEvent::Escalated {
                to: required("to", to)?,
            },
            ComplaintEvent::Answered { reply, solved } => ComplaintEvent::Answered {
                reply: required("reply", reply)?,
                solved,
            },
            ComplaintEvent::ReportedToHead { head } => ComplaintEvent::ReportedToHead {
                head: required("head", head)?,
            },
            ComplaintEvent::Handled { action, handled_at } => {
                not_after("handled_at", handled_at, step.at)?;
                if handled_at < self.received_at {
                    return Err(RecordError::invalid(
                        "handled_at",
                        "cannot be before the case was received",
                    ));
                }
                ComplaintEvent::Handled {
                    action: required("action", action)?,
                    handled_at,
                }
            }
            ComplaintEvent::SignedOff { signature, rating } => ComplaintEvent::SignedOff {
                signature: signature.validated()?,
                rating,
            },
            ComplaintEvent::CalledBack(callback) => {
                ComplaintEvent::CalledBack(callback.validated()?)
            }
            ComplaintEvent::MarkedDuplicate { of } => {
                if of == step.record {
                    return Err(RecordError::invalid(
                        "duplicate_of",
                        "a complaint cannot duplicate itself",
                    ));
                }
                ComplaintEvent::MarkedDuplicate { of }
            }
        })
    }

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        events: &[ComplaintEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        let amendment = parse_field::<Amendment>(name, value)?.validated()?;
        let verb = if opens(events) {
            Verb::OpenComplaint
        } else {
            Verb::Amend
        };
        Ok((to_json(name, &amendment.value())?, verb))
    }

    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        self.intake.set(name, &value.value);
        self.callback_by = self.intake.seriousness.called_back_by();
        self.escalation_required = self.intake.needs_escalation();
        self.flag_escalation();
    }

    fn required_fields(&self, events: &[ComplaintEvent]) -> &'static [&'static str] {
        if opens(events) { INTAKE_FIELDS } else { &[] }
    }
}

fn opens(events: &[ComplaintEvent]) -> bool {
    events
        .iter()
        .any(|event| matches!(event, ComplaintEvent::Opened { .. }))
}

fn not_after(
    field: &str,
    claimed: DateTime<Utc>,
    written: DateTime<Utc>,
) -> Result<(), RecordError> {
    if later_than(claimed, written) {
        Err(RecordError::invalid(
            field,
            "cannot be after it is written down",
        ))
    } else {
        Ok(())
    }
}
