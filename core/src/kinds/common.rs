//! Value types shared by several record kinds: blob references for photos and
//! signatures (their bytes never enter a document), notes and signatures, and
//! the resident's rating and callbacks, which repair sheets and complaints
//! record alike so monthly rates read them one way (docs/DOMAIN.md §5).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::record::RecordError;

/// The SHA-256 of a blob (photo or signature image), as 64 lowercase hex
/// digits. Records hold only this; the bytes travel beside them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobHash(String);

impl BlobHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BlobHash {
    type Err = RecordError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let hex = text.trim().to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(BlobHash(hex))
        } else {
            Err(RecordError::invalid(
                "blob",
                format!("{text:?} is not a SHA-256 hash (64 hex digits)"),
            ))
        }
    }
}

impl TryFrom<String> for BlobHash {
    type Error = RecordError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<BlobHash> for String {
    fn from(hash: BlobHash) -> String {
        hash.0
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handwritten signature captured on the device: the image is a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub blob: BlobHash,
    /// The name of whoever signed (a resident, a technician, a supervisor).
    pub signer: String,
}

impl Signature {
    pub fn new(blob: BlobHash, signer: impl Into<String>) -> Result<Self, RecordError> {
        Signature {
            blob,
            signer: signer.into(),
        }
        .validated()
    }

    /// A signature as the verbs write it: the signer named.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        Ok(Signature {
            signer: required("signer", self.signer)?,
            ..self
        })
    }
}

/// A free-text note, as it appears in a record's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// A photo attached to a record, as it appears in a record's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub blob: BlobHash,
    pub caption: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// The resident's satisfaction rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    Neutral,
    Dissatisfied,
}

/// A callback to the resident after the work (docs/DOMAIN.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    pub method: CallbackMethod,
    /// Required for a callback in person; a phone callback is marked as such.
    pub signature: Option<Signature>,
    pub satisfied: bool,
    pub outcome: String,
    /// When a problem raised is to be fixed, if not at once.
    pub follow_up_by: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackMethod {
    InPerson,
    Phone,
}

impl Callback {
    /// Checks the callback as the procedures require: in person it needs the
    /// resident's signature, and every callback has an outcome.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        if self.method == CallbackMethod::InPerson && self.signature.is_none() {
            return Err(RecordError::invalid(
                "signature",
                "a callback in person needs the resident's signature",
            ));
        }
        let outcome = required("outcome", self.outcome)?;
        let signature = self.signature.map(Signature::validated).transpose()?;
        Ok(Callback {
            outcome,
            signature,
            ..self
        })
    }
}

/// A callback as it appears in a record's view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackRecord {
    #[serde(flatten)]
    pub callback: Callback,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Trims a required text input, refusing an empty one.
pub(crate) fn required(field: &str, text: String) -> Result<String, RecordError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err(RecordError::invalid(field, "is required"))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// A list of named items (what was repaired), trimmed, at least one.
pub(crate) fn non_empty_items(items: Vec<String>) -> Result<Vec<String>, RecordError> {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect();
    if items.is_empty() {
        Err(RecordError::invalid("items", "name at least one item"))
    } else {
        Ok(items)
    }
}

/// A phone number: digits with the usual separators, 3 to 20 digits.
pub(crate) fn valid_phone(phone: String) -> Result<String, RecordError> {
    let phone = required("phone", phone)?;
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let only_phone_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    if only_phone_chars && (3..=20).contains(&digits) {
        Ok(phone)
    } else {
        Err(RecordError::invalid(
            "phone",
            format!("{phone:?} is not a phone number"),
        ))
    }
}

/// The accessors every record kind has over its document: `from_doc`
/// (checking the kind), `doc`, `doc_mut`, `into_doc` and `id`.
macro_rules! record_accessors {
    ($type:ident, $kind:ident) => {
        impl $type {
            pub fn from_doc(
                doc: $crate::record::RecordDoc,
            ) -> Result<Self, $crate::record::RecordError> {
                Ok($type {
                    doc: doc.expect_kind($crate::record::RecordKind::$kind)?,
                })
            }

            pub fn doc(&self) -> &$crate::record::RecordDoc {
                &self.doc
            }

            pub fn doc_mut(&mut self) -> &mut $crate::record::RecordDoc {
                &mut self.doc
            }

            pub fn into_doc(self) -> $crate::record::RecordDoc {
                self.doc
            }

            pub fn id(&self) -> $crate::record::RecordId {
                self.doc.id()
            }
        }
    };
}
pub(crate) use record_accessors;

/// A template's one correctable field, its name: a required text, written
/// under the template's defining verb.
pub(crate) fn admit_template_name(
    name: &str,
    value: &serde_json::Value,
    verb: crate::record::Verb,
) -> Result<(serde_json::Value, crate::record::Verb), RecordError> {
    if name != TEMPLATE_NAME {
        return Err(RecordError::invalid(
            name,
            "a template's only correctable field is its name",
        ));
    }
    let text: String = serde_json::from_value(value.clone())
        .map_err(|_| RecordError::invalid(name, "a name is a text"))?;
    Ok((serde_json::Value::String(required(name, text)?), verb))
}

/// The field that holds a template's name.
pub(crate) const TEMPLATE_NAME: &str = "name";
