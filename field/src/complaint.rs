//! `complaint`: complaints and the seven kinds of help request (docs/DOMAIN.md §4,
//! §5), taken by the "four clears and one report" and worked through
//! dispatch, handling, the resident's sign-off and the callback. The four
//! clears are flags of `complaint open`; the core refuses an intake that
//! misses one.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::complaint::{
    Amendment, Channel, Complaint, FourClears, HelpKind, Intake,
};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::store::Store;

use super::FieldError;
use super::args::{
    CallbackArgs, DepartmentArg, SatisfactionArg, SeriousnessArg, SignatureArgs, parse_help_kind,
    parse_time,
};
use super::context::{self, Me};

#[derive(Debug, Clone, Subcommand)]
pub enum ComplaintCommand {
    /// Take a complaint or help request; prints its id.
    Open(OpenArgs),
    /// Send the case to the responsible department.
    Dispatch {
        id: RecordId,
        #[arg(long, value_enum)]
        department: DepartmentArg,
        /// The person in the department who takes it.
        #[arg(long)]
        person: Option<String>,
    },
    /// Report the case at once to company management.
    Escalate {
        id: RecordId,
        /// Who in management was told.
        #[arg(long)]
        to: String,
    },
    /// Answer a help request.
    Answer {
        id: RecordId,
        #[arg(long)]
        reply: String,
        #[command(flatten)]
        outcome: Solved,
    },
    /// Report a help request not solved at once to the department head.
    ReportToHead {
        id: RecordId,
        #[arg(long)]
        head: String,
    },
    /// Record what was done about it.
    Handle {
        id: RecordId,
        #[arg(long)]
        action: String,
        /// When the work was done; defaults to now.
        #[arg(long, value_parser = parse_time)]
        handled_at: Option<DateTime<Utc>>,
    },
    /// The resident signs and rates the result.
    SignOff {
        id: RecordId,
        #[command(flatten)]
        signature: SignatureArgs,
        #[arg(long, value_enum)]
        rating: SatisfactionArg,
    },
    /// A callback after handling.
    CallBack {
        id: RecordId,
        #[command(flatten)]
        callback: CallbackArgs,
    },
    /// Close this case as a duplicate of the complaint that carries it.
    DuplicateOf {
        id: RecordId,
        /// The complaint that carries the case.
        #[arg(long = "of")]
        original: RecordId,
    },
    /// Correct one intake field.
    Amend {
        id: RecordId,
        #[command(flatten)]
        change: AmendArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    #[arg(long)]
    pub resident: String,
    #[arg(long)]
    pub unit: String,
    #[arg(long)]
    pub phone: String,
    #[arg(long, value_enum)]
    pub department: DepartmentArg,
    #[arg(long, value_enum, default_value = "ordinary")]
    pub seriousness: SeriousnessArg,
    /// A serious complaint, reported at once to company management.
    #[arg(long)]
    pub serious: bool,
    /// Heard clearly: the resident's own words.
    #[arg(long)]
    pub heard: String,
    /// Asked clearly: the answers to the desk's questions.
    #[arg(long)]
    pub asked: String,
    /// Repeated back clearly: the resident confirmed it.
    #[arg(long)]
    pub repeated_back: bool,
    /// Recorded clearly: the summary as written.
    #[arg(long)]
    pub recorded: String,
    /// The department head the complaint was reported to.
    #[arg(long)]
    pub reported_to: Option<String>,
    /// Take a help request of this kind instead of a complaint:
    /// medical-emergency, repair, complaint, enquiry, other,
    /// crime:theft|fight|robbery|poisoning|traffic-accident,
    /// disaster:typhoon|flood|fire.
    #[arg(long, value_parser = parse_help_kind)]
    pub help_request: Option<HelpKind>,
    /// When the resident called or came in; defaults to now.
    #[arg(long, value_parser = parse_time)]
    pub received_at: Option<DateTime<Utc>>,
    #[arg(long)]
    pub estate: Option<String>,
}

impl OpenArgs {
    fn intake(&self) -> Intake {
        Intake {
            resident_name: self.resident.clone(),
            unit: self.unit.clone(),
            phone: self.phone.clone(),
            department: self.department.into(),
            seriousness: self.seriousness.into(),
            serious: self.serious,
        }
    }

