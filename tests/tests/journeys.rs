//! A real day per role, end to end: the field command line as each
//! person's phone, the office console in a real headless Chromium, each
//! journey against its own server (`api::world`: estate `e1`, front desk
//! `lin`, supervisor `chen`, patrol officer `li`, technician `wang`).
//! After every step the test asserts what the person sees: the text of the
//! page (reloaded, as a person would) or what the command line printed,
//! never the server's internals.
//!
//! 1. A technician's day: the desk opens a sheet off the price list and
//!    dispatches it, the supervisor quotes it in the browser, the technician
//!    works it to the hand-back on the phone (fee lines, a photo and the
//!    resident's signature, real images), the supervisor's record page
//!    follows every step and the supervisor confirms the return.
//! 2. A patrol round with findings, in Chinese on a phone-wide browser: the
//!    supervisor's route, the officer's check-ins (the next checkpoint, the
//!    skipped, the out-of-order warning), a finding with a photo, a repair
//!    sheet opened from it with nothing typed but where and how urgent, the
//!    missed checkpoints; then the round page, the repair page and the
//!    coverage page as the supervisor reads them.
//! 3. A front desk's day: a repair opened and dispatched in the browser,
//!    Today naming the technician, a callback in person with the resident's
//!    signature uploaded, the duty log written, a handover refused then
//!    made with both signatures, the follow-up closed, the supervisor's
//!    sign-off, and the desk's phone holding the same log.
//! 4. A manager's month-end report: the monthly figures, their CSV, the
//!    callbacks due, and an office user offered no form and refused a
//!    crafted one.
//!
//! What does not work as a person would expect, where there is another
//! way to the same step (a form found by its action rather than its
//! class, a reload where the live page should have shown it), is noted and
//! the journey goes on that way; it fails at its end with every such
//! problem, so one run reports them all.
//!
//! Screenshots of each journey's end: `target/console-screenshots/journeys/`.
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/install-test-deps`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::Locator;
use serde_json::{Value, json};
use stairwell_core::record::Role;
use stairwell_tests::api::{World, issue, world};
use stairwell_tests::browser::Browser;
use stairwell_tests::console::admin;
use stairwell_tests::field_cli::{enroll, field, field_error, field_told, json};

const PASSWORD: &str = "journey-pass";
/// One journey may take this long; a hang fails it instead of CI.
const JOURNEY_LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------
// Images: real PNGs, each different (a photo and every signature has its
// own hash).

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// An RGB PNG of `width` × `height` whose pixels `pixel` paints, its
/// image data stored uncompressed (a valid zlib stream of stored blocks).
fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // no filter
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(index + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("a stored block");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", header.as_slice()),
        (b"IDAT", zlib.as_slice()),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&u32::try_from(data.len()).expect("chunk").to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

/// A "photo": a sky-to-ground gradient with a door-like block, tinted by
/// `seed`.
fn photo_png(seed: u8) -> Vec<u8> {
    png(200, 150, |x, y| {
        let door = (80..120).contains(&x) && (40..140).contains(&y);
        if door {
            [120, 70 + seed / 4, 30]
        } else {
            let shade = u8::try_from(y * 255 / 150).unwrap_or(255);
            [shade / 2 + seed / 3, 160 - shade / 3, 255 - shade / 2]
        }
    })
}

/// A "signature": a dark wavy stroke on white; `seed` shapes the wave.
fn signature_png(seed: u32) -> Vec<u8> {
    png(240, 80, |x, y| {
        let phase = f64::from(x) / f64::from(10 + seed % 7);
        let amplitude = 18.0 + f64::from(seed % 5) * 3.0;
        let line = 40.0 + amplitude * phase.sin();
        if (f64::from(y) - line).abs() < 2.5 && x > 10 && x < 230 {
            [20, 20, 70]
        } else {
            [255, 255, 255]
        }
    })
}

/// Writes `bytes` to `dir/name`; its absolute path.
fn image_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write an image");
    path.canonicalize().expect("an absolute path")
}

// ---------------------------------------------------------------------------
// The phones: the field command line, run off the async workers.

fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}

/// A field command that must succeed; its output.
fn cli(store: &Path, args: &[&str]) -> String {
    blocking(|| field(store, args))
}

fn cli_json(store: &Path, args: &[&str]) -> Value {
    blocking(|| json(store, args))
}

fn sync(store: &Path) {
    let said = cli(store, &["sync"]);
    assert!(!said.is_empty(), "sync says what it did");
}

/// `attach FILE`: the hash it prints.
fn attach(store: &Path, file: &Path) -> String {
    let hash = cli(store, &["attach", &file.display().to_string()]);
    assert!(
        hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "attach prints the image's hash: {hash:?}"
    );
    hash
}

/// The row `list --json` shows for `id`.
fn listed(store: &Path, id: &str) -> Value {
    let rows = cli_json(store, &["list", "--json"]);
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} is not listed on the phone: {rows:#}"))
}

fn set_password(world: &World, user: &str) {
    let (ok, said) = admin(
        &world.data,
        &["user", "password", user, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{said}");
}

/// A desk opens a sheet on its phone; its id.
fn open_sheet(store: &Path, problem: &str, urgency: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "repair",
        "open",
        "--resident",
        "李先生",
        "--unit",
        "B2-1203",
        "--phone",
        "138 0000 1234",
        "--problem",
        problem,
        "--location",
        "in-unit",
        "--urgency",
        urgency,
    ];
    args.extend_from_slice(extra);
    cli(store, &args)
}

/// The technician works a dispatched sheet on the price list through to
/// the hand-back, the resident signing `signature`, syncing before and
/// after.
fn work_to_hand_back(tech: &Path, id: &str, signature: &str) {
    sync(tech);
    cli(tech, &["repair", "arrive", id]);
    cli(
        tech,
        &[
            "repair",
            "confirm-items",
            id,
            "--item",
            "kitchen tap",
            "--fee-standard",
            "price list 3.2",
        ],
    );
    cli(tech, &["repair", "agree", id]);
    cli(
        tech,
        &[
            "repair",
            "complete",
            id,
            "--item",
            "kitchen tap",
            "--signature",
            signature,
            "--signer",
            "李先生",
            "--satisfaction",
            "satisfied",
        ],
    );
    cli(tech, &["repair", "hand-back", id]);
    sync(tech);
}

// ---------------------------------------------------------------------------
// The console: one headless Chromium, driven as a person would.

struct Console {
    browser: Browser,
    url: String,
    journey: &'static str,
    started: Instant,
    /// What did not work as a person would expect but let the journey go
    /// on (another way to the same step); the journey fails with them all
    /// at its end.
    problems: std::sync::Mutex<Vec<String>>,
}

impl Console {
    async fn open(
        world: &World,
        journey: &'static str,
        (width, height): (u32, u32),
        lang: &str,
    ) -> Console {
        let browser = Browser::open(width, height, lang).await;
        Console {
            browser,
            url: world.client().url.clone(),
            journey,
            started: Instant::now(),
            problems: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Notes a problem; the journey goes on and fails at its end.
    fn note(&self, problem: String) {
        eprintln!("[journeys] {} PROBLEM: {problem}", self.journey);
        if let Ok(mut problems) = self.problems.lock() {
            problems.push(problem);
        }
    }

    fn step(&self, what: &str) {
        eprintln!(
            "[journeys] {} {:>6.1}s {what}",
            self.journey,
            self.started.elapsed().as_secs_f64()
        );
    }

    async fn sign_in(&self, user: &str) {
        self.browser.sign_in(&self.url, user, PASSWORD).await;
    }

    async fn sign_out(&self) {
        self.submit("#logout").await;
        assert!(
            self.has("#login-form").await,
            "signed out: the sign-in form"
        );
    }

    async fn script(&self, code: &str) -> Value {
        self.browser.script(code).await
    }

    /// Polls `code` until it returns true; errors while a page loads are
    /// only a reason to ask again.
    async fn wait_true(&self, code: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Value::Bool(true)) = self.browser.client.execute(code, vec![]).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        false
    }

    /// Opens `path` and waits for `marker`.
    async fn visit(&self, path: &str, marker: &str) {
        self.browser.goto(&format!("{}{path}", self.url)).await;
        let found = self
            .browser
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(marker))
            .await;
        if found.is_err() {
            let shown = self.browser.text().await;
            panic!(
                "{path}: no {marker} on the page; it shows: {}",
                shown.chars().take(600).collect::<String>()
            );
        }
        // On a phone, no page is wider than the screen.
        let widths = self
            .script("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        if widths[1].as_u64().is_some_and(|width| width < 500) && widths[0] != widths[1] {
            self.note(format!(
                "{path}: the page is {} px wide on a {} px screen",
                widths[0], widths[1]
            ));
        }
    }

    /// A record's page, loaded afresh.
    async fn record(&self, id: &str) {
        self.visit(&format!("/records/{id}"), "#record-state").await;
    }

    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        match self.browser.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(err) => {
                let shown = self.browser.text().await;
                panic!(
                    "no {css} on the page ({err}); it shows: {}",
                    shown.chars().take(600).collect::<String>()
                )
            }
        }
    }

    async fn has(&self, css: &str) -> bool {
        self.script(&format!(
            "return document.querySelector({}) !== null;",
            json!(css)
        ))
        .await
            == Value::Bool(true)
    }

    async fn count(&self, css: &str) -> usize {
        self.script(&format!(
            "return document.querySelectorAll({}).length;",
            json!(css)
        ))
        .await
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
    }

    /// The visible text of the first `css`, trimmed; `None` without one.
    async fn maybe_text(&self, css: &str) -> Option<String> {
        self.script(&format!(
            "const el = document.querySelector({}); return el ? el.innerText : null;",
            json!(css)
        ))
        .await
        .as_str()
        .map(|text| text.trim().to_owned())
    }

    async fn text_of(&self, css: &str) -> String {
        match self.maybe_text(css).await {
            Some(text) => text,
            None => {
                let shown = self.browser.text().await;
                panic!(
                    "no {css} on the page; it shows: {}",
                    shown.chars().take(800).collect::<String>()
                )
            }
        }
    }

    /// The texts of every `css`, trimmed.
    async fn texts_of(&self, css: &str) -> Vec<String> {
        let found = self
            .script(&format!(
                "return [...document.querySelectorAll({})].map(el => el.innerText.trim());",
                json!(css)
            ))
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|text| text.as_str().map(str::to_owned))
            .collect()
    }

    async fn attr_of(&self, css: &str, name: &str) -> Option<String> {
        self.script(&format!(
            "const el = document.querySelector({}); return el ? el.getAttribute({}) : null;",
            json!(css),
            json!(name)
        ))
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// What the record page names as the record's state.
    async fn state(&self) -> String {
        self.text_of("#record-state").await
    }

    async fn type_into(&self, css: &str, text: &str) {
        let input = self.element(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    async fn choose(&self, css: &str, value: &str) {
        self.element(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|err| panic!("choose {value} in {css}: {err}"));
    }

    async fn tick(&self, css: &str) {
        let checkbox = self.element(css).await;
        if !checkbox.is_selected().await.expect("checked?") {
            checkbox.click().await.expect("tick");
        }
    }

    /// Chooses the file at `path` in the file input `css`.
    async fn upload(&self, css: &str, path: &Path) {
        self.element(css)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|err| panic!("choose {} in {css}: {err}", path.display()));
    }

    /// Sets an input's value the way a picker would (a `datetime-local`).
    async fn set_value(&self, css: &str, value: &str) {
        let set = self
            .script(&format!(
                "const el = document.querySelector({}); if (!el) return false; el.value = {}; \
                 el.dispatchEvent(new Event('input', {{bubbles: true}})); return el.value;",
                json!(css),
                json!(value)
            ))
            .await;
        assert_eq!(set, json!(value), "{css} takes {value}");
    }

    /// Clicks `button` and waits for the page the form leads to.
    async fn submit(&self, button: &str) {
        self.script("window.__journeyOldPage = true; return true;")
            .await;
        self.element(button)
            .await
            .click()
            .await
            .unwrap_or_else(|err| panic!("click {button}: {err}"));
        let loaded = self
            .wait_true(
                "return window.__journeyOldPage === undefined && document.readyState === 'complete';",
                Duration::from_secs(15),
            )
            .await;
        assert!(loaded, "{button}: no new page within 15 s");
    }

    /// Every `css` image shown and loaded (`naturalWidth > 0`), scrolled to
    /// as a person would; how many.
    async fn images_load(&self, css: &str) -> usize {
        let code = format!(
            "const imgs = [...document.querySelectorAll({css})]; \
             for (const img of imgs) if (!(img.complete && img.naturalWidth > 0)) \
               img.scrollIntoView({{block: 'center'}}); \
             return imgs.length > 0 && imgs.every(img => img.complete && img.naturalWidth > 0);",
            css = json!(css)
        );
        let loaded = self.wait_true(&code, Duration::from_secs(10)).await;
        let seen = self
            .script(&format!(
                "return [...document.querySelectorAll({})].map(img => \
                 [img.getAttribute('src'), img.complete, img.naturalWidth]);",
                json!(css)
            ))
            .await;
        assert!(loaded, "the images {css} do not all load: {seen}");
        seen.as_array().map_or(0, Vec::len)
    }

    /// A GET with the page's session: (status, content type, body).
    async fn fetch_get(&self, path: &str) -> (u16, String, String) {
        let answer = self
            .browser
            .client
            .execute_async(
                "const [path] = arguments; const done = arguments[arguments.length - 1];
                 fetch(path, {credentials: 'same-origin'})
                   .then(r => r.text().then(text => done({status: r.status,
                       type: r.headers.get('content-type') || '', text})),
                     e => done({status: -1, type: '', text: String(e)}));",
                vec![json!(path)],
            )
            .await
            .expect("fetch");
        answer_parts(&answer)
    }

    /// A form POSTed by hand with the page's session and CSRF token (read
    /// from the page's own `input[name=csrf]`), redirects not followed:
    /// (status, content type, body); an accepted form answers 0 (the
    /// redirect it would follow).
    async fn fetch_post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let fields: serde_json::Map<String, Value> = fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        let answer = self
            .browser
            .client
            .execute_async(
                "const [path, fields] = arguments; const done = arguments[arguments.length - 1];
                 const body = new URLSearchParams(fields);
                 body.set('csrf', document.querySelector('input[name=csrf]').value);
                 fetch(path, {method: 'POST', body, credentials: 'same-origin', redirect: 'manual'})
                   .then(r => r.text().then(text => done({status: r.status,
                       type: r.headers.get('content-type') || '', text})),
                     e => done({status: -1, type: '', text: String(e)}));",
                vec![json!(path), Value::Object(fields)],
            )
            .await
            .expect("fetch");
        answer_parts(&answer)
    }

    async fn scroll_to(&self, css: &str) {
        self.script(&format!(
            "const el = document.querySelector({}); if (el) el.scrollIntoView({{block: 'start'}}); \
             return true;",
            json!(css)
        ))
        .await;
    }

    async fn shot(&self, name: &str) {
        let path = self.browser.shot(&format!("journeys/{name}")).await;
        self.step(&format!("screenshot {}", path.display()));
    }

    /// Ends the browser; fails with every problem noted on the way.
    async fn close(self) {
        self.step("done");
        let problems = self
            .problems
            .lock()
            .map(|problems| problems.clone())
            .unwrap_or_default();
        self.browser.close().await;
        assert!(
            problems.is_empty(),
            "{} problem(s) on the way:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
}

fn answer_parts(answer: &Value) -> (u16, String, String) {
    let status = answer["status"]
        .as_i64()
        .and_then(|status| u16::try_from(status).ok())
        .unwrap_or(u16::MAX);
    let text = |name: &str| answer[name].as_str().unwrap_or("").to_owned();
    (status, text("type"), text("text"))
}

/// Runs a journey within [`JOURNEY_LIMIT`].
async fn within_limit(name: &str, journey: impl std::future::Future<Output = ()>) {
    let started = Instant::now();
    if tokio::time::timeout(JOURNEY_LIMIT, journey).await.is_err() {
        panic!(
            "{name} did not finish within {JOURNEY_LIMIT:?} (started {:?} ago)",
            started.elapsed()
        );
    }
    eprintln!("[journeys] {name} took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------
// 1. A technician's day.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technicians_day() {
    within_limit("a technician's day", technicians_day()).await;
}

async fn technicians_day() {
    let world = blocking(|| world(&[]));
    let wang = blocking(|| issue(&world.data, "wang", Role::Technician));
    let desk = blocking(|| enroll(&world, "desk", &world.desk.token));
    let tech = blocking(|| enroll(&world, "tech", &wang.token));
    blocking(|| set_password(&world, "chen"));
    let console = Console::open(&world, "technician", (1280, 900), "en-US").await;
    console.sign_in("chen").await;

    console.step("the desk opens a sheet off the price list and dispatches it");
    let id = open_sheet(
        &desk,
        "balcony door frame rotten",
        "normal",
        &["--off-price-list"],
    );
    cli(&desk, &["repair", "dispatch", &id, "--technician", "wang"]);
    sync(&desk);

    console.step("the supervisor quotes it in the browser");
    console.record(&id).await;
    assert_eq!(console.state().await, "dispatched");
    assert_eq!(console.text_of("[data-field=technician]").await, "Wang");
    assert!(console.has("#quote-form").await, "the supervisor may quote");
    console
        .type_into("#quote-form input[name=fee]", "120.50")
        .await;
    console
        .type_into("#quote-form input[name=note]", "new frame, fitted")
        .await;
    console.submit("#quote").await;
    assert!(!console.has("#form-error").await, "the quote is taken");
    assert_eq!(console.state().await, "quoted");
    assert_eq!(console.text_of("[data-field=quoted_fee]").await, "¥120.50");
    assert_eq!(
        console.text_of("[data-field=quote_note]").await,
        "new frame, fitted"
    );
    assert!(!console.has("#quote-form").await, "quoted once");

    console.step("the technician's phone has it");
    sync(&tech);
    let row = listed(&tech, &id);
    assert_eq!(row["kind"], "repair_sheet");
    assert_eq!(row["state"], "quoted");
    assert_eq!(row["assignee"], "wang");
    let shown = cli_json(&tech, &["show", &id, "--json"]);
    assert_eq!(shown["view"]["quote"]["fee_cents"], 12050);

    console.step("on site");
    cli(&tech, &["repair", "arrive", &id]);
    sync(&tech);
    console.record(&id).await;
    assert_eq!(console.state().await, "on site");
    assert!(console.has("[data-field=arrived_at]").await);

    cli(
        &tech,
        &[
            "repair",
            "confirm-items",
            &id,
            "--item",
            "balcony door frame",
            "--item",
            "door hinge",
            "--fee-standard",
            "quote ¥120.50, hinges by the price list",
        ],
    );
    sync(&tech);
    console.record(&id).await;
    assert_eq!(console.state().await, "on site");
    let items = console.text_of("[data-field=confirmed_items]").await;
    assert!(
        items.contains("balcony door frame") && items.contains("door hinge"),
        "{items}"
    );
    assert_eq!(
        console.text_of("[data-field=fee_standard]").await,
        "quote ¥120.50, hinges by the price list"
    );

    cli(&tech, &["repair", "agree", &id]);
    sync(&tech);
    console.record(&id).await;
    assert_eq!(console.state().await, "agreed");
    assert!(console.has("[data-field=agreed_at]").await);

    console.step("fee lines");
    let help = cli(&tech, &["repair", "fee-line", "--help"]);
    for flag in [
        "--description",
        "--quantity",
        "--unit-price",
        "--off-price-list",
    ] {
        assert!(help.contains(flag), "fee-line takes {flag}: {help}");
    }
    cli(
        &tech,
        &[
            "repair",
            "fee-line",
            &id,
            "--description",
            "door hinge",
            "--unit-price",
            "45.00",
            "--quantity",
            "2",
        ],
    );
    sync(&tech);
    console.record(&id).await;
    let fees = console.text_of("#section-fee-lines").await;
    assert!(
        fees.contains("door hinge") && fees.contains("¥45.00"),
        "{fees}"
    );
    assert_eq!(console.text_of("#fee-total").await, "¥90.00");
    cli(
        &tech,
        &[
            "repair",
            "fee-line",
            &id,
            "--description",
            "balcony door frame (quoted)",
            "--unit-price",
            "120.50",
            "--quantity",
            "1",
            "--off-price-list",
        ],
    );
    sync(&tech);
    console.record(&id).await;
    assert_eq!(
        console.count("#section-fee-lines tbody tr").await,
        2,
        "two fee lines"
    );
    assert_eq!(console.text_of("#fee-total").await, "¥210.50");

    console.step("a photo");
    let photo_file = image_file(world.dir.path(), "frame.png", &photo_png(40));
    let photo = attach(&tech, &photo_file);
    cli(
        &tech,
        &[
            "repair",
            "photo",
            &id,
            "--blob",
            &photo,
            "--caption",
            "new frame fitted",
        ],
    );
    sync(&tech);
    console.record(&id).await;
    assert_eq!(console.state().await, "agreed");
    let thumb = format!("#section-photos figure.thumb[data-blob='{photo}'] img");
    assert_eq!(console.images_load(&thumb).await, 1, "the photo shows");
    assert_eq!(
        console.attr_of(&thumb, "src").await.as_deref(),
        Some(format!("/records/{id}/blobs/{photo}/thumb").as_str())
    );
    assert!(
        console
            .text_of("#section-photos")
            .await
            .contains("new frame fitted")
    );

    console.step("completed with the resident's signature");
    let signature_file = image_file(world.dir.path(), "resident.png", &signature_png(1));
    let signature = attach(&tech, &signature_file);
    cli(
        &tech,
        &[
            "repair",
            "complete",
            &id,
            "--item",
            "balcony door frame",
            "--item",
            "door hinge",
            "--signature",
            &signature,
            "--signer",
            "李先生",
            "--satisfaction",
            "satisfied",
        ],
    );
    sync(&tech);
    console.record(&id).await;
    assert_eq!(console.state().await, "completed");
    let signed = format!("#section-completion figure.thumb[data-blob='{signature}'] img");
    assert_eq!(console.images_load(&signed).await, 1, "the signature shows");
    assert!(
        console
            .text_of("[data-field=resident_signature]")
            .await
            .contains("李先生")
    );

    console.step("handed back while the supervisor watches the page");
    // The page is live: the hand-back shows without a reload, and with it
    // the step it now waits for.
    let live = console
        .wait_true(
            "return document.body.dataset.connected === '1';",
            Duration::from_secs(10),
        )
        .await;
    assert!(live, "the record page's event stream opened");
    cli(&tech, &["repair", "hand-back", &id]);
    sync(&tech);
    let refreshed = console
        .wait_true(
            "const el = document.getElementById('record-state'); \
             return !!el && el.innerText.trim() === 'handed back';",
            Duration::from_secs(5),
        )
        .await;
    assert!(refreshed, "the live page shows the hand-back within 5 s");
    if !console.has("#confirm-return-form").await {
        let offered = console.texts_of("#actions h3").await.join(", ");
        console.note(format!(
            "record page, live refresh after the hand-back: the state reads `handed back` but \
             `#confirm-return-form` is not offered until a reload (the actions shown: {offered:?})"
        ));
    }

    console.step("the return confirmed in the browser");
    console.record(&id).await;
    assert_eq!(console.state().await, "handed back");
    assert!(console.has("[data-field=handed_back_at]").await);
    assert!(console.has("#confirm-return-form").await);
    console.submit("#confirm-return").await;
    assert!(!console.has("#form-error").await, "the return is confirmed");
    assert_eq!(console.state().await, "returned");
    assert!(console.has("[data-field=returned_at]").await);
    assert!(!console.has("#confirm-return-form").await);
    // Everything the day left on the sheet, on one page.
    assert_eq!(console.text_of("#fee-total").await, "¥210.50");
    assert_eq!(
        console.images_load("figure.thumb img").await,
        2,
        "the photo and the signature"
    );
    assert_eq!(console.count("figure.thumb.pending").await, 0);

    console.step("the technician's next sync");
    let said = cli(&tech, &["sync"]);
    assert!(!said.is_empty());
    assert_eq!(listed(&tech, &id)["state"], "returned");
    assert_eq!(
        cli_json(&tech, &["show", &id, "--json"])["view"]["state"],
        "returned"
    );

    console.scroll_to("#section-fee-lines").await;
    console.shot("1-technician-record").await;
    console.close().await;
}

