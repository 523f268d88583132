//! A stable name for every rule. Deadlines and rate reports carry one, so an
//! office screen can say which rule a late sheet broke, documents can store
//! it (as the `code`), and a test can be traced back to a line of docs/DOMAIN.md.
//! The table below is the single list: code, description and `ALL` are
//! generated from it, so they cannot drift apart.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! rule_table {
    ($($variant:ident => $code:literal, $describe:literal;)*) => {
        /// Every rule of docs/DOMAIN.md the product computes or checks.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $(#[doc = $describe] $variant,)*
        }

        impl RuleId {
            /// Every rule, in docs/DOMAIN.md order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The stable name stored in documents; never change a published one.
            pub fn code(self) -> &'static str {
                match self { $(RuleId::$variant => $code,)* }
            }

            /// A short English sentence for screens and reports.
            pub fn describe(self) -> &'static str {
                match self { $(RuleId::$variant => $describe,)* }
            }
        }
    };
}

rule_table! {
    RepairFrontDeskWritesSheet => "repair.front_desk_writes_sheet",
        "front desk writes the sheet within 2 min of the call";
    RepairEngineeringToldToCollect => "repair.engineering_told_to_collect",
        "front desk tells engineering to collect the sheet within 3 min of the call";
    RepairPublicAreaEngineeringTold => "repair.public_area_engineering_told",
        "engineering is told of a public-area fault within 10 min of the report";
    RepairPublicAreaTechnicianOnSite => "repair.public_area_technician_on_site",
        "a technician is on site for a public-area fault within 15 min of dispatch";
    RepairPaidNowTechnicianOnSite => "repair.paid_now_technician_on_site",
        "for a price-list item wanted now, the technician is on site within 10 min of taking the sheet";
    RepairPaidAppointmentTechnicianOnSite => "repair.paid_appointment_technician_on_site",
        "for a paid item with an appointment, the technician is on site 5 min before it";
    RepairQuoteDecided => "repair.quote_decided",
        "for an item not on the price list, feasibility and fee are decided within 15 min of engineering receiving the sheet";
    RepairExtraUrgentHandled => "repair.extra_urgent_handled",
        "an extra-urgent repair is on site or handled within 10 min of the report";
    RepairUrgentHandled => "repair.urgent_handled",
        "an urgent repair is on site or handled within 15 min of the report";
    RepairNormalHandled => "repair.normal_handled",
        "a normal repair is handled the same local day, or at the agreed time";
    RepairSheetsHandedBack => "repair.sheets_handed_back",
        "the technician hands the day's completed sheets back by 17:00 local";
    RepairSheetsPassedToFinance => "repair.sheets_passed_to_finance",
        "front desk passes the month's completed sheets to finance by the 25th";
    PatrolFacilityDamageReported => "patrol.facility_damage_reported",
        "a damaged or faulty shared facility is reported to engineering within 2 h";
    PatrolPlantRoomLockReported => "patrol.plant_room_lock_reported",
        "engineering is told of a plant-room door with a broken lock within 1 h";
    PatrolCleanlinessHandled => "patrol.cleanliness_handled",
        "a cleanliness problem is handled at once";
    PatrolUnitHazardOwnerTold => "patrol.unit_hazard_owner_told",
        "the owner is told of a safety hazard at a unit at once";
    PatrolDisturbanceReported => "patrol.disturbance_reported",
        "a dispute, crowd or gambling is reported to the estate manager at once";
    PatrolFloorCoverage => "patrol.floor_coverage",
        "every floor of every building and all shared facilities are covered twice a week";
    PatrolVacantUnitChecked => "patrol.vacant_unit_checked",
        "each vacant unit is cleaned and checked every half month";
    PatrolYesterdaysRepairsChecked => "patrol.yesterdays_repairs_checked",
        "each afternoon officers check the repairs completed yesterday";
    RenovationFormalAcceptanceArranged => "renovation.formal_acceptance_arranged",
        "formal renovation acceptance is arranged within 2 working days of the resident's notice";
    RenovationAcceptanceOrganised => "renovation.acceptance_organised",
        "renovation acceptance is organised within 3 days of the application";
    RenovationDefectsFixed => "renovation.defects_fixed",
        "renovation defects are fixed within 2 weeks";
    RenovationDepositRefunded => "renovation.deposit_refunded",
        "the renovation deposit is refunded 3 months after a passed formal acceptance";
    ComplaintSeriousReported => "complaint.serious_reported",
        "a serious complaint is reported to company management at once";
    HelpRequestAnswered => "help_request.answered",
        "a help request not solved at once is answered within 10 min";
    ComplaintTimelinessRate => "complaint.timeliness_rate",
        "complaint timeliness rate = complaints handled on time / all complaints of the month";
    ComplaintHandled => "complaint.handled",
        "a complaint is handled by the end of the local day after it was received";
    CallbackAfterComplaint => "callback.after_complaint",
        "a handled complaint is called back within 3 days";
    CallbackAfterRepair => "callback.after_repair",
        "a completed repair is called back within 1 month";
    CallbackAfterCommunityEvent => "callback.after_community_event",
        "a community event is called back within 1 month";
    CallbackFollowUp => "callback.follow_up",
        "a resident a callback left unsatisfied is called again by the follow-up date that callback set";
    CallbackShareComplaint => "callback.share_complaint",
        "at least 50% of handled complaints are called back";
    CallbackShareRepair => "callback.share_repair",
        "at least 30% of completed repairs are called back";
    CallbackShareCommunityEvent => "callback.share_community_event",
        "at least 10% of community-event participants are called back";
    CallbackIssuesAllHandled => "callback.issues_all_handled",
        "every problem raised in a callback is handled";
    DutyDayBounds => "duty.day_bounds",
        "the duty day runs from 08:30 to 08:30 the next day, local";
    DutyHandoverArrival => "duty.handover_arrival",
        "the incoming duty officer arrives 5 min before the duty day starts";
    DutyLogRetention => "duty.log_retention",
        "the duty log is kept for 3 years";
}

impl RuleId {
    /// The rule a stored code names, if any.
    pub fn from_code(code: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|rule| rule.code() == code)
    }
}

/// Stored as its code, the same string screens and logs show.
impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        RuleId::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code {code:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_codes_are_unique() {
        let codes: HashSet<_> = RuleId::ALL.iter().map(|rule| rule.code()).collect();
        assert_eq!(codes.len(), RuleId::ALL.len());
    }

    #[test]
    fn rule_codes_are_dotted_snake_case() {
        for rule in RuleId::ALL {
            let code = rule.code();
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                    && code.matches('.').count() == 1,
                "{code}"
            );
        }
    }

    #[test]
    fn rule_code_round_trips_through_serde() {
        for &rule in RuleId::ALL {
            let stored = serde_json::to_string(&rule).expect("a code serialises");
            let read: RuleId = serde_json::from_str(&stored).expect("own code reads back");
            assert_eq!(read, rule);
        }
    }

    #[test]
    fn unknown_rule_code_is_rejected() {
        assert!(serde_json::from_str::<RuleId>(r#""repair.made_up""#).is_err());
    }

    #[test]
    fn every_rule_is_described() {
        assert!(RuleId::ALL.iter().all(|rule| !rule.describe().is_empty()));
    }
}
