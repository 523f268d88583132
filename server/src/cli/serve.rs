//! `stairwell serve`: the server put together (storage, writer, the device
//! API and the console under one router) with a lifecycle that ends
//! cleanly. On SIGTERM or ctrl-c it stops accepting connections, lets
//! requests in flight finish, then lets the writer answer everything queued
//! before the process exits, so no acknowledged push is cut short.

use std::fs::{File, TryLockError};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::accounts::sign_in::SignIn;
use crate::cli::open_files;
use crate::engine::metrics::Metrics;
use crate::engine::notices::Notices;
use crate::engine::rebuild;
use crate::engine::writer::{self, WriteError, WriterConfig};
use crate::http::body::LargeBodies;
use crate::http::connections::ConnectionLimits;
use crate::http::tls::{Tls, TlsError, TlsFiles};
use crate::http::{self, AppState, Limits};
use crate::store::{self, Location, StorageError};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub data: PathBuf,
    /// A PostgreSQL database instead of the data directory's SQLite file.
    pub database: Option<String>,
    pub listen: SocketAddr,
    /// Terminate TLS with this certificate and key (reloaded on SIGHUP).
    pub tls: Option<TlsFiles>,
    pub limits: Limits,
    pub connections: ConnectionLimits,
    pub writer: WriterConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Writer(#[from] WriteError),
    #[error("another stairwell server is serving {0}")]
    AlreadyServing(PathBuf),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {err}")]
    Listen {
        addr: SocketAddr,
        err: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole server's routes: the device API and the office console.
pub fn app(state: Arc<AppState>) -> Router {
    http::router(state, crate::console::routes())
}

/// Serves until a shutdown signal; what to exit with. Errors are printed.
pub fn run(options: ServeOptions) -> std::process::ExitCode {
    match serve(options) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What serving needs before the runtime starts: the storage is opened
/// and the writer started outside it, since a storage's blocking client
/// (PostgreSQL's) may not run on the runtime's threads.
struct Prepared {
    storage: Arc<dyn store::Storage>,
    /// Held for the life of the process when the storage is SQLite.
    _lock: Option<File>,
    metrics: Arc<Metrics>,
    notices: Notices,
    writer: writer::WriterHandle,
    writer_thread: std::thread::JoinHandle<()>,
}

/// Opens the storage, starts the writer, listens, and serves until a
/// shutdown signal. Prints `listening on http://ADDR` on stdout once bound.
pub fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let prepared = prepare(&options)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(listen_and_serve(options, prepared))
}

fn prepare(options: &ServeOptions) -> Result<Prepared, ServeError> {
    let location = Location::of(&options.data, options.database.as_deref());
    let storage = store::open(&location)?;
    // SQLite has one server; on PostgreSQL any number share the database.
    let lock = match location {
        Location::Sqlite(_) => Some(lock_data_dir(&options.data)?),
        Location::Postgres(_) => None,
    };
    rebuild::after_upgrade(&*storage);
    let metrics = Arc::new(Metrics::default());
    metrics.set_stored_records(storage.record_count()?);
    let notices = Notices::new();
    let heard = notices.clone();
    let watching = storage.watch_commits(Box::new(move |commits| {
        heard.announce(commits.iter().map(|(estate, seq)| (estate.as_str(), *seq)));
    }))?;
    if watching {
        tracing::info!("hearing the commits of every server on this database");
    }
    let writer_config = WriterConfig {
        notices: Some(notices.clone()),
        limits: options.limits.record,
        ..options.writer.clone()
    };
    let (writer, writer_thread) = writer::spawn(storage.clone(), metrics.clone(), writer_config)?;
    Ok(Prepared {
        storage,
        _lock: lock,
        metrics,
        notices,
        writer,
        writer_thread,
    })
}

async fn listen_and_serve(options: ServeOptions, prepared: Prepared) -> Result<(), ServeError> {
    let connections = ConnectionLimits {
        max_connections: connection_cap(options.connections.max_connections),
        ..options.connections
    };
    let tls = options
        .tls
        .clone()
        .map(Tls::load)
        .transpose()?
        .map(Arc::new);
    let Prepared {
        storage,
        _lock,
        metrics,
        notices,
        writer,
        writer_thread,
    } = prepared;
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|err| ServeError::Listen {
            addr: options.listen,
            err,
        })?;
    let addr = listener.local_addr()?;
    if let Some(tls) = &tls {
        reload_on_hangup(tls.clone());
    }
    announce(addr, tls.is_some());
    tracing::info!(%addr, storage = ?storage, "serving");
    let state = Arc::new(AppState {
        sign_in: SignIn::new(storage.clone()),
        storage,
        writer,
        notices,
        feed_sockets: Default::default(),
        large_bodies: LargeBodies::new(options.limits.max_large_bodies),
        last_seen: Default::default(),
        metrics: metrics.clone(),
        limits: options.limits,
    });
    http::connections::serve(
        listener,
        app(state),
        connections,
        tls,
        metrics,
        shutdown_signal(),
    )
    .await;
    // Every handle to the writer is gone with the router: it drains its
    // queue and stops.
    let joined = tokio::task::spawn_blocking(move || writer_thread.join());
    match tokio::time::timeout(Duration::from_secs(30), joined).await {
        Ok(Ok(Ok(()))) => tracing::info!("stopped"),
        _ => tracing::warn!("the writer did not stop in time"),
    }
    Ok(())
}

/// Holds the data directory for this process. A second server on the same
/// SQLite file must not start (SQLite serves one process), nor may an
/// import into PostgreSQL copy a directory still served. The admin
/// command line's other commands do not take it: they never write records.
pub(crate) fn lock_data_dir(dir: &Path) -> Result<File, ServeError> {
    let file = stairwell_core::store::private::private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("serve.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(ServeError::AlreadyServing(dir.to_owned())),
        Err(TryLockError::Error(err)) => Err(err.into()),
    }
}

/// Raises the open-file limit and says what it allows.
fn connection_cap(wanted: usize) -> usize {
    let files = open_files::raise();
    let cap = files.connection_cap(wanted);
    let (was, now) = (limit_text(files.was), limit_text(files.now));
    if cap < wanted {
        tracing::warn!(
            open_files = %now,
            "the open-file limit ({now}) allows at most {cap} connections of the {wanted} asked; raise it (ulimit -n, LimitNOFILE=) for more"
        );
    } else if files.was == files.now {
        tracing::info!("open-file limit {now}; at most {cap} connections");
    } else {
        tracing::info!("open-file limit {was} raised to {now}; at most {cap} connections");
    }
    cap
}

fn limit_text(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
}

fn announce(addr: SocketAddr, https: bool) {
    use std::io::Write as _;
    let mut out = std::io::stdout();
    let scheme = if https { "https" } else { "http" };
    // Tests and scripts read the port from this line; nothing else is on stdout.
    let _ = writeln!(out, "listening on {scheme}://{addr}");
    let _ = out.flush();
}

/// Reads the certificate again on every SIGHUP; a failed reload keeps the
/// one in use and is logged.
fn reload_on_hangup(tls: Arc<Tls>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: the certificate is reloaded only at restart");
        return;
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(err) => {
                    tracing::error!(%err, "TLS certificate not reloaded; the old one stays")
                }
            }
        }
    });
}

async fn shutdown_signal() {
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
    tracing::info!("shutdown requested; finishing requests in flight");
}
