//! Every page of the office console, in both languages and at a phone's and
//! a desktop's width, in a real headless Chromium against the real
//! `stairwell demo`: the sign-in form, then, signed in as the supervisor
//! (who is offered every form), Today, coverage, callbacks, the monthly
//! report, the duty log, both desk forms and a record page of every kind
//! and state the demo holds. Each is saved as a screenshot
//! (`target/console-screenshots/pages/<page>-<lang>-<width>.png`) and
//! checked for two things a person would notice at once:
//!
//! - the page is no wider than the window (no sideways scrolling), as
//!   loaded and again with every `<details>` opened; the failure names the
//!   element reaching furthest right, and a second screenshot
//!   (`…-overflow.png`) is scrolled to it;
//! - nothing is in the wrong language. The estate's own data (every string
//!   of every record, as a supervisor's phone holds it, its events, field
//!   writes and conflicts; the users, devices and estate names; the record
//!   ids) may be in either language, so each visible text has those
//!   removed, then digits, punctuation and spaces; what is left is the
//!   console's own words. The codes among a record's strings
//!   (`extra_urgent`, `car_park`) are not data: the console must name them.
//!   On a Chinese page the words may hold no English but the brand, the
//!   switch to English and the few words that the Chinese messages table
//!   itself uses (`CSV`, `MiB`…); on an English page no Chinese character
//!   but the switch to Chinese.
//!
//! Every problem of every page is collected, and the test fails once at
//! the end with the whole list (a text shown at both widths is one line,
//! `page lang 390+1280: "text"`). With `CONSOLE_PAGES_DUMP=<folder>` it
//! also writes there the data strings it removes (`data.txt`), the codes it
//! does not count as data (`codes.txt`) and every text it read, with what
//! was left of it once the data was removed (`texts.txt`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};
use stairwell_core::kinds::AnyRecord;
use stairwell_core::store::Query;
use stairwell_server::cli::demo::{ESTATE_ID, ESTATE_NAME, USERS};
use stairwell_server::console::messages::MESSAGES;
use stairwell_tests::browser::Browser;
use stairwell_tests::console::{Demo, PASSWORD, Phone};

/// The whole test may take this long; a hang fails it instead of CI.
const TEST_LIMIT: Duration = Duration::from_secs(240);

/// (width, height) of a phone and of a desktop.
const SIZES: [(u32, u32); 2] = [(390, 844), (1280, 900)];

/// A language: Chromium's, the console's code for it, and the `<html
/// lang>` of the console's pages in it.
struct Language {
    chromium: &'static str,
    code: &'static str,
    html: &'static str,
}

const LANGUAGES: [Language; 2] = [
    Language {
        chromium: "zh-CN",
        code: "zh",
        html: "zh-CN",
    },
    Language {
        chromium: "en-US",
        code: "en",
        html: "en",
    },
];

/// A page to visit: its name in the screenshots, its path, and an element
/// that shows it loaded.
#[derive(Debug, Clone)]
struct Page {
    name: String,
    path: String,
    marker: &'static str,
}

fn page(name: &str, path: &str, marker: &'static str) -> Page {
    Page {
        name: name.to_owned(),
        path: path.to_owned(),
        marker,
    }
}

/// The folded view of any record, as JSON (as the console's record page
/// reads it: `server/src/console/record.rs`, `view_json`).
fn view_json(record: &AnyRecord) -> Value {
    let view = match record {
        AnyRecord::RepairSheet(r) => serde_json::to_value(r.view()),
        AnyRecord::RouteTemplate(r) => serde_json::to_value(r.view()),
        AnyRecord::PatrolRound(r) => serde_json::to_value(r.view()),
        AnyRecord::ChecklistTemplate(r) => serde_json::to_value(r.view()),
        AnyRecord::Checklist(r) => serde_json::to_value(r.view()),
        AnyRecord::Complaint(r) => serde_json::to_value(r.view()),
        AnyRecord::DutyLog(r) => serde_json::to_value(r.view()),
    };
    view.expect("a record's view as JSON")
}

