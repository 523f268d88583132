//! The bindings' Rust API, offline: every kind's verbs through `FieldStore`
//! as an app calls them, refusals that change nothing, the listener,
//! conflicts between two phones, and the errors a phone meets before it is
//! enrolled or when the server is unreachable. The same API against a real
//! server, from Python and Kotlin, is in `tests/python` and `tests/kotlin`.
//!
//! Enrollment is written straight into the store file (as the core's
//! `enroll` does after asking a server), so these tests need no network.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::checklist_template::{ChecklistTemplate, TemplateType, standard_items};
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind, RouteTemplate};
use stairwell_core::protocol::{EstateInfo, Identity};
use stairwell_core::record::{Editor, Role as CoreRole};
use stairwell_core::store::{Enrollment, Store};
use stairwell_mobile::records::RecordView;
use stairwell_mobile::records::checklist::{ChecklistSite, ItemResult, MeterKind, MeterReading};
use stairwell_mobile::records::complaint::{
    ComplaintAmendment, ComplaintChannel, ComplaintIntake, ComplaintState, Department, HelpKind,
    Seriousness,
};
use stairwell_mobile::records::duty_log::{DutyEntryCategory, NewDutyEntry};
use stairwell_mobile::records::patrol_round::{CheckInMethod, FindingCategory, FindingReport};
use stairwell_mobile::records::repair_sheet::{
    FeeLine, RepairAmendment, RepairIntake, RepairLocation, RepairState, Urgency,
};
use stairwell_mobile::types::{
    CallbackMethod, RecordFilter, RecordKind, ResidentCallback, Role, Signature,
};
use stairwell_mobile::{FieldStore, RecordsListener, StairwellError, SyncProgress, SyncStats};
use tempfile::TempDir;

const ESTATE: &str = "estate-1";
const SIGNATURE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A phone: its store file in a temporary directory.
struct Phone {
    _dir: TempDir,
    path: String,
    store: Arc<FieldStore>,
}

impl Phone {
    fn new() -> Phone {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("field.sqlite").display().to_string();
        let store = FieldStore::open(path.clone()).expect("open");
        Phone {
            _dir: dir,
            path,
            store,
        }
    }

    /// Enrolls the phone as `user` with `role`, without a server.
    fn enrolled(user: &str, role: CoreRole) -> Phone {
        let phone = Phone::new();
        phone.become_user(user, role);
        phone
    }

    fn become_user(&self, user: &str, role: CoreRole) {
        let mut store = Store::open(&self.path).expect("second connection");
        store
            .enroll(&Enrollment {
                // Nothing listens on the discard port: syncs fail fast.
                server_url: "http://127.0.0.1:9".into(),
                token: "test-token".into(),
                ca_pem: None,
                identity: Identity {
                    user: user.into(),
                    name: format!("{user} (name)"),
                    role,
                    device: format!("{user}-phone"),
                    estates: vec![EstateInfo {
                        id: ESTATE.into(),
                        name: "Estate One".into(),
                        time_zone: "Asia/Shanghai".into(),
                    }],
                    max_blob_bytes: 1024 * 1024,
                },
            })
            .expect("enroll");
    }

    /// Stores a record made outside the bindings (templates come by sync).
    fn insert(&self, record: &AnyRecord) {
        let mut store = Store::open(&self.path).expect("second connection");
        store.insert(record.doc()).expect("insert");
    }

    /// Copies every record of `other` into this phone, as a sync would.
    fn receive_from(&self, other: &Phone) {
        let from = Store::open(&other.path).expect("from");
        let mut to = Store::open(&self.path).expect("to");
        for entry in from.list(&Default::default()).expect("list") {
            let record = from.load(entry.id).expect("load").expect("stored");
            to.put_remote(&record.doc().save()).expect("put");
        }
    }
}

fn intake() -> RepairIntake {
    RepairIntake {
        resident_name: "Li Wei".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 0000".into(),
        problem: "kitchen tap leaking".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
        reported_at: None,
        estate: None,
    }
}

