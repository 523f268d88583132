//! What the server checks before it stores a pushed record, and why that
//! makes the device's rules and the server's one rulebook: every change the
//! push adds is read operation by operation (`changes.rs`), and every event
//! and field write in it is judged, in history order, against the record as
//! its author saw it, by the kind's own [`Rulebook`](crate::record::Rulebook)
//! (`history.rs`): the same function the verbs call before they append. A
//! change that no sequence of verbs by the pushing user could have made is
//! refused with the code that says why. Pure: the server supplies the
//! documents, the author and what it knows of the estate's staff.

pub(crate) mod changes;
mod history;
mod precheck;

pub use precheck::precheck;

use automerge::Change;
use chrono_tz::Tz;

use crate::kinds::AnyRecord;
use crate::kinds::checklist::ChecklistView;
use crate::kinds::checklist_template::ChecklistTemplateView;
use crate::kinds::complaint::ComplaintView;
use crate::kinds::duty_log::{DutyLog, DutyLogView};
use crate::kinds::patrol_round::PatrolRoundView;
use crate::kinds::repair_sheet::RepairSheetView;
use crate::kinds::route_template::RouteTemplateView;
use crate::protocol::{RefusalCode, Refused};
use crate::record::{
    Editor, Limits, RecordDoc, RecordError, RecordKind, Role, SHARED_CREATOR, Staff,
};
use changes::{Breach, Layout, layout_of_creation};
use history::Walk;

/// Who a sync request speaks for, as the server knows it from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub user: String,
    pub device: String,
    pub role: Role,
    pub estates: Vec<String>,
}

/// Everything a judgement needs beside the documents.
pub struct Context<'a> {
    pub author: &'a Author,
    /// The staff of the author's estates.
    pub staff: &'a dyn Staff,
    pub limits: &'a Limits,
    /// The time zone of the record's estate: a duty log's id names its day.
    pub tz: Tz,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("author", self.author)
            .field("limits", self.limits)
            .field("tz", &self.tz)
            .finish()
    }
}

impl Context<'_> {
    fn editor(&self) -> Editor {
        Editor::new(
            self.author.user.clone(),
            self.author.device.clone(),
            self.author.role,
        )
    }

    /// Everything a push writes names the token's user and device.
    fn written_by_author(&self, user: &str, device: &str, what: &str) -> Result<(), Breach> {
        if user == self.author.user && device == self.author.device {
            Ok(())
        } else {
            Err((
                RefusalCode::WrongAuthor,
                format!("{what} names {user} on {device}, not this device's user"),
            ))
        }
    }
}

/// What an accepted push added, as the judge read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// The ids of the events the push appended, for their receipt times.
    pub new_events: Vec<String>,
}

/// Checks a push that turns `before` (none for a new record) into `after`.
pub fn check_push(
    before: Option<&RecordDoc>,
    after: &RecordDoc,
    context: &Context<'_>,
) -> Result<Judgement, Refused> {
    judge_push(before, after, context).map_err(|(code, message)| Refused {
        id: after.id().to_string(),
        code,
        message,
    })
}

fn judge_push(
    before: Option<&RecordDoc>,
    after: &RecordDoc,
    context: &Context<'_>,
) -> Result<Judgement, Breach> {
    check_estate(after, context.author)?;
    let have = before.map(RecordDoc::heads).unwrap_or_default();
    let mut changes = after.automerge().get_changes(&have);
    let layout = match before {
        Some(before) => {
            if before.header() != after.header() {
                return Err((
                    RefusalCode::HeaderChanged,
                    "a record's kind, id, estate and creation never change".into(),
                ));
            }
            layout_of(before)?
        }
        None => {
            check_new_record(after, context)?;
            let creation = first_change(&mut changes)?;
            check_creation(after, &creation)?;
            layout_of_creation(&creation)?
        }
    };
    if let Some(second_root) = changes.iter().find(|change| change.deps().is_empty()) {
        return Err((
            RefusalCode::HeaderChanged,
            format!("a record has one first change, not {}", second_root.hash()),
        ));
    }
    let walk = Walk {
        before,
        after,
        layout: &layout,
        context,
    };
    let new_events = match after.kind() {
        RecordKind::RepairSheet => history::judge::<RepairSheetView>(&walk, &changes),
        RecordKind::RouteTemplate => history::judge::<RouteTemplateView>(&walk, &changes),
        RecordKind::PatrolRound => history::judge::<PatrolRoundView>(&walk, &changes),
        RecordKind::ChecklistTemplate => history::judge::<ChecklistTemplateView>(&walk, &changes),
        RecordKind::Checklist => history::judge::<ChecklistView>(&walk, &changes),
        RecordKind::Complaint => history::judge::<ComplaintView>(&walk, &changes),
        RecordKind::DutyLog => history::judge::<DutyLogView>(&walk, &changes),
    }?;
    AnyRecord::from_doc(after.clone()).map_err(|err| (RefusalCode::Invalid, err.to_string()))?;
    Ok(Judgement { new_events })
}

