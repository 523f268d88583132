//! Running Stairwell as a service, through real processes: the server and
//! the admin command line read one configuration file, and each option
//! comes from the flag, else the environment, else the file, else the
//! default; a mistake in the file stops the server with a message that
//! names it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use stairwell_tests::device::Device;
use stairwell_tests::server::binary;

/// `stairwell serve` with `args` and `env`; the URL it announces.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(binary())
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .env_remove("STAIRWELL_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address: {line:?}"))
        .to_owned();
    (child, url)
}

/// `stairwell admin ARGS` with the configuration file in the environment.
fn admin(config: &Path, args: &[&str]) -> String {
    let out = Command::new(binary())
        .arg("admin")
        .args(args)
        .env("STAIRWELL_CONFIG", config)
        .env_remove("STAIRWELL_DATA")
        .output()
        .expect("admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Flags, environment, and the blob limit they must give.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], u64);

/// The blob limit a phone is told at enrollment.
fn blob_limit(dir: &Path, url: &str, token: &str, name: &str) -> u64 {
    let device = Device::enroll(&dir.join(name), url, token).expect("enroll");
    device.identity().max_blob_bytes
}

#[test]
fn options_come_from_the_flag_the_environment_the_file_then_the_default() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let config = dir.path().join("stairwell.toml");
    std::fs::write(
        &config,
        format!(
            "data = {:?}\nlisten = \"127.0.0.1:0\"\nmax-blob-bytes = 999000\n",
            data.to_str().expect("path")
        ),
    )
    .expect("write");
    // The admin command line finds the data directory in the same file.
    admin(
        &config,
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
    admin(
        &config,
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
    let token = admin(&config, &["device", "issue", "--user", "lin"])
        .lines()
        .find_map(|line| line.strip_prefix("token: ").map(str::to_owned))
        .expect("token");
    assert!(
        data.join("stairwell.db").is_file(),
        "the file's data directory"
    );

    let file = config.to_str().expect("path");
    let cases: [Case; 4] = [
        (&["--config", file], &[], 999_000),
        (
            &["--config", file],
            &[("STAIRWELL_MAX_BLOB_BYTES", "888000")],
            888_000,
        ),
        (
            &["--config", file, "--max-blob-bytes", "777000"],
            &[("STAIRWELL_MAX_BLOB_BYTES", "888000")],
            777_000,
        ),
        (
            &[
                "--data",
                data.to_str().expect("path"),
                "--listen",
                "127.0.0.1:0",
            ],
            &[],
            stairwell_core::sync::blobs::DEFAULT_MAX_BLOB_BYTES,
        ),
    ];
    for (n, (args, env, limit)) in cases.into_iter().enumerate() {
        let (mut child, url) = serve(args, env);
        let seen = blob_limit(dir.path(), &url, &token, &format!("phone-{n}.db"));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(seen, limit, "case {n}: {args:?} {env:?}");
    }
}

#[test]
fn a_mistake_in_the_file_stops_the_server_and_names_it() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("stairwell.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nmax-blob-byte = 1\n").expect("write");
    let out = Command::new(binary())
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("`max-blob-byte` is not a setting"), "{said}");
    assert!(said.contains("stairwell.toml"), "{said}");
}
