//! Offline store.
