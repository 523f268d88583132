//! A repair sheet's derived state: a pure fold over its events in history
//! order (see [`crate::record::replay`]). Its [`Lifecycle::check`] is the one
//! statement of which step may follow which (docs/DOMAIN.md §1).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::events::{FeeLine, MaterialCheck, RepairEvent, SourceLink};
use super::intake::Intake;
use crate::kinds::{CallbackRecord, Note, Photo, Satisfaction, Signature};
use crate::record::{Conflict, Event, Lifecycle, TimelineEntry, replay};
use crate::rules::RepairLocation;

/// The lifecycle of a repair sheet (docs/DOMAIN.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairState {
    Reported,
    Dispatched,
    Quoted,
    OnSite,
    Agreed,
    Declined,
    Completed,
    HandedBack,
    Returned,
    CalledBack,
}

impl RepairState {
    pub fn as_str(self) -> &'static str {
        match self {
            RepairState::Reported => "reported",
            RepairState::Dispatched => "dispatched",
            RepairState::Quoted => "quoted",
            RepairState::OnSite => "on_site",
            RepairState::Agreed => "agreed",
            RepairState::Declined => "declined",
            RepairState::Completed => "completed",
            RepairState::HandedBack => "handed_back",
            RepairState::Returned => "returned",
            RepairState::CalledBack => "called_back",
        }
    }

    /// Whether the work itself is still to be done.
    pub fn is_open(self) -> bool {
        self < RepairState::Declined
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub feasible: bool,
    pub fee_cents: Option<i64>,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completion {
    pub items_repaired: Vec<String>,
    pub signature: Signature,
    pub satisfaction: Satisfaction,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decline {
    pub reason: String,
    pub signature: Signature,
    pub at: DateTime<Utc>,
}

/// Everything a screen shows about a repair sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairSheetView {
    pub state: RepairState,
    pub intake: Intake,
    pub reported_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub source: Option<SourceLink>,
    pub technician: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub quote: Option<Quote>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub confirmed_items: Option<(Vec<String>, String)>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub declined: Option<Decline>,
    pub fee_lines: Vec<FeeLine>,
    pub materials: Vec<MaterialCheck>,
    pub notes: Vec<Note>,
    pub photos: Vec<Photo>,
    pub completion: Option<Completion>,
    pub handed_back_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub callbacks: Vec<CallbackRecord>,
    pub timeline: Vec<TimelineEntry>,
    pub conflicts: Vec<Conflict>,
    /// Whether the `opened` event has been folded; a second one never counts.
    #[serde(skip)]
    pub(super) opened: bool,
}

impl RepairSheetView {
    /// Folds the history into a view. `events` are in history order.
    pub(crate) fn fold(
        intake: Intake,
        events: &[Event<RepairEvent>],
        conflicts: Vec<Conflict>,
    ) -> Self {
        let opened_at = events
            .first()
            .map_or(DateTime::<Utc>::MIN_UTC, |event| event.at);
        let mut view = RepairSheetView {
            state: RepairState::Reported,
            intake,
            reported_at: opened_at,
            opened_at,
            source: None,
            technician: None,
            dispatched_at: None,
            quote: None,
            arrived_at: None,
            confirmed_items: None,
            agreed_at: None,
            declined: None,
            fee_lines: Vec::new(),
            materials: Vec::new(),
            notes: Vec::new(),
            photos: Vec::new(),
            completion: None,
            handed_back_at: None,
            returned_at: None,
            callbacks: Vec::new(),
            timeline: Vec::new(),
            conflicts,
            opened: false,
        };
        view.timeline = replay(&mut view, events);
        view
    }

    /// The sum of all fee lines, in cents.
    pub fn fee_total_cents(&self) -> i64 {
        self.fee_lines.iter().map(FeeLine::total_cents).sum()
    }

    /// Whether a resident's callback left them satisfied; until then the
    /// case is called back again (docs/DOMAIN.md §5).
    pub fn callback_settled(&self) -> bool {
        self.callbacks
            .last()
            .is_some_and(|record| record.callback.satisfied)
    }
}

impl Lifecycle for RepairSheetView {
    type Event = RepairEvent;

    fn check(&self, event: &RepairEvent) -> Result<(), String> {
        use RepairState::*;
        let state = self.state;
        let allowed = |states: &[RepairState], what: &str| {
            if states.contains(&state) {
                Ok(())
            } else {
                Err(format!("the sheet is {}, and {what}", state.as_str()))
            }
        };
        match event {
            RepairEvent::Opened { .. } if self.opened => Err("the sheet is already open".into()),
            RepairEvent::Opened { .. } => Ok(()),
            RepairEvent::Dispatched { .. } => allowed(
                &[Reported, Dispatched, Quoted],
                "only a sheet not yet worked is dispatched",
            ),
            RepairEvent::Quoted { .. } if self.intake.on_price_list => {
                Err("the item is on the price list, so it needs no quote".into())
            }
            RepairEvent::Quoted { .. } => {
                allowed(&[Reported, Dispatched], "a quote comes before the visit")
            }
            RepairEvent::Arrived => {
                if self.quote.as_ref().is_some_and(|quote| !quote.feasible) {
                    return Err("engineering found the job not feasible".into());
                }
                allowed(
                    &[Dispatched, Quoted],
                    "the technician arrives once dispatched",
                )
            }
            RepairEvent::ItemsConfirmed { .. } => allowed(&[OnSite], "items are confirmed on site"),
            RepairEvent::Agreed | RepairEvent::Declined { .. } => {
                allowed(&[OnSite], "the resident answers on site")
            }
            RepairEvent::FeeLineAdded(_) | RepairEvent::MaterialChecked(_) => allowed(
                &[OnSite, Agreed],
                "fees and materials are noted during the work",
            ),
            RepairEvent::Completed { .. } => {
                let needs_agreement = self.intake.location == RepairLocation::InUnit;
                if needs_agreement {
                    allowed(
                        &[Agreed],
                        "a paid repair needs the resident's agreement first",
                    )
                } else {
                    allowed(&[OnSite, Agreed], "the repair is completed on site")
                }
            }
            RepairEvent::HandedBack => allowed(
                &[Completed, Declined],
                "only a finished sheet is handed back",
            ),
            RepairEvent::ReturnConfirmed => {
                allowed(&[HandedBack], "the sheet must be handed back first")
            }
            RepairEvent::CalledBack(_) => {
                if self.completion.is_none() {
                    Err("only a completed repair is called back".into())
                } else {
                    Ok(())
                }
            }
            RepairEvent::NoteAdded { .. } | RepairEvent::PhotoAttached { .. } => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event<RepairEvent>) {
        let at = event.at;
        match &event.body {
            RepairEvent::Opened {
                reported_at,
                source,
            } => {
                self.reported_at = *reported_at;
                self.opened_at = at;
                self.source = source.clone();
                self.opened = true;
            }
            RepairEvent::Dispatched { technician } => {
                self.technician = Some(technician.clone());
                self.dispatched_at = Some(at);
                if self.state == RepairState::Reported {
                    self.state = RepairState::Dispatched;
                }
            }
            RepairEvent::Quoted {
                feasible,
                fee_cents,
                note,
            } => {
                self.quote = Some(Quote {
                    feasible: *feasible,
                    fee_cents: *fee_cents,
                    note: note.clone(),
                    at,
                });
                self.state = RepairState::Quoted;
            }
            RepairEvent::Arrived => {
                self.arrived_at = Some(at);
                self.state = RepairState::OnSite;
            }
            RepairEvent::ItemsConfirmed {
                items,
                fee_standard,
            } => {
                self.confirmed_items = Some((items.clone(), fee_standard.clone()));
            }
            RepairEvent::Agreed => {
                self.agreed_at = Some(at);
                self.state = RepairState::Agreed;
            }
            RepairEvent::Declined { reason, signature } => {
                self.declined = Some(Decline {
                    reason: reason.clone(),
                    signature: signature.clone(),
                    at,
                });
                self.state = RepairState::Declined;
            }
            RepairEvent::FeeLineAdded(line) => self.fee_lines.push(line.clone()),
            RepairEvent::MaterialChecked(check) => self.materials.push(check.clone()),
            RepairEvent::NoteAdded { text } => self.notes.push(Note {
                text: text.clone(),
                user: event.user.clone(),
                at,
            }),
            RepairEvent::PhotoAttached { blob, caption } => self.photos.push(Photo {
                blob: blob.clone(),
                caption: caption.clone(),
                user: event.user.clone(),
                at,
            }),
            RepairEvent::Completed {
                items_repaired,
                signature,
                satisfaction,
            } => {
                self.completion = Some(Completion {
                    items_repaired: items_repaired.clone(),
                    signature: signature.clone(),
                    satisfaction: *satisfaction,
                    at,
                });
                self.state = RepairState::Completed;
            }
            RepairEvent::HandedBack => {
                self.handed_back_at = Some(at);
                self.state = RepairState::HandedBack;
            }
            RepairEvent::ReturnConfirmed => {
                self.returned_at = Some(at);
                self.state = RepairState::Returned;
            }
            RepairEvent::CalledBack(callback) => {
                self.callbacks.push(CallbackRecord {
                    callback: callback.clone(),
                    user: event.user.clone(),
                    at,
                });
                self.state = self.state.max(RepairState::CalledBack);
            }
        }
    }
}
