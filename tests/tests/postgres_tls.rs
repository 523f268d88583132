//! TLS between the server and its database, through real processes: the
//! test cluster is given a certificate of an authority made in the test
//! and turned to TLS; `stairwell admin` and `stairwell serve`, told
//! libpq's `sslmode=verify-full&sslrootcert=CA`, reach it encrypted (the
//! database's own `pg_stat_ssl` says so) and a phone syncs through that
//! server; told another authority, they refuse the database's certificate
//! and say so. The cluster is turned back afterwards.
//!
//! Needs the test cluster (`scripts/with-postgres`).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use postgres::{Client, NoTls};
use stairwell_core::record::Role;
use stairwell_tests::backend::database_for;
use stairwell_tests::certs::Authority;
use stairwell_tests::device::Device;
use stairwell_tests::server::{Server, binary};

fn cluster() -> String {
    std::env::var("STAIRWELL_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("STAIRWELL_TEST_POSTGRES is not set: run this test through scripts/with-postgres")
    })
}

/// The cluster's TLS, on while it lives, off again when dropped.
struct ClusterTls {
    admin: Client,
}

impl ClusterTls {
    /// Gives the cluster `cert` and `key` (copied where its owner may read
    /// them) and turns TLS on.
    fn on(cluster: &str, dir: &Path, cert: &Path, key: &Path) -> ClusterTls {
        let mut admin = Client::connect(cluster, NoTls).expect("connect");
        let data: String = admin
            .query_one("SHOW data_directory", &[])
            .expect("data directory")
            .get(0);
        let owner = std::fs::metadata(&data).expect("the cluster's folder");
        let place = dir.join("pg-tls");
        std::fs::create_dir_all(&place).expect("mkdir");
        for folder in [dir, place.as_path()] {
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        let (cert_copy, key_copy) = (place.join("server.pem"), place.join("server-key.pem"));
        std::fs::copy(cert, &cert_copy).expect("copy the certificate");
        std::fs::copy(key, &key_copy).expect("copy the key");
        for (file, mode) in [(&cert_copy, 0o644), (&key_copy, 0o600)] {
            std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid())).expect("chown");
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        // One at a time: ALTER SYSTEM refuses to run in a transaction.
        for statement in [
            format!("ALTER SYSTEM SET ssl_cert_file = '{}'", cert_copy.display()),
            format!("ALTER SYSTEM SET ssl_key_file = '{}'", key_copy.display()),
            "ALTER SYSTEM SET ssl = on".to_owned(),
            "SELECT pg_reload_conf()".to_owned(),
        ] {
            admin.batch_execute(&statement).expect("turn TLS on");
        }
        let mut tls = ClusterTls { admin };
        tls.wait_for("on");
        tls
    }

    /// Waits until new connections see `ssl` as `state`.
    fn wait_for(&mut self, state: &str) {
        let _ = &self.admin;
        for _ in 0..100 {
            let mut fresh = Client::connect(&cluster(), NoTls).expect("connect");
            let now: String = fresh.query_one("SHOW ssl", &[]).expect("ssl").get(0);
            if now == state {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the cluster's ssl did not turn {state}");
    }
}

impl Drop for ClusterTls {
    fn drop(&mut self) {
        for statement in [
            "ALTER SYSTEM RESET ssl",
            "ALTER SYSTEM RESET ssl_cert_file",
            "ALTER SYSTEM RESET ssl_key_file",
            "SELECT pg_reload_conf()",
        ] {
            let _ = self.admin.batch_execute(statement);
        }
    }
}

fn admin(url: &str, args: &[&str]) -> Output {
    Command::new(binary())
        .args(["admin", "--database", url])
        .args(args)
        .output()
        .expect("run stairwell admin")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_server_reaches_its_database_over_tls_trusting_the_authority_it_is_told() {
    let cluster = cluster();
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = Authority::new("Estate database CA").issue(dir.path(), "db");
    let (wrong_ca, _, _) = Authority::new("Someone else").issue(dir.path(), "other");
    let _tls = ClusterTls::on(&cluster, dir.path(), &cert, &key);

    let data = dir.path().join("data");
    let plain = database_for(&cluster, &data);
    let over_tls = |ca: &Path| format!("{plain}?sslmode=verify-full&sslrootcert={}", ca.display());

    // Another authority's certificate is refused, with the reason.
    let refused = admin(
        &over_tls(&wrong_ca),
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
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(
        said(&refused).to_lowercase().contains("certificate"),
        "{}",
        said(&refused)
    );

    // The estate's own authority is trusted: the admin and the server work.
    let url = over_tls(&ca);
    for args in [
        vec![
            "estate",
            "add",
            "e1",
            "--name",
            "East",
            "--tz",
            "Asia/Shanghai",
        ],
        vec![
            "user",
            "add",
            "lin",
            "--name",
            "Lin",
            "--role",
            Role::FrontDesk.as_str(),
            "--estate",
            "e1",
        ],
    ] {
        let out = admin(&url, &args);
        assert!(out.status.success(), "{}", said(&out));
    }
    let issued = said(&admin(&url, &["device", "issue", "--user", "lin"]));
    let token = issued
        .lines()
        .find_map(|line| line.strip_prefix("token: "))
        .expect("a token")
        .to_owned();
    let server = Server::start(&data, &["--database", &url]);
    let mut phone =
        Device::enroll(&dir.path().join("phone.db"), server.url(), &token).expect("enroll");
    let sheet = stairwell_tests::api::open_sheet_as(phone.editor(), "e1", "lobby light out");
    phone.create(sheet.doc());
    assert_eq!(phone.sync_ok().sent, 1);

    // Every connection of the server is encrypted, by the database's word.
    let mut check = Client::connect(&cluster, NoTls).expect("connect");
    let rows = check
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
             WHERE a.application_name = 'stairwell' AND a.datname = $1",
            &[&plain.rsplit('/').next().expect("a database name")],
        )
        .expect("pg_stat_ssl");
    assert!(!rows.is_empty(), "the server is connected");
    assert!(
        rows.iter().all(|row| row.get::<_, bool>(0)),
        "every connection is TLS"
    );
}
