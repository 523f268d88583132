//! The sync: push what this phone did, pull what everyone else did, merge.
//! [`FieldStore::sync`] blocks until done, so call it from a background
//! thread (Android WorkManager or a coroutine on `Dispatchers.IO`; iOS a
//! `Task.detached` or a background task). A [`SyncProgress`] hears the
//! figures after every round trip; [`FieldStore::cancel_sync`] stops it
//! after the current round trip, keeping what was stored.
//!
//! The sync runs on a connection of its own, so verbs and screens keep
//! working meanwhile; a verb made during the sync is pushed by the next one.
//! Afterwards the [`crate::RecordsListener`] hears which records the sync
//! changed: those whose list row (state, deadline, assignee, conflicts,
//! last change...) differs from before, found by comparing the index
//! before and after, since the core does not yet report the ids it stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::RecordId;
use stairwell_core::store::{Query, Store};
use stairwell_core::sync::http;
use stairwell_core::sync::session;

use crate::error::{Result, StairwellError};
use crate::store::{FieldStore, call_foreign};
use crate::types::count;

/// Hears a sync's progress. Called on the sync's thread after every round
/// trip: hop to the UI thread yourself. Exceptions it throws are ignored.
#[uniffi::export(foreign)]
pub trait SyncProgress: Send + Sync {
    /// The figures so far.
    fn on_progress(&self, stats: SyncStats);
}

/// A sync's figures so far.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStats {
    /// Requests made so far.
    pub round_trips: u32,
    /// Bytes uploaded.
    pub bytes_sent: u64,
    /// Bytes downloaded.
    pub bytes_received: u64,
    /// Records whose local changes the server stored.
    pub sent: u32,
    /// Records received from the server.
    pub received: u32,
    /// Records the server refused (see `SyncSummary.refused`).
    pub refused: u32,
    /// Local records still to push in this sync.
    pub to_push: u32,
    /// Whether the server has more records to send.
    pub more_to_pull: bool,
}

impl From<&session::SyncStats> for SyncStats {
    fn from(stats: &session::SyncStats) -> Self {
        SyncStats {
            round_trips: stats.round_trips,
            bytes_sent: stats.bytes_sent,
            bytes_received: stats.bytes_received,
            sent: stats.sent,
            received: stats.received,
            refused: count(stats.refused.len()),
            to_push: stats.to_push,
            more_to_pull: stats.more_to_pull,
        }
    }
}

/// A record whose changes the server refused. The changes stay on the
/// phone, still pending, so nothing the user did is lost; the record is
/// listed by `pendingUploads()` with this reason until a later push is
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncRefusal {
    /// The record refused.
    pub record_id: String,
    /// The refusal's code, e.g. `forbidden`, `wrong_author`, `invalid`.
    pub code: String,
    /// The server's reason, written for the person holding the phone.
    pub reason: String,
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// The final figures.
    pub stats: SyncStats,
    /// Records the server refused, with its reasons.
    pub refused: Vec<SyncRefusal>,
    /// Records the sync changed on this phone (also told to the listener).
    pub changed_record_ids: Vec<String>,
}

#[uniffi::export]
impl FieldStore {
    /// Pushes this phone's changes and pulls everyone else's, blocking
    /// until done: call it from a background thread. `progress` hears the
    /// figures after every round trip. Fails with `NotEnrolled`, `Network`
    /// (offline: try later), `Server` (e.g. a revoked token), or
    /// `Cancelled`; whatever was stored before a failure stays stored.
    /// A second call waits for the first to finish.
    pub fn sync(&self, progress: Arc<dyn SyncProgress>) -> Result<SyncSummary> {
        let _one_at_a_time = self
            .sync_lock
            .lock()
            .map_err(|_| StairwellError::internal("an earlier sync panicked"))?;
        self.cancel.store(false, Ordering::SeqCst);
        let mut store = self.connection()?;
        let enrollment = store.enrollment()?.ok_or(StairwellError::NotEnrolled)?;
        let before = index(&store)?;
        let result = http::sync(
            &mut store,
            &enrollment.server_url,
            &enrollment.token,
            |stats| {
                let stats = SyncStats::from(stats);
                call_foreign(|| progress.on_progress(stats));
                !self.cancel.load(Ordering::SeqCst)
            },
        );
        // Records stored before a failure or a cancel are changed too.
        let changed = changed_since(&before, &index(&store)?);
        self.notify(changed.clone());
        let stats = result?;
        Ok(SyncSummary {
            stats: SyncStats::from(&stats),
            refused: stats
                .refused
                .iter()
                .map(|refused| SyncRefusal {
                    record_id: refused.id.clone(),
                    code: refused.code.as_str().to_owned(),
                    reason: refused.message.clone(),
                })
                .collect(),
            changed_record_ids: changed,
        })
    }

    /// Stops the sync in progress after its current round trip; it then
    /// fails with `Cancelled`, keeping what it stored. Does nothing when no
    /// sync runs.
    pub fn cancel_sync(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
}

/// Every index row, by record: what a sync is compared against.
fn index(store: &Store) -> Result<HashMap<RecordId, IndexEntry>> {
    Ok(store
        .list(&Query::new())?
        .into_iter()
        .map(|entry| (entry.id, entry))
        .collect())
}

/// The records new in `after` or whose row differs from `before`, sorted.
fn changed_since(
    before: &HashMap<RecordId, IndexEntry>,
    after: &HashMap<RecordId, IndexEntry>,
) -> Vec<String> {
    let mut changed: Vec<RecordId> = after
        .iter()
        .filter(|(id, entry)| before.get(id) != Some(entry))
        .map(|(id, _)| *id)
        .collect();
    changed.sort_unstable();
    changed.iter().map(ToString::to_string).collect()
}