/// A code of the core's vocabulary (`extra_urgent`, `completed`): the
/// console must name it in the page's language, so it is not data.
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('_')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
}

/// Every string in `value`, recursively.
fn strings_of(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => add_data(text, out),
        Value::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings_of(item, out)),
        _ => {}
    }
}

fn add_data(text: &str, out: &mut BTreeSet<String>) {
    let text = text.trim();
    if !text.is_empty() {
        out.insert(text.to_owned());
    }
}

/// How much a record's page shows: whether it has fee lines, how many
/// signatures and photos, how long its view is.
type Richness = (bool, usize, usize);

/// How much `view`'s page shows.
fn richness(view: &Value) -> Richness {
    let fees = view
        .get("fee_lines")
        .and_then(Value::as_array)
        .is_some_and(|lines| !lines.is_empty());
    let text = view.to_string();
    (fees, text.matches("\"blob\"").count(), text.len())
}

/// What a supervisor's phone holds of the demo: the estate's data strings
/// and the records to visit, one of each kind and state (the one with the
/// most in it: a completed sheet with fee lines and a signature).
fn estate(demo: &Demo) -> (BTreeSet<String>, BTreeSet<String>, Vec<Page>) {
    let mut phone = Phone::enroll(&demo.url, &demo.token("chen.sup"));
    phone.sync();
    // The users' and the estate's names and ids are data, whatever they
    // look like (a user may be called `admin`).
    let mut people = BTreeSet::new();
    for user in USERS {
        add_data(user.id, &mut people);
        add_data(user.name, &mut people);
        add_data(user.device, &mut people);
        // The console's own writes are made as `console-<user>`.
        add_data(&format!("console-{}", user.id), &mut people);
    }
    add_data(ESTATE_ID, &mut people);
    add_data(ESTATE_NAME, &mut people);
    let mut data = BTreeSet::new();
    let entries = phone
        .store
        .list(&Query::new())
        .expect("the phone's records");
    assert!(!entries.is_empty(), "the demo's records reached the phone");
    // (kind, state) → (how much the record shows, id).
    let mut chosen: BTreeMap<(String, String), (Richness, String)> = BTreeMap::new();
    for entry in &entries {
        let record = phone
            .store
            .load(entry.id)
            .expect("load a record")
            .expect("the record is held");
        let view = view_json(&record);
        strings_of(&view, &mut data);
        let doc = record.doc();
        let header = doc.header();
        add_data(&header.id.to_string(), &mut data);
        add_data(&header.estate, &mut data);
        add_data(&header.created_by, &mut data);
        for event in doc.raw_events() {
            add_data(&event.user, &mut data);
            add_data(&event.device, &mut data);
            strings_of(&event.data, &mut data);
        }
        for write in stairwell_core::sync::audit::field_history(doc) {
            add_data(&write.user, &mut data);
            add_data(&write.device, &mut data);
            strings_of(&write.value, &mut data);
            write
                .previous
                .iter()
                .for_each(|value| strings_of(value, &mut data));
        }
        for conflict in doc.conflicts() {
            for value in &conflict.values {
                add_data(&value.user, &mut data);
                add_data(&value.device, &mut data);
                strings_of(&value.value, &mut data);
            }
        }
        let score = richness(&view);
        let key = (entry.kind.as_str().to_owned(), entry.state.clone());
        if chosen.get(&key).is_none_or(|(best, _)| score > *best) {
            chosen.insert(key, (score, entry.id.to_string()));
        }
    }
    let records = chosen
        .into_iter()
        .map(|((kind, state), (_, id))| Page {
            name: format!(
                "record-{}-{}",
                kind.replace('_', "-"),
                state.replace('_', "-")
            ),
            path: format!("/records/{id}"),
            marker: "#summary",
        })
        .inspect(|page| eprintln!("[console_pages] {} is {}", page.name, page.path))
        .collect();
    (people, data, records)
}

