//! Sync between a device and the server: the versioned wire protocol, the
//! checks the server makes on a push, and a sans-IO session that turns the
//! offline store into requests and responses into local writes, never
//! touching a socket itself; `http` (feature `http`) is its one driver.

pub mod blobs;
mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod judge;
pub mod protocol;
pub mod session;
