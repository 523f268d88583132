//! Property: the duty log of one estate's duty day, opened independently on
//! three devices with `DutyLog::open_for_day` (no shared copy: each desk
//! starts its own while offline), converges when the three are merged in any
//! order, and no line is ever lost: every entry appended on any device is in
//! the merged log, and `entry_count` is the number of distinct entries. The
//! log may never lose a page (the procedures §6), and it is the one kind whose
//! replicas are created apart rather than copied, so it has its own file.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Replicas, blob, resolve, rounds};
use proptest::prelude::*;
use stairwell_core::kinds::Signature;
use stairwell_core::kinds::duty_log::{
    DutyLog, EntryCategory, EquipmentCount, Handover, LogEntry, NewEntry,
};
use stairwell_core::record::{Editor, RecordError, Role};

const CATEGORIES: [EntryCategory; 6] = [
    EntryCategory::Call,
    EntryCategory::Visit,
    EntryCategory::Incident,
    EntryCategory::FollowUp,
    EntryCategory::Equipment,
    EntryCategory::Other,
];

/// One random step a replica may try; refusals are part of the game.
#[derive(Debug, Clone)]
enum Step {
    /// Text 0 is blank, which is refused; `by` 3 is a technician, who may
    /// not write in the log.
    Append {
        category: u8,
        text: u8,
        important: bool,
        follow_up: bool,
        by: u8,
    },
    /// Closes the follow-up of the entry at `entry` (refused if it has none).
    Close {
        entry: u8,
    },
    Correct {
        entry: u8,
        follow_up: bool,
    },
    /// Acknowledges every open follow-up (0), none (1) or an unknown entry
    /// (2); a radio short with (`short` 1) or without (2) a note.
    HandOver {
        acknowledge: u8,
        short: u8,
    },
    /// By the supervisor (0) or the desk (1), who may not sign.
    SignOff {
        by: u8,
    },
    Resolve(u8, u8),
}

fn step() -> impl Strategy<Value = Step> + Clone {
    prop_oneof![
        5 => (0u8..6, 0u8..3, any::<bool>(), any::<bool>(), 0u8..4).prop_map(
            |(category, text, important, follow_up, by)| Step::Append {
                category,
                text,
                important,
                follow_up,
                by,
            }
        ),
        2 => any::<u8>().prop_map(|entry| Step::Close { entry }),
        2 => (any::<u8>(), any::<bool>())
            .prop_map(|(entry, follow_up)| Step::Correct { entry, follow_up }),
        2 => (0u8..3, 0u8..3).prop_map(|(acknowledge, short)| Step::HandOver { acknowledge, short }),
        1 => (0u8..2).prop_map(|by| Step::SignOff { by }),
        1 => resolution(),
    ]
}

fn resolution() -> impl Strategy<Value = Step> + Clone {
    (any::<u8>(), any::<u8>()).prop_map(|(conflict, value)| Step::Resolve(conflict, value))
}

fn duty_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date")
}

/// The log as a desk opens it on its own device.
fn opened() -> DutyLog {
    DutyLog::open_for_day("estate-1", duty_date(), Shanghai).expect("open")
}

/// The desk, a patrol officer, the supervisor and a technician on the
/// replica's device.
fn editors(replica: usize) -> [Editor; 4] {
    let device = format!("device-{replica}");
    [
        Editor::new(format!("desk-{replica}"), device.clone(), Role::FrontDesk),
        Editor::new("patrol", device.clone(), Role::Patrol),
        Editor::new("sup", device.clone(), Role::Supervisor),
        Editor::new("tech", device, Role::Technician),
    ]
}

fn signature(signer: &str) -> Signature {
    Signature::new(blob(), signer).expect("signature")
}

/// The id of the entry at `pick` on this replica, or of none.
fn entry(log: &DutyLog, pick: u8) -> String {
    let entries = log.view().entries;
    if entries.is_empty() {
        return "no-such-entry".into();
    }
    entries[usize::from(pick) % entries.len()].id.clone()
}

