//! What administering accounts asks of storage, beside the sync server's
//! own account tables: the users with their devices, a user changed, each
//! device's last sync, and the log of every account change with who made
//! it. A trait, handed out by [`crate::store::Storage::accounts`], so every
//! backend serves it; the rules of who may do what are
//! [`crate::accounts::admin`]'s.

use chrono::{DateTime, Utc};
use stairwell_core::record::Role;

use crate::store::{NewUser, StorageError};

/// A user as the account pages list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub estates: Vec<String>,
    /// Whether a console password is set.
    pub has_password: bool,
    /// Devices not revoked.
    pub live_devices: u32,
    /// The latest sync of any of the user's devices.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// A device as the account pages list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: String,
    pub user: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The device's latest sync (kept to the minute).
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One change to accounts: who, what, to whom. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAction {
    pub at: DateTime<Utc>,
    /// `console:<user id>` or `command line:<operator>`.
    pub actor: String,
    /// What was done, e.g. `user.add`, `device.revoke`.
    pub action: String,
    /// The user, device or estate it was done to.
    pub target: String,
    /// The change in words (role, estates, device name...).
    pub detail: String,
}

/// Account administration's storage needs. Every method is blocking.
pub trait AccountStore: Send + Sync {
    /// Every user, by id.
    fn users(&self) -> Result<Vec<UserRow>, StorageError>;
    /// Replaces a user's name, role and estates (`NotFound` for an unknown
    /// user or estate).
    fn update_user(&self, user: &NewUser) -> Result<(), StorageError>;
    /// A user's devices, newest first, revoked ones included.
    fn devices_of(&self, user: &str) -> Result<Vec<DeviceRow>, StorageError>;
    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StorageError>;
    /// Notes that a device synced at `at`.
    fn device_seen(&self, id: &str, at: DateTime<Utc>) -> Result<(), StorageError>;
    fn log_action(&self, action: &AccountAction) -> Result<(), StorageError>;
    /// The latest `limit` account changes, newest first.
    fn actions(&self, limit: usize) -> Result<Vec<AccountAction>, StorageError>;
}
