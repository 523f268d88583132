//! The sync protocol, version 1: CBOR over HTTP. One `POST /v1/sync` carries
//! a batch both ways: the device's local changes per record, and the records
//! that changed on the server since the device's feed cursor. A phone with
//! thousands of records therefore syncs in a handful of round trips.
//!
//! Feed: the server numbers every stored change with one growing sequence
//! and answers each device only for its estates' records changed after its
//! cursor. A record the device already had arrives as the changes made since
//! the device's cursor; one it lacks arrives whole, with its index row, so
//! the device can store it without loading it.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::kinds::IndexEntry;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The media type of every request and response body.
pub const CONTENT_TYPE: &str = "application/vnd.stairwell.sync+cbor";

/// The path of the sync endpoint.
pub const SYNC_PATH: &str = "/v1/sync";

/// The path that tells a device who its token speaks for (`GET`, CBOR
/// [`Identity`]); a device calls it when it enrolls.
pub const IDENTITY_PATH: &str = "/v1/me";
/// A phone exchanges a one-time enrollment code for its device token.
pub const ENROLL_PATH: &str = "/v1/enroll";

/// `POST /v1/enroll`: the code the office issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub version: u32,
    pub code: String,
}

/// The answer to a code: the device's own token, shown only this once,
/// and who it speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub version: u32,
    pub token: String,
    pub identity: Identity,
}

/// Who a device token speaks for, and the estates it may sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user: String,
    pub name: String,
    pub role: crate::record::Role,
    /// The device id every event made with this token must carry.
    pub device: String,
    pub estates: Vec<EstateInfo>,
    /// The largest blob the server accepts, so a phone refuses a bigger
    /// photo when it is attached rather than at every upload. Absent from
    /// older servers: [`DEFAULT_MAX_BLOB_BYTES`] is assumed.
    #[serde(default = "default_max_blob_bytes")]
    pub max_blob_bytes: u64,
}

/// The server's default limit on one blob's size (`--max-blob-bytes`).
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 20 * 1024 * 1024;

fn default_max_blob_bytes() -> u64 {
    DEFAULT_MAX_BLOB_BYTES
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstateInfo {
    pub id: String,
    pub name: String,
    /// An IANA time zone name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
}

/// A device's half of one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u32,
    /// The last feed position the device has stored; 0 for a new device.
    pub cursor: u64,
    /// Local changes not yet acknowledged, one entry per record.
    pub push: Vec<PushedRecord>,
    /// The most records the device wants back in this response.
    pub max_records: u32,
}

/// A record's local changes: Automerge changes since the heads the server is
/// known to have (the whole document for a record created on the device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedRecord {
    pub id: String,
    pub changes: ByteBuf,
}

/// The server's half of one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u32,
    /// The feed position the device has reached once it stores `records`.
    pub cursor: u64,
    /// Whether more records wait: the device asks again with the new cursor.
    pub more: bool,
    /// Pushed records stored durably, with the server's heads after merging.
    pub accepted: Vec<Accepted>,
    /// Pushed records refused; nothing of them was stored.
    pub refused: Vec<Refused>,
    /// Records changed since the request's cursor.
    pub records: Vec<PulledRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: String,
    /// The heads of the changes the device pushed, now stored on the server.
    pub heads: Vec<ByteBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    pub id: String,
    pub code: RefusalCode,
    /// A sentence for the person holding the phone.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledRecord {
    pub id: String,
    /// True when `bytes` is the whole document, false when it holds only the
    /// changes made after the request's cursor.
    pub whole: bool,
    pub bytes: ByteBuf,
    /// The record's index row as the server computed it.
    pub index: IndexEntry,
}

/// Why one pushed record was refused. The rest of the batch still lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The bytes are not Automerge changes.
    NotAutomerge,
    /// The changes do not apply: they depend on history the server lacks.
    MissingHistory,
    /// The document is not a Stairwell record, or of an unknown kind.
    NotARecord,
    /// A newer schema than the server understands.
    SchemaTooNew,
    /// `kind`, `schema`, `id`, `estate` or creation changed.
    HeaderChanged,
    /// An event (a duty log entry, say) was removed or altered.
    HistoryRewritten,
    /// The record belongs to an estate the device's user is not in.
    WrongEstate,
    /// The user's role may not make this change.
    Forbidden,
    /// An event or field names another user or device than the token's.
    WrongAuthor,
    /// A domain rule refuses the change.
    Invalid,
    /// The record would pass one of its limits (events, bytes per event,
    /// text length, nesting, fields); the message names it and its value.
    OverLimit,
    /// A new record under an id another record is due to have (a duty
    /// log's id, derived from its estate and day), or a derived id for a
    /// record of another kind.
    ReservedId,
}

impl RefusalCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::NotAutomerge => "not_automerge",
            RefusalCode::MissingHistory => "missing_history",
            RefusalCode::NotARecord => "not_a_record",
            RefusalCode::SchemaTooNew => "schema_too_new",
            RefusalCode::HeaderChanged => "header_changed",
            RefusalCode::HistoryRewritten => "history_rewritten",
            RefusalCode::WrongEstate => "wrong_estate",
            RefusalCode::Forbidden => "forbidden",
            RefusalCode::WrongAuthor => "wrong_author",
            RefusalCode::Invalid => "invalid",
            RefusalCode::OverLimit => "over_limit",
            RefusalCode::ReservedId => "reserved_id",
        }
    }
}

/// The body of an error answer to a whole request (HTTP 4xx/5xx).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not a CBOR sync request.
    MalformedRequest,
    /// 401: the token is missing, unknown or revoked.
    Unauthorized,
    /// 413: the body or the batch is over the server's limits.
    TooLarge,
    /// 400: the request's protocol version is not spoken here.
    UnsupportedVersion,
    /// 404: no such blob, or none this device may read.
    NotFound,
    /// 422: the uploaded bytes do not hash to the blob's name; dropped.
    HashMismatch,
    /// 500: the server failed; nothing of the request was stored.
    Internal,
    /// 507: a new blob upload would pass the pending-upload quota of the
    /// device or of the server; finish or wait for the others.
    QuotaExceeded,
    /// 503: the server is at a bound it keeps for everyone (large requests
    /// read at once); try again after the `Retry-After` seconds.
    Busy,
    /// 400: the enrollment code is unknown, used or expired; the message
    /// says which.
    BadCode,
    /// 429: too many wrong tries from here; try again after the
    /// `Retry-After` seconds.
    TooManyTries,
}

/// Encodes a message as CBOR.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail, and our types always serialize.
    if let Err(err) = ciborium::into_writer(message, &mut bytes) {
        unreachable!("CBOR encoding into memory failed: {err}");
    }
    bytes
}

/// Decodes a CBOR message, with a readable error for bad input.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|err| format!("not a valid CBOR message: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_cbor() {
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: 42,
            push: vec![PushedRecord {
                id: "r1".into(),
                changes: ByteBuf::from(vec![1, 2, 3]),
            }],
            max_records: 500,
        };
        let decoded: SyncRequest = decode(&encode(&request)).expect("decode");
        assert_eq!(decoded, request);
    }

    #[test]
    fn garbage_and_truncated_bodies_are_errors() {
        assert!(decode::<SyncRequest>(b"\xff\x00garbage").is_err());
        let whole = encode(&SyncRequest {
            version: 1,
            cursor: 0,
            push: Vec::new(),
            max_records: 1,
        });
        assert!(decode::<SyncRequest>(&whole[..whole.len() - 2]).is_err());
    }
}
