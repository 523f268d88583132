//! Accounts over PostgreSQL: estates, users, devices, enrollment codes and
//! the server's actor as [`crate::store::Storage`] asks for them, and
//! their administration ([`AccountStore`]: users listed and changed, each
//! device's last sync, the account log). SQLite could check-then-insert
//! because it has one writer; here another replica may insert between the
//! two, so uniqueness is left to the keys (`ON CONFLICT DO NOTHING`, then
//! "did a row go in?"), rows referred to are held with `FOR SHARE`, and a
//! code is redeemed under its row lock.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use postgres::types::Type;
use postgres::{Client, GenericClient, Row, Transaction};
use stairwell_core::record::Role;
use stairwell_core::sync::judge::Author;

use super::{PostgresStorage, damaged_role, from_millis, millis, now_millis};
use crate::store::accounts::{AccountAction, AccountStore, DeviceRow, UserRow};
use crate::store::{Estate, NewDevice, NewEnrollmentCode, NewUser, Redeemed, StorageError};

/// The actor is made once per database: the first replica to ask inserts
/// one, and every replica then reads the one that went in.
pub(super) fn server_actor(client: &mut Client) -> Result<Vec<u8>, StorageError> {
    let mut actor = vec![0u8; 16];
    getrandom::fill(&mut actor)?;
    client.execute(
        "INSERT INTO meta (key, value) VALUES ('actor', $1) ON CONFLICT (key) DO NOTHING",
        &[&actor],
    )?;
    let row = client.query_one("SELECT value FROM meta WHERE key = 'actor'", &[])?;
    Ok(row.try_get(0)?)
}

pub(super) fn add_estate(client: &mut Client, estate: &Estate) -> Result<(), StorageError> {
    let added = client.execute(
        "INSERT INTO estates (id, name, tz, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
        &[&estate.id, &estate.name, &estate.tz.name(), &now_millis()],
    )?;
    inserted(added, "estate", &estate.id)
}

/// `Conflict` when an insert `ON CONFLICT DO NOTHING` added no row.
fn inserted(added: u64, what: &str, id: &str) -> Result<(), StorageError> {
    if added == 0 {
        return Err(StorageError::Conflict(format!(
            "{what} {id} already exists"
        )));
    }
    Ok(())
}

pub(super) fn estate(client: &mut Client, id: &str) -> Result<Option<Estate>, StorageError> {
    let Some(row) = client.query_opt("SELECT name, tz FROM estates WHERE id = $1", &[&id])? else {
        return Ok(None);
    };
    Ok(Some(Estate {
        id: id.to_owned(),
        name: row.try_get(0)?,
        tz: parse_tz(id, row.try_get(1)?)?,
    }))
}

/// An estate's stored time zone; an estate that is not stored counts as
/// UTC, as SQLite's rebuild does.
pub(super) fn estate_tz(client: &mut impl GenericClient, estate: &str) -> Result<Tz, StorageError> {
    match client.query_opt("SELECT tz FROM estates WHERE id = $1", &[&estate])? {
        Some(row) => parse_tz(estate, row.try_get(0)?),
        None => Ok(Tz::UTC),
    }
}

fn parse_tz(estate: &str, tz: &str) -> Result<Tz, StorageError> {
    tz.parse::<Tz>()
        .map_err(|err| StorageError::Damaged(format!("estate {estate}: {err}")))
}

pub(super) fn add_user(client: &mut Client, user: &NewUser) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    let added = tx.execute(
        "INSERT INTO users (id, name, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
        &[&user.id, &user.name, &user.role.as_str(), &now_millis()],
    )?;
    inserted(added, "user", &user.id)?;
    add_user_estates(&mut tx, user)?;
    tx.commit()?;
    Ok(())
}

/// Gives the user each of its estates; `NotFound` for an unknown one.
fn add_user_estates(tx: &mut Transaction<'_>, user: &NewUser) -> Result<(), StorageError> {
    for estate in &user.estates {
        // FOR SHARE: the estate stays until the row referring to it is in.
        let known = tx.query_opt("SELECT 1 FROM estates WHERE id = $1 FOR SHARE", &[estate])?;
        if known.is_none() {
            return Err(StorageError::NotFound(format!("unknown estate {estate}")));
        }
        tx.execute(
            "INSERT INTO user_estates (user_id, estate_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&user.id, estate],
        )?;
    }
    Ok(())
}

