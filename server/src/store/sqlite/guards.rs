//! The edge's short-lived state over SQLite (schema version 9): single-use
//! tokens and failure counters, see [`crate::store::guards`].

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::SqliteStorage;
use crate::store::StorageError;
use crate::store::guards::{GuardStore, SWEEP};

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl GuardStore for SqliteStorage {
    fn put_once(
        &self,
        hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let conn = self.writer();
        conn.prepare_cached(
            "DELETE FROM single_use WHERE hash IN
             (SELECT hash FROM single_use WHERE expires_at < ?1 LIMIT ?2)",
        )?
        .execute(params![Utc::now().timestamp_millis(), SWEEP])?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO single_use (hash, payload, expires_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![hash, payload, expires_at.timestamp_millis()])?;
        Ok(())
    }

    fn take_once(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<String>, StorageError> {
        let conn = self.writer();
        let found: Option<(String, i64)> = conn
            .prepare_cached("DELETE FROM single_use WHERE hash = ?1 RETURNING payload, expires_at")?
            .query_row([hash], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(found
            .filter(|(_, expires)| *expires > now.timestamp_millis())
            .map(|(payload, _)| payload))
    }

    fn waiting_until(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StorageError> {
        self.with_reader(|conn| {
            let mut query =
                conn.prepare_cached("SELECT wait_until FROM failures WHERE key = ?1")?;
            let mut latest: Option<i64> = None;
            for key in keys {
                let until: Option<i64> = query.query_row([key], |row| row.get(0)).optional()?;
                latest = latest.max(until);
            }
            Ok(latest
                .filter(|until| *until > now.timestamp_millis())
                .map(from_millis))
        })
    }

    fn add_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        forget_after: Duration,
        wait: &dyn Fn(u32) -> Duration,
    ) -> Result<(), StorageError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now_ms = now.timestamp_millis();
        let forgotten = (now - forget_after).timestamp_millis();
        tx.prepare_cached(
            "DELETE FROM failures WHERE key IN
             (SELECT key FROM failures WHERE last_at < ?1 LIMIT ?2)",
        )?
        .execute(params![forgotten, SWEEP])?;
        let count: u32 = tx
            .prepare_cached("SELECT count FROM failures WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?
            .unwrap_or(0)
            + 1;
        let until = (now + wait(count)).timestamp_millis();
        tx.prepare_cached(
            "INSERT OR REPLACE INTO failures (key, count, wait_until, last_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key, count, until, now_ms])?;
        tx.commit()?;
        Ok(())
    }

    fn clear_failures(&self, key: &str) -> Result<(), StorageError> {
        self.writer()
            .prepare_cached("DELETE FROM failures WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }
}
