//! The phone after a refusal, through the field command line and a real
//! server. The desk's phone knows nothing of the estate's staff, so it
//! dispatches a sheet to a name nobody has; the server refuses that change
//! (`invalid`, naming the name) while every other record of the same sync
//! lands. The phone keeps working: the refusal is listed with its reason,
//! later edits of other records sync, and `discard` puts the refused record
//! back as the server has it (or removes one the server never had), after
//! which the step is taken again, correctly, and syncs.

use std::path::Path;

use stairwell_tests::api::world;
use stairwell_tests::field_cli::{enroll, field, json, open_sheet};

fn technician_on(store: &Path, id: &str) -> serde_json::Value {
    json(store, &["show", id, "--json"])["view"]["technician"].clone()
}

#[test]
fn a_refused_change_is_shown_undone_and_taken_again() {
    let w = world(&[]);
    let desk = enroll(&w, "desk", &w.desk.token);
    let office = enroll(&w, "supervisor", &w.supervisor.token);

    let stored = open_sheet(&desk, "kitchen tap leaking");
    field(&desk, &["sync"]);
    // Offline: a typo in the technician's name, a sheet opened and
    // dispatched the same way before it ever synced, and a good sheet.
    field(
        &desk,
        &["repair", "dispatch", &stored, "--technician", "wnag"],
    );
    let never = open_sheet(&desk, "balcony door stuck");
    field(
        &desk,
        &["repair", "dispatch", &never, "--technician", "wnag"],
    );
    let good = open_sheet(&desk, "hallway lamp out");

    let stats = json(&desk, &["sync", "--json"]);
    let refused = stats["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 2, "{stats}");
    for refusal in refused {
        assert_eq!(refusal["code"], "invalid");
        assert!(
            refusal["message"]
                .as_str()
                .is_some_and(|m| m.contains("wnag")),
            "{refusal}"
        );
    }
    let listed = json(&desk, &["refusals", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    // The rest landed; the server has the stored sheet as it was.
    field(&office, &["sync"]);
    assert_eq!(json(&office, &["show", &good, "--json"])["id"], good);
    assert_eq!(technician_on(&office, &stored), serde_json::Value::Null);

    // The phone keeps working: another edit of another record syncs.
    field(&desk, &["repair", "note", &good, "bulb bought"]);
    let again = json(&desk, &["sync", "--json"]);
    assert_eq!(again["refused"].as_array().map(Vec::len), Some(2));
    field(&office, &["sync"]);
    let notes = &json(&office, &["show", &good, "--json"])["view"]["notes"];
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{notes}");

    // Undo, and take the step again.
    assert_eq!(
        field(&desk, &["discard", &stored]),
        format!("{stored}: reverted to the server's copy")
    );
    assert_eq!(
        field(&desk, &["discard", &never]),
        format!("{never}: removed (the server never had it)")
    );
    assert_eq!(json(&desk, &["refusals", "--json"]), serde_json::json!([]));
    field(
        &desk,
        &["repair", "dispatch", &stored, "--technician", "wang"],
    );
    let fixed = json(&desk, &["sync", "--json"]);
    assert_eq!(fixed["refused"], serde_json::json!([]), "{fixed}");
    field(&office, &["sync"]);
    assert_eq!(technician_on(&office, &stored), "wang");
}