/// The demo's device ids (`dev-…`), shown on the account pages: data.
fn device_ids(demo: &Demo) -> Vec<String> {
    let conn = rusqlite::Connection::open(demo.data.join("stairwell.db")).expect("open db");
    let mut query = conn.prepare("SELECT id FROM devices").expect("query");
    query
        .query_map([], |row| row.get(0))
        .expect("devices")
        .collect::<Result<Vec<String>, _>>()
        .expect("device ids")
}

/// Makes an enrollment code for a technician from their account page, as
/// an admin clicks it, and checks the code page with its QR code.
async fn issue_code(
    browser: &Browser,
    url: &str,
    language: &Language,
    width: u32,
    found: &mut Findings,
) {
    browser
        .goto(&format!("{url}/accounts/users/wang.tech"))
        .await;
    browser
        .client
        .find(Locator::Css("#issue-code button"))
        .await
        .expect("the code form")
        .click()
        .await
        .expect("make a code");
    let shown = browser
        .client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css("#enroll-code"))
        .await
        .expect("the code page");
    found.data.push(shown.text().await.expect("the code"));
    found.data.push(url.to_owned());
    let code_page = page(
        "accounts-code",
        "/accounts/users/wang.tech/code",
        "#enroll-qr",
    );
    check(browser, &code_page, language, width, found).await;
}

/// Opens every `<details>`; whether there was one.
const OPEN_DETAILS: &str = r#"
const closed = [...document.querySelectorAll('details:not([open])')];
for (const d of closed) d.open = true;
return closed.length > 0;
"#;

/// The page's visible words, as (where, text): text nodes outside
/// scripts, styles, code, text areas and hidden elements, the options of
/// every shown select (open or not), and the labels in attributes
/// (placeholders, titles, alt texts, button values). Values typed or
/// filled into inputs are not read.
const VISIBLE_TEXT: &str = r#"
const shown = (el) => {
  const target = el.closest('select') || el;
  return target.checkVisibility({ checkVisibilityCSS: true });
};
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let node;
while ((node = walker.nextNode())) {
  const text = node.nodeValue.trim();
  const el = node.parentElement;
  if (!text || !el) continue;
  if (el.closest('script, style, code, textarea, noscript, template')) continue;
  if (!shown(el)) continue;
  out.push(['text', text]);
}
for (const el of document.body.querySelectorAll('*')) {
  if (!shown(el)) continue;
  const names = ['placeholder', 'title', 'aria-label', 'alt'];
  if (el.matches('option, optgroup')) names.push('label');
  for (const name of names) {
    const value = (el.getAttribute(name) || '').trim();
    if (value) out.push([name, value]);
  }
  if (el.matches('input[type=submit], input[type=button], input[type=reset]') && el.value.trim()) {
    out.push(['value', el.value.trim()]);
  }
}
return out;
"#;

