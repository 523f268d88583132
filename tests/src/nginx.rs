//! Debian's nginx, run by a test on a loopback port in its own process
//! group (killed with it, never through the `kill` program), as a company
//! would put it in front of Stairwell: terminating TLS for one server
//! (`tests/tls.rs`), or balancing over several replicas (round robin, or
//! each client to one replica) and passing a request on to the next when
//! one is down (`tests/replicas.rs`, the bench's replicas).
//! Its `location` block is the one the README gives.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NGINX: &str = "/usr/sbin/nginx";

/// What the proxy listens with.
#[derive(Debug, Clone)]
pub enum Front {
    /// https with this certificate chain and key (PEM files).
    Tls { cert: PathBuf, key: PathBuf },
    /// Plain http.
    Plain,
}

/// How the proxy spreads requests over several upstreams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// Each request to the next replica: every request may meet a replica
    /// whose cache is stale (the hardest case, for the fault test).
    RoundRobin,
    /// Each client (its device token, or its console session) to the same
    /// replica while that one is up: what the README recommends.
    ByClient,
}

#[derive(Debug)]
pub struct Nginx {
    child: Child,
    pub port: u16,
}

impl Nginx {
    /// Starts nginx in `dir/nginx` in front of `upstreams` (`host:port`).
    /// With several, a request that cannot reach one (refused, reset,
    /// 502/503) goes on to the next, whatever its method: a sync or a
    /// chunk sent twice is stored once.
    pub fn start(dir: &Path, front: &Front, upstreams: &[String], balance: Balance) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: the reverse-proxy tests need Debian's nginx \
             (scripts/install-test-deps installs it)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let root = dir.join("nginx");
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"] {
            std::fs::create_dir_all(root.join(sub)).expect("nginx dirs");
        }
        let conf = root.join("nginx.conf");
        std::fs::write(&conf, config(&root, port, front, upstreams, balance)).expect("nginx.conf");
        let mut command = Command::new(NGINX);
        command
            .arg("-p")
            .arg(&root)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(root.join("logs/startup.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start nginx");
        let nginx = Nginx { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return nginx;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "nginx did not listen on {port}: {}",
            std::fs::read_to_string(root.join("logs/error.log")).unwrap_or_default()
        );
    }
}

fn config(root: &Path, port: u16, front: &Front, upstreams: &[String], balance: Balance) -> String {
    // Workers of a root master would run as nobody: keep them root so
    // they can read the test's temporary files.
    let user = if rustix::process::geteuid().is_root() {
        "user root;"
    } else {
        ""
    };
    let (listen, tls, proto) = match front {
        Front::Tls { cert, key } => (
            format!("{port} ssl"),
            format!(
                "ssl_certificate {};\n    ssl_certificate_key {};\n",
                cert.display(),
                key.display()
            ),
            "https",
        ),
        Front::Plain => (port.to_string(), String::new(), "http"),
    };
    let hash = match balance {
        Balance::RoundRobin => "",
        Balance::ByClient => "    hash \"$http_authorization$cookie_sw_session\" consistent;\n",
    };
    // max_fails=0: a replica that was down is tried again at once, not
    // shunned for ten seconds.
    let servers: String = upstreams
        .iter()
        .map(|upstream| {
            format!(
                "    server {} max_fails=0;\n",
                upstream.trim_start_matches("http://")
            )
        })
        .collect();
    format!(
        "{user}\ndaemon off;\nworker_processes 1;\npid {root}/nginx.pid;\n\
         error_log {root}/logs/error.log info;\nevents {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {root}/body;\n\
           proxy_temp_path {root}/proxy;\n  fastcgi_temp_path {root}/fastcgi;\n\
           uwsgi_temp_path {root}/uwsgi;\n  scgi_temp_path {root}/scgi;\n\
           client_max_body_size 64m;\n\
           map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
           upstream stairwell {{\n{hash}{servers}  }}\n\
           server {{\n    listen 127.0.0.1:{listen};\n    {tls}\
             location / {{\n      proxy_pass http://stairwell;\n\
               proxy_next_upstream error timeout http_502 http_503 non_idempotent;\n\
               proxy_http_version 1.1;\n      proxy_set_header Host $http_host;\n\
               proxy_set_header Upgrade $http_upgrade;\n\
               proxy_set_header Connection $connection_upgrade;\n\
               proxy_set_header X-Forwarded-Proto {proto};\n\
               proxy_set_header X-Forwarded-For $remote_addr;\n\
               proxy_read_timeout 1h;\n      proxy_buffering off;\n    }}\n  }}\n}}\n",
        root = root.display(),
    )
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }
}