fn signature(signer: &str) -> Signature {
    Signature {
        image_sha256: SIGNATURE.into(),
        signer: signer.into(),
    }
}

/// Remembers every batch of ids it was told.
#[derive(Default)]
struct Heard(Mutex<Vec<Vec<String>>>);

impl RecordsListener for Heard {
    fn records_changed(&self, record_ids: Vec<String>) {
        self.0.lock().expect("lock").push(record_ids);
    }
}

struct Quiet;

impl SyncProgress for Quiet {
    fn on_progress(&self, _stats: SyncStats) {}
}

#[test]
fn verbs_before_enrollment_say_to_enroll() {
    let phone = Phone::new();
    assert_eq!(phone.store.whoami().expect("whoami"), None);
    let err = phone
        .store
        .open_repair_sheet(intake())
        .expect_err("refused");
    assert_eq!(err, StairwellError::NotEnrolled);
    assert!(err.to_string().contains("enroll"), "{err}");
    let err = phone.store.sync(Arc::new(Quiet)).expect_err("refused");
    assert_eq!(err, StairwellError::NotEnrolled);
}

#[test]
fn whoami_reads_the_enrollment_offline() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let me = phone.store.whoami().expect("whoami").expect("enrolled");
    assert_eq!(me.user, "lin.desk");
    assert_eq!(me.role, Role::FrontDesk);
    assert_eq!(me.estates[0].time_zone, "Asia/Shanghai");
}

#[test]
fn a_repair_sheet_is_worked_from_desk_to_completion() {
    let desk = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let id = desk.store.open_repair_sheet(intake()).expect("open");
    desk.store
        .dispatch(id.clone(), "wang.tech".into())
        .expect("dispatch");

    let sheets = desk.store.my_open_repair_sheets().expect("list");
    assert_eq!(sheets.len(), 1);
    let due = sheets[0]
        .due
        .clone()
        .expect("a dispatched sheet has a deadline");
    assert!(
        due.time_left_seconds > 0 && due.time_left_seconds <= 15 * 60,
        "{due:?}"
    );
    assert!(!due.rule.is_empty() && due.rule != due.rule_code, "{due:?}");

    desk.become_user("wang.tech", CoreRole::Technician);
    let mine = desk.store.my_open_repair_sheets().expect("mine");
    assert_eq!(mine.len(), 1, "assigned to the technician");
    desk.store.record_arrival(id.clone()).expect("arrive");
    desk.store
        .confirm_items(
            id.clone(),
            vec!["tap washer".into()],
            "price list 2026".into(),
        )
        .expect("confirm");
    desk.store.record_agreement(id.clone()).expect("agree");
    desk.store
        .add_fee_line(
            id.clone(),
            FeeLine {
                description: "washer".into(),
                quantity: 2,
                unit_price_cents: 350,
                from_price_list: true,
            },
        )
        .expect("fee line");
    desk.store
        .complete_repair(
            id.clone(),
            vec!["tap washer".into()],
            signature("Li Wei"),
            stairwell_mobile::types::Satisfaction::Satisfied,
        )
        .expect("complete");
    desk.store.hand_back(id.clone()).expect("hand back");

    let view = desk.store.repair_sheet(id.clone()).expect("view");
    assert_eq!(view.state, RepairState::HandedBack);
    assert_eq!(view.fee_total_cents, 700);
    assert_eq!(view.technician.as_deref(), Some("wang.tech"));
    assert!(view.timeline.len() >= 8, "{:?}", view.timeline);

    desk.become_user("lin.desk", CoreRole::FrontDesk);
    desk.store
        .record_callback(
            id.clone(),
            ResidentCallback {
                method: CallbackMethod::Phone,
                resident_signature: None,
                satisfied: true,
                outcome: "tap dry".into(),
                follow_up_by: None,
            },
        )
        .expect("callback");
    assert_eq!(
        desk.store.repair_sheet(id).expect("view").callbacks.len(),
        1
    );
}

