//! A server and its devices for one scenario, in a temporary folder on the
//! disk the bench uses (not `/dev/shm` as the tests: a benchmark pays the
//! fsyncs a phone and a server pay). Estates, users and devices are set up
//! through the real `stairwell admin` command line, as in the tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use stairwell_core::record::Role;
use tempfile::TempDir;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::device::Device;
use crate::nginx::{Balance, Front, Nginx};
use crate::server::{Server, add_estate, add_user, issue};

/// How many servers share a site's storage (a PostgreSQL database): past
/// one, the others are replicas and an nginx in front balances over all.
static SERVERS: AtomicUsize = AtomicUsize::new(1);

/// Sites made from now on run `servers` servers behind nginx (1: one
/// server, no proxy).
pub fn set_servers(servers: usize) {
    SERVERS.store(servers.max(1), Ordering::SeqCst);
}

/// A server on a temporary data directory, with its estates.
#[derive(Debug)]
pub struct BenchSite {
    pub server: Server,
    /// More servers on the same storage, and the proxy over them all.
    replicas: Vec<Server>,
    nginx: Option<Nginx>,
    dir: TempDir,
    devices: usize,
}

impl BenchSite {
    /// Creates `estates` (all in Asia/Shanghai) and starts the server with
    /// `args` beside `--data` and `--listen`.
    pub fn new(tmp: &Path, estates: &[&str], args: &[&str]) -> BenchSite {
        let dir = tempfile::Builder::new()
            .prefix("stairwell-bench-")
            .tempdir_in(tmp)
            .expect("a temporary folder for the bench");
        let data = dir.path().join("data");
        for estate in estates {
            add_estate(&data, estate, estate);
        }
        let server = Server::start(&data, args);
        let replicas: Vec<Server> = (1..SERVERS.load(Ordering::SeqCst))
            .map(|n| {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|listener| listener.local_addr())
                    .expect("a free port")
                    .port();
                Server::replica(&data, &format!("replica{n}"), port)
            })
            .collect();
        let nginx = (!replicas.is_empty()).then(|| {
            let upstreams: Vec<String> = std::iter::once(&server)
                .chain(&replicas)
                .map(|server| server.url().to_owned())
                .collect();
            Nginx::start(dir.path(), &Front::Plain, &upstreams, Balance::ByClient)
        });
        BenchSite {
            server,
            replicas,
            nginx,
            dir,
            devices: 0,
        }
    }

    /// Every server process of the site.
    pub fn pids(&self) -> Vec<u32> {
        std::iter::once(&self.server)
            .chain(&self.replicas)
            .filter_map(Server::pid)
            .collect()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn data(&self) -> &Path {
        self.server.data()
    }

    /// Where devices sync: the proxy when there are replicas.
    pub fn url(&self) -> String {
        match &self.nginx {
            Some(nginx) => format!("http://127.0.0.1:{}", nginx.port),
            None => self.server.url().to_owned(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.server.pid().expect("the server is running")
    }

    pub fn add_user(&self, id: &str, role: Role, estates: &[&str]) {
        add_user(self.data(), id, role, estates);
    }

    /// Issues a token for `user` (the admin command line) and enrolls a new
    /// store file with it.
    pub fn device(&mut self, user: &str) -> Device {
        let issued = issue(self.data(), user);
        self.devices += 1;
        let path = self
            .dir()
            .join(format!("device-{}-{}.db", self.devices, issued.device_id));
        Device::enroll(&path, &self.url(), &issued.token).expect("enroll a device")
    }

    /// A token for `user` without a store (for raw protocol seeding).
    pub fn token(&self, user: &str) -> String {
        issue(self.data(), user).token
    }

    /// SIGTERM, then starts the server again; returns how long the start
    /// took until it listened.
    pub fn restart(&mut self) -> Duration {
        self.server.stop();
        let started = Instant::now();
        self.server.restart();
        started.elapsed()
    }
}

/// Makes sure the `stairwell-e2e` binary (the server's own `main.rs`,
/// built by this package) sits next to the bench and is not older than it.
/// `cargo run --bin bench` builds only the bench, so the bench builds the
/// server itself with the same cargo, profile and target folder. Cargo has
/// handed over to the bench by then (it `exec`s the program it runs), so
/// this takes no lock that `cargo run` still holds.
pub fn ensure_server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|err| format!("the bench's own path: {err}"))?;
    let dir = exe
        .parent()
        .ok_or("the bench binary has no folder")?
        .to_owned();
    let server = dir.join(format!("stairwell-e2e{}", std::env::consts::EXE_SUFFIX));
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
    };
    let fresh = match (modified(&server), modified(&exe)) {
        (Some(server), Some(bench)) => server >= bench,
        _ => false,
    };
    if fresh {
        return Ok(server);
    }
    let profile = dir
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("debug")
        .to_owned();
    let target_dir = dir.parent().ok_or("no target folder above the bench")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .args(["-p", "stairwell-tests", "--bin", "stairwell-e2e"]);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    eprintln!("bench: building the server binary: {command:?}");
    let status = command
        .status()
        .map_err(|err| format!("cannot run {command:?}: {err}"))?;
    if !status.success() || !server.is_file() {
        return Err(format!(
            "building the server failed ({status}); build it with \
             `cargo build --release -p stairwell-tests --bin stairwell-e2e`"
        ));
    }
    Ok(server)
}
