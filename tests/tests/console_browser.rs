//! The office console in a real headless Chromium, driven over WebDriver
//! (chromedriver on a loopback port, `fantoccini`), against the real
//! `stairwell demo`: sign in, watch a repair sheet synced by a field device
//! appear on Today within 2 s without a reload, open a record with a
//! conflict and resolve it, switch the language, fetch a CSV export with
//! the page's session, and save screenshots to
//! `target/console-screenshots/`.
//!
//! The browser itself is `stairwell_tests::browser`. It needs Debian's
//! `chromium` and `chromium-driver`; `scripts/test-all` installs them.
//! Without them this test fails, saying so.

use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::{Client, Locator};
use serde_json::json;
use stairwell_core::kinds::repair_sheet::{Amendment, Intake, RepairSheet};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_tests::browser::{Browser, until};
use stairwell_tests::console::{Demo, PASSWORD, Phone};

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
    step("starting chromedriver and a WebDriver session");
    let browser = Browser::open(1280, 900, "en-US").await;
    let client = &browser.client;
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
    browser.sign_in(&url, "zhou.office", PASSWORD).await;
    assert!(browser.text().await.contains("Today"));
    let viewport = browser
        .script("return [window.innerWidth, window.innerHeight];")
        .await;
    assert_eq!(viewport, json!([1280, 900]), "the viewport");
    browser.shot("today").await;

    step("live update");
    // A field device syncs a new sheet: it shows within 2 s, no reload.
    browser
        .until(
            "return document.body.dataset.connected === '1';",
            Duration::from_secs(10),
        )
        .await
        .expect("the page's event stream opened");
    browser
        .script("window.__notReloaded = 42; return true;")
        .await;
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
    let shown = browser.until(&check, Duration::from_secs(2)).await;
    assert!(
        shown.is_some(),
        "the synced sheet did not show within 2 s of the sync ({:?})",
        synced.elapsed()
    );
    assert_eq!(
        browser.script("return window.__notReloaded;").await,
        json!(42),
        "the page was not reloaded"
    );
    browser.shot("today-live").await;

    step("twenty pages in a row");
    twenty_pages(client).await;

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
    let page = browser.text().await;
    assert!(page.contains("138 1111 1111") && page.contains("139 2222 2222"));
    assert!(page.contains("Device time") && page.contains("Server received"));
    browser.shot("record-conflict").await;
    buttons[1].clone().click().await.expect("resolve");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#no-conflicts"))
        .await
        .expect("the conflict is resolved");
    // Who wrote what is in the audit tables, folded away until asked for.
    browser
        .script("for (const d of document.querySelectorAll('details')) d.open = true; return true;")
        .await;
    let page = browser.text().await;
    assert!(
        page.contains("console-zhou.office"),
        "resolved by the signed-in user"
    );
    browser.shot("record-resolved").await;
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
    browser
        .until(
            "return document.documentElement.lang === 'zh-CN';",
            Duration::from_secs(5),
        )
        .await
        .expect("a Chinese page");
    let page = browser.text().await;
    assert!(page.contains("今日待办"), "Chinese navigation");
    assert!(page.contains("退出"));
    browser.shot("today-zh").await;
    client
        .find(Locator::Css("#lang-en"))
        .await
        .expect("the English switch")
        .click()
        .await
        .expect("switch");
    browser
        .until(
            "return document.documentElement.lang === 'en';",
            Duration::from_secs(5),
        )
        .await
        .expect("an English page");
    let page = browser.text().await;
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
    browser.shot("monthly").await;
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
        browser.shot(name).await;
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
    browser.close().await;
}
