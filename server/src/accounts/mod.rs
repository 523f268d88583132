//! Who may sync: estates, users (one role, some estates) and their devices.
//! A device proves itself with a bearer token: 256 random bits, shown once
//! when issued and stored only as its SHA-256, so a copy of the database
//! does not let anyone sync. Revoking a device stops its token at once.
//! Console passwords are in [`password`], one-time enrollment codes in
//! [`codes`]. These are the operations; [`admin`] is the same operations
//! made by someone, checked against who they are and logged. What they
//! store goes through [`crate::store::Storage`].

pub mod admin;
pub mod codes;
pub mod last_seen;
pub mod password;
pub mod sign_in;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use stairwell_core::record::Role;
use stairwell_core::sync::judge::Author;

use crate::store::{Estate, NewDevice, NewUser, Storage, StorageError};

/// Why an admin operation was refused. Everything but `Storage(Backend)` is
/// the operator's mistake, reported as such.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The change is refused: why, and the operator's message (English,
    /// naming what was given). The console names `why` in its language.
    #[error("{detail}")]
    Refused { why: Refusal, detail: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Ours: a password could not be hashed.
    #[error("{0}")]
    Failed(String),
}

/// Why an account change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An id that is not 1 to 64 plain characters.
    BadId,
    NoName,
    NoEstate,
    UnknownTimeZone,
    UnknownUser,
    UnknownDevice,
    /// A user or estate with that id exists already.
    Taken,
    PasswordTooShort,
    /// The user's role does not sign in to the console.
    NoConsole,
    /// Only an admin changes accounts.
    NotAdmin,
    /// An admin gives and changes only their own estates.
    OutsideEstates,
    /// An admin cannot change their own role.
    OwnRole,
    /// Estates are added at the server's command line.
    EstatesAtCommandLine,
}

impl Refusal {
    /// Its name in messages (`account.refused.<code>` in the console).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::BadId => "bad_id",
            Refusal::NoName => "no_name",
            Refusal::NoEstate => "no_estate",
            Refusal::UnknownTimeZone => "unknown_time_zone",
            Refusal::UnknownUser => "unknown_user",
            Refusal::UnknownDevice => "unknown_device",
            Refusal::Taken => "taken",
            Refusal::PasswordTooShort => "password_too_short",
            Refusal::NoConsole => "no_console",
            Refusal::NotAdmin => "not_admin",
            Refusal::OutsideEstates => "outside_estates",
            Refusal::OwnRole => "own_role",
            Refusal::EstatesAtCommandLine => "estates_at_command_line",
        }
    }

    pub const ALL: [Refusal; 13] = [
        Refusal::BadId,
        Refusal::NoName,
        Refusal::NoEstate,
        Refusal::UnknownTimeZone,
        Refusal::UnknownUser,
        Refusal::UnknownDevice,
        Refusal::Taken,
        Refusal::PasswordTooShort,
        Refusal::NoConsole,
        Refusal::NotAdmin,
        Refusal::OutsideEstates,
        Refusal::OwnRole,
        Refusal::EstatesAtCommandLine,
    ];
}

/// A refusal with the operator's message.
pub fn refused(why: Refusal, detail: impl Into<String>) -> AuthError {
    AuthError::Refused {
        why,
        detail: detail.into(),
    }
}

impl AuthError {
    /// Whether the operator can fix this by changing the command.
    pub fn is_usage(&self) -> bool {
        match self {
            AuthError::Refused { .. } => true,
            AuthError::Storage(err) => err.is_callers(),
            AuthError::Failed(_) => false,
        }
    }
}

