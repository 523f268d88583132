//! The server's connections, accepted and read by hand rather than by
//! `axum::serve`, which has no timeouts and no cap. Each connection is read
//! by hyper with a deadline for a request's headers (counted from when the
//! connection is ready for one, so it also ends idle keep-alive
//! connections) and a deadline between the frames of a body, so idle
//! sockets, slowloris headers and stalled bodies all end. Open connections
//! are capped; at the cap the connection that has waited longest without a
//! request in progress is closed to make room (so a flood of idle sockets
//! cannot keep a phone's sync or `/healthz` out), and only when every open
//! connection is busy is a newcomer refused, with a plain 503.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::https::{Https, forwarded_for, forwarded_https};
use super::tls::Tls;
use crate::engine::metrics::Metrics;

/// How connections are bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// From when a connection is ready for a request to when its headers
    /// are in: the idle keep-alive and the slowloris deadline.
    pub header_timeout: Duration,
    /// The longest pause between two pieces of a request body.
    pub body_stall_timeout: Duration,
    /// A proxy in front terminates TLS and says so in `X-Forwarded-Proto`.
    pub behind_https_proxy: bool,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(15),
            body_stall_timeout: Duration::from_secs(20),
            behind_https_proxy: false,
        }
    }
}

/// What a newcomer past the cap is told, written in one go and closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Content-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\n\
Content-Length: 61\r\n\r\nthe server has too many connections open; try again shortly\n";

/// How long in-flight requests get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(10);

/// After `accept` fails for want of file descriptors, the pause before the
/// next try (an idle connection is closed meanwhile).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish (for at most 10 s). With `tls`, every
/// connection is TLS, its handshake held to the header deadline.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    tls: Option<Arc<Tls>>,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Open::default());
    let (stop, stopping) = watch::channel(false);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                on_accept_error(&err, &open, &metrics).await;
                continue;
            }
        };
        let Some((id, connection)) = open.admit(limits.max_connections, &metrics) else {
            metrics.connection_refused();
            // The socket's send buffer is empty: this cannot block.
            let _ = stream.try_write(REFUSAL);
            continue;
        };
        let served = Served {
            app: app.clone(),
            addr,
            body_stall_timeout: limits.body_stall_timeout,
            https: tls.is_some(),
            behind_https_proxy: limits.behind_https_proxy,
        };
        let (builder, stopping) = (builder.clone(), stopping.clone());
        let acceptor = tls.as_ref().map(|tls| tls.acceptor());
        let handshake = limits.header_timeout;
        let (open, metrics) = (open.clone(), metrics.clone());
        metrics.connection_opened();
        tokio::spawn(async move {
            match acceptor {
                None => run(stream, served, connection, builder, stopping).await,
                Some(acceptor) => {
                    match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => run(stream, served, connection, builder, stopping).await,
                        Ok(Err(err)) => tracing::debug!(%err, %addr, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
                    }
                }
            }
            metrics.connection_closed();
            open.closed(id);
        });
    }
    let _ = stop.send(true);
    open.drained(DRAIN).await;
}

/// Out of file descriptors: close an idle connection and pause, instead of
/// spinning on an `accept` that fails at once. Any other failure is one
/// client's (reset before it was accepted) and the loop goes on.
async fn on_accept_error(err: &io::Error, open: &Open, metrics: &Metrics) {
    let out_of_files = matches!(
        err.raw_os_error(),
        Some(code) if code == rustix::io::Errno::MFILE.raw_os_error()
            || code == rustix::io::Errno::NFILE.raw_os_error()
    );
    if out_of_files {
        tracing::warn!(%err, "accept failed: out of file descriptors");
        if open.evict_idlest() {
            metrics.connection_evicted();
        }
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    } else {
        tracing::debug!(%err, "accept failed");
    }
}

/// What every request of one connection is served with.
#[derive(Clone)]
struct Served {
    app: Router,
    addr: SocketAddr,
    body_stall_timeout: Duration,
    /// The connection is TLS: requests carry [`Https`].
    https: bool,
    /// The proxy in front terminates TLS: its `X-Forwarded-Proto` counts.
    behind_https_proxy: bool,
}

