//! Why a sync stopped: one error for the record and blob halves of a sync
//! and for every driver of them.

use crate::protocol::PROTOCOL_VERSION;
use crate::store::StoreError;

/// Why a sync stopped. Whatever was stored before the error stays stored,
/// and the next sync goes on from there.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the server's answer was not understood: {0}")]
    BadResponse(String),
    #[error("the server speaks sync protocol {found}, this app speaks {PROTOCOL_VERSION}")]
    VersionMismatch { found: u32 },
}
