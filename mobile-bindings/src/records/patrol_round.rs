//! Patrol rounds (docs/DOMAIN.md §2): an officer walks a planned route, signs in at
//! each checkpoint by its tag, records findings and opens repair sheets
//! from them. A round starts from a route template already on the phone
//! (supervisors define routes; a sync brings them). Check-ins are never
//! refused for their order: the view flags visits out of order and
//! checkpoints missed, because a phone must not refuse a visit that happened.

use std::time::SystemTime;

use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::patrol_round::{
    self as core, FindingReport as CoreReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::route_template::{self, Location, RouteTemplate};
use stairwell_core::rules;

use super::repair_sheet::RepairIntake;
use crate::error::{Result, StairwellError};
use crate::store::FieldStore;
use crate::types::{
    Due, Note, Photo, TimelineLine, blob, count, mirror_enum, now, record_id, time, time_opt,
    timeline,
};

mirror_enum! {
    /// How the officer proved a visit.
    CheckInMethod <=> core::CheckInMethod {
        /// The QR or NFC tag was read.
        Scan,
        /// Typed in, for a tag that is damaged, missing or unreadable.
        Manual,
    }
}

mirror_enum! {
    /// Where a round stands.
    RoundState <=> core::RoundState {
        /// Being walked.
        InProgress,
        /// Ended.
        Finished,
    }
}

mirror_enum! {
    /// What an officer found; each category has its own reporting deadline.
    FindingCategory <=> rules::FindingCategory {
        /// A damaged or faulty shared facility (report within 2 h).
        FacilityDamage,
        /// A plant-room door found open (engineering told within 1 h).
        PlantRoomDoorOpen,
        /// A cleanliness problem (handled at once).
        Cleanliness,
        /// A renovation breaking the rules.
        RenovationViolation,
        /// A door, window or balcony of a unit that endangers people
        /// (owner told at once).
        UnitSafetyHazard,
        /// A dispute, a crowd or gambling (estate manager told at once).
        Disturbance,
        /// Littering, trampled lawns, bad parking, hawking, blocked fire escapes.
        PublicOrder,
    }
}

mirror_enum! {
    /// The kinds of place a route passes.
    PlaceKind <=> route_template::PlaceKind {
        /// A building's floor.
        Floor,
        /// A unit.
        Unit,
        /// A shop.
        Shop,
        /// A car park.
        CarPark,
        /// A green area.
        GreenArea,
        /// A facility room (plant, pump, telecom...).
        FacilityRoom,
    }
}

/// A point on a route where the officer signs in by its tag.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Checkpoint {
    /// The code on the QR or NFC tag.
    pub code: String,
    /// The building, if any (green areas have none).
    pub building: String,
    /// The floor, if any.
    pub floor: String,
    /// A named part of the estate, e.g. "car park B1".
    pub area: String,
    /// What kind of place it is.
    pub place: PlaceKind,
}

impl From<&route_template::Checkpoint> for Checkpoint {
    fn from(checkpoint: &route_template::Checkpoint) -> Self {
        Checkpoint {
            code: checkpoint.code.clone(),
            building: checkpoint.location.building.clone(),
            floor: checkpoint.location.floor.clone(),
            area: checkpoint.location.area.clone(),
            place: checkpoint.place.into(),
        }
    }
}

/// A planned checkpoint and how often it was visited in this round.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckpointStatus {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// How many check-ins it had.
    pub visits: u32,
    /// The first check-in's time.
    pub first_visit_at: Option<SystemTime>,
}

/// One check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Visit {
    /// The checkpoint's code.
    pub code: String,
    /// Scanned or typed in.
    pub method: CheckInMethod,
    /// Who checked in.
    pub user: String,
    /// When.
    pub at: SystemTime,
    /// False when the officer went back to a checkpoint planned before one
    /// already visited.
    pub in_order: bool,
    /// The checkpoint had been visited before.
    pub repeat_visit: bool,
}

impl From<&core::Visit> for Visit {
    fn from(visit: &core::Visit) -> Self {
        Visit {
            code: visit.code.clone(),
            method: visit.method.into(),
            user: visit.user.clone(),
            at: time(visit.at),
            in_order: visit.in_order,
            repeat_visit: visit.repeat,
        }
    }
}

