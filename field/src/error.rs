//! The one error type of the field command line. Whoever runs it (a person
//! trying Stairwell, a test script) reads these messages on stderr, so each
//! says what went wrong in their words; the core's own messages for refused
//! verbs pass through unchanged, since they are already worded for them.
//! Every error here exits with code 1; clap's usage errors exit with 2.

use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::store::StoreError;
use stairwell_core::sync::http::TransportError;

/// Why a field command failed.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    /// Every verb needs the enrollment's identity.
    #[error(
        "enroll this store first (stairwell field --store FILE enroll --server URL --token-stdin)"
    )]
    NotEnrolled,
    /// The record rules refused the verb or its input; nothing was written.
    #[error("{0}")]
    Refused(RecordError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Sync(#[from] TransportError),
    #[error("record {0} is not on this device (sync first, or check the id)")]
    NotFound(RecordId),
    /// An input the command itself checks (which estate, which duty log...).
    #[error("{0}")]
    Input(String),
    #[error("could not write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl FieldError {
    pub fn input(message: impl Into<String>) -> Self {
        FieldError::Input(message.into())
    }

    /// The process exit code: 1 for every failure of a command that parsed.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

impl From<StoreError> for FieldError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Record(refused) => FieldError::Refused(refused),
            StoreError::NotFound(id) => FieldError::NotFound(id),
            other => FieldError::Store(other),
        }
    }
}

impl From<RecordError> for FieldError {
    fn from(error: RecordError) -> Self {
        FieldError::Refused(error)
    }
}

impl From<serde_json::Error> for FieldError {
    fn from(error: serde_json::Error) -> Self {
        FieldError::Output(std::io::Error::other(error))
    }
}
