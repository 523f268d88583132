//! Sync between a device and the server: the versioned wire protocol and a
//! sans-IO session that turns the offline store into requests and responses
//! into local writes, never touching a socket itself.

pub mod protocol;
pub mod validate;
