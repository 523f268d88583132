//! Every correction is history: a resident's phone number amended offline on
//! two of the desk's phones, the conflict both phones then see, and the
//! office's resolution in the console. Afterwards anyone can tell who
//! changed the number, from what, on which device and when: on each phone
//! (`show --json`'s `field_history`), on the record's page in the console,
//! and in the whole raw history an auditor exports (the console's
//! `history.json` and `stairwell field history`), which lists every change
//! the server stored with its actor, time and operations.

use serde_json::Value;
use stairwell_core::record::Role;
use stairwell_tests::api::{admin_ok, issue, world};
use stairwell_tests::console::{Web, admin};
use stairwell_tests::field_cli::{enroll, field, json};

const PASSWORD: &str = "office-pass";

#[test]
fn a_phone_number_conflict_and_its_resolution_stay_in_the_record() {
    let w = world(&[]);
    let second = issue(&w.data, "lin", Role::FrontDesk);
    let a = enroll(&w, "desk-a", &w.desk.token);
    let b = enroll(&w, "desk-b", &second.token);
    let id = field(
        &a,
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
            "normal",
        ],
    );
    field(&a, &["sync"]);
    field(&b, &["sync"]);

    // Both phones correct the number while offline, differently.
    field(&a, &["repair", "amend", &id, "--phone", "139 0000 0001"]);
    field(&b, &["repair", "amend", &id, "--phone", "139 0000 0002"]);
    for store in [&a, &b, &a] {
        field(store, &["sync"]);
    }
    let conflicts = json(&a, &["conflicts", "--json"]);
    assert_eq!(conflicts.as_array().map(Vec::len), Some(1), "{conflicts}");

    // The office keeps the second phone's number in the console.
    admin_ok(
        &w.data,
        &[
            "user", "add", "boss", "--name", "Boss", "--role", "office", "--estate", "e1",
        ],
    );
    let (ok, said) = admin(
        &w.data,
        &["user", "password", "boss", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{said}");
    let mut web = Web::new(&w.client().url);
    assert_eq!(web.login("boss", PASSWORD).status, 303);
    let page = web.get(&format!("/records/{id}"));
    assert_eq!(page.status, 200);
    let pick = pick_of(&page.body, "139 0000 0002");
    let csrf = web.csrf();
    let resolved = web.post(
        &format!("/records/{id}/resolve"),
        &[("csrf", &csrf), ("field", "phone"), ("pick", &pick)],
    );
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    for store in [&a, &b] {
        field(store, &["sync"]);
    }

    // Each phone tells the whole story of the number.
    for store in [&a, &b] {
        let shown = json(store, &["show", &id, "--json"]);
        assert_eq!(shown["view"]["intake"]["phone"], "139 0000 0002");
        let phone = phone_history(&shown);
        assert_eq!(phone.len(), 4, "{phone:?}");
        assert_eq!(
            phone[0],
            ("138 0000 1234".into(), vec![], "lin".into(), false)
        );
        let mut amendments = phone[1..3].to_vec();
        amendments.sort();
        assert_eq!(
            amendments,
            [
                (
                    "139 0000 0001".into(),
                    vec!["138 0000 1234".into()],
                    "lin".into(),
                    false
                ),
                (
                    "139 0000 0002".into(),
                    vec!["138 0000 1234".into()],
                    "lin".into(),
                    false
                ),
            ]
        );
        let (value, mut replaced, user, resolves) = phone[3].clone();
        replaced.sort();
        assert_eq!(
            (value.as_str(), replaced, user.as_str(), resolves),
            (
                "139 0000 0002",
                vec!["139 0000 0001".to_owned(), "139 0000 0002".to_owned()],
                "boss",
                true
            )
        );
        let devices: Vec<&str> = shown["field_history"]
            .as_array()
            .expect("writes")
            .iter()
            .filter(|write| write["field"] == "phone")
            .filter_map(|write| write["device"].as_str())
            .collect();
        assert!(devices.contains(&w.desk.id.as_str()) && devices.contains(&second.id.as_str()));
    }

    // The record's page shows the number's history, the resolution marked.
    let page = web.get(&format!("/records/{id}"));
    let table = section(&page.body, "id=\"field-history\"");
    let phone_rows: Vec<&str> = table.split("<tr data-field=\"phone\">").skip(1).collect();
    assert_eq!(phone_rows.len(), 4, "{table}");
    for number in ["138 0000 1234", "139 0000 0001", "139 0000 0002"] {
        assert!(table.contains(number), "{number} in {table}");
    }
    assert!(phone_rows[3].contains("boss") && phone_rows[3].contains("class=\"tag\""));

    // The auditor's export: every change the server stored, whole.
    let export = web.get(&format!("/records/{id}/history.json"));
    assert_eq!(export.status, 200);
    let exported: Value = serde_json::from_str(&export.body).expect("JSON");
    let changes = exported["changes"].as_array().expect("changes");
    let messages: Vec<&str> = changes
        .iter()
        .filter_map(|change| change["message"].as_str())
        .collect();
    for verb in ["create", "amend details", "resolve a conflict"] {
        assert!(
            messages.iter().any(|message| message.contains(verb)),
            "{verb} in {messages:?}"
        );
    }
    for change in changes {
        assert!(change["actor"].is_string() && change["time"].is_i64());
        assert!(!change["ops"].as_array().expect("ops").is_empty());
    }
    let on_phone = json(&a, &["history", &id]);
    assert_eq!(
        on_phone["changes"].as_array().map(Vec::len),
        Some(changes.len()),
        "the phone holds the same history as the server"
    );
}

/// (value, replaced values, user, resolves a conflict) of each phone write.
fn phone_history(shown: &Value) -> Vec<(String, Vec<String>, String, bool)> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    shown["field_history"]
        .as_array()
        .expect("field history")
        .iter()
        .filter(|write| write["field"] == "phone")
        .map(|write| {
            (
                text(&write["value"]),
                write["previous"]
                    .as_array()
                    .expect("previous")
                    .iter()
                    .map(text)
                    .collect(),
                text(&write["user"]),
                write["resolves_conflict"] == true,
            )
        })
        .collect()
}

/// The `pick` of the conflict row that offers `value`.
fn pick_of(body: &str, value: &str) -> String {
    let row = body
        .split("<tr>")
        .find(|row| row.contains(value) && row.contains("name=\"pick\""))
        .unwrap_or_else(|| panic!("no conflict row offers {value}"));
    let start = row.find("name=\"pick\" value=\"").expect("pick") + 19;
    row[start..]
        .split('"')
        .next()
        .expect("pick value")
        .to_owned()
}

/// The page from `marker` to the end of its table.
fn section<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let end = body[start..].find("</table>").expect("table end") + start;
    &body[start..end]
}
