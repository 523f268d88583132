//! Offline walks through the commands, from the command line to the store.
//! Enrollment is only ever made by a server through `enroll`; to run verbs
//! without one, these tests write the enrollment straight into the store
//! file with the core's `Store::enroll`, as a sync of `enroll` would have,
//! and switch identities by writing another. What the commands printed is
//! not captured: each test reads the store afterwards instead.

use std::path::{Path, PathBuf};

use clap::Parser;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::protocol::{EstateInfo, Identity};
use stairwell_core::record::{RecordId, RecordKind, Role};
use stairwell_core::store::{Enrollment, Query, Store};

use super::{FieldArgs, FieldError, run};

const HASH: &str = "a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778";

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    field: FieldArgs,
}

/// A device store file in a temporary folder.
struct Device {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("device.db");
        Device { _dir: dir, path }
    }

    fn store(&self) -> Store {
        Store::open(&self.path).expect("store")
    }

    /// Writes the enrollment a server would have given `user` as `role`.
    fn act_as(&self, user: &str, role: Role) {
        let enrollment = Enrollment {
            server_url: "http://127.0.0.1:9".into(),
            token: "token".into(),
            ca_pem: None,
            identity: Identity {
                user: user.into(),
                name: format!("{user} name"),
                role,
                device: "dev-a".into(),
                estates: vec![EstateInfo {
                    id: "e1".into(),
                    name: "Riverside".into(),
                    time_zone: "Asia/Shanghai".into(),
                }],
                max_blob_bytes: stairwell_core::protocol::DEFAULT_MAX_BLOB_BYTES,
            },
        };
        self.store().enroll(&enrollment).expect("enroll");
    }

    fn field(&self, args: &[&str]) -> Result<(), FieldError> {
        run(parse(&self.path, args))
    }

    fn ok(&self, args: &[&str]) {
        if let Err(err) = self.field(args) {
            panic!("{args:?} failed: {err}");
        }
    }

    /// The one record of `kind` on the device.
    fn only(&self, kind: RecordKind) -> RecordId {
        let entries = self.store().list(&Query::new().kind(kind)).expect("list");
        assert_eq!(entries.len(), 1, "one {kind} expected");
        entries[0].id
    }

    fn state(&self, id: RecordId) -> String {
        let entry = self.store().get_entry(id).expect("entry").expect("row");
        entry.state
    }

    fn load(&self, id: RecordId) -> AnyRecord {
        self.store().load(id).expect("load").expect("record")
    }
}

fn parse(store: &Path, args: &[&str]) -> FieldArgs {
    let store = store.to_string_lossy();
    let line = ["stairwell", "--store", &store]
        .into_iter()
        .chain(args.iter().copied());
    match Cli::try_parse_from(line) {
        Ok(cli) => cli.field,
        Err(err) => panic!("{args:?} did not parse: {err}"),
    }
}

const INTAKE: [&str; 12] = [
    "--resident",
    "Chen Jie",
    "--unit",
    "3-1201",
    "--phone",
    "13800000000",
    "--problem",
    "kitchen tap leaking",
    "--location",
    "in-unit",
    "--urgency",
    "urgent",
];

fn with<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    [head, tail].concat()
}

#[test]
fn verbs_before_enrollment_are_refused_with_exit_code_1() {
    let device = Device::new();
    let err = device
        .field(&with(&["repair", "open"], &INTAKE))
        .expect_err("refused");
    assert!(matches!(err, FieldError::NotEnrolled));
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn a_repair_sheet_goes_from_report_to_callback() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    device.ok(&with(&["repair", "open"], &INTAKE));
    let id = device.only(RecordKind::RepairSheet).to_string();
    let id = id.as_str();
    device.act_as("sup1", Role::Supervisor);
    device.ok(&["repair", "dispatch", id, "--technician", "tech7"]);
    device.act_as("tech7", Role::Technician);
    device.ok(&["repair", "arrive", id]);
    device.ok(&[
        "repair",
        "confirm-items",
        id,
        "--item",
        "tap",
        "--item",
        "hose",
        "--fee-standard",
        "price list 3.2",
    ]);
    device.ok(&["repair", "agree", id]);
    device.ok(&[
        "repair",
        "fee-line",
        id,
        "--description",
        "tap",
        "--quantity",
        "1",
        "--unit-price",
        "45.00",
    ]);
    device.ok(&[
        "repair",
        "material",
        id,
        "--material",
        "hose",
        "--result",
        "poor-quality",
        "--note",
        "warned",
    ]);
    device.ok(&["repair", "note", id, "old tap seized"]);
    // A photo is an image attached on this phone first.
    let photo = device
        .store()
        .add_blob(b"\xff\xd8\xff\xe0 the tap after the repair")
        .expect("attach");
    device.ok(&[
        "repair",
        "photo",
        id,
        "--blob",
        photo.as_str(),
        "--caption",
        "after",
    ]);
    device.ok(&[
        "repair",
        "complete",
        id,
        "--item",
        "tap",
        "--signature",
        HASH,
        "--signer",
        "Chen Jie",
        "--satisfaction",
        "satisfied",
    ]);
    device.ok(&["repair", "hand-back", id]);
    device.act_as("sup1", Role::Supervisor);
    device.ok(&["repair", "confirm-return", id]);
    device.act_as("desk1", Role::FrontDesk);
    device.ok(&[
        "repair",
        "call-back",
        id,
        "--method",
        "phone",
        "--satisfied",
        "--outcome",
        "no leak",
    ]);
    device.ok(&["repair", "amend", id, "--phone", "13900000000"]);
    let id: RecordId = id.parse().expect("id");
    assert_eq!(device.state(id), "called_back");
    let mut record = device.load(id);
    let view = record.repair_sheet().expect("sheet").view();
    assert_eq!(view.intake.phone, "13900000000");
    assert_eq!(view.fee_total_cents(), 4500);
    assert_eq!(view.timeline.len(), 13);
}