#[test]
fn a_refused_verb_is_readable_and_changes_nothing() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let id = phone.store.open_repair_sheet(intake()).expect("open");
    phone
        .store
        .dispatch(id.clone(), "wang.tech".into())
        .expect("dispatch");
    let before = phone.store.record_json(id.clone()).expect("json");

    phone.become_user("zhao.tech", CoreRole::Technician);
    let err = phone
        .store
        .record_arrival(id.clone())
        .expect_err("not assigned");
    assert!(matches!(err, StairwellError::Refused { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot record arrival now: the sheet is assigned to wang.tech"
    );
    let err = phone
        .store
        .amend_repair_sheet(
            id.clone(),
            RepairAmendment::Phone {
                phone: "not a phone".into(),
            },
        )
        .expect_err("invalid");
    assert!(
        matches!(&err, StairwellError::InvalidInput { field, .. } if field == "phone"),
        "{err:?}"
    );
    assert_eq!(phone.store.record_json(id).expect("json"), before);
}

#[test]
fn bad_inputs_name_their_field() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let err = phone
        .store
        .open_repair_sheet(RepairIntake {
            phone: "x".into(),
            ..intake()
        })
        .expect_err("bad phone");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "phone"));
    let err = phone
        .store
        .dispatch("not-an-id".into(), "wang".into())
        .expect_err("bad id");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "record_id"));
    let missing = "00000000-0000-4000-8000-000000000000";
    let err = phone
        .store
        .dispatch(missing.into(), "wang".into())
        .expect_err("missing");
    assert_eq!(
        err,
        StairwellError::NotFound {
            record_id: missing.into()
        }
    );
    let err = phone
        .store
        .open_repair_sheet(RepairIntake {
            estate: Some("elsewhere".into()),
            ..intake()
        })
        .expect_err("other estate");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "estate"));
}

#[test]
fn the_listener_hears_every_verb() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let heard = Arc::new(Heard::default());
    phone.store.set_listener(Some(heard.clone()));
    let id = phone.store.open_repair_sheet(intake()).expect("open");
    phone
        .store
        .dispatch(id.clone(), "wang".into())
        .expect("dispatch");
    let _ = phone.store.record_arrival(id.clone());
    assert_eq!(
        *heard.0.lock().expect("lock"),
        vec![vec![id.clone()], vec![id]],
        "a refused verb is not announced"
    );
    phone.store.set_listener(None);
}

#[test]
fn two_phones_amending_one_field_make_a_conflict_to_resolve() {
    let desk = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let id = desk.store.open_repair_sheet(intake()).expect("open");
    let other = Phone::enrolled("zhou.desk", CoreRole::FrontDesk);
    other.receive_from(&desk);

    let amend = |phone: &Phone, number: &str| {
        phone
            .store
            .amend_repair_sheet(
                id.clone(),
                RepairAmendment::Phone {
                    phone: number.into(),
                },
            )
            .expect("amend");
    };
    amend(&desk, "139 1111 1111");
    std::thread::sleep(Duration::from_millis(5));
    amend(&other, "137 2222 2222");
    desk.receive_from(&other);

    let conflicts = desk.store.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.record_id, id);
    assert_eq!(conflict.kind, RecordKind::RepairSheet);
    assert_eq!(conflict.conflict.field, "phone");
    let choices = &conflict.conflict.choices;
    assert_eq!(choices[0].value, "139 1111 1111");
    assert_eq!(choices[0].user, "lin.desk");
    assert_eq!(choices[1].value, "137 2222 2222");
    assert_eq!(choices[1].user, "zhou.desk");

    desk.store
        .resolve_conflict(id.clone(), "phone".into(), choices[1].pick)
        .expect("resolve");
    assert!(desk.store.conflicts().expect("conflicts").is_empty());
    assert_eq!(
        desk.store.repair_sheet(id).expect("view").phone,
        "137 2222 2222"
    );
}

