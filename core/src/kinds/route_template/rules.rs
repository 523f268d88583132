//! The route template's rulebook (docs/DOMAIN.md §2): a route is defined once with
//! its checkpoints in order, then revised into new versions, each based on
//! the version its author saw; its name is its one correctable field.

use super::checkpoint::validated_checkpoints;
use super::events::RouteEvent;
use super::view::RouteTemplateView;
use crate::kinds::common::{TEMPLATE_NAME, admit_template_name};
use crate::record::{FieldValue, RecordDoc, RecordError, Rulebook, Step, Verb};

impl Rulebook for RouteTemplateView {
    fn of_doc(doc: &RecordDoc) -> Self {
        super::RouteTemplate::view_of(doc)
    }

    fn verb(event: &RouteEvent) -> Verb {
        event.verb()
    }

    fn admit(&self, _step: &Step<'_>, event: RouteEvent) -> Result<RouteEvent, RecordError> {
        Ok(match event {
            RouteEvent::Defined { checkpoints } => RouteEvent::Defined {
                checkpoints: validated_checkpoints(checkpoints)?,
            },
            RouteEvent::Revised {
                based_on,
                checkpoints,
            } => {
                let checkpoints = validated_checkpoints(checkpoints)?;
                if checkpoints == self.checkpoints {
                    return Err(RecordError::invalid(
                        "checkpoints",
                        format!("the same as version {}", self.version),
                    ));
                }
                if based_on != self.version {
                    return Err(RecordError::invalid(
                        "based_on",
                        format!("the route is at version {}", self.version),
                    ));
                }
                RouteEvent::Revised {
                    based_on,
                    checkpoints,
                }
            }
        })
    }

    fn admit_field(
        &self,
        _step: &Step<'_>,
        name: &str,
        value: &serde_json::Value,
        _events: &[RouteEvent],
    ) -> Result<(serde_json::Value, Verb), RecordError> {
        admit_template_name(name, value, Verb::DefineRoute)
    }

    fn apply_field(&mut self, name: &str, value: &FieldValue<serde_json::Value>) {
        if let (TEMPLATE_NAME, Some(text)) = (name, value.value.as_str()) {
            self.name = text.to_owned();
        }
    }

    fn required_fields(&self, events: &[RouteEvent]) -> &'static [&'static str] {
        let defines = events
            .iter()
            .any(|event| matches!(event, RouteEvent::Defined { .. }));
        if defines { &[TEMPLATE_NAME] } else { &[] }
    }
}
