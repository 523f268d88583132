//! Stairwell for phone apps: the offline store, the verbs of every field
//! record and the sync, exported with uniffi to Kotlin (Android), Swift (iOS)
//! and Python (tests).
//!
//! The API is shaped for app developers rather than mirroring the core:
//! one object, [`FieldStore`], opened on a file in the app's private storage
//! and enrolled once with the server; every verb is a method on it that
//! takes record ids and plain records, runs as the enrolled person at the
//! current time, and either stores its change or returns a readable
//! [`StairwellError`] having changed nothing. Screens read plain view records
//! ([`queries`] and the per-kind getters); a [`RecordsListener`] hears which
//! records changed; [`FieldStore::sync`] runs on a background thread.
//!
//! One file per concept:
//! - [`store`]: the `FieldStore` object, enrollment and the change listener;
//! - [`records`]: the verbs and views of each record kind, one file a kind;
//! - [`queries`]: what phone screens list (my work by deadline, conflicts,
//!   pending uploads, any record by id);
//! - [`sync`]: the blocking sync with progress and cancellation;
//! - [`types`]: the plain records and enums several kinds share;
//! - [`error`]: the one public error.

// Every exported item's doc comment is copied into the Kotlin, Swift and
// Python bindings: none may be missing.
#![warn(missing_docs)]

uniffi::setup_scaffolding!();

pub mod error;
pub mod images;
pub mod queries;
pub mod records;
pub mod store;
pub mod sync;
pub mod types;

pub use error::StairwellError;
pub use store::{FieldStore, RecordsListener};
pub use sync::{SyncProgress, SyncStats, SyncSummary};