#[test]
fn a_patrol_round_is_walked_from_a_route_on_the_phone() {
    let officer = Phone::enrolled("liu.patrol", CoreRole::Patrol);
    let supervisor = Editor::new("chen.sup", "pc", CoreRole::Supervisor);
    let route = RouteTemplate::define(
        &supervisor,
        chrono::Utc::now() - chrono::Duration::hours(1),
        ESTATE,
        "North round",
        vec![
            Checkpoint::new("N-1", Location::new("B1", "1F", "lobby"), PlaceKind::Floor),
            Checkpoint::new(
                "N-2",
                Location::new("B1", "B1", "car park"),
                PlaceKind::CarPark,
            ),
        ],
    )
    .expect("route");
    officer.insert(&AnyRecord::RouteTemplate(route));
    let routes = officer.store.patrol_routes().expect("routes");
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].checkpoints.len(), 2);

    assert_eq!(officer.store.todays_patrol_round().expect("none yet"), None);
    let round = officer
        .store
        .start_patrol_round(routes[0].id.clone())
        .expect("start");
    officer
        .store
        .check_in(round.clone(), "N-1".into(), CheckInMethod::Scan)
        .expect("check in");
    let today = officer
        .store
        .todays_patrol_round()
        .expect("today")
        .expect("walking");
    assert_eq!(today.id, round);
    assert_eq!(
        today
            .next_checkpoint
            .map(|checkpoint| checkpoint.code)
            .as_deref(),
        Some("N-2")
    );

    let report = |photo: &str| FindingReport {
        category: FindingCategory::FacilityDamage,
        description: "broken lamp".into(),
        building: "B1".into(),
        floor: "1F".into(),
        area: "lobby".into(),
        photo_sha256s: vec![photo.to_owned()],
    };
    // A photo the phone does not hold is refused: its image could never
    // follow the finding.
    let refused = officer.store.add_finding(round.clone(), report(SIGNATURE));
    assert!(
        matches!(&refused, Err(StairwellError::InvalidInput { field, .. }) if field == "blob"),
        "{refused:?}"
    );
    let photo = officer
        .store
        .add_image(b"\x89PNG the lamp".to_vec())
        .expect("photo");
    let finding = officer
        .store
        .add_finding(round.clone(), report(&photo))
        .expect("finding");
    let view = officer.store.patrol_round(round.clone()).expect("view");
    assert!(
        view.report_due.is_some(),
        "a facility fault is reported within 2 h"
    );
    let sheet = officer
        .store
        .open_repair_from_finding(
            round.clone(),
            finding.clone(),
            RepairIntake {
                location: RepairLocation::PublicArea,
                ..intake()
            },
        )
        .expect("repair");
    let view = officer.store.patrol_round(round.clone()).expect("view");
    assert_eq!(view.findings[0].repair_sheet_ids, vec![sheet.clone()]);
    let sheet = officer.store.repair_sheet(sheet).expect("sheet");
    assert_eq!(sheet.source.map(|source| source.item_id), Some(finding));

    let err = officer
        .store
        .check_in(round.clone(), "NOWHERE".into(), CheckInMethod::Manual)
        .expect_err("unknown checkpoint");
    assert!(matches!(err, StairwellError::Refused { .. }), "{err:?}");
    officer.store.finish_round(round.clone()).expect("finish");
    let today = officer
        .store
        .todays_patrol_round()
        .expect("today")
        .expect("started today");
    assert_eq!(today.missed.len(), 1);
}

