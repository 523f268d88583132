//! The office console's access rules over real HTTP, against the real
//! `stairwell demo` on 127.0.0.1:0 plus a second estate made with the admin
//! command line: nothing without a session, nothing of another estate,
//! no form without its CSRF token, no sign-in with a wrong password, no
//! session after sign-out or a password change.

use chrono::{Duration, Utc};
use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_tests::console::{Demo, PASSWORD, Phone, Web, admin};

fn sheet(phone: &Phone, estate: &str, problem: &str) -> RepairSheet {
    let now = Utc::now();
    let intake = Intake {
        resident_name: "Resident".into(),
        unit: "W1-0101".into(),
        phone: "139 0000 0000".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    };
    RepairSheet::open(
        &phone.editor,
        now,
        estate,
        intake,
        now - Duration::minutes(1),
        None,
    )
    .expect("open")
}

fn one(demo: &Demo, sql: &str) -> String {
    stairwell_tests::backend::text(&demo.data, sql)
}

fn assert_sign_in_first(web: &mut Web, path: &str) {
    let answer = web.get(path);
    assert_eq!(
        answer.status, 303,
        "{path} without a session: {}",
        answer.body
    );
    let location = answer.location.unwrap_or_default();
    assert!(location.starts_with("/login"), "{path} goes to {location}");
    assert!(!answer.body.contains("east-court"), "{path} leaks nothing");
}

