//! The blob endpoints: photos and signature images travel here, beside the
//! records (see `stairwell_core::sync::blobs` for the protocol).
//!
//! - `POST /v1/blobs/missing`: which of these hashes must the device upload,
//!   and from which offset;
//! - `PUT /v1/blobs/{hash}?offset=N` with `Blob-Length`: one chunk, stored
//!   only at the offset the upload stands at; the last one is checked
//!   against the hash before anyone can read the blob;
//! - `GET /v1/blobs/{hash}`: the bytes, to a device that may read them, and
//!   404 to any other, exactly as if the blob did not exist.
//!
//! Every refusal stores nothing and says why in a CBOR `ErrorBody`, except
//! `409`, which answers with the upload's `UploadStatus` so the device goes
//! on from the server's offset.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use stairwell_core::kinds::BlobHash;
use stairwell_core::protocol::{self, ErrorCode, PROTOCOL_VERSION};
use stairwell_core::sync::blobs::{
    BLOB_CONTENT_TYPE, BLOB_LENGTH_HEADER, BLOB_OFFSET_HEADER, MAX_MISSING_HASHES, MissingBlob,
    MissingRequest, MissingResponse, UploadStatus,
};
use stairwell_core::sync::judge::Author;

use crate::http::auth::Device;
use crate::http::body::{DRAIN_LIMIT, ReadBody, drain, read_body, read_limited, unless_refused};
use crate::http::error::{ApiError, cbor};
use crate::http::state::AppState;
use crate::store::{BlobChunk, BlobError, ChunkOutcome};

/// `POST /v1/blobs/missing`.
pub async fn missing(
    State(state): State<Arc<AppState>>,
    device: Result<Device, ApiError>,
    body: Body,
) -> Response {
    match handle_missing(&state, device, body).await {
        Ok(response) => cbor(StatusCode::OK, &response),
        Err(failure) => refused(failure.into_response(), "blob question refused"),
    }
}

async fn handle_missing(
    state: &Arc<AppState>,
    device: Result<Device, ApiError>,
    body: Body,
) -> Result<MissingResponse, ApiError> {
    let (Device(author), body) = unless_refused(device, body).await?;
    let bytes = read_body(body, state.limits.max_body_bytes, &state.large_bodies).await?;
    let request: MissingRequest = protocol::decode(&bytes).map_err(ApiError::malformed)?;
    check_version(request.version)?;
    if request.hashes.len() > MAX_MISSING_HASHES {
        return Err(ApiError::too_large(format!(
            "{} hashes asked at once; the limit is {MAX_MISSING_HASHES}",
            request.hashes.len()
        )));
    }
    let mut hashes = request
        .hashes
        .iter()
        .map(|text| parse_hash(text))
        .collect::<Result<Vec<_>, _>>()?;
    hashes.sort();
    hashes.dedup();
    let storage = state.storage.clone();
    let missing = tokio::task::spawn_blocking(move || storage.missing_blobs(&author, &hashes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(MissingResponse {
        version: PROTOCOL_VERSION,
        missing: missing
            .into_iter()
            .map(|(hash, received)| MissingBlob {
                hash: hash.to_string(),
                received,
            })
            .collect(),
    })
}

/// `PUT /v1/blobs/{hash}?offset=N`, `Blob-Length: TOTAL`, the chunk as body.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    device: Result<Device, ApiError>,
    body: Body,
) -> Response {
    let upload = Upload {
        hash: &hash,
        query: query.as_deref(),
        headers: &headers,
    };
    let response = match handle_upload(&state, upload, device, body).await {
        Ok(response) => response,
        Err(failure) => failure.into_response(),
    };
    if !response.status().is_success() {
        if matches!(response.status().as_u16(), 400 | 409 | 413 | 422) {
            state.metrics.blob_refused();
        }
        return refused(response, "blob chunk refused");
    }
    response
}

/// What names a chunk: the blob, the offset and the declared length.
struct Upload<'a> {
    hash: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
}

