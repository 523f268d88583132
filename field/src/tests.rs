//! Offline tests of the field command line: the parsing of its trickier
//! flags, and the JSON shapes of `show`, `list` and `conflicts` for records
//! built with the core in a store, without a server (verbs need an
//! enrollment, which only a server gives; the end-to-end tests cover them).

use chrono::{DateTime, Utc};
use clap::{CommandFactory, Parser};
use serde_json::{Value, json};
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::checklist::ItemResult;
use stairwell_core::kinds::checklist_template::{RenovationStage, TemplateType};
use stairwell_core::kinds::complaint::{CrimeKind, HelpKind};
use stairwell_core::kinds::repair_sheet::{Amendment, Intake, RepairSheet};
use stairwell_core::kinds::route_template::PlaceKind;
use stairwell_core::record::{Editor, RecordId, Role};
use stairwell_core::rules::{RepairLocation, Urgency};
use stairwell_core::store::Store;

use super::args::{parse_checkpoint, parse_equipment, parse_help_kind, parse_time};
use super::checklist::{ChecklistCommand, TemplateCommand};
use super::duty::DutyCommand;
use super::output::{self, Row};
use super::patrol::RouteCommand;
use super::records;
use super::repair::RepairCommand;
use super::{FieldArgs, FieldCommand};

/// The field arguments at the top of a command line, as main.rs nests them.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    field: FieldArgs,
}

fn parse(args: &[&str]) -> Result<FieldCommand, clap::Error> {
    let line = ["stairwell", "--store", "device.db"].iter().chain(args);
    Cli::try_parse_from(line).map(|cli| cli.field.command)
}

fn parsed(args: &[&str]) -> FieldCommand {
    parse(args).unwrap_or_else(|err| panic!("{args:?} should parse: {err}"))
}

fn usage_error(args: &[&str]) -> clap::Error {
    match parse(args) {
        Ok(command) => panic!("{args:?} should be refused, parsed {command:?}"),
        Err(err) => err,
    }
}

const HASH: &str = "a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778";
const ID: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

fn utc(text: &str) -> DateTime<Utc> {
    parse_time(text).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_command_tree_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn checkpoint_is_code_building_floor_area_and_an_optional_place() {
    let checkpoint = parse_checkpoint("G1:B2:12F:corridor").expect("four parts");
    assert_eq!(checkpoint.code, "G1");
    assert_eq!(checkpoint.location.building, "B2");
    assert_eq!(checkpoint.location.floor, "12F");
    assert_eq!(checkpoint.location.area, "corridor");
    assert_eq!(checkpoint.place, PlaceKind::Floor);
    let park = parse_checkpoint("P1:::car park B1:car-park").expect("five parts");
    assert_eq!(park.location.building, "");
    assert_eq!(park.location.area, "car park B1");
    assert_eq!(park.place, PlaceKind::CarPark);
}

#[test]
fn malformed_checkpoints_are_refused() {
    assert!(parse_checkpoint("G1:B2").is_err());
    assert!(parse_checkpoint("G1:B2:1F:hall:roof:extra").is_err());
    assert!(parse_checkpoint("G1:B2:1F:hall:roof").is_err());
}

#[test]
fn route_define_keeps_checkpoints_in_the_order_given() {
    let command = parsed(&[
        "route",
        "define",
        "--name",
        "Night round",
        "--checkpoint",
        "A:B1:1F:lobby",
        "--checkpoint",
        "B:B1:2F:corridor:floor",
    ]);
    let FieldCommand::Route(RouteCommand::Define { checkpoints, .. }) = command else {
        panic!("route define parsed as {command:?}");
    };
    let codes: Vec<&str> = checkpoints.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["A", "B"]);
}