/// A device as issued: its token exists nowhere else once this is dropped.
#[derive(Debug)]
pub struct IssuedDevice {
    pub id: String,
    pub user: String,
    pub token: String,
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Ids are typed on command lines and travel in every event, so they stay
/// short and plain.
fn check_id(what: &str, id: &str) -> Result<(), AuthError> {
    let plain = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !id.is_empty() && id.len() <= 64 && plain {
        Ok(())
    } else {
        Err(refused(
            Refusal::BadId,
            format!("{what} id {id:?} must be 1 to 64 letters, digits, '.', '_' or '-'"),
        ))
    }
}

fn check_name(what: &str, name: &str) -> Result<String, AuthError> {
    let name = name.trim();
    if name.is_empty() {
        Err(refused(Refusal::NoName, format!("{what} needs a name")))
    } else {
        Ok(name.to_owned())
    }
}

pub fn add_estate(
    storage: &dyn Storage,
    id: &str,
    name: &str,
    tz: &str,
) -> Result<Estate, AuthError> {
    check_id("estate", id)?;
    let tz = tz.parse::<Tz>().map_err(|_| {
        refused(
            Refusal::UnknownTimeZone,
            format!("unknown time zone {tz:?} (use an IANA name such as Asia/Shanghai)"),
        )
    })?;
    let estate = Estate {
        id: id.to_owned(),
        name: check_name("an estate", name)?,
        tz,
    };
    storage.add_estate(&estate)?;
    Ok(estate)
}

pub fn add_user(
    storage: &dyn Storage,
    id: &str,
    name: &str,
    role: Role,
    estates: &[String],
) -> Result<NewUser, AuthError> {
    let user = checked_user(id, name, role, estates)?;
    storage.add_user(&user)?;
    Ok(user)
}

/// A user as given, checked: a plain id, a name, at least one estate.
fn checked_user(
    id: &str,
    name: &str,
    role: Role,
    estates: &[String],
) -> Result<NewUser, AuthError> {
    check_id("user", id)?;
    if estates.is_empty() {
        return Err(refused(
            Refusal::NoEstate,
            format!("user {id} needs at least one --estate"),
        ));
    }
    let mut estates = estates.to_vec();
    estates.sort();
    estates.dedup();
    Ok(NewUser {
        id: id.to_owned(),
        name: check_name("a user", name)?,
        role,
        estates,
    })
}

/// Issues a device for `user`. The device id is what the phone writes in
/// every event it makes, so the server can check events against the token.
pub fn issue_device(
    storage: &dyn Storage,
    user: &str,
    name: Option<&str>,
) -> Result<IssuedDevice, AuthError> {
    let random = |err: getrandom::Error| AuthError::Storage(StorageError::Random(err));
    let id = format!("dev-{}", hex::encode(random_bytes::<6>().map_err(random)?));
    let token = format!("sw_{}", hex::encode(random_bytes::<32>().map_err(random)?));
    let name = match name {
        Some(name) => check_name("a device", name)?,
        None => id.clone(),
    };
    storage.add_device(&NewDevice {
        id: id.clone(),
        user: user.to_owned(),
        name,
        token_hash: token_hash(&token),
    })?;
    Ok(IssuedDevice {
        id,
        user: user.to_owned(),
        token,
    })
}

pub fn revoke_device(storage: &dyn Storage, id: &str) -> Result<(), AuthError> {
    storage.revoke_device(id)?;
    Ok(())
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The author a token speaks for, or `None` for an unknown or revoked one.
pub fn authenticate(storage: &dyn Storage, token: &str) -> Result<Option<Author>, StorageError> {
    storage.author_for_token(&token_hash(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStorage;

    fn storage() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = SqliteStorage::open(dir.path()).expect("open");
        (dir, storage)
    }

    #[test]
    fn tokens_authenticate_until_revoked() {
        let (_dir, storage) = storage();
        add_estate(&storage, "e1", "East", "Asia/Shanghai").expect("estate");
        add_user(&storage, "wang", "Wang", Role::Technician, &["e1".into()]).expect("user");
        let device = issue_device(&storage, "wang", Some("phone")).expect("device");
        assert_eq!(device.token.len(), 3 + 64);
        let author = authenticate(&storage, &device.token)
            .expect("auth")
            .expect("known");
        assert_eq!(author.device, device.id);
        assert_eq!(author.estates, vec!["e1".to_string()]);
        assert!(authenticate(&storage, "sw_wrong").expect("auth").is_none());
        revoke_device(&storage, &device.id).expect("revoke");
        assert!(
            authenticate(&storage, &device.token)
                .expect("auth")
                .is_none()
        );
    }

    #[test]
    fn operator_mistakes_are_refused() {
        let (_dir, storage) = storage();
        assert!(add_estate(&storage, "e1", "East", "Mars/Olympus").is_err());
        add_estate(&storage, "e1", "East", "Asia/Shanghai").expect("estate");
        assert!(add_estate(&storage, "e1", "Again", "UTC").is_err());
        assert!(add_user(&storage, "u", "U", Role::Patrol, &["nope".into()]).is_err());
        assert!(add_user(&storage, "bad id", "U", Role::Patrol, &["e1".into()]).is_err());
        add_user(&storage, "u", "U", Role::Patrol, &["e1".into()]).expect("user");
        assert!(add_user(&storage, "u", "U", Role::Patrol, &["e1".into()]).is_err());
        assert!(issue_device(&storage, "ghost", None).is_err());
        assert!(revoke_device(&storage, "dev-none").is_err());
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer sw_abc".parse().expect("header"));
        assert_eq!(bearer_token(&headers), Some("sw_abc"));
        headers.insert(AUTHORIZATION, "Basic xyz".parse().expect("header"));
        assert_eq!(bearer_token(&headers), None);
    }
}
