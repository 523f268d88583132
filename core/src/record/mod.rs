//! A record is one Automerge document. This module holds what every kind of
//! record shares: the immutable header (`kind`, `schema`, `id`, `estate`), the
//! append-only event list from which lifecycle state is folded, the
//! conflict-aware fields, the identity of whoever edits, and who may do what.
//!
//! The kinds in [`crate::kinds`] build their domain verbs on top of
//! [`RecordDoc`]; nothing outside this module touches Automerge directly.

mod document;
mod editor;
mod error;
mod event;
mod fields;
mod fold;
mod header;
mod limits;
mod memo;
mod permissions;
mod rulebook;

pub use document::{RecordDoc, SHARED_CREATOR, Write};
pub use editor::{Editor, Role};
pub use error::RecordError;
pub use event::{Event, RawEvent};
pub use fields::{Conflict, ConflictValue, FieldValue};
pub use fold::{Lifecycle, TimelineEntry, replay};
pub use header::{Header, RecordId, RecordKind, SCHEMA_VERSION};
pub use limits::{Limits, OverLimit};
pub use permissions::{Verb, may};
pub use rulebook::{
    Rulebook, Staff, Step, field_value, judge_step, later_than, parse_field, to_json,
};
