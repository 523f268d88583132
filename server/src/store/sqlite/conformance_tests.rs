//! The storage conformance suite (`store::conformance`) run against SQLite.

crate::storage_conformance_tests!(|dir| std::sync::Arc::new(
    crate::store::SqliteStorage::open(dir).expect("open")
));