async fn handle_upload(
    state: &Arc<AppState>,
    Upload {
        hash,
        query,
        headers,
    }: Upload<'_>,
    device: Result<Device, ApiError>,
    body: Body,
) -> Result<Response, ApiError> {
    let (Device(author), body) = unless_refused(device, body).await?;
    let checked = parse_hash(hash).and_then(|hash| {
        let offset = parse_offset(query)?;
        let length = parse_length(headers)?;
        Ok((hash, offset, length))
    });
    let (hash, offset, length) = match checked {
        Ok(checked) => checked,
        Err(failure) => {
            drain(body, DRAIN_LIMIT).await;
            return Err(failure);
        }
    };
    let max = state.limits.max_blob_bytes;
    if length > max {
        drain(body, DRAIN_LIMIT).await;
        return Err(ApiError::too_large(format!(
            "a blob of {length} bytes is over the limit of {max} bytes"
        )));
    }
    if offset > length {
        drain(body, DRAIN_LIMIT).await;
        return Err(ApiError::malformed(format!(
            "offset {offset} is past the blob's length of {length} bytes"
        )));
    }
    let chunk = read_chunk(body, length - offset, state).await?;
    let quota = state.limits.uploads;
    let storage = state.storage.clone();
    let stored_hash = hash.clone();
    let stored = tokio::task::spawn_blocking(move || {
        storage.put_blob_chunk(&BlobChunk {
            quota,
            author: &author,
            hash: &stored_hash,
            offset,
            length,
            bytes: &chunk,
        })
    })
    .await
    .map_err(ApiError::internal)?;
    let status = |received: u64, complete: bool| UploadStatus {
        version: PROTOCOL_VERSION,
        hash: hash.to_string(),
        received,
        length,
        complete,
    };
    match stored {
        Ok(ChunkOutcome::Partial { received }) => {
            state.metrics.blob_chunk(received - offset);
            Ok(with_offset(StatusCode::ACCEPTED, &status(received, false)))
        }
        Ok(ChunkOutcome::Complete { length, stored }) => {
            if stored {
                state.metrics.blob_chunk(length - offset);
                state.metrics.blob_stored();
                tracing::info!(%hash, length, "blob stored");
            }
            let code = if stored {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(with_offset(code, &status(length, true)))
        }
        Err(BlobError::OffsetMismatch { received }) => {
            Ok(with_offset(StatusCode::CONFLICT, &status(received, false)))
        }
        Err(err @ (BlobError::LengthChanged { .. } | BlobError::PastEnd { .. })) => {
            Err(ApiError::malformed(err.to_string()))
        }
        Err(err @ BlobError::HashMismatch { .. }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::HashMismatch,
            err.to_string(),
        )),
        Err(err @ BlobError::QuotaExceeded { .. }) => Err(ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::QuotaExceeded,
            err.to_string(),
        )),
        Err(BlobError::Storage(err)) => Err(ApiError::internal(err)),
    }
}

/// `GET /v1/blobs/{hash}`.
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
    Device(author): Device,
) -> Response {
    match handle_download(&state, &hash, author).await {
        Ok(response) => response,
        Err(failure) => refused(failure.into_response(), "blob download refused"),
    }
}

async fn handle_download(
    state: &Arc<AppState>,
    hash: &str,
    author: Author,
) -> Result<Response, ApiError> {
    let hash = parse_hash(hash)?;
    let storage = state.storage.clone();
    let read_hash = hash.clone();
    let bytes = tokio::task::spawn_blocking(move || storage.read_blob(&author, &read_hash))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let Some(bytes) = bytes else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no blob {hash} that this device may read"),
        ));
    };
    state.metrics.blob_sent(bytes.len() as u64);
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(BLOB_CONTENT_TYPE),
    );
    // A blob never changes: its name is its content.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

fn parse_hash(text: &str) -> Result<BlobHash, ApiError> {
    text.parse().map_err(|_| {
        ApiError::malformed(format!(
            "{text:?} is not a blob hash (a SHA-256: 64 hex digits)"
        ))
    })
}

/// `offset=N` from the query; 0 when absent.
fn parse_offset(query: Option<&str>) -> Result<u64, ApiError> {
    let value = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("offset="));
    match value {
        None => Ok(0),
        Some(text) => text.parse().map_err(|_| {
            ApiError::malformed(format!("offset {text:?} is not a whole number of bytes"))
        }),
    }
}

fn parse_length(headers: &HeaderMap) -> Result<u64, ApiError> {
    let value = headers.get(BLOB_LENGTH_HEADER).ok_or_else(|| {
        ApiError::malformed(format!(
            "send the blob's total length in a {BLOB_LENGTH_HEADER} header"
        ))
    })?;
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::malformed(format!(
                "{BLOB_LENGTH_HEADER} {value:?} is not a whole number of bytes"
            ))
        })
}

fn check_version(version: u32) -> Result<(), ApiError> {
    if version == PROTOCOL_VERSION {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::UnsupportedVersion,
        format!(
            "protocol version {version} is not spoken here; this server speaks {PROTOCOL_VERSION}"
        ),
    ))
}

/// Reads a chunk that may hold at most `room` bytes (what is left of the
/// blob after its offset), refusing it as soon as it runs past.
async fn read_chunk(body: Body, room: u64, state: &AppState) -> Result<ReadBody, ApiError> {
    let max_body = state.limits.max_body_bytes;
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    let over = || {
        if room < max_body {
            ApiError::malformed(format!(
                "the chunk runs past the blob's {BLOB_LENGTH_HEADER}: at most {room} more bytes fit"
            ))
        } else {
            ApiError::too_large(format!(
                "a chunk is over the request limit of {max_body} bytes; send smaller chunks"
            ))
        }
    };
    read_limited(body, room.min(max_body), &state.large_bodies, over).await
}

/// A CBOR upload status, with the offset also in a header.
fn with_offset(status: StatusCode, answer: &UploadStatus) -> Response {
    let mut response = cbor(status, answer);
    response
        .headers_mut()
        .insert(BLOB_OFFSET_HEADER, HeaderValue::from(answer.received));
    response
}

fn refused(response: Response, what: &'static str) -> Response {
    tracing::info!(status = response.status().as_u16(), "{what}");
    response
}
