//! The anchor: the same cold push and cold pull of small documents through
//! automerge-repo's Node sync server, run beside Stairwell's on the same
//! machine, so the figures have something well known to stand next to.
//!
//! The bench installs the packages with npm into a temporary folder, starts
//! a sync server on a loopback port (the few lines of
//! `@automerge/automerge-repo-sync-server`'s own `Server`: a `Repo` with the
//! Node file-system storage and the WebSocket server adapter, share policy
//! off, but listening on 127.0.0.1 only), and runs a Node client that
//! creates N small documents and waits until the server's sync state says
//! it has every one (cold push), then a fresh client that finds them all by
//! URL and waits for each to be ready (cold pull). The Node side times
//! itself with `performance.now()`, from its first document to its last,
//! once connected; Stairwell's side times `sync()`, also once enrolled.
//!
//! If npm or node is missing or the registry cannot be reached, the anchor
//! says so and is skipped: no number is made up.

use std::fs;
use std::io::{BufRead, BufReader, Read as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::report::{Report, Target};
use super::scenarios::{SmallRun, small_push_pull};
use super::{Options, fmt_count, fmt_duration, fmt_runs, median};

/// The packages, in the major versions the sync server is built on.
const PACKAGES: &[&str] = &[
    "@automerge/automerge-repo-sync-server@^0.2",
    "@automerge/automerge-repo@^1.2",
    "@automerge/automerge-repo-network-websocket@^1.2",
    "@automerge/automerge-repo-storage-nodefs@^1.2",
    "ws@^8",
];

const NPM_TIMEOUT: Duration = Duration::from_secs(300);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

const SERVER_JS: &str = r#"// The automerge-repo sync server, as @automerge/automerge-repo-sync-server
// builds it, on 127.0.0.1 only. Written by the Stairwell bench.
import http from "node:http"
import fs from "node:fs"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [port, dir] = process.argv.slice(2)
fs.mkdirSync(dir, { recursive: true })
const socket = new WebSocketServer({ noServer: true })
new Repo({
  network: [new NodeWSServerAdapter(socket)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "storage-server-bench",
  sharePolicy: async () => false,
})
const server = http.createServer((req, res) => res.end("automerge-repo sync server\n"))
server.on("upgrade", (request, sock, head) => {
  socket.handleUpgrade(request, sock, head, ws => socket.emit("connection", ws, request))
})
server.listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`))
"#;

const CLIENT_JS: &str = r#"// A client of the automerge-repo sync server: `push URL N FILE` creates N
// small documents and waits until the server has each; `pull URL N FILE`
// finds the documents named in FILE and waits until each is ready.
// Written by the Stairwell bench; prints `push_ms=…` or `pull_ms=… ok=…`.
import fs from "node:fs"
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [mode, url, count, file] = process.argv.slice(2)
const n = Number(count)
const SERVER = "storage-server-bench"
const repo = new Repo({
  network: [new BrowserWebSocketClientAdapter(url)],
  sharePolicy: async () => true,
})
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
let storageId
for (;;) {
  const meta = repo.peerMetadataByPeerId[SERVER]
  if (meta && meta.storageId) { storageId = meta.storageId; break }
  await sleep(2)
}
const same = (a, b) => a && b && a.length === b.length && [...a].sort().join() === [...b].sort().join()

if (mode === "push") {
  const started = performance.now()
  const handles = []
  for (let i = 0; i < n; i++) {
    // About a just-opened Stairwell repair sheet: its header, intake and
    // one event.
    handles.push(repo.create({
      kind: "repair_sheet", schema: 1, id: crypto.randomUUID(), estate: "e1",
      created_at: Date.now(), created_by: "desk",
      resident_name: `李先生 ${i}`, unit: `B2-${i}`, phone: `138 0000 ${String(i).padStart(4, "0")}`,
      problem: "厨房水龙头漏水 / kitchen tap leaking", location: "in_unit",
      on_price_list: true, urgency: "normal", appointment: null,
      events: [{ type: "opened", at: Date.now(), user: "desk", device: "phone-1",
                 data: JSON.stringify({ reported_at: Date.now(), source: null }) }],
    }))
  }
  await Promise.all(handles.map(handle => new Promise(resolve => {
    const check = () => {
      if (same(handle.getRemoteHeads(storageId), handle.heads())) {
        handle.off("remote-heads", check)
        resolve()
      }
    }
    handle.on("remote-heads", check)
    check()
  })))
  const ms = performance.now() - started
  fs.writeFileSync(file, JSON.stringify(handles.map(handle => handle.url)))
  console.log(`push_ms=${ms}`)
} else {
  const urls = JSON.parse(fs.readFileSync(file, "utf8"))
  const started = performance.now()
  const docs = await Promise.all(urls.map(u => repo.find(u).doc()))
  const ms = performance.now() - started
  const ok = docs.filter(doc => doc && doc.kind === "repair_sheet").length
  console.log(`pull_ms=${ms} ok=${ok}`)
}
process.exit(0)
"#;

/// Runs the anchor, or says why it cannot.
pub fn anchor(opts: &Options, report: &mut Report) {
    let n = opts.sizes.anchor_docs;
    let dir = match tempfile::Builder::new()
        .prefix("stairwell-anchor-")
        .tempdir_in(&opts.tmp)
    {
        Ok(dir) => dir,
        Err(err) => {
            report.say(format!("anchor skipped: no temporary folder: {err}"));
            return;
        }
    };
    let node_runs = match prepare(dir.path())
        .and_then(|version| run_node(dir.path(), n, opts.runs).map(|runs| (version, runs)))
    {
        Ok(runs) => runs,
        Err(reason) => {
            report.say(format!(
                "anchor skipped (automerge-repo could not be run, no figures made up): {reason}"
            ));
            return;
        }
    };
    let (version, node) = node_runs;
    let ours: Vec<SmallRun> = (0..opts.runs).map(|_| small_push_pull(opts, n)).collect();

    let scenario = format!("anchor ({} small documents)", fmt_count(n as u64));
    let node_push: Vec<Duration> = node.iter().map(|run| run.0).collect();
    let node_pull: Vec<Duration> = node.iter().map(|run| run.1).collect();
    let our_push: Vec<Duration> = ours.iter().map(|run| run.push).collect();
    let our_pull: Vec<Duration> = ours.iter().map(|run| run.pull).collect();
    for (what, theirs, mine) in [
        ("cold push", &node_push, &our_push),
        ("cold pull", &node_pull, &our_pull),
    ] {
        let (theirs_median, mine_median) = (median(theirs), median(mine));
        report.time(
            &scenario,
            &format!(
                "automerge-repo {version} sync server: {what} (median of {})",
                theirs.len()
            ),
            theirs_median,
            Target::None,
        );
        report.note(fmt_runs(theirs));
        report.time(
            &scenario,
            &format!("Stairwell: {what} (median of {})", mine.len()),
            mine_median,
            Target::None,
        );
        report.note(fmt_runs(mine));
        let ratio = theirs_median.as_secs_f64() / mine_median.as_secs_f64().max(1e-9);
        report.info(
            &scenario,
            &format!("{what}: automerge-repo time / Stairwell time"),
            if ratio >= 1.0 {
                format!("{ratio:.1}× (Stairwell faster)")
            } else {
                format!(
                    "{ratio:.2}× (Stairwell slower, {:.1}× the time)",
                    1.0 / ratio
                )
            },
        );
    }
}

/// Installs the packages; returns automerge-repo's installed version.
fn prepare(dir: &Path) -> Result<String, String> {
    for tool in ["node", "npm"] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .map_err(|err| format!("{tool} is not installed ({err})"))?;
        if !found.status.success() {
            return Err(format!("`{tool} --version` failed"));
        }
    }
    let mut npm = Command::new("npm");
    npm.arg("install")
        .arg("--prefix")
        .arg(dir)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .args(PACKAGES)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = npm
        .spawn()
        .map_err(|err| format!("cannot run npm: {err}"))?;
    let (status, output) =
        wait_with_timeout(child, NPM_TIMEOUT).map_err(|reason| format!("npm install: {reason}"))?;
    if !status {
        return Err(format!(
            "npm install failed (is the registry reachable?): {}",
            last_lines(&output, 6)
        ));
    }
    eprintln!(
        "bench: npm installed automerge-repo in {}",
        fmt_duration(started.elapsed())
    );
    fs::write(dir.join("server.mjs"), SERVER_JS).map_err(|err| err.to_string())?;
    fs::write(dir.join("client.mjs"), CLIENT_JS).map_err(|err| err.to_string())?;
    let manifest =
        fs::read_to_string(dir.join("node_modules/@automerge/automerge-repo/package.json"))
            .map_err(|err| format!("automerge-repo is not in node_modules: {err}"))?;
    let version = manifest
        .lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("\"version\":")?;
            Some(rest.trim().trim_matches([',', '"']).to_owned())
        })
        .unwrap_or_else(|| "?".into());
    Ok(version)
}

/// Starts the sync server and runs the push and pull clients `runs`
/// times; returns each run's (push, pull) time.
fn run_node(dir: &Path, n: usize, runs: usize) -> Result<Vec<(Duration, Duration)>, String> {
    let port = {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|err| format!("no free port: {err}"))?;
        listener.local_addr().map_err(|err| err.to_string())?.port()
    };
    let mut server = NodeServer::start(dir, port)?;
    let url = format!("ws://127.0.0.1:{port}");
    let mut results = Vec::new();
    for run in 0..runs {
        let file = dir.join(format!("urls-{run}.json"));
        let push = client(dir, &["push", &url, &n.to_string()], &file)?;
        let push_ms = field(&push, "push_ms")?;
        let pull = client(dir, &["pull", &url, &n.to_string()], &file)?;
        let pull_ms = field(&pull, "pull_ms")?;
        let ok = field(&pull, "ok")?;
        if ok as usize != n {
            return Err(format!("the pull found {ok} of {n} documents"));
        }
        results.push((
            Duration::from_secs_f64(push_ms / 1e3),
            Duration::from_secs_f64(pull_ms / 1e3),
        ));
    }
    server.stop();
    Ok(results)
}

/// The Node sync server process; killed when dropped.
struct NodeServer {
    child: Option<Child>,
}

impl NodeServer {
    fn start(dir: &Path, port: u16) -> Result<NodeServer, String> {
        let mut child = Command::new("node")
            .arg("server.mjs")
            .arg(port.to_string())
            .arg(dir.join("amrg-data"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot start node: {err}"))?;
        let stdout = child.stdout.take().ok_or("no stdout from node")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let mut server = NodeServer { child: Some(child) };
        if read.is_err() || !line.starts_with("listening on") {
            server.stop();
            return Err(format!("the sync server did not start: {line:?}"));
        }
        Ok(server)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn client(dir: &Path, args: &[&str], file: &Path) -> Result<String, String> {
    let child = Command::new("node")
        .arg("client.mjs")
        .args(args)
        .arg(file)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run node: {err}"))?;
    let (ok, output) = wait_with_timeout(child, CLIENT_TIMEOUT)?;
    if !ok {
        return Err(format!(
            "node client.mjs {args:?} failed: {}",
            last_lines(&output, 8)
        ));
    }
    Ok(output)
}

/// `name=VALUE` from a client's output.
fn field(output: &str, name: &str) -> Result<f64, String> {
    output
        .split_whitespace()
        .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| format!("no {name} in the client's output {output:?}"))
}

/// Waits for `child` at most `timeout` (killing it then); returns whether
/// it succeeded and what it printed (stdout, then stderr).
fn wait_with_timeout(mut child: Child, timeout: Duration) -> Result<(bool, String), String> {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let readers = [
        stdout.take().map(|mut out| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = out.read_to_string(&mut text);
                text
            })
        }),
        stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = err.read_to_string(&mut text);
                text
            })
        }),
    ];
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {}", fmt_duration(timeout)));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => return Err(err.to_string()),
        }
    };
    let mut output = String::new();
    for reader in readers.into_iter().flatten() {
        output.push_str(&reader.join().unwrap_or_default());
    }
    Ok((status.success(), output))
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}
