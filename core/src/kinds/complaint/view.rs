//! A complaint's derived state: a pure fold over its events in history order
//! (see [`crate::record::replay`]). Its [`Lifecycle::check`] is the one
//! statement of which step may follow which (docs/DOMAIN.md §4, §5).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::events::ComplaintEvent;
use super::intake::{CallbackBy, Channel, Department, FourClears, Intake};
use crate::kinds::{Callback, CallbackRecord, Satisfaction, Signature};
use crate::record::{Conflict, Event, Lifecycle, RecordId, TimelineEntry, replay};

/// The lifecycle of a complaint or help request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Received,
    Dispatched,
    /// Handled by the department, or a help request solved by its answer.
    Handled,
    SignedOff,
    CalledBack,
    /// Closed: another complaint carries the case.
    Duplicate,
}

impl ComplaintState {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintState::Received => "received",
            ComplaintState::Dispatched => "dispatched",
            ComplaintState::Handled => "handled",
            ComplaintState::SignedOff => "signed_off",
            ComplaintState::CalledBack => "called_back",
            ComplaintState::Duplicate => "duplicate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchRecord {
    pub department: Department,
    pub person: Option<String>,
    pub user: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    pub to: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub reply: String,
    pub solved: bool,
    pub user: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadReport {
    pub head: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handling {
    pub action: String,
    pub handled_at: DateTime<Utc>,
    pub user: String,
    /// When the handling was written down.
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidentSignOff {
    pub signature: Signature,
    pub rating: Satisfaction,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a complaint or help request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintView {
    pub state: ComplaintState,
    pub intake: Intake,
    pub channel: Channel,
    pub clears: FourClears,
    pub received_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub dispatches: Vec<DispatchRecord>,
    /// The first dispatch.
    pub dispatched_at: Option<DateTime<Utc>>,
    pub escalation: Option<Escalation>,
    /// Major or flagged serious: management is told before handling.
    pub escalation_required: bool,
    /// Required and not yet done.
    pub escalation_pending: bool,
    /// Required, and handling came before the escalation (or without one).
    /// Escalation flags rather than blocks: a phone offline in a basement
    /// must still record the work it did.
    pub escalation_overdue: bool,
    pub answers: Vec<Answer>,
    /// The first answer to a help request (answered at once).
    pub answered_at: Option<DateTime<Utc>>,
    pub solved_at: Option<DateTime<Utc>>,
    pub head_report: Option<HeadReport>,
    /// The first answer after the head report (due within 10 minutes).
    pub head_answered_at: Option<DateTime<Utc>>,
    pub handlings: Vec<Handling>,
    /// The earliest time the case was handled or solved; with
    /// `received_at`, what the timeliness rate reads.
    pub handled_at: Option<DateTime<Utc>>,
    pub sign_off: Option<ResidentSignOff>,
    pub callbacks: Vec<CallbackRecord>,
    /// Who should call back, by the current seriousness.
    pub callback_by: CallbackBy,
    pub duplicate_of: Option<RecordId>,
    pub timeline: Vec<TimelineEntry>,
    pub conflicts: Vec<Conflict>,
    /// Whether the `opened` event has been folded; a second one never counts.
    #[serde(skip)]
    pub(super) opened: bool,
}

impl ComplaintView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(
        intake: Intake,
        events: &[Event<ComplaintEvent>],
        conflicts: Vec<Conflict>,
    ) -> Self {
        let opened_at = events
            .first()
            .map_or(DateTime::<Utc>::MIN_UTC, |event| event.at);
        let mut view = ComplaintView {
            state: ComplaintState::Received,
            callback_by: intake.seriousness.called_back_by(),
            escalation_required: intake.needs_escalation(),
            intake,
            channel: Channel::Complaint,
            clears: FourClears {
                heard: String::new(),
                asked: String::new(),
                repeated_back: false,
                recorded: String::new(),
                reported_to: None,
            },
            received_at: opened_at,
            opened_at,
            dispatches: Vec::new(),
            dispatched_at: None,
            escalation: None,
            escalation_pending: false,
            escalation_overdue: false,
            answers: Vec::new(),
            answered_at: None,
            solved_at: None,
            head_report: None,
            head_answered_at: None,
            handlings: Vec::new(),
            handled_at: None,
            sign_off: None,
            callbacks: Vec::new(),
            duplicate_of: None,
            timeline: Vec::new(),
            conflicts,
            opened: false,
        };
        view.timeline = replay(&mut view, events);
        view.flag_escalation();
        view
    }

    pub(super) fn flag_escalation(&mut self) {
        let escalated_at = self.escalation.as_ref().map(|escalation| escalation.at);
        let live = self.state != ComplaintState::Duplicate;
        self.escalation_pending = live && self.escalation_required && escalated_at.is_none();
        self.escalation_overdue = self.escalation_required
            && self
                .handled_at
                .is_some_and(|handled| escalated_at.is_none_or(|escalated| escalated > handled));
    }

    /// Whether the resident's last callback left them satisfied; until then
    /// the case is called back again (docs/DOMAIN.md §5).
    pub fn callback_settled(&self) -> bool {
        self.callbacks
            .last()
            .is_some_and(|record| record.callback.satisfied)
    }

    /// Whether the last callback raised a problem still to be fixed.
    pub fn problem_raised(&self) -> bool {
        self.callbacks
            .last()
            .is_some_and(|record| !record.callback.satisfied)
    }

    /// Whether someone still has to act: handle it, have a complaint signed
    /// off, or fix a problem a callback raised.
    pub fn is_open(&self) -> bool {
        match self.state {
            ComplaintState::Duplicate => false,
            _ if self.problem_raised() => true,
            ComplaintState::Received | ComplaintState::Dispatched => true,
            ComplaintState::Handled => self.channel == Channel::Complaint,
            ComplaintState::SignedOff | ComplaintState::CalledBack => false,
        }
    }

    /// Whether the case was handled by `deadline` (the rules compute it from
    /// `received_at`).
    pub fn handled_on_time(&self, deadline: DateTime<Utc>) -> bool {
        self.handled_at.is_some_and(|handled| handled <= deadline)
    }

    /// A duplicate counts once in rates, through the complaint carrying it.
    pub fn counts_in_rates(&self) -> bool {
        self.duplicate_of.is_none()
    }

    /// The person the case waits on: the latest dispatch's, when named.
    pub fn assignee(&self) -> Option<&str> {
        self.dispatches.last()?.person.as_deref()
    }

    fn help_request_only(&self) -> Result<(), String> {
        if self.channel.is_help_request() {
            Ok(())
        } else {
            Err("only a help request is answered or reported to the head this way".into())
        }
    }

    fn check_dispatch(&self) -> Result<(), String> {
        if self.state < ComplaintState::Handled || self.problem_raised() {
            Ok(())
        } else {
            Err(format!(
                "the case is {}; only an unhandled case or a problem a callback raised is dispatched",
                self.state.as_str()
            ))
        }
    }

    fn check_answer(&self) -> Result<(), String> {
        self.help_request_only()?;
        match self.solved_at {
            Some(_) => Err("the request is already solved".into()),
            None => Ok(()),
        }
    }

    fn check_head_report(&self) -> Result<(), String> {
        self.help_request_only()?;
        if self.handled_at.is_some() {
            return Err("the request is already handled".into());
        }
        match &self.head_report {
            Some(report) => Err(format!("already reported to {}", report.head)),
            None => Ok(()),
        }
    }

    fn check_handling(&self) -> Result<(), String> {
        match self.state {
            ComplaintState::Received => Err("dispatch it to a department first".into()),
            ComplaintState::Dispatched | ComplaintState::Handled => Ok(()),
            _ if self.problem_raised() => Ok(()),
            _ => Err(format!(
                "the case is {}; further work follows a callback that raised a problem",
                self.state.as_str()
            )),
        }
    }

    fn check_sign_off(&self) -> Result<(), String> {
        if self.sign_off.is_some() {
            Err("the resident has already signed off".into())
        } else if self.handled_at.is_none() {
            Err("the resident signs off after handling".into())
        } else {
            Ok(())
        }
    }

    fn check_callback(&self) -> Result<(), String> {
        if self.handled_at.is_none() {
            Err("only a handled case is called back".into())
        } else if self.callback_settled() {
            Err("the resident is already satisfied".into())
        } else {
            Ok(())
        }
    }

    fn apply_answer(&mut self, event: &Event<ComplaintEvent>, reply: &str, solved: bool) {
        let at = event.at;
        self.answers.push(Answer {
            reply: reply.to_owned(),
            solved,
            user: event.user.clone(),
            at,
        });
        self.answered_at.get_or_insert(at);
        if self.head_report.is_some() {
            self.head_answered_at.get_or_insert(at);
        }
        if solved {
            self.solved_at = Some(at);
            self.mark_handled(at);
        }
    }

    fn apply_callback(&mut self, callback: &Callback, user: String, at: DateTime<Utc>) {
        self.callbacks.push(CallbackRecord {
            callback: callback.clone(),
            user,
            at,
        });
        self.state = self.state.max(ComplaintState::CalledBack);
    }

    fn mark_handled(&mut self, handled_at: DateTime<Utc>) {
        self.handled_at = Some(self.handled_at.map_or(handled_at, |h| h.min(handled_at)));
        self.state = self.state.max(ComplaintState::Handled);
    }
}

impl Lifecycle for ComplaintView {
    type Event = ComplaintEvent;

    fn check(&self, event: &ComplaintEvent) -> Result<(), String> {
        if let Some(original) = self.duplicate_of {
            return Err(format!("closed as a duplicate of {original}"));
        }
        match event {
            ComplaintEvent::Opened { .. } if self.opened => Err("the case is already open".into()),
            ComplaintEvent::Opened { .. } => Ok(()),
            ComplaintEvent::Dispatched { .. } => self.check_dispatch(),
            ComplaintEvent::Escalated { .. } => match &self.escalation {
                Some(escalation) => Err(format!("already escalated to {}", escalation.to)),
                None => Ok(()),
            },
            ComplaintEvent::Answered { .. } => self.check_answer(),
            ComplaintEvent::ReportedToHead { .. } => self.check_head_report(),
            ComplaintEvent::Handled { .. } => self.check_handling(),
            ComplaintEvent::SignedOff { .. } => self.check_sign_off(),
            ComplaintEvent::CalledBack(_) => self.check_callback(),
            ComplaintEvent::MarkedDuplicate { .. } => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event<ComplaintEvent>) {
        let (at, user) = (event.at, event.user.clone());
        match &event.body {
            ComplaintEvent::Opened {
                channel,
                received_at,
                clears,
            } => {
                self.channel = *channel;
                self.received_at = *received_at;
                self.clears = clears.clone();
                self.opened_at = at;
                self.opened = true;
            }
            ComplaintEvent::Dispatched { department, person } => {
                self.dispatches.push(DispatchRecord {
                    department: *department,
                    person: person.clone(),
                    user,
                    at,
                });
                self.dispatched_at.get_or_insert(at);
                self.state = self.state.max(ComplaintState::Dispatched);
            }
            ComplaintEvent::Escalated { to } => {
                self.escalation = Some(Escalation {
                    to: to.clone(),
                    user,
                    at,
                });
            }
            ComplaintEvent::Answered { reply, solved } => self.apply_answer(event, reply, *solved),
            ComplaintEvent::ReportedToHead { head } => {
                self.head_report = Some(HeadReport {
                    head: head.clone(),
                    user,
                    at,
                });
            }
            ComplaintEvent::Handled { action, handled_at } => {
                self.handlings.push(Handling {
                    action: action.clone(),
                    handled_at: *handled_at,
                    user,
                    recorded_at: at,
                });
                self.mark_handled(*handled_at);
            }
            ComplaintEvent::SignedOff { signature, rating } => {
                self.sign_off = Some(ResidentSignOff {
                    signature: signature.clone(),
                    rating: *rating,
                    at,
                });
                self.state = self.state.max(ComplaintState::SignedOff);
            }
            ComplaintEvent::CalledBack(callback) => self.apply_callback(callback, user, at),
            ComplaintEvent::MarkedDuplicate { of } => {
                self.duplicate_of = Some(*of);
                self.state = ComplaintState::Duplicate;
            }
        }
    }
}
