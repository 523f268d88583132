//! The office console's tables over PostgreSQL: console passwords, sessions
//! and the list queries its pages read from the index rows and the users.
//! Sessions are single rows written and read by key, so any replica can
//! serve any request of a signed-in user.

use chrono::{DateTime, Utc};
use postgres::GenericClient;
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::Role;

use super::accounts::{user_estates, user_exists};
use super::records::{INDEX_COLUMNS, index_entry};
use super::{damaged_role, from_millis, millis, now_millis};
use crate::store::console::{ConsoleStore, ConsoleUser, IndexQuery, SessionRow};
use crate::store::{PostgresStorage, StorageError};

fn user_row(
    client: &mut impl GenericClient,
    id: &str,
) -> Result<Option<ConsoleUser>, StorageError> {
    let Some(row) = client.query_opt("SELECT name, role FROM users WHERE id = $1", &[&id])? else {
        return Ok(None);
    };
    Ok(Some(ConsoleUser {
        id: id.to_owned(),
        name: row.try_get(0)?,
        role: damaged_role(row.try_get(1)?)?,
        estates: user_estates(client, id)?,
    }))
}

impl ConsoleStore for PostgresStorage {
    fn console_user(&self, id: &str) -> Result<Option<ConsoleUser>, StorageError> {
        user_row(&mut **self.conn()?, id)
    }

    fn set_password_hash(&self, user: &str, hash: &str) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        if !user_exists(&mut tx, user)? {
            return Err(StorageError::NotFound(format!("unknown user {user}")));
        }
        tx.execute(
            "INSERT INTO console_passwords (user_id, hash, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash,
             updated_at = EXCLUDED.updated_at",
            &[&user, &hash, &now_millis()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn password_hash(&self, user: &str) -> Result<Option<String>, StorageError> {
        let row = self.conn()?.query_opt(
            "SELECT hash FROM console_passwords WHERE user_id = $1",
            &[&user],
        )?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    fn create_session(
        &self,
        id_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        let now = now_millis();
        // Expired sessions are swept whenever someone signs in.
        conn.execute(
            "DELETE FROM console_sessions WHERE expires_at <= $1",
            &[&now],
        )?;
        conn.execute(
            "INSERT INTO console_sessions (id_hash, user_id, csrf, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&id_hash, &user, &csrf, &now, &millis(expires_at)],
        )?;
        Ok(())
    }

    fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StorageError> {
        let mut conn = self.conn()?;
        let Some(row) = conn.query_opt(
            "SELECT user_id, csrf, expires_at FROM console_sessions
             WHERE id_hash = $1 AND expires_at > $2",
            &[&id_hash, &millis(now)],
        )?
        else {
            return Ok(None);
        };
        let (user, csrf, expires_at): (String, String, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        Ok(user_row(&mut **conn, &user)?.map(|user| SessionRow {
            user,
            csrf,
            expires_at: from_millis(expires_at),
        }))
    }

    fn end_session(&self, id_hash: &str) -> Result<(), StorageError> {
        self.conn()?.execute(
            "DELETE FROM console_sessions WHERE id_hash = $1",
            &[&id_hash],
        )?;
        Ok(())
    }

    fn end_sessions_of(&self, user: &str) -> Result<usize, StorageError> {
        let ended = self
            .conn()?
            .execute("DELETE FROM console_sessions WHERE user_id = $1", &[&user])?;
        Ok(usize::try_from(ended).unwrap_or(usize::MAX))
    }

    fn index_rows(&self, query: &IndexQuery<'_>) -> Result<Vec<IndexEntry>, StorageError> {
        if query.estates.is_empty() || query.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let open_only = if query.open_only { " AND open" } else { "" };
        let sql = format!(
            "SELECT {INDEX_COLUMNS} FROM read_model
             WHERE estate = ANY($1) AND kind = ANY($2){open_only}
             ORDER BY due IS NULL, due, updated_at DESC"
        );
        self.conn()?
            .query(&sql, &[&query.estates, &query.kinds])?
            .iter()
            .map(index_entry)
            .collect()
    }

    fn staff(&self, estate: &str, role: Role) -> Result<Vec<(String, String)>, StorageError> {
        self.conn()?
            .query(
                "SELECT u.id, u.name FROM users u JOIN user_estates e ON e.user_id = u.id
                 WHERE e.estate_id = $1 AND u.role = $2 ORDER BY u.id",
                &[&estate, &role.as_str()],
            )?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }
}
