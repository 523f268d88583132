//! Test support: the engine served on 127.0.0.1 with an ephemeral port
//! (the device API, without the console), for the tests of the handlers,
//! the feed WebSocket and the demo. Derefs to the [`Engine`] it serves.

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use axum::Router;

use crate::accounts::sign_in::SignIn;
use crate::engine::testing::Engine;
use crate::http::{self, AppState, Limits};

pub(crate) use crate::engine::testing::{Person, person};

/// A server on loopback, with its engine at hand.
#[derive(Debug)]
pub(crate) struct TestServer {
    engine: Engine,
    pub addr: SocketAddr,
}

impl TestServer {
    /// Serves the data directory `dir` until dropped.
    pub fn start(dir: &Path) -> TestServer {
        let engine = Engine::start(dir);
        let state = Arc::new(AppState {
            storage: engine.storage.clone(),
            writer: engine.writer.clone(),
            metrics: engine.metrics.clone(),
            limits: Limits::default(),
            notices: engine.notices.clone(),
            feed_sockets: Default::default(),
            sign_in: SignIn::new(engine.storage.clone()),
            large_bodies: Default::default(),
            last_seen: Default::default(),
        });
        let listener = engine
            .runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        engine.runtime.spawn(async move {
            let app = http::router(state, Router::new());
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        TestServer { engine, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Deref for TestServer {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}