#[test]
fn a_refused_verb_changes_nothing_and_says_why() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    device.ok(&with(&["repair", "open"], &INTAKE));
    let id = device.only(RecordKind::RepairSheet);
    device.act_as("tech7", Role::Technician);
    let err = device
        .field(&["repair", "arrive", &id.to_string()])
        .expect_err("refused");
    assert!(matches!(err, FieldError::Refused(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("cannot record arrival now"),
        "{err}"
    );
    assert_eq!(device.state(id), "reported");
    let err = device
        .field(&with(&["repair", "open"], &INTAKE))
        .expect_err("forbidden");
    assert_eq!(err.to_string(), "a technician may not open a repair sheet");
}

#[test]
fn bad_input_the_core_refuses_is_exit_code_1() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    let mut args = with(&["repair", "open"], &INTAKE);
    args[7] = "not a phone";
    let err = device.field(&args).expect_err("refused");
    assert!(err.to_string().starts_with("phone:"), "{err}");
    assert_eq!(err.exit_code(), 1);
    let err = device
        .field(&with(&["repair", "open", "--estate", "e9"], &INTAKE))
        .expect_err("refused");
    assert!(
        err.to_string().contains("not enrolled for estate \"e9\""),
        "{err}"
    );
}

#[test]
fn a_patrol_round_opens_a_repair_sheet_from_a_finding() {
    let device = Device::new();
    device.act_as("sup1", Role::Supervisor);
    device.ok(&[
        "route",
        "define",
        "--name",
        "Night",
        "--checkpoint",
        "A:B1:1F:lobby",
        "--checkpoint",
        "B:B1:2F:corridor",
    ]);
    let route = device.only(RecordKind::RouteTemplate).to_string();
    device.act_as("pat1", Role::Patrol);
    device.ok(&["patrol", "start", "--route", &route]);
    let round = device.only(RecordKind::PatrolRound);
    let id = round.to_string();
    device.ok(&["patrol", "checkin", &id, "--code", "A"]);
    device.ok(&[
        "patrol",
        "finding",
        &id,
        "--category",
        "facility-damage",
        "--description",
        "lamp out",
        "--building",
        "B1",
        "--floor",
        "1F",
    ]);
    let mut record = device.load(round);
    let finding = record.patrol_round().expect("round").view().findings[0]
        .id
        .clone();
    device.ok(&with(
        &["patrol", "open-repair", &id, "--finding", &finding],
        &INTAKE,
    ));
    device.ok(&["patrol", "checkin", &id, "--code", "B", "--manual"]);
    device.ok(&["patrol", "finish", &id]);
    assert_eq!(device.state(round), "finished");
    let sheet = device.only(RecordKind::RepairSheet);
    let mut record = device.load(round);
    assert_eq!(
        record.patrol_round().expect("round").view().findings[0].repairs,
        [sheet]
    );
    let mut record = device.load(sheet);
    let source = record
        .repair_sheet()
        .expect("sheet")
        .view()
        .source
        .expect("source");
    assert_eq!((source.record, source.item), (id, finding));
}

#[test]
fn a_checklist_opens_a_repair_sheet_from_a_failed_item() {
    let device = Device::new();
    device.act_as("sup1", Role::Supervisor);
    device.ok(&[
        "checklist-template",
        "define",
        "--name",
        "Public areas",
        "--type",
        "public-area",
    ]);
    let template = device.only(RecordKind::ChecklistTemplate);
    let mut record = device.load(template);
    let items = record.checklist_template().expect("template").view().items;
    device.act_as("pat1", Role::Patrol);
    device.ok(&[
        "checklist",
        "start",
        "--template",
        &template.to_string(),
        "--building",
        "B1",
        "--floor",
        "1F",
    ]);
    let checklist = device.only(RecordKind::Checklist);
    let id = checklist.to_string();
    let failed = items[0].id.as_str();
    device.ok(&[
        "checklist",
        "set",
        &id,
        "--item",
        failed,
        "--result",
        "fail",
        "--note",
        "cracked tiles",
    ]);
    for item in &items[1..] {
        device.ok(&[
            "checklist",
            "set",
            &id,
            "--item",
            &item.id,
            "--result",
            "na",
        ]);
    }
    device.ok(&with(
        &["checklist", "open-repair", &id, "--item", failed],
        &INTAKE,
    ));
    device.ok(&[
        "checklist",
        "sign",
        &id,
        "--signature",
        HASH,
        "--signer",
        "pat1",
    ]);
    device.ok(&["checklist", "complete", &id]);
    assert_eq!(device.state(checklist), "completed");
    let sheet = device.only(RecordKind::RepairSheet);
    let mut record = device.load(checklist);
    let view = record.checklist().expect("checklist").view();
    assert_eq!(view.item(failed).expect("item").repairs, [sheet]);
}

