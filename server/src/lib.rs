//! Stairwell's sync server as a library, so the `stairwell` binary stays a
//! thin command-line shell and tests can reach the same pieces.
//!
//! Request path: [`app`] routes `POST /v1/sync` to [`sync_handler`], which
//! authenticates through [`auth`], hands pushed records to the single
//! [`writer`] (group commit; per-record checks in [`push`]) and answers the
//! pull half from [`feed`]. Everything durable goes through the
//! [`storage::Storage`] trait, implemented over SQLite in [`storage::sqlite`].

pub mod admin;
pub mod app;
pub mod auth;
pub mod blob_handler;
pub mod cache;
pub mod cli;
pub mod feed;
pub mod field;
pub mod identity_handler;
pub mod metrics;
pub mod push;
pub mod storage;
pub mod sync_handler;
pub mod writer;
