//! The one error every exported call returns, in the pattern of Mozilla's
//! application-services components: the core's several internal errors
//! (record rules, device store, transport) are mapped here, in one place,
//! to a few variants an app can act on, each carrying what it needs to and
//! a `Display` written for the person holding the phone.
//!
//! In the bindings: Kotlin `StairwellException.Refused` etc., Swift
//! `StairwellError.refused`, Python `StairwellError.Refused`. The sentence
//! for the user is `describe()` everywhere (also Kotlin's `toString()` and
//! Swift's `description`); Kotlin's `message`, Python's `str(e)` and Swift's
//! `localizedDescription` list the fields instead, as uniffi writes them.
//!
//! Fields are named `reason`, never `message`: Kotlin exceptions already
//! have a `message`, and a field of that name would not compile.

use stairwell_core::record::RecordError;
use stairwell_core::store::StoreError;
use stairwell_core::sync::http::TransportError;
use stairwell_core::sync::session::SyncError;

/// Why a call to Stairwell failed. A failed verb has changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum StairwellError {
    /// The phone has not been enrolled with a server yet: call `enroll`
    /// with the server address and the token the office issued.
    #[error(
        "this phone is not enrolled yet: enroll it with the server address and the token from the office"
    )]
    NotEnrolled,
    /// The procedures do not allow this step now, or not for this person's
    /// role (e.g. arrival recorded by a technician the sheet is not
    /// assigned to). `reason` says why, in the user's words.
    #[error("{reason}")]
    Refused {
        /// Why the step was refused, ready to show.
        reason: String,
    },
    /// An input is missing or malformed; `field` names it so a form can
    /// highlight it.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The input at fault, e.g. `phone` or `items`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The record is not on this phone (not synced yet, or a wrong id).
    #[error("record {record_id} is not on this phone (sync first, or check the id)")]
    NotFound {
        /// The id that was asked for.
        record_id: String,
    },
    /// The server could not be reached, or its answer made no sense (a
    /// captive portal, a wrong address). Retrying later is safe.
    #[error("could not reach the server: {reason}")]
    Network {
        /// What the network layer reported.
        reason: String,
    },
    /// The server answered with an error to the whole request.
    #[error("{}", server_sentence(*status, reason))]
    Server {
        /// The HTTP status, e.g. 401 for a wrong or revoked token.
        status: u16,
        /// The server's explanation.
        reason: String,
    },
    /// The sync was cancelled with `cancelSync()`; what it had stored by
    /// then stays stored, and the next sync goes on from there.
    #[error("the sync was cancelled; what it received so far is kept")]
    Cancelled,
    /// This app is older than the data it met (the store file, a record or
    /// the server's protocol): it must be updated.
    #[error("this app must be updated: {reason}")]
    UpdateRequired {
        /// What is newer than this app understands.
        reason: String,
    },
    /// The phone's record file could not be read or written (storage full,
    /// file damaged).
    #[error("{reason}")]
    Storage {
        /// What went wrong with the file.
        reason: String,
    },
    /// A bug in Stairwell; please report it with this text.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

/// The sentence for a server's refusal, by its status.
fn server_sentence(status: u16, reason: &str) -> String {
    match status {
        401 => format!(
            "the server does not accept this phone's token ({reason}); ask the office for a new one"
        ),
        413 => format!("the server found the upload too large ({reason})"),
        _ => format!("the server refused the request ({status}): {reason}"),
    }
}

#[uniffi::export]
impl StairwellError {
    /// The sentence to show the person holding the phone, e.g. "cannot
    /// record arrival now: the sheet is assigned to wang". The same text
    /// as Kotlin's `toString()` and Swift's `description`.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl StairwellError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        StairwellError::InvalidInput {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn refused(reason: impl Into<String>) -> Self {
        StairwellError::Refused {
            reason: reason.into(),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        StairwellError::Internal {
            reason: reason.into(),
        }
    }
}

