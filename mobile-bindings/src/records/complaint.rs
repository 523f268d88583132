//! Complaints and help requests (docs/DOMAIN.md §4, §5): taken at the desk by the
//! "four clears and one report", dispatched to a department, handled,
//! signed off by the resident and called back, or closed as a duplicate.
//! A serious or major complaint is escalated to company management at once.

use std::time::SystemTime;

use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::complaint::{
    self as core, Amendment, Channel, Complaint, FourClears, Intake,
};

use crate::error::Result;
use crate::store::FieldStore;
use crate::types::{
    Due, FieldConflict, ResidentCallbackView, Satisfaction, Signature, TimelineLine, conflicts,
    mirror_enum, record_id, time, time_opt, timeline, utc, utc_opt,
};

mirror_enum! {
    /// The departments a case is dispatched to.
    Department <=> core::Department {
        /// Facility faults and repairs.
        Engineering,
        /// Safety.
        Security,
        /// Cleaning, greening, noise, smells, renovation dust, sellers.
        Property,
        /// Mail handling.
        Mail,
    }
}

mirror_enum! {
    /// How serious a complaint is; decides who calls back.
    Seriousness <=> core::Seriousness {
        /// Called back by a patrol officer.
        Ordinary,
        /// Called back by the customer-service supervisor.
        Important,
        /// Escalated at once; called back by the estate manager.
        Major,
    }
}

mirror_enum! {
    /// Who calls the resident back after a complaint is handled.
    CallbackBy <=> core::CallbackBy {
        /// A patrol officer.
        PatrolOfficer,
        /// The customer-service supervisor.
        CustomerServiceSupervisor,
        /// The estate manager.
        EstateManager,
    }
}

mirror_enum! {
    /// Where a complaint stands.
    ComplaintState <=> core::ComplaintState {
        /// Taken at the desk.
        Received,
        /// Sent to a department.
        Dispatched,
        /// Handled (or a help request solved by its answer).
        Handled,
        /// The resident signed and rated the result.
        SignedOff,
        /// The resident was called back.
        CalledBack,
        /// Closed: another complaint carries the case.
        Duplicate,
    }
}

mirror_enum! {
    /// The kinds of crime a help request reports.
    CrimeKind <=> core::CrimeKind {
        /// Theft.
        Theft,
        /// A fight.
        Fight,
        /// Robbery.
        Robbery,
        /// Poisoning.
        Poisoning,
        /// A traffic accident.
        TrafficAccident,
    }
}

mirror_enum! {
    /// The kinds of disaster a help request reports.
    DisasterKind <=> core::DisasterKind {
        /// A typhoon.
        Typhoon,
        /// A flood.
        Flood,
        /// A fire.
        Fire,
    }
}

/// The seven kinds of help request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum HelpKind {
    /// A medical emergency.
    MedicalEmergency,
    /// A repair.
    Repair,
    /// A complaint made as a request for help.
    Complaint,
    /// A question.
    Enquiry,
    /// A crime.
    Crime {
        /// Which.
        crime: CrimeKind,
    },
    /// A disaster.
    Disaster {
        /// Which.
        disaster: DisasterKind,
    },
    /// Anything else.
    Other,
}

/// How a case reached the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ComplaintChannel {
    /// A complaint: reported to the department head when taken.
    Complaint,
    /// A help request, answered at once.
    HelpRequest {
        /// Which kind.
        kind: HelpKind,
    },
}

impl From<ComplaintChannel> for Channel {
    fn from(channel: ComplaintChannel) -> Self {
        match channel {
            ComplaintChannel::Complaint => Channel::Complaint,
            ComplaintChannel::HelpRequest { kind } => Channel::HelpRequest(match kind {
                HelpKind::MedicalEmergency => core::HelpKind::MedicalEmergency,
                HelpKind::Repair => core::HelpKind::Repair,
                HelpKind::Complaint => core::HelpKind::Complaint,
                HelpKind::Enquiry => core::HelpKind::Enquiry,
                HelpKind::Crime { crime } => core::HelpKind::Crime(crime.into()),
                HelpKind::Disaster { disaster } => core::HelpKind::Disaster(disaster.into()),
                HelpKind::Other => core::HelpKind::Other,
            }),
        }
    }
}

