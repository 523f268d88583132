//! Every route-template verb, and its refusals.

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

fn checkpoint(code: &str, building: &str, floor: &str, area: &str, place: PlaceKind) -> Checkpoint {
    Checkpoint::new(code, Location::new(building, floor, area), place)
}

fn checkpoints() -> Vec<Checkpoint> {
    vec![
        checkpoint("B2-1F", "B2", "1F", "大堂 / lobby", PlaceKind::Floor),
        checkpoint("B2-B1", "B2", "B1", "car park B1", PlaceKind::CarPark),
        checkpoint("GARDEN-N", "", "", "green area north", PlaceKind::GreenArea),
    ]
}

fn defined() -> RouteTemplate {
    RouteTemplate::define(
        &supervisor(),
        at(0),
        "estate-1",
        "北区夜巡 / North night round",
        checkpoints(),
    )
    .expect("define")
}

fn replica(route: &RouteTemplate) -> RouteTemplate {
    RouteTemplate::from_doc(RecordDoc::load(&route.doc().save()).expect("load")).expect("kind")
}

#[test]
fn define_is_version_one_with_trimmed_checkpoints() {
    let mut raw = checkpoints();
    raw[0].code = "  B2-1F ".into();
    let route =
        RouteTemplate::define(&supervisor(), at(0), "estate-1", " North ", raw).expect("define");
    let view = route.view();
    assert_eq!(view.name, "North");
    assert_eq!(view.version, 1);
    assert_eq!(view.checkpoints, checkpoints());
    assert_eq!(view.versions.len(), 1);
    assert!(view.concurrent_revisions().is_empty());
    assert_eq!(
        view.checkpoints[1].location.describe(),
        "B2, B1, car park B1"
    );
    assert_eq!(route.doc().kind(), RecordKind::RouteTemplate);
}

#[test]
fn define_refuses_bad_routes() {
    let define = |name: &str, list: Vec<Checkpoint>| {
        RouteTemplate::define(&supervisor(), at(0), "estate-1", name, list)
    };
    assert!(
        matches!(define(" ", checkpoints()), Err(RecordError::Invalid { ref field, .. }) if field == "name")
    );
    assert!(
        matches!(define("r", Vec::new()), Err(RecordError::Invalid { ref field, .. }) if field == "checkpoints")
    );
    let mut twice = checkpoints();
    twice.push(checkpoint("B2-B1", "B3", "B1", "", PlaceKind::CarPark));
    let err = define("r", twice).expect_err("duplicate code");
    assert!(err.to_string().contains("B2-B1"), "{err}");
    let mut nameless = checkpoints();
    nameless[0].code = " ".into();
    assert!(
        matches!(define("r", nameless), Err(RecordError::Invalid { ref field, .. }) if field == "code")
    );
    let mut nowhere = checkpoints();
    nowhere[0].location = Location::new(" ", "3F", "");
    assert!(
        matches!(define("r", nowhere), Err(RecordError::Invalid { ref field, .. }) if field == "location")
    );
}

#[test]
fn only_supervisors_define_and_revise_routes() {
    let err = RouteTemplate::define(&officer(), at(0), "estate-1", "r", checkpoints())
        .expect_err("officers do not plan routes");
    assert!(matches!(err, RecordError::Forbidden { .. }));
    let mut route = defined();
    let err = route
        .revise(&officer(), at(1), checkpoints()[..2].to_vec())
        .expect_err("officers do not revise");
    assert!(matches!(err, RecordError::Forbidden { .. }));
    assert!(matches!(
        route.rename(&officer(), at(1), "x"),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn revise_makes_a_new_version_and_keeps_the_old() {
    let mut route = defined();
    let mut revised = checkpoints();
    revised.swap(0, 2);
    route
        .revise(&supervisor(), at(5), revised.clone())
        .expect("revise");
    route
        .revise(&supervisor(), at(6), revised[..1].to_vec())
        .expect("revise again");
    let view = route.view();
    assert_eq!(view.version, 3);
    assert_eq!(view.checkpoints, revised[..1].to_vec());
    assert_eq!(
        view.versions[0].checkpoints,
        checkpoints(),
        "history keeps version 1"
    );
    assert_eq!(view.versions[1].based_on, 1);
    assert_eq!(view.versions[2].at, at(6));
    assert!(view.concurrent_revisions().is_empty());
    assert_eq!(route.plan().version, 3);
}

#[test]
fn revise_refuses_an_unchanged_or_invalid_list() {
    let mut route = defined();
    let before = route.doc().heads();
    assert!(matches!(
        route.revise(&supervisor(), at(5), checkpoints()),
        Err(RecordError::Invalid { .. })
    ));
    assert!(route.revise(&supervisor(), at(5), Vec::new()).is_err());
    assert_eq!(
        route.doc().heads(),
        before,
        "a refused verb changes nothing"
    );
}

#[test]
fn rename_corrects_the_name_field() {
    let mut route = defined();
    route
        .rename(&supervisor(), at(3), "B2 巡逻")
        .expect("rename");
    assert!(route.rename(&supervisor(), at(4), "  ").is_err());
    assert_eq!(route.view().name, "B2 巡逻");
    assert_eq!(route.view().version, 1, "a new name is not a new version");
}

#[test]
fn plan_copies_the_current_version() {
    let route = defined();
    let plan = route.plan();
    assert_eq!(plan.route, route.id());
    assert_eq!(plan.version, 1);
    assert_eq!(plan.name, "北区夜巡 / North night round");
    assert_eq!(plan.checkpoints, checkpoints());
}

#[test]
fn index_entry_names_the_route() {
    let route = defined();
    let entry = route.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.kind, RecordKind::RouteTemplate);
    assert_eq!(entry.state, "defined");
    assert!(!entry.open);
    assert_eq!(entry.title, "北区夜巡 / North night round");
}

#[test]
fn concurrent_revisions_both_count_and_are_flagged() {
    let route = defined();
    let mut a = replica(&route);
    let mut b = replica(&route);
    a.revise(&supervisor(), at(5), checkpoints()[..2].to_vec())
        .expect("revise a");
    b.revise(&other_supervisor(), at(6), checkpoints()[1..].to_vec())
        .expect("revise b");
    a.rename(&supervisor(), at(7), "A").expect("rename a");
    b.rename(&other_supervisor(), at(8), "B").expect("rename b");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb, "both replicas derive the same versions");
    assert_eq!(va.version, 3);
    assert_eq!(va.concurrent_revisions().len(), 1);
    assert_eq!(va.concurrent_revisions()[0].version, 3);
    assert_eq!(va.conflicts.len(), 1);
    assert_eq!(va.conflicts[0].field, "name");
}