// ---------------------------------------------------------------------------
// 2. A patrol round with findings (the console in Chinese, phone-wide).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patrol_round_with_findings() {
    within_limit("a patrol round", patrol_round()).await;
}

async fn patrol_round() {
    let world = blocking(|| world(&[]));
    let supervisor = blocking(|| enroll(&world, "supervisor", &world.supervisor.token));
    let officer = blocking(|| enroll(&world, "officer", &world.patrol.token));
    blocking(|| set_password(&world, "chen"));
    let console = Console::open(&world, "patrol", (390, 844), "zh-CN").await;
    console.sign_in("chen").await;

    console.step("the supervisor defines the route");
    let route = cli(
        &supervisor,
        &[
            "route",
            "define",
            "--name",
            "B1 night round",
            "--checkpoint",
            "B1-LOBBY:B1:1F:lobby",
            "--checkpoint",
            "B1-2F:B1:2F:corridor",
            "--checkpoint",
            "B1-PUMP:B1:B1:pump room:facility-room",
            "--checkpoint",
            "B1-ROOF:B1:RF:roof door",
            "--checkpoint",
            "LAWN:::north lawn:green-area",
        ],
    );
    sync(&supervisor);
    sync(&officer);

    console.step("the officer walks the round");
    let round = cli(&officer, &["patrol", "start", "--route", &route]);
    let checkin = |code: &str| {
        blocking(|| field_told(&officer, &["patrol", "checkin", &round, "--code", code]))
    };
    let (said, warned) = checkin("B1-LOBBY");
    assert!(
        said.contains("next checkpoint: B1-2F (B1, 2F, corridor"),
        "{said}"
    );
    assert!(warned.is_empty(), "{warned}");
    // Skipping one: the phone names it, and still sends the officer back.
    let (said, warned) = checkin("B1-PUMP");
    assert!(
        said.contains("skipped so far: B1-2F (B1, 2F, corridor"),
        "{said}"
    );
    assert!(said.contains("next checkpoint: B1-2F"), "{said}");
    // Skipping ahead is a miss, not a reversal (the core's rule): no warning.
    assert!(warned.is_empty(), "{warned}");
    let (said, _) = checkin("LAWN");
    assert!(said.contains("skipped so far: B1-2F"), "{said}");
    assert!(said.contains("B1-ROOF (B1, RF, roof door"), "{said}");
    // Going back for one passed: out of the planned order, on stderr.
    let (said, warned) = checkin("B1-ROOF");
    assert!(
        warned.contains("warning: this check-in is out of the planned order"),
        "{warned}"
    );
    assert!(!said.contains("B1-ROOF"), "the roof is visited now: {said}");

    console.step("a finding with its photo, and a repair sheet from it");
    let photo_file = image_file(world.dir.path(), "landing.png", &photo_png(200));
    let photo = attach(&officer, &photo_file);
    let never_attached = "ab".repeat(32);
    let refused = blocking(|| {
        field_error(
            &officer,
            &[
                "patrol",
                "finding",
                &round,
                "--category",
                "facility-damage",
                "--description",
                "stair light broken",
                "--building",
                "B1",
                "--floor",
                "2F",
                "--photo",
                &never_attached,
            ],
        )
    });
    assert!(refused.contains("attach the photo first"), "{refused}");
    let description = "stair light broken on the landing";
    let finding = cli(
        &officer,
        &[
            "patrol",
            "finding",
            &round,
            "--category",
            "facility-damage",
            "--description",
            description,
            "--building",
            "B1",
            "--floor",
            "2F",
            "--area",
            "stair landing",
            "--photo",
            &photo,
        ],
    );
    assert!(!finding.is_empty(), "the finding's id");
    let sheet = cli(
        &officer,
        &[
            "patrol",
            "open-repair",
            &round,
            "--finding",
            &finding,
            "--location",
            "public-area",
            "--urgency",
            "normal",
        ],
    );
    let (said, _) = blocking(|| field_told(&officer, &["patrol", "finish", &round]));
    assert!(
        said.contains("missed 1 of 5 checkpoints: B1-2F (B1, 2F, corridor"),
        "{said}"
    );
    sync(&officer);
    let shown = cli_json(&officer, &["show", &sheet, "--json"]);
    assert_eq!(shown["view"]["intake"]["problem"], description);

    console.step("the round page");
    console.record(&round).await;
    assert_eq!(console.state().await, "已完成", "finished");
    let codes = console
        .texts_of("#section-route tbody tr td:first-child")
        .await;
    assert_eq!(
        codes,
        ["B1-LOBBY", "B1-2F", "B1-PUMP", "B1-ROOF", "LAWN"],
        "the route in its planned order"
    );
    let visits = console
        .texts_of("#section-route tbody tr td:last-child")
        .await;
    assert_eq!(visits.len(), 5, "{visits:?}");
    for (index, visit) in visits.iter().enumerate() {
        if index == 1 {
            assert!(visit.contains("未签到"), "B1-2F missed: {visit}");
        } else {
            assert!(
                visit.contains("li") && !visit.contains("未签到"),
                "visited by li: {visit}"
            );
        }
    }
    assert_eq!(
        console.count("#section-route .missed").await,
        1,
        "one missed"
    );
    assert!(
        visits[3].contains("未按顺序"),
        "the roof out of order: {}",
        visits[3]
    );
    let row = format!("#section-findings tr#item-{finding}");
    let finding_row = console.text_of(&row).await;
    assert!(finding_row.contains(description), "{finding_row}");
    assert_eq!(
        console
            .images_load(&format!("{row} figure.thumb img"))
            .await,
        1,
        "the finding's photo"
    );
    assert_eq!(
        console
            .attr_of(&format!("{row} a.record-link"), "href")
            .await
            .as_deref(),
        Some(format!("/records/{sheet}").as_str()),
        "the finding links to its repair"
    );
    console.scroll_to("#section-route").await;
    console.shot("2-patrol-route-zh-390").await;
    console.scroll_to("#section-findings").await;
    console.shot("2-patrol-finding-zh-390").await;

    console.step("the repair page, from the finding's link");
    console.submit(&format!("{row} a.record-link")).await;
    assert!(console.has("#section-intake").await, "the repair sheet");
    assert_eq!(
        console.text_of("[data-field=unit]").await,
        "B1, 2F, stair landing",
        "the finding's place"
    );
    assert_eq!(console.text_of("[data-field=problem]").await, description);
    assert!(
        !console.has("[data-field=resident_name]").await,
        "no resident for a public-area fault"
    );
    let carried = format!("#section-photos figure.thumb[data-blob='{photo}'] img");
    assert_eq!(
        console.images_load(&carried).await,
        1,
        "the photo carried over"
    );
    let back = console
        .attr_of("[data-field=source] a.record-link", "href")
        .await;
    assert_eq!(
        back.as_deref(),
        Some(format!("/records/{round}#item-{finding}").as_str()),
        "a link back to the finding on the round"
    );
    assert_eq!(console.state().await, "已报修", "reported");
    console.shot("2-patrol-repair-zh-390").await;
    console.submit("[data-field=source] a.record-link").await;
    assert_eq!(
        console.script("return location.hash;").await,
        json!(format!("#item-{finding}"))
    );
    assert!(console.has(&format!("tr#item-{finding}:target")).await);

    console.step("Today lists the new sheet, waiting for a technician");
    console.visit("/", "#today").await;
    let today = console
        .text_of(&format!("#today tr[data-id='{sheet}']"))
        .await;
    assert!(
        today.contains(description) && today.contains("B1, 2F, stair landing"),
        "{today}"
    );
    assert!(
        console
            .has(&format!("#today tr[data-id='{sheet}'] form.dispatch"))
            .await
    );

    console.step("coverage");
    console.visit("/coverage?estate=e1", "#coverage-grid").await;
    let issue = format!("#round-issues tr:has(a[href='/records/{round}'])");
    let issue_row = console.text_of(&issue).await;
    assert!(issue_row.contains("B1-2F"), "missed: {issue_row}");
    assert!(issue_row.contains("B1-ROOF"), "out of order: {issue_row}");
    assert!(issue_row.contains("B1 night round"), "{issue_row}");
    console.scroll_to("#round-issues").await;
    console.shot("2-patrol-coverage-zh-390").await;
    console.close().await;
}

