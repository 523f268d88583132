//! The checklist template's rulebook (docs/DOMAIN.md §3): a template is defined once
//! with its items, then revised into new versions, each based on the
//! version its author saw; its name is its one correctable field.

use super::events::TemplateEvent;
use super::items::validated_items;
use super::view::ChecklistTemplateView;
use crate::kinds::common::{TEMPLATE_NAME, admit_template_name};
use crate::record::{FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb};

impl Rulebook for ChecklistTemplateView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::ChecklistTemplate::view_of(doc)
    }

    fn verb(event: &TemplateEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, _step: &Step<'_>, event: TemplateEvent) -> Result<TemplateEvent, RecordError> {
        Ok(match event {
            TemplateEvent::Defined {
                template_type,
                items,
            } => TemplateEvent::Defined {
                template_type,
                items: validated_items(items)?,
            },
            TemplateEvent::Revised { based_on, items } => {
                let items = validated_items(items)?;
                if items == self.items {
                    return Err(RecordError::invalid(
                        "items",
                        format!("the same as version {}", self.version),
                    ));
                }
                if based_on != self.version {
                    return Err(RecordError::invalid(
                        "based_on",
                        format!("the template is at version {}", self.version),
                    ));
                }
                TemplateEvent::Revised { based_on, items }
            }
        })
    }

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        _events: &[TemplateEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        admit_template_name(name, value, Verb::DefineChecklist)
    }

    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        if let (TEMPLATE_NAME, Some(text)) = (name, value.value.as_str()) {
            self.name = text.to_owned();
        }
    }

    fn required_fields(&self, events: &[TemplateEvent]) -> &'static [&'static str] {
        let defines = events
            .iter()
            .any(|event| matches!(event, TemplateEvent::Defined { .. }));
        if defines { &[TEMPLATE_NAME] } else { &[] }
    }
}
