//! Every checklist-template verb, its refusals, and the standard sheets.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::record::{RecordError, Role};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}
fn other_supervisor() -> Editor {
    Editor::new("zhou.sup", "pc-zhou", Role::Supervisor)
}
fn officer() -> Editor {
    Editor::new("liu.patrol", "phone-liu", Role::Patrol)
}

const ALL_TYPES: [TemplateType; 6] = [
    TemplateType::PublicAreaInspection,
    TemplateType::CleaningInspection,
    TemplateType::RenovationAcceptance {
        stage: RenovationStage::Preliminary,
    },
    TemplateType::RenovationAcceptance {
        stage: RenovationStage::Formal,
    },
    TemplateType::RenovationAcceptance {
        stage: RenovationStage::ReInspection,
    },
    TemplateType::UnitHandover,
];

fn public_area() -> ChecklistTemplate {
    ChecklistTemplate::define(
        &supervisor(),
        at(0),
        "estate-1",
        "公共区域巡查表 / Public-area inspection",
        TemplateType::PublicAreaInspection,
        standard_items(TemplateType::PublicAreaInspection),
    )
    .expect("define")
}

fn replica(template: &ChecklistTemplate) -> ChecklistTemplate {
    ChecklistTemplate::from_doc(RecordDoc::load(&template.doc().save()).expect("load"))
        .expect("kind")
}

#[test]
fn public_area_sheet_has_the_four_focus_items() {
    let items = standard_items(TemplateType::PublicAreaInspection);
    let ids: Vec<&str> = items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(
        ids[..4],
        [
            "corridor_walls_floors",
            "fire_escape_walls_floors",
            "lamps",
            "lifts"
        ],
        "docs/DOMAIN.md §2: public-area inspection focus [§10.5.2]"
    );
    assert!(items[3].label.contains("Lifts working"));
}

#[test]
fn every_standard_sheet_is_a_valid_template() {
    for template_type in ALL_TYPES {
        let items = standard_items(template_type);
        assert_eq!(
            validated_items(items.clone()).expect("valid"),
            items,
            "{template_type:?}"
        );
    }
    let preliminary = standard_items(TemplateType::RenovationAcceptance {
        stage: RenovationStage::Preliminary,
    });
    assert!(preliminary.iter().any(|item| item.id == "buried_conduits"));
    assert!(preliminary.iter().any(|item| item.id == "ceiling_framing"));
}

#[test]
fn template_types_say_what_checklists_carry() {
    assert!(TemplateType::UnitHandover.has_meter_readings());
    assert!(!TemplateType::PublicAreaInspection.has_meter_readings());
    assert!(TemplateType::UnitHandover.is_for_a_unit());
    assert!(ALL_TYPES[2].is_for_a_unit());
    assert!(!TemplateType::CleaningInspection.is_for_a_unit());
    let stored = serde_json::to_string(&ALL_TYPES[3]).expect("serialise");
    assert_eq!(
        stored,
        r#"{"kind":"renovation_acceptance","stage":"formal"}"#
    );
}

#[test]
fn define_is_version_one() {
    let template = public_area();
    let view = template.view();
    assert_eq!(view.version, 1);
    assert_eq!(view.template_type, TemplateType::PublicAreaInspection);
    assert_eq!(view.items.len(), 8);
    assert_eq!(view.name, "公共区域巡查表 / Public-area inspection");
    let plan = template.plan();
    assert_eq!(plan.template, template.id());
    assert_eq!(plan.version, 1);
    assert_eq!(plan.items, view.items);
}

#[test]
fn define_refuses_bad_templates() {
    let define = |items: Vec<ChecklistItem>| {
        ChecklistTemplate::define(
            &supervisor(),
            at(0),
            "estate-1",
            "t",
            TemplateType::CleaningInspection,
            items,
        )
    };
    assert!(matches!(
        define(Vec::new()),
        Err(RecordError::Invalid { .. })
    ));
    let bad_id = vec![ChecklistItem::new("Lobby Floor", "x", "")];
    assert!(
        matches!(define(bad_id), Err(RecordError::Invalid { ref field, .. }) if field == "item id")
    );
    let unlabelled = vec![ChecklistItem::new("lobby", " ", "")];
    assert!(
        matches!(define(unlabelled), Err(RecordError::Invalid { ref field, .. }) if field == "item label")
    );
    let twice = vec![
        ChecklistItem::new("a", "A", ""),
        ChecklistItem::new("a", "B", ""),
    ];
    assert!(define(twice).is_err());
    assert!(
        ChecklistTemplate::define(
            &supervisor(),
            at(0),
            "estate-1",
            "  ",
            TemplateType::CleaningInspection,
            standard_items(TemplateType::CleaningInspection)
        )
        .is_err()
    );
    assert!(matches!(
        ChecklistTemplate::define(
            &officer(),
            at(0),
            "estate-1",
            "t",
            TemplateType::CleaningInspection,
            standard_items(TemplateType::CleaningInspection)
        ),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn revise_makes_a_new_version_keeping_the_type() {
    let mut template = public_area();
    let mut items = standard_items(TemplateType::PublicAreaInspection);
    items.push(ChecklistItem::new(
        "signage",
        "标识 / Signage",
        "其他 / Other",
    ));
    template
        .revise(&supervisor(), at(5), items.clone())
        .expect("revise");
    let view = template.view();
    assert_eq!(view.version, 2);
    assert_eq!(view.items, items);
    assert_eq!(view.template_type, TemplateType::PublicAreaInspection);
    assert_eq!(view.versions[0].items.len(), 8);
    assert_eq!(template.plan().version, 2);
}

#[test]
fn revise_refusals_change_nothing() {
    let mut template = public_area();
    let before = template.doc().heads();
    let same = standard_items(TemplateType::PublicAreaInspection);
    assert!(template.revise(&supervisor(), at(5), same).is_err());
    assert!(template.revise(&supervisor(), at(5), Vec::new()).is_err());
    assert!(matches!(
        template.revise(
            &officer(),
            at(5),
            standard_items(TemplateType::CleaningInspection)
        ),
        Err(RecordError::Forbidden { .. })
    ));
    assert_eq!(template.doc().heads(), before);
}

#[test]
fn rename_and_index_entry() {
    let mut template = public_area();
    template
        .rename(&supervisor(), at(3), "B区巡查")
        .expect("rename");
    assert!(template.rename(&supervisor(), at(3), "").is_err());
    let entry = template.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.kind, RecordKind::ChecklistTemplate);
    assert_eq!(entry.title, "B区巡查");
    assert!(!entry.open);
}

#[test]
fn concurrent_revisions_both_count_and_are_flagged() {
    let template = public_area();
    let mut a = replica(&template);
    let mut b = replica(&template);
    let items = standard_items(TemplateType::PublicAreaInspection);
    a.revise(&supervisor(), at(5), items[..4].to_vec())
        .expect("a");
    b.revise(&other_supervisor(), at(6), items[4..].to_vec())
        .expect("b");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert_eq!(va.version, 3);
    assert_eq!(va.concurrent_revisions().len(), 1);
}
