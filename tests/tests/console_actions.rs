//! The steps a desk takes in the console, through its forms over real HTTP
//! against a real server, with the phones of the field command line on the
//! other side: a supervisor quotes and confirms a return, the desk records
//! callbacks (in person with the resident's signature image uploaded) and
//! writes, hands over and has the duty log signed. After each step a phone
//! syncs and shows what the console stored; each form appears only for the
//! roles and states that allow it, and a form posted where it is not
//! offered (another role, a wrong state, bad input) is refused with the
//! reason and changes nothing on the server.

use std::path::PathBuf;

use serde_json::Value;
use stairwell_core::record::Role;
use stairwell_tests::api::{World, issue, world};
use stairwell_tests::console::{SIGNATURE_PNG, Web, admin, hidden};
use stairwell_tests::field_cli::{enroll, field, json};

const PASSWORD: &str = "desk-pass";
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// An estate with phones for the desk, a technician and the supervisor,
/// and browsers signed in as the desk and as the supervisor.
struct Estate {
    /// Keeps the server running.
    _world: World,
    desk: PathBuf,
    tech: PathBuf,
    desk_web: Web,
    supervisor_web: Web,
}

fn signed_in(world: &World, user: &str) -> Web {
    let (ok, said) = admin(
        &world.data,
        &["user", "password", user, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{said}");
    let mut web = Web::new(&world.client().url);
    assert_eq!(web.login(user, PASSWORD).status, 303, "{user} signs in");
    web
}

impl Estate {
    fn new() -> Estate {
        let world = world(&[]);
        let wang = issue(&world.data, "wang", Role::Technician);
        let desk = enroll(&world, "desk", &world.desk.token);
        let tech = enroll(&world, "tech", &wang.token);
        let desk_web = signed_in(&world, "lin");
        let supervisor_web = signed_in(&world, "chen");
        Estate {
            _world: world,
            desk,
            tech,
            desk_web,
            supervisor_web,
        }
    }

    /// The record as the desk's phone has it after a sync.
    fn on_phone(&self, id: &str) -> Value {
        field(&self.desk, &["sync"]);
        json(&self.desk, &["show", id, "--json"])
    }

    /// Every phone and the server agree: the desk's phone syncs, then the
    /// technician's.
    fn sync(&self) {
        for phone in [&self.desk, &self.tech] {
            field(phone, &["sync"]);
        }
    }
}

/// A sheet for an item off the price list, opened on the desk's phone and
/// dispatched to the technician.
fn off_price_list_sheet(estate: &Estate) -> String {
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
            "balcony door frame rotten",
            "--location",
            "in-unit",
            "--urgency",
            "normal",
            "--off-price-list",
        ],
    )
    .trim()
    .to_owned();
    field(
        &estate.desk,
        &["repair", "dispatch", &id, "--technician", "wang"],
    );
    estate.sync();
    id
}

fn post(web: &mut Web, path: &str, fields: &[(&str, &str)]) -> stairwell_tests::console::Answer {
    let csrf = web.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    web.post(path, &all)
}

