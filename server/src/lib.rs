//! Stairwell's sync server as a library, so the `stairwell` binary stays a
//! thin command-line shell and tests can reach the same pieces.
//!
//! Request path: [`app`] routes `POST /v1/sync` to [`sync_handler`], which
//! authenticates through [`auth`], hands pushed records to the single
//! [`writer`] (group commit; per-record checks in [`push`]) and answers the
//! pull half from [`feed`]. Everything durable goes through the
//! [`storage::Storage`] trait, implemented over SQLite in [`storage::sqlite`].
//! Each commit also updates the report tables of [`read_models`] (served as
//! JSON by [`reports_handler`]) and is announced to feed WebSockets by
//! [`notify`]. [`console`] is the office's browser console, served beside
//! the API. [`demo`] seeds and serves a demo estate.

pub mod admin;
pub mod app;
pub mod auth;
pub mod blob_handler;
pub mod cache;
pub mod cli;
pub mod console;
pub mod demo;
pub mod directory;
pub mod feed;
pub mod identity_handler;
pub mod metrics;
pub mod notify;
pub mod push;
pub mod read_models;
pub mod reports_handler;
pub mod state;
pub mod storage;
pub mod sync_handler;
pub mod writer;

#[cfg(test)]
pub(crate) mod test_server;
