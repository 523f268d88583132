//! One error type for everything a record verb can refuse, so callers (the
//! store, the server, the bindings) map it to their own surface in one place.

use super::{RecordKind, Role, Verb};

/// Why a record could not be read or a verb was refused. Messages are written
/// for the person holding the phone, not for the programmer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// The step is not allowed in the record's current state.
    #[error("cannot {verb} now: {reason}")]
    NotNow { verb: Verb, reason: String },
    /// The step is someone else's to take: the sheet is assigned to another
    /// technician, say.
    #[error("cannot {verb} now: {reason}")]
    NotTheirs { verb: Verb, reason: String },
    /// The record would pass one of its explicit limits.
    #[error("the record would be over its limit of {value} {limit}")]
    OverLimit { limit: &'static str, value: usize },
    /// The user's role may not perform the verb at all.
    #[error("a {role} may not {verb}")]
    Forbidden { role: Role, verb: Verb },
    /// An input of the verb is missing or malformed.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The bytes are not an Automerge document, or lack the record header.
    #[error("not a Stairwell record: {0}")]
    Malformed(String),
    /// The document holds another kind of record than the caller expected.
    #[error("expected a {expected} record, found a {found}")]
    WrongKind {
        expected: RecordKind,
        found: RecordKind,
    },
    /// The record was written by a newer Stairwell than this one.
    #[error("record schema {found} is newer than this version understands ({supported})")]
    SchemaTooNew { found: u64, supported: u64 },
}

impl RecordError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        RecordError::Invalid {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_now(verb: Verb, reason: impl Into<String>) -> Self {
        RecordError::NotNow {
            verb,
            reason: reason.into(),
        }
    }
}

impl From<automerge::AutomergeError> for RecordError {
    fn from(err: automerge::AutomergeError) -> Self {
        RecordError::Malformed(err.to_string())
    }
}
