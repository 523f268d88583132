//! The operator's side: the admin command line refuses mistakes with exit
//! code 2 and changes nothing; the server reports health and metrics, stops
//! cleanly on SIGTERM, keeps everything across a restart, and rebuilds its
//! read model from the documents.

use stairwell_tests::Server;
use stairwell_tests::api::{Client, World, admin, admin_ok, open_sheet, pushed, request, world};

fn fails_with_2(data: &std::path::Path, args: &[&str], says: &str) {
    let out = admin(data, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn admin_mistakes_exit_2_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.as_path();
    fails_with_2(
        data,
        &[
            "estate",
            "add",
            "e1",
            "--name",
            "East",
            "--tz",
            "Asia/Atlantis",
        ],
        "time zone",
    );
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
    fails_with_2(
        data,
        &["estate", "add", "e1", "--name", "Again", "--tz", "UTC"],
        "already exists",
    );
    fails_with_2(
        data,
        &[
            "user",
            "add",
            "wang",
            "--name",
            "Wang",
            "--role",
            "technician",
            "--estate",
            "e1",
            "--estate",
            "e404",
        ],
        "unknown estate e404",
    );
    // The refused user was not half-created.
    admin_ok(
        data,
        &[
            "user",
            "add",
            "wang",
            "--name",
            "Wang",
            "--role",
            "technician",
            "--estate",
            "e1",
        ],
    );
    fails_with_2(
        data,
        &[
            "user",
            "add",
            "wang",
            "--name",
            "Wang",
            "--role",
            "technician",
            "--estate",
            "e1",
        ],
        "already exists",
    );
    fails_with_2(
        data,
        &[
            "user", "add", "zhao", "--name", "Zhao", "--role", "janitor", "--estate", "e1",
        ],
        "unknown role",
    );
    fails_with_2(
        data,
        &["device", "issue", "--user", "ghost"],
        "unknown user",
    );
    fails_with_2(
        data,
        &["device", "revoke", "dev-000000000000"],
        "unknown device",
    );

    let issued = admin_ok(
        data,
        &[
            "device",
            "issue",
            "--user",
            "wang",
            "--name",
            "Wang's phone",
        ],
    );
    let token = issued
        .lines()
        .find_map(|line| line.strip_prefix("token: "))
        .expect("token line");
    assert!(token.starts_with("sw_") && token.len() == 67);
    assert!(issued.contains("only this once"));
}

#[test]
fn health_metrics_shutdown_restart_and_rebuild() {
    let w = world(&[]);
    let client = w.client().clone();
    let (status, body) = client.get("/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    let sheet = open_sheet(&w.desk, "e1");
    let answer = client.sync(
        &w.desk,
        &request(0, vec![pushed(sheet.id(), sheet.doc().save())]),
    );
    assert_eq!(answer.accepted.len(), 1);
    let index = answer.records[0].index.clone();

    let (status, metrics) = client.get("/metrics");
    assert_eq!(status, 200);
    for line in [
        "stairwell_http_requests_total{path=\"/v1/sync\",status=\"200\"} 1",
        "stairwell_records_accepted_total 1",
        "stairwell_records_stored 1",
        "stairwell_group_commits_total 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }

    // One server per data directory.
    let second = std::process::Command::new(stairwell_tests::server::binary())
        .arg("serve")
        .arg("--data")
        .arg(&w.data)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .expect("run a second server");
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("another stairwell server"));

    // The read model can be rebuilt while the server runs.
    let rebuilt = admin_ok(&w.data, &["rebuild-read-models"]);
    assert!(rebuilt.contains("of 1 records"), "{rebuilt}");

    let World {
        mut server,
        data,
        dir: _dir,
        supervisor,
        ..
    } = w;
    let status = server.stop();
    assert!(
        status.success(),
        "SIGTERM should end the server cleanly: {status:?}"
    );

    let again = Server::start(&data, &[]);
    let again = Client::new(again.url());
    let (_, metrics) = again.get("/metrics");
    assert!(metrics.contains("stairwell_records_stored 1"), "{metrics}");
    let pulled = again.sync(&supervisor, &request(0, vec![]));
    assert_eq!(pulled.records.len(), 1);
    assert!(pulled.records[0].whole);
    assert_eq!(pulled.records[0].index, index);
}
