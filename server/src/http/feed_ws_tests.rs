//! The feed WebSocket end to end: real sockets on loopback, a record pushed
//! by another device through `POST /v1/sync`, and estates kept apart.

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
use stairwell_core::record::Role;
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_core::store::Store;
use stairwell_core::sync::http;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::*;
use crate::accounts;
use crate::http::testing::{Person, TestServer, person};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A single-use ticket for `who`, as a browser would fetch it.
async fn ticket(server: &TestServer, who: &Person) -> String {
    let token = who.token.clone();
    let url = format!("{}{FEED_TICKET_PATH}", server.url());
    let answer = tokio::task::spawn_blocking(move || {
        let mut response = ureq::post(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .send_empty()
            .expect("a ticket");
        response.body_mut().read_to_string().expect("body")
    })
    .await
    .expect("join");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    answer["ticket"].as_str().expect("ticket").to_owned()
}

async fn connect(server: &TestServer, who: &Person, in_header: bool) -> Socket {
    let url = if in_header {
        format!("ws://{}{FEED_WS_PATH}", server.addr)
    } else {
        let ticket = ticket(server, who).await;
        format!("ws://{}{FEED_WS_PATH}?ticket={ticket}", server.addr)
    };
    let mut request = url.into_client_request().expect("request");
    if in_header {
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", who.token).parse().expect("header"),
        );
    }
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
}

/// The next text message, skipping pings; `None` if none comes in time.
async fn next_text(socket: &mut Socket, wait: Duration) -> Option<String> {
    tokio::time::timeout(wait, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return Some(text.to_string()),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// A field device of `who`'s: enrolls, opens a sheet, syncs it up.
fn push_from_a_device(server_url: String, who: Person) -> u64 {
    let mut store = Store::open_in_memory().expect("store");
    http::enroll(&mut store, &server_url, &who.token, None).expect("enroll");
    let now = Utc::now();
    let intake = Intake {
        resident_name: "王女士".into(),
        unit: "A1-0302".into(),
        phone: "139 1111 2222".into(),
        problem: "卫生间下水道堵塞".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    };
    let sheet = RepairSheet::open(&who.editor, now, "e1", intake, now, None).expect("open");
    store.insert(sheet.doc()).expect("insert");
    http::sync(&mut store, &server_url, &who.token, |_| true).expect("sync");
    store.feed_cursor().expect("cursor")
}

#[test]
fn a_push_is_announced_to_the_clients_of_its_estate_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(dir.path());
    let storage = &*server.storage;
    accounts::add_estate(storage, "e1", "East", "Asia/Shanghai").expect("estate");
    accounts::add_estate(storage, "e2", "West", "Asia/Shanghai").expect("estate");
    let desk = person(storage, "lin", Role::FrontDesk, &["e1"]);
    let office = person(storage, "zhou", Role::Office, &["e1"]);
    let elsewhere = person(storage, "ma", Role::Patrol, &["e2"]);
    let url = server.url();

    server.runtime.block_on(async {
        let mut watching = connect(&server, &office, true).await;
        let mut other_estate = connect(&server, &elsewhere, false).await;
        let pushed = tokio::task::spawn_blocking(move || push_from_a_device(url, desk));
        let notice = next_text(&mut watching, Duration::from_secs(2))
            .await
            .expect("a notice within 2 s");
        let cursor = pushed.await.expect("device");
        let body: serde_json::Value = serde_json::from_str(&notice).expect("json");
        assert_eq!(body, serde_json::json!({ "feed": cursor }));
        assert!(
            next_text(&mut other_estate, Duration::from_millis(500))
                .await
                .is_none(),
            "a client of another estate hears nothing"
        );
    });
}

#[test]
fn a_socket_needs_a_live_token_or_an_unused_ticket_never_a_token_in_its_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(dir.path());
    let storage = &*server.storage;
    accounts::add_estate(storage, "e1", "East", "Asia/Shanghai").expect("estate");
    let desk = person(storage, "lin", Role::FrontDesk, &["e1"]);
    server.runtime.block_on(async {
        let used = ticket(&server, &desk).await;
        let first = format!("ws://{}{FEED_WS_PATH}?ticket={used}", server.addr);
        let socket = tokio_tungstenite::connect_async(first.as_str()).await;
        assert!(socket.is_ok(), "a fresh ticket opens one socket");
        for url in [
            format!("ws://{}{FEED_WS_PATH}", server.addr),
            format!("ws://{}{FEED_WS_PATH}?token={}", server.addr, desk.token),
            format!("ws://{}{FEED_WS_PATH}?ticket=swt_wrong", server.addr),
            first.clone(),
        ] {
            match tokio_tungstenite::connect_async(url).await {
                Err(WsError::Http(response)) => assert_eq!(response.status(), 401),
                other => panic!("refused expected, got {:?}", other.map(|_| ())),
            }
        }
    });
}

