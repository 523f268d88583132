//! The shape a record may take, as explicit numbers: how many events and
//! fields, how large one event, how long one string, how deeply nested a
//! payload. The verbs refuse past these before anything is written, and the
//! server refuses a push past them before it judges the steps, so one record
//! can never hold a server's memory or its writer hostage.
//!
//! Defaults, sized for years of real use of one record:
//! - events: a duty log is one duty day; a busy desk writes an entry every
//!   two minutes for 24 hours, 720 entries. A patrol round of 200
//!   checkpoints with a finding at each is 400. A route revised weekly for
//!   ten years is 520 events. 10,000 is over ten times the busiest of them.
//! - bytes per event: the largest payload is a round's copy of its route;
//!   500 checkpoints of about 150 bytes each is 75 KB, so 256 KiB.
//! - string length: a note of 4,000 characters is several pages of Chinese
//!   text; ids, names and codes are far shorter.
//! - nesting: the deepest payload (a round's plan: plan, checkpoints, one
//!   checkpoint, its location) is 5 levels of JSON; 16 leaves room.
//! - fields: a checklist keeps one field per item; the longest standard
//!   sheet has under 100 items, so 1,000.
//! - payload bytes of all events: a duty log of 720 entries of 300 bytes
//!   is 216 KB; a route revised 520 times, each copy 20 KB, is 10 MB. So
//!   16 MiB, which also bounds what one record adds to a pull.

use serde::{Deserialize, Serialize};

use super::RecordError;

/// Limits on one record's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_events: usize,
    pub max_event_bytes: usize,
    pub max_string_chars: usize,
    pub max_depth: usize,
    pub max_fields: usize,
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 10_000,
            max_event_bytes: 256 * 1024,
            max_string_chars: 4_000,
            max_depth: 16,
            max_fields: 1_000,
            max_record_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A limit a record would pass, with its name and value for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverLimit {
    pub limit: &'static str,
    pub value: usize,
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "over the limit of {} {}", self.value, self.limit)
    }
}

impl From<OverLimit> for RecordError {
    fn from(over: OverLimit) -> Self {
        RecordError::OverLimit {
            limit: over.limit,
            value: over.value,
        }
    }
}

impl Limits {
    /// No bound at all: for reading a history that was accepted under the
    /// limits of its day, never for judging a new change.
    pub fn unbounded() -> Limits {
        Limits {
            max_events: usize::MAX,
            max_event_bytes: usize::MAX,
            max_string_chars: usize::MAX,
            max_depth: usize::MAX,
            max_fields: usize::MAX,
            max_record_bytes: usize::MAX,
        }
    }

    /// Refuses a record that would hold more than `count` events.
    pub fn events(&self, count: usize) -> Result<(), OverLimit> {
        self.within("events per record", count, self.max_events)
    }

    /// Refuses a record whose events' payloads add up to too many bytes.
    pub fn record_bytes(&self, bytes: usize) -> Result<(), OverLimit> {
        self.within("payload bytes per record", bytes, self.max_record_bytes)
    }

    pub fn fields(&self, count: usize) -> Result<(), OverLimit> {
        self.within("fields per record", count, self.max_fields)
    }

    /// Refuses a text of the envelope (an id, a user) or of a payload that
    /// is too long.
    pub fn string(&self, text: &str) -> Result<(), OverLimit> {
        // Bytes bound characters from above: count only when it matters.
        if text.len() <= self.max_string_chars {
            return Ok(());
        }
        self.within(
            "characters in one text",
            text.chars().count(),
            self.max_string_chars,
        )
    }

    /// Refuses an event payload or field value whose JSON text, strings or
    /// nesting pass the limits; returns the value, or `None` for a text
    /// that is not JSON at all.
    pub fn payload(&self, json: &str) -> Result<Option<serde_json::Value>, OverLimit> {
        self.within("bytes in one event", json.len(), self.max_event_bytes)?;
        // Depth is checked on the text before parsing, so a deeply nested
        // payload is refused without building it.
        self.within("levels of nesting", nesting(json), self.max_depth)?;
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
            return Ok(None);
        };
        self.strings_in(&value)?;
        Ok(Some(value))
    }

    fn strings_in(&self, value: &serde_json::Value) -> Result<(), OverLimit> {
        match value {
            serde_json::Value::String(text) => self.string(text),
            serde_json::Value::Array(items) => items.iter().try_for_each(|v| self.strings_in(v)),
            serde_json::Value::Object(map) => map
                .iter()
                .try_for_each(|(key, v)| self.string(key).and_then(|()| self.strings_in(v))),
            _ => Ok(()),
        }
    }

    fn within(&self, limit: &'static str, count: usize, max: usize) -> Result<(), OverLimit> {
        if count <= max {
            Ok(())
        } else {
            Err(OverLimit { limit, value: max })
        }
    }
}

/// The deepest nesting of brackets in a JSON text, outside strings.
fn nesting(json: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in json.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_brackets_in_strings() {
        assert_eq!(nesting(r#"{"a":[1,{"b":"[[[["}]}"#), 3);
        assert_eq!(nesting("1"), 0);
    }

    #[test]
    fn payloads_past_a_limit_name_it() {
        let limits = Limits {
            max_depth: 3,
            max_string_chars: 5,
            ..Limits::default()
        };
        let deep = "[[[[1]]]]";
        assert_eq!(
            limits.payload(deep).expect_err("deep").limit,
            "levels of nesting"
        );
        let long = r#"{"text":"abcdefgh"}"#;
        assert_eq!(
            limits.payload(long).expect_err("long").limit,
            "characters in one text"
        );
        assert!(limits.payload(r#"{"a":"ok"}"#).is_ok());
    }
}
