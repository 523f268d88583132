//! The office console in a real headless Chromium, driven over WebDriver
//! (chromedriver on a loopback port, `fantoccini`), against the real
//! `stairwell demo`: sign in, watch a repair sheet synced by a field device
//! appear on Today within 2 s without a reload, open a record with a
//! conflict and resolve it, switch the language, fetch a CSV export with
//! the page's session, and save screenshots to
//! `target/console-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `scripts/test-all`
//! installs them. Without them this test fails, saying so.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use stairwell_core::kinds::repair_sheet::{Amendment, Intake, RepairSheet};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_tests::console::{Demo, PASSWORD, Phone};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, and every browser it started, ended when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(log: &Path) -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: the console's browser test needs Debian's chromium and \
                 chromium-driver. Run scripts/test-all, which installs them \
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

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn shot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn script(client: &Client, code: &str) -> Value {
    client.execute(code, vec![]).await.expect(code)
}

/// Polls `code` (a script returning true or false) until true or `limit`.
async fn until(client: &Client, code: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if script(client, code).await == Value::Bool(true) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

async fn text(client: &Client) -> String {
    script(client, "return document.body.innerText;")
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Twenty clicks through the navigation, then two steps back: pages left
/// behind sit in the back-forward cache, and a live page's event stream
/// must not keep holding one of the browser's 6 connections to the server
/// (which froze every click from the sixth page on). Each page is in under
/// a second, and a live page shown again has its stream open again.
async fn twenty_pages(client: &Client) {
    let tour = [
        "coverage",
        "today",
        "callbacks",
        "today",
        "monthly",
        "today",
        "duty",
        "today",
    ];
    for (n, page) in tour.iter().cycle().take(20).enumerate() {
        let started = Instant::now();
        client
            .find(Locator::Id(&format!("nav-{page}")))
            .await
            .expect("a navigation link")
            .click()
            .await
            .expect("click");
        let path = if *page == "today" {
            "/".to_owned()
        } else {
            format!("/{page}")
        };
        let loaded = format!(
            "return location.pathname === {} && document.readyState === 'complete';",
            json!(path)
        );
        until(client, &loaded, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("page {n} ({page}) did not load within 5 s"));
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "page {n} ({page}) took {took:?}"
        );
    }
    for n in 0..2 {
        let started = Instant::now();
        client.back().await.expect("back");
        until(
            client,
            "return document.readyState === 'complete';",
            Duration::from_secs(5),
        )
        .await
        .unwrap_or_else(|| panic!("back {n} did not load within 5 s"));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "back {n} took {took:?}");
    }
    // Two steps back from Today is Today again: live, its stream open.
    until(
        client,
        "return location.pathname === '/' && document.body.dataset.connected === '1';",
        Duration::from_secs(5),
    )
    .await
    .expect("the page shown again has its stream open");
}

fn new_sheet(phone: &Phone, problem: &str) -> RepairSheet {
    let now = Utc::now();
    let intake = Intake {
        resident_name: "测试 Test".into(),
        unit: "B2-0707".into(),
        phone: "138 0000 0707".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::ExtraUrgent,
        appointment: None,
    };
    RepairSheet::open(&phone.editor, now, "east-court", intake, now, None).expect("open a sheet")
}

fn amend_phone(phone: &mut Phone, id: stairwell_core::record::RecordId, number: &str) {
    let editor = phone.editor.clone();
    phone
        .store
        .update(id, |record| {
            record
                .repair_sheet()?
                .amend(&editor, Utc::now(), Amendment::Phone(number.to_owned()))
        })
        .expect("amend");
}

/// The whole test may take this long; a hang fails it instead of CI.
const TEST_LIMIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_real_browser() {
    let started = Instant::now();
    let run = tokio::time::timeout(TEST_LIMIT, browse());
    if run.await.is_err() {
        panic!(
            "the browser test did not finish within {TEST_LIMIT:?} (started {:?} ago)",
            started.elapsed()
        );
    }
}

fn step(what: &str) {
    eprintln!("[console_browser] {what}");
}

