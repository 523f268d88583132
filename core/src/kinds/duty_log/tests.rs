//! Every duty-log verb, its refusals, and desks writing the same day's log
//! offline and merging.

use automerge::ActorId;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::kinds::AnyRecord;
use crate::record::{RecordError, Role};

/// 08:30 in Shanghai on the duty date, as the rules would compute it.
fn day_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 30, 0)
        .single()
        .expect("valid time")
}

fn at(minute: i64) -> DateTime<Utc> {
    day_start() + Duration::minutes(minute)
}

fn duty_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date")
}

fn desk() -> Editor {
    Editor::new("lin.desk", "desk-pc", Role::FrontDesk)
}
fn night_desk() -> Editor {
    Editor::new("he.desk", "desk-tablet", Role::FrontDesk)
}
fn supervisor() -> Editor {
    Editor::new("chen.sup", "phone-chen", Role::Supervisor)
}

fn signature(signer: &str) -> Signature {
    Signature::new("ab".repeat(32).parse().expect("hash"), signer).expect("signature")
}

fn log() -> DutyLog {
    DutyLog::open_for_day("estate-1", duty_date(), chrono_tz::Asia::Shanghai).expect("open")
}

fn entry(text: &str, important: bool, follow_up: bool) -> NewEntry {
    NewEntry {
        text: text.into(),
        category: EntryCategory::Incident,
        important,
        follow_up,
    }
}

fn radios(counted: u32, note: &str) -> EquipmentCount {
    EquipmentCount {
        item: "对讲机".into(),
        expected: 4,
        counted,
        note: note.into(),
    }
}

fn handover(acknowledged: Vec<String>) -> Handover {
    Handover {
        outgoing: "lin.desk".into(),
        incoming: "he.desk".into(),
        incoming_arrived_at: at(715),
        equipment: vec![radios(3, "一台送修"), radios(4, "")],
        acknowledged,
        outgoing_signature: signature("林"),
        incoming_signature: signature("何"),
    }
}

fn is_invalid<T>(result: Result<T, RecordError>, expected: &str) -> bool {
    matches!(result, Err(RecordError::Invalid { ref field, .. }) if field == expected)
}

fn is_not_now<T>(result: Result<T, RecordError>) -> bool {
    matches!(result, Err(RecordError::NotNow { .. }))
}

fn reload(log: &DutyLog) -> DutyLog {
    DutyLog::from_doc(RecordDoc::load(&log.doc().save()).expect("load")).expect("kind")
}

fn merge_both_ways(a: &mut DutyLog, b: &mut DutyLog) {
    a.doc_mut().merge(b.doc()).expect("merge");
    b.doc_mut().merge(a.doc()).expect("merge");
}

#[test]
fn open_for_day_derives_the_id_and_keeps_the_day_start() {
    let log = log();
    assert_eq!(
        log.id(),
        RecordId::derived("estate-1/duty-log/2026-03-02"),
        "one log per estate per duty date"
    );
    assert_eq!(log.id(), DutyLog::id_for("estate-1", duty_date()));
    assert_ne!(
        log.id(),
        DutyLog::id_for("estate-2", duty_date()),
        "estates have their own logs"
    );
    let view = log.view();
    assert_eq!(view.day_start, day_start());
    assert_eq!(view.estate, "estate-1");
    assert_eq!(view.entry_count, 0);
    assert_eq!(log.doc().kind(), RecordKind::DutyLog);
    assert!(is_invalid(
        DutyLog::open_for_day(" ", duty_date(), chrono_tz::Asia::Shanghai),
        "estate"
    ));
}

#[test]
fn two_desks_opening_the_same_day_offline_merge_into_one_log() {
    let mut a = log();
    let mut b = log();
    let first = a
        .append_entry(&desk(), at(10), entry("3号楼住户来电报修", false, false))
        .expect("a");
    let second = b
        .append_entry(&night_desk(), at(11), entry("访客登记", false, false))
        .expect("b");
    merge_both_ways(&mut a, &mut b);
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert_eq!(va.entry_count, 2);
    assert!(va.entry(&first).is_some() && va.entry(&second).is_some());
    assert_eq!(a.doc().heads(), b.doc().heads());
    assert_eq!(a.doc().header(), b.doc().header());
}

