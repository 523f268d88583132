//! What every request handler shares: storage, the writer, metrics, the
//! feed notices, and the limits on what one request may ask. Its own file so
//! that handlers depend on it, not on the router that mounts them.

use std::sync::Arc;

use stairwell_core::record::Limits as RecordLimits;
use stairwell_core::sync::blobs::DEFAULT_MAX_BLOB_BYTES;

use crate::accounts::last_seen::LastSeen;
use crate::accounts::sign_in::SignIn;
use crate::engine::metrics::Metrics;
use crate::engine::notices::Notices;
use crate::engine::writer::WriterHandle;
use crate::http::body::LargeBodies;
use crate::http::feed_sockets::FeedSockets;
use crate::store::{Storage, UploadQuota};

/// Explicit, configurable bounds on what one request may ask of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// Records one request may push.
    pub max_push_records: usize,
    /// Records one response carries at most, whatever the device asks.
    pub max_pull_records: usize,
    /// The largest blob (photo, signature image) accepted, in bytes.
    pub max_blob_bytes: u64,
    /// The shape one record may take (events, bytes, texts, nesting).
    pub record: RecordLimits,
    /// Blob uploads under way: pending bytes per device and in all, expiry.
    pub uploads: UploadQuota,
    /// Request bodies over 1 MiB read at once.
    pub max_large_bodies: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 32 * 1024 * 1024,
            max_push_records: 5_000,
            max_pull_records: 2_000,
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
            record: RecordLimits::default(),
            uploads: UploadQuota::default(),
            max_large_bodies: 8,
        }
    }
}

#[derive(Debug)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub writer: WriterHandle,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    /// Every group commit, for the feed WebSocket.
    pub notices: Notices,
    /// The feed sockets each device holds open.
    pub feed_sockets: FeedSockets,
    /// The console's sign-in throttle, password-check gate and form tokens.
    pub sign_in: SignIn,
    /// The slots request bodies over 1 MiB share.
    pub large_bodies: LargeBodies,
    /// When each device's last sync was last written.
    pub last_seen: LastSeen,
}
