//! A real `stairwell serve` process on 127.0.0.1 with an ephemeral port, and
//! the site around it: a temporary folder holding the server's data
//! directory and every device's store file, with estates, users and devices
//! set up through the real `stairwell admin` command line.
//!
//! The server can be stopped politely (SIGTERM), killed (SIGKILL) and
//! started again on the same data; it then listens on a new port, which the
//! devices are told through [`crate::Device::set_url`].

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

use stairwell_core::record::Role;
use tempfile::TempDir;

use crate::device::Device;

/// The estate every test works in, and a second one to stay out of.
pub const ESTATE: &str = "e1";
pub const OTHER_ESTATE: &str = "e2";

/// The `stairwell` binary as this package builds it (see the crate docs).
pub fn binary() -> PathBuf {
    let name = format!("stairwell-e2e{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> → target/<profile>/stairwell-e2e
    let found = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .find(|path| path.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "{name} was not found next to {}: run the tests with `cargo test -p stairwell-tests`, \
             which builds it",
            exe.display()
        )
    })
}

/// `stairwell admin estate add ID --name NAME`, in Asia/Shanghai.
pub fn add_estate(data: &Path, id: &str, name: &str) {
    admin(
        data,
        &["estate", "add", id, "--name", name, "--tz", "Asia/Shanghai"],
    );
}

/// `stairwell admin user add ID` with `role` at `estates`.
pub fn add_user(data: &Path, id: &str, role: Role, estates: &[&str]) {
    let mut args = vec!["user", "add", id, "--name", id, "--role", role.as_str()];
    for estate in estates {
        args.extend(["--estate", estate]);
    }
    admin(data, &args);
}

/// Runs `stairwell admin --data DATA ARGS…`; returns what it printed.
pub fn admin(data: &Path, args: &[&str]) -> String {
    let out = Command::new(binary())
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(crate::backend::storage_args(data))
        .args(args)
        .output()
        .expect("run stairwell admin");
    assert!(
        out.status.success(),
        "stairwell admin {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A device as `stairwell admin device issue` printed it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub device_id: String,
    pub user: String,
    pub token: String,
}

/// Issues a device for `user` through the admin command line.
pub fn issue(data: &Path, user: &str) -> Issued {
    let out = admin(data, &["device", "issue", "--user", user]);
    let field = |name: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {out:?}"))
            .trim()
            .to_owned()
    };
    Issued {
        device_id: field("device_id:"),
        user: field("user:"),
        token: field("token:"),
    }
}

/// A running (or killed) `stairwell serve` process.
#[derive(Debug)]
pub struct Server {
    /// `serve`, or `demo` (which seeds its data on the first start).
    command: &'static str,
    data: PathBuf,
    /// `127.0.0.1:0` (a new free port at every start), or a fixed one.
    listen: String,
    args: Vec<String>,
    /// The open-file limit (soft and hard) it runs under, as `ulimit -n`
    /// would set it; `None` inherits this process's.
    open_files: Option<u64>,
    log: PathBuf,
    /// `None` once killed or stopped, until restarted.
    process: Option<Process>,
    url: String,
    /// What the process printed before its address (the demo's banner).
    banner: String,
}

#[derive(Debug)]
struct Process {
    child: Child,
    /// Kept open: the server writes nothing after its first line, but a
    /// closed pipe must not be what it finds if it ever does.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts `stairwell serve --data DATA --listen 127.0.0.1:0 ARGS…` and
    /// waits until it announces its address. Its log goes to `DATA.log`.
    pub fn start(data: &Path, args: &[&str]) -> Server {
        Server::spawned("serve", data, args)
    }

    /// [`Server::start`] under `ulimit -n OPEN_FILES`.
    pub fn start_with_open_files(data: &Path, args: &[&str], open_files: u64) -> Server {
        let mut server = Server::new("serve", data, args);
        server.open_files = Some(open_files);
        server.spawn();
        server
    }

    /// Starts `stairwell serve` as one replica of several on the storage of
    /// `data` (so PostgreSQL: [`crate::backend`]), on `127.0.0.1:PORT` at
    /// every start, as a proxy in front of it expects; its log is
    /// `DATA.NAME.log`.
    pub fn replica(data: &Path, name: &str, port: u16) -> Server {
        let mut server = Server::new("serve", data, &[]);
        server.listen = format!("127.0.0.1:{port}");
        server.log = data.with_extension(format!("{name}.log"));
        server.spawn();
        server
    }

    /// Starts `stairwell demo --data DATA --listen 127.0.0.1:0`, which seeds
    /// the demo estate on its first start, and waits for its address.
    pub fn demo(data: &Path) -> Server {
        Server::spawned("demo", data, &[])
    }

    fn spawned(command: &'static str, data: &Path, args: &[&str]) -> Server {
        let mut server = Server::new(command, data, args);
        server.spawn();
        server
    }

    fn new(command: &'static str, data: &Path, args: &[&str]) -> Server {
        Server {
            command,
            data: data.to_owned(),
            listen: "127.0.0.1:0".to_owned(),
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            open_files: None,
            log: data.with_extension("log"),
            process: None,
            url: String::new(),
            banner: String::new(),
        }
    }

    /// The command that runs the binary, under the open-file limit if set
    /// (the shell execs it, so the pid is the server's).
    fn command(&self) -> Command {
        let Some(limit) = self.open_files else {
            return Command::new(binary());
        };
        let mut command = Command::new("sh");
        command
            .args(["-c", "ulimit -n \"$1\" && shift && exec \"$@\"", "sh"])
            .arg(limit.to_string())
            .arg(binary());
        command
    }