pub(super) fn user_name(client: &mut Client, id: &str) -> Result<Option<String>, StorageError> {
    let row = client.query_opt("SELECT name FROM users WHERE id = $1", &[&id])?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

pub(super) fn staff(
    client: &mut Client,
    estate: &str,
) -> Result<Vec<(String, Role)>, StorageError> {
    client
        .query(
            "SELECT u.id, u.role FROM users u JOIN user_estates e ON e.user_id = u.id
             WHERE e.estate_id = $1",
            &[&estate],
        )?
        .iter()
        .map(|row| Ok((row.try_get(0)?, damaged_role(row.try_get(1)?)?)))
        .collect()
}

/// Whether a user is stored; with `FOR SHARE` inside a transaction, it
/// stays so until that transaction ends.
pub(super) fn user_exists(client: &mut impl GenericClient, id: &str) -> Result<bool, StorageError> {
    Ok(client
        .query_opt("SELECT 1 FROM users WHERE id = $1 FOR SHARE", &[&id])?
        .is_some())
}

pub(super) fn add_device(client: &mut Client, device: &NewDevice) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    if !user_exists(&mut tx, &device.user)? {
        return Err(StorageError::NotFound(format!(
            "unknown user {}",
            device.user
        )));
    }
    let added = insert_device(&mut tx, device, &device.user, &device.name)?;
    inserted(added, "device", &device.id)?;
    tx.commit()?;
    Ok(())
}

/// Inserts the device for `user` named `name`; 0 if its id is taken. A
/// taken token hash is an error of its own (random tokens never collide).
fn insert_device(
    client: &mut impl GenericClient,
    device: &NewDevice,
    user: &str,
    name: &str,
) -> Result<u64, StorageError> {
    Ok(client.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        &[&device.id, &user, &name, &device.token_hash, &now_millis()],
    )?)
}

pub(super) fn add_enrollment_code(
    client: &mut Client,
    code: &NewEnrollmentCode,
) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    if !user_exists(&mut tx, &code.user)? {
        return Err(StorageError::NotFound(format!(
            "unknown user {}",
            code.user
        )));
    }
    tx.execute(
        "INSERT INTO enrollment_codes (code_hash, user_id, device_name, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &code.code_hash,
            &code.user,
            &code.device_name,
            &now_millis(),
            &millis(code.expires_at),
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// The code's row is locked (`FOR UPDATE`) before it is judged, so of two
/// replicas redeeming one code at once the second waits, then reads it as
/// used.
pub(super) fn redeem_enrollment_code(
    client: &mut Client,
    code_hash: &str,
    now: DateTime<Utc>,
    device: &NewDevice,
) -> Result<Redeemed, StorageError> {
    let mut tx = client.transaction()?;
    let Some(row) = tx.query_opt(
        "SELECT user_id, device_name, expires_at, used_at FROM enrollment_codes
         WHERE code_hash = $1 FOR UPDATE",
        &[&code_hash],
    )?
    else {
        return Ok(Redeemed::Unknown);
    };
    let (user, name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let (expires_at, used_at): (i64, Option<i64>) = (row.try_get(2)?, row.try_get(3)?);
    if used_at.is_some() {
        return Ok(Redeemed::Used);
    }
    if expires_at <= millis(now) {
        return Ok(Redeemed::Expired);
    }
    let name = if name.is_empty() { &device.name } else { &name };
    let added = insert_device(&mut tx, device, &user, name)?;
    inserted(added, "device", &device.id)?;
    tx.execute(
        "UPDATE enrollment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
        &[&code_hash, &millis(now), &device.id],
    )?;
    tx.commit()?;
    Ok(Redeemed::Issued { user })
}

pub(super) fn revoke_device(client: &mut Client, id: &str) -> Result<(), StorageError> {
    let changed = client.execute(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
        &[&id, &now_millis()],
    )?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!("unknown device {id}")));
    }
    Ok(())
}

pub(super) fn device_live(client: &mut Client, id: &str) -> Result<bool, StorageError> {
    Ok(client
        .query_opt(
            "SELECT 1 FROM devices WHERE id = $1 AND revoked_at IS NULL",
            &[&id],
        )?
        .is_some())
}