/// Reads one connection until it ends, is evicted, or the server stops.
async fn run<S>(
    stream: S,
    served: Served,
    connection: Arc<Connection>,
    builder: http1::Builder,
    mut stopping: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let tracked = connection.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (served, in_flight) = (served.clone(), InFlight::enter(&tracked));
        async move { Ok::<_, Infallible>(answer(served, request, in_flight).await) }
    });
    let conn = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        // Chosen only while no request is in progress: dropped at once.
        () = connection.evicted.notified() => return,
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Routes one request; the connection counts as busy until the answer's
/// body has been sent (a console's live stream stays busy).
async fn answer(
    served: Served,
    mut request: Request<Incoming>,
    in_flight: InFlight,
) -> axum::response::Response {
    // Behind the operator's proxy the peer is the proxy: the client is the
    // address it forwards, so sign-in and enrollment throttles hold back
    // one client, not everyone.
    let client = served
        .behind_https_proxy
        .then(|| forwarded_for(request.headers()))
        .flatten()
        .map_or(served.addr, |ip| std::net::SocketAddr::new(ip, 0));
    request.extensions_mut().insert(ConnectInfo(client));
    if served.https || (served.behind_https_proxy && forwarded_https(request.headers())) {
        request.extensions_mut().insert(Https);
    }
    let stall = served.body_stall_timeout;
    let request = request.map(|incoming| Body::new(TimeoutBody::new(stall, incoming)));
    let response = match served.app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _busy = &in_flight;
            frame
        }))
    })
}

/// One open connection, as the cap sees it.
#[derive(Debug, Default)]
struct Connection {
    /// Requests of it being answered.
    in_flight: AtomicUsize,
    /// Told to close to make room.
    evicted: Notify,
}

/// A request in progress on a connection, until dropped.
struct InFlight(Arc<Connection>);

impl InFlight {
    fn enter(connection: &Arc<Connection>) -> InFlight {
        connection.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(connection.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every open connection, oldest first.
#[derive(Debug, Default)]
struct Open {
    state: Mutex<OpenState>,
    all_closed: Notify,
}

#[derive(Debug, Default)]
struct OpenState {
    next_id: u64,
    /// Open and not evicted, by age.
    connections: BTreeMap<u64, Arc<Connection>>,
    /// Tasks still running, evicted ones included.
    running: usize,
}

impl Open {
    fn state(&self) -> MutexGuard<'_, OpenState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for a new connection: free, or made by evicting the idlest;
    /// `None` when every open connection is busy.
    fn admit(&self, max: usize, metrics: &Metrics) -> Option<(u64, Arc<Connection>)> {
        let mut state = self.state();
        if state.connections.len() >= max {
            if !evict_idlest(&mut state) {
                return None;
            }
            metrics.connection_evicted();
        }
        let id = state.next_id;
        state.next_id += 1;
        state.running += 1;
        let connection = Arc::new(Connection::default());
        state.connections.insert(id, connection.clone());
        Some((id, connection))
    }

    fn evict_idlest(&self) -> bool {
        evict_idlest(&mut self.state())
    }

    /// A connection's task ended (by itself, or evicted and so already
    /// out of the map).
    fn closed(&self, id: u64) {
        let mut state = self.state();
        state.running -= 1;
        state.connections.remove(&id);
        if state.running == 0 {
            self.all_closed.notify_waiters();
        }
    }

    /// Waits until every connection's task has ended, or `limit` passed.
    async fn drained(&self, limit: Duration) {
        let wait = async {
            loop {
                let notified = self.all_closed.notified();
                if self.state().running == 0 {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(limit, wait).await.is_err() {
            tracing::warn!("connections still open at shutdown were cut");
        }
    }
}

/// Tells the oldest connection without a request in progress to close.
fn evict_idlest(state: &mut OpenState) -> bool {
    let idlest = state
        .connections
        .iter()
        .find(|(_, connection)| connection.in_flight.load(Ordering::SeqCst) == 0)
        .map(|(id, _)| *id);
    let Some(connection) = idlest.and_then(|id| state.connections.remove(&id)) else {
        return false;
    };
    connection.evicted.notify_one();
    true
}
