//! The patrol round (docs/DOMAIN.md §2): one officer walking a planned route,
//! signing in at each checkpoint, recording what they find and opening
//! repair sheets from findings. Each public method is one step the
//! procedures name.

mod events;
mod repair;
mod rules;
mod view;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use events::{CheckInMethod, FindingReport, RoundEvent};
pub use repair::open_repair_from_finding;
pub use view::{CheckpointVisits, Finding, PatrolRoundView, RoundState, Visit};

use super::BlobHash;
use super::index_entry::{IndexEntry, basic_entry};
use super::route_template::RoutePlan;
use crate::record::{Editor, RecordDoc, RecordError, RecordId, RecordKind};

/// A patrol round record.
#[derive(Debug, Clone)]
pub struct PatrolRound {
    doc: RecordDoc,
}

super::common::record_accessors!(PatrolRound, PatrolRound);

impl PatrolRound {
    /// Starts a round on `plan` (see [`RouteTemplate::plan`]); the editor is
    /// the officer walking it.
    ///
    /// [`RouteTemplate::plan`]: crate::kinds::route_template::RouteTemplate::plan
    pub fn start(
        editor: &Editor,
        at: DateTime<Utc>,
        estate: &str,
        plan: RoutePlan,
    ) -> Result<Self, RecordError> {
        let mut doc = RecordDoc::create(
            RecordKind::PatrolRound,
            RecordId::random(),
            estate,
            editor,
            at,
        )?;
        let empty = PatrolRound::view_of(&doc);
        doc.take_step(&empty, editor, at, RoundEvent::Started(plan), &[])?;
        Ok(PatrolRound { doc })
    }

    /// The round's current state, folded from its history.
    pub fn view(&self) -> PatrolRoundView {
        PatrolRound::view_of(&self.doc)
    }

    pub(crate) fn view_of(doc: &RecordDoc) -> PatrolRoundView {
        doc.memoized("view", || PatrolRoundView::fold(&doc.events()))
    }

    /// Signs in at the checkpoint whose tag reads `code`. Any planned
    /// checkpoint is accepted, in any order and more than once: the view
    /// flags what departs from the plan.
    pub fn check_in(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        code: &str,
        method: CheckInMethod,
    ) -> Result<(), RecordError> {
        let code = code.to_owned();
        self.step(editor, at, RoundEvent::CheckedIn { code, method })
            .map(drop)
    }

    /// Records a finding; returns its id, which repair sheets link to.
    pub fn add_finding(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        report: FindingReport,
    ) -> Result<String, RecordError> {
        self.step(editor, at, RoundEvent::FindingAdded(report))
    }

    /// Notes the repair sheet opened for a finding. Allowed after the round
    /// is finished: sheets are often opened later, from the office.
    pub fn link_repair(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        finding: &str,
        repair: RecordId,
    ) -> Result<(), RecordError> {
        let finding = finding.to_owned();
        self.step(editor, at, RoundEvent::RepairLinked { finding, repair })
            .map(drop)
    }

    pub fn add_note(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        text: &str,
    ) -> Result<(), RecordError> {
        let text = text.to_owned();
        self.step(editor, at, RoundEvent::NoteAdded { text })
            .map(drop)
    }

    pub fn attach_photo(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        blob: BlobHash,
        caption: &str,
    ) -> Result<(), RecordError> {
        let caption = caption.to_owned();
        self.step(editor, at, RoundEvent::PhotoAttached { blob, caption })
            .map(drop)
    }

    /// Ends the round; no check-in or finding is taken after it.
    pub fn finish(&mut self, editor: &Editor, at: DateTime<Utc>) -> Result<(), RecordError> {
        self.step(editor, at, RoundEvent::Finished).map(drop)
    }

    /// The index row lists and queries read. Deadlines (findings' report
    /// times) are wired from the rules module by the store.
    pub fn index_entry(&self, _tz: Tz) -> IndexEntry {
        let view = self.view();
        let deadline = view.next_report_deadline();
        IndexEntry {
            due: deadline.map(|deadline| deadline.due),
            due_rule: deadline.map(|deadline| deadline.rule.code().to_owned()),
            state: view.state.as_str().to_owned(),
            open: view.state == RoundState::InProgress,
            location: buildings(&view),
            title: view.route_name,
            assignee: Some(view.officer),
            ..basic_entry(&self.doc)
        }
    }

    /// Checks `event` against the lifecycle, then appends it; returns the
    /// event's id.
    fn step(
        &mut self,
        editor: &Editor,
        at: DateTime<Utc>,
        event: RoundEvent,
    ) -> Result<String, RecordError> {
        let view = self.view();
        self.doc.take_step(&view, editor, at, event, &[])
    }
}

/// The buildings the route covers, in planned order, for the index.
fn buildings(view: &PatrolRoundView) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for planned in &view.checkpoints {
        let location = &planned.checkpoint.location;
        let name = if location.building.is_empty() {
            location.area.as_str()
        } else {
            location.building.as_str()
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests;
