//! Every checklist verb, and its refusals.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::kinds::checklist_template::{
    ChecklistItem, ChecklistTemplate, RenovationStage, TemplateType, standard_items,
};
use crate::kinds::repair_sheet::{Intake, RepairState};
use crate::record::{RecordError, Role};
use crate::rules::{RepairLocation, Urgency};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn officer() -> Editor {
    Editor::new("liu.patrol", "phone-liu", Role::Patrol)
}
fn other_officer() -> Editor {
    Editor::new("ma.patrol", "phone-ma", Role::Patrol)
}
fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}

fn hash(byte: &str) -> BlobHash {
    byte.repeat(32).parse().expect("hash")
}

fn signature(signer: &str) -> Signature {
    Signature::new(hash("ef"), signer).expect("signature")
}

fn template(template_type: TemplateType) -> ChecklistTemplate {
    ChecklistTemplate::define(
        &supervisor(),
        at(0),
        "estate-1",
        "sheet",
        template_type,
        standard_items(template_type),
    )
    .expect("template")
}

fn public_area() -> Checklist {
    let plan = template(TemplateType::PublicAreaInspection).plan();
    Checklist::start(
        &officer(),
        at(10),
        "estate-1",
        plan,
        Site::new("B2", "12F", None),
    )
    .expect("start")
}

fn handover() -> Checklist {
    let plan = template(TemplateType::UnitHandover).plan();
    let site = Site::new("B2", "12F", Some("1203"));
    Checklist::start(&officer(), at(10), "estate-1", plan, site).expect("start")
}

/// Answers every item: `failed` fail, the rest pass.
fn answer_all(checklist: &mut Checklist, failed: &[&str]) {
    let ids: Vec<String> = checklist
        .view()
        .items
        .iter()
        .map(|s| s.item.id.clone())
        .collect();
    for id in ids {
        let (result, note) = if failed.contains(&id.as_str()) {
            (ItemResult::Fail, "裂缝 / crack")
        } else {
            (ItemResult::Pass, "")
        };
        checklist
            .set_item(&officer(), at(20), &id, result, note)
            .expect("set item");
    }
}

fn reading(meter: MeterKind, value: &str) -> MeterReading {
    MeterReading {
        meter,
        reading: value.into(),
        owner: "李先生".into(),
    }
}

fn intake() -> Intake {
    Intake {
        resident_name: "李先生".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 1234".into(),
        problem: "墙面裂缝".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    }
}

fn replica(checklist: &Checklist) -> Checklist {
    Checklist::from_doc(RecordDoc::load(&checklist.doc().save()).expect("load")).expect("kind")
}

#[test]
fn start_copies_the_template() {
    let template = template(TemplateType::PublicAreaInspection);
    let checklist = Checklist::start(
        &officer(),
        at(10),
        "estate-1",
        template.plan(),
        Site::new(" B2 ", "12F", Some(" ")),
    )
    .expect("start");
    let view = checklist.view();
    assert_eq!(view.state, ChecklistState::InProgress);
    assert_eq!(view.template, template.id());
    assert_eq!(view.template_version, 1);
    assert_eq!(view.template_type, TemplateType::PublicAreaInspection);
    assert_eq!(view.items.len(), 8);
    assert_eq!(view.site, Site::new("B2", "12F", None));
    assert_eq!(view.inspector, "liu.patrol");
    assert!(!view.all_answered());
    assert!(view.failed_items().is_empty());
}

#[test]
fn revising_the_template_never_changes_a_started_checklist() {
    let mut template = template(TemplateType::CleaningInspection);
    let checklist = Checklist::start(
        &officer(),
        at(10),
        "estate-1",
        template.plan(),
        Site::new("B2", "", None),
    )
    .expect("start");
    let fewer = standard_items(TemplateType::CleaningInspection)[..2].to_vec();
    template
        .revise(&supervisor(), at(11), fewer)
        .expect("revise");
    assert_eq!(checklist.view().items.len(), 7);
    assert_eq!(checklist.view().template_version, 1);
}

