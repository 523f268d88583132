//! Every repair-sheet verb, and its refusals.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::record::{RecordError, Role};
use crate::rules::{RepairLocation, Urgency};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn desk() -> Editor {
    Editor::new("lin.desk", "desk-pc", Role::FrontDesk)
}
fn tech() -> Editor {
    Editor::new("wang.tech", "phone-wang", Role::Technician)
}
fn other_tech() -> Editor {
    Editor::new("zhao.tech", "phone-zhao", Role::Technician)
}
fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}

fn signature(signer: &str) -> Signature {
    Signature::new("ab".repeat(32).parse().expect("hash"), signer).expect("signature")
}

fn intake(location: RepairLocation, on_price_list: bool) -> Intake {
    Intake {
        resident_name: "李先生".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 1234".into(),
        problem: "厨房水龙头漏水".into(),
        location,
        on_price_list,
        urgency: Urgency::Urgent,
        appointment: None,
    }
}

fn opened(location: RepairLocation, on_price_list: bool) -> RepairSheet {
    RepairSheet::open(
        &desk(),
        at(1),
        "estate-1",
        intake(location, on_price_list),
        at(0),
        None,
    )
    .expect("open")
}

fn on_site() -> RepairSheet {
    let mut sheet = opened(RepairLocation::InUnit, true);
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    sheet.arrive(&tech(), at(9)).expect("arrive");
    sheet
}

#[test]
fn open_records_intake_and_reported_state() {
    let sheet = opened(RepairLocation::InUnit, true);
    let view = sheet.view();
    assert_eq!(view.state, RepairState::Reported);
    assert_eq!(view.intake.phone, "138 0000 1234");
    assert_eq!(view.reported_at, at(0));
    assert_eq!(view.opened_at, at(1));
    assert_eq!(sheet.doc().header().estate, "estate-1");
}

#[test]
fn open_refuses_bad_intake() {
    let mut bad = intake(RepairLocation::InUnit, true);
    bad.phone = "call me".into();
    let err =
        RepairSheet::open(&desk(), at(1), "estate-1", bad, at(0), None).expect_err("bad phone");
    assert!(
        matches!(err, RecordError::Invalid { ref field, .. } if field == "phone"),
        "{err}"
    );
    let mut bad = intake(RepairLocation::InUnit, true);
    bad.resident_name = "  ".into();
    assert!(RepairSheet::open(&desk(), at(1), "estate-1", bad, at(0), None).is_err());
    let err = RepairSheet::open(
        &desk(),
        at(1),
        "estate-1",
        intake(RepairLocation::InUnit, true),
        at(5),
        None,
    )
    .expect_err("reported after written");
    assert!(matches!(err, RecordError::Invalid { .. }));
}

#[test]
fn open_refused_for_office_viewers() {
    let office = Editor::new("boss", "browser", Role::Office);
    let err = RepairSheet::open(
        &office,
        at(1),
        "estate-1",
        intake(RepairLocation::InUnit, true),
        at(0),
        None,
    )
    .expect_err("office is read-only");
    assert!(matches!(err, RecordError::Forbidden { .. }));
}

#[test]
fn dispatch_assigns_and_reassigns() {
    let mut sheet = opened(RepairLocation::InUnit, true);
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    assert_eq!(sheet.view().state, RepairState::Dispatched);
    sheet
        .dispatch(&supervisor(), at(3), "zhao.tech")
        .expect("reassign");
    assert_eq!(sheet.view().technician.as_deref(), Some("zhao.tech"));
    assert!(
        sheet.dispatch(&tech(), at(4), "x").is_err(),
        "technicians do not dispatch"
    );
}

#[test]
fn only_the_assigned_technician_arrives() {
    let mut sheet = opened(RepairLocation::InUnit, true);
    assert!(matches!(
        sheet.arrive(&tech(), at(3)),
        Err(RecordError::NotTheirs { .. })
    ));
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    assert!(matches!(
        sheet.arrive(&other_tech(), at(3)),
        Err(RecordError::NotTheirs { .. })
    ));
    sheet.arrive(&tech(), at(9)).expect("arrive");
    assert_eq!(sheet.view().state, RepairState::OnSite);
    assert_eq!(sheet.view().arrived_at, Some(at(9)));
}

