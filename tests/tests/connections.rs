//! Connections under abuse, through real sockets against a server run
//! under `ulimit -n 1024`: 1,500 sockets that are idle, send their headers
//! a line at a time (slowloris), or stall in the middle of a sync's body
//! are all closed within 60 s, while `/healthz` and a device's sync keep
//! answering throughout; the server's memory is measured before and after.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use stairwell_core::protocol::{self, CONTENT_TYPE, SYNC_PATH, SyncResponse};
use stairwell_core::record::Role;
use stairwell_tests::api::{Device, issue, open_sheet, pushed, request};
use stairwell_tests::server::{Server, add_estate, add_user};

const IDLE: usize = 700;
const SLOWLORIS: usize = 700;
const STALLED_BODIES: usize = 100;
const WITHIN: Duration = Duration::from_secs(60);

/// One abusive socket and whether the server has closed it.
struct Abuser {
    stream: TcpStream,
    kind: Kind,
    closed: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Idle,
    Slowloris,
    StalledBody,
}

impl Abuser {
    fn open(addr: &str, kind: Kind, token: &str) -> Abuser {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let opening = match kind {
            Kind::Idle => String::new(),
            Kind::Slowloris => "GET /healthz HTTP/1.1\r\nHost: localhost\r\n".to_owned(),
            Kind::StalledBody => format!(
                "POST {SYNC_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: {CONTENT_TYPE}\r\nContent-Length: 100000\r\n\r\n{}",
                "a".repeat(100)
            ),
        };
        stream.write_all(opening.as_bytes()).expect("opening");
        stream.set_nonblocking(true).expect("nonblocking");
        Abuser {
            stream,
            kind,
            closed: false,
        }
    }

    /// Reads what the server sent; notes when it closed the socket.
    fn poll(&mut self) {
        let mut buf = [0; 4096];
        while !self.closed {
            match self.stream.read(&mut buf) {
                Ok(0) => self.closed = true,
                Ok(_) => continue,
                Err(err) if err.kind() == ErrorKind::WouldBlock => return,
                Err(_) => self.closed = true,
            }
        }
    }