// ---------------------------------------------------------------------------
// 3. A front desk's day with a duty handover.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_desks_day_with_a_duty_handover() {
    within_limit("a front desk's day", front_desk_day()).await;
}

/// Now in the estate's zone, less `minutes`, as a `datetime-local` value.
fn local_minutes_ago(minutes: i64) -> String {
    (Utc::now() - chrono::Duration::minutes(minutes))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Fills the handover form, both signatures chosen; ticks the follow-ups
/// to take on when `acknowledge`.
async fn fill_handover(console: &Console, files: (&Path, &Path), acknowledge: bool) {
    console.type_into("#handover-incoming", "Zhang Wei").await;
    console
        .set_value("#handover-arrived", &local_minutes_ago(20))
        .await;
    console
        .type_into("#duty-handover-form input[name=item_0]", "radio")
        .await;
    console
        .type_into("#duty-handover-form input[name=expected_0]", "4")
        .await;
    console
        .type_into("#duty-handover-form input[name=counted_0]", "4")
        .await;
    if acknowledge {
        console.tick("#duty-handover-form input[name^=ack_]").await;
    }
    console
        .upload("#duty-handover-form input[name=signature_out]", files.0)
        .await;
    console
        .upload("#duty-handover-form input[name=signature_in]", files.1)
        .await;
}

async fn front_desk_day() {
    let world = blocking(|| world(&[]));
    let wang = blocking(|| issue(&world.data, "wang", Role::Technician));
    let desk = blocking(|| enroll(&world, "desk", &world.desk.token));
    let tech = blocking(|| enroll(&world, "tech", &wang.token));
    blocking(|| {
        set_password(&world, "lin");
        set_password(&world, "chen");
    });
    let dir = world.dir.path();
    let resident = image_file(dir, "resident.png", &signature_png(2));
    let outgoing = image_file(dir, "outgoing.png", &signature_png(3));
    let incoming = image_file(dir, "incoming.png", &signature_png(4));
    let supervisor = image_file(dir, "supervisor.png", &signature_png(5));

    // Yesterday's job, done on the phones: a completed sheet to call back.
    let done = open_sheet(&desk, "kitchen tap dripping", "urgent", &[]);
    cli(
        &desk,
        &["repair", "dispatch", &done, "--technician", "wang"],
    );
    sync(&desk);
    let tap_signature = image_file(dir, "tap.png", &signature_png(6));
    let tap_hash = attach(&tech, &tap_signature);
    work_to_hand_back(&tech, &done, &tap_hash);

    let console = Console::open(&world, "front-desk", (1280, 900), "en-US").await;
    console.sign_in("lin").await;

    console.step("a repair sheet opened in the browser");
    console.visit("/desk/repair/new", "#repair-form").await;
    console.type_into("#resident_name", "Chen Jie").await;
    console.type_into("#unit", "B3-0802").await;
    console.type_into("#phone", "139 0000 0802").await;
    console
        .type_into("#problem", "bathroom light flickers")
        .await;
    console.choose("#location", "in_unit").await;
    console.choose("#urgency", "urgent").await;
    console.tick("#on_price_list").await;
    console.submit("#open-repair").await;
    assert!(!console.has("#form-error").await, "the sheet is opened");
    assert_eq!(console.state().await, "reported");
    let id = console
        .script("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .expect("the record's id")
        .to_owned();
    assert_eq!(
        console.text_of("[data-field=problem]").await,
        "bathroom light flickers"
    );

    console.step("dispatched from the record page");
    console
        .choose("form.dispatch select[name=technician]", "wang")
        .await;
    console.submit("form.dispatch button").await;
    assert_eq!(console.state().await, "dispatched");
    assert_eq!(console.text_of("[data-field=technician]").await, "Wang");

    console.step("Today");
    console.visit("/", "#today").await;
    let row = format!("#today tr[data-id='{id}']");
    let listed_row = console.text_of(&row).await;
    assert!(
        listed_row.contains("bathroom light flickers"),
        "{listed_row}"
    );
    assert_eq!(
        console.text_of(&format!("{row} td:nth-child(8)")).await,
        "Wang",
        "the assignee by name"
    );
    assert_eq!(
        console.text_of(&format!("{row} td.state")).await,
        "dispatched"
    );

    console.step("a callback in person, the resident's signature uploaded");
    console.record(&done).await;
    assert_eq!(console.state().await, "handed back");
    console.choose("#callback-method", "in_person").await;
    console
        .type_into("#callback-outcome", "tap fixed, no more drips")
        .await;
    console.upload("#callback-signature", &resident).await;
    console.submit("#call-back").await;
    assert!(
        !console.has("#form-error").await,
        "the callback is taken: {:?}",
        console.maybe_text("#form-error").await
    );
    assert_eq!(console.state().await, "called back");
    let callbacks = console.text_of("#section-callbacks").await;
    assert!(
        callbacks.contains("in person") && callbacks.contains("tap fixed, no more drips"),
        "{callbacks}"
    );
    assert_eq!(
        console
            .images_load("#section-callbacks figure.thumb img")
            .await,
        1,
        "the resident's signature"
    );

    console.step("the duty log: a line with a follow-up");
    console.visit("/duty", "#duty-entry-form").await;
    assert!(
        !console.has("#duty-sign-off-form").await,
        "the desk does not sign off"
    );
    let entry = "Lift 2 stuck at B1, engineer called";
    console.type_into("#entry-text", entry).await;
    console.choose("#entry-category", "incident").await;
    console.tick("#entry-follow-up").await;
    console.submit("#append-entry").await;
    let entries = console.text_of("#duty-entries").await;
    assert!(entries.contains(entry), "{entries}");
    assert!(entries.contains("open"), "the follow-up is open: {entries}");

    console.step("a handover that does not take the follow-up on");
    fill_handover(&console, (&outgoing, &incoming), false).await;
    console.submit("#hand-over").await;
    let refusal = console.text_of("#form-error").await;
    assert!(
        refusal.contains("acknowledged") && refusal.contains(entry),
        "the reason names the follow-up: {refusal}"
    );
    console.shot("3-front-desk-handover-refused").await;
    console.visit("/duty", "#duty-entries").await;
    assert_eq!(console.count(".handover").await, 0, "nothing stored");
    assert!(console.text_of("#live").await.contains("No handover yet."));

    console.step("the handover, the follow-up taken on, both signatures");
    fill_handover(&console, (&outgoing, &incoming), true).await;
    console.submit("#hand-over").await;
    assert!(
        !console.has("#form-error").await,
        "the handover is taken: {:?}",
        console.maybe_text("#form-error").await
    );
    assert_eq!(console.count(".handover").await, 1);
    let handover = console.text_of(".handover").await;
    assert!(handover.contains("lin → Zhang Wei"), "{handover}");
    assert!(handover.contains("radio"), "{handover}");
    let links = console
        .script(
            "return [...document.querySelectorAll('.handover a[href*=\"/blobs/\"]')]\
             .map(a => [a.getAttribute('href'), a.innerText.trim()]);",
        )
        .await;
    let links = links.as_array().cloned().unwrap_or_default();
    assert_eq!(links.len(), 2, "both signatures: {links:?}");
    assert_eq!(links[0][1], "lin");
    assert_eq!(links[1][1], "Zhang Wei");
    for link in &links {
        let href = link[0].as_str().expect("href");
        let (status, kind, _) = console.fetch_get(href).await;
        assert_eq!((status, kind.as_str()), (200, "image/png"), "{href}");
    }

    console.step("the follow-up closed");
    // The brief's `.close-form`; found by its action when the class is not
    // there, so the journey goes on.
    let close = if console.has(".close-form").await {
        ".close-form"
    } else {
        let tag = console
            .script(
                "const f = document.querySelector('form[action=\"/duty/close\"]'); \
                 return f ? f.outerHTML.slice(0, f.outerHTML.indexOf('>') + 1) : null;",
            )
            .await;
        console.note(format!(
            "duty page: no `.close-form` form to close the follow-up; the form is {tag}"
        ));
        "form[action='/duty/close']"
    };
    console
        .type_into(
            &format!("{close} input[name=outcome]"),
            "engineer freed the lift",
        )
        .await;
    console.submit(".close-follow-up").await;
    assert_eq!(
        console.count("form[action='/duty/close']").await,
        0,
        "nothing left to close"
    );
    let entries = console.text_of("#duty-entries").await;
    assert!(
        entries.contains("done: engineer freed the lift"),
        "{entries}"
    );
    let log = console
        .attr_of("#live a[href^='/records/']", "href")
        .await
        .expect("the log's record link")
        .trim_start_matches("/records/")
        .to_owned();

    console.step("the supervisor signs the log");
    console.sign_out().await;
    console.sign_in("chen").await;
    console.visit("/duty", "#duty-sign-off-form").await;
    assert!(console.has("#duty-unsigned").await);
    console
        .type_into("#sign-off-comment", "read, all in order")
        .await;
    console.upload("#sign-off-signature", &supervisor).await;
    console.submit("#sign-off").await;
    assert!(
        !console.has("#form-error").await,
        "signed: {:?}",
        console.maybe_text("#form-error").await
    );
    let signed = console.text_of("#duty-signed").await;
    assert!(signed.contains("Signed by chen"), "{signed}");
    assert!(signed.contains("read, all in order"), "{signed}");
    assert!(!console.has("#duty-sign-off-form").await, "signed once");
    let href = console
        .attr_of("#duty-signed a", "href")
        .await
        .expect("the signature's link");
    let (status, kind, _) = console.fetch_get(&href).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));

    console.step("the desk's phone holds the same log");
    sync(&desk);
    let logs = cli_json(&desk, &["list", "--kind", "duty-log", "--json"]);
    let ids: Vec<&str> = logs
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["id"].as_str())
        .collect();
    assert_eq!(ids, [log.as_str()], "one log, the page's");
    let shown = cli_json(&desk, &["show", &log, "--json"]);
    let view = &shown["view"];
    assert_eq!(view["entries"][0]["text"], entry);
    assert_eq!(view["entries"][1]["text"], "engineer freed the lift");
    assert_eq!(view["handovers"][0]["incoming"], "Zhang Wei");
    assert_eq!(view["handovers"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["open_follow_ups"], json!([]));
    assert_eq!(view["sign_off"]["user"], "chen");
    assert_eq!(view["sign_off"]["comment"], "read, all in order");
    console.scroll_to("#duty-signed").await;
    console.shot("3-front-desk-duty-signed").await;
    console.close().await;
}

