//! Which docs/DOMAIN.md §1 and §5 deadlines a repair sheet has, and which it
//! waits on: every timed rule that applies to the sheet so far, each with
//! the step that keeps it and when that step was taken. The one number an
//! "open sheets by deadline" screen sorts by is the earliest unmet one; the
//! monthly tier table judges the same obligations. The rules themselves live
//! in [`crate::rules::repair`] and [`crate::rules::callbacks`].
//!
//! | obligation (rule) | from | kept by |
//! |---|---|---|
//! | engineering told: in-unit 3 min after the call, public area 10 min after the report | reported | dispatch |
//! | feasibility and fee decided 15 min after dispatch (in-unit, not on the price list) | dispatched | quote |
//! | technician on site (`repair_on_site_deadline`: tier, dispatch clock, paid item, appointment) | dispatched | arrival |
//! | urgency tier: on site or handled (extra urgent 10 min, urgent 15 min, normal same day or the agreed time) | reported | arrival, completion or decline, the first of them |
//! | completed or declined sheets handed back by 17:00 | completed / declined | hand-back |
//! | callback within 1 month of completion | completed | the first callback |
//! | follow-up by the date an unsatisfied callback set | that callback | the next callback |

use chrono_tz::Tz;

use super::view::RepairSheetView;
use crate::kinds::CallbackRecord;
use crate::rules::callbacks::{callback_after_repair, callback_follow_up};
use crate::rules::repair::{
    engineering_told_to_collect, public_area_engineering_told, quote_decided,
    repair_on_site_deadline, sheets_handed_back, urgency_deadline,
};
use crate::rules::{Deadline, Obligation, RepairLocation, RepairSituation, next_unmet};

/// The next unmet deadline of the sheet, if any.
pub fn next_deadline(view: &RepairSheetView, tz: Tz) -> Option<Deadline> {
    next_unmet(&obligations(view, tz))
}

/// Every timed obligation of the sheet so far, met or not.
pub fn obligations(view: &RepairSheetView, tz: Tz) -> Vec<Obligation> {
    let mut all = vec![engineering_told(view), tier(view, tz)];
    if let Some(dispatched_at) = view.dispatched_at {
        if needs_quote(view) {
            let quoted = view.quote.as_ref().map(|quote| quote.at);
            all.push(Obligation::new(quote_decided(dispatched_at), quoted));
        }
        all.push(Obligation::new(
            repair_on_site_deadline(&situation(view), tz),
            view.arrived_at,
        ));
    }
    let finished = view
        .completion
        .as_ref()
        .map(|done| done.at)
        .or(view.declined.as_ref().map(|declined| declined.at));
    if let Some(finished) = finished {
        all.push(Obligation::new(
            sheets_handed_back(finished, tz),
            view.handed_back_at,
        ));
    }
    if let Some(done) = &view.completion {
        all.extend(callback_obligations(
            callback_after_repair(done.at, tz),
            &view.callbacks,
        ));
    }
    all
}

/// Engineering is told (the sheet dispatched) within 3 or 10 minutes.
fn engineering_told(view: &RepairSheetView) -> Obligation {
    let deadline = match view.intake.location {
        RepairLocation::InUnit => engineering_told_to_collect(view.reported_at),
        RepairLocation::PublicArea => public_area_engineering_told(view.reported_at),
    };
    Obligation::new(deadline, view.dispatched_at)
}

/// The urgency tier's clock, ended by whichever of arrival, completion and
/// decline comes first: the obligation the monthly tier table counts.
pub fn tier(view: &RepairSheetView, tz: Tz) -> Obligation {
    let intake = &view.intake;
    let done = [
        view.arrived_at,
        view.completion.as_ref().map(|done| done.at),
        view.declined.as_ref().map(|declined| declined.at),
    ]
    .into_iter()
    .flatten()
    .min();
    Obligation::new(
        urgency_deadline(intake.urgency, view.reported_at, intake.appointment, tz),
        done,
    )
}

/// The first callback by `first`, then each follow-up an unsatisfied
/// callback set, kept by the next callback after it.
pub(crate) fn callback_obligations(first: Deadline, records: &[CallbackRecord]) -> Vec<Obligation> {
    let at = |index: usize| records.get(index).map(|record| record.at);
    let mut all = vec![Obligation::new(first, at(0))];
    for (index, record) in records.iter().enumerate() {
        if let (false, Some(by)) = (record.callback.satisfied, record.callback.follow_up_by) {
            all.push(Obligation::new(callback_follow_up(by), at(index + 1)));
        }
    }
    all
}

fn situation(view: &RepairSheetView) -> RepairSituation {
    let intake = &view.intake;
    RepairSituation {
        location: intake.location,
        on_price_list: intake.on_price_list,
        urgency: intake.urgency,
        reported_at: view.reported_at,
        appointment: intake.appointment,
        dispatched_at: view.dispatched_at,
    }
}

fn needs_quote(view: &RepairSheetView) -> bool {
    view.intake.location == RepairLocation::InUnit && !view.intake.on_price_list
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::kinds::repair_sheet::{Intake, RepairSheet};
    use crate::record::{Editor, Role};
    use crate::rules::{RuleId, Urgency};

    #[test]
    fn each_state_waits_on_its_rule() {
        let tz: Tz = "Asia/Shanghai".parse().expect("tz");
        let call = Utc
            .with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
            .single()
            .expect("time");
        let desk = Editor::new("desk", "pc", Role::FrontDesk);
        let tech = Editor::new("wang", "phone", Role::Technician);
        let intake = Intake {
            resident_name: "Li".into(),
            unit: "B1-101".into(),
            phone: "13800000000".into(),
            problem: "leak".into(),
            location: RepairLocation::InUnit,
            on_price_list: false,
            urgency: Urgency::Urgent,
            appointment: None,
        };
        let mut sheet =
            RepairSheet::open(&desk, call + Duration::minutes(1), "e", intake, call, None)
                .expect("open");
        let rule =
            |sheet: &RepairSheet| next_deadline(&sheet.view(), tz).map(|deadline| deadline.rule);
        assert_eq!(rule(&sheet), Some(RuleId::RepairEngineeringToldToCollect));
        sheet
            .dispatch(&desk, call + Duration::minutes(2), "wang")
            .expect("dispatch");
        // Two clocks run now: the quote (15 min after dispatch) and the
        // urgent tier (15 min after the call); the earlier one is waited on.
        assert_eq!(rule(&sheet), Some(RuleId::RepairUrgentHandled));
        assert_eq!(
            next_deadline(&sheet.view(), tz).expect("due").due,
            call + Duration::minutes(15)
        );
        let quote = obligations(&sheet.view(), tz)
            .into_iter()
            .find(|obligation| obligation.deadline.rule == RuleId::RepairQuoteDecided)
            .expect("a quote is due");
        assert_eq!(
            quote.deadline.due,
            call + Duration::minutes(17),
            "15 min after engineering took the sheet"
        );
        let sup = Editor::new("chen", "phone", Role::Supervisor);
        sheet
            .quote(&sup, call + Duration::minutes(5), true, Some(100), "")
            .expect("quote");
        assert_eq!(rule(&sheet), Some(RuleId::RepairUrgentHandled));
        sheet
            .arrive(&tech, call + Duration::minutes(9))
            .expect("arrive");
        assert_eq!(rule(&sheet), None, "arrival keeps the urgent tier's clock");
    }
}