/// Whether the page is wider than the window, and if so the element that
/// reaches furthest right (the outermost of those that do), not counting
/// what is hidden or sits inside a box that scrolls or clips sideways.
const OVERFLOW: &str = r#"
const root = document.documentElement;
const scrollWidth = root.scrollWidth, innerWidth = window.innerWidth;
if (scrollWidth <= innerWidth) return null;
// Every element by its right edge, in document order, not looking inside
// boxes that scroll or clip sideways (what overflows there is theirs).
const edges = [];
const walk = (el) => {
  for (const child of el.children) {
    // Not what is not shown (the inside of a closed <details>).
    if (!child.checkVisibility()) continue;
    const rect = child.getBoundingClientRect();
    if (rect.width > 0) edges.push([child, rect.right + window.scrollX, rect.width]);
    if (getComputedStyle(child).overflowX === 'visible') walk(child);
  }
};
walk(document.body);
const right = Math.max(...edges.map((edge) => edge[1]));
// The outermost of those reaching furthest, and a few others (not inside
// it) that reach as far: the items of a grid that one of them widens do.
const furthest = edges.filter((edge) => edge[1] >= right - 0.5);
const others = furthest.filter((edge) => !furthest[0][0].contains(edge[0]));
const name = (el) => {
  let text = el.tagName.toLowerCase();
  if (el.id) text += '#' + el.id;
  for (const c of el.classList) text += '.' + c;
  return text;
};
const path = (el) => {
  const names = [];
  for (; el && el !== document.body; el = el.parentElement) names.unshift(name(el));
  return names.join(' > ');
};
const [best, , width] = furthest[0];
for (const el of document.querySelectorAll('[data-overflow-test]')) el.removeAttribute('data-overflow-test');
best.setAttribute('data-overflow-test', '1');
return {
  scrollWidth, innerWidth,
  element: path(best),
  right: Math.round(right),
  width: Math.round(width),
  text: (best.innerText || '').replace(/\s+/g, ' ').slice(0, 80),
  also: others.slice(0, 3).map((edge) => path(edge[0])),
  more: Math.max(0, others.length - 3),
};
"#;

