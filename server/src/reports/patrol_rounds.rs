//! Patrol rounds and their findings [docs/DOMAIN.md §2]: the officer signs in at
//! each checkpoint in the planned order, and each finding reaches whoever
//! acts on it in time (a damaged facility within 2 h, a broken plant-room
//! lock within 1 h, a hazard or a disturbance at once). Two tables let the
//! office list what went wrong in a week without loading a round:
//!
//! - `patrol_rounds`: one row per round (route, officer, start, finish) with
//!   the checkpoints it missed and those visited out of the planned order,
//!   as the round's view judges them, so a week's rounds and their problems
//!   are one range read;
//! - `patrol_findings`: one row per finding, with its reporting deadline
//!   (`rules::patrol::finding_report_deadline`; none for the kinds without
//!   a clock) and how many repair sheets were opened for it.
//!
//! Whether a finding is late (past its deadline with no repair sheet yet)
//! depends on the instant the report is read at, so that is decided then,
//! never stored.

use chrono::{DateTime, Utc};
use serde::Serialize;
use stairwell_core::kinds::patrol_round::PatrolRound;
use stairwell_core::rules::patrol::finding_report_deadline;

use super::code;

/// One round, as the week's list of rounds reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundSummary {
    pub record_id: String,
    pub estate: String,
    /// The route's name when the round started.
    pub route: String,
    pub officer: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Codes of the checkpoints missed: passed over, or left when finished.
    pub missed: Vec<String>,
    /// Codes of the check-ins that went back against the planned order.
    pub out_of_order: Vec<String>,
}

impl RoundSummary {
    /// The round missed a checkpoint or went out of the planned order.
    pub fn has_issues(&self) -> bool {
        !self.missed.is_empty() || !self.out_of_order.is_empty()
    }
}

/// One finding of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatrolFinding {
    /// The round.
    pub record_id: String,
    /// The `finding_added` event.
    pub finding_id: String,
    pub estate: String,
    /// The finding's category code (`facility_damage`, ...).
    pub category: String,
    pub description: String,
    pub location: String,
    pub found_at: DateTime<Utc>,
    /// When it must have reached engineering, the owner or the manager;
    /// `None` for the kinds without a timed deadline.
    pub due: Option<DateTime<Utc>>,
    pub due_rule: Option<String>,
    /// Repair sheets opened for it.
    pub repairs: u32,
}

impl PatrolFinding {
    /// Past its deadline at `now` with no repair sheet opened for it.
    pub fn late_at(&self, now: DateTime<Utc>) -> bool {
        self.repairs == 0 && self.due.is_some_and(|due| now > due)
    }
}

/// A round's row.
pub fn round_of(round: &PatrolRound) -> RoundSummary {
    let view = round.view();
    let header = round.doc().header();
    RoundSummary {
        record_id: header.id.to_string(),
        estate: header.estate.clone(),
        route: view.route_name.clone(),
        officer: view.officer.clone(),
        started_at: view.started_at,
        finished_at: view.finished_at,
        missed: view.missed().iter().map(|c| c.code.clone()).collect(),
        out_of_order: view.out_of_order().iter().map(|v| v.code.clone()).collect(),
    }
}

/// A round's findings, in the order they were recorded.
pub fn findings_of(round: &PatrolRound) -> Vec<PatrolFinding> {
    let view = round.view();
    let header = round.doc().header();
    let record_id = header.id.to_string();
    view.findings
        .iter()
        .map(|finding| {
            let deadline = finding_report_deadline(finding.report.category, finding.at);
            PatrolFinding {
                record_id: record_id.clone(),
                finding_id: finding.id.clone(),
                estate: header.estate.clone(),
                category: code(&finding.report.category),
                description: finding.report.description.clone(),
                location: finding.report.location.describe(),
                found_at: finding.at,
                due: deadline.map(|deadline| deadline.due),
                due_rule: deadline.map(|deadline| deadline.rule.code().to_owned()),
                repairs: u32::try_from(finding.repairs.len()).unwrap_or(u32::MAX),
            }
        })
        .collect()
}
