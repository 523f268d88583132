//! Every complaint verb, its refusals, and concurrent edits merged both ways.

use automerge::ActorId;
use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::kinds::{AnyRecord, CallbackMethod};
use crate::record::{RecordError, Role};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn desk() -> Editor {
    Editor::new("lin.desk", "desk-pc", Role::FrontDesk)
}
fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}
fn patrol() -> Editor {
    Editor::new("liu.patrol", "phone-liu", Role::Patrol)
}
fn tech() -> Editor {
    Editor::new("wang.tech", "phone-wang", Role::Technician)
}

fn signature(signer: &str) -> Signature {
    Signature::new("ab".repeat(32).parse().expect("hash"), signer).expect("signature")
}

fn intake(seriousness: Seriousness) -> Intake {
    Intake {
        resident_name: "张女士".into(),
        unit: "A1-0502".into(),
        phone: "139 0000 5678".into(),
        department: Department::Property,
        seriousness,
        serious: false,
    }
}

fn clears() -> FourClears {
    FourClears {
        heard: "楼上每晚十一点后装修噪音".into(),
        asked: "每晚23点至凌晨1点，持续一周，A1-0602".into(),
        repeated_back: true,
        recorded: "A1-0602 夜间装修噪音".into(),
        reported_to: Some("物业部王经理".into()),
    }
}

fn open_with(seriousness: Seriousness, channel: Channel, clears: FourClears) -> Complaint {
    Complaint::open(
        &desk(),
        at(1),
        "estate-1",
        intake(seriousness),
        channel,
        clears,
        at(0),
    )
    .expect("open")
}

fn opened() -> Complaint {
    open_with(Seriousness::Ordinary, Channel::Complaint, clears())
}

fn help_request(kind: HelpKind) -> Complaint {
    let clears = FourClears {
        reported_to: None,
        ..clears()
    };
    open_with(Seriousness::Ordinary, Channel::HelpRequest(kind), clears)
}

fn handled() -> Complaint {
    let mut complaint = opened();
    complaint
        .dispatch(&desk(), at(2), Department::Property, Some("zhou.prop"))
        .expect("dispatch");
    complaint
        .record_handling(&patrol(), at(40), "已劝导装修停工", at(35))
        .expect("handling");
    complaint
}

fn phone_callback(satisfied: bool) -> Callback {
    Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied,
        outcome: if satisfied { "满意" } else { "噪音仍在" }.into(),
        follow_up_by: (!satisfied).then(|| at(3000)),
    }
}

fn reload(complaint: &Complaint) -> Complaint {
    Complaint::from_doc(RecordDoc::load(&complaint.doc().save()).expect("load")).expect("kind")
}

fn is_invalid(result: Result<(), RecordError>, expected: &str) -> bool {
    matches!(result, Err(RecordError::Invalid { ref field, .. }) if field == expected)
}

fn is_not_now<T>(result: Result<T, RecordError>) -> bool {
    matches!(result, Err(RecordError::NotNow { .. }))
}

#[test]
fn open_records_intake_clears_and_received_state() {
    let complaint = opened();
    let view = complaint.view();
    assert_eq!(view.state, ComplaintState::Received);
    assert_eq!(view.channel, Channel::Complaint);
    assert_eq!(view.intake.department, Department::Property);
    assert_eq!(view.clears.reported_to.as_deref(), Some("物业部王经理"));
    assert!(view.clears.repeated_back);
    assert_eq!(view.received_at, at(0));
    assert_eq!(view.opened_at, at(1));
    assert!(view.is_open());
    assert!(!view.escalation_required);
    assert_eq!(complaint.doc().kind(), RecordKind::Complaint);
}

/// Blanks one of the four clears or the report.
type RemoveClear = fn(&mut FourClears);

