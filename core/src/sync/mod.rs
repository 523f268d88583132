//! Sync between a device and the server: the versioned wire protocol and the
//! checks the server makes on a push.

pub mod protocol;
pub mod validate;
