//! Users and devices in the console, through real HTTP against `stairwell
//! demo`, with a phone of the field command line on the other side: the
//! admin adds a front-desk user and sets her password, makes a one-time
//! code whose QR link a phone enrolls with, sees the phone's last sync,
//! revokes it (the phone is refused at once) and finds every step in the
//! account log with their name. Office staff see the users but no form, and
//! a crafted POST from them is refused like the command line's rules say;
//! a supervisor does not see the pages at all.

use std::path::Path;
use std::process::Command;

use stairwell_core::sync::link::EnrollmentLink;
use stairwell_tests::console::{Demo, PASSWORD, Web, hidden};
use stairwell_tests::server::binary;

fn signed_in(demo: &Demo, user: &str) -> Web {
    let mut web = Web::new(&demo.url);
    let answer = web.login(user, PASSWORD);
    assert_eq!(answer.status, 303, "{user} signs in");
    web
}

/// The `data-link` of the enrollment QR code on a code page.
fn qr_link(page: &str) -> EnrollmentLink {
    let marker = "id=\"enroll-qr\" data-link=\"";
    let start = page.find(marker).expect("a QR code") + marker.len();
    let link = page[start..]
        .split('"')
        .next()
        .expect("a link")
        .replace("&amp;", "&");
    EnrollmentLink::parse(&link).expect("an enrollment link")
}

fn field(store: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(binary())
        .arg("field")
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run the field command line");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn an_admin_sets_up_a_user_and_her_phone_then_revokes_it() {
    let demo = Demo::start();
    let mut admin = signed_in(&demo, "admin");
    let csrf = admin.csrf();

    // The list: every demo user, with the admin's forms.
    let list = admin.get("/accounts");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("id=\"add-user\""), "the admin may add");
    assert!(list.body.contains("wang.tech") && list.body.contains("Wang Lei"));

    // A new front-desk user; a taken id or no estate is refused, nothing added.
    let add = |web: &mut Web, id: &str, estate: bool| {
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("id", id),
            ("name", "孙丽 Sun Li"),
            ("role", "front_desk"),
        ];
        if estate {
            form.push(("estate.east-court", "on"));
        }
        web.post("/accounts/users", &form)
    };
    let taken = add(&mut admin, "wang.tech", true);
    assert_eq!(taken.status, 400);
    assert!(taken.body.contains("That id is taken"), "{}", taken.body);
    let nowhere = add(&mut admin, "sun.desk", false);
    assert_eq!(nowhere.status, 400);
    assert!(nowhere.body.contains("Choose at least one estate"));
    let added = add(&mut admin, "sun.desk", true);
    assert_eq!(added.status, 303);
    assert_eq!(
        added.location.as_deref(),
        Some("/accounts/users/sun.desk?done=added")
    );
    let page = admin.get("/accounts/users/sun.desk?done=added");
    assert!(page.body.contains("User added."));
    assert!(page.body.contains("Not set"), "no password yet");

    // Her password; two different ones are refused.
    let differ = admin.post(
        "/accounts/users/sun.desk/password",
        &[
            ("csrf", &csrf),
            ("password", "desk-2026"),
            ("again", "desk-2025"),
        ],
    );
    assert_eq!(differ.status, 400);
    assert!(differ.body.contains("The two passwords differ."));
    let set = admin.post(
        "/accounts/users/sun.desk/password",
        &[
            ("csrf", &csrf),
            ("password", "desk-2026"),
            ("again", "desk-2026"),
        ],
    );
    assert_eq!(set.status, 303);
    let mut sun = Web::new(&demo.url);
    assert_eq!(
        sun.login("sun.desk", "desk-2026").status,
        303,
        "she signs in"
    );

    // A one-time code for her phone, with the QR link a phone app scans.
    let code_page = admin.post(
        "/accounts/users/sun.desk/code",
        &[("csrf", &csrf), ("device_name", "Sun's phone")],
    );
    assert_eq!(code_page.status, 200);
    let link = qr_link(&code_page.body);
    assert_eq!(
        link.server, demo.url,
        "the server as the browser reached it"
    );
    assert!(code_page.body.contains(&link.code));
    assert!(code_page.body.contains("<svg"), "the QR code is drawn");
    assert!(!code_page.body.contains("sw_"), "no token on the page");

    let dir = tempfile::tempdir().expect("dir");
    let phone = dir.path().join("sun.db");
    let (ok, said) = field(
        &phone,
        &["enroll", "--server", &link.server, "--code", &link.code],
    );
    assert!(ok, "{said}");
    let (ok, said) = field(&phone, &["sync"]);
    assert!(ok, "{said}");
    let (used, said) = field(
        &dir.path().join("other.db"),
        &["enroll", "--server", &link.server, "--code", &link.code],
    );
    assert!(!used && said.contains("used already"), "{said}");

    // Her page: the phone, named, with its last sync; then revoked.
    let page = admin.get("/accounts/users/sun.desk");
    assert!(page.body.contains("Sun&#39;s phone"), "{}", page.body);
    assert!(page.body.contains("In use"));
    assert!(!page.body.contains(">Never<"), "the phone's sync is shown");
    let device = page
        .body
        .split("id=\"revoke-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a revoke button")
        .to_owned();
    let revoked = admin.post(
        &format!("/accounts/devices/{device}/revoke"),
        &[("csrf", &csrf)],
    );
    assert_eq!(revoked.status, 303);
    let page = admin.get("/accounts/users/sun.desk?done=revoked");
    assert!(page.body.contains("Device revoked"));
    assert!(page.body.contains("Revoked "));
    let (ok, said) = field(&phone, &["sync"]);
    assert!(
        !ok && said.contains("401"),
        "a revoked phone is refused: {said}"
    );

    // The log names every step and who took it; no secret is in it.
    let log = admin.get("/accounts/log");
    for what in [
        "User added",
        "Console password set",
        "Enrollment code made",
        "Device revoked",
    ] {
        assert!(log.body.contains(what), "{what} in the log");
    }
    assert!(log.body.contains(">admin<"), "the admin is named");
    assert!(!log.body.contains("desk-2026") && !log.body.contains(&link.code));
}