impl From<Channel> for ComplaintChannel {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Complaint => ComplaintChannel::Complaint,
            Channel::HelpRequest(kind) => ComplaintChannel::HelpRequest {
                kind: match kind {
                    core::HelpKind::MedicalEmergency => HelpKind::MedicalEmergency,
                    core::HelpKind::Repair => HelpKind::Repair,
                    core::HelpKind::Complaint => HelpKind::Complaint,
                    core::HelpKind::Enquiry => HelpKind::Enquiry,
                    core::HelpKind::Crime(crime) => HelpKind::Crime {
                        crime: crime.into(),
                    },
                    core::HelpKind::Disaster(disaster) => HelpKind::Disaster {
                        disaster: disaster.into(),
                    },
                    core::HelpKind::Other => HelpKind::Other,
                },
            },
        }
    }
}

/// A complaint or help request as the desk takes it, by the "four clears
/// and one report": heard, asked, repeated back and recorded clearly, and
/// (for a complaint) reported to the department head.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintIntake {
    /// The resident's name.
    pub resident_name: String,
    /// Unit or address.
    pub unit: String,
    /// The resident's phone number.
    pub phone: String,
    /// The department responsible.
    pub department: Department,
    /// How serious it is.
    pub seriousness: Seriousness,
    /// Flagged serious whatever its grade: escalated at once.
    #[uniffi(default = false)]
    pub serious: bool,
    /// A complaint or a help request.
    pub channel: ComplaintChannel,
    /// Heard clearly: the resident's own words.
    pub heard: String,
    /// Asked clearly: the answers to the desk's questions.
    pub asked: String,
    /// Repeated back clearly, and confirmed by the resident.
    pub repeated_back: bool,
    /// Recorded clearly: the summary as written (the list title).
    pub recorded: String,
    /// The department head told; required for a complaint.
    #[uniffi(default = None)]
    pub reported_to: Option<String>,
    /// When the resident called or came in; none means now.
    #[uniffi(default = None)]
    pub received_at: Option<SystemTime>,
    /// The estate; none means the enrollment's only estate.
    #[uniffi(default = None)]
    pub estate: Option<String>,
}

/// A correction of one field of a complaint's intake.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ComplaintAmendment {
    /// The resident's name.
    ResidentName {
        /// The corrected name.
        name: String,
    },
    /// The unit or address.
    Unit {
        /// The corrected unit.
        unit: String,
    },
    /// The resident's phone number.
    Phone {
        /// The corrected number.
        phone: String,
    },
    /// The responsible department.
    Department {
        /// The corrected department.
        department: Department,
    },
    /// How serious it is.
    Seriousness {
        /// The corrected grade.
        seriousness: Seriousness,
    },
    /// Whether it is flagged serious.
    Serious {
        /// The corrected flag.
        serious: bool,
    },
}

impl ComplaintAmendment {
    fn core(&self) -> Amendment {
        match self {
            ComplaintAmendment::ResidentName { name } => Amendment::ResidentName(name.clone()),
            ComplaintAmendment::Unit { unit } => Amendment::Unit(unit.clone()),
            ComplaintAmendment::Phone { phone } => Amendment::Phone(phone.clone()),
            ComplaintAmendment::Department { department } => {
                Amendment::Department((*department).into())
            }
            ComplaintAmendment::Seriousness { seriousness } => {
                Amendment::Seriousness((*seriousness).into())
            }
            ComplaintAmendment::Serious { serious } => Amendment::Serious(*serious),
        }
    }
}

/// A step someone took on a case: who, when, and what.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintStep {
    /// What was done: the department and person dispatched to, who was
    /// told, the reply given, or the action taken.
    pub text: String,
    /// Who did it.
    pub user: String,
    /// When it was recorded.
    pub at: SystemTime,
}

/// A dispatch to a department.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintDispatch {
    /// The department.
    pub department: Department,
    /// The person in it, when named.
    pub person: Option<String>,
    /// Who dispatched.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

/// An answer to a help request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HelpAnswer {
    /// The reply.
    pub reply: String,
    /// Whether it solved the request.
    pub solved: bool,
    /// Who answered.
    pub user: String,
    /// When.
    pub at: SystemTime,
}

/// What was done about a case.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintHandling {
    /// The action taken.
    pub action: String,
    /// When the work was done.
    pub handled_at: SystemTime,
    /// Who recorded it.
    pub user: String,
    /// When it was recorded.
    pub recorded_at: SystemTime,
}

/// The resident's sign-off of the result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResidentSignOff {
    /// Who signed.
    pub signer: String,
    /// The resident's rating.
    pub rating: Satisfaction,
    /// When.
    pub at: SystemTime,
}