/// The refusal code and message of a rule a step breaks.
fn refusal_of(err: RecordError) -> Breach {
    let code = match &err {
        RecordError::Forbidden { .. } | RecordError::NotTheirs { .. } => RefusalCode::Forbidden,
        RecordError::OverLimit { .. } => RefusalCode::OverLimit,
        RecordError::SchemaTooNew { .. } => RefusalCode::SchemaTooNew,
        RecordError::NotNow { .. }
        | RecordError::Invalid { .. }
        | RecordError::Malformed(_)
        | RecordError::WrongKind { .. } => RefusalCode::Invalid,
    };
    (code, err.to_string())
}

fn check_estate(record: &RecordDoc, author: &Author) -> Result<(), Breach> {
    let estate = &record.header().estate;
    if author.estates.iter().any(|own| own == estate) {
        Ok(())
    } else {
        Err((
            RefusalCode::WrongEstate,
            format!("{} does not work at estate {estate}", author.user),
        ))
    }
}

/// A new record is created by its pusher, under an id no one else needs:
/// a duty log only under the id of its estate and day, every other record
/// under a random id, which can never be a derived one.
fn check_new_record(after: &RecordDoc, context: &Context<'_>) -> Result<(), Breach> {
    let header = after.header();
    let shared = header.kind == RecordKind::DutyLog;
    let creator = if shared {
        SHARED_CREATOR
    } else {
        context.author.user.as_str()
    };
    if header.created_by != creator {
        return Err((
            RefusalCode::WrongAuthor,
            format!("the record says it was created by {}", header.created_by),
        ));
    }
    let fits = if shared {
        DutyLog::is_canonical(header, context.tz)
    } else {
        header.id.is_random()
    };
    if fits {
        Ok(())
    } else {
        Err((
            RefusalCode::ReservedId,
            format!(
                "{} is not an id a {} of {} may have",
                header.id, header.kind, header.estate
            ),
        ))
    }
}

/// A shared record (the duty log) starts with the one first change every
/// device makes alike, so that two desks' copies merge into one.
fn check_creation(after: &RecordDoc, creation: &Change) -> Result<(), Breach> {
    let header = after.header();
    if header.kind != RecordKind::DutyLog {
        return Ok(());
    }
    let canonical =
        RecordDoc::create_shared(header.kind, header.id, &header.estate, header.created_at)
            .map_err(|err| (RefusalCode::Invalid, err.to_string()))?;
    if canonical.heads() == vec![creation.hash()] {
        Ok(())
    } else {
        Err((
            RefusalCode::HeaderChanged,
            "a duty log starts with the first change every desk makes alike".into(),
        ))
    }
}

fn first_change(changes: &mut Vec<Change>) -> Result<Change, Breach> {
    match changes.iter().position(|change| change.deps().is_empty()) {
        Some(index) => Ok(changes.remove(index)),
        None => Err((
            RefusalCode::NotARecord,
            "a new record starts with its first change".into(),
        )),
    }
}