#[test]
fn office_staff_look_and_others_do_not_see_the_accounts() {
    let demo = Demo::start();
    let mut office = signed_in(&demo, "zhou.office");
    let list = office.get("/accounts");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("View only"));
    assert!(!list.body.contains("id=\"add-user\""));
    let page = office.get("/accounts/users/wang.tech");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"issue-code\"") && !page.body.contains("id=\"revoke-"));
    // A crafted POST is refused by the same rules, and changes nothing.
    let csrf = hidden(&page.body, "csrf");
    let crafted = office.post(
        "/accounts/users/wang.tech/code",
        &[("csrf", &csrf), ("device_name", "mine")],
    );
    assert_eq!(crafted.status, 403);
    assert!(!crafted.body.contains("id=\"enroll-code\""));
    let promoted = office.post(
        "/accounts/users/zhou.office",
        &[
            ("csrf", &csrf),
            ("name", "Zhou"),
            ("role", "admin"),
            ("estate.east-court", "on"),
        ],
    );
    assert_eq!(promoted.status, 403);
    let mut admin = signed_in(&demo, "admin");
    let log = admin.get("/accounts/log");
    assert!(
        !log.body.contains("Enrollment code made"),
        "nothing was done"
    );

    // The admin may not change their own role.
    let csrf = admin.csrf();
    let own = admin.post(
        "/accounts/users/admin",
        &[
            ("csrf", &csrf),
            ("name", "Admin"),
            ("role", "office"),
            ("estate.east-court", "on"),
        ],
    );
    assert_eq!(own.status, 403);
    assert!(own.body.contains("cannot change your own role"));

    let mut supervisor = signed_in(&demo, "chen.sup");
    assert_eq!(supervisor.get("/accounts").status, 403);
    assert!(!supervisor.get("/").body.contains("nav-accounts"));
}