#[test]
fn a_checklist_is_filled_from_a_template_on_the_phone() {
    let inspector = Phone::enrolled("liu.patrol", CoreRole::Patrol);
    let supervisor = Editor::new("chen.sup", "pc", CoreRole::Supervisor);
    let template = ChecklistTemplate::define(
        &supervisor,
        chrono::Utc::now() - chrono::Duration::hours(1),
        ESTATE,
        "Handover",
        TemplateType::UnitHandover,
        standard_items(TemplateType::UnitHandover),
    )
    .expect("template");
    inspector.insert(&AnyRecord::ChecklistTemplate(template));
    let templates = inspector.store.checklist_templates().expect("templates");
    let template = &templates[0];

    let err = inspector
        .store
        .start_checklist(
            template.id.clone(),
            ChecklistSite {
                building: "B2".into(),
                floor: "12F".into(),
                unit: None,
            },
        )
        .expect_err("a handover names its unit");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "unit"));
    let id = inspector
        .store
        .start_checklist(
            template.id.clone(),
            ChecklistSite {
                building: "B2".into(),
                floor: "12F".into(),
                unit: Some("1203".into()),
            },
        )
        .expect("start");
    let first = template.items[0].id.clone();
    inspector
        .store
        .set_checklist_item(
            id.clone(),
            first.clone(),
            ItemResult::Fail,
            "door scratched".into(),
        )
        .expect("fail an item");
    inspector
        .store
        .record_meter(
            id.clone(),
            MeterReading {
                meter: MeterKind::Water,
                reading: "00123.4".into(),
                owner: "Li Wei".into(),
            },
        )
        .expect("meter");

    let to_fill = inspector.store.checklists_to_fill().expect("to fill");
    assert_eq!(to_fill.len(), 1);
    assert_eq!(to_fill[0].answered, 1);
    assert_eq!(to_fill[0].failed, 1);
    assert_eq!(to_fill[0].total, count(template.items.len()));
    assert_eq!(
        to_fill[0].next_item.as_ref().map(|item| item.id.clone()),
        template.items.get(1).map(|item| item.id.clone())
    );
    let err = inspector
        .store
        .sign_checklist(id.clone(), signature("liu"), Some(signature("Li Wei")))
        .expect_err("items left");
    assert!(err.to_string().contains("not answered"), "{err}");

    inspector
        .store
        .open_repair_from_item(id.clone(), first.clone(), intake())
        .expect("repair from item");
    let view = inspector.store.checklist(id).expect("view");
    assert_eq!(view.items[0].repair_sheet_ids.len(), 1);
    assert_eq!(view.meters[0].reading.reading, "00123.4");
}

fn count(n: usize) -> u32 {
    u32::try_from(n).expect("small")
}

#[test]
fn a_complaint_is_taken_by_the_four_clears() {
    let desk = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let complaint = ComplaintIntake {
        resident_name: "Li Wei".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 0000".into(),
        department: Department::Property,
        seriousness: Seriousness::Ordinary,
        serious: false,
        channel: ComplaintChannel::Complaint,
        heard: "noise every night".into(),
        asked: "after 23:00, from 1303".into(),
        repeated_back: true,
        recorded: "night noise from 1303".into(),
        reported_to: None,
        received_at: None,
        estate: None,
    };
    let err = desk
        .store
        .open_complaint(complaint.clone())
        .expect_err("a complaint is reported to the head");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "reported_to"));
    let id = desk
        .store
        .open_complaint(ComplaintIntake {
            reported_to: Some("head.property".into()),
            ..complaint.clone()
        })
        .expect("open");
    desk.store
        .dispatch_complaint(id.clone(), Department::Property, Some("ma.property".into()))
        .expect("dispatch");
    desk.store
        .record_handling(id.clone(), "spoke to 1303".into(), None)
        .expect("handled");
    desk.store
        .amend_complaint(
            id.clone(),
            ComplaintAmendment::Seriousness {
                seriousness: Seriousness::Important,
            },
        )
        .expect("amend");
    let view = desk.store.complaint(id.clone()).expect("view");
    assert_eq!(view.state, ComplaintState::Handled);
    assert_eq!(view.dispatches[0].person.as_deref(), Some("ma.property"));
    assert_eq!(view.seriousness, Seriousness::Important);

    let help = desk
        .store
        .open_complaint(ComplaintIntake {
            channel: ComplaintChannel::HelpRequest {
                kind: HelpKind::Enquiry,
            },
            ..complaint
        })
        .expect("a help request needs no report");
    desk.store
        .answer_help_request(help.clone(), "the pool opens at 9".into(), true)
        .expect("answer");
    assert!(matches!(
        desk.store.record(help).expect("record"),
        RecordView::Complaint { view } if view.answers.len() == 1
    ));
}