/// Everything a complaint's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComplaintView {
    /// The complaint's id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Where it stands.
    pub state: ComplaintState,
    /// Whether someone still has to act.
    pub is_open: bool,
    /// The resident's name.
    pub resident_name: String,
    /// Unit or address.
    pub unit: String,
    /// The resident's phone number.
    pub phone: String,
    /// The department responsible.
    pub department: Department,
    /// How serious it is.
    pub seriousness: Seriousness,
    /// Flagged serious.
    pub serious: bool,
    /// A complaint or a help request.
    pub channel: ComplaintChannel,
    /// The resident's own words.
    pub heard: String,
    /// The answers to the desk's questions.
    pub asked: String,
    /// The summary as written.
    pub recorded: String,
    /// The department head told when it was taken.
    pub reported_to: Option<String>,
    /// When the resident called or came in.
    pub received_at: SystemTime,
    /// When it was written down.
    pub opened_at: SystemTime,
    /// Every dispatch, in order.
    pub dispatches: Vec<ComplaintDispatch>,
    /// The escalation to company management, if made.
    pub escalation: Option<ComplaintStep>,
    /// Major or flagged serious: management must be told.
    pub escalation_required: bool,
    /// Required and not yet done.
    pub escalation_pending: bool,
    /// Required, and the case was handled before it was escalated.
    pub escalation_overdue: bool,
    /// Answers to a help request.
    pub answers: Vec<HelpAnswer>,
    /// The report of an unsolved help request to the department head.
    pub head_report: Option<ComplaintStep>,
    /// What was done.
    pub handlings: Vec<ComplaintHandling>,
    /// The earliest time it was handled or solved.
    pub handled_at: Option<SystemTime>,
    /// The resident's sign-off.
    pub sign_off: Option<ResidentSignOff>,
    /// The callbacks made.
    pub callbacks: Vec<ResidentCallbackView>,
    /// Who should call back, by the current seriousness.
    pub callback_by: CallbackBy,
    /// The complaint that carries this one, if a duplicate.
    pub duplicate_of: Option<String>,
    /// The next deadline, if any.
    pub due: Option<Due>,
    /// Fields in conflict.
    pub conflicts: Vec<FieldConflict>,
    /// The history.
    pub timeline: Vec<TimelineLine>,
}

