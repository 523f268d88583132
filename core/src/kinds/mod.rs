//! The record kinds and their domain verbs. Each kind wraps a
//! [`RecordDoc`](crate::record::RecordDoc), offers verbs that check the
//! lifecycle and inputs, and folds its events into a read-only view.
//! [`AnyRecord`] lets the store and the server handle a document of any kind
//! and derive the index row that lists and queries read.

mod any;
pub mod checklist;
pub mod checklist_template;
mod common;
pub mod complaint;
pub mod duty_log;
mod index_entry;
mod offers;
pub mod patrol_round;
pub mod repair_sheet;
pub mod route_template;

pub use any::{AnyRecord, HasDoc};
pub use common::{
    BlobHash, Callback, CallbackMethod, CallbackRecord, Note, Photo, Satisfaction, Signature,
};
pub use index_entry::IndexEntry;
pub use offers::offers;
