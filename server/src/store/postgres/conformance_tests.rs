//! The storage conformance suite (`store::conformance`) run against
//! PostgreSQL, each test on a database of its own (`test_database.rs`).

crate::storage_conformance_tests!(|dir| std::sync::Arc::new(super::test_database::open(dir)));
