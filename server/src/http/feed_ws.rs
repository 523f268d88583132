//! `GET /v1/feed/ws`: tells online clients that the change feed moved, so
//! they pull at once instead of polling. The writer announces every group
//! commit as plain data ([`Notices`]); each connected WebSocket
//! forwards the announcements that touch one of its user's estates as a
//! small text message `{"feed": SEQ}`, SEQ being the newest feed position
//! of those estates in the commit. Nothing else travels here: the records
//! themselves come through `POST /v1/sync`, with its permission checks.
//!
//! The token comes in the `Authorization: Bearer` header or, because a
//! browser cannot set headers on a WebSocket, as a single-use ticket
//! (`?ticket=`) from `POST /v1/feed/ticket`; never as a token in the URL. A client that
//! falls behind the channel is sent the newest position overall, which is
//! at worst a pull that finds nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use stairwell_core::protocol::ErrorCode;
use std::time::Instant;
use tokio::sync::broadcast;

use crate::engine::notices::{FeedNotice, Notices};
use crate::http::auth::{Device, FeedClient};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::tickets::{TICKET_TTL, TicketError};

/// Where clients connect.
pub const FEED_WS_PATH: &str = "/v1/feed/ws";
/// A ping this often keeps idle connections open through proxies.
const PING_EVERY: Duration = Duration::from_secs(30);

/// The WebSocket route, merged into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(FEED_WS_PATH, get(feed_ws))
        .route(FEED_TICKET_PATH, post(ticket))
}

/// Where a client without headers gets its single-use ticket.
pub const FEED_TICKET_PATH: &str = "/v1/feed/ticket";

#[derive(Debug, Serialize)]
struct TicketAnswer {
    ticket: String,
    /// Seconds the ticket stays good.
    expires_in: u64,
}

/// `POST /v1/feed/ticket`, with the token in the header: a ticket that
/// opens one feed socket as this device.
async fn ticket(State(state): State<Arc<AppState>>, Device(author): Device) -> Response {
    match state.tickets.issue(author, Instant::now()) {
        Ok(ticket) => Json(TicketAnswer {
            ticket,
            expires_in: TICKET_TTL.as_secs(),
        })
        .into_response(),
        Err(err @ TicketError::Full) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            err.to_string(),
        )
        .json()
        .into_response(),
        Err(err) => ApiError::internal(err).json().into_response(),
    }
}

async fn feed_ws(
    State(state): State<Arc<AppState>>,
    // The upgrade first: a request that is no WebSocket handshake is told
    // so before its token is looked at.
    upgrade: WebSocketUpgrade,
    FeedClient(author): FeedClient,
) -> Response {
    // Subscribed before the upgrade, so a commit made while the handshake
    // finishes is not missed.
    let notices = state.notices.subscribe();
    let latest = state.notices.clone();
    tracing::debug!(user = %author.user, device = %author.device, "feed socket opened");
    upgrade.on_upgrade(move |socket| forward(socket, notices, latest, author.estates))
}

async fn forward(
    mut socket: WebSocket,
    mut notices: broadcast::Receiver<Arc<FeedNotice>>,
    latest: Notices,
    estates: Vec<String>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        let seq = tokio::select! {
            notice = notices.recv() => match notice {
                Ok(notice) => notice.latest_for(&estates),
                Err(broadcast::error::RecvError::Lagged(_)) => Some(latest.latest()),
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                // Pings are answered by the socket itself; text is ignored.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => None,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
                None
            }
        };
        if let Some(seq) = seq {
            let text = format!("{{\"feed\":{seq}}}");
            if socket.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
    }
}

#[cfg(test)]
#[path = "feed_ws_tests.rs"]
mod tests;
