//! The pool's connections: r2d2_postgres's, but one that has just served
//! a call without fault goes out again untested.
//!
//! r2d2 tests each connection it hands out, and r2d2_postgres's test is
//! an empty query: a round trip per storage call, as dear as the call's
//! own statement when that is one typed query (`load_record`, which the
//! writer calls for every record it has not cached). The test is for a
//! connection PostgreSQL ended while it sat in the pool (a restart, an
//! idle timeout). So the hot calls vouch for their connection when they
//! succeed (`PostgresStorage::vouched`), and a connection vouched for less
//! than [`TRUSTED_FOR`] ago skips the test once; under load that is
//! nearly every checkout. Any other connection is tested as before: one
//! idle for longer, one whose last call failed (a failure does not vouch,
//! and a checkout uses up the vouch), one a cold call used. So a restart
//! of PostgreSQL fails at most one call on each connection that had
//! served a hot call just before, and the pool then drops it.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use postgres::{Client, Config};

use super::tls::Tls;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::r2d2::ManageConnection;

/// How long a vouch holds: under load a connection is back in use within
/// milliseconds, and the shorter the hold, the fewer calls a restart of
/// PostgreSQL can fail (a fast restart takes a few hundred).
const TRUSTED_FOR: Duration = Duration::from_millis(100);

pub(super) struct Manager(PostgresConnectionManager<Tls>);

impl Manager {
    pub(super) fn new(config: Config, tls: Tls) -> Self {
        Manager(PostgresConnectionManager::new(config, tls))
    }
}

/// A client of the pool (a `Conn` derefs to one twice), with when a call
/// last vouched for it.
pub(super) struct Pooled {
    client: Client,
    vouched: Option<Instant>,
}

impl Pooled {
    /// The call on this connection succeeded: the next checkout, if soon,
    /// need not test it.
    pub(super) fn vouch(&mut self) {
        self.vouched = Some(Instant::now());
    }
}

impl Deref for Pooled {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Pooled, postgres::Error> {
        Ok(Pooled {
            client: self.0.connect()?,
            vouched: None,
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), postgres::Error> {
        match conn.vouched.take() {
            Some(at) if at.elapsed() < TRUSTED_FOR => Ok(()),
            _ => self.0.is_valid(&mut conn.client),
        }
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}