#[test]
fn the_console_needs_a_session_and_keeps_to_its_estates() {
    let demo = Demo::start();
    let east_sheet = one(
        &demo,
        "SELECT id FROM read_model WHERE kind = 'repair_sheet' AND state = 'called_back' LIMIT 1",
    );

    // A second estate, with its own front desk and office user.
    demo.admin(
        &[
            "estate",
            "add",
            "west",
            "--name",
            "West Court",
            "--tz",
            "Asia/Shanghai",
        ],
        "",
    );
    for (user, role) in [("west.desk", "front_desk"), ("west.office", "office")] {
        demo.admin(
            &[
                "user", "add", user, "--name", user, "--role", role, "--estate", "west",
            ],
            "",
        );
    }
    demo.admin(
        &["user", "password", "west.office", "--password-stdin"],
        "west-secret\n",
    );
    let issued = demo.admin(&["device", "issue", "--user", "west.desk"], "");
    let token = issued
        .lines()
        .find_map(|line| line.strip_prefix("token:"))
        .expect("token")
        .trim()
        .to_owned();
    let mut west_phone = Phone::enroll(&demo.url, &token);
    let mut west = sheet(&west_phone, "west", "West boiler");
    let png = b"\x89PNG\r\n\x1a\n a photo of the boiler".to_vec();
    let photo = west_phone.store.add_blob(&png).expect("blob");
    west.attach_photo(&west_phone.editor, Utc::now(), photo.clone(), "boiler")
        .expect("photo");
    let west_id = west_phone.insert(west.doc()).to_string();
    west_phone.sync();

    // Field roles get no console password.
    let (ok, said) = admin(
        &demo.data,
        &["user", "password", "wang.tech"],
        "longenough\n",
    );
    assert!(!ok, "a technician gets no console password");
    assert!(said.contains("only office"), "{said}");

    // Nothing without a session.
    let mut anonymous = Web::new(&demo.url);
    let pages = [
        "/".to_owned(),
        "/coverage".to_owned(),
        "/callbacks".to_owned(),
        "/monthly".to_owned(),
        "/monthly?month=2026-03".to_owned(),
        "/duty".to_owned(),
        "/desk/repair/new".to_owned(),
        "/desk/complaint/new".to_owned(),
        "/events".to_owned(),
        format!("/records/{east_sheet}"),
        format!("/records/{east_sheet}/blobs/{}", "a".repeat(64)),
        "/monthly/timeliness/export.csv".to_owned(),
        "/monthly/repairs/export.csv".to_owned(),
        "/monthly/callbacks/export.csv".to_owned(),
    ];
    for path in &pages {
        assert_sign_in_first(&mut anonymous, path);
    }
    for path in [
        "/desk/repair/new".to_owned(),
        "/desk/complaint/new".to_owned(),
        "/logout".to_owned(),
        format!("/records/{east_sheet}/resolve"),
        format!("/records/{east_sheet}/dispatch"),
    ] {
        let answer = anonymous.post(&path, &[("csrf", "x")]);
        assert_eq!(answer.status, 401, "POST {path} without a session");
    }
    let forged = anonymous.get("/");
    assert_eq!(forged.status, 303);
    anonymous
        .cookies
        .insert("sw_session".into(), "0".repeat(64));
    assert_sign_in_first(&mut anonymous, "/");

    // Wrong passwords and unknown users are refused alike.
    let mut web = Web::new(&demo.url);
    for (user, password) in [
        ("zhou.office", "wrong"),
        ("zhou.office", ""),
        ("nobody", PASSWORD),
        ("wang.tech", PASSWORD),
    ] {
        let answer = web.login(user, password);
        assert_eq!(answer.status, 401, "{user}/{password:?} signs in");
        assert!(answer.body.contains("Wrong user or password"));
        assert!(!web.cookies.contains_key("sw_session"));
    }
    // The sign-in form has its own token.
    let answer = web.post(
        "/login",
        &[
            ("login_token", "forged"),
            ("user", "zhou.office"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(answer.status, 403, "a sign-in posted from elsewhere");

    // The office user of the demo estate.
    let answer = web.login("zhou.office", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location.as_deref(), Some("/"));

    // No inline script may run: the page's one script is a served file.
    let today = web.get("/");
    assert!(today.csp.contains("script-src 'self';"), "{}", today.csp);
    let script_src = today
        .csp
        .split(';')
        .find(|part| part.contains("script-src"));
    assert!(
        !script_src.unwrap_or("").contains("unsafe-inline"),
        "{}",
        today.csp
    );
    assert!(today.body.contains("<script src=\"/console.js\"></script>"));
    assert!(!today.body.contains("<script>"), "no inline script");
    let script = web.get("/console.js");
    assert_eq!(script.status, 200);
    assert!(script.content_type.starts_with("text/javascript"));
    assert!(script.body.contains("EventSource"), "the console's script");
    let cookie = answer
        .set_cookies
        .iter()
        .find(|cookie| cookie.starts_with("sw_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let session_id = web.cookies["sw_session"].clone();
    assert_eq!(session_id.len(), 64, "256 random bits");
    let stored = one(&demo, "SELECT id_hash FROM console_sessions LIMIT 1");
    assert_ne!(stored, session_id, "only the session's hash is stored");

    for path in &pages[..6] {
        let answer = web.get(path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    for path in &pages[6..8] {
        assert_eq!(web.get(path).status, 403, "office viewers open no sheets");
    }
    let today = web.get("/");
    assert!(today.body.contains(&east_sheet) || today.body.contains("today-summary"));
    assert!(
        !today.body.contains("West boiler"),
        "another estate's sheet"
    );
    let record = web.get(&format!("/records/{east_sheet}"));
    assert_eq!(record.status, 200);
    let csv = web.get("/monthly/repairs/export.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(
        csv.body
            .starts_with("estate,month,urgency,sheets,on_time,late,pending,rate_percent,rule")
    );

    // Another estate's record, log, reports and blobs do not exist for them.
    for path in [
        format!("/records/{west_id}"),
        "/records/not-a-record".to_owned(),
        "/coverage?estate=west".to_owned(),
        "/callbacks?estate=west".to_owned(),
        "/monthly?estate=west".to_owned(),
        "/duty?estate=west".to_owned(),
        "/monthly/repairs/export.csv?estate=west".to_owned(),
        "/?estate=west".to_owned(),
    ] {
        let answer = web.get(&path);
        assert_eq!(answer.status, 404, "{path}");
        assert!(!answer.body.contains("West boiler"));
    }
    // And the other way round.
    let mut west_web = Web::new(&demo.url);
    assert_eq!(west_web.login("west.office", "west-secret").status, 303);
    assert_eq!(west_web.get(&format!("/records/{west_id}")).status, 200);
    assert_eq!(west_web.get(&format!("/records/{east_sheet}")).status, 404);
    assert!(west_web.get("/").body.contains("West boiler"));
    // Photos: by their record, to its estate's users only.
    let blob = format!("/records/{west_id}/blobs/{photo}");
    let page = west_web.get(&format!("/records/{west_id}"));
    assert!(
        page.body.contains(&format!("href=\"{blob}\"")),
        "a link to the photo"
    );
    let bytes = west_web.get(&blob);
    assert_eq!(bytes.status, 200, "{blob}");
    assert_eq!(bytes.content_type, "image/png");
    assert_eq!(web.get(&blob).status, 404, "another estate's photo");
    let other = format!("/records/{east_sheet}/blobs/{photo}");
    assert_eq!(
        web.get(&other).status,
        404,
        "a photo its record does not name"
    );
    assert_eq!(west_web.get(&other).status, 404);

    // Forms without the session's CSRF token change nothing.
    let mut desk = Web::new(&demo.url);
    assert_eq!(desk.login("lin.desk", PASSWORD).status, 303);
    let csrf = desk.csrf();
    assert_eq!(csrf.len(), 64);
    let before = demo.record_count();
    fn form(token: Option<&str>) -> Vec<(&str, &str)> {
        let mut fields = vec![
            ("estate", "east-court"),
            ("resident_name", "CSRF test"),
            ("unit", "B1-0101"),
            ("phone", "138 0000 0000"),
            ("problem", "forged request"),
            ("location", "in_unit"),
            ("urgency", "normal"),
        ];
        if let Some(token) = token {
            fields.push(("csrf", token));
        }
        fields
    }
    let wrong = "f".repeat(64);
    for token in [None, Some(""), Some(wrong.as_str())] {
        let answer = desk.post("/desk/repair/new", &form(token));
        assert_eq!(answer.status, 403, "CSRF token {token:?}");
        let answer = desk.post(
            &format!("/records/{east_sheet}/dispatch"),
            &[("technician", "wang.tech"), ("csrf", token.unwrap_or(""))],
        );
        assert_eq!(answer.status, 403);
        let answer = desk.post("/logout", &[("csrf", token.unwrap_or(""))]);
        assert_eq!(answer.status, 403);
    }
    assert_eq!(demo.record_count(), before, "nothing was stored");
    // Another session's token is no better.
    let office_csrf = web.csrf();
    let answer = desk.post("/desk/repair/new", &form(Some(&office_csrf)));
    assert_eq!(answer.status, 403);
    assert_eq!(demo.record_count(), before);
    // With it, the sheet is opened and stored through the writer.
    let answer = desk.post("/desk/repair/new", &form(Some(&csrf)));
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(demo.record_count(), before + 1);
    let opened = answer.location.expect("to the new record");
    let page = desk.get(&opened);
    assert!(page.body.contains("forged request"));
    assert!(
        page.body.contains("console-lin.desk"),
        "the console's device"
    );
    // The desk dispatches it, and opens and dispatches a complaint.
    let sheet_id = opened.trim_start_matches("/records/").to_owned();
    let answer = desk.post(
        &format!("{opened}/dispatch"),
        &[
            ("technician", "wang.tech"),
            ("csrf", &csrf),
            ("back", &opened),
        ],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(
        desk.get(&opened)
            .body
            .contains("<dd id=\"record-state\">dispatched</dd>")
    );
    let state = one(
        &demo,
        &format!("SELECT state || '/' || assignee FROM read_model WHERE id = '{sheet_id}'"),
    );
    assert_eq!(state, "dispatched/wang.tech", "the read model follows");
    let complaint = desk.post(
        "/desk/complaint/new",
        &[
            ("csrf", &csrf),
            ("estate", "east-court"),
            ("channel", "complaint"),
            ("resident_name", "Ms Wu"),
            ("unit", "B3-0909"),
            ("phone", "137 0000 0909"),
            ("department", "property"),
            ("seriousness", "ordinary"),
            ("heard", "Noise every night"),
            ("asked", "From 23:00, upstairs"),
            ("repeated_back", "on"),
            ("recorded", "Night noise from B3-1009"),
            ("reported_to", "Property head"),
        ],
    );
    assert_eq!(complaint.status, 303, "{}", complaint.body);
    let complaint = complaint.location.expect("the complaint");
    assert!(
        desk.get(&complaint)
            .body
            .contains("<dd id=\"record-state\">received</dd>")
    );
    let answer = desk.post(
        &format!("{complaint}/dispatch"),
        &[("department", "property"), ("csrf", &csrf)],
    );
    assert_eq!(answer.status, 303);
    assert!(
        desk.get(&complaint)
            .body
            .contains("<dd id=\"record-state\">dispatched</dd>")
    );
    // A refused verb says why and stores nothing.
    let count = demo.record_count();
    let mut missing_clear = vec![("csrf", csrf.as_str()), ("estate", "east-court")];
    missing_clear.extend([
        ("channel", "complaint"),
        ("resident_name", "X"),
        ("unit", "B1"),
    ]);
    missing_clear.extend([("phone", "137 0000 0000"), ("heard", "h"), ("asked", "a")]);
    missing_clear.push(("recorded", "r"));
    let answer = desk.post("/desk/complaint/new", &missing_clear);
    assert_eq!(answer.status, 400, "not repeated back");
    assert!(answer.body.contains("form-error"));
    assert_eq!(demo.record_count(), count);

    // An office viewer may not open sheets.
    let answer = web.post("/desk/repair/new", &form(Some(&office_csrf)));
    assert_eq!(answer.status, 403);
    assert_eq!(demo.record_count(), count);

    // Signing out ends the session, even for a copy of the cookie.
    let kept = web.cookies.clone();
    let answer = web.post("/logout", &[("csrf", &office_csrf)]);
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/login"));
    assert!(!web.cookies.contains_key("sw_session"));
    web.cookies = kept;
    assert_sign_in_first(&mut web, "/");
    assert_sign_in_first(&mut web, "/monthly/repairs/export.csv");

    // A new password ends the user's open sessions.
    assert_eq!(desk.get("/").status, 200);
    demo.admin(&["user", "password", "lin.desk"], "a-new-password\n");
    assert_sign_in_first(&mut desk, "/");
    assert_eq!(desk.login("lin.desk", PASSWORD).status, 401);
    assert_eq!(desk.login("lin.desk", "a-new-password").status, 303);
}
