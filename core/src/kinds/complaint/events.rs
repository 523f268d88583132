//! The events of a complaint's or help request's history (docs/DOMAIN.md §4, §5),
//! one variant per step the procedures name. Stored as `type` + JSON `data`;
//! see [`crate::record::RawEvent`].

use crate::record::Verb;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::intake::{Channel, Department, FourClears};
use crate::kinds::{Callback, Satisfaction, Signature};
use crate::record::RecordId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ComplaintEvent {
    /// The desk took the case by the four clears.
    Opened {
        channel: Channel,
        /// When the resident called or came in.
        received_at: DateTime<Utc>,
        clears: FourClears,
    },
    /// Sent to the responsible department (again, on a redirection).
    Dispatched {
        department: Department,
        /// The person in the department who takes it, when named.
        person: Option<String>,
    },
    /// Reported at once to company management.
    Escalated {
        /// Who in management was told.
        to: String,
    },
    /// A help request answered; every one is answered at once.
    Answered {
        reply: String,
        solved: bool,
    },
    /// A help request that could not be solved at once, reported to the
    /// department head, who has it answered within 10 minutes.
    ReportedToHead {
        head: String,
    },
    /// What was done about it.
    Handled {
        action: String,
        /// When the work was done; the record may be written later.
        handled_at: DateTime<Utc>,
    },
    /// The resident signed and rated the result.
    SignedOff {
        signature: Signature,
        rating: Satisfaction,
    },
    CalledBack(Callback),
    /// The same problem was already recorded by the complaint that carries
    /// the case; this one is closed and counts once in rates.
    MarkedDuplicate {
        of: RecordId,
    },
}

impl ComplaintEvent {
    /// The verb that appends this event, for permission checks on the server.
    pub fn verb(&self) -> Verb {
        match self {
            ComplaintEvent::Opened { .. } => Verb::OpenComplaint,
            ComplaintEvent::Dispatched { .. } => Verb::DispatchComplaint,
            ComplaintEvent::Escalated { .. } => Verb::Escalate,
            ComplaintEvent::Answered { .. } => Verb::AnswerHelpRequest,
            ComplaintEvent::ReportedToHead { .. } => Verb::ReportToHead,
            ComplaintEvent::Handled { .. } => Verb::RecordHandling,
            ComplaintEvent::SignedOff { .. } => Verb::ResidentSignOff,
            ComplaintEvent::CalledBack(_) => Verb::CallBack,
            ComplaintEvent::MarkedDuplicate { .. } => Verb::MarkDuplicate,
        }
    }
}
