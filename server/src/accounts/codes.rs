//! One-time enrollment codes: instead of copying a 67-character token onto
//! a phone by hand, the office issues a short code (`XXXX-XXXX`, 40 random
//! bits in an alphabet without look-alike letters) that the phone exchanges
//! once, within 15 minutes, for its own long-lived token; the token is made
//! at the exchange and goes only to that phone. Codes are stored as their
//! SHA-256, like tokens. Guessing is bounded by the sign-in guard, per
//! client address ([`super::sign_in`]).

use chrono::{DateTime, Duration, Utc};

use super::{AuthError, IssuedDevice, random_bytes, token_hash};
use crate::store::{NewDevice, NewEnrollmentCode, Redeemed, Storage, StorageError};

/// How long a code may be used after it is issued.
pub const CODE_MINUTES: i64 = 15;

/// Crockford's base 32: no I, L, O, U, so a code read aloud or typed from
/// paper is not mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A code as issued: shown once.
#[derive(Debug)]
pub struct IssuedCode {
    pub code: String,
    pub user: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a code was not exchanged; said as it is to the phone.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeRefusal {
    #[error("no such enrollment code: check it, or ask the office for a new one")]
    Unknown,
    #[error("this enrollment code was used already: ask the office for a new one")]
    Used,
    #[error(
        "this enrollment code has expired (codes last {CODE_MINUTES} minutes): ask the office for a new one"
    )]
    Expired,
}

/// The one spelling a code is hashed in: upper case, no dash or spaces,
/// with the look-alikes a person may type read as the digits they mean.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Issues a code for `user`'s next device, named `name`.
pub fn issue_code(
    storage: &dyn Storage,
    user: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IssuedCode, AuthError> {
    let random =
        random_bytes::<8>().map_err(|err| AuthError::Storage(StorageError::Random(err)))?;
    let letters: String = random
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(byte % 32)]))
        .collect();
    let code = format!("{}-{}", &letters[..4], &letters[4..]);
    let expires_at = now + Duration::minutes(CODE_MINUTES);
    storage.add_enrollment_code(&NewEnrollmentCode {
        code_hash: token_hash(&normalize(&code)),
        user: user.to_owned(),
        device_name: name.unwrap_or("").trim().to_owned(),
        expires_at,
    })?;
    Ok(IssuedCode {
        code,
        user: user.to_owned(),
        expires_at,
    })
}

/// Exchanges a code for a new device and its token, once.
pub fn redeem_code(
    storage: &dyn Storage,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Result<IssuedDevice, CodeRefusal>, AuthError> {
    let random = |err: getrandom::Error| AuthError::Storage(StorageError::Random(err));
    let id = format!("dev-{}", hex::encode(random_bytes::<6>().map_err(random)?));
    let token = format!("sw_{}", hex::encode(random_bytes::<32>().map_err(random)?));
    let device = NewDevice {
        id: id.clone(),
        user: String::new(),
        name: id.clone(),
        token_hash: token_hash(&token),
    };
    Ok(
        match storage.redeem_enrollment_code(&token_hash(&normalize(code)), now, &device)? {
            Redeemed::Issued { user } => Ok(IssuedDevice { id, user, token }),
            Redeemed::Unknown => Err(CodeRefusal::Unknown),
            Redeemed::Used => Err(CodeRefusal::Used),
            Redeemed::Expired => Err(CodeRefusal::Expired),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_typed_by_people() {
        assert_eq!(normalize("ab12-cd34"), "AB12CD34");
        assert_eq!(normalize(" AB12 CD34 "), "AB12CD34");
        assert_eq!(normalize("oIl0-0000"), "01100000");
    }
}
