//! The device API over HTTP: the router of every route a phone, a script or
//! a monitor calls (sync, identity, blobs, reports, the feed WebSocket,
//! health and metrics), with the request counter and body limits. Handlers
//! are thin: they authenticate, hand the work to the engine and render its
//! answer. The office console's pages are mounted beside these by the
//! server's composition (`cli::serve`), so this layer does not know them.

pub mod auth;
pub mod blobs;
pub mod body;
pub mod connections;
pub mod enroll;
pub mod error;
pub mod feed_sockets;
pub mod feed_ws;
pub mod https;
pub mod identity;
pub mod reports;
pub mod state;
pub mod sync;
#[cfg(test)]
pub(crate) mod testing;
pub mod tickets;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use stairwell_core::protocol::{ENROLL_PATH, IDENTITY_PATH, SYNC_PATH};
use stairwell_core::sync::blobs::{BLOBS_MISSING_PATH, BLOBS_PATH};

use crate::engine::metrics::Metrics;

pub use state::{AppState, Limits};

/// Every route of the API, with `pages` (the console) mounted beside them
/// under the same request counter.
pub fn router(state: Arc<AppState>, pages: Router<Arc<AppState>>) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .route(SYNC_PATH, post(sync::sync))
        .route(IDENTITY_PATH, get(identity::identity))
        .route(
            ENROLL_PATH,
            post(enroll::enroll).layer(DefaultBodyLimit::max(enroll::MAX_ENROLL_BYTES)),
        )
        .route(BLOBS_MISSING_PATH, post(blobs::missing))
        .route("/v1/blobs/{hash}", put(blobs::upload).get(blobs::download))
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .merge(feed_ws::routes())
        .merge(reports::routes())
        .merge(pages)
        // The sync handler enforces its own, configurable body limit.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(https::secure_cookies_and_hsts))
        .layer(middleware::from_fn_with_state(metrics, count_requests))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn render_metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = (StatusCode::OK, state.metrics.render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

async fn count_requests(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    // Known paths only, so scanners cannot grow the label set.
    let path = match request.uri().path() {
        SYNC_PATH => SYNC_PATH,
        IDENTITY_PATH => IDENTITY_PATH,
        ENROLL_PATH => ENROLL_PATH,
        BLOBS_MISSING_PATH => BLOBS_MISSING_PATH,
        path if path.starts_with(BLOBS_PATH) => "/v1/blobs/{hash}",
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        feed_ws::FEED_WS_PATH => feed_ws::FEED_WS_PATH,
        feed_ws::FEED_TICKET_PATH => feed_ws::FEED_TICKET_PATH,
        reports::COVERAGE_PATH => reports::COVERAGE_PATH,
        reports::CALLBACKS_PATH => reports::CALLBACKS_PATH,
        reports::MONTHLY_PATH => reports::MONTHLY_PATH,
        _ => "other",
    };
    let response = next.run(request).await;
    metrics.request(path, response.status().as_u16());
    response
}
