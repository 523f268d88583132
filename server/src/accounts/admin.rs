//! Account changes someone makes: the operator at the server's command
//! line, or an admin in the console. Each is checked against who makes it
//! and written to the account log with their name, by the same functions
//! whichever way it came, so the console can never do what the rules
//! refuse and nothing changes without a line in the log.
//!
//! Who may do what (the procedures name no one but the estate's
//! administrator for accounts): an admin changes users and devices whose
//! estates are all among the admin's own, gives only those estates, and
//! cannot change their own role (so an estate is never left without its
//! admin by a slip); office staff see the users and devices of their
//! estates but change nothing; the operator at the command line may do
//! everything, estates included. Secrets (passwords, tokens, codes) never
//! reach the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stairwell_core::record::Role;

use super::codes::{self, IssuedCode};
use super::password::{self, PasswordError};
use super::{AuthError, IssuedDevice, Refusal, refused};
use crate::store::accounts::{AccountAction, DeviceRow, UserRow};
use crate::store::console::ConsoleUser;
use crate::store::{Estate, NewUser, Storage};

/// Who makes an account change.
#[derive(Debug, Clone)]
pub enum Actor {
    /// An administrator signed in to the console.
    Console(ConsoleUser),
    /// The operator at the server's command line, by their login name.
    Operator(String),
}

/// Whether a role sees the account pages.
pub fn may_view(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Office)
}

/// Whether a role changes accounts.
pub fn may_change(role: Role) -> bool {
    role == Role::Admin
}

impl Actor {
    /// How the log names them.
    pub fn label(&self) -> String {
        match self {
            Actor::Console(user) => format!("console:{}", user.id),
            Actor::Operator(name) => format!("command line:{name}"),
        }
    }

    /// Whether every one of `estates` is the actor's.
    pub fn covers(&self, estates: &[String]) -> bool {
        match self {
            Actor::Console(user) => estates.iter().all(|estate| user.estates.contains(estate)),
            Actor::Operator(_) => true,
        }
    }

    fn check_changes(&self) -> Result<(), AuthError> {
        match self {
            Actor::Console(user) if !may_change(user.role) => Err(refused(
                Refusal::NotAdmin,
                "only an admin changes users and devices",
            )),
            _ => Ok(()),
        }
    }

    fn check_estates(&self, estates: &[String]) -> Result<(), AuthError> {
        if self.covers(estates) {
            Ok(())
        } else {
            Err(refused(
                Refusal::OutsideEstates,
                "an admin gives and changes only the estates they administer",
            ))
        }
    }
}

/// What a logged change set, as data only (no words of any language), so
/// every reader names it in its own: stored as JSON in the log's `detail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estates: Option<Vec<String>>,
    /// The user a device belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// A change's values before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Box<Detail>>,
}

impl Detail {
    fn of_user(user: &NewUser) -> Detail {
        Detail {
            name: Some(user.name.clone()),
            role: Some(user.role),
            estates: Some(user.estates.clone()),
            ..Detail::default()
        }
    }

    /// Reads a log entry's detail; `None` for one that is not this JSON.
    pub fn parse(text: &str) -> Option<Detail> {
        serde_json::from_str(text).ok()
    }
}

