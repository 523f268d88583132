//! Stairwell's sync server as a library. The folders are its layers, each
//! importing only those listed before it (`scripts/check-layers` checks):
//!
//! 1. [`reports`]: pure derivations of the report rows a record
//!    contributes (patrol visits, callbacks due, timeliness), no SQL.
//! 2. [`store`]: the storage traits and their types; [`store::sqlite`]
//!    holds all the SQL (records and feed, accounts and sessions, read-model
//!    tables, blobs, schema and migrations).
//! 3. [`accounts`]: estates, users, devices, tokens and passwords.
//! 4. [`engine`]: the single writer with its group commit, judging
//!    ([`engine::push`]), compaction and document cache, the feed page, the
//!    notices of commits as plain data, the office's reports read from the
//!    read models, and rebuilding them.
//! 5. [`http`]: the device API: router, sync, identity, blobs, reports, the
//!    feed WebSocket.
//! 6. [`console`]: the office's browser console: pages and i18n.
//! 7. [`cli`]: composition: `serve`, `admin`, `demo`.

pub mod accounts;
pub mod cli;
pub mod console;
pub mod engine;
pub mod http;
pub mod reports;
pub mod store;
