//! Which docs/DOMAIN.md §1 deadline a repair sheet is waiting on, by its state: the
//! one number an "open sheets by deadline" screen sorts by. The rules
//! themselves live in [`crate::rules::repair`] and
//! [`crate::rules::callbacks`]; this file only picks the one that applies.

use chrono_tz::Tz;

use super::view::{RepairSheetView, RepairState};
use crate::rules::callbacks::callback_after_repair;
use crate::rules::repair::{
    engineering_told_to_collect, public_area_engineering_told, quote_decided,
    repair_on_site_deadline, sheets_handed_back, urgency_deadline,
};
use crate::rules::{Deadline, RepairLocation, RepairSituation};

/// The next deadline of the sheet's current step, if any.
pub fn next_deadline(view: &RepairSheetView, tz: Tz) -> Option<Deadline> {
    let intake = &view.intake;
    let situation = RepairSituation {
        location: intake.location,
        on_price_list: intake.on_price_list,
        urgency: intake.urgency,
        reported_at: view.reported_at,
        appointment: intake.appointment,
        dispatched_at: view.dispatched_at,
    };
    match view.state {
        RepairState::Reported => Some(match intake.location {
            RepairLocation::InUnit => engineering_told_to_collect(view.reported_at),
            RepairLocation::PublicArea => public_area_engineering_told(view.reported_at),
        }),
        RepairState::Dispatched if needs_quote(view) => view.dispatched_at.map(quote_decided),
        RepairState::Dispatched | RepairState::Quoted => {
            Some(repair_on_site_deadline(&situation, tz))
        }
        RepairState::OnSite | RepairState::Agreed => Some(urgency_deadline(
            intake.urgency,
            view.reported_at,
            intake.appointment,
            tz,
        )),
        RepairState::Completed => view
            .completion
            .as_ref()
            .map(|done| sheets_handed_back(done.at, tz)),
        RepairState::Declined => view
            .declined
            .as_ref()
            .map(|declined| sheets_handed_back(declined.at, tz)),
        RepairState::HandedBack => None,
        RepairState::Returned | RepairState::CalledBack if !view.callback_settled() => view
            .completion
            .as_ref()
            .map(|done| callback_after_repair(done.at, tz)),
        RepairState::Returned | RepairState::CalledBack => None,
    }
}

fn needs_quote(view: &RepairSheetView) -> bool {
    view.intake.location == RepairLocation::InUnit
        && !view.intake.on_price_list
        && view.quote.is_none()
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
        assert_eq!(rule(&sheet), Some(RuleId::RepairQuoteDecided));
        let due = next_deadline(&sheet.view(), tz).expect("due").due;
        assert_eq!(
            due,
            call + Duration::minutes(17),
            "15 min after engineering took the sheet"
        );
        let sup = Editor::new("chen", "phone", Role::Supervisor);
        sheet
            .quote(&sup, call + Duration::minutes(5), true, Some(100), "")
            .expect("quote");
        assert!(rule(&sheet).is_some());
        sheet
            .arrive(&tech, call + Duration::minutes(9))
            .expect("arrive");
        assert_eq!(rule(&sheet), Some(RuleId::RepairUrgentHandled));
    }
}