/// What an officer found, as they report it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FindingReport {
    /// Its category, which sets its deadline.
    pub category: FindingCategory,
    /// What was found.
    pub description: String,
    /// The building (or leave empty and name an area).
    pub building: String,
    /// The floor, if any.
    #[uniffi(default = "")]
    pub floor: String,
    /// A named part of the estate, if any.
    #[uniffi(default = "")]
    pub area: String,
    /// The SHA-256 of each photo of it.
    #[uniffi(default = [])]
    pub photo_sha256s: Vec<String>,
}

impl FindingReport {
    fn core(&self) -> Result<CoreReport> {
        Ok(CoreReport {
            category: self.category.into(),
            description: self.description.clone(),
            location: Location::new(
                self.building.as_str(),
                self.floor.as_str(),
                self.area.as_str(),
            ),
            photos: self
                .photo_sha256s
                .iter()
                .map(|hash| blob("photo_sha256s", hash))
                .collect::<Result<_>>()?,
        })
    }
}

/// A finding as recorded, with the repair sheets opened for it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Finding {
    /// The finding's id (pass it to `openRepairFromFinding`).
    pub id: String,
    /// Its category.
    pub category: FindingCategory,
    /// What was found.
    pub description: String,
    /// Where, in one line, e.g. "B2, 12F, corridor".
    pub place: String,
    /// The SHA-256 of each photo.
    pub photo_sha256s: Vec<String>,
    /// Who found it.
    pub user: String,
    /// When.
    pub at: SystemTime,
    /// The repair sheets opened for it.
    pub repair_sheet_ids: Vec<String>,
}

impl From<&core::Finding> for Finding {
    fn from(finding: &core::Finding) -> Self {
        Finding {
            id: finding.id.clone(),
            category: finding.report.category.into(),
            description: finding.report.description.clone(),
            place: finding.report.location.describe(),
            photo_sha256s: finding
                .report
                .photos
                .iter()
                .map(|p| p.to_string())
                .collect(),
            user: finding.user.clone(),
            at: time(finding.at),
            repair_sheet_ids: finding.repairs.iter().map(|id| id.to_string()).collect(),
        }
    }
}

/// Everything a patrol round's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PatrolRoundView {
    /// The round's id.
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Walking or finished.
    pub state: RoundState,
    /// The route it follows.
    pub route_id: String,
    /// The route's name.
    pub route_name: String,
    /// The route's version the round copied.
    pub route_version: u32,
    /// The officer walking it.
    pub officer: String,
    /// When it started.
    pub started_at: SystemTime,
    /// When it finished.
    pub finished_at: Option<SystemTime>,
    /// The planned checkpoints, in order, with their visits.
    pub checkpoints: Vec<CheckpointStatus>,
    /// Where to go next: the first planned checkpoint not yet visited.
    pub next_checkpoint: Option<Checkpoint>,
    /// Checkpoints skipped so far (or, once finished, never visited).
    pub missed: Vec<Checkpoint>,
    /// How many planned checkpoints were visited.
    pub visited: u32,
    /// Every check-in, in order.
    pub check_ins: Vec<Visit>,
    /// Whether no check-in went back against the planned order.
    pub in_order: bool,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Photos.
    pub photos: Vec<Photo>,
    /// The earliest reporting deadline of a finding not yet sent to repair.
    pub report_due: Option<Due>,
    /// The history.
    pub timeline: Vec<TimelineLine>,
}

impl PatrolRoundView {
    pub(crate) fn new(round: &PatrolRound) -> Self {
        let view = round.view();
        let now = now();
        PatrolRoundView {
            id: round.id().to_string(),
            estate: round.doc().header().estate.clone(),
            state: view.state.into(),
            route_id: view.route.to_string(),
            route_name: view.route_name.clone(),
            route_version: view.route_version,
            officer: view.officer.clone(),
            started_at: time(view.started_at),
            finished_at: time_opt(view.finished_at),
            checkpoints: view
                .checkpoints
                .iter()
                .map(|planned| CheckpointStatus {
                    checkpoint: Checkpoint::from(&planned.checkpoint),
                    visits: count(planned.visits.len()),
                    first_visit_at: planned.visits.first().map(|visit| time(visit.at)),
                })
                .collect(),
            next_checkpoint: view.next_checkpoint().map(Checkpoint::from),
            missed: view.missed().into_iter().map(Checkpoint::from).collect(),
            visited: count(
                view.checkpoints
                    .iter()
                    .filter(|planned| !planned.visits.is_empty())
                    .count(),
            ),
            check_ins: view.check_ins.iter().map(Visit::from).collect(),
            in_order: view.in_order,
            findings: view.findings.iter().map(Finding::from).collect(),
            notes: view.notes.iter().map(Note::from).collect(),
            photos: view.photos.iter().map(Photo::from).collect(),
            report_due: view
                .next_report_deadline()
                .map(|deadline| Due::of_deadline(deadline, now)),
            timeline: timeline(&view.timeline),
        }
    }
}

