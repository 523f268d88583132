//! A real headless Chromium for the console tests, driven over WebDriver
//! (`fantoccini` speaking to Debian's chromedriver on a loopback port), so
//! that several test files can open the console the way a person does:
//! a viewport of an exact size, a language, a sign-in through the form, and
//! screenshots under `target/console-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `scripts/install-test-deps`
//! (run by `scripts/test-all`) installs them. Without them [`Browser::open`]
//! fails, saying so.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, and every browser it started, ended when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    /// Starts chromedriver on a free loopback port, its output in `log`, and
    /// waits until it answers.
    pub fn start(log: &Path) -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: the console's browser tests need Debian's chromium and \
                 chromium-driver. Run scripts/install-test-deps, which installs them \
                 (or: apt-get install -y chromium chromium-driver)."
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::File::create(log).expect("driver log");
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log));
        // Its own process group, which holds the browsers it starts.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start chromedriver");
        let driver = Driver { child, port };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if agent
                .get(format!("http://127.0.0.1:{port}/status"))
                .call()
                .is_ok_and(|response| response.status() == 200)
            {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not answer on port {port}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The driver's process group holds the browsers it started. (Not
        // the `kill` program: procps-ng 4.0.2 reads `kill -KILL -PGID` as
        // `kill(-1)`, every process on the machine.)
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/console-screenshots/`, created if missing.
pub fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// Saves the viewport as `dir/name.png` (`name` may hold folders).
pub async fn shot(client: &Client, dir: &Path, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = dir.join(format!("{name}.png"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("screenshot folder");
    }
    std::fs::write(&path, png).expect("write screenshot");
    path
}

/// Runs `code` in the page; what it returned.
pub async fn script(client: &Client, code: &str) -> Value {
    client.execute(code, vec![]).await.expect(code)
}

/// Polls `code` (a script returning true or false) until true or `limit`;
/// how long it took.
pub async fn until(client: &Client, code: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if script(client, code).await == Value::Bool(true) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

/// The page's visible text.
pub async fn text(client: &Client) -> String {
    script(client, "return document.body.innerText;")
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// A headless Chromium with its own profile, a viewport of an exact size
/// and a preferred language. Dropping it ends the browser and its driver.
pub struct Browser {
    pub client: Client,
    // Fields drop in order: the session, then the driver (and with it the
    // browser), then the folder holding the profile and the driver's log
    // (`chromedriver.log`).
    driver: Driver,
    dir: tempfile::TempDir,
    shots: PathBuf,
    /// Whether the viewport is an emulated one (see [`Browser::resize`]).
    emulated: AtomicBool,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("driver", &self.driver)
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl Browser {
    /// A browser whose viewport is `width` × `height` and whose language is
    /// `lang` (`en-US` or `zh-CN`): Chromium's `--lang`, and its
    /// `Accept-Language`, which the console follows while no `lang` cookie
    /// says otherwise.
    pub async fn open(width: u32, height: u32, lang: &str) -> Browser {
        let dir = tempfile::tempdir().expect("browser folder");
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).expect("profile folder");
        let driver = Driver::start(&dir.path().join("chromedriver.log"));
        let primary = lang.split('-').next().unwrap_or(lang);
        let accept = if primary == lang {
            lang.to_owned()
        } else {
            format!("{lang},{primary}")
        };
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--lang={lang}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": args,
                "prefs": { "intl.accept_languages": accept },
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a WebDriver session");
        let browser = Browser {
            client,
            driver,
            dir,
            shots: screenshots_dir(),
            emulated: AtomicBool::new(false),
        };
        browser.resize(width, height).await;
        browser
    }

    /// Makes the viewport, not the window, `width` × `height`: screenshots
    /// are that. Leaves the page as it was (`about:blank` when new).
    ///
    /// The window is sized so that its inside is the viewport; a window
    /// cannot be narrower than Chromium allows (500 px headless), so a
    /// narrower viewport (a phone's) is Chromium's own device emulation
    /// (`Emulation.setDeviceMetricsOverride`, desktop-style: the layout is
    /// simply that wide).
    pub async fn resize(&self, width: u32, height: u32) {
        if self.emulated.swap(false, Ordering::Relaxed) {
            self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
                .await;
        }
        self.client
            .set_window_size(width, height)
            .await
            .expect("window size");
        let size = script(
            &self.client,
            "return [window.outerWidth - window.innerWidth, \
             window.outerHeight - window.innerHeight];",
        )
        .await;
        let extra = |index: usize| {
            size[index]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        if extra(0) > 0 || extra(1) > 0 {
            self.client
                .set_window_size(width + extra(0), height + extra(1))
                .await
                .expect("window size");
        }
        let expected = json!([width, height]);
        let viewport = || {
            script(
                &self.client,
                "return [window.innerWidth, window.innerHeight];",
            )
        };
        if viewport().await != expected {
            self.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({
                    "width": width,
                    "height": height,
                    "deviceScaleFactor": 1,
                    "mobile": false,
                }),
            )
            .await;
            self.emulated.store(true, Ordering::Relaxed);
        }
        assert_eq!(viewport().await, expected, "the viewport");
    }

    /// Runs a DevTools command through chromedriver's
    /// `/session/{id}/goog/cdp/execute`.
    async fn cdp(&self, command: &str, params: Value) -> Value {
        let session = self
            .client
            .session_id()
            .await
            .expect("the session's id")
            .expect("a session");
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
            self.driver.port
        );
        let body = json!({ "cmd": command, "params": params });
        let answer = tokio::task::spawn_blocking(move || {
            agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .and_then(|mut response| response.body_mut().read_to_string())
        })
        .await
        .expect("the DevTools request")
        .unwrap_or_else(|err| panic!("{command}: {err}"));
        let answer: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|err| panic!("{command}: {err}: {answer}"));
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect(url);
    }

    /// Signs in through the form at `url/login` and waits for Today.
    pub async fn sign_in(&self, url: &str, user: &str, password: &str) {
        self.goto(&format!("{url}/login")).await;
        for (field, value) in [("#user", user), ("#password", password)] {
            let input = self
                .client
                .find(Locator::Css(field))
                .await
                .unwrap_or_else(|_| panic!("the sign-in form's {field}"));
            input.clear().await.expect("clear");
            input.send_keys(value).await.expect("type");
        }
        self.client
            .find(Locator::Css("#sign-in"))
            .await
            .expect("the sign-in button")
            .click()
            .await
            .expect("sign in");
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#today"))
            .await
            .unwrap_or_else(|_| panic!("signed in as {user}: the Today page"));
    }

    /// Saves the viewport as `target/console-screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) -> PathBuf {
        shot(&self.client, &self.shots, name).await
    }

    pub async fn script(&self, code: &str) -> Value {
        script(&self.client, code).await
    }

    pub async fn until(&self, code: &str, limit: Duration) -> Option<Duration> {
        until(&self.client, code, limit).await
    }

    pub async fn text(&self) -> String {
        text(&self.client).await
    }

    /// Ends the WebDriver session, then the browser.
    pub async fn close(self) {
        let Browser { client, driver, .. } = self;
        client.close().await.expect("close the browser");
        drop(driver);
    }
}