#[test]
fn open_refuses_an_intake_missing_any_of_the_five() {
    let missing: [(&str, RemoveClear); 5] = [
        ("heard", |c| c.heard = " ".into()),
        ("asked", |c| c.asked = String::new()),
        ("repeated_back", |c| c.repeated_back = false),
        ("recorded", |c| c.recorded = "\n".into()),
        ("reported_to", |c| c.reported_to = None),
    ];
    for (field, remove) in missing {
        let mut bad = clears();
        remove(&mut bad);
        let result = Complaint::open(
            &desk(),
            at(1),
            "estate-1",
            intake(Seriousness::Ordinary),
            Channel::Complaint,
            bad,
            at(0),
        );
        assert!(is_invalid(result.map(drop), field), "missing {field}");
    }
    let blank_head = FourClears {
        reported_to: Some("  ".into()),
        ..clears()
    };
    let result = Complaint::open(
        &desk(),
        at(1),
        "estate-1",
        intake(Seriousness::Ordinary),
        Channel::Complaint,
        blank_head,
        at(0),
    );
    assert!(is_invalid(result.map(drop), "reported_to"));
}

#[test]
fn open_refuses_bad_details_late_reception_and_office_viewers() {
    let open = |editor: &Editor, intake: Intake, received_at| {
        Complaint::open(
            editor,
            at(1),
            "estate-1",
            intake,
            Channel::Complaint,
            clears(),
            received_at,
        )
        .map(drop)
    };
    let mut bad = intake(Seriousness::Ordinary);
    bad.phone = "ring me".into();
    assert!(is_invalid(open(&desk(), bad, at(0)), "phone"));
    let mut bad = intake(Seriousness::Ordinary);
    bad.unit = " ".into();
    assert!(is_invalid(open(&desk(), bad, at(0)), "unit"));
    assert!(is_invalid(
        open(&desk(), intake(Seriousness::Ordinary), at(5)),
        "received_at"
    ));
    let office = Editor::new("boss", "browser", Role::Office);
    assert!(matches!(
        open(&office, intake(Seriousness::Ordinary), at(0)),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn help_request_needs_the_four_clears_but_no_report_at_intake() {
    let theft = HelpKind::Crime(CrimeKind::Theft);
    let request = help_request(theft);
    let view = request.view();
    assert_eq!(view.channel, Channel::HelpRequest(theft));
    assert_eq!(view.clears.reported_to, None);
    let unconfirmed = FourClears {
        repeated_back: false,
        reported_to: None,
        ..clears()
    };
    let result = Complaint::open(
        &desk(),
        at(1),
        "estate-1",
        intake(Seriousness::Ordinary),
        Channel::HelpRequest(HelpKind::Disaster(DisasterKind::Flood)),
        unconfirmed,
        at(0),
    );
    assert!(is_invalid(result.map(drop), "repeated_back"));
}

#[test]
fn channels_are_stored_as_snake_case() {
    let stored = serde_json::to_string(&[
        Channel::Complaint,
        Channel::HelpRequest(HelpKind::MedicalEmergency),
        Channel::HelpRequest(HelpKind::Crime(CrimeKind::TrafficAccident)),
        Channel::HelpRequest(HelpKind::Disaster(DisasterKind::Typhoon)),
    ])
    .expect("serialise");
    assert_eq!(
        stored,
        r#"["complaint",{"help_request":"medical_emergency"},{"help_request":{"crime":"traffic_accident"}},{"help_request":{"disaster":"typhoon"}}]"#
    );
}

#[test]
fn dispatch_sends_to_a_department_and_redirects() {
    let mut complaint = opened();
    assert!(is_invalid(
        complaint.dispatch(&desk(), at(2), Department::Engineering, Some(" ")),
        "person"
    ));
    complaint
        .dispatch(&desk(), at(2), Department::Engineering, None)
        .expect("dispatch");
    assert_eq!(complaint.view().state, ComplaintState::Dispatched);
    assert_eq!(complaint.view().assignee(), None);
    complaint
        .dispatch(
            &supervisor(),
            at(3),
            Department::Property,
            Some("zhou.prop"),
        )
        .expect("redirect");
    let view = complaint.view();
    assert_eq!(view.dispatches.len(), 2);
    assert_eq!(view.dispatched_at, Some(at(2)));
    assert_eq!(view.assignee(), Some("zhou.prop"));
    assert!(matches!(
        complaint.dispatch(&tech(), at(4), Department::Mail, None),
        Err(RecordError::Forbidden { .. })
    ));
}

#[test]
fn handling_needs_a_dispatch_and_a_sensible_time() {
    let mut complaint = opened();
    assert!(is_not_now(complaint.record_handling(
        &patrol(),
        at(10),
        "done",
        at(9)
    )));
    complaint
        .dispatch(&desk(), at(2), Department::Property, None)
        .expect("dispatch");
    assert!(is_invalid(
        complaint.record_handling(&patrol(), at(10), " ", at(9)),
        "action"
    ));
    assert!(is_invalid(
        complaint.record_handling(&patrol(), at(10), "done", at(11)),
        "handled_at"
    ));
    assert!(is_invalid(
        complaint.record_handling(&patrol(), at(10), "done", at(0) - Duration::minutes(1)),
        "handled_at"
    ));
    complaint
        .record_handling(&patrol(), at(40), "已劝导装修停工", at(35))
        .expect("handling");
    complaint
        .record_handling(&tech(), at(50), "复查无噪音", at(30))
        .expect("more handling");
    let view = complaint.view();
    assert_eq!(view.state, ComplaintState::Handled);
    assert_eq!(view.handlings.len(), 2);
    assert_eq!(
        view.handled_at,
        Some(at(30)),
        "the earliest handling counts"
    );
    assert!(view.handled_on_time(at(30)));
    assert!(!view.handled_on_time(at(29)));
    assert!(view.is_open(), "a handled complaint waits for the sign-off");
}

#[test]
fn serious_complaints_flag_escalation_rather_than_block() {
    let mut complaint = open_with(Seriousness::Major, Channel::Complaint, clears());
    assert!(complaint.view().escalation_required);
    assert!(complaint.view().escalation_pending);
    complaint
        .dispatch(&desk(), at(2), Department::Security, None)
        .expect("dispatch is not blocked");
    complaint
        .record_handling(&patrol(), at(20), "已处理", at(15))
        .expect("handling is not blocked");
    assert!(complaint.view().escalation_overdue);
    complaint
        .escalate(&supervisor(), at(21), "总经理")
        .expect("late escalation");
    let view = complaint.view();
    assert!(!view.escalation_pending);
    assert!(view.escalation_overdue, "it came after the handling");

    let mut flagged = opened();
    flagged
        .amend(&desk(), at(2), Amendment::Serious(true))
        .expect("flag");
    assert!(flagged.view().escalation_required);
    assert!(is_invalid(flagged.escalate(&desk(), at(3), " "), "to"));
    flagged
        .escalate(&desk(), at(3), "总经理")
        .expect("escalate");
    assert!(is_not_now(flagged.escalate(&desk(), at(4), "董事长")));
    flagged
        .dispatch(&desk(), at(5), Department::Property, None)
        .expect("dispatch");
    flagged
        .record_handling(&patrol(), at(20), "已处理", at(15))
        .expect("handling");
    let view = flagged.view();
    assert_eq!(
        view.escalation.as_ref().map(|e| e.to.as_str()),
        Some("总经理")
    );
    assert!(!view.escalation_overdue && !view.escalation_pending);
}

#[test]
fn raising_the_seriousness_after_handling_makes_escalation_overdue() {
    let mut complaint = handled();
    assert!(!complaint.view().escalation_overdue);
    complaint
        .amend(
            &supervisor(),
            at(60),
            Amendment::Seriousness(Seriousness::Major),
        )
        .expect("amend");
    let view = complaint.view();
    assert!(view.escalation_overdue);
    assert_eq!(view.callback_by, CallbackBy::EstateManager);
}

#[test]
fn who_calls_back_follows_the_seriousness() {
    assert_eq!(
        Seriousness::Ordinary.called_back_by(),
        CallbackBy::PatrolOfficer
    );
    assert_eq!(
        Seriousness::Important.called_back_by(),
        CallbackBy::CustomerServiceSupervisor
    );
    assert_eq!(
        Seriousness::Major.called_back_by(),
        CallbackBy::EstateManager
    );
    assert_eq!(opened().view().callback_by, CallbackBy::PatrolOfficer);
}

#[test]
fn help_request_answered_at_once_is_solved() {
    let mut request = help_request(HelpKind::Enquiry);
    assert!(is_invalid(
        request.answer(&desk(), at(2), "", true),
        "reply"
    ));
    request
        .answer(&desk(), at(2), "停水至下午三点", true)
        .expect("answer");
    let view = request.view();
    assert_eq!(view.state, ComplaintState::Handled);
    assert_eq!(view.answered_at, Some(at(2)));
    assert_eq!(view.solved_at, Some(at(2)));
    assert_eq!(view.handled_at, Some(at(2)));
    assert!(!view.is_open());
    assert!(is_not_now(request.answer(&desk(), at(3), "again", true)));
    assert!(is_not_now(request.report_to_head(&desk(), at(3), "王经理")));
}

#[test]
fn unsolved_help_request_is_reported_to_the_head_and_answered() {
    let mut request = help_request(HelpKind::Repair);
    request
        .answer(&desk(), at(2), "已记录，马上安排", false)
        .expect("first answer");
    assert_eq!(request.view().state, ComplaintState::Received);
    assert!(request.view().is_open());
    assert!(is_invalid(
        request.report_to_head(&desk(), at(3), " "),
        "head"
    ));
    request
        .report_to_head(&desk(), at(3), "工程部李主管")
        .expect("report");
    assert!(is_not_now(request.report_to_head(&desk(), at(4), "again")));
    request
        .answer(&supervisor(), at(11), "维修工十分钟内到", true)
        .expect("head's answer");
    let view = request.view();
    assert_eq!(view.answers.len(), 2);
    assert_eq!(view.answered_at, Some(at(2)));
    assert_eq!(view.head_report.as_ref().map(|r| r.at), Some(at(3)));
    assert_eq!(view.head_answered_at, Some(at(11)));
    assert_eq!(view.state, ComplaintState::Handled);
}

#[test]
fn complaints_are_not_answered_as_help_requests() {
    let mut complaint = opened();
    assert!(is_not_now(complaint.answer(&desk(), at(2), "ok", true)));
    assert!(is_not_now(complaint.report_to_head(
        &desk(),
        at(2),
        "王经理"
    )));
}

#[test]
fn resident_signs_off_once_after_handling() {
    let mut complaint = opened();
    assert!(is_not_now(complaint.resident_sign_off(
        &patrol(),
        at(5),
        signature("张女士"),
        Satisfaction::Satisfied
    )));
    let mut complaint = handled();
    complaint
        .resident_sign_off(
            &patrol(),
            at(45),
            signature("张女士"),
            Satisfaction::Satisfied,
        )
        .expect("sign off");
    let view = complaint.view();
    assert_eq!(view.state, ComplaintState::SignedOff);
    assert_eq!(
        view.sign_off.as_ref().map(|s| s.rating),
        Some(Satisfaction::Satisfied)
    );
    assert!(!view.is_open());
    assert!(is_not_now(complaint.resident_sign_off(
        &patrol(),
        at(46),
        signature("张女士"),
        Satisfaction::VerySatisfied
    )));
}

#[test]
fn callback_needs_handling_and_in_person_a_signature() {
    let mut complaint = opened();
    assert!(is_not_now(complaint.call_back(
        &patrol(),
        at(5),
        phone_callback(true)
    )));
    let mut complaint = handled();
    let in_person = Callback {
        method: CallbackMethod::InPerson,
        ..phone_callback(true)
    };
    assert!(is_invalid(
        complaint.call_back(&patrol(), at(100), in_person.clone()),
        "signature"
    ));
    let blank = Callback {
        outcome: " ".into(),
        ..phone_callback(true)
    };
    assert!(is_invalid(
        complaint.call_back(&patrol(), at(100), blank),
        "outcome"
    ));
    let signed = Callback {
        signature: Some(signature("张女士")),
        ..in_person
    };
    complaint
        .call_back(&patrol(), at(100), signed)
        .expect("in person");
    assert_eq!(complaint.view().state, ComplaintState::CalledBack);
}

#[test]
fn unsatisfied_callback_reopens_the_case_until_satisfied() {
    let mut complaint = handled();
    complaint
        .resident_sign_off(
            &patrol(),
            at(45),
            signature("张女士"),
            Satisfaction::Neutral,
        )
        .expect("sign off");
    assert!(is_not_now(complaint.record_handling(
        &patrol(),
        at(50),
        "more",
        at(50)
    )));
    complaint
        .call_back(&patrol(), at(1000), phone_callback(false))
        .expect("callback");
    let view = complaint.view();
    assert!(view.problem_raised() && !view.callback_settled() && view.is_open());
    complaint
        .dispatch(&desk(), at(1001), Department::Security, None)
        .expect("dispatched again for the raised problem");
    complaint
        .record_handling(&patrol(), at(1100), "夜间巡逻制止施工", at(1090))
        .expect("fixed");
    complaint
        .call_back(&patrol(), at(2000), phone_callback(true))
        .expect("called back again");
    let view = complaint.view();
    assert!(view.callback_settled() && !view.is_open());
    assert_eq!(view.callbacks.len(), 2);
    assert_eq!(view.handled_at, Some(at(35)), "timeliness reads the first");
    assert!(is_not_now(complaint.call_back(
        &patrol(),
        at(2100),
        phone_callback(true)
    )));
    assert!(view.timeline.iter().all(|entry| entry.superseded.is_none()));
}

#[test]
fn duplicate_points_to_the_carrying_complaint_and_closes() {
    let original = opened();
    let mut duplicate = opened();
    assert!(is_invalid(
        duplicate.mark_duplicate_of(&desk(), at(3), duplicate.id()),
        "duplicate_of"
    ));
    assert!(matches!(
        duplicate.mark_duplicate_of(&patrol(), at(3), original.id()),
        Err(RecordError::Forbidden { .. })
    ));
    duplicate
        .mark_duplicate_of(&desk(), at(3), original.id())
        .expect("duplicate");
    let view = duplicate.view();
    assert_eq!(view.state, ComplaintState::Duplicate);
    assert_eq!(view.duplicate_of, Some(original.id()));
    assert!(!view.counts_in_rates() && !view.is_open());
    assert!(original.view().counts_in_rates());
    assert!(is_not_now(duplicate.dispatch(
        &desk(),
        at(4),
        Department::Property,
        None
    )));
    assert!(is_not_now(duplicate.mark_duplicate_of(
        &desk(),
        at(4),
        original.id()
    )));
    let entry = duplicate.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!((entry.state.as_str(), entry.open), ("duplicate", false));
}

#[test]
fn refused_verb_changes_nothing() {
    let mut complaint = opened();
    let before = complaint.doc().heads();
    assert!(
        complaint
            .record_handling(&patrol(), at(3), "x", at(3))
            .is_err()
    );
    assert!(
        complaint
            .amend(&desk(), at(3), Amendment::Phone("nope".into()))
            .is_err()
    );
    assert!(complaint.answer(&desk(), at(3), "x", true).is_err());
    assert_eq!(complaint.doc().heads(), before);
}

#[test]
fn full_complaint_runs_to_callback_and_indexes() {
    let mut complaint = handled();
    complaint
        .resident_sign_off(
            &patrol(),
            at(45),
            signature("张女士"),
            Satisfaction::Satisfied,
        )
        .expect("sign off");
    complaint
        .call_back(&patrol(), at(3000), phone_callback(true))
        .expect("callback");
    let view = complaint.view();
    assert_eq!(view.state, ComplaintState::CalledBack);
    assert_eq!(view.timeline.len(), 5);
    let entry = AnyRecord::load(&complaint.doc().save())
        .expect("load")
        .index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(entry.kind, RecordKind::Complaint);
    assert_eq!(entry.state, "called_back");
    assert!(!entry.open);
    assert_eq!(entry.title, "A1-0602 夜间装修噪音");
    assert_eq!(entry.location.as_deref(), Some("A1-0502"));
    assert_eq!(entry.assignee.as_deref(), Some("zhou.prop"));
    assert_eq!(entry.due, None);
    assert_eq!(entry.updated_at, at(3000));
}

#[test]
fn concurrent_dispatch_and_escalation_merge_alike_both_ways() {
    let complaint = open_with(Seriousness::Major, Channel::Complaint, clears());
    let mut a = complaint.clone();
    let mut b = reload(&complaint);
    a.dispatch(&desk(), at(2), Department::Security, Some("zhao.sec"))
        .expect("dispatch");
    b.escalate(&supervisor(), at(2), "总经理")
        .expect("escalate");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert_eq!(va.state, ComplaintState::Dispatched);
    assert!(va.escalation.is_some() && !va.escalation_pending);
    assert!(va.timeline.iter().all(|entry| entry.superseded.is_none()));
}

/// A duplicate marked at the desk while a phone, offline, records the
/// handling; `desk_first` picks which the merged history lists first.
fn duplicate_beside_offline_handling(desk_first: bool) -> ComplaintView {
    let mut complaint = opened();
    complaint
        .dispatch(&desk(), at(2), Department::Property, None)
        .expect("dispatch");
    let mut a = complaint.clone();
    let mut b = reload(&complaint);
    // Automerge lists concurrent inserts by actor, greater first.
    let (high, low) = (ActorId::from(vec![0xff; 16]), ActorId::from(vec![0x01; 16]));
    let (desk_actor, phone_actor) = if desk_first { (high, low) } else { (low, high) };
    a.doc_mut().set_actor(desk_actor);
    b.doc_mut().set_actor(phone_actor);
    a.mark_duplicate_of(&desk(), at(3), RecordId::random())
        .expect("duplicate");
    b.record_handling(&patrol(), at(4), "已处理", at(4))
        .expect("handling");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let view = a.view();
    assert_eq!(view, b.view());
    view
}

#[test]
fn concurrent_duplicate_and_handling_keep_both_in_the_timeline() {
    for desk_first in [true, false] {
        let view = duplicate_beside_offline_handling(desk_first);
        assert_eq!(view.timeline.len(), 4, "both events stay in the history");
        assert_eq!(view.state, ComplaintState::Duplicate);
        let superseded: Vec<&str> = view
            .timeline
            .iter()
            .filter(|entry| entry.superseded.is_some())
            .map(|entry| entry.kind.as_str())
            .collect();
        let expected: &[&str] = if desk_first { &["handled"] } else { &[] };
        assert_eq!(superseded, expected);
        assert_eq!(view.handled_at.is_some(), !desk_first);
    }
}

#[test]
fn concurrent_department_corrections_surface_as_a_conflict() {
    let complaint = opened();
    let mut a = complaint.clone();
    let mut b = reload(&complaint);
    a.amend(
        &desk(),
        at(5),
        Amendment::Department(Department::Engineering),
    )
    .expect("amend a");
    b.amend(
        &patrol(),
        at(6),
        Amendment::Department(Department::Security),
    )
    .expect("amend b");
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
    let conflicts = a.view().conflicts;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "department");
    assert_eq!(a.view(), b.view());
    let office = Editor::new("boss", "browser", Role::Office);
    a.doc_mut()
        .resolve_conflict(&office, at(7), "department", 1)
        .expect("resolve");
    assert!(a.view().conflicts.is_empty());
    assert_eq!(a.view().intake.department, Department::Security);
}

#[test]
fn index_shows_the_deadline_the_case_waits_on() {
    use crate::rules::RuleId;
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().expect("tz");
    let rule =
        |complaint: &Complaint| next_deadline(&complaint.view(), tz).map(|deadline| deadline.rule);
    assert_eq!(
        rule(&opened()),
        Some(RuleId::ComplaintHandled),
        "Stairwell's reading: handled by the end of the next day"
    );
    let serious = open_with(Seriousness::Major, Channel::Complaint, clears());
    assert_eq!(rule(&serious), Some(RuleId::ComplaintSeriousReported));
    let help = help_request(HelpKind::Enquiry);
    assert_eq!(rule(&help), Some(RuleId::HelpRequestAnswered));
    let mut handled = handled();
    assert_eq!(rule(&handled), Some(RuleId::CallbackAfterComplaint));
    handled
        .call_back(&patrol(), at(100), phone_callback(true))
        .expect("callback");
    assert_eq!(rule(&handled), None);
    let entry = handled.index_entry(tz);
    assert_eq!(entry.due, None);
}
