//! Commits heard by every replica: each group commit notifies the channel
//! [`CHANNEL`] with the newest feed position of each estate it touched
//! (`pg_notify` inside the commit's transaction, so listeners hear only of
//! what committed), and every server process listens on a connection of
//! its own and hands what it hears to its feed notices, so a phone's
//! WebSocket and the console's live pages move whichever replica took the
//! push. A listener that loses its connection (PostgreSQL restarted)
//! connects again and first announces every estate's newest position, so
//! nothing committed while it was away goes unannounced.

use std::collections::BTreeMap;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Config, Transaction};

use super::tls::Tls;

use crate::store::{CommitListener, RecordWrite, StorageError};

/// The notification channel of commits.
pub const CHANNEL: &str = "stairwell_feed";
/// How long a listener waits before connecting again.
const RECONNECT: Duration = Duration::from_secs(1);

/// Notifies, within the commit, each estate's newest position (one
/// statement for every estate of the group).
pub(super) fn announce(
    tx: &mut Transaction<'_>,
    writes: &[RecordWrite],
    seqs: &[u64],
) -> Result<(), StorageError> {
    let mut newest: BTreeMap<&str, u64> = BTreeMap::new();
    for (write, seq) in writes.iter().zip(seqs) {
        let entry = newest.entry(write.estate.as_str()).or_insert(*seq);
        *entry = (*entry).max(*seq);
    }
    let payloads: Vec<String> = newest
        .into_iter()
        .map(|(estate, seq)| format!("{seq} {estate}"))
        .collect();
    tx.execute_typed(
        "SELECT pg_notify($1, payload) FROM unnest($2) AS payload",
        &[(&CHANNEL, Type::TEXT), (&payloads, Type::TEXT_ARRAY)],
    )?;
    Ok(())
}

/// `SEQ ESTATE`, as [`announce`] writes it.
fn parse(payload: &str) -> Option<(String, u64)> {
    let (seq, estate) = payload.split_once(' ')?;
    Some((estate.to_owned(), seq.parse().ok()?))
}

/// Listens for commits on a thread of its own, for the life of the process.
pub(super) fn listen(
    config: Config,
    tls: Tls,
    name: String,
    heard: CommitListener,
) -> Result<(), StorageError> {
    std::thread::Builder::new()
        .name("stairwell-listen".into())
        .spawn(move || {
            loop {
                if let Err(err) = listen_once(&config, &tls, &heard) {
                    tracing::warn!(database = %name, error = %err, "not hearing other servers' commits; connecting again");
                }
                std::thread::sleep(RECONNECT);
            }
        })
        .map_err(|err| StorageError::Backend(Box::new(err)))?;
    Ok(())
}

/// One connection's life: listen, catch up, then hand on each notice until
/// the connection ends.
fn listen_once(config: &Config, tls: &Tls, heard: &CommitListener) -> Result<(), StorageError> {
    let mut client = config.connect(tls.clone())?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    let newest = client
        .query("SELECT estate, max(seq) FROM feed GROUP BY estate", &[])?
        .into_iter()
        .map(|row| Ok((row.try_get(0)?, super::from_sql_int(row.try_get(1)?))))
        .collect::<Result<Vec<(String, u64)>, postgres::Error>>()?;
    heard(newest);
    let mut notifications = client.notifications();
    let mut each = notifications.blocking_iter();
    while let Some(notice) = each.next()? {
        if let Some(commit) = parse(notice.payload()) {
            heard(vec![commit]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_as_written() {
        assert_eq!(parse("42 east-court"), Some(("east-court".into(), 42)));
        assert_eq!(parse("x east"), None);
        assert_eq!(parse("42"), None);
    }
}
