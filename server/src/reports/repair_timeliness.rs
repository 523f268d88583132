//! Repair deadlines by urgency tier [docs/DOMAIN.md §1, §2.5]: extra-urgent on site
//! or handled within 10 minutes, urgent within 15, normal the same day or at
//! the agreed time. `repair_timeliness` keeps one row per repair sheet: its
//! urgency, when it was reported, its tier's deadline
//! (`kinds::repair_sheet::tier`, the obligation the sheet's screens show),
//! when it was done, whether that was in
//! time, and the local month it was reported in, so the monthly report's
//! tier table is one `GROUP BY` instead of a load of every sheet.
//!
//! A sheet is done at the earliest of the technician's arrival, the
//! completion and the resident declining the job: whichever ends the wait
//! the tier's clock measures. A sheet not done yet has no `on_time`; whether
//! it is late (past its deadline) or pending (still in time) depends on the
//! instant the report is read at, so the query decides it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::repair_sheet::{self, RepairSheet};
use stairwell_core::rules::rates::month_of;
use stairwell_core::rules::{RuleId, Urgency};

use super::complaint_timeliness::month_name;

/// One repair sheet against its urgency tier's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairTiming {
    pub record_id: String,
    pub estate: String,
    /// What is broken.
    pub title: String,
    pub urgency: Urgency,
    pub reported_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub due_rule: String,
    /// Arrival, completion or decline, whichever came first.
    pub done_at: Option<DateTime<Utc>>,
    /// Whether it was done by `due`; `None` until it is done.
    pub on_time: Option<bool>,
    /// The local month it was reported in, `YYYY-MM`.
    pub month: String,
}

/// One urgency tier's sheets in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierRates {
    pub urgency: Urgency,
    pub rule: RuleId,
    pub sheets: u32,
    /// Done by the deadline.
    pub on_time: u32,
    /// Done after the deadline, or not done and past it.
    pub late: u32,
    /// Not done, still in time.
    pub pending: u32,
}

impl TierRates {
    /// A tier with nothing counted yet.
    pub fn empty(urgency: Urgency) -> TierRates {
        let rule = match urgency {
            Urgency::ExtraUrgent => RuleId::RepairExtraUrgentHandled,
            Urgency::Urgent => RuleId::RepairUrgentHandled,
            Urgency::Normal => RuleId::RepairNormalHandled,
        };
        TierRates {
            urgency,
            rule,
            sheets: 0,
            on_time: 0,
            late: 0,
            pending: 0,
        }
    }

    /// On time / judged (on time + late); none before anything is judged.
    pub fn percent(&self) -> Option<f64> {
        let judged = self.on_time + self.late;
        (judged > 0).then(|| f64::from(self.on_time) * 100.0 / f64::from(judged))
    }

    pub fn code(&self) -> &'static str {
        match self.urgency {
            Urgency::ExtraUrgent => "extra_urgent",
            Urgency::Urgent => "urgent",
            Urgency::Normal => "normal",
        }
    }
}

/// The tiers in the order the report lists them.
pub const TIERS: [Urgency; 3] = [Urgency::ExtraUrgent, Urgency::Urgent, Urgency::Normal];

/// The row of a repair sheet.
pub fn of_repair(sheet: &RepairSheet, tz: Tz) -> RepairTiming {
    let view = sheet.view();
    let intake = &view.intake;
    // The very obligation the sheet's screens wait on.
    let tier = repair_sheet::tier(&view, tz);
    let (deadline, done) = (tier.deadline, tier.met_at);
    RepairTiming {
        record_id: sheet.id().to_string(),
        estate: sheet.doc().header().estate.clone(),
        title: intake.problem.clone(),
        urgency: intake.urgency,
        reported_at: view.reported_at,
        due: deadline.due,
        due_rule: deadline.rule.code().to_owned(),
        done_at: done,
        on_time: tier.on_time(),
        month: month_name(month_of(view.reported_at, tz)),
    }
}
