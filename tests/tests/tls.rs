//! https end to end, through real processes on loopback: a certificate
//! authority made here (an estate's own), `stairwell serve --tls-cert
//! --tls-key`, and phones of the field command line that trust that
//! authority only when enrolled with it (`--ca FILE`); the console's
//! session cookie is `Secure` and HSTS is sent over https; a certificate
//! replaced on disk is taken on SIGHUP without a restart.

use std::path::Path;
use std::time::Duration;

use stairwell_core::record::Role;
use stairwell_tests::certs::Authority;
use stairwell_tests::field_cli::{field, field_error, open_sheet};
use stairwell_tests::nginx::{Balance, Front, Nginx};
use stairwell_tests::server::{Server, add_estate, add_user, binary};

/// An estate with a front-desk user and their device token.
fn estate(data: &Path) -> String {
    add_estate(data, "e1", "East");
    add_user(data, "lin", Role::FrontDesk, &["e1"]);
    stairwell_tests::api::issue(data, "lin", Role::FrontDesk).token
}

/// An https client trusting the authority in `ca` alone, following no
/// redirects.
fn trusting(ca: &Path) -> ureq::Agent {
    let pem = std::fs::read(ca).expect("ca");
    let roots: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                .build(),
        )
        .build()
        .into()
}

fn enroll(store: &Path, url: &str, token: &str, ca: Option<&Path>) -> std::process::Output {
    let mut command = std::process::Command::new(binary());
    command
        .arg("field")
        .arg("--store")
        .arg(store)
        .args(["enroll", "--server", url])
        .env("STAIRWELL_TOKEN", token);
    if let Some(ca) = ca {
        command.arg("--ca").arg(ca);
    }
    command.output().expect("run enroll")
}

#[test]
fn phones_sync_over_https_trusting_the_estates_authority() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let token = estate(&data);
    let authority = Authority::new("East Court CA");
    let (ca, cert, key) = authority.issue(dir.path(), "server");
    let server = Server::start(
        &data,
        &[
            "--tls-cert",
            cert.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
    );
    let url = server.url().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // A phone that does not know the estate's authority refuses the server.
    let stranger = dir.path().join("stranger.db");
    let out = enroll(&stranger, &url, &token, None);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("not trusted") && said.contains("--ca"),
        "{said}"
    );

    // Enrolled with it, a phone syncs a sheet over https.
    let phone = dir.path().join("phone.db");
    let out = enroll(&phone, &url, &token, Some(&ca));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = open_sheet(&phone, "lobby door sticks");
    let synced = field(&phone, &["sync"]);
    assert!(synced.contains("sent 1 record"), "{synced}");
    let other = dir.path().join("other.db");
    assert!(enroll(&other, &url, &token, Some(&ca)).status.success());
    field(&other, &["sync"]);
    assert!(field(&other, &["show", &id]).contains("lobby door sticks"));

    // A CA file that holds no certificate is refused at enrollment.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    let out = enroll(&dir.path().join("junk.db"), &url, &token, Some(&junk));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PEM certificate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The certificate is replaced by one of another authority and the
    // server told with SIGHUP: phones enrolled with the old authority now
    // refuse it, one enrolled with the new one syncs; nothing restarted.
    let renewed = Authority::new("East Court CA 2027");
    let (new_ca, new_cert, new_key) = renewed.issue(dir.path(), "renewed");
    std::fs::copy(&new_cert, &cert).expect("replace cert");
    std::fs::copy(&new_key, &key).expect("replace key");
    server.signal(rustix::process::Signal::HUP);
    let mut refused = String::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        refused = field_error(&phone, &["sync"]);
        if refused.contains("not trusted") {
            break;
        }
    }
    assert!(refused.contains("not trusted"), "{refused}");
    let renewed_phone = dir.path().join("renewed.db");
    assert!(
        enroll(&renewed_phone, &url, &token, Some(&new_ca))
            .status
            .success()
    );
    field(&renewed_phone, &["sync"]);
    assert!(field(&renewed_phone, &["show", &id]).contains("lobby door sticks"));
}

