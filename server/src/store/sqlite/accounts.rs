//! Account administration over SQLite: users with their devices and last
//! syncs, changes to a user, and the account log (schema version 8).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use stairwell_core::record::Role;

use super::{SqliteStorage, exists};
use crate::store::accounts::{AccountAction, AccountStore, DeviceRow, UserRow};
use crate::store::{NewUser, StorageError};

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

const DEVICE_COLUMNS: &str = "id, user_id, name, created_at, last_seen_at, revoked_at";

fn device_row(row: &Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: row.get(0)?,
        user: row.get(1)?,
        name: row.get(2)?,
        created_at: from_millis(row.get(3)?),
        last_seen_at: row.get::<_, Option<i64>>(4)?.map(from_millis),
        revoked_at: row.get::<_, Option<i64>>(5)?.map(from_millis),
    })
}

fn estates_of(conn: &Connection, user: &str) -> Result<Vec<String>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT estate_id FROM user_estates WHERE user_id = ?1 ORDER BY estate_id")?
        .query_map([user], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?)
}

impl AccountStore for SqliteStorage {
    fn users(&self) -> Result<Vec<UserRow>, StorageError> {
        self.with_reader(|conn| {
            let mut query = conn.prepare_cached(
                "SELECT u.id, u.name, u.role,
                        EXISTS (SELECT 1 FROM console_passwords p WHERE p.user_id = u.id),
                        (SELECT count(*) FROM devices d
                          WHERE d.user_id = u.id AND d.revoked_at IS NULL),
                        (SELECT max(d.last_seen_at) FROM devices d WHERE d.user_id = u.id)
                 FROM users u ORDER BY u.id",
            )?;
            let rows = query
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, bool>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<i64>>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, name, role, has_password, devices, seen)| {
                    Ok(UserRow {
                        estates: estates_of(conn, &id)?,
                        role: role.parse::<Role>().map_err(StorageError::Damaged)?,
                        id,
                        name,
                        has_password,
                        live_devices: u32::try_from(devices).unwrap_or(0),
                        last_seen_at: seen.map(from_millis),
                    })
                })
                .collect()
        })
    }

    fn update_user(&self, user: &NewUser) -> Result<(), StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for estate in &user.estates {
            if !exists(&tx, "SELECT 1 FROM estates WHERE id = ?1", estate)? {
                return Err(StorageError::NotFound(format!("unknown estate {estate}")));
            }
        }
        let changed = tx.execute(
            "UPDATE users SET name = ?2, role = ?3 WHERE id = ?1",
            params![user.id, user.name, user.role.as_str()],
        )?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("unknown user {}", user.id)));
        }
        tx.execute("DELETE FROM user_estates WHERE user_id = ?1", [&user.id])?;
        for estate in &user.estates {
            tx.execute(
                "INSERT OR IGNORE INTO user_estates (user_id, estate_id) VALUES (?1, ?2)",
                params![user.id, estate],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn devices_of(&self, user: &str) -> Result<Vec<DeviceRow>, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = ?1
                     ORDER BY created_at DESC, id"
                ))?
                .query_map([user], device_row)?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"
                ))?
                .query_row([id], device_row)
                .optional()?)
        })
    }

    fn device_seen(&self, id: &str, at: DateTime<Utc>) -> Result<(), StorageError> {
        self.writer().execute(
            "UPDATE devices SET last_seen_at = max(coalesce(last_seen_at, 0), ?2) WHERE id = ?1",
            params![id, at.timestamp_millis()],
        )?;
        Ok(())
    }

    fn log_action(&self, action: &AccountAction) -> Result<(), StorageError> {
        self.writer().execute(
            "INSERT INTO account_log (at, actor, action, target, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                action.at.timestamp_millis(),
                action.actor,
                action.action,
                action.target,
                action.detail
            ],
        )?;
        Ok(())
    }

    fn actions(&self, limit: usize) -> Result<Vec<AccountAction>, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT at, actor, action, target, detail FROM account_log
                     ORDER BY id DESC LIMIT ?1",
                )?
                .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                    Ok(AccountAction {
                        at: from_millis(row.get(0)?),
                        actor: row.get(1)?,
                        action: row.get(2)?,
                        target: row.get(3)?,
                        detail: row.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }
}
