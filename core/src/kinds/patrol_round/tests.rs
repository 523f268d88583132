//! Every patrol-round verb, and its refusals.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::kinds::repair_sheet::{Intake, RepairState};
use crate::kinds::route_template::{Checkpoint, Location, PlaceKind, RouteTemplate};
use crate::record::{RecordError, Role};
use crate::rules::{FindingCategory, RepairLocation, Urgency};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn officer() -> Editor {
    Editor::new("liu.patrol", "phone-liu", Role::Patrol)
}
fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}
fn tech() -> Editor {
    Editor::new("wang.tech", "phone-wang", Role::Technician)
}

fn hash(byte: &str) -> BlobHash {
    byte.repeat(32).parse().expect("hash")
}

fn route() -> RouteTemplate {
    let checkpoints = vec![
        Checkpoint::new("A", Location::new("B2", "1F", "lobby"), PlaceKind::Floor),
        Checkpoint::new(
            "B",
            Location::new("B2", "B1", "car park B1"),
            PlaceKind::CarPark,
        ),
        Checkpoint::new(
            "C",
            Location::new("B2", "B1", "plant room"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "D",
            Location::new("", "", "green area"),
            PlaceKind::GreenArea,
        ),
    ];
    RouteTemplate::define(&supervisor(), at(0), "estate-1", "B2 night", checkpoints).expect("route")
}

fn started() -> PatrolRound {
    PatrolRound::start(&officer(), at(10), "estate-1", route().plan()).expect("start")
}

fn codes(checkpoints: Vec<&Checkpoint>) -> Vec<&str> {
    checkpoints.into_iter().map(|c| c.code.as_str()).collect()
}

fn report() -> FindingReport {
    FindingReport {
        category: FindingCategory::FacilityDamage,
        description: "走廊灯不亮 / corridor lamp dark".into(),
        location: Location::new("B2", "B1", "car park B1"),
        photos: vec![hash("ab")],
    }
}

fn intake() -> Intake {
    Intake {
        resident_name: "刘 (patrol)".into(),
        unit: "B2 car park B1".into(),
        phone: "138 0000 0001".into(),
        problem: "corridor lamp dark".into(),
        location: RepairLocation::PublicArea,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    }
}

fn replica(round: &PatrolRound) -> PatrolRound {
    PatrolRound::from_doc(RecordDoc::load(&round.doc().save()).expect("load")).expect("kind")
}

#[test]
fn start_copies_the_route_and_names_the_officer() {
    let round = started();
    let view = round.view();
    assert_eq!(view.state, RoundState::InProgress);
    assert_eq!(view.officer, "liu.patrol");
    assert_eq!(view.route_name, "B2 night");
    assert_eq!(view.route_version, 1);
    assert_eq!(view.checkpoints.len(), 4);
    assert_eq!(view.next_checkpoint().map(|c| c.code.as_str()), Some("A"));
    assert!(view.missed().is_empty());
    assert!(view.in_order);
}

#[test]
fn revising_the_route_never_changes_a_running_round() {
    let mut template = route();
    let round = PatrolRound::start(&officer(), at(10), "estate-1", template.plan()).expect("start");
    let only_a = template.view().checkpoints[..1].to_vec();
    template
        .revise(&supervisor(), at(11), only_a)
        .expect("revise");
    let view = round.view();
    assert_eq!(view.route_version, 1);
    assert_eq!(view.checkpoints.len(), 4);
    assert_eq!(view.route, template.id());
}

#[test]
fn start_refuses_bad_plans_and_other_roles() {
    let mut empty = route().plan();
    empty.checkpoints.clear();
    assert!(matches!(
        PatrolRound::start(&officer(), at(10), "estate-1", empty),
        Err(RecordError::Invalid { .. })
    ));
    let mut twice = route().plan();
    twice.checkpoints.push(twice.checkpoints[0].clone());
    assert!(PatrolRound::start(&officer(), at(10), "estate-1", twice).is_err());
    assert!(matches!(
        PatrolRound::start(&tech(), at(10), "estate-1", route().plan()),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn check_ins_in_planned_order() {
    let mut round = started();
    for (minute, code) in ["A", "B", "C", "D"].into_iter().enumerate() {
        round
            .check_in(
                &officer(),
                at(11 + minute as i64),
                code,
                CheckInMethod::Scan,
            )
            .expect("check in");
    }
    let view = round.view();
    assert!(view.in_order);
    assert!(view.next_checkpoint().is_none());
    assert_eq!(view.check_ins.len(), 4);
    assert_eq!(view.checkpoints[2].visits[0].at, at(13));
    assert_eq!(view.checkpoints[2].visits[0].method, CheckInMethod::Scan);
}

#[test]
fn unknown_code_is_refused_and_changes_nothing() {
    let mut round = started();
    let before = round.doc().heads();
    let err = round
        .check_in(&officer(), at(11), "Z", CheckInMethod::Manual)
        .expect_err("not on the route");
    assert!(matches!(err, RecordError::NotNow { .. }), "{err}");
    assert!(
        round
            .check_in(&officer(), at(11), " ", CheckInMethod::Manual)
            .is_err()
    );
    assert_eq!(round.doc().heads(), before);
}

#[test]
fn out_of_order_check_ins_are_accepted_and_flagged() {
    let mut round = started();
    round
        .check_in(&officer(), at(11), "A", CheckInMethod::Scan)
        .expect("A");
    round
        .check_in(&officer(), at(12), "C", CheckInMethod::Scan)
        .expect("C");
    let view = round.view();
    assert!(view.in_order, "skipping ahead is a miss, not a reversal");
    assert_eq!(codes(view.missed()), vec!["B"]);
    assert_eq!(view.next_checkpoint().map(|c| c.code.as_str()), Some("B"));

    round
        .check_in(&officer(), at(13), "B", CheckInMethod::Manual)
        .expect("going back is accepted");
    let view = round.view();
    assert!(!view.in_order);
    let late: Vec<&str> = view
        .out_of_order()
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(late, vec!["B"]);
    assert!(view.missed().is_empty());
    assert_eq!(view.next_checkpoint().map(|c| c.code.as_str()), Some("D"));
}

#[test]
fn a_repeat_visit_is_recorded_but_not_judged() {
    let mut round = started();
    round
        .check_in(&officer(), at(11), "A", CheckInMethod::Scan)
        .expect("A");
    round
        .check_in(&officer(), at(12), "B", CheckInMethod::Scan)
        .expect("B");
    round
        .check_in(&officer(), at(13), "A", CheckInMethod::Scan)
        .expect("A again");
    let view = round.view();
    assert_eq!(view.checkpoints[0].visits.len(), 2);
    assert!(view.checkpoints[0].visits[1].repeat);
    assert!(view.in_order);
    assert_eq!(view.check_ins.len(), 3);
}

#[test]
fn finish_stops_check_ins_and_lists_the_missed() {
    let mut round = started();
    round
        .check_in(&officer(), at(11), "A", CheckInMethod::Scan)
        .expect("A");
    round.finish(&officer(), at(40)).expect("finish");
    let view = round.view();
    assert_eq!(view.state, RoundState::Finished);
    assert_eq!(view.finished_at, Some(at(40)));
    assert_eq!(codes(view.missed()), vec!["B", "C", "D"]);
    assert!(matches!(
        round.check_in(&officer(), at(41), "B", CheckInMethod::Scan),
        Err(RecordError::NotNow { .. })
    ));
    assert!(round.add_finding(&officer(), at(41), report()).is_err());
    assert!(round.finish(&officer(), at(42)).is_err(), "finished once");
    round
        .add_note(&officer(), at(43), "补记 / late note")
        .expect("notes still allowed");
}

#[test]
fn findings_are_recorded_with_their_ids() {
    let mut round = started();
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    let view = round.view();
    let finding = view.finding(&id).expect("found by id");
    assert_eq!(finding.report.category, FindingCategory::FacilityDamage);
    assert_eq!(finding.report.photos, vec![hash("ab")]);
    assert_eq!(finding.user, "liu.patrol");
    assert!(finding.repairs.is_empty());
}

#[test]
fn findings_need_a_description_and_a_place() {
    let mut round = started();
    let blank = FindingReport {
        description: "  ".into(),
        ..report()
    };
    assert!(matches!(
        round.add_finding(&officer(), at(12), blank),
        Err(RecordError::Invalid { ref field, .. }) if field == "description"
    ));
    let nowhere = FindingReport {
        location: Location::default(),
        ..report()
    };
    assert!(round.add_finding(&officer(), at(12), nowhere).is_err());
    assert!(matches!(
        round.add_finding(&tech(), at(12), report()),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn link_repair_needs_an_existing_finding() {
    let mut round = started();
    let sheet = RecordId::random();
    assert!(matches!(
        round.link_repair(&officer(), at(12), "no-such-finding", sheet),
        Err(RecordError::NotNow { .. })
    ));
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    round.finish(&officer(), at(20)).expect("finish");
    round
        .link_repair(&supervisor(), at(30), &id, sheet)
        .expect("linked after the round");
    assert!(
        round
            .link_repair(&supervisor(), at(31), &id, sheet)
            .is_err(),
        "the same sheet is linked once"
    );
    assert_eq!(round.view().findings[0].repairs, vec![sheet]);
}

#[test]
fn a_repair_opened_from_a_finding_is_linked_both_ways() {
    let mut round = started();
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    let sheet =
        open_repair_from_finding(&mut round, &officer(), at(15), &id, intake()).expect("open");
    let sheet_view = sheet.view();
    assert_eq!(sheet_view.state, RepairState::Reported);
    assert_eq!(
        sheet_view.reported_at,
        at(12),
        "the clock runs from the finding"
    );
    let source = sheet_view.source.expect("source");
    assert_eq!(source.record, round.id().to_string());
    assert_eq!(source.item, id);
    assert_eq!(round.view().findings[0].repairs, vec![sheet.id()]);
    assert_eq!(sheet.doc().header().estate, "estate-1");
}

#[test]
fn a_public_area_repair_from_a_finding_needs_no_resident_and_keeps_its_photos() {
    let mut round = started();
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    let bare = Intake {
        resident_name: String::new(),
        unit: String::new(),
        phone: String::new(),
        problem: String::new(),
        ..intake()
    };
    let sheet = open_repair_from_finding(&mut round, &officer(), at(15), &id, bare).expect("open");
    let view = sheet.view();
    assert_eq!(view.intake.resident_name, "");
    assert_eq!(view.intake.phone, "");
    assert_eq!(
        view.intake.unit, "B2, B1, car park B1",
        "the finding's place"
    );
    assert_eq!(view.intake.problem, "走廊灯不亮 / corridor lamp dark");
    assert_eq!(view.photos.len(), 1, "the finding's photo is on the sheet");
    assert_eq!(view.photos[0].blob, hash("ab"));
    // A fault in a unit still needs its resident.
    let in_unit = Intake {
        resident_name: String::new(),
        location: RepairLocation::InUnit,
        ..intake()
    };
    assert!(open_repair_from_finding(&mut round, &officer(), at(16), &id, in_unit).is_err());
}

#[test]
fn open_repair_from_a_missing_finding_changes_nothing() {
    let mut round = started();
    let before = round.doc().heads();
    assert!(open_repair_from_finding(&mut round, &officer(), at(15), "nope", intake()).is_err());
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    let before_link = round.doc().heads();
    let mut bad = intake();
    bad.phone = "none".into();
    assert!(open_repair_from_finding(&mut round, &officer(), at(15), &id, bad).is_err());
    assert_ne!(before, before_link);
    assert_eq!(round.doc().heads(), before_link);
}

#[test]
fn notes_and_photos_are_kept() {
    let mut round = started();
    round
        .add_note(&officer(), at(12), "B1 门禁故障")
        .expect("note");
    assert!(round.add_note(&officer(), at(12), " ").is_err());
    round
        .attach_photo(&officer(), at(13), hash("cd"), " gate ")
        .expect("photo");
    let view = round.view();
    assert_eq!(view.notes[0].text, "B1 门禁故障");
    assert_eq!(view.photos[0].caption, "gate");
    assert_eq!(view.timeline.len(), 3);
}

#[test]
fn index_entry_shows_route_officer_and_buildings() {
    let mut round = started();
    let entry = round.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.kind, RecordKind::PatrolRound);
    assert_eq!(entry.state, "in_progress");
    assert!(entry.open);
    assert_eq!(entry.title, "B2 night");
    assert_eq!(entry.location.as_deref(), Some("B2, green area"));
    assert_eq!(entry.assignee.as_deref(), Some("liu.patrol"));
    assert_eq!(entry.due, None);
    round.finish(&officer(), at(30)).expect("finish");
    let entry = round.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.state, "finished");
    assert!(!entry.open);
}

#[test]
fn concurrent_edits_merge_to_the_same_view() {
    let round = started();
    let mut phone = replica(&round);
    let mut office = replica(&round);
    phone
        .check_in(&officer(), at(11), "A", CheckInMethod::Scan)
        .expect("A");
    phone
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    phone
        .check_in(&officer(), at(13), "B", CheckInMethod::Scan)
        .expect("B");
    office
        .add_note(&supervisor(), at(12), "check B1 lamps")
        .expect("note");
    office.finish(&supervisor(), at(14)).expect("finish");
    phone.doc_mut().merge(office.doc()).expect("merge");
    office.doc_mut().merge(phone.doc()).expect("merge");
    let (a, b) = (phone.view(), office.view());
    assert_eq!(a, b, "both replicas derive the same round");
    assert_eq!(a.state, RoundState::Finished);
    assert_eq!(a.notes.len(), 1);
    let superseded = a.timeline.iter().filter(|e| e.superseded.is_some()).count();
    let landed = a.check_ins.len() + a.findings.len();
    assert_eq!(
        landed + superseded,
        3,
        "check-ins after the finish are kept, marked"
    );
}

#[test]
fn a_facility_finding_must_be_reported_within_2_h_until_a_sheet_is_opened() {
    let mut round = started();
    let id = round
        .add_finding(&officer(), at(12), report())
        .expect("finding");
    let deadline = round.view().next_report_deadline().expect("deadline");
    assert_eq!(
        deadline.rule,
        crate::rules::RuleId::PatrolFacilityDamageReported
    );
    assert_eq!(deadline.due, at(12 + 120));
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().expect("tz");
    assert_eq!(round.index_entry(tz).due, Some(at(132)));
    open_repair_from_finding(&mut round, &officer(), at(15), &id, intake()).expect("open");
    assert_eq!(round.view().next_report_deadline(), None);
}
