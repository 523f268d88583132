//! The office console's tables over SQLite: console passwords, sessions
//! and the list queries its pages read from the index rows and the users.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use stairwell_core::kinds::IndexEntry;
use stairwell_core::record::Role;

use crate::store::console::{ConsoleStore, ConsoleUser, IndexQuery, SessionRow};
use crate::store::{SqliteStorage, StorageError};

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn user_row(conn: &Connection, id: &str) -> Result<Option<ConsoleUser>, StorageError> {
    let found: Option<(String, String)> = conn
        .prepare_cached("SELECT name, role FROM users WHERE id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((name, role)) = found else {
        return Ok(None);
    };
    let role = role.parse::<Role>().map_err(StorageError::Damaged)?;
    let estates = conn
        .prepare_cached("SELECT estate_id FROM user_estates WHERE user_id = ?1 ORDER BY estate_id")?
        .query_map([id], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(Some(ConsoleUser {
        id: id.to_owned(),
        name,
        role,
        estates,
    }))
}

impl ConsoleStore for SqliteStorage {
    fn console_user(&self, id: &str) -> Result<Option<ConsoleUser>, StorageError> {
        self.with_reader(|conn| user_row(conn, id))
    }

    fn set_password_hash(&self, user: &str, hash: &str) -> Result<(), StorageError> {
        self.with_reader(|conn| {
            let known = conn
                .query_row("SELECT 1 FROM users WHERE id = ?1", [user], |_| Ok(()))
                .optional()?
                .is_some();
            if !known {
                return Err(StorageError::NotFound(format!("unknown user {user}")));
            }
            conn.execute(
                "INSERT INTO console_passwords (user_id, hash, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash,
                 updated_at = excluded.updated_at",
                params![user, hash, millis(Utc::now())],
            )?;
            Ok(())
        })
    }

    fn password_hash(&self, user: &str) -> Result<Option<String>, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached("SELECT hash FROM console_passwords WHERE user_id = ?1")?
                .query_row([user], |row| row.get(0))
                .optional()?)
        })
    }

    fn create_session(
        &self,
        id_hash: &str,
        user: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.with_reader(|conn| {
            let now = millis(Utc::now());
            // Expired sessions are swept whenever someone signs in.
            conn.execute("DELETE FROM console_sessions WHERE expires_at <= ?1", [now])?;
            conn.execute(
                "INSERT INTO console_sessions (id_hash, user_id, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id_hash, user, csrf, now, millis(expires_at)],
            )?;
            Ok(())
        })
    }

    fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StorageError> {
        self.with_reader(|conn| {
            let found: Option<(String, String, i64)> = conn
                .prepare_cached(
                    "SELECT user_id, csrf, expires_at FROM console_sessions
                     WHERE id_hash = ?1 AND expires_at > ?2",
                )?
                .query_row(params![id_hash, millis(now)], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((user, csrf, expires_at)) = found else {
                return Ok(None);
            };
            Ok(user_row(conn, &user)?.map(|user| SessionRow {
                user,
                csrf,
                expires_at: from_millis(expires_at),
            }))
        })
    }

    fn end_session(&self, id_hash: &str) -> Result<(), StorageError> {
        self.with_reader(|conn| {
            conn.execute("DELETE FROM console_sessions WHERE id_hash = ?1", [id_hash])?;
            Ok(())
        })
    }

    fn end_sessions_of(&self, user: &str) -> Result<usize, StorageError> {
        self.with_reader(|conn| {
            Ok(conn.execute("DELETE FROM console_sessions WHERE user_id = ?1", [user])?)
        })
    }

    fn index_rows(&self, query: &IndexQuery<'_>) -> Result<Vec<IndexEntry>, StorageError> {
        if query.estates.is_empty() || query.kinds.is_empty() {
            return Ok(Vec::new());
        }
        self.with_reader(|conn| {
            let estates = vec!["?"; query.estates.len()].join(", ");
            let kinds = vec!["?"; query.kinds.len()].join(", ");
            let mut sql = format!(
                "SELECT id, kind, estate, state, open, title, location, assignee, due, due_rule,
                 conflicts, updated_at FROM read_model
                 WHERE estate IN ({estates}) AND kind IN ({kinds})"
            );
            if query.open_only {
                sql.push_str(" AND open = 1");
            }
            sql.push_str(" ORDER BY due IS NULL, due, updated_at DESC");
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
            values.extend(query.estates.iter().map(|e| e as &dyn rusqlite::ToSql));
            values.extend(query.kinds.iter().map(|k| k as &dyn rusqlite::ToSql));
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(values.as_slice(), |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, Option<i64>>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, i64>(10)?,
                    row.get::<_, i64>(11)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, estate, state, open, title, location, assignee, due, rule, c, up) =
                    row?;
                let bad = |err: String| StorageError::Damaged(format!("read model {id}: {err}"));
                out.push(IndexEntry {
                    id: id.parse().map_err(bad)?,
                    kind: kind.parse().map_err(bad)?,
                    estate,
                    state,
                    open,
                    title,
                    location,
                    assignee,
                    due: due.map(from_millis),
                    due_rule: rule,
                    conflicts: usize::try_from(c).unwrap_or(0),
                    updated_at: from_millis(up),
                });
            }
            Ok(out)
        })
    }

    fn staff(&self, estate: &str, role: Role) -> Result<Vec<(String, String)>, StorageError> {
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT u.id, u.name FROM users u JOIN user_estates e ON e.user_id = u.id
                     WHERE e.estate_id = ?1 AND u.role = ?2 ORDER BY u.id",
                )?
                .query_map(params![estate, role.as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }
}
