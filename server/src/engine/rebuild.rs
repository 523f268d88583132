//! Rebuilding the read models: every index row and report row recomputed
//! from the stored documents, in one transaction. Run by
//! `stairwell admin rebuild-read-models`, and when a server opens a
//! database whose schema upgrade added report tables.

use stairwell_core::kinds::AnyRecord;

use crate::reports::ModelRows;
use crate::store::{Storage, StorageError};

/// Recomputes every read-model row from the stored documents; returns how
/// many records it indexed.
pub fn rebuild_read_models(storage: &dyn Storage) -> Result<usize, StorageError> {
    storage.rebuild_read_models(&|record, tz| {
        AnyRecord::load(&record.bytes)
            .map(|loaded| (loaded.index_entry(tz), ModelRows::derive(&loaded, tz)))
    })
}

/// Rebuilds the read models if the database's upgrade asks for it. A
/// failure is logged, not fatal: the records are intact, and the operator
/// is told to run `stairwell admin rebuild-read-models`.
pub fn after_upgrade(storage: &dyn Storage) {
    let Some(found) = storage.read_models_stale() else {
        return;
    };
    match rebuild_read_models(storage) {
        Ok(count) => tracing::info!(
            from_schema = found,
            records = count,
            "rebuilt the read models after the schema upgrade"
        ),
        Err(err) => tracing::warn!(
            from_schema = found,
            error = %err,
            "could not rebuild the read models after the schema upgrade; \
             run `stairwell admin rebuild-read-models`"
        ),
    }
}