#[test]
fn start_refuses_a_unit_checklist_without_its_unit() {
    for template_type in [
        TemplateType::UnitHandover,
        TemplateType::RenovationAcceptance {
            stage: RenovationStage::Preliminary,
        },
    ] {
        let plan = template(template_type).plan();
        let err = Checklist::start(
            &officer(),
            at(10),
            "estate-1",
            plan,
            Site::new("B2", "3F", None),
        )
        .expect_err("unit required");
        assert!(matches!(err, RecordError::Invalid { ref field, .. } if field == "unit"));
    }
    let plan = template(TemplateType::PublicAreaInspection).plan();
    assert!(
        Checklist::start(
            &officer(),
            at(10),
            "estate-1",
            plan.clone(),
            Site::default()
        )
        .is_err()
    );
    let mut empty = plan.clone();
    empty.items.clear();
    assert!(
        Checklist::start(
            &officer(),
            at(10),
            "estate-1",
            empty,
            Site::new("B2", "", None)
        )
        .is_err()
    );
    let office = Editor::new("boss", "browser", Role::Office);
    assert!(matches!(
        Checklist::start(&office, at(10), "estate-1", plan, Site::new("B2", "", None)),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn set_item_stores_a_correctable_answer() {
    let mut checklist = public_area();
    checklist
        .set_item(
            &officer(),
            at(20),
            "lamps",
            ItemResult::Fail,
            " 3 盏不亮 / 3 dark ",
        )
        .expect("fail");
    checklist
        .set_item(&officer(), at(21), "lamps", ItemResult::Pass, "")
        .expect("corrected");
    let view = checklist.view();
    let lamps = view.item("lamps").expect("item");
    assert_eq!(lamps.result(), Some(ItemResult::Pass));
    assert_eq!(lamps.answer.as_ref().map(|a| a.at), Some(at(21)));
    assert_eq!(view.timeline.len(), 3, "both answers stay in the history");
    assert!(view.conflicts.is_empty());
}

#[test]
fn set_item_refusals_change_nothing() {
    let mut checklist = public_area();
    let before = checklist.doc().heads();
    assert!(matches!(
        checklist.set_item(&officer(), at(20), "no_such_item", ItemResult::Pass, ""),
        Err(RecordError::NotNow { .. })
    ));
    assert!(matches!(
        checklist.set_item(&officer(), at(20), "lamps", ItemResult::Fail, " "),
        Err(RecordError::Invalid { ref field, .. }) if field == "note"
    ));
    let office = Editor::new("boss", "browser", Role::Office);
    assert!(matches!(
        checklist.set_item(&office, at(20), "lamps", ItemResult::Pass, ""),
        Err(RecordError::Forbidden { .. })
    ));
    assert_eq!(checklist.doc().heads(), before);
}

#[test]
fn photos_attach_to_an_item_or_the_checklist() {
    let mut checklist = public_area();
    checklist
        .attach_photo(&officer(), at(20), Some("lifts"), hash("ab"), "lift 2")
        .expect("item photo");
    checklist
        .attach_photo(&officer(), at(21), None, hash("cd"), "")
        .expect("checklist photo");
    assert!(
        checklist
            .attach_photo(&officer(), at(22), Some("nope"), hash("ab"), "")
            .is_err()
    );
    let view = checklist.view();
    assert_eq!(
        view.item("lifts").expect("item").photos[0].caption,
        "lift 2"
    );
    assert_eq!(view.photos.len(), 1);
}

#[test]
fn meters_are_read_at_a_handover_only() {
    let mut checklist = handover();
    checklist
        .record_meter(
            &officer(),
            at(15),
            reading(MeterKind::Electricity, " 01234.5 "),
        )
        .expect("electricity");
    checklist
        .record_meter(&officer(), at(16), reading(MeterKind::Water, "88"))
        .expect("water");
    checklist
        .record_meter(&officer(), at(17), reading(MeterKind::Water, "89"))
        .expect("corrected");
    let view = checklist.view();
    let values: Vec<&str> = view
        .meters
        .iter()
        .map(|m| m.value.reading.as_str())
        .collect();
    assert_eq!(values, vec!["01234.5", "89"]);
    for bad in ["", "12.", "-3", "1.2.3", "1e5"] {
        assert!(
            checklist
                .record_meter(&officer(), at(18), reading(MeterKind::Gas, bad))
                .is_err(),
            "{bad:?}"
        );
    }
    let unwatched = MeterReading {
        owner: " ".into(),
        ..reading(MeterKind::Gas, "1")
    };
    assert!(
        checklist
            .record_meter(&officer(), at(18), unwatched)
            .is_err()
    );
    let mut inspection = public_area();
    assert!(matches!(
        inspection.record_meter(&officer(), at(15), reading(MeterKind::Gas, "1")),
        Err(RecordError::NotNow { .. })
    ));
}

#[test]
fn handover_with_defects_keeps_a_key_at_the_office() {
    let mut checklist = handover();
    checklist
        .record_meter(&officer(), at(15), reading(MeterKind::Electricity, "100"))
        .expect("meter");
    answer_all(&mut checklist, &["walls_ceilings"]);
    assert!(
        matches!(
            checklist.sign(&officer(), at(30), signature("刘"), None),
            Err(RecordError::NotNow { .. })
        ),
        "a handover needs the owner's signature"
    );
    checklist
        .sign(
            &officer(),
            at(30),
            signature("刘"),
            Some(signature("李先生")),
        )
        .expect("sign");
    let view = checklist.view();
    assert_eq!(view.state, ChecklistState::Signed);
    assert!(view.key_retained_by_office);
    let signing = view.signing.expect("signed");
    assert_eq!(signing.defects, vec!["walls_ceilings".to_owned()]);
    assert!(
        checklist
            .set_item(&officer(), at(31), "floors", ItemResult::Fail, "scratch")
            .is_err(),
        "a signed form is fixed"
    );
    assert!(
        checklist
            .record_meter(&officer(), at(31), reading(MeterKind::Gas, "1"))
            .is_err()
    );
    assert!(
        checklist
            .sign(
                &officer(),
                at(31),
                signature("刘"),
                Some(signature("李先生"))
            )
            .is_err()
    );
    checklist.complete(&officer(), at(32)).expect("complete");
    assert_eq!(checklist.view().state, ChecklistState::Completed);
    assert!(checklist.complete(&officer(), at(33)).is_err());
}

#[test]
fn handover_without_defects_hands_over_every_key() {
    let mut checklist = handover();
    checklist
        .record_meter(&officer(), at(15), reading(MeterKind::Water, "7"))
        .expect("meter");
    answer_all(&mut checklist, &[]);
    checklist
        .sign(
            &officer(),
            at(30),
            signature("刘"),
            Some(signature("李先生")),
        )
        .expect("sign");
    assert!(!checklist.view().key_retained_by_office);
}

#[test]
fn handover_completes_only_signed_with_meters_read() {
    let mut checklist = handover();
    answer_all(&mut checklist, &[]);
    assert!(
        checklist.complete(&officer(), at(30)).is_err(),
        "no meter read"
    );
    checklist
        .record_meter(&officer(), at(31), reading(MeterKind::Gas, "0.5"))
        .expect("meter");
    let err = checklist
        .complete(&officer(), at(32))
        .expect_err("not signed");
    assert!(err.to_string().contains("signed"), "{err}");
}

#[test]
fn sign_and_complete_need_every_item_answered() {
    let mut checklist = public_area();
    checklist
        .set_item(
            &officer(),
            at(20),
            "lifts",
            ItemResult::NotApplicable,
            "no lift",
        )
        .expect("n/a");
    assert!(
        checklist
            .sign(&officer(), at(21), signature("刘"), None)
            .is_err()
    );
    assert!(checklist.complete(&officer(), at(21)).is_err());
    answer_all(&mut checklist, &[]);
    assert!(checklist.view().all_answered());
    checklist
        .complete(&officer(), at(22))
        .expect("an inspection completes without signatures");
    let view = checklist.view();
    assert_eq!(view.state, ChecklistState::Completed);
    assert_eq!(view.completed_at, Some(at(22)));
    assert!(!view.key_retained_by_office);
}

#[test]
fn a_failed_item_opens_a_repair_linked_both_ways() {
    let mut checklist = handover();
    answer_all(&mut checklist, &["walls_ceilings"]);
    let sheet = open_repair_from_item(
        &mut checklist,
        &officer(),
        at(40),
        "walls_ceilings",
        intake(),
    )
    .expect("open");
    let sheet_view = sheet.view();
    assert_eq!(sheet_view.state, RepairState::Reported);
    assert_eq!(sheet_view.reported_at, at(20));
    let source = sheet_view.source.expect("source");
    assert_eq!(source.record, checklist.id().to_string());
    assert_eq!(source.item, "walls_ceilings");
    let view = checklist.view();
    assert_eq!(
        view.item("walls_ceilings").expect("item").repairs,
        vec![sheet.id()]
    );
    assert!(
        checklist
            .link_repair(&officer(), at(41), "walls_ceilings", sheet.id())
            .is_err(),
        "linked once"
    );
}

#[test]
fn a_passed_item_opens_no_repair() {
    let mut checklist = public_area();
    answer_all(&mut checklist, &[]);
    let before = checklist.doc().heads();
    assert!(matches!(
        open_repair_from_item(&mut checklist, &officer(), at(40), "lamps", intake()),
        Err(RecordError::NotNow { .. })
    ));
    assert!(
        checklist
            .link_repair(&officer(), at(40), "lamps", RecordId::random())
            .is_err()
    );
    assert!(
        checklist
            .link_repair(&officer(), at(40), "nope", RecordId::random())
            .is_err()
    );
    assert_eq!(checklist.doc().heads(), before);
}

#[test]
fn notes_and_index_entry() {
    let mut checklist = handover();
    checklist
        .add_note(&officer(), at(12), "业主迟到 / owner late")
        .expect("note");
    assert!(checklist.add_note(&officer(), at(12), "").is_err());
    assert_eq!(checklist.view().notes.len(), 1);
    let entry = checklist.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.kind, RecordKind::Checklist);
    assert_eq!(entry.state, "in_progress");
    assert!(entry.open);
    assert_eq!(entry.title, "sheet");
    assert_eq!(entry.location.as_deref(), Some("B2, 12F, 1203"));
    assert_eq!(entry.assignee.as_deref(), Some("liu.patrol"));
}

#[test]
fn custom_items_are_checklists_too() {
    let items = vec![ChecklistItem::new("gate", "大门 / Gate", "")];
    let template = ChecklistTemplate::define(
        &supervisor(),
        at(0),
        "estate-1",
        "gate check",
        TemplateType::CleaningInspection,
        items,
    )
    .expect("template");
    let mut checklist = Checklist::start(
        &officer(),
        at(1),
        "estate-1",
        template.plan(),
        Site::new("North", "", None),
    )
    .expect("start");
    checklist
        .set_item(&officer(), at(2), "gate", ItemResult::Pass, "")
        .expect("set");
    assert!(checklist.view().all_answered());
}

#[test]
fn two_inspectors_answering_one_item_make_a_conflict_that_resolves() {
    let checklist = public_area();
    let mut a = replica(&checklist);
    let mut b = replica(&checklist);
    a.set_item(&officer(), at(20), "lifts", ItemResult::Pass, "")
        .expect("a");
    b.set_item(
        &other_officer(),
        at(21),
        "lifts",
        ItemResult::Fail,
        "2号梯停运 / lift 2 down",
    )
    .expect("b");
    a.set_item(&officer(), at(22), "lamps", ItemResult::Pass, "")
        .expect("a, another item");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb, "both replicas derive the same checklist");
    assert_eq!(va.conflicts.len(), 1);
    assert_eq!(va.conflicts[0].field, "item.lifts");
    assert_eq!(va.conflicts[0].values.len(), 2);
    assert_eq!(
        va.item("lamps").and_then(ItemStatus::result),
        Some(ItemResult::Pass)
    );

    let office = Editor::new("boss", "browser", Role::Office);
    a.doc_mut()
        .resolve_conflict(&office, at(30), "item.lifts", 1)
        .expect("resolve");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert!(va.conflicts.is_empty());
    let lifts = va.item("lifts").expect("item");
    assert_eq!(lifts.result(), Some(ItemResult::Fail));
    assert_eq!(
        lifts.answer.as_ref().map(|a| a.value.note.as_str()),
        Some("2号梯停运 / lift 2 down")
    );
}
