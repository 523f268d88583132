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
//! (`?ticket=`) from `POST /v1/feed/ticket`; never as a token in the URL.
//! A client that falls behind the channel is sent the newest position of
//! its own estates, which is at worst a pull that finds nothing; it never
//! learns another estate's activity.
//!
//! Clients send nothing but pings, so a message over [`MAX_MESSAGE_BYTES`]
//! closes the socket; a device holds at most [`MAX_SOCKETS_PER_DEVICE`]
//! sockets (more are refused with 429); and each socket checks every
//! [`LIVE_CHECK_EVERY`] that its device was not revoked, closing when it
//! was.

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
use chrono::Utc;
use serde::Serialize;
use stairwell_core::protocol::ErrorCode;
use stairwell_core::sync::judge::Author;
use tokio::sync::broadcast;

use crate::engine::notices::{FeedNotice, Notices};
use crate::http::auth::{Device, FeedClient};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::tickets::{self, TICKET_TTL};
use crate::store::Storage;

/// Where clients connect.
pub const FEED_WS_PATH: &str = "/v1/feed/ws";
/// The largest message or frame a client may send (it sends pings only).
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// Feed sockets one device may hold open at once.
pub const MAX_SOCKETS_PER_DEVICE: usize = 4;
/// How often a socket checks that its device is still live.
pub const LIVE_CHECK_EVERY: Duration = Duration::from_secs(1);
/// A ping this often keeps idle connections open through proxies.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A client that has not taken a message off its socket for this long is
/// gone (or reads nothing on purpose): its socket is closed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

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
    let storage = state.storage.clone();
    let issued =
        tokio::task::spawn_blocking(move || tickets::issue(&*storage, &author, Utc::now())).await;
    match issued {
        Ok(Ok(ticket)) => Json(TicketAnswer {
            ticket,
            expires_in: TICKET_TTL.as_secs(),
        })
        .into_response(),
        Ok(Err(err)) => ApiError::internal(err).json().into_response(),
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
    let Some(slot) = state.feed_sockets.open(&author.device) else {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooLarge,
            format!("this device already has {MAX_SOCKETS_PER_DEVICE} feed sockets open"),
        )
        .json()
        .into_response();
    };
    // Subscribed before the upgrade, so a commit made while the handshake
    // finishes is not missed.
    let notices = state.notices.subscribe();
    let latest = state.notices.clone();
    let storage = state.storage.clone();
    tracing::debug!(user = %author.user, device = %author.device, "feed socket opened");
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            let live = Liveness { storage, author };
            forward(socket, notices, latest, live).await;
        })
}

/// Whether the socket's device may still hear the feed.
struct Liveness {
    storage: Arc<dyn Storage>,
    author: Author,
}

impl Liveness {
    /// The device is not revoked (a failed check keeps the socket: the
    /// next one decides).
    async fn still_live(&self) -> bool {
        let storage = self.storage.clone();
        let device = self.author.device.clone();
        tokio::task::spawn_blocking(move || storage.device_live(&device))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(true)
    }
}

async fn forward(
    mut socket: WebSocket,
    mut notices: broadcast::Receiver<Arc<FeedNotice>>,
    latest: Notices,
    live: Liveness,
) {
    let estates = live.author.estates.clone();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut check = tokio::time::interval(LIVE_CHECK_EVERY);
    check.tick().await;
    loop {
        let seq = tokio::select! {
            notice = notices.recv() => match notice {
                Ok(notice) => notice.latest_for(&estates),
                // Behind: the newest of its own estates, never the
                // server-wide position.
                Err(broadcast::error::RecvError::Lagged(_)) => latest.latest_for(&estates),
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                // Pings are answered by the socket itself; text is ignored.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => None,
            },
            _ = check.tick() => {
                if !live.still_live().await {
                    tracing::info!(device = %live.author.device, "feed socket of a revoked device closed");
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                None
            }
            _ = ping.tick() => {
                if !sent(&mut socket, Message::Ping(Vec::new().into())).await {
                    break;
                }
                None
            }
        };
        if let Some(seq) = seq {
            let text = format!("{{\"feed\":{seq}}}");
            if !sent(&mut socket, Message::Text(text.into())).await {
                break;
            }
        }
    }
}

/// Sends a message unless the client stopped reading.
async fn sent(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

#[cfg(test)]
#[path = "feed_ws_tests.rs"]
mod tests;