fn post_files(
    web: &mut Web,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> stairwell_tests::console::Answer {
    let csrf = web.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    web.post_multipart(path, &all, files)
}

fn record_page(web: &mut Web, id: &str) -> String {
    let page = web.get(&format!("/records/{id}"));
    assert_eq!(page.status, 200);
    page.body
}

/// The technician works the sheet to the end and hands it back.
fn work_and_hand_back(estate: &Estate, id: &str) {
    let tech = &estate.tech;
    field(tech, &["sync"]);
    field(tech, &["repair", "arrive", id]);
    field(
        tech,
        &[
            "repair",
            "confirm-items",
            id,
            "--item",
            "door frame",
            "--fee-standard",
            "quoted",
        ],
    );
    field(tech, &["repair", "agree", id]);
    field(
        tech,
        &[
            "repair",
            "complete",
            id,
            "--item",
            "door frame",
            "--signature",
            HASH,
            "--signer",
            "李先生",
            "--satisfaction",
            "satisfied",
        ],
    );
    field(tech, &["repair", "hand-back", id]);
    estate.sync();
}

#[test]
fn a_supervisor_quotes_and_confirms_the_return_in_the_console() {
    let mut estate = Estate::new();
    let id = off_price_list_sheet(&estate);
    let act = format!("/records/{id}/act");

    // Only the supervisor is offered the quote.
    assert!(record_page(&mut estate.supervisor_web, &id).contains("id=\"quote-form\""));
    assert!(!record_page(&mut estate.desk_web, &id).contains("id=\"quote-form\""));

    // The desk posting it anyway is refused with the reason; nothing changes.
    let refused = post(
        &mut estate.desk_web,
        &act,
        &[("action", "quote"), ("feasible", "yes"), ("fee", "120")],
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"form-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("quote"), "{}", refused.body);
    assert_eq!(estate.on_phone(&id)["view"]["quote"], Value::Null);

    // A fee in yuan with three decimals is refused with the reason.
    let bad = post(
        &mut estate.supervisor_web,
        &act,
        &[("action", "quote"), ("feasible", "yes"), ("fee", "12.345")],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("12.345"), "{}", bad.body);
    assert_eq!(estate.on_phone(&id)["view"]["quote"], Value::Null);

    // The supervisor's quote reaches the phones.
    let quoted = post(
        &mut estate.supervisor_web,
        &act,
        &[
            ("action", "quote"),
            ("feasible", "yes"),
            ("fee", "120.50"),
            ("note", "frame and fitting"),
        ],
    );
    assert_eq!(quoted.status, 303, "{}", quoted.body);
    let shown = estate.on_phone(&id);
    assert_eq!(shown["view"]["state"], "quoted");
    assert_eq!(shown["view"]["quote"]["fee_cents"], 12050);
    assert_eq!(shown["view"]["quote"]["note"], "frame and fitting");
    let by = shown["timeline"]
        .as_array()
        .and_then(|lines| lines.last())
        .map(|line| line["user"].clone());
    assert_eq!(by, Some(Value::from("chen")), "stored as the supervisor");
    // A second quote is no longer offered, and is refused if posted.
    assert!(!record_page(&mut estate.supervisor_web, &id).contains("id=\"quote-form\""));
    let again = post(
        &mut estate.supervisor_web,
        &act,
        &[("action", "quote"), ("feasible", "no")],
    );
    assert_eq!(again.status, 400);

    // Confirming the return is offered only once the sheet is handed back.
    assert!(!record_page(&mut estate.supervisor_web, &id).contains("confirm-return-form"));
    work_and_hand_back(&estate, &id);
    assert!(record_page(&mut estate.supervisor_web, &id).contains("confirm-return-form"));
    assert!(!record_page(&mut estate.desk_web, &id).contains("confirm-return-form"));
    let confirmed = post(
        &mut estate.supervisor_web,
        &act,
        &[("action", "confirm_return")],
    );
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert_eq!(estate.on_phone(&id)["view"]["state"], "returned");
}

#[test]
fn the_desk_records_callbacks_with_the_residents_signature() {
    let mut estate = Estate::new();
    let id = off_price_list_sheet(&estate);
    let act = format!("/records/{id}/act");
    // No callback before the repair is completed.
    assert!(!record_page(&mut estate.desk_web, &id).contains("call-back-form"));
    work_and_hand_back(&estate, &id);
    let page = record_page(&mut estate.desk_web, &id);
    assert!(page.contains("call-back-form"));
    assert!(page.contains("enctype=\"multipart/form-data\""));

    // In person without the signature: the core's reason, nothing stored.
    let fields = [
        ("action", "call_back"),
        ("method", "in_person"),
        ("satisfied", "on"),
        ("outcome", "door closes well"),
        ("signer", "李先生"),
    ];
    let unsigned = post_files(&mut estate.desk_web, &act, &fields, &[]);
    assert_eq!(unsigned.status, 400, "{}", unsigned.body);
    assert!(unsigned.body.contains("signature"), "{}", unsigned.body);
    // A file that is not an image is refused.
    let not_image = post_files(
        &mut estate.desk_web,
        &act,
        &fields,
        &[("signature", "notes.txt", b"just text")],
    );
    assert_eq!(not_image.status, 400);
    assert!(
        not_image.body.contains("not an image"),
        "{}",
        not_image.body
    );
    assert_eq!(
        estate.on_phone(&id)["view"]["callbacks"],
        Value::Array(vec![])
    );

    // With the image: stored, and the phones see the callback signed.
    let signed = post_files(
        &mut estate.desk_web,
        &act,
        &fields,
        &[("signature", "signature.png", SIGNATURE_PNG)],
    );
    assert_eq!(signed.status, 303, "{}", signed.body);
    let shown = estate.on_phone(&id);
    let callback = &shown["view"]["callbacks"][0];
    assert_eq!(callback["method"], "in_person");
    assert_eq!(callback["satisfied"], true);
    assert_eq!(callback["signature"]["signer"], "李先生");
    let blob = callback["signature"]["blob"]
        .as_str()
        .expect("blob")
        .to_owned();
    // The image is served to the console with the record.
    let image = estate.desk_web.get(&format!("/records/{id}/blobs/{blob}"));
    assert_eq!(image.status, 200);
    assert_eq!(image.content_type, "image/png");
}

fn duty_page(web: &mut Web) -> String {
    let page = web.get("/duty?estate=e1");
    assert_eq!(page.status, 200);
    page.body
}

fn date_of(page: &str) -> String {
    hidden(page, "date")
}

#[test]
fn the_desk_writes_hands_over_and_the_supervisor_signs_the_duty_log() {
    let mut estate = Estate::new();
    let page = duty_page(&mut estate.desk_web);
    assert!(page.contains("id=\"duty-entry-form\""), "{page}");
    assert!(page.contains("id=\"duty-handover-form\""));
    assert!(
        !page.contains("id=\"duty-sign-off-form\""),
        "desk cannot sign off"
    );
    let date = date_of(&page);
    let day = [("estate", "e1"), ("date", date.as_str())];

    // A line with a follow-up, written in the browser, reaches the phone.
    let mut entry = day.to_vec();
    entry.extend([
        ("text", "lift 2 stuck at B1, engineer called"),
        ("category", "incident"),
        ("follow_up", "on"),
    ]);
    let written = post(&mut estate.desk_web, "/duty/entry", &entry);
    assert_eq!(written.status, 303, "{}", written.body);
    field(&estate.desk, &["sync"]);
    let listed = field(&estate.desk, &["list", "--kind", "duty-log", "--json"]);
    let rows: Value = serde_json::from_str(&listed).expect("json");
    let log_id = rows[0]["id"]
        .as_str()
        .expect("a duty log on the phone")
        .to_owned();
    let shown = json(&estate.desk, &["show", &log_id, "--json"]);
    assert_eq!(
        shown["view"]["entries"][0]["text"],
        "lift 2 stuck at B1, engineer called"
    );
    let open = shown["view"]["open_follow_ups"][0]["entry"]
        .as_str()
        .expect("open follow-up")
        .to_owned();

    // A handover that does not take on the open follow-up is refused.
    let mut handover = day.to_vec();
    handover.extend([
        ("outgoing", "lin"),
        ("incoming", "he"),
        ("arrived_at", "2026-01-01T08:20"),
        ("item_0", "radio"),
        ("expected_0", "4"),
        ("counted_0", "4"),
    ]);
    let signatures: [(&str, &str, &[u8]); 2] = [
        ("signature_out", "out.png", SIGNATURE_PNG),
        ("signature_in", "in.png", SIGNATURE_PNG),
    ];
    let refused = post_files(
        &mut estate.desk_web,
        "/duty/handover",
        &handover,
        &signatures,
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("acknowledged"), "{}", refused.body);
    // A count that is not a number is refused too.
    let mut bad_count = handover.clone();
    bad_count.push(("counted_1", "four"));
    bad_count.push(("item_1", "torch"));
    bad_count.push(("expected_1", "2"));
    let refused = post_files(
        &mut estate.desk_web,
        "/duty/handover",
        &bad_count,
        &signatures,
    );
    assert_eq!(refused.status, 400);

    // Taking it on, with both signatures: stored.
    let ack = format!("ack_{open}");
    handover.push((ack.as_str(), "on"));
    let handed = post_files(
        &mut estate.desk_web,
        "/duty/handover",
        &handover,
        &signatures,
    );
    assert_eq!(handed.status, 303, "{}", handed.body);
    field(&estate.desk, &["sync"]);
    let shown = json(&estate.desk, &["show", &log_id, "--json"]);
    assert_eq!(shown["view"]["handovers"][0]["incoming"], "he");
    assert_eq!(
        shown["view"]["handovers"][0]["acknowledged"][0],
        open.as_str()
    );

    // The follow-up is closed at the desk.
    let mut close = day.to_vec();
    close.extend([
        ("entry", open.as_str()),
        ("outcome", "engineer freed the lift"),
    ]);
    assert_eq!(
        post(&mut estate.desk_web, "/duty/close", &close).status,
        303
    );

    // The supervisor signs, once.
    let page = duty_page(&mut estate.supervisor_web);
    assert!(page.contains("id=\"duty-sign-off-form\""));
    let mut sign = day.to_vec();
    sign.push(("comment", "read"));
    let by_desk = post_files(
        &mut estate.desk_web,
        "/duty/sign-off",
        &sign,
        &[("signature", "sig.png", SIGNATURE_PNG)],
    );
    assert_eq!(by_desk.status, 400, "the desk may not sign off");
    let signed = post_files(
        &mut estate.supervisor_web,
        "/duty/sign-off",
        &sign,
        &[("signature", "sig.png", SIGNATURE_PNG)],
    );
    assert_eq!(signed.status, 303, "{}", signed.body);
    let page = duty_page(&mut estate.supervisor_web);
    assert!(page.contains("id=\"duty-signed\""));
    assert!(!page.contains("id=\"duty-sign-off-form\""), "signed once");
    field(&estate.desk, &["sync"]);
    let shown = json(&estate.desk, &["show", &log_id, "--json"]);
    assert_eq!(shown["view"]["sign_off"]["user"], "chen");
    assert_eq!(
        shown["view"]["entries"][1]["text"],
        "engineer freed the lift"
    );
}