#[test]
fn append_entry_writes_a_line_and_refuses_blank_text() {
    let mut log = log();
    assert!(is_invalid(
        log.append_entry(&desk(), at(1), entry(" ", false, false)),
        "text"
    ));
    let office = Editor::new("boss", "browser", Role::Office);
    assert!(matches!(
        log.append_entry(&office, at(1), entry("x", false, false)),
        Err(RecordError::Forbidden { .. })
    ));
    let id = log
        .append_entry(
            &desk(),
            at(2),
            entry("  B2 电梯困人，已通知工程部 ", true, true),
        )
        .expect("append");
    let view = log.view();
    let line = view.entry(&id).expect("entry");
    assert_eq!(line.text, "B2 电梯困人，已通知工程部");
    assert!(line.important && line.follow_up && line.is_open());
    assert_eq!(line.user, "lin.desk");
    assert_eq!(view.open_follow_ups.len(), 1);
    assert_eq!(view.open_follow_ups[0].entry, id);
}

#[test]
fn closing_a_follow_up_is_a_new_entry_shown_against_the_old() {
    let mut log = log();
    let plain = log
        .append_entry(&desk(), at(1), entry("来电咨询", false, false))
        .expect("plain");
    let task = log
        .append_entry(&desk(), at(2), entry("B2 电梯困人", true, true))
        .expect("task");
    assert!(is_invalid(
        log.close_follow_up(&desk(), at(3), "no-such-entry", "done"),
        "entry"
    ));
    assert!(is_not_now(log.close_follow_up(
        &desk(),
        at(3),
        &plain,
        "done"
    )));
    assert!(is_invalid(
        log.close_follow_up(&desk(), at(3), &task, " "),
        "text"
    ));
    let closure = log
        .close_follow_up(&desk(), at(20), &task, "工程部已解困，无人受伤")
        .expect("close");
    let view = log.view();
    let original = view.entry(&task).expect("task");
    assert_eq!(original.text, "B2 电梯困人", "the entry is never altered");
    assert_eq!(
        original.closed_by.as_ref().map(|link| link.entry.as_str()),
        Some(closure.as_str())
    );
    assert_eq!(
        view.entry(&closure).and_then(|line| line.refers_to.clone()),
        Some(EntryRef::Closes(task.clone()))
    );
    assert!(view.open_follow_ups.is_empty());
    assert_eq!(view.entry_count, 3);
    assert!(is_not_now(log.close_follow_up(
        &desk(),
        at(21),
        &task,
        "again"
    )));
}

#[test]
fn a_correction_is_a_new_entry_replacing_the_mistaken_reading() {
    let mut log = log();
    let wrong = log
        .append_entry(&desk(), at(1), entry("A3 门锁损坏，待修", false, true))
        .expect("wrong");
    assert!(is_invalid(
        log.correct_entry(&desk(), at(2), "missing", entry("x", false, false)),
        "entry"
    ));
    let right = log
        .correct_entry(
            &desk(),
            at(2),
            &wrong,
            entry("B3 门锁损坏，待修", false, true),
        )
        .expect("correct");
    let view = log.view();
    assert_eq!(view.entry_count, 2, "the mistaken line stays");
    let original = view.entry(&wrong).expect("original");
    assert_eq!(original.text, "A3 门锁损坏，待修");
    assert_eq!(
        original
            .corrected_by
            .as_ref()
            .map(|link| link.text.as_str()),
        Some("B3 门锁损坏，待修")
    );
    let open: Vec<&str> = view
        .open_follow_ups
        .iter()
        .map(|open| open.entry.as_str())
        .collect();
    assert_eq!(
        open,
        [right.as_str()],
        "the correction carries the follow-up"
    );
    assert!(is_not_now(log.correct_entry(
        &desk(),
        at(3),
        &wrong,
        entry("again", false, false)
    )));
    assert!(is_not_now(log.close_follow_up(
        &desk(),
        at(3),
        &wrong,
        "done"
    )));
    log.correct_entry(&desk(), at(4), &right, entry("B3 门锁已修好", false, false))
        .expect("a correction may itself be corrected");
    assert!(log.view().open_follow_ups.is_empty());
}

#[test]
fn no_hand_over_while_important_work_is_unfinished() {
    let mut log = log();
    let urgent = log
        .append_entry(&desk(), at(1), entry("B2 电梯困人", true, true))
        .expect("urgent");
    let result = log.hand_over(&desk(), at(720), handover(vec![urgent.clone()]));
    assert!(is_not_now(result), "even when acknowledged");
    log.close_follow_up(&desk(), at(30), &urgent, "已解困")
        .expect("close");
    log.hand_over(&desk(), at(720), handover(Vec::new()))
        .expect("hand over");
}

