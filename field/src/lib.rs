//! `stairwell field --store FILE <command>`: the scriptable stand-in for a
//! phone, used by the end-to-end tests and by people trying Stairwell. It
//! uses only the public API of `stairwell-core`, the same core the mobile
//! bindings use: a device store file, the record kinds' verbs run through
//! `Store::update` as the enrolled identity, and the core's HTTP sync.
//!
//! One file per group of commands; `args` spells the core's vocabulary on
//! the command line, `output` holds the JSON shapes (documented in the README)
//! and `error` the messages. Exit codes: 0 on success, 1 when a command
//! fails (a refused verb, bad input, no enrollment, a failed sync), 2 for
//! usage errors, which clap reports itself.

mod args;
mod blobs;
mod checklist;
mod complaint;
mod context;
mod detail;
mod duty;
mod error;
mod output;
mod patrol;
mod records;
mod repair;
mod sync;

#[cfg(test)]
mod flows;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use clap::{Args, Subcommand};

pub use error::FieldError;

/// The field command line's arguments.
#[derive(Debug, Clone, Args)]
pub struct FieldArgs {
    /// The device's store file (SQLite); created if missing.
    #[arg(long)]
    store: PathBuf,
    #[command(subcommand)]
    command: FieldCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum FieldCommand {
    /// Enroll this store with a server: who the token speaks for.
    Enroll(sync::EnrollArgs),
    /// The identity this store acts as (from its enrollment).
    Whoami(sync::WhoamiArgs),
    /// Push local changes and pull the server's.
    Sync(sync::SyncArgs),
    /// Repair sheets.
    #[command(subcommand)]
    Repair(repair::RepairCommand),
    /// Patrol rounds.
    #[command(subcommand)]
    Patrol(patrol::PatrolCommand),
    /// Patrol route templates.
    #[command(subcommand)]
    Route(patrol::RouteCommand),
    /// Inspection checklists.
    #[command(subcommand)]
    Checklist(checklist::ChecklistCommand),
    /// Checklist templates.
    #[command(subcommand)]
    ChecklistTemplate(checklist::TemplateCommand),
    /// Complaints and help requests.
    #[command(subcommand)]
    Complaint(complaint::ComplaintCommand),
    /// The duty log.
    #[command(subcommand)]
    Duty(duty::DutyCommand),
    /// One record: header, state, view, timeline, conflicts.
    Show(records::ShowArgs),
    /// Records by deadline.
    List(records::ListArgs),
    /// One record's whole raw history as JSON, for an auditor.
    History(records::HistoryArgs),
    /// Every field in conflict, with the numbers `resolve` takes.
    Conflicts(records::JsonArgs),
    /// Keep one value of a field in conflict.
    Resolve(records::ResolveArgs),
    /// Records whose last push the server refused.
    Refusals(records::JsonArgs),
    /// Undo what the server refused: put a record back as the server has
    /// it (remove it, if the server never had it), to take the step again.
    Discard(records::DiscardArgs),
    /// Keep an image file as a blob; prints the hash verbs take.
    Attach(blobs::AttachArgs),
    /// Blobs on this device: pending upload or uploaded.
    Blobs(blobs::BlobsArgs),
    /// Write a blob to a file, downloading it if this device lacks it.
    Fetch(blobs::FetchArgs),
    /// Drop a blob still waiting for upload (one the server refused); a
    /// record naming it then shows it as missing.
    DropBlob(blobs::DropArgs),
}

/// Runs one field command against its store.
pub fn run(args: FieldArgs) -> Result<(), FieldError> {
    let mut store = context::open_store(&args.store)?;
    let store = &mut store;
    match args.command {
        FieldCommand::Enroll(args) => sync::enroll(store, &args),
        FieldCommand::Whoami(args) => sync::whoami(store, &args),
        FieldCommand::Sync(args) => sync::sync(store, &args),
        FieldCommand::Repair(command) => repair::run(store, command),
        FieldCommand::Patrol(command) => patrol::run(store, command),
        FieldCommand::Route(command) => patrol::run_route(store, command),
        FieldCommand::Checklist(command) => checklist::run(store, command),
        FieldCommand::ChecklistTemplate(command) => checklist::run_template(store, command),
        FieldCommand::Complaint(command) => complaint::run(store, command),
        FieldCommand::Duty(command) => duty::run(store, command),
        FieldCommand::Show(args) => records::show(store, &args),
        FieldCommand::List(args) => records::list(store, &args),
        FieldCommand::History(args) => records::history(store, &args),
        FieldCommand::Conflicts(args) => records::conflicts(store, &args),
        FieldCommand::Resolve(args) => records::resolve(store, &args),
        FieldCommand::Refusals(args) => records::refusals(store, &args),
        FieldCommand::Discard(args) => records::discard(store, &args),
        FieldCommand::Attach(args) => blobs::attach(store, &args),
        FieldCommand::Blobs(args) => blobs::list(store, &args),
        FieldCommand::Fetch(args) => blobs::fetch(store, &args),
        FieldCommand::DropBlob(args) => blobs::drop(store, &args),
    }
}
