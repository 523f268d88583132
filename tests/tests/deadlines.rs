//! Deadline journeys: each record kind walked through its lifecycle with the
//! field command line against a real server, by the people who take each
//! step on their own phones. After every step every phone syncs, and the
//! test asserts what the record waits on, the same everywhere it is shown:
//! `list --json` and `show --json` on two phones, the server's index row,
//! and the office's Today page in the console. A met deadline is never what
//! a record waits on, so it can never be shown as late. Repair sheets,
//! complaints, help requests and patrol rounds have deadlines; checklists,
//! their templates, routes and duty logs have none, at any step.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;
use stairwell_core::record::Role;
use stairwell_server::console::Lang;
use stairwell_server::console::html;
use stairwell_tests::api::{World, issue, world};
use stairwell_tests::console::{Web, admin};
use stairwell_tests::field_cli::{enroll, field, json};

const PASSWORD: &str = "desk-pass";

/// The estate's people, each with a phone (a field store enrolled with
/// their own device), and the office's browser signed in as the desk.
struct Estate {
    world: World,
    desk: PathBuf,
    tech: PathBuf,
    supervisor: PathBuf,
    patrol: PathBuf,
    web: Web,
}

impl Estate {
    fn new() -> Estate {
        let world = world(&[]);
        let wang = issue(&world.data, "wang", Role::Technician);
        let desk = enroll(&world, "desk", &world.desk.token);
        let tech = enroll(&world, "tech", &wang.token);
        let supervisor = enroll(&world, "supervisor", &world.supervisor.token);
        let patrol = enroll(&world, "patrol", &world.patrol.token);
        let (ok, said) = admin(
            &world.data,
            &["user", "password", "lin", "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert!(ok, "{said}");
        let mut web = Web::new(&world.client().url);
        assert_eq!(web.login("lin", PASSWORD).status, 303);
        Estate {
            world,
            desk,
            tech,
            supervisor,
            patrol,
            web,
        }
    }

    /// Every phone syncs twice round, so each holds what any other did.
    fn sync_all(&self) {
        for _ in 0..2 {
            for store in [&self.desk, &self.tech, &self.supervisor, &self.patrol] {
                field(store, &["sync"]);
            }
        }
    }

    /// After a step by `store`: everyone syncs, then the record waits on
    /// `rule` (or nothing) on both phones, the server and Today, not late.
    #[track_caller]
    fn waits_on(&mut self, step: &str, id: &str, rule: Option<&str>) -> Option<DateTime<Utc>> {
        self.sync_all();
        let now = Utc::now();
        let on_desk = phone_waits_on(&self.desk, id);
        let on_tech = phone_waits_on(&self.tech, id);
        assert_eq!(on_desk, on_tech, "{step}: both phones agree");
        assert_eq!(
            on_desk.1.as_deref(),
            rule,
            "{step}: the rule the record waits on"
        );
        assert_eq!(
            server_waits_on(&self.world.data, id),
            on_desk,
            "{step}: server index"
        );
        let due = on_desk.0.and_then(DateTime::from_timestamp_millis);
        if let Some(due) = due {
            assert!(
                due >= now - Duration::milliseconds(1),
                "{step}: not late: {due}"
            );
        }
        // Today lists the open repair sheets and complaints; patrol rounds'
        // findings are on the coverage page.
        let entry = &json(&self.desk, &["show", id, "--json"])["entry"];
        let on_today = entry["open"] == true
            && ["repair_sheet", "complaint"].contains(&entry["kind"].as_str().unwrap_or(""));
        self.today_shows(step, id, rule, on_today);
        due
    }

    /// Today lists an open sheet or complaint with the rule it waits on, not
    /// marked late; one that waits on nothing shows no rule. A record no
    /// longer open (done, waiting for its hand-back or callbacks) is not on
    /// Today: the Callbacks page lists those.
    fn today_shows(&mut self, step: &str, id: &str, rule: Option<&str>, listed: bool) {
        let page = self.web.get("/");
        assert_eq!(page.status, 200, "{step}: Today");
        let Some(row) = today_row(&page.body, id) else {
            assert!(
                !listed,
                "{step}: Today lists every open sheet and complaint"
            );
            return;
        };
        assert!(
            listed,
            "{step}: Today lists only open sheets and complaints"
        );
        assert!(
            !row.contains("class=\"late\""),
            "{step}: not late on Today: {row}"
        );
        match rule {
            Some(code) => assert!(
                [Lang::En, Lang::Zh]
                    .iter()
                    .any(|lang| row.contains(&html::esc(&html::rule(*lang, code)))),
                "{step}: Today names {code}: {row}"
            ),
            None => assert!(row.contains(">—</td>"), "{step}: no deadline: {row}"),
        }
    }
}

#[test]
fn a_repair_sheet_waits_on_each_next_deadline_from_report_to_callback() {
    let mut estate = Estate::new();
    let called = stamp(Utc::now() - Duration::minutes(1));
    let id = field(
        &estate.desk,
        &[
            "repair",
            "open",
            "--resident",
            "李先生",
            "--unit",
            "B2-1203",
            "--phone",
            "138 0000 1234",
            "--problem",
            "厨房水龙头漏水",
            "--location",
            "in-unit",
            "--urgency",
            "urgent",
            "--reported-at",
            &called,
        ],
    );
    let id = id.as_str();
    estate.waits_on("opened", id, Some("repair.engineering_told_to_collect"));
    field(
        &estate.desk,
        &["repair", "dispatch", id, "--technician", "wang"],
    );
    let before_arrival = estate
        .waits_on("dispatched", id, Some("repair.paid_now_technician_on_site"))
        .expect("due");
    assert!(before_arrival <= Utc::now() + Duration::minutes(15));
    // The technician is on site in time: the urgent tier's clock and the
    // on-site clock are both kept, and nothing is due until completion.
    field(&estate.tech, &["repair", "arrive", id]);
    estate.waits_on("on site", id, None);
    field(
        &estate.tech,
        &[
            "repair",
            "confirm-items",
            id,
            "--item",
            "tap",
            "--fee-standard",
            "price list 3.2",
        ],
    );
    field(&estate.tech, &["repair", "agree", id]);
    estate.waits_on("agreed", id, None);
    field(
        &estate.tech,
        &[
            "repair",
            "complete",
            id,
            "--item",
            "tap",
            "--signature",
            HASH,
            "--signer",
            "李先生",
            "--satisfaction",
            "satisfied",
        ],
    );
    estate.waits_on("completed", id, Some("repair.sheets_handed_back"));
    field(&estate.tech, &["repair", "hand-back", id]);
    estate.waits_on("handed back", id, Some("callback.after_repair"));
    field(&estate.supervisor, &["repair", "confirm-return", id]);
    estate.waits_on("returned", id, Some("callback.after_repair"));
    let follow_up = Utc::now() + Duration::days(2);
    call_back(
        &estate.desk,
        "repair",
        id,
        (false, "still drips"),
        Some(follow_up),
    );
    let due = estate.waits_on("called back, unsatisfied", id, Some("callback.follow_up"));
    assert_eq!(due.map(|due| due.timestamp()), Some(follow_up.timestamp()));
    call_back(&estate.desk, "repair", id, (true, "fixed"), None);
    estate.waits_on("called back, satisfied", id, None);
}

#[test]
fn a_complaint_waits_on_its_handling_then_its_callbacks() {
    let mut estate = Estate::new();
    let id = open_complaint(
        &estate.desk,
        ("property", "noise at night", "from 2-1201"),
        &[
            "--recorded",
            "noise from 2-1201 after 23:00",
            "--repeated-back",
            "--reported-to",
            "head1",
        ],
    );
    let id = id.as_str();
    estate.waits_on("received", id, Some("complaint.handled"));
    field(
        &estate.desk,
        &[
            "complaint",
            "dispatch",
            id,
            "--department",
            "property",
            "--person",
            "li",
        ],
    );
    estate.waits_on("dispatched", id, Some("complaint.handled"));
    field(
        &estate.desk,
        &["complaint", "handle", id, "--action", "spoke to 2-1201"],
    );
    estate.waits_on("handled", id, Some("callback.after_complaint"));
    let follow_up = Utc::now() + Duration::days(1);
    call_back(
        &estate.desk,
        "complaint",
        id,
        (false, "still noisy"),
        Some(follow_up),
    );
    estate.waits_on("called back, unsatisfied", id, Some("callback.follow_up"));
    let callbacks = report(&estate, "/v1/reports/callbacks?estate=e1");
    assert!(
        callbacks["overdue"].as_array().expect("overdue").is_empty(),
        "a callback made in time is not overdue: {callbacks}"
    );
    let due: Vec<&str> = callbacks["due"]
        .as_array()
        .expect("due")
        .iter()
        .filter_map(|case| case["record_id"].as_str())
        .collect();
    assert_eq!(due, [id], "the follow-up is still due");
    call_back(&estate.desk, "complaint", id, (true, "quiet now"), None);
    estate.waits_on("called back, satisfied", id, None);
}

#[test]
fn a_help_request_waits_on_its_answer_until_it_is_solved() {
    let mut estate = Estate::new();
    let id = open_complaint(
        &estate.desk,
        ("security", "bike stolen", "when"),
        &[
            "--repeated-back",
            "--recorded",
            "bike stolen from B1",
            "--help-request",
            "crime:theft",
        ],
    );
    let id = id.as_str();
    estate.waits_on("received", id, Some("help_request.answered"));
    field(
        &estate.desk,
        &[
            "complaint",
            "answer",
            id,
            "--reply",
            "security on the way",
            "--unsolved",
        ],
    );
    estate.waits_on("answered, unsolved", id, Some("help_request.answered"));
    field(
        &estate.desk,
        &[
            "complaint",
            "answer",
            id,
            "--reply",
            "the bike was found in B2",
            "--solved",
        ],
    );
    estate.waits_on("solved", id, None);
}

#[test]
fn a_patrol_round_waits_on_its_findings_report_until_a_repair_is_opened() {
    let mut estate = Estate::new();
    field(
        &estate.supervisor,
        &[
            "route",
            "define",
            "--name",
            "Night",
            "--checkpoint",
            "A:B1:1F:lobby",
            "--checkpoint",
            "B:B1:2F:corridor",
        ],
    );
    estate.sync_all();
    let routes = json(
        &estate.patrol,
        &["list", "--json", "--kind", "route-template"],
    );
    let route = routes[0]["id"].as_str().expect("a route").to_owned();
    let round = field(&estate.patrol, &["patrol", "start", "--route", &route]);
    let round = round.as_str();
    estate.waits_on("started", round, None);
    field(&estate.patrol, &["patrol", "checkin", round, "--code", "A"]);
    field(
        &estate.patrol,
        &[
            "patrol",
            "finding",
            round,
            "--category",
            "facility-damage",
            "--description",
            "lamp out",
            "--building",
            "B1",
            "--floor",
            "1F",
        ],
    );
    estate.waits_on("a finding", round, Some("patrol.facility_damage_reported"));
    let shown = json(&estate.patrol, &["show", round, "--json"]);
    let finding = shown["view"]["findings"][0]["id"]
        .as_str()
        .expect("finding");
    let sheet = field(
        &estate.patrol,
        &[
            "patrol",
            "open-repair",
            round,
            "--finding",
            finding,
            "--resident",
            "物业",
            "--unit",
            "B1 1F lobby",
            "--phone",
            "0755-2888 0000",
            "--problem",
            "lamp out",
            "--location",
            "public-area",
            "--urgency",
            "normal",
        ],
    );
    estate.waits_on("repair opened", round, None);
    estate.waits_on(
        "the new sheet",
        sheet.trim(),
        Some("repair.public_area_engineering_told"),
    );
    field(&estate.patrol, &["patrol", "checkin", round, "--code", "B"]);
    field(&estate.patrol, &["patrol", "finish", round]);
    estate.waits_on("finished", round, None);
}

#[test]
fn checklists_and_duty_logs_wait_on_nothing_at_any_step() {
    let mut estate = Estate::new();
    let template = field(
        &estate.supervisor,
        &[
            "checklist-template",
            "define",
            "--name",
            "Public areas",
            "--type",
            "public-area",
        ],
    );
    estate.waits_on("template defined", &template, None);
    let checklist = field(
        &estate.patrol,
        &[
            "checklist",
            "start",
            "--template",
            &template,
            "--building",
            "B1",
            "--floor",
            "1F",
        ],
    );
    estate.waits_on("checklist started", &checklist, None);
    let shown = json(&estate.patrol, &["show", &checklist, "--json"]);
    let items: Vec<String> = shown["view"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect();
    for item in &items {
        field(
            &estate.patrol,
            &[
                "checklist",
                "set",
                &checklist,
                "--item",
                item,
                "--result",
                "pass",
            ],
        );
    }
    estate.waits_on("every item set", &checklist, None);
    field(
        &estate.patrol,
        &[
            "checklist",
            "sign",
            &checklist,
            "--signature",
            HASH,
            "--signer",
            "li",
        ],
    );
    field(&estate.patrol, &["checklist", "complete", &checklist]);
    estate.waits_on("checklist completed", &checklist, None);

    field(
        &estate.desk,
        &[
            "duty",
            "append",
            "--text",
            "lift 2 stuck",
            "--category",
            "incident",
            "--follow-up",
        ],
    );
    let logs = json(&estate.desk, &["list", "--json", "--kind", "duty-log"]);
    let log = logs[0]["id"].as_str().expect("the day's log").to_owned();
    estate.waits_on("duty entry", &log, None);
}

/// A phone callback by the desk: satisfied or not, what was said, and the
/// date an unsatisfied one sets for the follow-up.
fn call_back(
    store: &Path,
    kind: &str,
    id: &str,
    (satisfied, outcome): (bool, &str),
    follow_up: Option<DateTime<Utc>>,
) {
    let verdict = if satisfied {
        "--satisfied"
    } else {
        "--unsatisfied"
    };
    let by = follow_up.map(stamp);
    let mut args = vec![
        kind,
        "call-back",
        id,
        "--method",
        "phone",
        verdict,
        "--outcome",
        outcome,
    ];
    if let Some(by) = &by {
        args.extend(["--follow-up-by", by.as_str()]);
    }
    field(store, &args);
}

/// A complaint (or, with `--help-request`, a help request) taken by the
/// four clears: the department, what was heard and asked, then `rest`.
fn open_complaint(
    store: &Path,
    (department, heard, asked): (&str, &str, &str),
    rest: &[&str],
) -> String {
    let mut args = vec![
        "complaint",
        "open",
        "--resident",
        "Chen Jie",
        "--unit",
        "3-1201",
        "--phone",
        "13800000000",
        "--department",
        department,
        "--heard",
        heard,
        "--asked",
        asked,
    ];
    args.extend(rest);
    field(store, &args)
}

/// A stand-in signature image's hash.
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A due time to the millisecond (what the server's index keeps), and the
/// rule's code.
type WaitsOn = (Option<i64>, Option<String>);

/// What the record waits on as a phone shows it: `show --json`'s entry,
/// which must be the row `list --json` prints.
fn phone_waits_on(store: &Path, id: &str) -> WaitsOn {
    let shown = json(store, &["show", id, "--json"]);
    let listed = json(store, &["list", "--json"]);
    let row = listed
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == id)
        .expect("listed");
    assert_eq!(&shown["entry"], row, "show and list agree");
    let due = row["due"].as_str().map(|due| {
        let due: DateTime<Utc> = due.parse().expect("an RFC 3339 due");
        due.timestamp_millis()
    });
    (due, row["due_rule"].as_str().map(str::to_owned))
}

/// The server's index row of the record, read from its database.
fn server_waits_on(data: &Path, id: &str) -> WaitsOn {
    let db = rusqlite::Connection::open(data.join("stairwell.db")).expect("open the server db");
    let (due, rule): (Option<i64>, Option<String>) = db
        .query_row(
            "SELECT due, due_rule FROM read_model WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the server's index row");
    (due, rule)
}

/// The `<tr>` of Today's table that shows the record.
fn today_row(body: &str, id: &str) -> Option<String> {
    let start = body.find(&format!("data-id=\"{id}\""))?;
    let open = body[..start].rfind("<tr")?;
    let end = body[start..].find("</tr>")? + start;
    Some(body[open..end].to_owned())
}

/// A JSON report, with the desk's device token.
fn report(estate: &Estate, path: &str) -> Value {
    let (status, body) = estate
        .world
        .client()
        .get_with_token(path, &estate.world.desk.token);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("a JSON report")
}