fn log(
    storage: &dyn Storage,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: Detail,
) -> Result<(), AuthError> {
    storage.accounts().log_action(&AccountAction {
        at: Utc::now(),
        actor: actor.label(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: serde_json::to_string(&detail).unwrap_or_default(),
    })?;
    Ok(())
}

/// A user the actor may change: known, and within their estates.
fn changeable(storage: &dyn Storage, actor: &Actor, id: &str) -> Result<ConsoleUser, AuthError> {
    actor.check_changes()?;
    let user = storage
        .console()
        .console_user(id)?
        .ok_or_else(|| refused(Refusal::UnknownUser, format!("unknown user {id}")))?;
    actor.check_estates(&user.estates)?;
    Ok(user)
}

pub fn add_estate(
    storage: &dyn Storage,
    actor: &Actor,
    id: &str,
    name: &str,
    tz: &str,
) -> Result<Estate, AuthError> {
    if !matches!(actor, Actor::Operator(_)) {
        return Err(refused(
            Refusal::EstatesAtCommandLine,
            "estates are added at the server's command line",
        ));
    }
    let estate = super::add_estate(storage, id, name, tz)?;
    let detail = Detail {
        name: Some(estate.name.clone()),
        time_zone: Some(estate.tz.name().to_owned()),
        ..Detail::default()
    };
    log(storage, actor, "estate.add", id, detail)?;
    Ok(estate)
}

pub fn add_user(
    storage: &dyn Storage,
    actor: &Actor,
    user: &NewUser,
) -> Result<NewUser, AuthError> {
    actor.check_changes()?;
    actor.check_estates(&user.estates)?;
    if storage.console().console_user(&user.id)?.is_some() {
        return Err(refused(
            Refusal::Taken,
            format!("user {} already exists", user.id),
        ));
    }
    let added = super::add_user(storage, &user.id, &user.name, user.role, &user.estates)?;
    log(
        storage,
        actor,
        "user.add",
        &added.id,
        Detail::of_user(&added),
    )?;
    Ok(added)
}

/// Changes a user's name, role and estates.
pub fn change_user(
    storage: &dyn Storage,
    actor: &Actor,
    change: &NewUser,
) -> Result<NewUser, AuthError> {
    let before = changeable(storage, actor, &change.id)?;
    actor.check_estates(&change.estates)?;
    if let Actor::Console(me) = actor
        && me.id == change.id
        && change.role != me.role
    {
        return Err(refused(
            Refusal::OwnRole,
            "an admin cannot change their own role; ask another admin",
        ));
    }
    let changed = super::checked_user(&change.id, &change.name, change.role, &change.estates)?;
    storage.accounts().update_user(&changed)?;
    let detail = Detail {
        before: Some(Box::new(Detail::of_user(&NewUser {
            id: before.id,
            name: before.name,
            role: before.role,
            estates: before.estates,
        }))),
        ..Detail::of_user(&changed)
    };
    log(storage, actor, "user.change", &changed.id, detail)?;
    Ok(changed)
}

/// Sets a user's console password (ending their sessions).
pub fn set_password(
    storage: &dyn Storage,
    actor: &Actor,
    user: &str,
    password: &str,
) -> Result<(), AuthError> {
    changeable(storage, actor, user)?;
    password::set_password(storage, user, password).map_err(|err| match err {
        PasswordError::Refused(why, detail) => refused(why, detail),
        PasswordError::Storage(err) => AuthError::Storage(err),
        err @ PasswordError::Hash(_) => AuthError::Failed(err.to_string()),
    })?;
    log(storage, actor, "user.password", user, Detail::default())
}

/// Issues a device with a token shown once (the command line's way).
pub fn issue_device(
    storage: &dyn Storage,
    actor: &Actor,
    user: &str,
    name: Option<&str>,
) -> Result<IssuedDevice, AuthError> {
    changeable(storage, actor, user)?;
    let device = super::issue_device(storage, user, name)?;
    let detail = Detail {
        user: Some(user.to_owned()),
        name: name.map(str::to_owned),
        ..Detail::default()
    };
    log(storage, actor, "device.issue", &device.id, detail)?;
    Ok(device)
}

/// Issues a one-time code the user's next phone enrolls with.
pub fn issue_code(
    storage: &dyn Storage,
    actor: &Actor,
    user: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IssuedCode, AuthError> {
    changeable(storage, actor, user)?;
    let code = codes::issue_code(storage, user, name, now)?;
    let detail = Detail {
        name: name
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned),
        expires_at: Some(code.expires_at),
        ..Detail::default()
    };
    log(storage, actor, "device.code", user, detail)?;
    Ok(code)
}

/// Revokes a device: its token stops working at once.
pub fn revoke_device(storage: &dyn Storage, actor: &Actor, id: &str) -> Result<(), AuthError> {
    let device = storage
        .accounts()
        .device(id)?
        .ok_or_else(|| refused(Refusal::UnknownDevice, format!("unknown device {id}")))?;
    changeable(storage, actor, &device.user)?;
    super::revoke_device(storage, id)?;
    let detail = Detail {
        name: Some(device.name),
        user: Some(device.user),
        ..Detail::default()
    };
    log(storage, actor, "device.revoke", id, detail)
}

/// The users a console viewer sees: those sharing an estate with them.
pub fn visible_users(
    storage: &dyn Storage,
    viewer: &ConsoleUser,
) -> Result<Vec<UserRow>, AuthError> {
    if !may_view(viewer.role) {
        return Err(refused(
            Refusal::NotAdmin,
            "only admins and office staff see the accounts",
        ));
    }
    let shares = |user: &UserRow| user.estates.iter().any(|e| viewer.estates.contains(e));
    Ok(storage
        .accounts()
        .users()?
        .into_iter()
        .filter(shares)
        .collect())
}

/// One user a console viewer sees, with their devices.
pub fn visible_user(
    storage: &dyn Storage,
    viewer: &ConsoleUser,
    id: &str,
) -> Result<Option<(UserRow, Vec<DeviceRow>)>, AuthError> {
    let Some(user) = visible_users(storage, viewer)?
        .into_iter()
        .find(|user| user.id == id)
    else {
        return Ok(None);
    };
    let devices = storage.accounts().devices_of(id)?;
    Ok(Some((user, devices)))
}
