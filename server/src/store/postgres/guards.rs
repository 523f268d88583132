//! The edge's short-lived state over PostgreSQL (schema version 3), shared
//! by every replica: single-use tokens and failure counters, see
//! [`crate::store::guards`]. A token is taken with `DELETE … RETURNING`, so
//! of two replicas offered one token at once only one gets it; a counter is
//! bumped under its row lock (`INSERT … ON CONFLICT DO UPDATE`).

use chrono::{DateTime, Duration, Utc};

use super::{PostgresStorage, from_millis, millis};
use crate::store::StorageError;
use crate::store::guards::{GuardStore, SWEEP};

/// Version 3 of the schema.
pub const SCHEMA: &str = "
CREATE TABLE single_use (
    hash       text PRIMARY KEY,
    payload    text NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX single_use_expiry ON single_use (expires_at);
CREATE TABLE failures (
    key        text PRIMARY KEY,
    count      integer NOT NULL,
    wait_until bigint NOT NULL,
    last_at    bigint NOT NULL
);
CREATE INDEX failures_last ON failures (last_at);
";

const SWEEP_LIMIT: i64 = SWEEP as i64;

impl GuardStore for PostgresStorage {
    fn put_once(
        &self,
        hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        conn.execute(
            "DELETE FROM single_use WHERE hash IN
             (SELECT hash FROM single_use WHERE expires_at < $1 LIMIT $2)",
            &[&millis(Utc::now()), &SWEEP_LIMIT],
        )?;
        conn.execute(
            "INSERT INTO single_use (hash, payload, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO UPDATE SET payload = excluded.payload,
             expires_at = excluded.expires_at",
            &[&hash, &payload, &millis(expires_at)],
        )?;
        Ok(())
    }

    fn take_once(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<String>, StorageError> {
        let row = self.conn()?.query_opt(
            "DELETE FROM single_use WHERE hash = $1 RETURNING payload, expires_at",
            &[&hash],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires: i64 = row.try_get(1)?;
        Ok((expires > millis(now))
            .then(|| row.try_get(0))
            .transpose()?)
    }

    fn waiting_until(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StorageError> {
        let row = self.conn()?.query_one(
            "SELECT max(wait_until) FROM failures WHERE key = ANY($1)",
            &[&keys],
        )?;
        let latest: Option<i64> = row.try_get(0)?;
        Ok(latest.filter(|until| *until > millis(now)).map(from_millis))
    }

    fn add_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        forget_after: Duration,
        wait: &dyn Fn(u32) -> Duration,
    ) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM failures WHERE key IN
             (SELECT key FROM failures WHERE last_at < $1 LIMIT $2)",
            &[&millis(now - forget_after), &SWEEP_LIMIT],
        )?;
        let count: i32 = tx
            .query_one(
                "INSERT INTO failures (key, count, wait_until, last_at) VALUES ($1, 1, $2, $2)
                 ON CONFLICT (key) DO UPDATE SET count = failures.count + 1, last_at = $2
                 RETURNING count",
                &[&key, &millis(now)],
            )?
            .try_get(0)?;
        let until = now + wait(u32::try_from(count).unwrap_or(u32::MAX));
        tx.execute(
            "UPDATE failures SET wait_until = $2 WHERE key = $1",
            &[&key, &millis(until)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn clear_failures(&self, key: &str) -> Result<(), StorageError> {
        self.conn()?
            .execute("DELETE FROM failures WHERE key = $1", &[&key])?;
        Ok(())
    }
}