#[test]
fn quote_only_for_items_off_the_price_list() {
    let mut listed = opened(RepairLocation::InUnit, true);
    assert!(
        listed
            .quote(&supervisor(), at(5), true, Some(5000), "")
            .is_err()
    );
    let mut unlisted = opened(RepairLocation::InUnit, false);
    unlisted
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    assert!(
        unlisted
            .quote(&supervisor(), at(5), true, None, "")
            .is_err(),
        "feasible needs a fee"
    );
    assert!(
        unlisted
            .quote(&supervisor(), at(5), true, Some(-1), "")
            .is_err()
    );
    unlisted
        .quote(&supervisor(), at(5), true, Some(12000), "更换阀芯")
        .expect("quote");
    assert_eq!(unlisted.view().state, RepairState::Quoted);
    unlisted
        .arrive(&tech(), at(20))
        .expect("arrive after quote");
}

#[test]
fn infeasible_quote_blocks_arrival() {
    let mut sheet = opened(RepairLocation::InUnit, false);
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    sheet
        .quote(&supervisor(), at(5), false, None, "needs the builder")
        .expect("quote");
    assert!(sheet.arrive(&tech(), at(20)).is_err());
}

#[test]
fn paid_repair_runs_to_callback() {
    let mut sheet = on_site();
    sheet
        .confirm_items(
            &tech(),
            at(10),
            vec!["阀芯".into(), " ".into()],
            "价目表 A-12",
        )
        .expect("confirm");
    assert!(
        sheet
            .complete(
                &tech(),
                at(11),
                vec!["阀芯".into()],
                signature("李先生"),
                Satisfaction::Satisfied
            )
            .is_err(),
        "a paid repair needs agreement first"
    );
    sheet.agree(&tech(), at(11)).expect("agree");
    let line = FeeLine {
        description: "阀芯".into(),
        quantity: 2,
        unit_price_cents: 3500,
        from_price_list: true,
    };
    sheet.add_fee_line(&tech(), at(12), line).expect("fee");
    let check = MaterialCheck {
        material: "住户自购龙头".into(),
        result: MaterialResult::Unqualified,
        note: "已告知住户".into(),
    };
    sheet
        .check_material(&tech(), at(13), check)
        .expect("material");
    sheet
        .attach_photo(
            &tech(),
            at(14),
            "cd".repeat(32).parse().expect("hash"),
            "after",
        )
        .expect("photo");
    sheet
        .add_note(&tech(), at(14), "住户坚持使用自购材料")
        .expect("note");
    sheet
        .complete(
            &tech(),
            at(30),
            vec!["阀芯".into()],
            signature("李先生"),
            Satisfaction::Satisfied,
        )
        .expect("complete");
    sheet.hand_back(&tech(), at(300)).expect("hand back");
    assert!(
        sheet.hand_back(&tech(), at(301)).is_err(),
        "handed back once"
    );
    sheet
        .confirm_return(&supervisor(), at(320))
        .expect("confirm return");
    let phone_callback = Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied: true,
        outcome: "满意".into(),
        follow_up_by: None,
    };
    sheet
        .call_back(
            &Editor::new("liu.patrol", "phone-liu", Role::Patrol),
            at(3000),
            phone_callback,
        )
        .expect("callback");

    let view = sheet.view();
    assert_eq!(view.state, RepairState::CalledBack);
    assert_eq!(view.fee_total_cents(), 7000);
    assert_eq!(
        view.confirmed_items.as_ref().map(|(items, _)| items.len()),
        Some(1)
    );
    assert_eq!(view.materials[0].result, MaterialResult::Unqualified);
    assert_eq!(view.photos.len(), 1);
    assert_eq!(view.notes.len(), 1);
    assert!(view.callback_settled());
    assert!(view.timeline.iter().all(|entry| entry.superseded.is_none()));
    assert_eq!(view.timeline.len(), 13);
}

#[test]
fn public_area_repair_completes_without_agreement() {
    let mut sheet = opened(RepairLocation::PublicArea, true);
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    sheet.arrive(&tech(), at(9)).expect("arrive");
    sheet
        .complete(
            &tech(),
            at(20),
            vec!["走廊灯".into()],
            signature("王师傅"),
            Satisfaction::Satisfied,
        )
        .expect("complete");
    assert_eq!(sheet.view().state, RepairState::Completed);
}

