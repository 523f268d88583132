//! Shared by the console tests: the real `stairwell demo` on an ephemeral
//! loopback port (the one [`crate::Server`], in its demo mode) (the demo estate, its users with the demo password, their
//! device tokens), a small cookie-keeping HTTP client that does not follow
//! redirects, and field devices (the core's offline store and HTTP sync).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::server::Server;

use stairwell_core::record::{Editor, RecordId};
use stairwell_core::store::Store;
use stairwell_core::sync::http;

pub const ESTATE: &str = "east-court";
pub const PASSWORD: &str = "demo";

/// A real 1 × 1 PNG: what a desk uploads as a signature image.
pub const SIGNATURE_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `stairwell demo` on 127.0.0.1:0, killed when dropped.
#[derive(Debug)]
pub struct Demo {
    pub data: PathBuf,
    pub url: String,
    pub server: Server,
    pub dir: tempfile::TempDir,
}

impl Demo {
    pub fn start() -> Demo {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("demo");
        let server = Server::demo(&data);
        Demo {
            url: server.url().to_owned(),
            data,
            server,
            dir,
        }
    }

    /// The device token the demo issued to `user`.
    pub fn token(&self, user: &str) -> String {
        let tokens = std::fs::read_to_string(self.data.join("tokens.txt")).expect("tokens.txt");
        tokens
            .lines()
            .filter(|line| !line.starts_with('#'))
            .find_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (fields.first() == Some(&user)).then(|| fields[3].to_owned())
            })
            .unwrap_or_else(|| panic!("no token for {user}"))
    }

    /// Runs `stairwell admin --data DATA ARGS…` with `stdin`, must succeed.
    pub fn admin(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out) = admin(&self.data, args, stdin);
        assert!(ok, "admin {args:?} failed: {out}");
        out
    }

    /// How many records the server stores.
    pub fn record_count(&self) -> i64 {
        crate::backend::count(&self.data, "SELECT count(*) FROM records")
    }
}

/// Runs the admin command line; whether it succeeded and what it said.
pub fn admin(data: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(crate::server::binary())
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(crate::backend::storage_args(data))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stairwell admin");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    /// The Content-Security-Policy header, empty when absent.
    pub csp: String,
    pub body: String,
}

/// An HTTP client that keeps cookies and never follows redirects.
#[derive(Debug)]
pub struct Web {
    pub url: String,
    agent: ureq::Agent,
    pub cookies: HashMap<String, String>,
}

impl Web {
    pub fn new(url: &str) -> Web {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build()
            .into();
        Web {
            url: url.to_owned(),
            agent,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Answer {
        let headers = response.headers();
        let set_cookies: Vec<String> = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
        let location = headers
            .get("location")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let csp = headers
            .get("content-security-policy")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            location,
            set_cookies,
            content_type,
            csp,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> Answer {
        let response = self
            .agent
            .get(format!("{}{path}", self.url))
            .header("Cookie", self.cookie_header())
            .header("Accept-Language", "en-US,en;q=0.9")
            .call()
            .expect("GET");
        self.keep(response)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Cookie", self.cookie_header())
            .send_form(form.iter().copied())
            .expect("POST");
        self.keep(response)
    }

    /// POSTs a `multipart/form-data` form, as a browser sends one with a
    /// file input: text `fields`, and `files` as (name, file name, bytes).
    pub fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        let boundary = "----stairwell-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                     filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let response = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Cookie", self.cookie_header())
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..])
            .expect("POST");
        self.keep(response)
    }

    /// Signs in through the form; the answer to the POST.
    pub fn login(&mut self, user: &str, password: &str) -> Answer {
        let form = self.get("/login");
        assert_eq!(form.status, 200);
        let token = hidden(&form.body, "login_token");
        self.post(
            "/login",
            &[
                ("login_token", &token),
                ("user", user),
                ("password", password),
                ("next", "/"),
            ],
        )
    }

    /// The session's CSRF token, read from a page's forms.
    pub fn csrf(&mut self) -> String {
        let page = self.get("/");
        assert_eq!(page.status, 200, "signed in");
        hidden(&page.body, "csrf")
    }
}

/// The value of the first hidden field `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in the page"))
        + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

/// A field device: the core's offline store, enrolled with a demo token.
pub struct Phone {
    pub store: Store,
    pub editor: Editor,
    url: String,
    token: String,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("editor", &self.editor)
            .finish()
    }
}

impl Phone {
    pub fn enroll(url: &str, token: &str) -> Phone {
        let mut store = Store::open_in_memory().expect("store");
        let identity = http::enroll(&mut store, url, token, None).expect("enroll");
        Phone {
            store,
            editor: Editor::new(identity.user, identity.device, identity.role),
            url: url.to_owned(),
            token: token.to_owned(),
        }
    }

    /// Syncs; nothing may be refused.
    pub fn sync(&mut self) {
        let stats = http::sync(&mut self.store, &self.url, &self.token, |_| true).expect("sync");
        assert!(stats.refused.is_empty(), "refused: {:?}", stats.refused);
        let blobs =
            http::upload_blobs(&mut self.store, &self.url, &self.token, |_| true).expect("blobs");
        assert!(
            blobs.refused.is_empty(),
            "blobs refused: {:?}",
            blobs.refused
        );
    }

    pub fn insert(&mut self, doc: &stairwell_core::record::RecordDoc) -> RecordId {
        self.store.insert(doc).expect("insert");
        doc.id()
    }
}
