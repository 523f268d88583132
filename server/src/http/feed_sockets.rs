//! How many feed WebSockets each device holds, so one token cannot open
//! them by the thousand: a slot is taken when a socket opens and given back
//! when it closes, however it closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::http::feed_ws::MAX_SOCKETS_PER_DEVICE;

/// Open feed sockets per device.
#[derive(Debug, Clone, Default)]
pub struct FeedSockets {
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open socket's place; dropping it frees the place.
#[derive(Debug)]
pub struct SocketSlot {
    sockets: FeedSockets,
    device: String,
}

impl FeedSockets {
    /// A place for one more socket of `device`, unless it holds the most.
    pub fn open(&self, device: &str) -> Option<SocketSlot> {
        let mut open = self.lock();
        let count = open.entry(device.to_owned()).or_insert(0);
        if *count >= MAX_SOCKETS_PER_DEVICE {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            sockets: self.clone(),
            device: device.to_owned(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        // A panic while holding the lock leaves counts that are still whole.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.sockets.lock();
        if let Some(count) = open.get_mut(&self.device) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.device);
            }
        }
    }
}
