//! `GET /events`: server-sent events for open console pages. The writer
//! announces every group commit on [`crate::http::feed_ws`]'s broadcast; this
//! forwards each announcement that touches one of the signed-in user's
//! estates as an event `feed` whose data is the newest feed position, and
//! the page's script fetches its live part again. Only positions travel
//! here, never record data, so the page's own request (with its session
//! and estate checks) decides what is shown.
//!
//! The stream ends when the server is asked to stop, so an open page does
//! not hold up a graceful shutdown; the browser reconnects by itself.
//!
//! A page that falls behind the channel is sent the newest position, which
//! costs at worst one refresh that finds nothing new.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

use super::session::Ctx;
use crate::engine::notices::{FeedNotice, Notices};
use crate::http::state::AppState;

/// `GET /events`.
pub async fn stream(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    let receiver = state.notices.subscribe();
    let notices = state.notices.clone();
    let estates = ctx.user.estates.clone();
    tracing::debug!(user = %ctx.user.id, "console event stream opened");
    Sse::new(feed_events(receiver, notices, estates))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn feed_events(
    receiver: broadcast::Receiver<Arc<FeedNotice>>,
    notices: Notices,
    estates: Vec<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    // A first event at once, so the page knows the stream is open.
    let hello = Event::default()
        .event("hello")
        .data(notices.latest_for(&estates).unwrap_or(0).to_string());
    let first = stream::once(async move { Ok(hello) });
    let rest = stream::unfold(
        (receiver, notices, estates),
        |(mut receiver, notices, estates)| async move {
            loop {
                let seq = match receiver.recv().await {
                    Ok(notice) => notice.latest_for(&estates),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        Some(notices.latest_for(&estates).unwrap_or(0))
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                if let Some(seq) = seq {
                    let event = Event::default().event("feed").data(seq.to_string());
                    return Some((Ok(event), (receiver, notices, estates)));
                }
            }
        },
    );
    // The server waits for open responses when it stops: end the stream
    // on the same signals, or an open page would hold the shutdown.
    futures_util::StreamExt::take_until(
        futures_util::StreamExt::chain(first, rest),
        Box::pin(shutting_down()),
    )
}

/// Resolves when the process is asked to stop (SIGTERM or ctrl-c).
async fn shutting_down() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
