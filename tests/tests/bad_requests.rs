//! Bad input gets a clear answer, changes nothing, and the server goes on
//! serving: malformed bodies, bad tokens, oversized bodies, unknown protocol
//! versions, and pushed records the rules refuse.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, Value};
use chrono::Utc;
use stairwell_core::kinds::repair_sheet::{RepairSheet, RepairState};
use stairwell_core::protocol::{self, ErrorCode, RefusalCode, SyncRequest};
use stairwell_core::record::{Editor, RecordDoc, RecordId, Role};
use stairwell_tests::api::{
    Client, Device, World, admin_ok, issue, open_sheet, pushed, request, world,
};

/// A plain pull still works.
fn still_serves(client: &Client, device: &Device) {
    let answer = client.sync(device, &request(0, vec![]));
    assert_eq!(answer.version, protocol::PROTOCOL_VERSION);
}

#[test]
fn malformed_requests_are_refused_whole() {
    let w = world(&["--max-body-bytes", "65536"]);
    let client = w.client();
    let token = Some(w.desk.token.as_str());
    let sheet = open_sheet(&w.desk, "e1");
    let good = protocol::encode(&request(0, vec![pushed(sheet.id(), sheet.doc().save())]));

    let (status, body) = client.fail(token, b"\xff\x00 this is not CBOR");
    assert_eq!((status, body.code), (400, ErrorCode::MalformedRequest));
    still_serves(client, &w.desk);

    let (status, body) = client.fail(token, &good[..good.len() - 7]);
    assert_eq!((status, body.code), (400, ErrorCode::MalformedRequest));
    still_serves(client, &w.desk);

    let future = SyncRequest {
        version: 99,
        ..request(0, vec![])
    };
    let (status, body) = client.fail(token, &protocol::encode(&future));
    assert_eq!((status, body.code), (400, ErrorCode::UnsupportedVersion));
    assert!(body.message.contains("99"));
    still_serves(client, &w.desk);

    let huge = protocol::encode(&request(0, vec![pushed(sheet.id(), vec![7; 100_000])]));
    let (status, body) = client.fail(token, &huge);
    assert_eq!((status, body.code), (413, ErrorCode::TooLarge));
    still_serves(client, &w.desk);

    // None of it stored anything.
    let pulled = client.sync(&w.supervisor, &request(0, vec![]));
    assert!(pulled.records.is_empty());
    let (_, metrics) = client.get("/metrics");
    assert!(
        metrics.contains("path=\"/v1/sync\",status=\"400\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("path=\"/v1/sync\",status=\"413\"} 1"),
        "{metrics}"
    );
}

#[test]
fn missing_unknown_and_revoked_tokens_are_unauthorized() {
    let w = world(&[]);
    let client = w.client();
    let body = protocol::encode(&request(0, vec![]));

    let (status, error) = client.fail(None, &body);
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));
    let (status, error) = client.fail(Some("sw_0000"), &body);
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));

    let spare = issue(&w.data, "lin", Role::FrontDesk);
    still_serves(client, &spare);
    admin_ok(&w.data, &["device", "revoke", &spare.id]);
    let (status, error) = client.fail(Some(&spare.token), &body);
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));
    still_serves(client, &w.desk);
}

#[test]
fn bytes_that_are_not_automerge_are_refused_while_the_rest_lands() {
    let w = world(&[]);
    let client = w.client();
    let sheet = open_sheet(&w.desk, "e1");
    let junk_id = RecordId::random().to_string();
    let answer = client.sync(
        &w.desk,
        &request(
            0,
            vec![
                pushed(&junk_id, b"definitely not automerge".to_vec()),
                pushed(sheet.id(), sheet.doc().save()),
            ],
        ),
    );
    assert_eq!(answer.refused.len(), 1);
    assert_eq!(answer.refused[0].id, junk_id);
    assert_eq!(answer.refused[0].code, RefusalCode::NotAutomerge);
    assert_eq!(answer.accepted.len(), 1);
    assert_eq!(answer.accepted[0].id, sheet.id().to_string());

    let pulled = client.sync(&w.supervisor, &request(0, vec![]));
    let ids: Vec<&str> = pulled.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![sheet.id().to_string()]);
}