#[test]
fn decline_ends_the_job_with_reason_and_signature() {
    let mut sheet = on_site();
    assert!(
        sheet
            .decline(&tech(), at(10), " ", signature("王师傅"))
            .is_err()
    );
    sheet
        .decline(&tech(), at(10), "住户不接受收费标准", signature("王师傅"))
        .expect("decline");
    assert_eq!(sheet.view().state, RepairState::Declined);
    assert!(sheet.agree(&tech(), at(11)).is_err());
    assert!(
        sheet
            .add_fee_line(
                &tech(),
                at(11),
                FeeLine {
                    description: "x".into(),
                    quantity: 1,
                    unit_price_cents: 1,
                    from_price_list: true
                }
            )
            .is_err()
    );
    sheet
        .hand_back(&tech(), at(12))
        .expect("a declined sheet is filed back");
}

#[test]
fn fee_lines_and_materials_are_checked() {
    let mut sheet = on_site();
    let zero = FeeLine {
        description: "x".into(),
        quantity: 0,
        unit_price_cents: 100,
        from_price_list: true,
    };
    assert!(sheet.add_fee_line(&tech(), at(10), zero).is_err());
    let negative = FeeLine {
        description: "x".into(),
        quantity: 1,
        unit_price_cents: -100,
        from_price_list: true,
    };
    assert!(sheet.add_fee_line(&tech(), at(10), negative).is_err());
    let unnamed = MaterialCheck {
        material: "".into(),
        result: MaterialResult::Qualified,
        note: String::new(),
    };
    assert!(sheet.check_material(&tech(), at(10), unnamed).is_err());
}

#[test]
fn callback_in_person_needs_a_signature_and_a_completed_repair() {
    let mut sheet = on_site();
    let patrol = Editor::new("liu.patrol", "phone-liu", Role::Patrol);
    let in_person = Callback {
        method: CallbackMethod::InPerson,
        signature: None,
        satisfied: true,
        outcome: "ok".into(),
        follow_up_by: None,
    };
    assert!(matches!(
        sheet.call_back(&patrol, at(50), in_person.clone()),
        Err(RecordError::Invalid { .. })
    ));
    let signed = Callback {
        signature: Some(signature("李先生")),
        ..in_person
    };
    assert!(matches!(
        sheet.call_back(&patrol, at(50), signed),
        Err(RecordError::NotNow { .. })
    ));
}

#[test]
fn unsatisfied_callback_is_called_back_again() {
    let mut sheet = opened(RepairLocation::PublicArea, true);
    sheet
        .dispatch(&desk(), at(2), "wang.tech")
        .expect("dispatch");
    sheet.arrive(&tech(), at(9)).expect("arrive");
    sheet
        .complete(
            &tech(),
            at(20),
            vec!["灯".into()],
            signature("王师傅"),
            Satisfaction::Neutral,
        )
        .expect("complete");
    let patrol = Editor::new("liu.patrol", "phone-liu", Role::Patrol);
    let unhappy = Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied: false,
        outcome: "又坏了".into(),
        follow_up_by: Some(at(2000)),
    };
    sheet
        .call_back(&patrol, at(1000), unhappy)
        .expect("callback");
    assert!(!sheet.view().callback_settled());
    let happy = Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied: true,
        outcome: "修好了".into(),
        follow_up_by: None,
    };
    sheet
        .call_back(&patrol, at(2100), happy)
        .expect("callback again");
    assert!(sheet.view().callback_settled());
    assert_eq!(sheet.view().callbacks.len(), 2);
}

#[test]
fn refused_verb_changes_nothing() {
    let mut sheet = opened(RepairLocation::InUnit, true);
    let before = sheet.doc().heads();
    assert!(sheet.agree(&tech(), at(3)).is_err());
    assert!(
        sheet
            .amend(&desk(), at(3), Amendment::Phone("nope".into()))
            .is_err()
    );
    assert_eq!(sheet.doc().heads(), before);
}

