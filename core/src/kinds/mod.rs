//! The record kinds and their domain verbs. Each kind wraps a
//! [`RecordDoc`](crate::record::RecordDoc), offers verbs that check the
//! lifecycle and inputs, and folds its events into a read-only view.
//! [`AnyRecord`] lets the store and the server handle a document of any kind
//! and derive the index row that lists and queries read.

mod any;
mod common;
pub mod repair_sheet;

pub use any::{AnyRecord, IndexEntry};
pub use common::{BlobHash, Note, Photo, Signature};