    /// A slowloris sends one more header line now and then.
    fn trickle(&mut self) {
        if self.kind == Kind::Slowloris && !self.closed {
            let _ = self.stream.write_all(b"X-Padding: 1\r\n");
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn healthz(url: &str) -> Result<u16, String> {
    agent()
        .get(format!("{url}/healthz"))
        .call()
        .map(|response| response.status().as_u16())
        .map_err(|err| err.to_string())
}

/// Pushes a new sheet; `Ok` when the server stored it.
fn sync(url: &str, device: &Device) -> Result<(), String> {
    let sheet = open_sheet(device, "e1");
    let body = protocol::encode(&request(0, vec![pushed(sheet.id(), sheet.doc().save())]));
    let mut response = agent()
        .post(format!("{url}{SYNC_PATH}"))
        .header("Authorization", format!("Bearer {}", device.token))
        .header("Content-Type", CONTENT_TYPE)
        .send(&body[..])
        .map_err(|err| err.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(|err| err.to_string())?;
    let answer: SyncResponse = protocol::decode(&bytes)?;
    match answer.accepted.len() {
        1 => Ok(()),
        _ => Err(format!("not stored: {:?}", answer.refused)),
    }
}

/// This test opens more sockets than a 1,024 limit allows.
fn raise_own_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let wanted = (IDLE + SLOWLORIS + STALLED_BODIES + 512) as u64;
    assert!(
        limit.maximum.is_none_or(|max| max >= wanted),
        "this test needs an open-file limit of {wanted}; the hard limit is {:?}",
        limit.maximum
    );
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )
    .expect("raise the open-file limit");
}

#[test]
fn idle_slowloris_and_stalled_sockets_close_while_health_and_sync_answer() {
    raise_own_open_file_limit();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    add_estate(&data, "e1", "East Garden");
    add_user(&data, "lin", Role::FrontDesk, &["e1"]);
    let device = issue(&data, "lin", Role::FrontDesk);
    let server = Server::start_with_open_files(&data, &[], 1024);
    let url = server.url().to_owned();
    let addr = url.trim_start_matches("http://").to_owned();
    sync(&url, &device).expect("a sync before");
    let rss_before = server.rss_kib();

    let started = Instant::now();
    let mut abusers: Vec<Abuser> = [
        (Kind::Idle, IDLE),
        (Kind::Slowloris, SLOWLORIS),
        (Kind::StalledBody, STALLED_BODIES),
    ]
    .into_iter()
    .flat_map(|(kind, n)| std::iter::repeat_n(kind, n))
    .map(|kind| Abuser::open(&addr, kind, &device.token))
    .collect();
    let opened_in = started.elapsed();

    let (mut checks, mut failures) = (0, Vec::new());
    let mut peak_rss = rss_before;
    let all_closed_after = loop {
        abusers.iter_mut().for_each(Abuser::poll);
        if abusers.iter().all(|abuser| abuser.closed) {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < WITHIN,
            "{} of {} sockets still open after {WITHIN:?}",
            abusers.iter().filter(|abuser| !abuser.closed).count(),
            abusers.len()
        );
        abusers.iter_mut().for_each(Abuser::trickle);
        checks += 1;
        match healthz(&url) {
            Ok(200) => {}
            other => failures.push(format!("healthz: {other:?}")),
        }
        if let Err(err) = sync(&url, &device) {
            failures.push(format!("sync: {err}"));
        }
        peak_rss = peak_rss.max(server.rss_kib());
        std::thread::sleep(Duration::from_secs(1));
    };
    assert!(failures.is_empty(), "{failures:?}");
    assert!(server.is_running());
    assert_eq!(healthz(&url), Ok(200));
    sync(&url, &device).expect("a sync after");
    let rss_after = server.rss_kib();
    println!(
        "{} sockets ({IDLE} idle, {SLOWLORIS} slowloris, {STALLED_BODIES} stalled bodies) \
         opened in {opened_in:?} under ulimit -n 1024, all closed after {all_closed_after:?}; \
         {checks} rounds of /healthz and a sync all answered; server RSS {} MiB before, \
         at most {} MiB during, {} MiB after",
        abusers.len(),
        rss_before / 1024,
        peak_rss / 1024,
        rss_after / 1024
    );
    assert!(
        peak_rss - rss_before < 100 * 1024,
        "RSS rose from {rss_before} KiB to {peak_rss} KiB"
    );
}

/// Reads until the server closes the socket, for at most `limit`.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Result<String, String> {
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).into_owned()),
        Err(err) if err.kind() == ErrorKind::ConnectionReset => {
            Ok(String::from_utf8_lossy(&answer).into_owned())
        }
        Err(err) => Err(format!(
            "still open ({err}) after {}",
            String::from_utf8_lossy(&answer)
        )),
    }
}

#[test]
fn past_the_cap_a_newcomer_is_refused_only_when_every_connection_is_busy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    add_estate(&data, "e1", "East Garden");
    add_user(&data, "lin", Role::FrontDesk, &["e1"]);
    let device = issue(&data, "lin", Role::FrontDesk);
    let server = Server::start(
        &data,
        &["--max-connections", "3", "--header-timeout-secs", "2"],
    );
    let url = server.url().to_owned();
    let addr = url.trim_start_matches("http://").to_owned();

    // A keep-alive connection is closed once idle past the header timeout.
    let mut kept = TcpStream::connect(&addr).expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let answer = read_until_closed(&mut kept, Duration::from_secs(5)).expect("closed when idle");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Idle connections make room for a newcomer...
    let idle: Vec<_> = (0..3)
        .map(|_| Abuser::open(&addr, Kind::Idle, &device.token))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(healthz(&url), Ok(200));
    drop(idle);

    // ...busy ones do not: the newcomer is told so and closed.
    let busy: Vec<_> = (0..3)
        .map(|_| Abuser::open(&addr, Kind::StalledBody, &device.token))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut newcomer = TcpStream::connect(&addr).expect("connect");
    let answer = read_until_closed(&mut newcomer, Duration::from_secs(5)).expect("refused");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5"), "{answer}");
    assert!(answer.contains("too many connections"), "{answer}");

    drop(busy);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(healthz(&url), Ok(200));
    sync(&url, &device).expect("a sync");
    let metrics = agent()
        .get(format!("{url}/metrics"))
        .call()
        .expect("metrics")
        .body_mut()
        .read_to_string()
        .expect("text");
    assert!(
        metrics.contains("stairwell_connections_refused_total 1"),
        "{metrics}"
    );
}
