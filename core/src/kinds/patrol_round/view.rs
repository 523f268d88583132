//! A patrol round's derived state: a pure fold over its events in history
//! order (see [`crate::record::replay`]). Its [`Lifecycle::check`] is the one
//! statement of what a round accepts when; order is judged here, never
//! enforced, because a phone must not refuse a visit that really happened.

use crate::rules::Deadline;
use crate::rules::patrol::finding_report_deadline;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::events::{CheckInMethod, FindingReport, RoundEvent};
use crate::kinds::route_template::{Checkpoint, RoutePlan};
use crate::kinds::{Note, Photo};
use crate::record::{Event, Lifecycle, RecordId, TimelineEntry, replay};

/// The lifecycle of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    InProgress,
    Finished,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::InProgress => "in_progress",
            RoundState::Finished => "finished",
        }
    }
}

/// One check-in at a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    /// The id of the `checked_in` event.
    pub event: String,
    pub code: String,
    pub method: CheckInMethod,
    pub user: String,
    pub at: DateTime<Utc>,
    /// False when the officer went back to a checkpoint planned before one
    /// already visited. A skipped checkpoint shows in
    /// [`PatrolRoundView::missed`] instead, so one skip is not counted
    /// against every visit after it.
    pub in_order: bool,
    /// The checkpoint had been visited before; repeats are recorded but not
    /// judged for order.
    pub repeat: bool,
}

/// A planned checkpoint and its visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckpointVisits {
    pub checkpoint: Checkpoint,
    pub visits: Vec<Visit>,
}

/// A finding with the repair sheets opened for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The id of the `finding_added` event.
    pub id: String,
    #[serde(flatten)]
    pub report: FindingReport,
    pub user: String,
    pub at: DateTime<Utc>,
    pub repairs: Vec<RecordId>,
}

/// Everything a screen shows about a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolRoundView {
    pub state: RoundState,
    pub route: RecordId,
    pub route_name: String,
    pub route_version: u32,
    /// Who started the round.
    pub officer: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The planned checkpoints, in planned order, with their visits.
    pub checkpoints: Vec<CheckpointVisits>,
    /// Every check-in, in history order.
    pub check_ins: Vec<Visit>,
    /// Whether no check-in went back against the planned order.
    pub in_order: bool,
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub photos: Vec<Photo>,
    pub timeline: Vec<TimelineEntry>,
    #[serde(skip)]
    pub(super) started: bool,
    /// The planned index of the furthest checkpoint visited so far.
    #[serde(skip)]
    furthest: Option<usize>,
}

impl PatrolRoundView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(events: &[Event<RoundEvent>]) -> Self {
        let started_at = events
            .first()
            .map_or(DateTime::<Utc>::MIN_UTC, |event| event.at);
        let mut view = PatrolRoundView {
            state: RoundState::InProgress,
            route: RecordId::from_uuid(uuid::Uuid::nil()),
            route_name: String::new(),
            route_version: 0,
            officer: String::new(),
            started_at,
            finished_at: None,
            checkpoints: Vec::new(),
            check_ins: Vec::new(),
            in_order: true,
            findings: Vec::new(),
            notes: Vec::new(),
            photos: Vec::new(),
            timeline: Vec::new(),
            started: false,
            furthest: None,
        };
        view.timeline = replay(&mut view, events);
        view
    }

    /// The first planned checkpoint not yet visited: where the officer
    /// should go next.
    pub fn next_checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoints
            .iter()
            .find(|planned| planned.visits.is_empty())
            .map(|planned| &planned.checkpoint)
    }

    /// Checkpoints not visited that the officer has already passed (planned
    /// before the furthest one visited) or, once finished, every one left.
    pub fn missed(&self) -> Vec<&Checkpoint> {
        let passed = match self.state {
            RoundState::Finished => self.checkpoints.len(),
            RoundState::InProgress => self.furthest.unwrap_or(0),
        };
        self.checkpoints[..passed]
            .iter()
            .filter(|planned| planned.visits.is_empty())
            .map(|planned| &planned.checkpoint)
            .collect()
    }

    /// The check-ins that went back against the planned order.
    pub fn out_of_order(&self) -> Vec<&Visit> {
        self.check_ins
            .iter()
            .filter(|visit| !visit.in_order)
            .collect()
    }

    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.id == id)
    }

    fn start(&mut self, plan: &RoutePlan, event: &Event<RoundEvent>) {
        self.route = plan.route;
        self.route_name = plan.name.clone();
        self.route_version = plan.version;
        self.officer = event.user.clone();
        self.started_at = event.at;
        self.checkpoints = plan
            .checkpoints
            .iter()
            .map(|checkpoint| CheckpointVisits {
                checkpoint: checkpoint.clone(),
                visits: Vec::new(),
            })
            .collect();
        self.started = true;
    }

    fn check_in(&mut self, code: &str, method: CheckInMethod, event: &Event<RoundEvent>) {
        let Some(index) = self.position(code) else {
            return;
        };
        let repeat = !self.checkpoints[index].visits.is_empty();
        let in_order = repeat || self.furthest.is_none_or(|furthest| index > furthest);
        if !repeat {
            self.furthest = self.furthest.max(Some(index));
        }
        let visit = Visit {
            event: event.id.clone(),
            code: code.to_owned(),
            method,
            user: event.user.clone(),
            at: event.at,
            in_order,
            repeat,
        };
        self.in_order &= in_order;
        self.checkpoints[index].visits.push(visit.clone());
        self.check_ins.push(visit);
    }

    fn position(&self, code: &str) -> Option<usize> {
        self.checkpoints
            .iter()
            .position(|planned| planned.checkpoint.code == code)
    }

    /// The finding a repair sheet is opened for; why not if there is none.
    pub(crate) fn known_finding(&self, id: &str) -> Result<&Finding, String> {
        self.finding(id)
            .ok_or_else(|| format!("the round has no finding {id}"))
    }

    /// Whether `repair` may be linked to `finding`; why not if not.
    fn linkable(&self, finding: &str, repair: RecordId) -> Result<(), String> {
        if self.known_finding(finding)?.repairs.contains(&repair) {
            Err(format!("repair sheet {repair} is already linked"))
        } else {
            Ok(())
        }
    }
}