fn handover(log: &DutyLog, at: DateTime<Utc>, acknowledge: u8, short: u8) -> Handover {
    let acknowledged = match acknowledge {
        0 => log
            .view()
            .open_follow_ups
            .into_iter()
            .map(|open| open.entry)
            .collect(),
        1 => Vec::new(),
        _ => vec!["no-such-entry".into()],
    };
    let (counted, note) = match short {
        0 => (4, ""),
        1 => (3, "one at the repair shop"),
        _ => (3, ""),
    };
    Handover {
        outgoing: "lin".into(),
        incoming: "he".into(),
        incoming_arrived_at: at - Duration::minutes(5),
        equipment: vec![EquipmentCount {
            item: "radio".into(),
            expected: 4,
            counted,
            note: note.into(),
        }],
        acknowledged,
        outgoing_signature: signature("lin"),
        incoming_signature: signature("he"),
    }
}

/// Applies a step; the ids of the entries it wrote go in `appended`.
fn apply(
    log: &mut DutyLog,
    replica: usize,
    at: DateTime<Utc>,
    step: &Step,
    appended: &mut Vec<String>,
) -> Result<(), RecordError> {
    let editors = editors(replica);
    let [desk, _, sup, _] = &editors;
    let written = match step {
        Step::Append {
            category,
            text,
            important,
            follow_up,
            by,
        } => {
            let entry = NewEntry {
                text: ["  ", "resident called", "lift stuck"][usize::from(*text)].into(),
                category: CATEGORIES[usize::from(*category)],
                important: *important,
                follow_up: *follow_up,
            };
            log.append_entry(&editors[usize::from(*by)], at, entry)?
        }
        Step::Close { entry: pick } => {
            let target = entry(log, *pick);
            log.close_follow_up(desk, at, &target, "done")?
        }
        Step::Correct {
            entry: pick,
            follow_up,
        } => {
            let target = entry(log, *pick);
            let correction = NewEntry {
                text: format!("corrected on {replica}"),
                category: EntryCategory::Other,
                important: false,
                follow_up: *follow_up,
            };
            log.correct_entry(desk, at, &target, correction)?
        }
        Step::HandOver { acknowledge, short } => {
            let handover = handover(log, at, *acknowledge, *short);
            return log.hand_over(desk, at, handover);
        }
        Step::SignOff { by } => {
            let by = [sup, desk][usize::from(*by)];
            return log.sign_off(by, at, signature("sup"), "read");
        }
        // A duty log has no correctable field: every resolution is refused.
        Step::Resolve(conflict, value) => {
            return resolve(log.doc_mut(), desk, at, *conflict, *value);
        }
    };
    appended.push(written);
    Ok(())
}

fn ids(entries: &[LogEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.id.as_str()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn three_independently_opened_logs_converge_in_every_merge_order(rounds in rounds(step(), resolution())) {
        let logs: Vec<DutyLog> = (0..3).map(|_| opened()).collect();
        for log in &logs[1..] {
            // Opened apart, yet one record: the same first change everywhere.
            prop_assert_eq!(log.id(), logs[0].id());
            prop_assert_eq!(log.doc().heads(), logs[0].doc().heads());
        }
        let mut replicas = Replicas::new(logs);
        let mut appended = Vec::new();
        replicas.play(&rounds, |log, replica, at, step| {
            apply(log, replica, at, step, &mut appended)
        })?;
        let merged = replicas.assert_converge(|log| (log.view(), log.index_entry(Shanghai)))?;

        let view = merged.view();
        let merged_ids = ids(&view.entries);
        let distinct: BTreeSet<&str> = merged_ids.iter().copied().collect();
        prop_assert_eq!(distinct.len(), merged_ids.len(), "an entry is listed twice");
        for id in &appended {
            prop_assert!(distinct.contains(id.as_str()), "entry {} is lost", id);
        }
        let appended: BTreeSet<&str> = appended.iter().map(String::as_str).collect();
        prop_assert_eq!(&distinct, &appended, "the merged log lists entries nobody wrote");
        prop_assert_eq!(view.entry_count, appended.len());
    }
}
