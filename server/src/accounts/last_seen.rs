//! When each device last synced, for the account pages ("last sync") and
//! for spotting a lost phone. Writing it on every sync would add a write to
//! every request; kept to the minute instead: this process remembers when
//! it last wrote each device's time and writes again only a minute later.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How stale a device's stored last sync may be.
pub const RESOLUTION: Duration = Duration::from_secs(60);
/// Devices remembered at most; past it the memory is cleared (the next
/// sync of each writes once more).
const REMEMBERED: usize = 100_000;

#[derive(Debug, Default)]
pub struct LastSeen {
    written: Mutex<HashMap<String, Instant>>,
}

impl LastSeen {
    /// Whether `device`'s sync at `now` should be written.
    pub fn due(&self, device: &str, now: Instant) -> bool {
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = written.get(device)
            && now.saturating_duration_since(*at) < RESOLUTION
        {
            return false;
        }
        if written.len() >= REMEMBERED {
            written.clear();
        }
        written.insert(device.to_owned(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_written_once_a_minute() {
        let seen = LastSeen::default();
        let start = Instant::now();
        assert!(seen.due("d1", start));
        assert!(!seen.due("d1", start + Duration::from_secs(59)));
        assert!(seen.due("d2", start + Duration::from_secs(1)));
        assert!(seen.due("d1", start + RESOLUTION));
    }
}