#[test]
fn the_duty_log_of_the_day_opens_on_first_write() {
    let desk = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    assert_eq!(desk.store.current_duty_log(None).expect("none yet"), None);
    let err = desk
        .store
        .append_duty_entry(
            NewDutyEntry {
                text: "  ".into(),
                category: DutyEntryCategory::Call,
                important: false,
                follow_up: false,
            },
            None,
        )
        .expect_err("empty line");
    assert!(
        matches!(err, StairwellError::InvalidInput { .. }),
        "{err:?}"
    );
    assert_eq!(
        desk.store.current_duty_log(None).expect("still none"),
        None,
        "a refused first line leaves no empty log behind"
    );

    let line = desk
        .store
        .append_duty_entry(
            NewDutyEntry {
                text: "lift 2 stuck, engineering called".into(),
                category: DutyEntryCategory::Incident,
                important: true,
                follow_up: true,
            },
            None,
        )
        .expect("append");
    let closed = desk
        .store
        .close_duty_follow_up(
            line.log_id.clone(),
            line.entry_id.clone(),
            "lift fixed".into(),
        )
        .expect("close");
    assert_eq!(closed.log_id, line.log_id);
    let log = desk
        .store
        .current_duty_log(None)
        .expect("log")
        .expect("opened");
    assert_eq!(log.id, line.log_id);
    assert_eq!(log.entries.len(), 2);
    assert!(log.open_follow_ups.is_empty());
    assert_eq!(log.duty_date.len(), 10, "{}", log.duty_date);
    let summaries = desk
        .store
        .list_records(RecordFilter {
            kind: Some(RecordKind::DutyLog),
            ..RecordFilter::default()
        })
        .expect("list");
    assert_eq!(summaries.len(), 1);
}

#[test]
fn pending_uploads_list_what_the_server_lacks() {
    let desk = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    assert!(desk.store.pending_uploads().expect("none").is_empty());
    let id = desk.store.open_repair_sheet(intake()).expect("open");
    let pending = desk.store.pending_uploads().expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record_id, id);
    assert_eq!(pending[0].title, "kitchen tap leaking");
    assert!(pending[0].bytes > 0);
    assert_eq!(pending[0].refusal, None);
}

#[test]
fn an_unreachable_server_is_a_network_error() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let err = phone
        .store
        .sync(Arc::new(Quiet))
        .expect_err("nobody listens");
    assert!(matches!(err, StairwellError::Network { .. }), "{err:?}");
    let err = phone
        .store
        .enroll("http://127.0.0.1:9".into(), "token".into(), None)
        .expect_err("nobody listens");
    assert!(matches!(err, StairwellError::Network { .. }), "{err:?}");
    let err = phone
        .store
        .enroll(" ".into(), "token".into(), None)
        .expect_err("no address");
    assert!(matches!(&err, StairwellError::InvalidInput { field, .. } if field == "server_url"));
}

#[test]
fn record_json_holds_the_core_view() {
    let phone = Phone::enrolled("lin.desk", CoreRole::FrontDesk);
    let id = phone
        .store
        .open_repair_sheet(RepairIntake {
            appointment: Some(SystemTime::now() + Duration::from_secs(3600)),
            ..intake()
        })
        .expect("open");
    let json: serde_json::Value =
        serde_json::from_str(&phone.store.record_json(id.clone()).expect("json")).expect("parse");
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["kind"], "repair_sheet");
    assert_eq!(json["view"]["state"], "reported");
    assert_eq!(json["view"]["intake"]["unit"], "B2-1203");
}
