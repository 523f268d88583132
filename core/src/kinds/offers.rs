//! Which steps a screen offers on a record: those the role may take
//! ([`may`]) and the record's lifecycle admits now ([`Lifecycle::check`],
//! the very check the verbs and the server's judge run), asked with a
//! stand-in event of the step. A button shown is thus a step that would be
//! taken, and a step refused is never offered, on any screen.
//!
//! Steps whose admission depends on what the person enters (which
//! follow-ups a handover acknowledges) are offered when some entry would be
//! admitted; the verb's own check speaks for the rest.

use super::any::AnyRecord;
use super::common::{BlobHash, Callback, CallbackMethod, Signature};
use super::complaint::{ComplaintEvent, Department};
use super::duty_log::{DutyEvent, DutyLogView, Entry, EntryCategory, Handover};
use super::repair_sheet::RepairEvent;
use crate::record::{Lifecycle, Role, Verb, may};

/// Whether a screen should offer `verb` to `role` on `record` now.
pub fn offers(record: &AnyRecord, role: Role, verb: Verb) -> bool {
    may(role, verb) && admitted(record, verb)
}

fn admitted(record: &AnyRecord, verb: Verb) -> bool {
    match record {
        AnyRecord::RepairSheet(sheet) => {
            repair_stand_in(verb).is_some_and(|event| sheet.view().check(&event).is_ok())
        }
        AnyRecord::Complaint(complaint) => {
            complaint_stand_in(verb).is_some_and(|event| complaint.view().check(&event).is_ok())
        }
        AnyRecord::DutyLog(log) => {
            let view = log.view();
            duty_stand_in(&view, verb).is_some_and(|event| view.check(&event).is_ok())
        }
        _ => false,
    }
}

fn stand_in_signature() -> Option<Signature> {
    let blob: BlobHash = "0".repeat(64).parse().ok()?;
    Some(Signature {
        blob,
        signer: "-".to_owned(),
    })
}

fn stand_in_callback() -> Callback {
    Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied: true,
        outcome: String::new(),
        follow_up_by: None,
    }
}

fn repair_stand_in(verb: Verb) -> Option<RepairEvent> {
    Some(match verb {
        Verb::Dispatch => RepairEvent::Dispatched {
            technician: String::new(),
        },
        Verb::Quote => RepairEvent::Quoted {
            feasible: false,
            fee_cents: None,
            note: String::new(),
        },
        Verb::ConfirmReturn => RepairEvent::ReturnConfirmed,
        Verb::CallBack => RepairEvent::CalledBack(stand_in_callback()),
        _ => return None,
    })
}

fn complaint_stand_in(verb: Verb) -> Option<ComplaintEvent> {
    Some(match verb {
        Verb::DispatchComplaint => ComplaintEvent::Dispatched {
            department: Department::Property,
            person: None,
        },
        Verb::CallBack => ComplaintEvent::CalledBack(stand_in_callback()),
        _ => return None,
    })
}

/// A handover stands in acknowledging every open follow-up: whether the
/// incoming officer has read them is the form's to say, while important
/// unfinished work forbids any handover.
fn duty_stand_in(view: &DutyLogView, verb: Verb) -> Option<DutyEvent> {
    Some(match verb {
        Verb::AppendEntry => DutyEvent::EntryAppended(Entry {
            text: String::new(),
            category: EntryCategory::Other,
            important: false,
            follow_up: false,
            refers_to: None,
        }),
        Verb::HandOver => DutyEvent::HandedOver(Handover {
            outgoing: String::new(),
            incoming: String::new(),
            incoming_arrived_at: chrono::DateTime::UNIX_EPOCH,
            equipment: Vec::new(),
            acknowledged: view
                .open_follow_ups
                .iter()
                .map(|open| open.entry.clone())
                .collect(),
            outgoing_signature: stand_in_signature()?,
            incoming_signature: stand_in_signature()?,
        }),
        Verb::SignOff => DutyEvent::SignedOff {
            signature: stand_in_signature()?,
            comment: String::new(),
        },
        _ => return None,
    })
}