impl From<RecordError> for StairwellError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::NotNow { .. }
            | RecordError::NotTheirs { .. }
            | RecordError::Forbidden { .. }
            | RecordError::OverLimit { .. } => StairwellError::refused(error.to_string()),
            RecordError::Invalid { field, reason } => {
                StairwellError::InvalidInput { field, reason }
            }
            RecordError::WrongKind { .. } => {
                StairwellError::invalid("record_id", error.to_string())
            }
            RecordError::SchemaTooNew { .. } => StairwellError::UpdateRequired {
                reason: error.to_string(),
            },
            RecordError::Malformed(_) => StairwellError::Storage {
                reason: format!("a record on this phone is damaged: {error}"),
            },
        }
    }
}

impl From<StoreError> for StairwellError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Record(error) => error.into(),
            StoreError::NotFound(id) => StairwellError::NotFound {
                record_id: id.to_string(),
            },
            StoreError::SchemaTooNew { .. } => StairwellError::UpdateRequired {
                reason: error.to_string(),
            },
            StoreError::AlreadyExists(_) => StairwellError::internal(error.to_string()),
            StoreError::BlobMismatch { .. } => StairwellError::InvalidInput {
                field: "blob".into(),
                reason: error.to_string(),
            },
            StoreError::BlobFile { .. } | StoreError::BlobTooLarge { .. } => {
                StairwellError::InvalidInput {
                    field: "file".into(),
                    reason: error.to_string(),
                }
            }
            StoreError::BlobNotAttached(_) | StoreError::BlobNotDroppable { .. } => {
                StairwellError::InvalidInput {
                    field: "blob".into(),
                    reason: error.to_string(),
                }
            }
            StoreError::Stale(_)
            | StoreError::Corrupt(_)
            | StoreError::Sqlite(_)
            | StoreError::File(_) => StairwellError::Storage {
                reason: error.to_string(),
            },
        }
    }
}

impl From<TransportError> for StairwellError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Sync(SyncError::Store(error)) => error.into(),
            TransportError::Sync(SyncError::BadResponse(reason)) => StairwellError::Network {
                reason: format!(
                    "the server's answer was not understood (is the address right?): {reason}"
                ),
            },
            TransportError::Sync(error @ SyncError::VersionMismatch { .. }) => {
                StairwellError::UpdateRequired {
                    reason: error.to_string(),
                }
            }
            TransportError::Unreachable(reason) => StairwellError::Network { reason },
            TransportError::Refused { status, message } => StairwellError::Server {
                status,
                reason: message,
            },
            TransportError::Cancelled => StairwellError::Cancelled,
            TransportError::NotFound(reason) => StairwellError::Server {
                status: 404,
                reason,
            },
            TransportError::BadServerUrl(reason) => StairwellError::InvalidInput {
                field: "server".to_owned(),
                reason,
            },
            error @ TransportError::Untrusted(_) => StairwellError::Network {
                reason: error.to_string(),
            },
            TransportError::BadCa(reason) => StairwellError::InvalidInput {
                field: "ca_pem".to_owned(),
                reason,
            },
        }
    }
}

impl From<serde_json::Error> for StairwellError {
    fn from(error: serde_json::Error) -> Self {
        StairwellError::internal(format!("could not write JSON: {error}"))
    }
}

/// The result of every exported call.
pub type Result<T, E = StairwellError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use stairwell_core::record::{Role, Verb};

    use super::*;

    #[test]
    fn refusals_read_as_the_core_words_them() {
        let error: StairwellError = RecordError::Forbidden {
            role: Role::Patrol,
            verb: Verb::Arrive,
        }
        .into();
        assert_eq!(error.to_string(), "a patrol may not record arrival");
        assert!(matches!(error, StairwellError::Refused { .. }));
    }

    #[test]
    fn invalid_inputs_name_their_field() {
        let error: StairwellError = RecordError::Invalid {
            field: "phone".into(),
            reason: "\"x\" is not a phone number".into(),
        }
        .into();
        assert_eq!(error.to_string(), "phone: \"x\" is not a phone number");
    }

    #[test]
    fn a_wrong_token_says_what_to_do() {
        let error: StairwellError = TransportError::Refused {
            status: 401,
            message: "unknown device token".into(),
        }
        .into();
        let text = error.to_string();
        assert!(
            text.contains("token") && text.contains("ask the office"),
            "{text}"
        );
    }
}
