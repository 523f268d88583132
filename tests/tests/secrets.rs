//! Secrets at rest and in transit, through a real server and the field
//! command line, under the loose umask most systems default to (022): the
//! data directory and everything in it, blobs included, are the owner's
//! only (0700 folders, 0600 files), and an older directory is tightened
//! when the server opens it; a device store is 0600; a token is given to
//! `field enroll` on standard input or in `STAIRWELL_TOKEN`, never needed
//! on the command line; and no route takes a token in its URL.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use rustix::fs::Mode;
use stairwell_tests::Server;
use stairwell_tests::api::world;
use stairwell_tests::field_cli::{enroll, field, open_sheet};
use stairwell_tests::server::binary;

#[test]
fn secrets_are_the_owners_only_and_never_in_a_url() {
    // Every process this test starts inherits the loose mask.
    rustix::process::umask(Mode::from_raw_mode(0o022));
    let mut w = world(&[]);
    let phone = enroll(&w, "desk", &w.desk.token);
    let image = w.dir.path().join("leak.jpg");
    std::fs::write(&image, b"\xff\xd8\xff\xe0 a photo of the leak").expect("write");
    let hash = field(&phone, &["attach", image.to_str().expect("path")]);
    let id = open_sheet(&phone, "kitchen tap leaking");
    field(&phone, &["repair", "photo", &id, "--blob", &hash]);
    field(&phone, &["sync"]);
    assert!(
        w.data.join("blobs").is_dir(),
        "the photo was uploaded into the data directory"
    );
    assert_private(&w.data);
    assert_eq!(mode(&phone), 0o600, "the device store");

    // A directory left loose (an older build, a copy) is tightened on open.
    w.server.stop();
    std::fs::set_permissions(&w.data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let db = w.data.join("stairwell.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let server = Server::start(&w.data, &[]);
    assert_private(&w.data);

    // The token on standard input: nothing secret in the process list.
    let second = w.dir.path().join("second.db");
    let mut child = Command::new(binary())
        .arg("field")
        .arg("--store")
        .arg(&second)
        .args(["enroll", "--server", server.url(), "--token-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("enroll");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", w.supervisor.token).expect("write the token");
    drop(stdin);
    let out = child.wait_with_output().expect("enroll");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(field(&second, &["whoami"]).contains("chen"));
    assert_eq!(mode(&second), 0o600);

    // Without a token anywhere, enrollment says where to give it.
    let out = Command::new(binary())
        .arg("field")
        .arg("--store")
        .arg(w.dir.path().join("third.db"))
        .args(["enroll", "--server", server.url()])
        .env_remove("STAIRWELL_TOKEN")
        .output()
        .expect("enroll");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-stdin"));

    // A token in a URL is refused; in the header it is answered.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let report = format!("{}/v1/reports/callbacks?estate=e1", server.url());
    let in_url = agent
        .get(format!("{report}&token={}", w.desk.token))
        .call()
        .expect("get");
    assert_eq!(in_url.status().as_u16(), 401);
    let in_header = agent
        .get(&report)
        .header("Authorization", format!("Bearer {}", w.desk.token))
        .call()
        .expect("get");
    assert_eq!(in_header.status().as_u16(), 200);
}

/// Every folder under `dir` is 0700 and every file 0600.
fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).expect("read the folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}