fn layout_of(doc: &RecordDoc) -> Result<Layout, Breach> {
    let key = |name: &str| {
        doc.container_key(name)
            .ok_or_else(|| (RefusalCode::NotARecord, format!("the record has no {name}")))
    };
    Ok(Layout {
        events: key("events")?,
        fields: key("fields")?,
        received: key("received")?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::kinds::repair_sheet::{Intake, RepairSheet};
    use crate::record::{Editor, Role, Verb};
    use crate::rules::{RepairLocation, Urgency};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_413_200, 0).expect("time") + Duration::minutes(minute)
    }

    /// The staff of estate e1.
    struct E1;

    impl Staff for E1 {
        fn role_at(&self, estate: &str, user: &str) -> Option<Role> {
            match (estate, user) {
                ("e1", "wang" | "zhao") => Some(Role::Technician),
                ("e1", "lin") => Some(Role::FrontDesk),
                ("e1", "liu") => Some(Role::Patrol),
                _ => None,
            }
        }
    }

    fn judged(before: &RecordDoc, after: &RecordDoc, editor: &Editor) -> Result<(), Refused> {
        let author = Author {
            user: editor.user.clone(),
            device: editor.device.clone(),
            role: editor.role,
            estates: vec!["e1".into()],
        };
        let context = Context {
            author: &author,
            staff: &E1,
            limits: &Limits::default(),
            tz: chrono_tz::Asia::Shanghai,
        };
        check_push(Some(before), after, &context).map(drop)
    }

    fn dispatched_sheet() -> RepairSheet {
        let desk = Editor::new("lin", "desk", Role::FrontDesk);
        let intake = Intake {
            resident_name: "Li".into(),
            unit: "B1-101".into(),
            phone: "13800000000".into(),
            problem: "leak".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let mut sheet = RepairSheet::open(&desk, at(1), "e1", intake, at(0), None).expect("open");
        sheet.dispatch(&desk, at(2), "wang").expect("dispatch");
        sheet
    }

    #[test]
    fn only_the_assigned_technician_records_arrival() {
        let before = dispatched_sheet();
        // A doctored phone skips the verb's own check: the server still refuses.
        let zhao = Editor::new("zhao", "phone-zhao", Role::Technician);
        let mut after = RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
            .expect("kind");
        after
            .doc_mut()
            .edit(&zhao, at(3), Verb::Arrive, |write| {
                write
                    .append(&crate::kinds::repair_sheet::RepairEvent::Arrived)
                    .map(drop)
            })
            .expect("forged arrival");
        let refused = judged(before.doc(), after.doc(), &zhao).expect_err("refused");
        assert_eq!(refused.code, RefusalCode::Forbidden);

        let wang = Editor::new("wang", "phone-wang", Role::Technician);
        let mut honest =
            RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
                .expect("kind");
        honest.arrive(&wang, at(3)).expect("arrive");
        judged(before.doc(), honest.doc(), &wang).expect("accepted");
    }

    #[test]
    fn a_role_that_may_not_act_is_refused() {
        let before = dispatched_sheet();
        let patrol = Editor::new("liu", "phone-liu", Role::Patrol);
        let mut after = RepairSheet::from_doc(RecordDoc::load(&before.doc().save()).expect("load"))
            .expect("kind");
        after
            .doc_mut()
            .edit(
                &Editor::new("liu", "phone-liu", Role::Admin),
                at(3),
                Verb::Dispatch,
                |write| {
                    write
                        .append(&crate::kinds::repair_sheet::RepairEvent::Dispatched {
                            technician: "wang".into(),
                        })
                        .map(drop)
                },
            )
            .expect("forged");
        let refused = judged(before.doc(), after.doc(), &patrol).expect_err("refused");
        assert_eq!(refused.code, RefusalCode::Forbidden);
    }

    #[test]
    fn a_checklist_filled_in_offline_is_judged_in_one_push() {
        use crate::kinds::Signature;
        use crate::kinds::checklist::{Checklist, ItemResult, Site};
        use crate::kinds::checklist_template::{ChecklistTemplate, TemplateType, standard_items};

        let supervisor = Editor::new("chen", "phone-chen", Role::Supervisor);
        let kind = TemplateType::PublicAreaInspection;
        let template = ChecklistTemplate::define(
            &supervisor,
            at(0),
            "e1",
            "sheet",
            kind,
            standard_items(kind),
        )
        .expect("template");
        let liu = Editor::new("liu", "phone-liu", Role::Patrol);
        let site = Site::new("B2", "12F", None);
        let mut list = Checklist::start(&liu, at(1), "e1", template.plan(), site).expect("start");
        let before = list.doc().clone();
        // Every item answered, one failed, then signed: the signing names
        // the failed item, which the judge reads from the answers written
        // in the same push.
        let items: Vec<String> = list
            .view()
            .items
            .iter()
            .map(|s| s.item.id.clone())
            .collect();
        for (n, item) in items.iter().enumerate() {
            let (result, note) = if n == 0 {
                (ItemResult::Fail, "cracked")
            } else {
                (ItemResult::Pass, "")
            };
            list.set_item(&liu, at(2), item, result, note).expect("set");
        }
        let signature = Signature::new("ab".repeat(32).parse().expect("hash"), "Liu").expect("sig");
        list.sign(&liu, at(3), signature, None).expect("sign");
        judged(&before, list.doc(), &liu).expect("accepted");
    }
}
