//! Who is making an edit. Every verb takes an [`Editor`] and a time from the
//! caller, so the rules stay pure: the core never reads a clock or a session.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The roles staff have. A role decides which verbs a user may perform
/// (see [`super::may`]); the estates a user belongs to decide which records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Property officers walking rounds.
    Patrol,
    /// Engineering technicians working repair sheets.
    Technician,
    /// Customer-service reception: opens sheets and complaints, keeps the duty log.
    FrontDesk,
    /// Engineering and customer-service supervisors: dispatch, quote, confirm
    /// returns, sign the duty log.
    Supervisor,
    /// Office staff and managers: read everything, resolve conflicts.
    Office,
    /// Administrators: every verb.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Patrol,
        Role::Technician,
        Role::FrontDesk,
        Role::Supervisor,
        Role::Office,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patrol => "patrol",
            Role::Technician => "technician",
            Role::FrontDesk => "front_desk",
            Role::Supervisor => "supervisor",
            Role::Office => "office",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?} (one of patrol, technician, front_desk, supervisor, office, admin)"))
    }
}

/// The person and device behind an edit, as recorded in every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Editor {
    pub user: String,
    pub device: String,
    pub role: Role,
}

impl Editor {
    pub fn new(user: impl Into<String>, device: impl Into<String>, role: Role) -> Self {
        Editor {
            user: user.into(),
            device: device.into(),
            role,
        }
    }
}