async fn browse() {
    step("starting the demo");
    let demo = tokio::task::block_in_place(Demo::start);
    let shots = screenshots_dir();
    let profile = tempfile::tempdir().expect("profile dir");
    step("starting chromedriver");
    let driver = Driver::start(&demo.dir.path().join("chromedriver.log"));

    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--lang=en-US",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    step("opening a WebDriver session");
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session");
    // The viewport, not the window, is 1280 × 900: screenshots are that.
    client
        .set_window_size(1280, 900)
        .await
        .expect("window size");
    client.goto("about:blank").await.expect("blank");
    let frame = script(
        &client,
        "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
    )
    .await;
    let extra = |index: usize| {
        frame[index]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0)
    };
    client
        .set_window_size(1280 + extra(0), 900 + extra(1))
        .await
        .expect("window size");
    let url = demo.url.clone();

    step("signing in");
    // Sign in.
    client.goto(&format!("{url}/")).await.expect("open");
    assert!(
        client
            .current_url()
            .await
            .expect("url")
            .path()
            .starts_with("/login")
    );
    client
        .find(Locator::Css("#user"))
        .await
        .expect("user field")
        .send_keys("zhou.office")
        .await
        .expect("type");
    client
        .find(Locator::Css("#password"))
        .await
        .expect("password field")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    client
        .find(Locator::Css("#sign-in"))
        .await
        .expect("button")
        .click()
        .await
        .expect("sign in");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#today"))
        .await
        .expect("the Today page");
    assert!(text(&client).await.contains("Today"));
    let viewport = script(&client, "return [window.innerWidth, window.innerHeight];").await;
    assert_eq!(viewport, json!([1280, 900]), "the viewport");
    shot(&client, &shots, "today").await;

    step("live update");
    // A field device syncs a new sheet: it shows within 2 s, no reload.
    until(
        &client,
        "return document.body.dataset.connected === '1';",
        Duration::from_secs(10),
    )
    .await
    .expect("the page's event stream opened");
    script(&client, "window.__notReloaded = 42; return true;").await;
    let problem = format!("Live test: lift button stuck {}", std::process::id());
    let (mut desk, id) = tokio::task::block_in_place(|| {
        let mut desk = Phone::enroll(&url, &demo.token("lin.desk"));
        let sheet = new_sheet(&desk, &problem);
        let id = desk.insert(sheet.doc());
        desk.sync();
        (desk, id)
    });
    let synced = Instant::now();
    let check = format!(
        "return document.getElementById('today').innerText.includes({});",
        json!(problem)
    );
    let shown = until(&client, &check, Duration::from_secs(2)).await;
    assert!(
        shown.is_some(),
        "the synced sheet did not show within 2 s of the sync ({:?})",
        synced.elapsed()
    );
    assert_eq!(
        script(&client, "return window.__notReloaded;").await,
        json!(42),
        "the page was not reloaded"
    );
    shot(&client, &shots, "today-live").await;

    step("twenty pages in a row");
    twenty_pages(&client).await;

    step("conflict");
    // Two desks correct the resident's phone at once: a conflict.
    tokio::task::block_in_place(|| {
        let mut night = Phone::enroll(&url, &demo.token("he.desk"));
        night.sync();
        amend_phone(&mut desk, id, "138 1111 1111");
        amend_phone(&mut night, id, "139 2222 2222");
        desk.sync();
        night.sync();
    });
    client
        .goto(&format!("{url}/records/{id}"))
        .await
        .expect("the record");
    let buttons = client
        .find_all(Locator::Css("button.resolve"))
        .await
        .expect("resolve buttons");
    assert_eq!(buttons.len(), 2, "one button per competing value");
    let page = text(&client).await;
    assert!(page.contains("138 1111 1111") && page.contains("139 2222 2222"));
    assert!(page.contains("Device time") && page.contains("Server received"));
    shot(&client, &shots, "record-conflict").await;
    buttons[1].clone().click().await.expect("resolve");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#no-conflicts"))
        .await
        .expect("the conflict is resolved");
    let page = text(&client).await;
    assert!(
        page.contains("console-zhou.office"),
        "resolved by the signed-in user"
    );
    shot(&client, &shots, "record-resolved").await;
    // The resolution reaches devices like any change.
    let resolved = tokio::task::block_in_place(|| {
        desk.sync();
        desk.store
            .load(id)
            .expect("load")
            .expect("held")
            .doc()
            .conflicts()
    });
    assert!(resolved.is_empty(), "the device sees the conflict resolved");

    step("language");
    // Chinese, then English again.
    client.goto(&format!("{url}/")).await.expect("today");
    client
        .find(Locator::Css("#lang-zh"))
        .await
        .expect("the Chinese switch")
        .click()
        .await
        .expect("switch");
    until(
        &client,
        "return document.documentElement.lang === 'zh-CN';",
        Duration::from_secs(5),
    )
    .await
    .expect("a Chinese page");
    let page = text(&client).await;
    assert!(page.contains("今日待办"), "Chinese navigation");
    assert!(page.contains("退出"));
    shot(&client, &shots, "today-zh").await;
    client
        .find(Locator::Css("#lang-en"))
        .await
        .expect("the English switch")
        .click()
        .await
        .expect("switch");
    until(
        &client,
        "return document.documentElement.lang === 'en';",
        Duration::from_secs(5),
    )
    .await
    .expect("an English page");
    let page = text(&client).await;
    assert!(page.contains("Sign out") && !page.contains("今日待办"));

    step("monthly and CSV");
    // The monthly report, its charts, and a CSV fetched with the session.
    client
        .goto(&format!("{url}/monthly"))
        .await
        .expect("monthly");
    client
        .find(Locator::Css("svg#chart-callbacks"))
        .await
        .expect("an SVG chart");
    shot(&client, &shots, "monthly").await;
    let csv = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('export-callbacks').href, {credentials: 'same-origin'})
               .then(r => r.text()).then(done, e => done('failed: ' + e));",
            vec![],
        )
        .await
        .expect("fetch the CSV");
    let csv = csv.as_str().unwrap_or("");
    assert_eq!(
        csv.lines().next(),
        Some("estate,month,measure,called_back,cases,rate_percent,target_percent,met,rule"),
        "{csv}"
    );
    assert!(csv.contains("repair_callbacks"));

    for (path, name, marker) in [
        ("/coverage", "coverage", "#coverage-grid"),
        ("/callbacks", "callbacks", "#callbacks-due"),
        ("/duty", "duty", "#duty-counts"),
    ] {
        client.goto(&format!("{url}{path}")).await.expect(path);
        client
            .find(Locator::Css(marker))
            .await
            .unwrap_or_else(|_| panic!("{path} shows {marker}"));
        shot(&client, &shots, name).await;
    }

    step("sign out");
    // Signing out in the browser ends the session.
    client
        .find(Locator::Css("#logout"))
        .await
        .expect("sign-out button")
        .click()
        .await
        .expect("sign out");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#login-form"))
        .await
        .expect("back to the sign-in form");
    client.close().await.expect("close the browser");
    drop(driver);
}