/// A patrol route on the phone, to start a round on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteView {
    /// The route template's id (pass it to `startPatrolRound`).
    pub id: String,
    /// Its estate.
    pub estate: String,
    /// Its name.
    pub name: String,
    /// Its current version.
    pub version: u32,
    /// Its checkpoints, in planned order.
    pub checkpoints: Vec<Checkpoint>,
}

impl RouteView {
    pub(crate) fn new(route: &RouteTemplate) -> Self {
        let view = route.view();
        RouteView {
            id: route.id().to_string(),
            estate: route.doc().header().estate.clone(),
            name: view.name,
            version: view.version,
            checkpoints: view.checkpoints.iter().map(Checkpoint::from).collect(),
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Starts a round on the route template `route_id` (on this phone);
    /// returns the round's id. The route's checkpoints are copied, so a
    /// later revision of the route never changes this round.
    pub fn start_patrol_round(&self, route_id: String) -> Result<String> {
        let route = record_id(&route_id)?;
        self.create(|store, me| {
            let mut template = FieldStore::load(store, route)?;
            let estate = me.estate(Some(&template.doc().header().estate))?;
            let plan = template.route_template()?.plan();
            let round = PatrolRound::start(&me.editor, me.at, &estate, plan)?;
            Ok(AnyRecord::PatrolRound(round))
        })
    }

    /// Signs in at the checkpoint whose tag reads `code`.
    pub fn check_in(&self, round_id: String, code: String, method: CheckInMethod) -> Result<()> {
        self.act(&round_id, |record, me| {
            record
                .patrol_round()?
                .check_in(&me.editor, me.at, &code, method.into())
        })
    }

    /// Records a finding; returns its id, which a repair sheet can name.
    pub fn add_finding(&self, round_id: String, finding: FindingReport) -> Result<String> {
        let report = finding.core()?;
        {
            let store = self.lock()?;
            for photo in &report.photos {
                store.require_held(photo)?;
            }
        }
        self.act(&round_id, |record, me| {
            record
                .patrol_round()?
                .add_finding(&me.editor, me.at, report)
        })
    }

    /// Opens a repair sheet for a finding of the round and links it back;
    /// returns the sheet's id. The sheet's clock runs from the finding.
    pub fn open_repair_from_finding(
        &self,
        round_id: String,
        finding_id: String,
        intake: RepairIntake,
    ) -> Result<String> {
        let round_id = record_id(&round_id)?;
        self.write(|store, me| {
            // Everything is checked on a copy first, so a refusal stores
            // neither the sheet nor the link.
            let mut copy = FieldStore::load(store, round_id)?;
            let sheet = open_repair_from_finding(
                copy.patrol_round()?,
                &me.editor,
                me.at,
                &finding_id,
                intake.core(),
            )?;
            let sheet_id = sheet.id();
            let finding = sheet
                .view()
                .source
                .map(|source| source.item)
                .ok_or_else(|| StairwellError::internal("the sheet names no finding"))?;
            store.insert(sheet.doc())?;
            store.update(round_id, |record| {
                record
                    .patrol_round()?
                    .link_repair(&me.editor, me.at, &finding, sheet_id)
            })?;
            Ok((sheet_id.to_string(), vec![sheet_id, round_id]))
        })
    }

    /// Ends the round; no check-in or finding is taken after it.
    pub fn finish_round(&self, round_id: String) -> Result<()> {
        self.act(&round_id, |record, me| {
            record.patrol_round()?.finish(&me.editor, me.at)
        })
    }

    /// The patrol round `round_id`, as its screen shows it.
    pub fn patrol_round(&self, round_id: String) -> Result<PatrolRoundView> {
        let (mut record, _) = self.read(&round_id)?;
        Ok(PatrolRoundView::new(record.patrol_round()?))
    }
}
