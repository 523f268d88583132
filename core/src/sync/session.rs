//! The sync session: sans-IO. It reads the offline store to build the next
//! request body and writes each response into the store; moving the bytes
//! is the caller's job (the HTTP transport, a test, a future Bluetooth
//! relay). A sync is a short loop of round trips: each pushes up to a batch
//! of local changes and pulls up to a batch of records changed since the
//! device's feed cursor, until nothing is left either way.

use std::collections::{HashMap, VecDeque};

use automerge::ChangeHash;
use serde::Serialize;
use serde_bytes::ByteBuf;

use super::blobs::BlobStats;
pub use super::error::SyncError;
use crate::protocol::{
    PROTOCOL_VERSION, PulledRecord, PushedRecord, Refused, SyncRequest, SyncResponse, decode,
    encode,
};
use crate::record::RecordId;
use crate::store::{PendingChange, RemoteChanges, RemoteRecord, Store};

/// Most records pushed in one request: keeps a request well under the
/// server's body limit even for records with long histories.
pub const PUSH_BATCH: usize = 1000;

/// Most records asked for in one response.
pub const PULL_BATCH: u32 = 2000;

/// What a sync did so far, for progress and its summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStats {
    pub round_trips: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Records whose local changes the server stored.
    pub sent: u32,
    /// Records received from the server (whole or changes).
    pub received: u32,
    /// Records the server refused, with its reasons.
    pub refused: Vec<Refused>,
    /// Local records still waiting to be pushed in this sync.
    pub to_push: u32,
    /// Whether the server said more records wait.
    pub more_to_pull: bool,
    /// The upload of pending blobs that follows the records.
    pub blobs: BlobStats,
}

/// One sync, from first request to last response.
#[derive(Debug)]
pub struct SyncSession {
    queue: VecDeque<PendingChange>,
    /// Heads of the records in flight, to mark synced once accepted.
    in_flight: HashMap<String, Vec<ChangeHash>>,
    started: bool,
    stats: SyncStats,
}

impl SyncSession {
    /// Starts a sync of everything the store has not yet pushed.
    pub fn new(store: &Store) -> Result<Self, SyncError> {
        let queue: VecDeque<PendingChange> = store.pending_changes()?.into();
        let stats = SyncStats {
            to_push: count(queue.len()),
            ..SyncStats::default()
        };
        Ok(SyncSession {
            queue,
            in_flight: HashMap::new(),
            started: false,
            stats,
        })
    }

    /// The body of the next request, or `None` once the sync is complete.
    pub fn next_request(&mut self, store: &Store) -> Result<Option<Vec<u8>>, SyncError> {
        let finished = self.started && self.queue.is_empty() && !self.stats.more_to_pull;
        if finished {
            return Ok(None);
        }
        self.started = true;
        let take = self.queue.len().min(PUSH_BATCH);
        let push: Vec<PushedRecord> = self
            .queue
            .drain(..take)
            .map(|change| {
                let id = change.id.to_string();
                self.in_flight.insert(id.clone(), change.heads);
                PushedRecord {
                    id,
                    changes: ByteBuf::from(change.changes),
                }
            })
            .collect();
        let request = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: store.feed_cursor()?,
            push,
            max_records: PULL_BATCH,
        };
        let body = encode(&request);
        self.stats.bytes_sent += body.len() as u64;
        Ok(Some(body))
    }

    /// Stores what a response brought; returns the progress so far.
    pub fn handle_response(
        &mut self,
        store: &mut Store,
        body: &[u8],
    ) -> Result<&SyncStats, SyncError> {
        let response: SyncResponse = decode(body).map_err(SyncError::BadResponse)?;
        if response.version != PROTOCOL_VERSION {
            return Err(SyncError::VersionMismatch {
                found: response.version,
            });
        }
        self.stats.round_trips += 1;
        self.stats.bytes_received += body.len() as u64;
        self.record_acknowledgements(store, &response)?;
        self.store_pulled(store, response.records)?;
        store.set_feed_cursor(response.cursor)?;
        self.stats.more_to_pull = response.more;
        self.stats.to_push = count(self.queue.len());
        Ok(&self.stats)
    }

    pub fn stats(&self) -> &SyncStats {
        &self.stats
    }

    fn record_acknowledgements(
        &mut self,
        store: &mut Store,
        response: &SyncResponse,
    ) -> Result<(), SyncError> {
        let acknowledged: Vec<(RecordId, Vec<ChangeHash>)> = response
            .accepted
            .iter()
            .filter_map(|accepted| {
                let heads = self.in_flight.remove(&accepted.id)?;
                Some((accepted.id.parse().ok()?, heads))
            })
            .collect();
        store.mark_synced_many(&acknowledged)?;
        self.stats.sent += count(acknowledged.len());
        for refused in &response.refused {
            self.in_flight.remove(&refused.id);
            if let Ok(id) = refused.id.parse::<RecordId>() {
                store.set_refusal(id, refused.code.as_str(), &refused.message)?;
            }
            self.stats.refused.push(refused.clone());
        }
        Ok(())
    }

    fn store_pulled(
        &mut self,
        store: &mut Store,
        records: Vec<PulledRecord>,
    ) -> Result<(), SyncError> {
        self.stats.received += count(records.len());
        let (whole, changes): (Vec<PulledRecord>, Vec<PulledRecord>) =
            records.into_iter().partition(|record| record.whole);
        let whole: Vec<RemoteRecord> = whole
            .into_iter()
            .map(|record| RemoteRecord {
                bytes: record.bytes.into_vec(),
                entry: Some(record.index),
            })
            .collect();
        store.put_remote_many(&whole)?;
        let changes: Vec<RemoteChanges> = changes
            .into_iter()
            .filter_map(|record| {
                Some(RemoteChanges {
                    id: record.id.parse().ok()?,
                    changes: record.bytes.into_vec(),
                    entry: Some(record.index),
                })
            })
            .collect();
        store.apply_remote_changes(&changes)?;
        Ok(())
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