#[test]
fn a_route_needs_a_checkpoint() {
    let err = usage_error(&["route", "define", "--name", "Empty"]);
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn equipment_is_item_expected_counted_and_a_note_that_may_hold_colons() {
    let short = parse_equipment("radio:4:3:one at repair: back 10:00").expect("four parts");
    assert_eq!(short.item, "radio");
    assert_eq!((short.expected, short.counted), (4, 3));
    assert_eq!(short.note, "one at repair: back 10:00");
    let full = parse_equipment("torch:2:2").expect("three parts");
    assert_eq!(full.note, "");
    assert!(parse_equipment("radio:four:4").is_err());
    assert!(parse_equipment("radio:4").is_err());
    assert!(parse_equipment("radio:4:-1").is_err());
}

#[test]
fn handover_takes_repeated_equipment_and_acknowledgements() {
    let command = parsed(&[
        "duty",
        "handover",
        "--outgoing",
        "Li",
        "--incoming",
        "Wang",
        "--arrived-at",
        "2024-05-02T08:24:00+08:00",
        "--equipment",
        "radio:4:4",
        "--equipment",
        "key ring:1:0:lost on round",
        "--ack",
        "e1",
        "--ack",
        "e2",
        "--signature-out",
        HASH,
        "--signature-in",
        HASH,
    ]);
    let FieldCommand::Duty(DutyCommand::Handover(args)) = command else {
        panic!("duty handover parsed as {command:?}");
    };
    assert_eq!(args.equipment.len(), 2);
    assert_eq!(args.equipment[1].note, "lost on round");
    assert_eq!(args.acknowledged, ["e1", "e2"]);
    assert_eq!(args.arrived_at, utc("2024-05-02T00:24:00Z"));
}

#[test]
fn times_are_rfc3339_with_any_offset() {
    assert_eq!(
        utc("2024-05-01T09:30:00+08:00"),
        utc("2024-05-01T01:30:00Z")
    );
    assert!(parse_time("2024-05-01 09:30").is_err());
    assert!(parse_time("yesterday").is_err());
    let err = usage_error(&[
        "repair",
        "open",
        "--resident",
        "Chen",
        "--unit",
        "3-1201",
        "--phone",
        "13800000000",
        "--problem",
        "leak",
        "--location",
        "in-unit",
        "--urgency",
        "normal",
        "--appointment",
        "tomorrow at 9",
    ]);
    assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn repair_open_maps_kebab_case_flags_to_the_intake() {
    let command = parsed(&[
        "repair",
        "open",
        "--resident",
        "Chen",
        "--unit",
        "lobby B2",
        "--phone",
        "13800000000",
        "--problem",
        "lamp out",
        "--location",
        "public-area",
        "--urgency",
        "extra-urgent",
        "--off-price-list",
        "--reported-at",
        "2024-05-01T08:00:00Z",
    ]);
    let FieldCommand::Repair(RepairCommand::Open(args)) = command else {
        panic!("repair open parsed as {command:?}");
    };
    let intake = args.intake.intake();
    assert_eq!(intake.location, RepairLocation::PublicArea);
    assert_eq!(intake.urgency, Urgency::ExtraUrgent);
    assert!(!intake.on_price_list);
    assert_eq!(intake.appointment, None);
    assert_eq!(args.reported_at, Some(utc("2024-05-01T08:00:00Z")));
}

#[test]
fn snake_case_spellings_are_usage_errors() {
    let err = usage_error(&[
        "repair",
        "material",
        ID,
        "--material",
        "tiles",
        "--result",
        "poor_quality",
    ]);
    assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    parsed(&[
        "repair",
        "material",
        ID,
        "--material",
        "tiles",
        "--result",
        "poor-quality",
    ]);
}

#[test]
fn checklist_results_and_template_types_are_kebab_case() {
    let command = parsed(&["checklist", "set", ID, "--item", "lamps", "--result", "na"]);
    let FieldCommand::Checklist(ChecklistCommand::Set { result, .. }) = command else {
        panic!("checklist set parsed as {command:?}");
    };
    assert_eq!(ItemResult::from(result), ItemResult::NotApplicable);
    let command = parsed(&[
        "checklist-template",
        "define",
        "--name",
        "Re-inspection",
        "--type",
        "renovation-reinspection",
    ]);
    let FieldCommand::ChecklistTemplate(TemplateCommand::Define { template_type, .. }) = command
    else {
        panic!("checklist-template define parsed as {command:?}");
    };
    assert_eq!(
        TemplateType::from(template_type),
        TemplateType::RenovationAcceptance {
            stage: RenovationStage::ReInspection
        }
    );
}

#[test]
fn help_request_kinds_name_their_subkind() {
    assert_eq!(
        parse_help_kind("crime:traffic-accident"),
        Ok(HelpKind::Crime(CrimeKind::TrafficAccident))
    );
    assert_eq!(
        parse_help_kind("medical-emergency"),
        Ok(HelpKind::MedicalEmergency)
    );
    assert!(parse_help_kind("crime:arson").is_err());
    assert!(parse_help_kind("crime").is_err());
}

#[test]
fn quote_takes_exactly_one_of_feasible_and_infeasible() {
    parsed(&["repair", "quote", ID, "--feasible", "--fee", "50.00"]);
    parsed(&["repair", "quote", ID, "--infeasible"]);
    usage_error(&["repair", "quote", ID, "--feasible", "--infeasible"]);
    usage_error(&["repair", "quote", ID, "--fee", "50.00"]);
}

#[test]
fn amend_takes_exactly_one_field() {
    let command = parsed(&["repair", "amend", ID, "--urgency", "urgent"]);
    let FieldCommand::Repair(RepairCommand::Amend { change, .. }) = command else {
        panic!("repair amend parsed as {command:?}");
    };
    assert_eq!(change.amendment(), Amendment::Urgency(Urgency::Urgent));
    usage_error(&["repair", "amend", ID]);
    usage_error(&["repair", "amend", ID, "--phone", "123", "--unit", "1-1"]);
}

#[test]
fn a_callback_signature_needs_its_signer() {
    let base = [
        "repair",
        "call-back",
        ID,
        "--method",
        "in-person",
        "--satisfied",
        "--outcome",
        "ok",
    ];
    usage_error(&[&base[..], &["--signature", HASH]].concat());
    parsed(&[&base[..], &["--signature", HASH, "--signer", "Chen"]].concat());
    usage_error(&[
        "repair",
        "call-back",
        ID,
        "--method",
        "phone",
        "--outcome",
        "ok",
    ]);
}

#[test]
fn ids_and_hashes_are_checked_when_parsed() {
    usage_error(&["repair", "arrive", "not-an-id"]);
    usage_error(&["repair", "photo", ID, "--blob", "abc"]);
}

fn desk(device: &str) -> Editor {
    Editor::new("desk1", device, Role::FrontDesk)
}

fn intake() -> Intake {
    Intake {
        resident_name: "Chen Jie".into(),
        unit: "3-1201".into(),
        phone: "13800000000".into(),
        problem: "kitchen tap leaking".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    }
}

/// A store holding one dispatched repair sheet.
fn store_with_sheet() -> (Store, RecordId) {
    let mut store = Store::open_in_memory().expect("store");
    let opened = utc("2024-05-01T01:00:00Z");
    let sheet =
        RepairSheet::open(&desk("dev-a"), opened, "e1", intake(), opened, None).expect("open");
    let id = sheet.id();
    store.insert(sheet.doc()).expect("insert");
    store
        .update(id, |record| {
            record
                .repair_sheet()?
                .dispatch(&desk("dev-a"), utc("2024-05-01T01:02:00Z"), "tech7")
        })
        .expect("dispatch");
    (store, id)
}

#[test]
fn show_json_has_header_row_view_timeline_conflicts_and_field_history() {
    let (store, id) = store_with_sheet();
    let (shown, _, _) = records::show_out(&store, id).expect("show");
    let json = serde_json::to_value(&shown).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "conflicts",
            "entry",
            "field_history",
            "header",
            "id",
            "kind",
            "pending_sync",
            "refusal",
            "timeline",
            "view"
        ]
    );
    assert_eq!(json["id"], json!(id.to_string()));
    assert_eq!(json["kind"], "repair_sheet");
    assert_eq!(
        json["header"],
        json!({
            "kind": "repair_sheet", "schema": 1, "id": id.to_string(), "estate": "e1",
            "created_at": "2024-05-01T01:00:00Z", "created_by": "desk1"
        })
    );
    assert_eq!(json["entry"]["state"], "dispatched");
    assert_eq!(json["entry"]["assignee"], "tech7");
    assert_eq!(json["pending_sync"], true);
    assert_eq!(json["refusal"], Value::Null);
    assert_eq!(json["view"]["state"], "dispatched");
    assert_eq!(json["view"]["intake"]["phone"], "13800000000");
    assert!(json["view"].get("timeline").is_none());
    assert!(json["view"].get("conflicts").is_none());
    assert_eq!(json["conflicts"], json!([]));
    let types: Vec<&str> = json["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|line| line["type"].as_str())
        .collect();
    assert_eq!(types, ["opened", "dispatched"]);
    let first = &json["timeline"][0];
    assert_eq!(first["at"], "2024-05-01T01:00:00Z");
    assert_eq!(first["user"], "desk1");
    assert_eq!(first["device"], "dev-a");
    assert_eq!(first["superseded"], Value::Null);
}

#[test]
fn list_rows_have_a_stable_shape() {
    let (store, _) = store_with_sheet();
    let entries = store.list(&Default::default()).expect("list");
    let json =
        serde_json::to_value(entries.iter().map(Row::from).collect::<Vec<_>>()).expect("json");
    let row = &json[0];
    let keys: Vec<&str> = row
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "assignee",
            "conflicts",
            "due",
            "due_rule",
            "estate",
            "id",
            "kind",
            "location",
            "open",
            "state",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(row["kind"], "repair_sheet");
    assert_eq!(row["title"], "kitchen tap leaking");
    assert_eq!(row["location"], "3-1201");
    assert_eq!(row["open"], true);
    assert_eq!(row["updated_at"], "2024-05-01T01:02:00Z");
    assert!(row["due"].as_str().is_some_and(|due| due.ends_with('Z')));
    assert!(
        row["due_rule"]
            .as_str()
            .is_some_and(|rule| rule.starts_with("repair."))
    );
}

#[test]
fn list_text_shows_time_left() {
    let (store, _) = store_with_sheet();
    let entries = store.list(&Default::default()).expect("list");
    let due = entries[0].due.expect("a dispatched sheet has a deadline");
    let text = output::list_text(&entries, due - chrono::TimeDelta::minutes(5));
    assert!(text.starts_with("in 5 min"), "{text}");
    assert!(
        text.contains("kitchen tap leaking @ 3-1201 -> tech7"),
        "{text}"
    );
}

/// A store where two devices corrected the phone number at once.
fn store_with_conflict() -> (Store, RecordId) {
    let (mut device_a, id) = store_with_sheet();
    let mut device_b = Store::open_in_memory().expect("store");
    let bytes = device_a
        .load(id)
        .expect("load")
        .expect("sheet")
        .doc()
        .save();
    device_b.put_remote(&bytes).expect("copy");
    let amend = |store: &mut Store, device: &str, phone: &str, at: &str| {
        store
            .update(id, |record| {
                let change = Amendment::Phone(phone.into());
                record.repair_sheet()?.amend(&desk(device), utc(at), change)
            })
            .expect("amend");
    };
    amend(
        &mut device_a,
        "dev-a",
        "13900000001",
        "2024-05-01T02:00:00Z",
    );
    amend(
        &mut device_b,
        "dev-b",
        "13900000002",
        "2024-05-01T02:01:00Z",
    );
    let theirs = device_b
        .load(id)
        .expect("load")
        .expect("sheet")
        .doc()
        .save();
    device_a.put_remote(&theirs).expect("merge");
    (device_a, id)
}

#[test]
fn conflicts_json_lists_each_value_with_its_pick() {
    let (store, id) = store_with_conflict();
    let conflicts = records::all_conflicts(&store).expect("conflicts");
    let json = serde_json::to_value(&conflicts).expect("json");
    assert_eq!(
        json,
        json!([{
            "id": id.to_string(),
            "kind": "repair_sheet",
            "title": "kitchen tap leaking",
            "field": "phone",
            "values": [
                { "pick": 0, "value": "13900000001", "user": "desk1", "device": "dev-a",
                  "at": "2024-05-01T02:00:00Z" },
                { "pick": 1, "value": "13900000002", "user": "desk1", "device": "dev-b",
                  "at": "2024-05-01T02:01:00Z" }
            ]
        }])
    );
    let (shown, _, _) = records::show_out(&store, id).expect("show");
    let shown = serde_json::to_value(&shown).expect("json");
    assert_eq!(shown["conflicts"][0]["field"], "phone");
    assert_eq!(shown["conflicts"][0]["values"][1]["pick"], 1);
    assert_eq!(shown["entry"]["conflicts"], 1);
}

#[test]
fn conflicts_text_says_how_to_resolve() {
    let (store, _) = store_with_conflict();
    let text = output::conflicts_text(&records::all_conflicts(&store).expect("conflicts"));
    assert!(
        text.contains("resolve with --field phone --pick N"),
        "{text}"
    );
    assert!(
        text.contains("--pick 1: \"13900000002\" (by desk1 on dev-b"),
        "{text}"
    );
}

#[test]
fn show_text_has_the_timeline_and_the_kind_lines() {
    let (store, id) = store_with_conflict();
    let (shown, entry, details) = records::show_out(&store, id).expect("show");
    let text = shown.text(
        &entry,
        &details,
        utc("2024-05-01T01:03:00Z"),
        chrono_tz::Asia::Shanghai,
    );
    assert!(text.starts_with(&format!("repair_sheet {id}")), "{text}");
    // Times people read are in the estate's zone, with its offset.
    assert!(
        text.contains("+08:00") && !text.contains("Z dispatched"),
        "{text}"
    );
    assert!(text.contains("resident: Chen Jie, unit 3-1201"), "{text}");
    assert!(text.contains("technician: tech7"), "{text}");
    assert!(text.contains("timeline:"), "{text}");
    assert!(text.contains(" dispatched by desk1 (dev-a)"), "{text}");
    assert!(
        text.contains("conflicts (resolve with --field F --pick N):"),
        "{text}"
    );
}

#[test]
fn a_record_not_on_the_device_is_named() {
    let store = Store::open_in_memory().expect("store");
    let id: RecordId = ID.parse().expect("id");
    let err = records::show_out(&store, id)
        .err()
        .map(|err| err.to_string());
    assert_eq!(
        err,
        Some(format!(
            "record {ID} is not on this device (sync first, or check the id)"
        ))
    );
}

#[test]
fn show_works_for_every_kind_built_in_a_store() {
    use stairwell_core::kinds::checklist_template::{ChecklistTemplate, standard_items};
    use stairwell_core::kinds::duty_log::DutyLog;
    let mut store = Store::open_in_memory().expect("store");
    let at = utc("2024-05-01T01:00:00Z");
    let supervisor = Editor::new("sup1", "dev-s", Role::Supervisor);
    let handover = TemplateType::UnitHandover;
    let template = ChecklistTemplate::define(
        &supervisor,
        at,
        "e1",
        "Handover",
        handover,
        standard_items(handover),
    )
    .expect("template");
    let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("date");
    let log = DutyLog::open_for_day("e1", date, chrono_tz::Asia::Shanghai).expect("log");
    for record in [
        AnyRecord::ChecklistTemplate(template),
        AnyRecord::DutyLog(log),
    ] {
        let id = record.doc().id();
        store.insert(record.doc()).expect("insert");
        let (shown, entry, details) = records::show_out(&store, id).expect("show");
        assert!(shown.view.is_object());
        assert!(
            !shown
                .text(&entry, &details, at, chrono_tz::Tz::UTC)
                .is_empty()
        );
    }
}
