//! The patrol round's rulebook (docs/DOMAIN.md §2): what each step of a round must
//! carry. A round keeps no correctable fields. The verbs in `mod.rs` and the
//! server's push check both judge steps here (see [`crate::record::Rulebook`]).

use super::events::{FindingReport, RoundEvent};
use super::view::PatrolRoundView;
use crate::kinds::common::required;
use crate::kinds::route_template::{RoutePlan, validated_checkpoints};
use crate::record::{FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb};

impl Rulebook for PatrolRoundView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::PatrolRound::view_of(doc)
    }

    fn verb(event: &RoundEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, _step: &Step<'_>, event: RoundEvent) -> Result<RoundEvent, RecordError> {
        Ok(match event {
            RoundEvent::Started(plan) => RoundEvent::Started(RoutePlan {
                name: required("route name", plan.name)?,
                checkpoints: validated_checkpoints(plan.checkpoints)?,
                ..plan
            }),
            RoundEvent::CheckedIn { code, method } => RoundEvent::CheckedIn {
                code: required("code", code)?,
                method,
            },
            RoundEvent::FindingAdded(report) => RoundEvent::FindingAdded(FindingReport {
                description: required("description", report.description)?,
                location: report.location.validated()?,
                ..report
            }),
            RoundEvent::RepairLinked { finding, repair } => RoundEvent::RepairLinked {
                finding: finding.trim().to_owned(),
                repair,
            },
            RoundEvent::NoteAdded { text } => RoundEvent::NoteAdded {
                text: required("note", text)?,
            },
            RoundEvent::PhotoAttached { blob, caption } => RoundEvent::PhotoAttached {
                blob,
                caption: caption.trim().to_owned(),
            },
            RoundEvent::Finished => RoundEvent::Finished,
        })
    }

    /// No field is ever admitted, so none is folded.
    fn apply_field(&mut self, _name: &str, _value: &FieldValue<serde_json::Value>) {}

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        _value: &serde_json::Value,
        _events: &[RoundEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        Err(RecordError::invalid(
            name,
            "a patrol round has no correctable fields",
        ))
    }
}