#[test]
fn hand_over_needs_every_open_follow_up_acknowledged() {
    let mut log = log();
    let watch = log
        .append_entry(&desk(), at(1), entry("明早查看 C 区积水", false, true))
        .expect("follow-up");
    assert!(is_not_now(log.hand_over(
        &desk(),
        at(720),
        handover(Vec::new())
    )));
    assert!(is_invalid(
        log.hand_over(&desk(), at(720), handover(vec!["unknown".into()])),
        "entry"
    ));
    log.hand_over(
        &desk(),
        at(720),
        handover(vec![watch.clone(), watch.clone()]),
    )
    .expect("hand over");
    let view = log.view();
    let record = &view.handovers[0];
    assert_eq!(record.handover.acknowledged, [watch], "listed once");
    assert_eq!(record.shortfalls.len(), 1);
    assert_eq!(record.shortfalls[0].missing(), 1);
    assert_eq!(record.arrived_ahead(), Duration::minutes(5));
    assert_eq!(view.open_follow_ups.len(), 1, "carried to the next shift");
}

#[test]
fn hand_over_refuses_bad_inputs() {
    let mut log = log();
    let same = Handover {
        incoming: "lin.desk".into(),
        ..handover(Vec::new())
    };
    assert!(is_invalid(
        log.hand_over(&desk(), at(720), same),
        "incoming"
    ));
    let late = Handover {
        incoming_arrived_at: at(721),
        ..handover(Vec::new())
    };
    assert!(is_invalid(
        log.hand_over(&desk(), at(720), late),
        "incoming_arrived_at"
    ));
    let unexplained = Handover {
        equipment: vec![radios(2, " ")],
        ..handover(Vec::new())
    };
    assert!(is_invalid(
        log.hand_over(&desk(), at(720), unexplained),
        "note"
    ));
    let uncounted = Handover {
        equipment: Vec::new(),
        ..handover(Vec::new())
    };
    assert!(is_invalid(
        log.hand_over(&desk(), at(720), uncounted),
        "equipment"
    ));
    let technician = Editor::new("wang.tech", "phone-wang", Role::Technician);
    assert!(matches!(
        log.hand_over(&technician, at(720), handover(Vec::new())),
        Err(RecordError::Forbidden { .. })
    ));
    assert!(log.view().handovers.is_empty());
}

#[test]
fn supervisor_signs_off_once() {
    let mut log = log();
    log.append_entry(&desk(), at(1), entry("夜间巡逻正常", false, false))
        .expect("entry");
    assert!(matches!(
        log.sign_off(&desk(), at(1440), signature("林"), ""),
        Err(RecordError::Forbidden { .. })
    ));
    log.sign_off(&supervisor(), at(1445), signature("陈主管"), " 已阅 ")
        .expect("sign off");
    let view = log.view();
    let done = view.sign_off.as_ref().expect("signed");
    assert_eq!((done.comment.as_str(), done.at), ("已阅", at(1445)));
    assert!(is_not_now(log.sign_off(
        &supervisor(),
        at(1446),
        signature("陈主管"),
        ""
    )));
    let late = log
        .append_entry(&desk(), at(1450), entry("补记：凌晨访客", false, false))
        .expect("a late line is still written, never lost");
    let view = log.view();
    assert!(view.entry(&late).is_some_and(|line| line.after_sign_off));
    assert!(!view.entries[0].after_sign_off);
    let index = log.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!((index.state.as_str(), index.open), ("signed_off", false));
}

#[test]
fn refused_verb_changes_nothing() {
    let mut log = log();
    log.append_entry(&desk(), at(1), entry("B2 电梯困人", true, true))
        .expect("entry");
    let before = log.doc().heads();
    assert!(
        log.hand_over(&desk(), at(720), handover(Vec::new()))
            .is_err()
    );
    assert!(
        log.append_entry(&desk(), at(2), entry("", false, false))
            .is_err()
    );
    assert!(log.close_follow_up(&desk(), at(2), "nope", "x").is_err());
    assert_eq!(log.doc().heads(), before);
}