impl ComplaintView {
    pub(crate) fn new(complaint: &Complaint, due: Option<Due>) -> Self {
        let view = complaint.view();
        let intake = &view.intake;
        ComplaintView {
            id: complaint.id().to_string(),
            estate: complaint.doc().header().estate.clone(),
            state: view.state.into(),
            is_open: view.is_open(),
            resident_name: intake.resident_name.clone(),
            unit: intake.unit.clone(),
            phone: intake.phone.clone(),
            department: intake.department.into(),
            seriousness: intake.seriousness.into(),
            serious: intake.serious,
            channel: view.channel.into(),
            heard: view.clears.heard.clone(),
            asked: view.clears.asked.clone(),
            recorded: view.clears.recorded.clone(),
            reported_to: view.clears.reported_to.clone(),
            received_at: time(view.received_at),
            opened_at: time(view.opened_at),
            dispatches: view
                .dispatches
                .iter()
                .map(|dispatch| ComplaintDispatch {
                    department: dispatch.department.into(),
                    person: dispatch.person.clone(),
                    user: dispatch.user.clone(),
                    at: time(dispatch.at),
                })
                .collect(),
            escalation: view.escalation.as_ref().map(|escalation| ComplaintStep {
                text: escalation.to.clone(),
                user: escalation.user.clone(),
                at: time(escalation.at),
            }),
            escalation_required: view.escalation_required,
            escalation_pending: view.escalation_pending,
            escalation_overdue: view.escalation_overdue,
            answers: view
                .answers
                .iter()
                .map(|answer| HelpAnswer {
                    reply: answer.reply.clone(),
                    solved: answer.solved,
                    user: answer.user.clone(),
                    at: time(answer.at),
                })
                .collect(),
            head_report: view.head_report.as_ref().map(|report| ComplaintStep {
                text: report.head.clone(),
                user: report.user.clone(),
                at: time(report.at),
            }),
            handlings: view
                .handlings
                .iter()
                .map(|handling| ComplaintHandling {
                    action: handling.action.clone(),
                    handled_at: time(handling.handled_at),
                    user: handling.user.clone(),
                    recorded_at: time(handling.recorded_at),
                })
                .collect(),
            handled_at: time_opt(view.handled_at),
            sign_off: view.sign_off.as_ref().map(|sign_off| ResidentSignOff {
                signer: sign_off.signature.signer.clone(),
                rating: sign_off.rating.into(),
                at: time(sign_off.at),
            }),
            callbacks: view
                .callbacks
                .iter()
                .map(ResidentCallbackView::from)
                .collect(),
            callback_by: view.callback_by.into(),
            duplicate_of: view.duplicate_of.map(|id| id.to_string()),
            due,
            conflicts: conflicts(&view.conflicts),
            timeline: timeline(&view.timeline),
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens a complaint or help request; returns its id. Refused when any
    /// of the four clears is missing, or a complaint was not reported to
    /// the department head.
    pub fn open_complaint(&self, intake: ComplaintIntake) -> Result<String> {
        self.create(|_, me| {
            let estate = me.estate(intake.estate.as_deref())?;
            let received_at = utc_opt(intake.received_at).unwrap_or(me.at);
            let core_intake = Intake {
                resident_name: intake.resident_name.clone(),
                unit: intake.unit.clone(),
                phone: intake.phone.clone(),
                department: intake.department.into(),
                seriousness: intake.seriousness.into(),
                serious: intake.serious,
            };
            let clears = FourClears {
                heard: intake.heard.clone(),
                asked: intake.asked.clone(),
                repeated_back: intake.repeated_back,
                recorded: intake.recorded.clone(),
                reported_to: intake.reported_to.clone(),
            };
            let complaint = Complaint::open(
                &me.editor,
                me.at,
                &estate,
                core_intake,
                intake.channel.into(),
                clears,
                received_at,
            )?;
            Ok(AnyRecord::Complaint(complaint))
        })
    }

    /// Sends the case to a department, and to a person in it when named.
    pub fn dispatch_complaint(
        &self,
        complaint_id: String,
        department: Department,
        person: Option<String>,
    ) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            record
                .complaint()?
                .dispatch(&me.editor, me.at, department.into(), person.as_deref())
        })
    }

    /// Reports the case at once to company management (`to`: who was told).
    pub fn escalate_complaint(&self, complaint_id: String, to: String) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            record.complaint()?.escalate(&me.editor, me.at, &to)
        })
    }

    /// Answers a help request, solved or not.
    pub fn answer_help_request(
        &self,
        complaint_id: String,
        reply: String,
        solved: bool,
    ) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            record
                .complaint()?
                .answer(&me.editor, me.at, &reply, solved)
        })
    }

    /// Reports a help request that cannot be solved at once to the
    /// department head, who has it answered within 10 minutes.
    pub fn report_to_head(&self, complaint_id: String, head: String) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            record.complaint()?.report_to_head(&me.editor, me.at, &head)
        })
    }

    /// Records what was done, and when it was done (none: now).
    pub fn record_handling(
        &self,
        complaint_id: String,
        action: String,
        handled_at: Option<SystemTime>,
    ) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            let handled_at = handled_at.map(utc).unwrap_or(me.at);
            record
                .complaint()?
                .record_handling(&me.editor, me.at, &action, handled_at)
        })
    }

    /// The resident signs and rates the result.
    pub fn record_resident_sign_off(
        &self,
        complaint_id: String,
        resident_signature: Signature,
        rating: Satisfaction,
    ) -> Result<()> {
        let signature = resident_signature.to_core()?;
        self.act(&complaint_id, |record, me| {
            record
                .complaint()?
                .resident_sign_off(&me.editor, me.at, signature, rating.into())
        })
    }

    /// Closes this case as a duplicate of `original_id`, which carries it.
    pub fn mark_duplicate(&self, complaint_id: String, original_id: String) -> Result<()> {
        let original = record_id(&original_id)?;
        self.act(&complaint_id, |record, me| {
            record
                .complaint()?
                .mark_duplicate_of(&me.editor, me.at, original)
        })
    }

    /// Corrects one field of the complaint's intake.
    pub fn amend_complaint(
        &self,
        complaint_id: String,
        amendment: ComplaintAmendment,
    ) -> Result<()> {
        self.act(&complaint_id, |record, me| {
            record
                .complaint()?
                .amend(&me.editor, me.at, amendment.core())
        })
    }

    /// The complaint `complaint_id`, as its screen shows it.
    pub fn complaint(&self, complaint_id: String) -> Result<ComplaintView> {
        let (mut record, due) = self.read(&complaint_id)?;
        Ok(ComplaintView::new(record.complaint()?, due))
    }
}
