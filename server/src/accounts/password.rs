//! Console passwords: argon2id hashes in PHC form, salted with 128 random
//! bits. Only office, front-desk, supervisor and admin users sign in to the
//! browser console; patrol officers and technicians work on their phones,
//! with device tokens.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use stairwell_core::record::Role;

use crate::accounts::{Refusal, random_bytes};
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
    #[error("{1}")]
    Refused(Refusal, String),
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
    let found = storage.console().console_user(user)?.ok_or_else(|| {
        PasswordError::Refused(Refusal::UnknownUser, format!("unknown user {user}"))
    })?;
    if !may_sign_in(found.role) {
        return Err(PasswordError::Refused(
            Refusal::NoConsole,
            format!(
                "{user} is a {} user: only office, front_desk, supervisor and admin users sign in to the console",
                found.role
            ),
        ));
    }
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::Refused(
            Refusal::PasswordTooShort,
            format!("a password needs at least {MIN_LENGTH} characters"),
        ));
    }
    let hashed = hash(password)?;
    storage.console().set_password_hash(user, &hashed)?;
    storage.console().end_sessions_of(user)?;
    Ok(())
}

/// Checks passwords in a memory buffer it keeps: a thread that checks many
/// allocates argon2's ~19 MiB once, not once a check.
#[derive(Debug, Default)]
pub struct Verifier {
    blocks: Vec<Block>,
}

impl Verifier {
    /// Whether `password` matches the stored hash; an unknown user (`None`)
    /// costs the same work as a real check, so timing does not tell which
    /// users exist.
    pub fn verify(&mut self, password: &str, stored: Option<&str>) -> bool {
        let matches = self.matches(password, stored.unwrap_or(DUMMY_HASH));
        stored.is_some() && matches
    }

    fn matches(&mut self, password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
            return false;
        };
        let (Ok(params), Ok(algorithm)) = (
            Params::try_from(&parsed),
            Algorithm::try_from(parsed.algorithm),
        ) else {
            return false;
        };
        let version = parsed
            .version
            .and_then(|version| Version::try_from(version).ok())
            .unwrap_or_default();
        let mut salt_bytes = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        self.blocks.resize(params.block_count(), Block::default());
        let mut out = vec![0u8; expected.len()];
        let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut self.blocks,
        );
        // `Output` compares in constant time.
        hashed.is_ok() && Output::new(&out).is_ok_and(|computed| computed == expected)
    }
}

/// The console user `user` signs in as, if they may sign in.
pub fn console_user(
    storage: &dyn Storage,
    user: &str,
) -> Result<Option<crate::store::console::ConsoleUser>, StorageError> {
    Ok(storage
        .console()
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
    fn the_verifier_agrees_with_argon2_and_reuses_its_memory() {
        let stored = hash("correct horse").expect("hash");
        let mut verifier = Verifier::default();
        assert!(verifier.verify("correct horse", Some(&stored)));
        assert!(!verifier.verify("correct horsE", Some(&stored)));
        assert!(!verifier.verify("correct horse", None), "an unknown user");
        assert!(!verifier.verify("x", Some("not a hash")));
        assert!(
            verifier.verify("correct horse", Some(&stored)),
            "again, same memory"
        );
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
