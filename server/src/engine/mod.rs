//! The write engine and what reads its results: one writer thread that
//! judges pushes, stages them and group-commits them to the store; the
//! cache of loaded documents; the feed page a pull reads; the notices of
//! commits, as plain data for whoever listens; the office's reports read
//! from the read models; and rebuilding those models from the documents.

pub mod cache;
pub mod directory;
pub mod feed;
pub mod metrics;
pub mod notices;
pub mod push;
pub mod rebuild;
pub mod report_queries;
pub mod writer;

#[cfg(test)]
#[path = "read_model_tests.rs"]
mod read_model_tests;
#[cfg(test)]
pub(crate) mod testing;