/// One statement, estates and all: every sync request asks.
pub(super) fn author_for_token(
    client: &mut Client,
    token_hash: &str,
) -> Result<Option<Author>, StorageError> {
    let Some(row) = client.query_typed_opt(
        "SELECT d.id, u.id, u.role,
         ARRAY(SELECT estate_id FROM user_estates WHERE user_id = u.id ORDER BY estate_id)
         FROM devices d JOIN users u ON u.id = d.user_id
         WHERE d.token_hash = $1 AND d.revoked_at IS NULL",
        &[(&token_hash, Type::TEXT)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(Author {
        device: row.try_get(0)?,
        user: row.try_get(1)?,
        role: damaged_role(row.try_get(2)?)?,
        estates: row.try_get(3)?,
    }))
}

/// The user's estates, by id.
pub(super) fn user_estates(
    client: &mut impl GenericClient,
    user: &str,
) -> Result<Vec<String>, StorageError> {
    client
        .query(
            "SELECT estate_id FROM user_estates WHERE user_id = $1 ORDER BY estate_id",
            &[&user],
        )?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

const DEVICE_COLUMNS: &str = "id, user_id, name, created_at, last_seen_at, revoked_at";

/// A device as [`DEVICE_COLUMNS`] selects it.
fn device_row(row: &Row) -> Result<DeviceRow, StorageError> {
    Ok(DeviceRow {
        id: row.try_get(0)?,
        user: row.try_get(1)?,
        name: row.try_get(2)?,
        created_at: from_millis(row.try_get(3)?),
        last_seen_at: row.try_get::<_, Option<i64>>(4)?.map(from_millis),
        revoked_at: row.try_get::<_, Option<i64>>(5)?.map(from_millis),
    })
}

fn user_row(row: &Row) -> Result<UserRow, StorageError> {
    Ok(UserRow {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        role: damaged_role(row.try_get(2)?)?,
        estates: row.try_get(3)?,
        has_password: row.try_get(4)?,
        live_devices: u32::try_from(row.try_get::<_, i64>(5)?).unwrap_or(0),
        last_seen_at: row.try_get::<_, Option<i64>>(6)?.map(from_millis),
    })
}

impl AccountStore for PostgresStorage {
    fn users(&self) -> Result<Vec<UserRow>, StorageError> {
        self.conn()?
            .query(
                "SELECT u.id, u.name, u.role,
                 ARRAY(SELECT estate_id FROM user_estates e WHERE e.user_id = u.id
                       ORDER BY estate_id),
                 EXISTS (SELECT 1 FROM console_passwords p WHERE p.user_id = u.id),
                 (SELECT count(*) FROM devices d
                  WHERE d.user_id = u.id AND d.revoked_at IS NULL),
                 (SELECT max(d.last_seen_at) FROM devices d WHERE d.user_id = u.id)
                 FROM users u ORDER BY u.id",
                &[],
            )?
            .iter()
            .map(user_row)
            .collect()
    }

    /// The user's row is updated first: its lock makes two replicas'
    /// changes of one user take turns.
    fn update_user(&self, user: &NewUser) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE users SET name = $2, role = $3 WHERE id = $1",
            &[&user.id, &user.name, &user.role.as_str()],
        )?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("unknown user {}", user.id)));
        }
        tx.execute("DELETE FROM user_estates WHERE user_id = $1", &[&user.id])?;
        add_user_estates(&mut tx, user)?;
        tx.commit()?;
        Ok(())
    }

    fn devices_of(&self, user: &str) -> Result<Vec<DeviceRow>, StorageError> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1
                     ORDER BY created_at DESC, id"
                ),
                &[&user],
            )?
            .iter()
            .map(device_row)
            .collect()
    }

    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StorageError> {
        let row = self.conn()?.query_opt(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"),
            &[&id],
        )?;
        row.as_ref().map(device_row).transpose()
    }

    /// The latest sync wins, whichever replica notes it first.
    fn device_seen(&self, id: &str, at: DateTime<Utc>) -> Result<(), StorageError> {
        self.conn()?.execute(
            "UPDATE devices SET last_seen_at = greatest(coalesce(last_seen_at, 0), $2)
             WHERE id = $1",
            &[&id, &millis(at)],
        )?;
        Ok(())
    }

    fn log_action(&self, action: &AccountAction) -> Result<(), StorageError> {
        self.conn()?.execute(
            "INSERT INTO account_log (at, actor, action, target, detail)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &millis(action.at),
                &action.actor,
                &action.action,
                &action.target,
                &action.detail,
            ],
        )?;
        Ok(())
    }

    fn actions(&self, limit: usize) -> Result<Vec<AccountAction>, StorageError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.conn()?
            .query(
                "SELECT at, actor, action, target, detail FROM account_log
                 ORDER BY id DESC LIMIT $1",
                &[&limit],
            )?
            .iter()
            .map(|row| {
                Ok(AccountAction {
                    at: from_millis(row.try_get(0)?),
                    actor: row.try_get(1)?,
                    action: row.try_get(2)?,
                    target: row.try_get(3)?,
                    detail: row.try_get(4)?,
                })
            })
            .collect()
    }
}
