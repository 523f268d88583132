//! `duty`: the duty log (docs/DOMAIN.md §6), one per estate per duty day. The
//! commands act on the log of the current duty day (08:30 to 08:30 in the
//! estate's time zone, from `rules::duty_day`) unless `--date` names
//! another, and open it when the device lacks it: every device derives the
//! same log, so logs opened offline on two desks merge into one.

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use stairwell_core::kinds::BlobHash;
use stairwell_core::kinds::duty_log::{DutyLog, EquipmentCount, Handover, NewEntry};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::rules::duty_day::duty_day_of;
use stairwell_core::store::Store;

use super::FieldError;
use super::args::{CategoryArg, parse_date, parse_equipment, parse_time, signature};
use super::context::{self, Me};
use super::output;

#[derive(Debug, Clone, Subcommand)]
pub enum DutyCommand {
    /// Write a line in the log; prints the entry's id.
    Append {
        #[command(flatten)]
        entry: EntryArgs,
        #[command(flatten)]
        day: DayArgs,
    },
    /// Close an entry's follow-up with its outcome; prints the new entry's id.
    Close {
        entry: String,
        #[arg(long)]
        outcome: String,
        #[command(flatten)]
        day: DayArgs,
    },
    /// Correct a mistaken entry with a new line; prints the new entry's id.
    Correct {
        entry: String,
        #[command(flatten)]
        correction: EntryArgs,
        #[command(flatten)]
        day: DayArgs,
    },
    /// Hand the desk over; both officers sign.
    Handover(HandoverArgs),
    /// The supervisor's reading and signature of the log.
    Signoff {
        /// The SHA-256 of the signature image; the signer is the enrolled user.
        #[arg(long)]
        signature: BlobHash,
        #[arg(long, default_value = "")]
        comment: String,
        #[command(flatten)]
        day: DayArgs,
    },
}

/// Which log: the estate and the duty date.
#[derive(Debug, Clone, Args)]
pub struct DayArgs {
    /// The duty date (YYYY-MM-DD); defaults to the current duty day.
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    #[arg(long)]
    pub estate: Option<String>,
}

/// A line of the log.
#[derive(Debug, Clone, Args)]
pub struct EntryArgs {
    #[arg(long)]
    pub text: String,
    #[arg(long, value_enum)]
    pub category: CategoryArg,
    /// Important work: no one hands over while its follow-up is open.
    #[arg(long)]
    pub important: bool,
    /// Something still to be done, carried to the next shift until closed.
    #[arg(long)]
    pub follow_up: bool,
}

impl EntryArgs {
    fn entry(&self) -> NewEntry {
        NewEntry {
            text: self.text.clone(),
            category: self.category.into(),
            important: self.important,
            follow_up: self.follow_up,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct HandoverArgs {
    #[arg(long)]
    pub outgoing: String,
    #[arg(long)]
    pub incoming: String,
    /// When the incoming officer arrived (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    pub arrived_at: chrono::DateTime<chrono::Utc>,
    /// ITEM:EXPECTED:COUNTED[:NOTE] (repeatable); a short count needs its note.
    #[arg(long = "equipment", required = true, value_parser = parse_equipment)]
    pub equipment: Vec<EquipmentCount>,
    /// An open follow-up the incoming officer read and took on (repeatable).
    #[arg(long = "ack")]
    pub acknowledged: Vec<String>,
    /// The outgoing officer's signature (SHA-256 of the image).
    #[arg(long)]
    pub signature_out: BlobHash,
    /// The incoming officer's signature (SHA-256 of the image).
    #[arg(long)]
    pub signature_in: BlobHash,
    #[command(flatten)]
    pub day: DayArgs,
}

impl HandoverArgs {
    fn handover(&self) -> Result<Handover, RecordError> {
        Ok(Handover {
            outgoing: self.outgoing.clone(),
            incoming: self.incoming.clone(),
            incoming_arrived_at: self.arrived_at,
            equipment: self.equipment.clone(),
            acknowledged: self.acknowledged.clone(),
            outgoing_signature: signature(&self.signature_out, &self.outgoing)?,
            incoming_signature: signature(&self.signature_in, &self.incoming)?,
        })
    }
}

pub fn run(store: &mut Store, command: DutyCommand) -> Result<(), FieldError> {
    match command {
        DutyCommand::Append { entry, day } => {
            let log = log_id(store, &day, true)?;
            write_entry(store, log, |log, me| {
                log.append_entry(&me.editor, me.at, entry.entry())
            })
        }
        DutyCommand::Close {
            entry,
            outcome,
            day,
        } => {
            let log = log_id(store, &day, false)?;
            write_entry(store, log, |log, me| {
                log.close_follow_up(&me.editor, me.at, &entry, &outcome)
            })
        }
        DutyCommand::Correct {
            entry,
            correction,
            day,
        } => {
            let log = log_id(store, &day, false)?;
            write_entry(store, log, |log, me| {
                log.correct_entry(&me.editor, me.at, &entry, correction.entry())
            })
        }
        DutyCommand::Handover(args) => {
            let log = log_id(store, &args.day, true)?;
            context::act(store, log, |record, me| {
                record
                    .duty_log()?
                    .hand_over(&me.editor, me.at, args.handover()?)
            })
        }
        DutyCommand::Signoff {
            signature: blob,
            comment,
            day,
        } => {
            let log = log_id(store, &day, false)?;
            context::act(store, log, |record, me| {
                let signed = signature(&blob, &me.name)?;
                record
                    .duty_log()?
                    .sign_off(&me.editor, me.at, signed, &comment)
            })
        }
    }
}

/// The id of the log `day` names, opening it first when `open` and the
/// device lacks it.
fn log_id(store: &mut Store, day: &DayArgs, open: bool) -> Result<RecordId, FieldError> {
    let me = Me::of(store)?;
    let estate = me.estate(day.estate.as_deref())?;
    let tz = store.estate_time_zone(&estate)?;
    let date = day.date.unwrap_or_else(|| duty_day_of(me.at, tz));
    let id = DutyLog::id_for(&estate, date);
    if store.get_entry(id)?.is_some() {
        return Ok(id);
    }
    if !open {
        return Err(FieldError::input(format!(
            "this device has no duty log of {estate} for {date} (append an entry or sync first)"
        )));
    }
    let log = DutyLog::open_for_day(&estate, date, tz)?;
    store.insert(log.doc())?;
    Ok(id)
}

/// Runs a verb that writes an entry, and prints the entry's id.
fn write_entry(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut DutyLog, &Me) -> Result<String, RecordError>,
) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let entry = store.update(id, |record| verb(record.duty_log()?, &me))?;
    output::print(&entry)
}
