//! Console passwords: argon2id hashes in PHC form, salted with 128 random
//! bits. Only office, front-desk, supervisor and admin users sign in to the
//! browser console; patrol officers and technicians work on their phones,
//! with device tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use stairwell_core::record::Role;

use crate::accounts::random_bytes;
use crate::store::{Storage, StorageError};

/// Shortest password accepted by `stairwell admin user password`.
pub const MIN_LENGTH: usize = 4;

/// Whether a role signs in to the browser console.
pub fn may_sign_in(role: Role) -> bool {
    matches!(
        role,
        Role::Office | Role::FrontDesk | Role::Supervisor | Role::Admin
    )
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the password could not be hashed: {0}")]
    Hash(argon2::password_hash::Error),
}

/// The PHC string of `password` under a fresh salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = random_bytes::<16>().map_err(StorageError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(PasswordError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Hash)
}

/// Whether `password` matches a stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Sets a user's console password and ends their open sessions.
pub fn set_password(
    storage: &dyn Storage,
    user: &str,
    password: &str,
) -> Result<(), PasswordError> {
    let password = password.trim_end_matches(['\r', '\n']);
    let found = storage
        .console()
        .console_user(user)?
        .ok_or_else(|| PasswordError::Invalid(format!("unknown user {user}")))?;
    if !may_sign_in(found.role) {
        return Err(PasswordError::Invalid(format!(
            "{user} is a {} user: only office, front_desk, supervisor and admin users sign in to the console",
            found.role
        )));
    }
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::Invalid(format!(
            "a password needs at least {MIN_LENGTH} characters"
        )));
    }
    let hashed = hash(password)?;
    storage.console().set_password_hash(user, &hashed)?;
    storage.console().end_sessions_of(user)?;
    Ok(())
}

/// The user behind a correct password, if the user may sign in.
pub fn check_login(
    storage: &dyn Storage,
    user: &str,
    password: &str,
) -> Result<Option<crate::store::console::ConsoleUser>, StorageError> {
    let console = storage.console();
    let Some(stored) = console.password_hash(user)? else {
        // Spend the same work as a real check, so timing does not tell
        // which users exist.
        let _ = verify(password, DUMMY_HASH);
        return Ok(None);
    };
    if !verify(password, &stored) {
        return Ok(None);
    }
    Ok(console
        .console_user(user)?
        .filter(|found| may_sign_in(found.role)))
}

/// An argon2 hash of nothing anyone types, for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3RhaXJ3ZWxsZHVtbXk$0pu9sF5YqVd8nAV8d6Vq2mB8uX8P1x6sSxP7vJ0pGiY";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let stored = hash("correct horse").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horsE", &stored));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(hash("correct horse").expect("hash"), stored, "salted");
    }

    #[test]
    fn unknown_users_cost_a_real_check() {
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the stand-in hash parses"
        );
        assert!(!verify("demo", DUMMY_HASH));
    }

    #[test]
    fn field_roles_do_not_sign_in() {
        assert!(may_sign_in(Role::Office));
        assert!(may_sign_in(Role::FrontDesk));
        assert!(!may_sign_in(Role::Patrol));
        assert!(!may_sign_in(Role::Technician));
    }
}
