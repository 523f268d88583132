//! Enrollment by one-time code, through real processes: the office issues
//! a code with the admin command line, a phone of the field command line
//! exchanges it once for its own token and syncs; a used, expired or wrong
//! code is refused with its reason, and guessing codes from one address is
//! held back (429) while the server goes on serving everyone else.

use std::path::Path;

use stairwell_core::record::Role;
use stairwell_tests::api::admin_ok;
use stairwell_tests::field_cli::{field, open_sheet};
use stairwell_tests::server::{Server, add_estate, add_user};

/// The code in the admin's `code: XXXX-XXXX` line.
fn issue_code(data: &Path) -> String {
    let said = admin_ok(
        data,
        &[
            "device",
            "issue",
            "--user",
            "lin",
            "--name",
            "Desk tablet",
            "--code",
        ],
    );
    let code = said
        .lines()
        .find_map(|line| line.strip_prefix("code: "))
        .unwrap_or_else(|| panic!("no code line in {said}"))
        .trim()
        .to_owned();
    assert_eq!(code.len(), 9, "XXXX-XXXX: {code}");
    assert!(!said.contains("sw_"), "no token is shown: {said}");
    code
}

fn enroll(store: &Path, url: &str, code: &str) -> Result<String, String> {
    let out = std::process::Command::new(stairwell_tests::server::binary())
        .arg("field")
        .arg("--store")
        .arg(store)
        .args(["enroll", "--server", url, "--code", code])
        .output()
        .expect("run enroll");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn a_phone_enrolls_with_a_one_time_code_once() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    add_estate(&data, "e1", "East");
    add_user(&data, "lin", Role::FrontDesk, &["e1"]);
    let server = Server::start(&data, &[]);
    let url = server.url().to_owned();

    // The code, typed as people do (lower case), makes this phone's token.
    let code = issue_code(&data);
    let phone = dir.path().join("phone.db");
    let said = enroll(&phone, &url, &code.to_lowercase()).expect("enrolled");
    assert!(said.contains("lin"), "{said}");
    let id = open_sheet(&phone, "lobby door sticks");
    field(&phone, &["sync"]);
    let whoami = field(&phone, &["whoami", "--json"]);
    assert!(
        whoami.contains("\"lin\"") && !whoami.contains("sw_"),
        "{whoami}"
    );

    // Once only.
    let again = enroll(&dir.path().join("again.db"), &url, &code).expect_err("used");
    assert!(again.contains("used already"), "{again}");

    // A code past its 15 minutes is refused as expired.
    let late = issue_code(&data);
    let conn = rusqlite::Connection::open(data.join("stairwell.db")).expect("db");
    conn.execute(
        "UPDATE enrollment_codes SET expires_at = 1 WHERE used_at IS NULL",
        [],
    )
    .expect("age the code");
    let expired = enroll(&dir.path().join("late.db"), &url, &late).expect_err("expired");
    assert!(expired.contains("expired"), "{expired}");

    // A wrong code, and then guessing: held back from this address.
    let wrong = enroll(&dir.path().join("wrong.db"), &url, "AAAA-AAAA").expect_err("wrong");
    assert!(wrong.contains("no such enrollment code"), "{wrong}");
    let mut held = None;
    for guess in 0..30 {
        let code = format!("ZZZZ-{guess:04}");
        let refused = enroll(&dir.path().join("guess.db"), &url, &code).expect_err("a guess");
        if refused.contains("429") {
            held = Some((guess, refused));
            break;
        }
    }
    let (after, refused) = held.expect("guessing is held back");
    assert!(after <= 12, "held back after {after} guesses");
    assert!(refused.contains("try again in"), "{refused}");

    // Meanwhile the enrolled phone syncs as before.
    assert!(field(&phone, &["sync"]).contains("sync complete"));
    assert!(field(&phone, &["show", &id]).contains("lobby door sticks"));
}
