//! What a record's readers compute from its document (its events, its
//! conflicts, its kind's view), kept until the document's heads move. One
//! accepted change is read several times over (the push checks, the index
//! row, every read model) and each read walks Automerge's columns; the heads
//! name the document's content exactly, so a value computed at the same
//! heads is the same value.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::ChangeHash;

type Values = HashMap<&'static str, Arc<dyn Any + Send + Sync>>;

/// Values computed at `heads`, by name.
#[derive(Default)]
pub(crate) struct Memo {
    slot: Mutex<(Vec<ChangeHash>, Values)>,
}

impl Memo {
    /// The value named `key` at `heads`, computed by `compute` when missing
    /// or when the heads moved since it was kept.
    pub(crate) fn get_or<V: Clone + Send + Sync + 'static>(
        &self,
        heads: Vec<ChangeHash>,
        key: &'static str,
        compute: impl FnOnce() -> V,
    ) -> V {
        if let Some(value) = self.kept(&heads, key) {
            return value;
        }
        let value = compute();
        let mut slot = self.lock();
        if slot.0 != heads {
            *slot = (heads, HashMap::new());
        }
        slot.1.insert(key, Arc::new(value.clone()));
        value
    }

    fn kept<V: Clone + 'static>(&self, heads: &[ChangeHash], key: &str) -> Option<V> {
        let slot = self.lock();
        if slot.0 != heads {
            return None;
        }
        slot.1.get(key)?.downcast_ref::<V>().cloned()
    }

    fn lock(&self) -> MutexGuard<'_, (Vec<ChangeHash>, Values)> {
        // A panic while computing happens outside the lock; a poisoned
        // lock still holds whole entries.
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A copy starts empty: cheap, and the copy is soon edited anyway.
impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}