#[test]
fn a_complaint_is_taken_by_the_four_clears_and_called_back() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    let open = [
        "complaint",
        "open",
        "--resident",
        "Chen Jie",
        "--unit",
        "3-1201",
        "--phone",
        "13800000000",
        "--department",
        "property",
        "--heard",
        "noise at night",
        "--asked",
        "from 2-1201",
        "--recorded",
        "noise from 2-1201 after 23:00",
    ];
    let err = device.field(&open).expect_err("refused");
    assert!(err.to_string().starts_with("repeated_back:"), "{err}");
    device.ok(&with(&open, &["--repeated-back", "--reported-to", "head1"]));
    let case = device.only(RecordKind::Complaint);
    let id = case.to_string();
    device.ok(&[
        "complaint",
        "dispatch",
        &id,
        "--department",
        "property",
        "--person",
        "pat1",
    ]);
    device.ok(&["complaint", "handle", &id, "--action", "spoke to 2-1201"]);
    device.ok(&[
        "complaint",
        "sign-off",
        &id,
        "--signature",
        HASH,
        "--signer",
        "Chen Jie",
        "--rating",
        "satisfied",
    ]);
    device.ok(&[
        "complaint",
        "call-back",
        &id,
        "--method",
        "phone",
        "--satisfied",
        "--outcome",
        "quiet now",
    ]);
    assert_eq!(device.state(case), "called_back");
}

#[test]
fn a_help_request_is_answered() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    device.ok(&[
        "complaint",
        "open",
        "--resident",
        "Chen Jie",
        "--unit",
        "3-1201",
        "--phone",
        "13800000000",
        "--department",
        "security",
        "--heard",
        "bike stolen",
        "--asked",
        "when",
        "--repeated-back",
        "--recorded",
        "bike stolen from B1",
        "--help-request",
        "crime:theft",
    ]);
    let id = device.only(RecordKind::Complaint).to_string();
    device.ok(&[
        "complaint",
        "answer",
        &id,
        "--reply",
        "security on the way",
        "--unsolved",
    ]);
    device.ok(&["complaint", "report-to-head", &id, "--head", "head1"]);
}

#[test]
fn the_duty_log_of_the_day_is_opened_on_first_entry() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    let err = device
        .field(&["duty", "close", "e1", "--outcome", "done"])
        .expect_err("no log yet");
    assert!(err.to_string().contains("has no duty log of e1"), "{err}");
    device.ok(&[
        "duty",
        "append",
        "--text",
        "lift 2 stuck",
        "--category",
        "incident",
        "--follow-up",
    ]);
    let log = device.only(RecordKind::DutyLog);
    let mut record = device.load(log);
    let entry = record.duty_log().expect("log").view().entries[0].id.clone();
    device.ok(&[
        "duty",
        "append",
        "--text",
        "parcel for 3-1201",
        "--category",
        "other",
    ]);
    device.ok(&["duty", "close", &entry, "--outcome", "lift fixed"]);
    let now = chrono::Utc::now().to_rfc3339();
    device.ok(&[
        "duty",
        "handover",
        "--outgoing",
        "desk1",
        "--incoming",
        "desk2",
        "--arrived-at",
        &now,
        "--equipment",
        "radio:4:4",
        "--signature-out",
        HASH,
        "--signature-in",
        HASH,
    ]);
    device.act_as("sup1", Role::Supervisor);
    device.ok(&["duty", "signoff", "--signature", HASH, "--comment", "read"]);
    assert_eq!(device.state(log), "signed_off");
    let mut record = device.load(log);
    let view = record.duty_log().expect("log").view();
    assert_eq!(view.entries.len(), 3);
    assert_eq!(view.sign_off.expect("signed").signature.signer, "sup1 name");
}

#[test]
fn reading_commands_run_on_any_store() {
    let device = Device::new();
    device.act_as("desk1", Role::FrontDesk);
    device.ok(&with(&["repair", "open"], &INTAKE));
    let id = device.only(RecordKind::RepairSheet).to_string();
    for args in [
        vec!["show", id.as_str()],
        vec!["show", id.as_str(), "--json"],
        vec!["list"],
        vec!["list", "--kind", "repair-sheet", "--open", "--json"],
        vec!["conflicts"],
        vec!["conflicts", "--json"],
        vec!["refusals", "--json"],
        vec!["whoami", "--json"],
    ] {
        device.ok(&args);
    }
    let err = device
        .field(&["resolve", &id, "--field", "phone", "--pick", "0"])
        .expect_err("no conflict");
    assert_eq!(
        err.to_string(),
        "cannot resolve a conflict now: phone is not in conflict"
    );
}
