//! The duty log's rulebook (docs/DOMAIN.md §6): an entry says what happened and may
//! refer only to an entry of the same log; a handover counts the equipment
//! and is signed by both officers; the supervisor signs once. The log keeps
//! no correctable fields: a correction is a new entry. The verbs in `mod.rs`
//! and the server's push check both judge steps here.

use super::events::{DutyEvent, Entry};
use super::view::DutyLogView;
use crate::kinds::common::required;
use crate::record::{FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb};

impl Rulebook for DutyLogView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::DutyLog::view_of(doc)
    }

    fn verb(event: &DutyEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, step: &Step<'_>, event: DutyEvent) -> Result<DutyEvent, RecordError> {
        Ok(match event {
            DutyEvent::EntryAppended(entry) => {
                if let Some(target) = &entry.refers_to {
                    self.known_entry(target.entry())?;
                }
                DutyEvent::EntryAppended(Entry {
                    text: required("text", entry.text)?,
                    ..entry
                })
            }
            DutyEvent::HandedOver(handover) => {
                let handover = handover.validated(step.at)?;
                for id in &handover.acknowledged {
                    self.known_entry(id)?;
                }
                DutyEvent::HandedOver(handover)
            }
            DutyEvent::SignedOff { signature, comment } => DutyEvent::SignedOff {
                signature: signature.validated()?,
                comment: comment.trim().to_owned(),
            },
        })
    }

    /// No field is ever admitted, so none is folded.
    fn apply_field(&mut self, _name: &str, _value: &FieldValue<serde_json::Value>) {}

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        _value: &serde_json::Value,
        _events: &[DutyEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        Err(RecordError::invalid(
            name,
            "the duty log has no correctable fields: write a correcting entry",
        ))
    }
}

impl DutyLogView {
    fn known_entry(&self, id: &str) -> Result<(), RecordError> {
        match self.entry(id) {
            Some(_) => Ok(()),
            None => Err(RecordError::invalid(
                "entry",
                format!("no entry {id} in this log"),
            )),
        }
    }
}
