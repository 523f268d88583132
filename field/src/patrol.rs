//! `patrol` and `route`: walking a round (docs/DOMAIN.md §2) and planning the routes
//! rounds follow. A round starts from a route template already on the
//! device, as on a phone; a repair sheet opened from a finding is stored
//! first and then linked from the round, so a failure in between never
//! leaves the round pointing at a sheet that does not exist.

use clap::Subcommand;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::BlobHash;
use stairwell_core::kinds::patrol_round::{
    CheckInMethod, FindingReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::route_template::{Checkpoint, Location, RouteTemplate};
use stairwell_core::record::{RecordError, RecordId};
use stairwell_core::store::Store;

use super::FieldError;
use super::args::{FindingArg, IntakeArgs, PhotoArgs, parse_checkpoint};
use super::context::{self, Me};
use super::detail;
use super::output;

#[derive(Debug, Clone, Subcommand)]
pub enum PatrolCommand {
    /// Start a round on a route template stored on this device; prints its id.
    Start {
        #[arg(long)]
        route: RecordId,
    },
    /// Sign in at a checkpoint by the code on its tag.
    Checkin {
        id: RecordId,
        #[arg(long)]
        code: String,
        /// The code was typed in: the tag is damaged, missing or unreadable.
        #[arg(long)]
        manual: bool,
    },
    /// Record a finding; prints the finding's id.
    Finding {
        id: RecordId,
        #[arg(long, value_enum)]
        category: FindingArg,
        #[arg(long)]
        description: String,
        #[arg(long)]
        building: String,
        #[arg(long)]
        floor: String,
        #[arg(long, default_value = "")]
        area: String,
        /// The SHA-256 of a photo of it (repeatable).
        #[arg(long = "photo")]
        photos: Vec<BlobHash>,
    },
    /// Open a repair sheet for a finding; prints the sheet's id.
    OpenRepair {
        id: RecordId,
        #[arg(long)]
        finding: String,
        #[command(flatten)]
        intake: IntakeArgs,
    },
    /// Add a note to the round.
    Note { id: RecordId, text: String },
    /// Attach a photo to the round.
    Photo {
        id: RecordId,
        #[command(flatten)]
        photo: PhotoArgs,
    },
    /// End the round.
    Finish { id: RecordId },
}

#[derive(Debug, Clone, Subcommand)]
pub enum RouteCommand {
    /// Plan a new route (supervisor); prints its id.
    Define {
        #[arg(long)]
        name: String,
        /// CODE:BUILDING:FLOOR:AREA[:PLACE] in planned order (repeatable);
        /// PLACE is floor (default), unit, shop, car-park, green-area or
        /// facility-room.
        #[arg(long = "checkpoint", required = true, value_parser = parse_checkpoint)]
        checkpoints: Vec<Checkpoint>,
        #[arg(long)]
        estate: Option<String>,
    },
    /// Make a new version of a route's checkpoint list (supervisor).
    Revise {
        id: RecordId,
        #[arg(long = "checkpoint", required = true, value_parser = parse_checkpoint)]
        checkpoints: Vec<Checkpoint>,
    },
}

pub fn run(store: &mut Store, command: PatrolCommand) -> Result<(), FieldError> {
    use PatrolCommand as C;
    match command {
        C::Start { route } => start(store, route),
        C::Checkin { id, code, manual } => {
            let method = if manual {
                CheckInMethod::Manual
            } else {
                CheckInMethod::Scan
            };
            on_round(store, id, |round, me| {
                round.check_in(&me.editor, me.at, &code, method)
            })?;
            progress(store, id)
        }
        C::Finding {
            id,
            category,
            description,
            building,
            floor,
            area,
            photos,
        } => {
            for photo in &photos {
                store.require_held(photo)?;
            }
            let report = FindingReport {
                category: category.into(),
                description,
                location: Location::new(building, floor, area),
                photos,
            };
            add_finding(store, id, report)
        }
        C::OpenRepair {
            id,
            finding,
            intake,
        } => open_repair(store, id, &finding, &intake),
        C::Note { id, text } => on_round(store, id, |round, me| {
            round.add_note(&me.editor, me.at, &text)
        }),
        C::Photo { id, photo } => {
            store.require_held(&photo.blob)?;
            on_round(store, id, |round, me| {
                round.attach_photo(&me.editor, me.at, photo.blob, &photo.caption)
            })
        }
        C::Finish { id } => {
            on_round(store, id, |round, me| round.finish(&me.editor, me.at))?;
            progress(store, id)
        }
    }
}

pub fn run_route(store: &mut Store, command: RouteCommand) -> Result<(), FieldError> {
    match command {
        RouteCommand::Define {
            name,
            checkpoints,
            estate,
        } => {
            let me = Me::of(store)?;
            let estate = me.estate(estate.as_deref())?;
            let route = RouteTemplate::define(&me.editor, me.at, &estate, &name, checkpoints)?;
            context::created(store, &AnyRecord::RouteTemplate(route))
        }
        RouteCommand::Revise { id, checkpoints } => context::act(store, id, |record, me| {
            record
                .route_template()?
                .revise(&me.editor, me.at, checkpoints)
        }),
    }
}

fn start(store: &mut Store, route: RecordId) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let mut template = context::load(store, route)?;
    let estate = me.estate(Some(&template.doc().header().estate))?;
    let plan = template.route_template()?.plan();
    let round = PatrolRound::start(&me.editor, me.at, &estate, plan)?;
    context::created(store, &AnyRecord::PatrolRound(round))
}

fn add_finding(store: &mut Store, id: RecordId, report: FindingReport) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let finding = store.update(id, |record| {
        record
            .patrol_round()?
            .add_finding(&me.editor, me.at, report)
    })?;
    output::print(&finding)
}

/// Opens the sheet on a copy of the round (which checks everything), stores
/// the sheet, then links it from the stored round.
fn open_repair(
    store: &mut Store,
    id: RecordId,
    finding: &str,
    intake: &IntakeArgs,
) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    let mut copy = context::load(store, id)?;
    let sheet = open_repair_from_finding(
        copy.patrol_round()?,
        &me.editor,
        me.at,
        finding,
        intake.intake(),
    )?;
    let sheet_id = sheet.id();
    let finding_id = sheet.view().source.map(|source| source.item);
    let finding_id = finding_id.unwrap_or_else(|| finding.trim().to_owned());
    store.insert(sheet.doc())?;
    store.update(id, |record| {
        record
            .patrol_round()?
            .link_repair(&me.editor, me.at, &finding_id, sheet_id)
    })?;
    output::print(&sheet_id.to_string())
}

/// After a check-in or the finish, where the officer stands: the next
/// checkpoint, those skipped, a warning for an out-of-order check-in, and
/// on finishing the list of missed checkpoints.
fn progress(store: &Store, id: RecordId) -> Result<(), FieldError> {
    let mut round = context::load(store, id)?;
    let view = round.patrol_round()?.view();
    for line in detail::round_progress(&view) {
        match line.strip_prefix("warning: ") {
            Some(warning) => eprintln!("warning: {warning}"),
            None => output::print(&line)?,
        }
    }
    Ok(())
}

/// Runs a verb on a stored patrol round.
fn on_round(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut PatrolRound, &Me) -> Result<(), RecordError>,
) -> Result<(), FieldError> {
    context::act(store, id, |record, me| verb(record.patrol_round()?, me))
}