    fn spawn(&mut self) {
        assert!(self.process.is_none(), "the server is already running");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the server log");
        let mut child = self
            .command()
            .arg(self.command)
            .arg("--data")
            .arg(&self.data)
            .args(crate::backend::storage_args(&self.data))
            .args(["--listen", &self.listen])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start stairwell serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("the server's stdout"));
        // `serve` announces its address first; `demo` after its banner.
        let mut line = String::new();
        self.banner.clear();
        for _ in 0..200 {
            line.clear();
            let read = stdout
                .read_line(&mut line)
                .expect("read the server's stdout");
            if read == 0 || line.starts_with("listening on ") {
                break;
            }
            self.banner.push_str(&line);
        }
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not start (first line {line:?}); its log:\n{}",
                self.log_tail(40)
            );
        };
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "{url}"
        );
        self.url = url.to_owned();
        self.process = Some(Process {
            child,
            _stdout: stdout,
        });
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`; a new one after a restart.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the process printed before its address: the demo's banner.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    pub fn data(&self) -> &Path {
        &self.data
    }

    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }

    /// The process id of the running server, to read its `/proc` figures.
    /// The running server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let pid = self.pid().expect("the server is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|process| process.child.id())
    }

    /// Whether the server process ended by itself (crashed): its exit
    /// status, reaped; `None` while it runs or after a kill or stop.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        let process = self.process.as_mut()?;
        let status = process.child.try_wait().expect("poll the server")?;
        self.process = None;
        Some(status)
    }

    /// SIGKILL: no shutdown, no flushing, nothing the server could finish.
    pub fn kill(&mut self) {
        let mut process = self.process.take().expect("the server is running");
        process.child.kill().expect("SIGKILL the server");
        let status = process.child.wait().expect("wait for the server");
        assert!(!status.success(), "a killed server exits by its signal");
        self.note(&format!("test: SIGKILL ({status})"));
    }

    /// Sends `signal` to the running server (SIGHUP: reload the certificate).
    pub fn signal(&self, signal: rustix::process::Signal) {
        let process = self.process.as_ref().expect("the server is running");
        let pid = rustix::process::Pid::from_child(&process.child);
        rustix::process::kill_process(pid, signal).expect("signal the server");
    }

    /// SIGTERM, then waits for the server to drain and exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut process = self.process.take().expect("the server is running");
        let pid = rustix::process::Pid::from_child(&process.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
        let status = process.child.wait().expect("wait for the server");
        self.note(&format!("test: stopped ({status})"));
        status
    }

    /// Starts the server again on the same data directory and arguments.
    pub fn restart(&mut self) {
        self.spawn();
        self.note(&format!("test: restarted at {}", self.url));
    }

    /// The last `lines` lines of the server's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Marks a moment in the server's log, to read it beside the test.
    fn note(&self, what: &str) {
        if let Ok(mut log) = OpenOptions::new().append(true).open(&self.log) {
            let _ = writeln!(log, "----- {what}");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- last lines of the server log {}:\n{}",
                self.log.display(),
                self.log_tail(30)
            );
        }
    }
}

/// A temporary folder with a server's data directory, its running server
/// and the store files of the devices made for it. Estates `e1` and `e2`
/// exist from the start.
#[derive(Debug)]
pub struct Site {
    pub server: Server,
    dir: TempDir,
}

impl Site {
    pub fn new() -> Site {
        Site::with_args(&[])
    }

    /// A site whose server runs with extra `serve` arguments (limits).
    pub fn with_args(args: &[&str]) -> Site {
        let dir = temp_dir();
        let data = dir.path().join("data");
        add_estate(&data, ESTATE, "East Garden");
        add_estate(&data, OTHER_ESTATE, "West Court");
        let server = Server::start(&data, args);
        Site { server, dir }
    }

    /// The site's folder: the data directory and the store files live here.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn data(&self) -> &Path {
        self.server.data()
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// Adds a user through `stairwell admin user add`.
    pub fn add_user(&self, id: &str, role: Role, estates: &[&str]) {
        add_user(self.data(), id, role, estates);
    }

    /// Issues a device for `user` without enrolling anything.
    pub fn issue(&self, user: &str) -> Issued {
        issue(self.data(), user)
    }

    /// Issues a device for `user` and enrolls a new store file with it.
    pub fn device(&self, user: &str) -> Device {
        let issued = self.issue(user);
        let path = self.dir().join(format!("{}.db", issued.device_id));
        Device::enroll(&path, self.url(), &issued.token).expect("enroll a device")
    }

    /// Revokes a device through `stairwell admin device revoke`.
    pub fn revoke(&self, device_id: &str) {
        admin(self.data(), &["device", "revoke", device_id]);
    }
}

impl Default for Site {
    fn default() -> Self {
        Site::new()
    }
}

/// A temporary folder for a site: in memory (`/dev/shm`) where there is
/// one, since the tests kill processes, never machines, and every store
/// commit's fsync would otherwise cost a disk write; `STAIRWELL_TEST_TMP`
/// chooses another place.
fn temp_dir() -> TempDir {
    let place = std::env::var_os("STAIRWELL_TEST_TMP")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|shm| shm.is_dir()));
    match place {
        Some(place) => tempfile::Builder::new()
            .prefix("stairwell-e2e-")
            .tempdir_in(place)
            .expect("a temporary folder"),
        None => tempfile::tempdir().expect("a temporary folder"),
    }
}

/// Copies a folder with everything in it: a data directory, taken while no
/// process has it open, is a snapshot to start other servers from.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy's folder");
    for entry in fs::read_dir(from).expect("read the folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("the entry's type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}