#[test]
fn over_https_the_console_cookie_is_secure_and_hsts_is_sent() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    estate(&data);
    let (ok, said) = stairwell_tests::console::admin(
        &data,
        &["user", "password", "lin", "--password-stdin"],
        "desk-pass\n",
    );
    assert!(ok, "{said}");
    let authority = Authority::new("East Court CA");
    let (ca, cert, key) = authority.issue(dir.path(), "server");
    let server = Server::start(
        &data,
        &[
            "--tls-cert",
            cert.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
    );
    let agent = trusting(&ca);
    let url = server.url();
    let mut form = agent
        .get(format!("{url}/login"))
        .call()
        .expect("login form");
    assert_eq!(
        form.headers()
            .get("strict-transport-security")
            .and_then(|value| value.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    let cookies: Vec<String> = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(|cookie| cookie.split(';').next().unwrap_or("").to_owned())
        .collect();
    let body = form.body_mut().read_to_string().expect("body");
    let login_token = stairwell_tests::console::hidden(&body, "login_token");
    let signed_in = agent
        .post(format!("{url}/login"))
        .header("Cookie", cookies.join("; "))
        .send_form([
            ("login_token", login_token.as_str()),
            ("user", "lin"),
            ("password", "desk-pass"),
            ("next", "/"),
        ])
        .expect("sign in");
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("sw_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

/// The feed's WebSocket over TLS through the proxy, trusting `ca` only.
async fn feed_socket(
    port: u16,
    ca: &Path,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).expect("ca") {
        roots.add(cert.expect("cert")).expect("root");
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let tls = connector.connect(name, tcp).await.expect("TLS to nginx");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "wss://127.0.0.1:{port}/v1/feed/ws"
        ))
        .expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (socket, _) = tokio_tungstenite::client_async(request, tls)
        .await
        .expect("the feed's WebSocket through nginx");
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_sync_and_hear_the_feed_through_a_tls_terminating_nginx() {
    use futures_util::StreamExt;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let token = estate(&data);
    let authority = Authority::new("East Court CA");
    let (ca, cert, key) = authority.issue(dir.path(), "proxy");
    let server = Server::start(&data, &["--behind-https-proxy"]);
    let front = Front::Tls {
        cert: cert.clone(),
        key: key.clone(),
    };
    let nginx = Nginx::start(
        dir.path(),
        &front,
        &[server.url().to_owned()],
        Balance::RoundRobin,
    );
    let url = format!("https://127.0.0.1:{}", nginx.port);

    let phone = dir.path().join("phone.db");
    let other = dir.path().join("other.db");
    tokio::task::block_in_place(|| {
        for store in [&phone, &other] {
            let out = enroll(store, &url, &token, Some(&ca));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    // The other phone listens to the feed through nginx's TLS.
    let mut socket = feed_socket(nginx.port, &ca, &token).await;
    let id = tokio::task::block_in_place(|| {
        let id = open_sheet(&phone, "stairwell lamp out");
        field(&phone, &["sync"]);
        id
    });
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                    return text.to_string();
                }
                Some(Ok(_)) => continue,
                other => panic!("the feed closed: {other:?}"),
            }
        }
    })
    .await
    .expect("the push was announced through nginx within 10 s");
    assert!(heard.contains("\"feed\""), "{heard}");
    tokio::task::block_in_place(|| {
        field(&other, &["sync"]);
        assert!(field(&other, &["show", &id]).contains("stairwell lamp out"));
    });

    // The proxy says https, and the server was told to trust it: HSTS.
    let agent = trusting(&ca);
    let login =
        tokio::task::block_in_place(|| agent.get(format!("{url}/login")).call().expect("login"));
    assert!(login.headers().get("strict-transport-security").is_some());
    drop(nginx);
}