#[test]
fn concurrent_closures_of_one_follow_up_keep_both_lines() {
    let mut log = log();
    let task = log
        .append_entry(&desk(), at(1), entry("C 区积水", false, true))
        .expect("task");
    let mut a = log.clone();
    let mut b = reload(&log);
    a.close_follow_up(&desk(), at(10), &task, "已清理")
        .expect("a closes");
    b.close_follow_up(&night_desk(), at(11), &task, "保洁已处理")
        .expect("b closes");
    merge_both_ways(&mut a, &mut b);
    let (va, vb) = (a.view(), b.view());
    assert_eq!(va, vb);
    assert_eq!(va.entry_count, 3, "no line is ever lost");
    let superseded = va
        .entries
        .iter()
        .filter(|line| line.superseded.is_some())
        .count();
    assert_eq!(superseded, 1);
    assert!(va.open_follow_ups.is_empty());
}

/// A handover on the desk while a patrol phone, offline, writes a new
/// follow-up; `desk_first` picks which the merged history lists first.
fn handover_beside_offline_follow_up(desk_first: bool) -> DutyLogView {
    let mut log = log();
    log.append_entry(&desk(), at(1), entry("早班开始", false, false))
        .expect("entry");
    let mut desk_copy = log.clone();
    let mut patrol_copy = reload(&log);
    // Automerge lists concurrent inserts by actor, greater first.
    let (high, low) = (ActorId::from(vec![0xff; 16]), ActorId::from(vec![0x01; 16]));
    let (desk_actor, patrol_actor) = if desk_first { (high, low) } else { (low, high) };
    desk_copy.doc_mut().set_actor(desk_actor);
    patrol_copy.doc_mut().set_actor(patrol_actor);
    desk_copy
        .hand_over(&desk(), at(720), handover(Vec::new()))
        .expect("hand over");
    let patrol = Editor::new("liu.patrol", "phone-liu", Role::Patrol);
    patrol_copy
        .append_entry(&patrol, at(719), entry("地下车库灯不亮", false, true))
        .expect("offline entry");
    merge_both_ways(&mut desk_copy, &mut patrol_copy);
    let view = desk_copy.view();
    assert_eq!(view, patrol_copy.view());
    view
}

#[test]
fn a_handover_that_missed_a_concurrent_follow_up_is_kept_and_marked() {
    for desk_first in [true, false] {
        let view = handover_beside_offline_follow_up(desk_first);
        assert_eq!(
            view.handovers.len(),
            1,
            "the signed handover is never dropped"
        );
        assert_eq!(view.entry_count, 2);
        assert_eq!(view.open_follow_ups.len(), 1);
        let kinds: Vec<&str> = view
            .timeline
            .iter()
            .map(|line| line.kind.as_str())
            .collect();
        let handover_first = kinds == ["entry_appended", "handed_over", "entry_appended"];
        assert_eq!(handover_first, desk_first, "{kinds:?}");
        let marked = view.handovers[0].superseded.is_some();
        assert_eq!(
            marked, !desk_first,
            "marked only if it missed a listed follow-up"
        );
    }
}

#[test]
fn entry_count_never_goes_down_across_merges_and_reloads() {
    let mut a = log();
    let mut b = log();
    let mut counts = Vec::new();
    for minute in 0..3 {
        a.append_entry(&desk(), at(minute), entry("a", false, false))
            .expect("a");
        b.append_entry(&night_desk(), at(minute), entry("b", false, false))
            .expect("b");
        counts.push(a.view().entry_count);
        merge_both_ways(&mut a, &mut b);
        counts.push(a.view().entry_count);
    }
    assert!(counts.windows(2).all(|pair| pair[0] <= pair[1]));
    assert_eq!(reload(&a).view().entry_count, 6);
    assert_eq!(b.view(), a.view());
}

#[test]
fn any_record_loads_a_duty_log_and_indexes_it() {
    let mut log = log();
    log.append_entry(&desk(), at(5), entry("来电", false, false))
        .expect("entry");
    log.hand_over(&desk(), at(720), handover(Vec::new()))
        .expect("hand over");
    let record = AnyRecord::load(&log.doc().save()).expect("load");
    assert!(matches!(record, AnyRecord::DutyLog(_)));
    let index = record.index_entry(chrono_tz::Asia::Shanghai);
    assert_eq!(index.kind, RecordKind::DutyLog);
    assert_eq!(index.title, "Duty log 2026-03-02");
    assert_eq!((index.state.as_str(), index.open), ("open", true));
    assert_eq!(index.assignee.as_deref(), Some("he.desk"));
    assert_eq!(index.due, None);
    assert_eq!(index.updated_at, at(720));
}
