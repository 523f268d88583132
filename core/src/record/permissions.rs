//! Who may do what: one table from role to verb, used by the verbs on the
//! device and again by the server when it validates a synced change, so a
//! phone and the server can never disagree about a permission.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Role;

/// Every domain verb, across all record kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    // Repair sheet (docs/DOMAIN.md §1)
    OpenRepairSheet,
    Dispatch,
    Quote,
    Arrive,
    ConfirmItems,
    Agree,
    Decline,
    AddFeeLine,
    CheckMaterial,
    Complete,
    HandBack,
    ConfirmReturn,
    CallBack,
    // Shared by every field record
    AddNote,
    AttachPhoto,
    Amend,
    ResolveConflict,
    // Patrol (§2)
    DefineRoute,
    StartRound,
    CheckIn,
    AddFinding,
    LinkRepair,
    FinishRound,
    // Checklists (§3)
    DefineChecklist,
    StartChecklist,
    SetItem,
    RecordMeter,
    SignChecklist,
    CompleteChecklist,
    // Complaints and help requests (§4)
    OpenComplaint,
    DispatchComplaint,
    Escalate,
    AnswerHelpRequest,
    ReportToHead,
    MarkDuplicate,
    RecordHandling,
    ResidentSignOff,
    // Duty log (§6)
    OpenDutyLog,
    AppendEntry,
    HandOver,
    SignOff,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::OpenRepairSheet => "open a repair sheet",
            Verb::Dispatch => "dispatch",
            Verb::Quote => "quote",
            Verb::Arrive => "record arrival",
            Verb::ConfirmItems => "confirm items",
            Verb::Agree => "record the resident's agreement",
            Verb::Decline => "record a decline",
            Verb::AddFeeLine => "add a fee line",
            Verb::CheckMaterial => "check a material",
            Verb::Complete => "complete",
            Verb::HandBack => "hand back",
            Verb::ConfirmReturn => "confirm a return",
            Verb::CallBack => "call back",
            Verb::AddNote => "add a note",
            Verb::AttachPhoto => "attach a photo",
            Verb::Amend => "amend details",
            Verb::ResolveConflict => "resolve a conflict",
            Verb::DefineRoute => "define a patrol route",
            Verb::StartRound => "start a round",
            Verb::CheckIn => "check in",
            Verb::AddFinding => "add a finding",
            Verb::LinkRepair => "link a repair sheet",
            Verb::FinishRound => "finish a round",
            Verb::DefineChecklist => "define a checklist",
            Verb::StartChecklist => "start a checklist",
            Verb::SetItem => "set a checklist item",
            Verb::RecordMeter => "record a meter reading",
            Verb::SignChecklist => "sign a checklist",
            Verb::CompleteChecklist => "complete a checklist",
            Verb::OpenComplaint => "open a complaint",
            Verb::DispatchComplaint => "dispatch a complaint",
            Verb::Escalate => "escalate",
            Verb::AnswerHelpRequest => "answer a help request",
            Verb::ReportToHead => "report to the department head",
            Verb::MarkDuplicate => "mark a duplicate complaint",
            Verb::RecordHandling => "record handling",
            Verb::ResidentSignOff => "record the resident's sign-off",
            Verb::OpenDutyLog => "open a duty log",
            Verb::AppendEntry => "append a duty log entry",
            Verb::HandOver => "hand over duty",
            Verb::SignOff => "sign off the duty log",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a role may perform a verb at all. Record-specific checks (only the
/// assigned technician records arrival, say) live with the verb itself.
pub fn may(role: Role, verb: Verb) -> bool {
    use Role::*;
    use Verb::*;
    let allowed: &[Role] = match verb {
        ResolveConflict => &[Patrol, Technician, FrontDesk, Supervisor, Office],
        OpenRepairSheet => &[Patrol, FrontDesk, Supervisor],
        Dispatch | DispatchComplaint | Escalate | MarkDuplicate => &[FrontDesk, Supervisor],
        AnswerHelpRequest | ReportToHead => &[Patrol, FrontDesk, Supervisor],
        Quote | ConfirmReturn | SignOff | DefineRoute | DefineChecklist => &[Supervisor],
        Arrive | ConfirmItems | Agree | AddFeeLine | CheckMaterial | Complete | HandBack => {
            &[Technician]
        }
        Decline => &[Technician, Supervisor],
        CallBack => &[Patrol, FrontDesk, Supervisor],
        AddNote | AttachPhoto | Amend | RecordHandling | ResidentSignOff => {
            &[Patrol, Technician, FrontDesk, Supervisor]
        }
        StartRound | CheckIn | AddFinding | LinkRepair | FinishRound => &[Patrol, Supervisor],
        StartChecklist | SetItem | RecordMeter | SignChecklist | CompleteChecklist => {
            &[Patrol, Technician, FrontDesk, Supervisor]
        }
        OpenComplaint => &[Patrol, FrontDesk, Supervisor],
        OpenDutyLog | AppendEntry | HandOver => &[Patrol, FrontDesk, Supervisor],
    };
    role == Admin || allowed.contains(&role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_viewers_only_resolve_conflicts() {
        assert!(may(Role::Office, Verb::ResolveConflict));
        assert!(!may(Role::Office, Verb::Dispatch));
        assert!(!may(Role::Office, Verb::AppendEntry));
    }

    #[test]
    fn only_technicians_record_arrival() {
        assert!(may(Role::Technician, Verb::Arrive));
        assert!(!may(Role::Patrol, Verb::Arrive));
        assert!(!may(Role::FrontDesk, Verb::Arrive));
    }

    #[test]
    fn admins_may_do_everything() {
        assert!(may(Role::Admin, Verb::SignOff));
        assert!(may(Role::Admin, Verb::Arrive));
    }
}