#[test]
fn concurrent_phone_corrections_surface_as_a_conflict_and_resolve() {
    let sheet = opened(RepairLocation::InUnit, true);
    let mut a = sheet.clone();
    let mut b =
        RepairSheet::from_doc(crate::record::RecordDoc::load(&sheet.doc().save()).expect("load"))
            .expect("kind");
    a.amend(&desk(), at(5), Amendment::Phone("139 1111 2222".into()))
        .expect("amend a");
    b.amend(&tech(), at(6), Amendment::Phone("137 3333 4444".into()))
        .expect("amend b");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let conflicts = a.view().conflicts;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "phone");
    assert_eq!(conflicts[0].values.len(), 2);
    assert_eq!(conflicts[0].values[0].user, "lin.desk");
    assert_eq!(
        b.view().conflicts,
        conflicts,
        "both replicas see the same conflict"
    );
    assert_eq!(
        a.view().intake.phone,
        b.view().intake.phone,
        "both show the same current value"
    );

    let office = Editor::new("boss", "browser", Role::Office);
    a.doc_mut()
        .resolve_conflict(&office, at(7), "phone", 1)
        .expect("resolve");
    assert!(a.view().conflicts.is_empty());
    assert_eq!(a.view().intake.phone, "137 3333 4444");
    b.doc_mut().merge(a.doc()).expect("merge");
    assert!(b.view().conflicts.is_empty());
}

#[test]
fn concurrent_agree_and_decline_keep_both_in_the_timeline() {
    let sheet = on_site();
    let mut a = sheet.clone();
    let mut b =
        RepairSheet::from_doc(crate::record::RecordDoc::load(&sheet.doc().save()).expect("load"))
            .expect("kind");
    a.agree(&tech(), at(10)).expect("agree");
    b.decline(&tech(), at(11), "too expensive", signature("王师傅"))
        .expect("decline");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert_eq!(va.timeline.len(), 5);
    assert_eq!(
        va.timeline
            .iter()
            .filter(|entry| entry.superseded.is_some())
            .count(),
        1
    );
}

#[test]
fn screens_offer_only_the_steps_the_role_and_the_state_admit() {
    use crate::kinds::{AnyRecord, offers};
    use crate::record::Verb;
    let offered = |sheet: &RepairSheet, role: Role, verb: Verb| {
        offers(&AnyRecord::RepairSheet(sheet.clone()), role, verb)
    };
    let off_list = opened(RepairLocation::InUnit, false);
    assert!(offered(&off_list, Role::Supervisor, Verb::Quote));
    assert!(
        !offered(&off_list, Role::FrontDesk, Verb::Quote),
        "not the desk's"
    );
    assert!(
        !offered(
            &opened(RepairLocation::InUnit, true),
            Role::Supervisor,
            Verb::Quote
        ),
        "an item on the price list needs no quote"
    );
    assert!(offered(&off_list, Role::FrontDesk, Verb::Dispatch));
    assert!(!offered(&off_list, Role::Supervisor, Verb::ConfirmReturn));
    assert!(
        !offered(&off_list, Role::FrontDesk, Verb::CallBack),
        "not completed"
    );

    let mut done = on_site();
    done.confirm_items(&tech(), at(10), vec!["tap".into()], "price list")
        .expect("items");
    done.agree(&tech(), at(11)).expect("agree");
    done.complete(
        &tech(),
        at(20),
        vec!["tap".into()],
        signature("李先生"),
        Satisfaction::Satisfied,
    )
    .expect("complete");
    assert!(
        !offered(&done, Role::FrontDesk, Verb::Dispatch),
        "worked already"
    );
    assert!(offered(&done, Role::FrontDesk, Verb::CallBack));
    assert!(
        !offered(&done, Role::Office, Verb::CallBack),
        "office only reads"
    );
    assert!(!offered(&done, Role::Supervisor, Verb::ConfirmReturn));
    done.hand_back(&tech(), at(30)).expect("hand back");
    assert!(offered(&done, Role::Supervisor, Verb::ConfirmReturn));
    done.confirm_return(&supervisor(), at(40)).expect("return");
    assert!(
        !offered(&done, Role::Supervisor, Verb::ConfirmReturn),
        "once"
    );
}