#[test]
fn notices_carry_the_newest_position_per_estate() {
    let notices = Notices::new();
    let mut receiver = notices.subscribe();
    notices.announce([("e1", 3), ("e2", 4), ("e1", 5)]);
    notices.announce(std::iter::empty());
    let notice = receiver.try_recv().expect("one notice");
    assert_eq!(notice.latest_for(&["e1".into()]), Some(5));
    assert_eq!(notice.latest_for(&["e2".into(), "e1".into()]), Some(5));
    assert_eq!(notice.latest_for(&["e3".into()]), None);
    assert!(receiver.try_recv().is_err(), "an empty batch says nothing");
    assert_eq!(
        notices.latest_for(&["e2".into()]),
        Some(4),
        "own estates only"
    );
    assert_eq!(notices.latest_for(&["e1".into(), "e2".into()]), Some(5));
    assert_eq!(notices.latest_for(&["e3".into()]), None);
}

#[test]
fn a_device_holds_a_few_sockets_and_a_revoked_one_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(dir.path());
    let storage = &*server.storage;
    accounts::add_estate(storage, "e1", "East", "Asia/Shanghai").expect("estate");
    let desk = person(storage, "lin", Role::FrontDesk, &["e1"]);
    server.runtime.block_on(async {
        let mut open = Vec::new();
        for _ in 0..MAX_SOCKETS_PER_DEVICE {
            open.push(connect(&server, &desk, true).await);
        }
        let mut request = format!("ws://{}{FEED_WS_PATH}", server.addr)
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", desk.token).parse().expect("header"),
        );
        match tokio_tungstenite::connect_async(request).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 429),
            other => panic!("one socket too many, got {:?}", other.map(|_| ())),
        }
        // A closed socket gives its place back.
        let mut first = open.remove(0);
        first.close(None).await.expect("close");
        tokio::time::sleep(Duration::from_millis(200)).await;
        open.push(connect(&server, &desk, false).await);

        // Revoking the device closes every one of its sockets within a
        // second or so.
        accounts::revoke_device(&*server.storage, &desk.author.device).expect("revoke");
        for socket in &mut open {
            let closed = tokio::time::timeout(Duration::from_secs(3), async {
                loop {
                    match socket.next().await {
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                        Some(Ok(_)) => continue,
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "a revoked device's socket is closed");
        }
    });
}

#[test]
fn a_client_that_sends_more_than_a_ping_is_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(dir.path());
    let storage = &*server.storage;
    accounts::add_estate(storage, "e1", "East", "Asia/Shanghai").expect("estate");
    let desk = person(storage, "lin", Role::FrontDesk, &["e1"]);
    server.runtime.block_on(async {
        let mut socket = connect(&server, &desk, true).await;
        let big = "x".repeat(64 * 1024);
        let _ = socket.send(Message::Text(big.into())).await;
        let closed = tokio::time::timeout(Duration::from_secs(3), async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "a 64 KiB message closes the socket");
    });
}