    fn clears(&self) -> FourClears {
        FourClears {
            heard: self.heard.clone(),
            asked: self.asked.clone(),
            repeated_back: self.repeated_back,
            recorded: self.recorded.clone(),
            reported_to: self.reported_to.clone(),
        }
    }

    fn channel(&self) -> Channel {
        self.help_request
            .map_or(Channel::Complaint, Channel::HelpRequest)
    }
}

/// Solved or not: exactly one of the two flags.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Solved {
    #[arg(long)]
    pub solved: bool,
    #[arg(long)]
    pub unsolved: bool,
}

/// The one intake field to correct.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct AmendArgs {
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub resident: Option<String>,
    #[arg(long, value_enum)]
    pub department: Option<DepartmentArg>,
    #[arg(long, value_enum)]
    pub seriousness: Option<SeriousnessArg>,
    #[arg(long)]
    pub serious: bool,
    #[arg(long)]
    pub not_serious: bool,
}

impl AmendArgs {
    fn amendment(&self) -> Amendment {
        if let Some(phone) = &self.phone {
            Amendment::Phone(phone.clone())
        } else if let Some(unit) = &self.unit {
            Amendment::Unit(unit.clone())
        } else if let Some(name) = &self.resident {
            Amendment::ResidentName(name.clone())
        } else if let Some(department) = self.department {
            Amendment::Department(department.into())
        } else if let Some(seriousness) = self.seriousness {
            Amendment::Seriousness(seriousness.into())
        } else {
            Amendment::Serious(self.serious)
        }
    }
}

pub fn run(store: &mut Store, command: ComplaintCommand) -> Result<(), FieldError> {
    use ComplaintCommand as C;
    match command {
        C::Open(args) => open(store, &args),
        C::Dispatch {
            id,
            department,
            person,
        } => on_case(store, id, |case, me| {
            case.dispatch(&me.editor, me.at, department.into(), person.as_deref())
        }),
        C::Escalate { id, to } => {
            on_case(store, id, |case, me| case.escalate(&me.editor, me.at, &to))
        }
        C::Answer { id, reply, outcome } => on_case(store, id, |case, me| {
            case.answer(&me.editor, me.at, &reply, outcome.solved)
        }),
        C::ReportToHead { id, head } => on_case(store, id, |case, me| {
            case.report_to_head(&me.editor, me.at, &head)
        }),
        C::Handle {
            id,
            action,
            handled_at,
        } => on_case(store, id, |case, me| {
            let handled_at = handled_at.unwrap_or(me.at);
            case.record_handling(&me.editor, me.at, &action, handled_at)
        }),
        C::SignOff {
            id,
            signature,
            rating,
        } => on_case(store, id, |case, me| {
            case.resident_sign_off(&me.editor, me.at, signature.signature()?, rating.into())
        }),
        C::CallBack { id, callback } => on_case(store, id, |case, me| {
            case.call_back(&me.editor, me.at, callback.callback()?)
        }),
        C::DuplicateOf { id, original } => on_case(store, id, |case, me| {
            case.mark_duplicate_of(&me.editor, me.at, original)
        }),
        C::Amend { id, change } => on_case(store, id, |case, me| {
            case.amend(&me.editor, me.at, change.amendment())
        }),
    }
}

fn open(store: &mut Store, args: &OpenArgs) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let estate = me.estate(args.estate.as_deref())?;
    let received_at = args.received_at.unwrap_or(me.at);
    let case = Complaint::open(
        &me.editor,
        me.at,
        &estate,
        args.intake(),
        args.channel(),
        args.clears(),
        received_at,
    )?;
    context::created(store, &AnyRecord::Complaint(case))
}

/// Runs a verb on a stored complaint.
fn on_case(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut Complaint, &Me) -> Result<(), RecordError>,
) -> Result<(), FieldError> {
    context::act(store, id, |record, me| verb(record.complaint()?, me))
}