/// Removes every occurrence of the data strings (longest first) from
/// `text`, leaving a space in their place. A string starting or ending
/// with an ASCII letter is removed only where it is not part of a longer
/// word (the data string `Li` leaves `List` alone).
fn strip_data(text: &str, data: &[String]) -> String {
    let mut text = text.to_owned();
    for item in data {
        if !text.contains(item.as_str()) {
            continue;
        }
        let starts = item.starts_with(|c: char| c.is_ascii_alphabetic());
        let ends = item.ends_with(|c: char| c.is_ascii_alphabetic());
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(item.as_str()) {
            let before = rest[..at].chars().next_back().or(out.chars().next_back());
            let after = rest[at + item.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
            if (starts && word(before)) || (ends && word(after)) {
                let step = at + item.chars().next().map_or(1, char::len_utf8);
                out.push_str(&rest[..step]);
                rest = &rest[step..];
            } else {
                out.push_str(&rest[..at]);
                out.push(' ');
                rest = &rest[at + item.len()..];
            }
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3100}'..='\u{31BF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// The words left in `text` once the data is removed: runs of letters,
/// everything else (digits, punctuation, spaces, currency signs, and with
/// them times and dates) a separator.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The words in the wrong language in `text` (already stripped of data).
fn wrong_words(text: &str, lang: &str, allowed_in_zh: &HashSet<String>) -> Vec<String> {
    let mut wrong = Vec::new();
    for word in words(text) {
        if lang == "zh" {
            // Runs of two or more ASCII letters inside the word.
            for run in word
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|run| run.len() >= 2)
            {
                if !allowed_in_zh.contains(run) {
                    wrong.push(run.to_owned());
                }
            }
        } else if word.chars().any(is_cjk) && word != "中文" {
            wrong.push(word);
        }
    }
    wrong
}

/// The ASCII words a Chinese page may show: the brand, the switch to
/// English, and every ASCII word some Chinese message uses.
fn allowed_in_zh() -> HashSet<String> {
    let mut allowed: HashSet<String> = ["Stairwell".to_owned()].into();
    for (key, zh, en) in MESSAGES {
        if *key == "lang.name" {
            allowed.insert((*en).to_owned());
        }
        for run in zh
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|run| run.len() >= 2)
        {
            allowed.insert(run.to_owned());
        }
    }
    allowed
}

/// A text a page showed.
struct Seen {
    page: String,
    lang: &'static str,
    width: u32,
    /// `text` for a text node, else the attribute (`placeholder`…).
    place: String,
    text: String,
}

/// A text in the wrong language, and at which widths it showed.
struct Wrong {
    page: String,
    lang: &'static str,
    place: String,
    text: String,
    widths: Vec<u32>,
    words: Vec<String>,
}

/// What the pages showed, to check once every page is seen.
#[derive(Default)]
struct Findings {
    /// In the order seen.
    texts: Vec<Seen>,
    /// Pages wider than the window, and pages that did not load.
    problems: Vec<String>,
    shots: Vec<String>,
    /// Data only the tour itself made (enrollment codes): not the
    /// console's words.
    data: Vec<String>,
}

async fn visit(
    browser: &Browser,
    url: &str,
    page: &Page,
    language: &Language,
    width: u32,
    found: &mut Findings,
) {
    browser.goto(&format!("{url}{}", page.path)).await;
    check(browser, page, language, width, found).await;
}

/// Checks the page the browser shows: loaded, in its language, no wider
/// than the window; its screenshot and its words go to `found`.
async fn check(
    browser: &Browser,
    page: &Page,
    language: &Language,
    width: u32,
    found: &mut Findings,
) {
    let lang = language.code;
    let loaded = browser
        .client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(page.marker))
        .await;
    if loaded.is_err() {
        let shown = browser.text().await;
        found.problems.push(format!(
            "{} {lang} {width}: did not load ({} missing): {:?}",
            page.name,
            page.marker,
            shown.chars().take(200).collect::<String>()
        ));
    }
    let html_lang = browser
        .script("return document.documentElement.lang;")
        .await;
    let expected = language.html;
    if html_lang != json!(expected) {
        found.problems.push(format!(
            "{} {lang} {width}: <html lang> is {html_lang}, not {expected}",
            page.name
        ));
    }
    let variant = format!("{} {lang} {width}", page.name);
    let shot = format!("pages/{}-{lang}-{width}", page.name);
    let path = browser.shot(&shot).await;
    found.shots.push(path.display().to_string());
    let first = browser.script(OVERFLOW).await;
    if !first.is_null() {
        note_overflow(
            browser,
            &variant,
            &format!("{shot}-overflow"),
            &first,
            found,
        )
        .await;
    }
    // What a closed <details> holds (the record's audit tables) must fit
    // too once opened; its words are read opened.
    if browser.script(OPEN_DETAILS).await == json!(true) {
        let opened = browser.script(OVERFLOW).await;
        if !opened.is_null() && opened["element"] != first["element"] {
            note_overflow(
                browser,
                &format!("{variant} (<details> opened)"),
                &format!("{shot}-opened-overflow"),
                &opened,
                found,
            )
            .await;
        }
    }
    let texts = browser.script(VISIBLE_TEXT).await;
    for item in texts.as_array().into_iter().flatten() {
        found.texts.push(Seen {
            page: page.name.clone(),
            lang,
            width,
            place: item[0].as_str().unwrap_or("text").to_owned(),
            text: item[1].as_str().unwrap_or("").to_owned(),
        });
    }
}

/// Notes in `found` that the page runs over the window (`overflow` is
/// what [`OVERFLOW`] found), with a screenshot scrolled to the element
/// reaching furthest.
async fn note_overflow(
    browser: &Browser,
    variant: &str,
    shot: &str,
    overflow: &Value,
    found: &mut Findings,
) {
    let also: Vec<&str> = overflow["also"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let also = match (also.is_empty(), overflow["more"].as_u64().unwrap_or(0)) {
        (true, _) => String::new(),
        (false, 0) => format!("; as far: {}", also.join(", ")),
        (false, more) => format!("; as far: {} and {more} more", also.join(", ")),
    };
    found.problems.push(format!(
        "{variant}: the page is {} px wide in a {} px window; furthest right: `{}` \
         (right edge {} px, {} px wide{also}): {:?}",
        overflow["scrollWidth"],
        overflow["innerWidth"],
        overflow["element"].as_str().unwrap_or("?"),
        overflow["right"],
        overflow["width"],
        overflow["text"].as_str().unwrap_or(""),
    ));
    browser
        .script(
            "document.querySelector('[data-overflow-test]')\
             .scrollIntoView({block: 'start', inline: 'nearest'}); return true;",
        )
        .await;
    let path = browser.shot(shot).await;
    found.shots.push(path.display().to_string());
}

fn step(what: &str) {
    eprintln!("[console_pages] {what}");
}

async fn tour() {
    let started = Instant::now();
    step("starting the demo");
    let demo = tokio::task::block_in_place(Demo::start);
    let url = demo.url.clone();
    step("syncing a supervisor's phone: the estate's data");
    let (people, strings, records) = tokio::task::block_in_place(|| estate(&demo));
    // The codes among the records' strings are the console's to name.
    let (codes, mut data): (Vec<String>, Vec<String>) = strings
        .into_iter()
        .filter(|text| !people.contains(text))
        .partition(|text| is_code(text));
    data.extend(people);
    let dump = std::env::var_os("CONSOLE_PAGES_DUMP").map(std::path::PathBuf::from);
    if let Some(dump) = &dump {
        std::fs::write(dump.join("data.txt"), data.join("\n")).expect("dump");
        std::fs::write(dump.join("codes.txt"), codes.join("\n")).expect("dump");
    }
    data.extend(tokio::task::block_in_place(|| device_ids(&demo)));
    // Longest first, so a name is removed before a part of it.
    data.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let mut pages = vec![
        page("today", "/", "#today"),
        page("coverage", "/coverage", "#coverage-grid"),
        page("callbacks", "/callbacks", "#callbacks-due"),
        page("monthly", "/monthly", "svg#chart-callbacks"),
        page("duty", "/duty", "#duty-counts"),
        page("desk-repair-new", "/desk/repair/new", "#repair-form"),
        page(
            "desk-complaint-new",
            "/desk/complaint/new",
            "#complaint-form",
        ),
    ];
    pages.extend(records);
    step(&format!(
        "{} pages, {} data strings ({:?})",
        pages.len() + 1,
        data.len(),
        started.elapsed()
    ));
    let login = page("login", "/login", "#login-form");
    let admin_pages = [
        page("accounts", "/accounts", "#users"),
        page("accounts-user", "/accounts/users/wang.tech", "#devices"),
        page("accounts-log", "/accounts/log", "#account-log"),
    ];

    let mut found = Findings::default();
    for language in &LANGUAGES {
        let lang = language.code;
        step(&format!("a browser in {}", language.chromium));
        let (width, height) = SIZES[0];
        let browser = Browser::open(width, height, language.chromium).await;
        for (index, (width, height)) in SIZES.into_iter().enumerate() {
            if index > 0 {
                browser.resize(width, height).await;
            }
            visit(&browser, &url, &login, language, width, &mut found).await;
        }
        browser.sign_in(&url, "chen.sup", PASSWORD).await;
        for (width, height) in SIZES {
            step(&format!(
                "{lang} at {width} × {height} ({:?})",
                started.elapsed()
            ));
            browser.resize(width, height).await;
            for page in &pages {
                visit(&browser, &url, page, language, width, &mut found).await;
            }
        }
        step(&format!(
            "{lang}: the admin's pages ({:?})",
            started.elapsed()
        ));
        browser.sign_in(&url, "admin", PASSWORD).await;
        for (width, height) in SIZES {
            browser.resize(width, height).await;
            issue_code(&browser, &url, language, width, &mut found).await;
            for page in &admin_pages {
                visit(&browser, &url, page, language, width, &mut found).await;
            }
        }
        browser.close().await;
    }

    if let Some(dump) = &dump {
        let lines: Vec<String> = found
            .texts
            .iter()
            .map(|seen| {
                let left = strip_data(&seen.text, &data);
                format!(
                    "{}\t{}\t{}\t{}\t{:?}\t{left:?}",
                    seen.page, seen.lang, seen.width, seen.place, seen.text
                )
            })
            .collect();
        std::fs::write(dump.join("texts.txt"), lines.join("\n")).expect("dump");
    }
    step(&format!("checking the words ({:?})", started.elapsed()));
    data.extend(found.data.iter().cloned());
    data.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let allowed = allowed_in_zh();
    let mut cache: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    let mut wrong: Vec<Wrong> = Vec::new();
    for seen in &found.texts {
        let words = cache
            .entry((seen.lang, seen.text.as_str()))
            .or_insert_with(|| wrong_words(&strip_data(&seen.text, &data), seen.lang, &allowed));
        if words.is_empty() {
            continue;
        }
        let same = wrong.iter_mut().find(|known| {
            known.page == seen.page
                && known.lang == seen.lang
                && known.place == seen.place
                && known.text == seen.text
        });
        match same {
            Some(known) if known.widths.contains(&seen.width) => {}
            Some(known) => known.widths.push(seen.width),
            None => wrong.push(Wrong {
                page: seen.page.clone(),
                lang: seen.lang,
                place: seen.place.clone(),
                text: seen.text.clone(),
                widths: vec![seen.width],
                words: words.clone(),
            }),
        }
    }
    let wrong: Vec<String> = wrong
        .iter()
        .map(|wrong| {
            let widths: Vec<String> = wrong.widths.iter().map(u32::to_string).collect();
            let place = if wrong.place == "text" {
                String::new()
            } else {
                format!(" [{}]", wrong.place)
            };
            format!(
                "{} {} {}:{place} {:?}  ← {}",
                wrong.page,
                wrong.lang,
                widths.join("+"),
                wrong.text,
                wrong.words.join(", ")
            )
        })
        .collect();
    step(&format!(
        "{} screenshots in {}, {:?}",
        found.shots.len(),
        stairwell_tests::browser::screenshots_dir()
            .join("pages")
            .display(),
        started.elapsed()
    ));
    if !wrong.is_empty() || !found.problems.is_empty() {
        let mut report = String::new();
        if !found.problems.is_empty() {
            let _ = writeln!(
                report,
                "{} page(s) wider than the window or not loaded:",
                found.problems.len()
            );
            for problem in &found.problems {
                let _ = writeln!(report, "  {problem}");
            }
        }
        if !wrong.is_empty() {
            let _ = writeln!(
                report,
                "{} text(s) in the wrong language (page lang widths: \"text node\"  ← words):",
                wrong.len()
            );
            for line in &wrong {
                let _ = writeln!(report, "  {line}");
            }
        }
        panic!("the console's pages:\n{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_both_languages_at_phone_and_desktop_width() {
    let started = Instant::now();
    if tokio::time::timeout(TEST_LIMIT, tour()).await.is_err() {
        panic!(
            "the page tour did not finish within {TEST_LIMIT:?} (started {:?} ago)",
            started.elapsed()
        );
    }
}

#[test]
fn data_is_removed_whole_words_only() {
    let data = vec!["Lin Xiao".to_owned(), "Li".to_owned(), "东苑".to_owned()];
    assert_eq!(strip_data("List of Li", &data).trim(), "List of");
    assert_eq!(strip_data("by Lin Xiao", &data).trim(), "by");
    assert_eq!(strip_data("东苑小区", &data).trim(), "小区");
    let allowed = allowed_in_zh();
    assert!(allowed.contains("CSV") && allowed.contains("English"));
    assert_eq!(
        wrong_words("导出 CSV · 12:30 ¥45.00", "zh", &allowed),
        Vec::<String>::new()
    );
    assert_eq!(
        wrong_words("单价 unit price", "zh", &allowed),
        ["unit", "price"]
    );
    assert_eq!(
        wrong_words("late by 45 min", "en", &allowed),
        Vec::<String>::new()
    );
    assert_eq!(wrong_words("Due 期限", "en", &allowed), ["期限"]);
    assert!(wrong_words("中文", "en", &allowed).is_empty());
    assert!(is_code("extra_urgent") && !is_code("B2-0707") && !is_code("Lin Xiao"));
}
