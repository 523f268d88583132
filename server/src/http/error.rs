//! The one error of the HTTP layer and the one place it becomes a response.
//! The device routes (sync, identity, blobs) answer a CBOR
//! [`ErrorBody`]; the routes a browser or a script reads (reports, the feed
//! WebSocket's handshake) answer JSON `{"error": MESSAGE}`. A route picks
//! JSON with `ApiError::json`; the message is what the caller is told,
//! and a failure of ours is logged here with its cause and told only that
//! the server failed.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stairwell_core::protocol::{self, CONTENT_TYPE, ErrorBody, ErrorCode};

/// How an error is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Cbor,
    Json,
}

/// A whole-request failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    encoding: Encoding,
    /// Seconds the caller is told to wait, as `Retry-After`.
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
            },
            encoding: Encoding::Cbor,
            retry_after: None,
        }
    }

    /// 503: the server is at a bound it keeps for everyone's sake; the
    /// caller may try again after `retry_after` seconds.
    pub(crate) fn busy(message: String, retry_after: u64) -> Self {
        let mut busy = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy, message);
        busy.retry_after = Some(retry_after);
        busy
    }

    /// 429: too many failed tries from this client; it may try again
    /// after `retry_after` seconds.
    pub(crate) fn too_many_tries(message: String, retry_after: u64) -> Self {
        let mut refused = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyTries,
            message,
        );
        refused.retry_after = Some(retry_after);
        refused
    }

    pub(crate) fn unauthorized(message: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub(crate) fn too_large(message: String) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, message)
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedRequest,
            message,
        )
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// A failure of ours: logged with its cause; the caller is told only
    /// that nothing of the request was stored.
    pub(crate) fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; nothing of this request was stored",
        )
    }

    /// The same error, written as JSON.
    pub(crate) fn json(mut self) -> Self {
        self.encoding = Encoding::Json;
        self
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn message(&self) -> &str {
        &self.body.message
    }
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = match self.encoding {
            Encoding::Cbor => cbor(self.status, &self.body),
            Encoding::Json => {
                let body = Json(ErrorJson {
                    error: &self.body.message,
                });
                (self.status, body).into_response()
            }
        };
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A protocol message as a CBOR response.
pub fn cbor<T: Serialize>(status: StatusCode, message: &T) -> Response {
    let mut response = (status, protocol::encode(message)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