/// A sheet stored on the server, as the desk device has it.
fn stored_sheet(w: &World) -> RepairSheet {
    let sheet = open_sheet(&w.desk, "e1");
    let answer = w.client().sync(
        &w.desk,
        &request(0, vec![pushed(sheet.id(), sheet.doc().save())]),
    );
    assert_eq!(answer.accepted.len(), 1);
    sheet
}

fn refusal(w: &World, device: &Device, sheet: &RepairSheet, bytes: Vec<u8>) -> RefusalCode {
    let answer = w
        .client()
        .sync(device, &request(0, vec![pushed(sheet.id(), bytes)]));
    assert_eq!(answer.accepted, vec![]);
    answer.refused[0].code
}

#[test]
fn changes_that_break_the_rules_are_refused_and_change_nothing() {
    let w = world(&[]);
    let sheet = stored_sheet(&w);

    // The estate is immutable.
    let mut moved = sheet.doc().automerge().fork();
    let base = moved.get_heads();
    let mut tx = moved.transaction();
    tx.put(ROOT, "estate", "e2").expect("put");
    tx.commit();
    let code = refusal(&w, &w.desk, &sheet, moved.save_after(&base));
    assert_eq!(code, RefusalCode::HeaderChanged);

    // History only grows.
    let mut rewritten = sheet.doc().automerge().fork();
    let base = rewritten.get_heads();
    let events = match rewritten.get(ROOT, "events").expect("get") {
        Some((Value::Object(ObjType::List), events)) => events,
        other => panic!("no events list: {other:?}"),
    };
    let mut tx = rewritten.transaction();
    tx.delete(&events, 0).expect("delete");
    tx.commit();
    let code = refusal(&w, &w.desk, &sheet, rewritten.save_after(&base));
    assert_eq!(code, RefusalCode::HistoryRewritten);

    // A patrol officer may not dispatch, whatever their phone was tricked into.
    let mut dispatched = sheet.clone();
    let base = dispatched.doc().heads();
    let posing = Editor::new("li", w.patrol.id.clone(), Role::FrontDesk);
    dispatched
        .dispatch(&posing, Utc::now(), "wang")
        .expect("dispatch");
    let code = refusal(&w, &w.patrol, &sheet, dispatched.doc().save_after(&base));
    assert_eq!(code, RefusalCode::Forbidden);

    // Events must name the token's own device.
    let mut forged = sheet.clone();
    let base = forged.doc().heads();
    let elsewhere = Editor::new("lin", "dev-somebody-else", Role::FrontDesk);
    forged
        .add_note(&elsewhere, Utc::now(), "not me")
        .expect("note");
    let code = refusal(&w, &w.desk, &sheet, forged.doc().save_after(&base));
    assert_eq!(code, RefusalCode::WrongAuthor);

    // The server's copy is as it was.
    let pulled = w.client().sync(&w.supervisor, &request(0, vec![]));
    assert_eq!(pulled.records.len(), 1);
    let stored = RepairSheet::from_doc(RecordDoc::load(&pulled.records[0].bytes).expect("load"))
        .expect("sheet");
    assert_eq!(stored.view().state, RepairState::Reported);
    assert_eq!(stored.doc().raw_events().len(), 1);
    assert_eq!(stored.doc().header().estate, "e1");
    assert_eq!(pulled.records[0].index.state, "reported");

    let (_, metrics) = w.client().get("/metrics");
    for code in [
        "header_changed",
        "history_rewritten",
        "forbidden",
        "wrong_author",
    ] {
        assert!(
            metrics.contains(&format!(
                "stairwell_records_refused_total{{code=\"{code}\"}} 1"
            )),
            "{metrics}"
        );
    }
}

#[test]
fn too_many_records_in_one_push_is_too_large() {
    let w = world(&["--max-push-records", "2"]);
    let sheets: Vec<RepairSheet> = (0..3).map(|_| open_sheet(&w.desk, "e1")).collect();
    let push = sheets
        .iter()
        .map(|sheet| pushed(sheet.id(), sheet.doc().save()))
        .collect();
    let (status, body) = w
        .client()
        .fail(Some(&w.desk.token), &protocol::encode(&request(0, push)));
    assert_eq!((status, body.code), (413, ErrorCode::TooLarge));
    still_serves(w.client(), &w.desk);
}