impl Lifecycle for PatrolRoundView {
    type Event = RoundEvent;

    fn check(&self, event: &RoundEvent) -> Result<(), String> {
        let finished = self.state == RoundState::Finished;
        match event {
            RoundEvent::Started(_) if self.started => Err("the round has already started".into()),
            RoundEvent::Started(_) => Ok(()),
            _ if !self.started => Err("the round has not started".into()),
            RoundEvent::CheckedIn { .. } | RoundEvent::FindingAdded(_) | RoundEvent::Finished
                if finished =>
            {
                Err("the round is finished".into())
            }
            RoundEvent::CheckedIn { code, .. } if self.position(code).is_none() => {
                Err(format!("{code:?} is not a checkpoint of this round"))
            }
            RoundEvent::RepairLinked { finding, repair } => self.linkable(finding, *repair),
            RoundEvent::CheckedIn { .. }
            | RoundEvent::FindingAdded(_)
            | RoundEvent::Finished
            | RoundEvent::NoteAdded { .. }
            | RoundEvent::PhotoAttached { .. } => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event<RoundEvent>) {
        let at = event.at;
        match &event.body {
            RoundEvent::Started(plan) => self.start(plan, event),
            RoundEvent::CheckedIn { code, method } => self.check_in(code, *method, event),
            RoundEvent::FindingAdded(report) => self.findings.push(Finding {
                id: event.id.clone(),
                report: report.clone(),
                user: event.user.clone(),
                at,
                repairs: Vec::new(),
            }),
            RoundEvent::RepairLinked { finding, repair } => {
                if let Some(found) = self.findings.iter_mut().find(|f| &f.id == finding) {
                    found.repairs.push(*repair);
                }
            }
            RoundEvent::NoteAdded { text } => self.notes.push(Note {
                text: text.clone(),
                user: event.user.clone(),
                at,
            }),
            RoundEvent::PhotoAttached { blob, caption } => self.photos.push(Photo {
                blob: blob.clone(),
                caption: caption.clone(),
                user: event.user.clone(),
                at,
            }),
            RoundEvent::Finished => {
                self.finished_at = Some(at);
                self.state = RoundState::Finished;
            }
        }
    }
}

impl PatrolRoundView {
    /// The earliest reporting deadline (docs/DOMAIN.md §2) of a finding that has
    /// not yet opened a repair sheet.
    pub fn next_report_deadline(&self) -> Option<Deadline> {
        self.findings
            .iter()
            .filter(|finding| finding.repairs.is_empty())
            .filter_map(|finding| finding_report_deadline(finding.report.category, finding.at))
            .min_by_key(|deadline| deadline.due)
    }
}
