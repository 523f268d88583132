//! Sync between a device and the server over the wire messages of
//! [`crate::protocol`]: the checks the server makes on a push, the blob
//! protocol, and a sans-IO session that turns the offline store into
//! requests and responses into local writes, never touching a socket
//! itself; `http` (feature `http`) is its one driver.

pub mod audit;
pub mod blobs;
mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod judge;
pub mod link;
pub mod session;