// ---------------------------------------------------------------------------
// 4. A manager's month-end report.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_month_end_report() {
    within_limit("a manager's month end", month_end()).await;
}

/// A complaint taken by the four clears; its id.
fn open_complaint(store: &Path, heard: &str) -> String {
    cli(
        store,
        &[
            "complaint",
            "open",
            "--resident",
            "Chen Jie",
            "--unit",
            "3-1201",
            "--phone",
            "13800000000",
            "--department",
            "property",
            "--heard",
            heard,
            "--asked",
            "since when, which unit",
            "--repeated-back",
            "--recorded",
            heard,
            "--reported-to",
            "Head Zhao",
        ],
    )
}

/// The rows of a CSV (no quoted fields in these exports).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

async fn month_end() {
    let world = blocking(|| world(&[]));
    let wang = blocking(|| issue(&world.data, "wang", Role::Technician));
    let desk = blocking(|| enroll(&world, "desk", &world.desk.token));
    let tech = blocking(|| enroll(&world, "tech", &wang.token));
    blocking(|| {
        let (ok, said) = admin(
            &world.data,
            &[
                "user", "add", "zhoumin", "--name", "Zhou Min", "--role", "office", "--estate",
                "e1",
            ],
            "",
        );
        assert!(ok, "{said}");
        set_password(&world, "zhoumin");
    });
    let signature_file = image_file(world.dir.path(), "resident.png", &signature_png(7));
    let signature = attach(&tech, &signature_file);

    // The month: three sheets (two done, one called back; one waiting for
    // the technician), three complaints (two handled, one called back;
    // one just received).
    let called = open_sheet(&desk, "kitchen tap dripping", "urgent", &[]);
    let uncalled = open_sheet(&desk, "window latch loose", "normal", &[]);
    let waiting = open_sheet(
        &desk,
        "water heater leaking",
        "extra-urgent",
        &["--off-price-list"],
    );
    for id in [&called, &uncalled, &waiting] {
        cli(&desk, &["repair", "dispatch", id, "--technician", "wang"]);
    }
    sync(&desk);
    work_to_hand_back(&tech, &called, &signature);
    work_to_hand_back(&tech, &uncalled, &signature);
    sync(&desk);
    cli(
        &desk,
        &[
            "repair",
            "call-back",
            &called,
            "--method",
            "phone",
            "--satisfied",
            "--outcome",
            "tap is fine",
        ],
    );
    let answered = open_complaint(&desk, "noise at night from 2-1201");
    let handled = open_complaint(&desk, "bins not emptied");
    let received = open_complaint(&desk, "car park gate squeaks");
    for (id, action) in [
        (&answered, "spoke to 2-1201"),
        (&handled, "cleaners told, bins emptied"),
    ] {
        cli(
            &desk,
            &["complaint", "dispatch", id, "--department", "property"],
        );
        cli(&desk, &["complaint", "handle", id, "--action", action]);
    }
    cli(
        &desk,
        &[
            "complaint",
            "call-back",
            &answered,
            "--method",
            "phone",
            "--satisfied",
            "--outcome",
            "quiet now",
        ],
    );
    sync(&desk);
    sync(&tech);

    let console = Console::open(&world, "manager", (1280, 900), "en-US").await;
    console.sign_in("zhoumin").await;
    assert!(
        console.text_of("header .who").await.contains("Zhou Min"),
        "signed in by name"
    );

    console.step("the monthly report");
    console.visit("/monthly", "svg#chart-callbacks").await;
    let month = console
        .attr_of("input[name=month]", "value")
        .await
        .expect("the month");
    let complaints = console
        .texts_of("#timeliness tbody tr:first-child td")
        .await;
    assert_eq!(
        complaints[1..],
        ["3", "2", "0", "0", "1"],
        "complaints: total, on time, late, unhandled late, pending"
    );
    let timeliness = console.text_of("#timeliness-rate tbody tr").await;
    assert!(
        timeliness.contains("2/3") && timeliness.contains("66.7%"),
        "{timeliness}"
    );
    let tiers = console.texts_of("#repairs tbody tr").await;
    assert_eq!(tiers.len(), 3, "{tiers:?}");
    let viewer = &console;
    let tier_cells = |index: usize| async move {
        viewer
            .texts_of(&format!("#repairs tbody tr:nth-child({index}) td"))
            .await[1..]
            .to_vec()
    };
    assert_eq!(
        tier_cells(1).await,
        ["1", "0", "0", "1", "—"],
        "extra urgent: one waiting, still in time"
    );
    assert_eq!(
        tier_cells(2).await,
        ["1", "1", "0", "0", "100.0%"],
        "urgent"
    );
    assert_eq!(
        tier_cells(3).await,
        ["1", "1", "0", "0", "100.0%"],
        "normal"
    );
    let shares = console.texts_of("#callbacks tbody tr").await;
    assert_eq!(shares.len(), 2, "{shares:?}");
    for (share, what) in shares.iter().zip(["complaints", "repairs"]) {
        assert!(
            share.contains("1/2") && share.contains("50.0%") && share.contains("met"),
            "{what} called back: {share}"
        );
    }
    assert!(
        shares[0].contains("50.0%") && shares[1].contains("30.0%"),
        "targets: {shares:?}"
    );

    console.step("the CSV exports");
    assert_eq!(
        console.text_of("#export-callbacks").await,
        "Export CSV",
        "the link's label"
    );
    let csv_of = |table: &'static str| {
        let console = &console;
        async move {
            let href = console
                .attr_of(&format!("#export-{table}"), "href")
                .await
                .expect("an export link");
            let (status, kind, text) = console.fetch_get(&href).await;
            assert_eq!(status, 200, "{href}: {text}");
            assert!(kind.starts_with("text/csv"), "{kind}");
            csv_rows(&text)
        }
    };
    let callbacks = csv_of("callbacks").await;
    assert_eq!(
        callbacks[0].join(","),
        "estate,month,measure,called_back,cases,rate_percent,target_percent,met,rule"
    );
    let rows: Vec<Vec<&str>> = callbacks[1..]
        .iter()
        .map(|row| row[..8].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "e1",
                month.as_str(),
                "complaint_callbacks",
                "1",
                "2",
                "50.0",
                "50.0",
                "true"
            ],
            [
                "e1",
                month.as_str(),
                "repair_callbacks",
                "1",
                "2",
                "50.0",
                "30.0",
                "true"
            ],
        ],
        "the callbacks CSV matches the page"
    );
    let timeliness = csv_of("timeliness").await;
    assert_eq!(
        timeliness[1][..9].join(","),
        format!("e1,{month},complaint,3,2,0,0,1,66.7"),
        "{timeliness:?}"
    );
    let repairs = csv_of("repairs").await;
    let tiers: Vec<String> = repairs[1..].iter().map(|row| row[2..8].join(",")).collect();
    assert_eq!(
        tiers,
        [
            "extra_urgent,1,0,0,1,",
            "urgent,1,1,0,0,100.0",
            "normal,1,1,0,0,100.0"
        ],
        "the repairs CSV matches the page"
    );
    console.scroll_to("#repairs").await;
    console.shot("4-manager-monthly").await;

    console.step("the callbacks due");
    console.visit("/callbacks", "#callbacks-due").await;
    let due: Vec<String> = console
        .script(
            "return [...document.querySelectorAll('#callbacks-due a[href^=\"/records/\"]')]\
             .map(a => a.getAttribute('href').slice('/records/'.length));",
        )
        .await
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    let mut expected = vec![uncalled.clone(), handled.clone()];
    expected.sort();
    let mut due_sorted = due.clone();
    due_sorted.sort();
    assert_eq!(
        due_sorted, expected,
        "the sheet and the complaint not called back"
    );
    let due_text = console.text_of("#callbacks-due").await;
    assert!(
        due_text.contains("window latch loose") && due_text.contains("bins not emptied"),
        "{due_text}"
    );
    assert_eq!(
        console.maybe_text("#callbacks-overdue").await.as_deref(),
        Some("None."),
        "nothing overdue"
    );
    console.shot("4-manager-callbacks").await;

    console.step("an office user is offered no forms");
    console.visit("/", "#today").await;
    assert_eq!(
        console.count("form.dispatch").await,
        0,
        "no dispatch on Today"
    );
    assert!(
        console
            .text_of(&format!("#today tr[data-id='{waiting}']"))
            .await
            .contains("water heater leaking")
    );
    assert!(
        console
            .text_of(&format!("#today tr[data-id='{received}']"))
            .await
            .contains("received"),
        "the complaint just received waits on Today"
    );
    console.record(&waiting).await;
    assert_eq!(console.state().await, "dispatched");
    for form in ["#quote-form", "form.dispatch", "#actions"] {
        assert!(!console.has(form).await, "no {form} for the office");
    }
    console.record(&uncalled).await;
    for form in ["#confirm-return-form", "#call-back-form", "#actions"] {
        assert!(!console.has(form).await, "no {form} for the office");
    }
    console.visit("/duty", "#live").await;
    for form in [
        "#duty-entry-form",
        "#duty-handover-form",
        "#duty-sign-off-form",
        "#duty-actions",
    ] {
        assert!(!console.has(form).await, "no {form} for the office");
    }
    assert!(!console.has("#nav-desk-repair").await);

    console.step("a crafted form from the office's session is refused");
    console.record(&waiting).await;
    let act = format!("/records/{waiting}/act");
    let (status, _, body) = console
        .fetch_post(
            &act,
            &[("action", "quote"), ("feasible", "yes"), ("fee", "99")],
        )
        .await;
    assert!(
        [400, 403].contains(&status),
        "a quote by the office is refused, not {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    // Refused for who asks, not for a bad token: the record page with the
    // reason on top.
    let csrf_error = stairwell_server::console::Lang::En.t("error.csrf");
    assert!(
        body.contains("id=\"form-error\"") && !body.contains(csrf_error),
        "the refusal names its reason: {}",
        body.chars().take(300).collect::<String>()
    );
    console.step(&format!("a quote posted by the office: {status}"));
    let uncalled_act = format!("/records/{uncalled}/act");
    let (status, _, body) = console
        .fetch_post(
            &uncalled_act,
            &[
                ("action", "call_back"),
                ("method", "phone"),
                ("satisfied", "on"),
                ("outcome", "made up"),
            ],
        )
        .await;
    assert!(
        [400, 403].contains(&status) && body.contains("id=\"form-error\""),
        "a callback by the office: {status}"
    );
    console.step(&format!("a callback posted by the office: {status}"));
    let (status, _, body) = console
        .fetch_post(
            &format!("/records/{waiting}/dispatch"),
            &[("technician", "wang")],
        )
        .await;
    assert!(
        [400, 403].contains(&status) && !body.contains(csrf_error),
        "a dispatch by the office: {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    console.step(&format!("a dispatch posted by the office: {status}"));
    // Nothing changed, on the page or on a phone.
    console.record(&waiting).await;
    assert_eq!(console.state().await, "dispatched");
    assert!(!console.has("[data-field=quoted_fee]").await);
    sync(&desk);
    let shown = cli_json(&desk, &["show", &waiting, "--json"]);
    assert_eq!(shown["view"]["quote"], Value::Null, "no quote stored");
    let shown = cli_json(&desk, &["show", &uncalled, "--json"]);
    assert_eq!(shown["view"]["callbacks"], json!([]), "no callback stored");
    assert_eq!(shown["view"]["state"], "handed_back");
    console.visit("/monthly", "svg#chart-callbacks").await;
    let shares = console.texts_of("#callbacks tbody tr").await;
    assert!(shares[1].contains("1/2"), "the month unchanged: {shares:?}");
    console.close().await;
}
