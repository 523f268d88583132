//! https end to end, through real processes on loopback: a certificate
//! authority made here (an estate's own), `stairwell serve --tls-cert
//! --tls-key`, and phones of the field command line that trust that
//! authority only when enrolled with it (`--ca FILE`); the console's
//! session cookie is `Secure` and HSTS is sent over https; a certificate
//! replaced on disk is taken on SIGHUP without a restart.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, SanType};
use stairwell_core::record::Role;
use stairwell_tests::api::admin_ok;
use stairwell_tests::field_cli::{field, field_error, open_sheet};
use stairwell_tests::server::{Server, binary};

/// A certificate authority and the key it signs with.
struct Authority {
    cert: Certificate,
    key: KeyPair,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("self-signed");
        Authority { cert, key }
    }

    /// Writes the authority's certificate, and a server certificate for
    /// 127.0.0.1 it signed with its key, into `dir`; returns their paths.
    fn issue(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("signed");
        let paths = (
            dir.join(format!("{name}-ca.pem")),
            dir.join(format!("{name}.pem")),
            dir.join(format!("{name}-key.pem")),
        );
        std::fs::write(&paths.0, self.cert.pem()).expect("ca");
        std::fs::write(&paths.1, cert.pem()).expect("cert");
        std::fs::write(&paths.2, key.serialize_pem()).expect("key");
        paths
    }
}

/// An estate with a front-desk user and their device token.
fn estate(data: &Path) -> String {
    admin_ok(
        data,
        &[
            "estate",
            "add",
            "e1",
            "--name",
            "East",
            "--tz",
            "Asia/Shanghai",
        ],
    );
    admin_ok(
        data,
        &[
            "user",
            "add",
            "lin",
            "--name",
            "Lin",
            "--role",
            "front_desk",
            "--estate",
            "e1",
        ],
    );
    stairwell_tests::api::issue(data, "lin", Role::FrontDesk).token
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
    let pem = std::fs::read(&ca).expect("ca");
    let roots: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                .build(),
        )
        .build()
        .into();
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
