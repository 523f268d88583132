//! The notices of commits, as plain data: after each group commit the
//! writer announces the newest feed position per estate it touched, on a
//! broadcast channel that any consumer may subscribe to (the feed
//! WebSocket, the console's live stream). The writer knows nothing of who
//! listens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

/// Announcements a slow listener may fall behind before it is told "pull".
const CHANNEL_CAPACITY: usize = 256;

/// What one group commit changed: the newest feed position per estate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedNotice {
    pub estates: HashMap<String, u64>,
}

impl FeedNotice {
    /// The newest position among `estates`, if the commit touched any.
    pub fn latest_for(&self, estates: &[String]) -> Option<u64> {
        estates
            .iter()
            .filter_map(|estate| self.estates.get(estate))
            .max()
            .copied()
    }
}

/// The writer's side of the channel, and the newest position it announced
/// for each estate: a listener only ever learns its own estates' positions,
/// never the server-wide one, which would count other estates' activity.
#[derive(Debug, Clone)]
pub struct Notices {
    sender: broadcast::Sender<Arc<FeedNotice>>,
    latest: Arc<Mutex<HashMap<String, u64>>>,
}

impl Default for Notices {
    fn default() -> Self {
        Notices::new()
    }
}

impl Notices {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Notices {
            sender,
            latest: Arc::default(),
        }
    }

    /// Announces a committed batch: each write's estate and feed position.
    /// Called by the writer after the commit is durable.
    pub fn announce<'a>(&self, writes: impl IntoIterator<Item = (&'a str, u64)>) {
        let mut estates: HashMap<String, u64> = HashMap::new();
        for (estate, seq) in writes {
            let newest = estates.entry(estate.to_owned()).or_insert(seq);
            *newest = (*newest).max(seq);
        }
        {
            // Only news: with several servers a commit is heard twice here
            // (from this writer, and back from the database), and late.
            let mut latest = self.latest();
            estates.retain(|estate, seq| latest.get(estate).is_none_or(|known| *seq > *known));
            for (estate, seq) in &estates {
                latest.insert(estate.clone(), *seq);
            }
        }
        if estates.is_empty() {
            return;
        }
        // No receiver (no client online) is not an error.
        let _ = self.sender.send(Arc::new(FeedNotice { estates }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FeedNotice>> {
        self.sender.subscribe()
    }

    /// The newest feed position announced since the server started among
    /// `estates`, if any was.
    pub fn latest_for(&self, estates: &[String]) -> Option<u64> {
        let latest = self.latest();
        estates
            .iter()
            .filter_map(|estate| latest.get(estate))
            .max()
            .copied()
    }

    fn latest(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
