//! Large request bodies share a few slots: with one slot held by a client
//! that stalls half-way through a 2 MiB push, another large push is told
//! to try again (503 `busy`, `Retry-After`) while small syncs go on, and the
//! slot is free again once the stalled client goes away.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use stairwell_core::protocol::{self, CONTENT_TYPE, ErrorBody, ErrorCode, SYNC_PATH};
use stairwell_tests::api::{Device, World, request, world};

const LARGE: usize = 2 * 1024 * 1024;

/// Opens a push of `LARGE` bytes and sends only `sent` of them.
fn begin_push(w: &World, device: &Device, sent: usize) -> TcpStream {
    let addr = w.client().url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {SYNC_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {CONTENT_TYPE}\r\nContent-Length: {LARGE}\r\n\r\n",
        device.token
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(&vec![0xa0; sent]).expect("body");
    stream
}

/// Sends the rest of the push and reads the whole answer.
fn finish_push(mut stream: TcpStream, sent: usize) -> String {
    stream.write_all(&vec![0xa0; LARGE - sent]).expect("rest");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut answer = Vec::new();
    let mut buf = [0; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
        let n = stream.read(&mut buf).expect("answer");
        assert!(n > 0, "the server closed without answering");
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn status(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line")
}

#[test]
fn a_large_body_past_the_slots_is_told_to_wait_and_small_syncs_go_on() {
    let w = world(&["--max-large-bodies", "1"]);
    let stalled = begin_push(&w, &w.desk, 1536 * 1024);
    std::thread::sleep(Duration::from_millis(500));

    let second = begin_push(&w, &w.supervisor, 0);
    let answer = finish_push(second, 0);
    assert_eq!(status(&answer), 503, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    let (code, body) = w.client().fail(Some(&w.patrol.token), &vec![0xa0; LARGE]);
    assert_eq!(code, 503);
    let ErrorBody { code, message } = body;
    assert_eq!(code, ErrorCode::Busy);
    assert!(message.contains("try again"), "{message}");

    // Small requests need no slot.
    let answer = w.client().sync(&w.patrol, &request(0, vec![]));
    assert_eq!(answer.version, protocol::PROTOCOL_VERSION);

    // The stalled client goes; its slot is free for the next large body,
    // which is read (and refused only for not being a sync request).
    drop(stalled);
    std::thread::sleep(Duration::from_millis(500));
    let (code, body) = w.client().fail(Some(&w.patrol.token), &vec![0xa0; LARGE]);
    assert_eq!((code, body.code), (400, ErrorCode::MalformedRequest));
}
