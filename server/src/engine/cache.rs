//! Loaded documents of recently pushed records, so a record that is pushed
//! to again and again is not reloaded from SQLite each time. Bounded both by
//! count and by an estimate of memory: a loaded document costs roughly 10 to
//! 25 times its saved size (measured with Automerge 0.12), and the server must never hold
//! every record in RAM. Owned by the single writer thread, so no locking.

use lru::LruCache;
use stairwell_core::kinds::AnyRecord;

/// Memory a loaded document takes per byte of its saved form; a cautious
/// reading of a 20-event repair sheet: 2.15 KiB saved, ~23-50 KiB loaded.
const BYTES_PER_SAVED_BYTE: usize = 16;
/// What even a tiny document costs once loaded.
const MIN_DOC_BYTES: usize = 8 * 1024;

/// A loaded record with what the writer needs to know of its stored form.
#[derive(Debug, Clone)]
pub struct CachedDoc {
    pub record: AnyRecord,
    pub snapshot_len: usize,
    pub chunk_count: u32,
    pub chunk_bytes: usize,
}

impl CachedDoc {
    /// The estimated memory this document takes.
    pub fn weight(&self) -> usize {
        (self.snapshot_len + self.chunk_bytes)
            .saturating_mul(BYTES_PER_SAVED_BYTE)
            .max(MIN_DOC_BYTES)
    }
}

#[derive(Debug)]
pub struct DocCache {
    docs: LruCache<String, CachedDoc>,
    bytes: usize,
    max_docs: usize,
    max_bytes: usize,
}

impl DocCache {
    pub fn new(max_docs: usize, max_bytes: usize) -> Self {
        DocCache {
            docs: LruCache::unbounded(),
            bytes: 0,
            max_docs,
            max_bytes,
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.docs.contains(id)
    }

    /// The document, marked as most recently used.
    pub fn get(&mut self, id: &str) -> Option<&CachedDoc> {
        self.docs.get(id)
    }

    /// Whether `doc` can be kept at all.
    pub fn fits(&self, doc: &CachedDoc) -> bool {
        self.max_docs > 0 && doc.weight() <= self.max_bytes
    }

    /// Keeps `doc`, evicting the least recently used documents beyond the
    /// bounds. A document larger than the whole budget is not kept.
    pub fn insert(&mut self, id: String, doc: CachedDoc) {
        let weight = doc.weight();
        if let Some(old) = self.docs.pop(&id) {
            self.bytes -= old.weight();
        }
        if !self.fits(&doc) {
            return;
        }
        self.bytes += weight;
        self.docs.put(id, doc);
        while self.docs.len() > self.max_docs || self.bytes > self.max_bytes {
            match self.docs.pop_lru() {
                Some((_, evicted)) => self.bytes -= evicted.weight(),
                None => break,
            }
        }
    }

    /// Forgets a document (another server changed it).
    pub fn remove(&mut self, id: &str) {
        if let Some(old) = self.docs.pop(id) {
            self.bytes -= old.weight();
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The estimated memory of every cached document.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use stairwell_core::record::{Editor, RecordDoc, RecordId, RecordKind, Role};

    fn doc(saved: usize) -> CachedDoc {
        let editor = Editor::new("u", "d", Role::FrontDesk);
        let at = DateTime::<Utc>::from_timestamp(1_772_400_000, 0).expect("time");
        let record =
            RecordDoc::create(RecordKind::Complaint, RecordId::random(), "e1", &editor, at)
                .expect("create");
        CachedDoc {
            record: AnyRecord::from_doc(record).expect("any"),
            snapshot_len: saved,
            chunk_count: 0,
            chunk_bytes: 0,
        }
    }

    #[test]
    fn evicts_least_recently_used_by_count() {
        let mut cache = DocCache::new(2, usize::MAX);
        cache.insert("a".into(), doc(100));
        cache.insert("b".into(), doc(100));
        assert!(cache.get("a").is_some());
        cache.insert("c".into(), doc(100));
        assert!(cache.contains("a") && cache.contains("c") && !cache.contains("b"));
    }

    #[test]
    fn evicts_by_estimated_memory() {
        let one = doc(10_000).weight();
        let mut cache = DocCache::new(100, one * 2);
        for id in ["a", "b", "c"] {
            cache.insert(id.into(), doc(10_000));
        }
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.bytes(), one * 2);
        cache.insert("huge".into(), doc(10_000_000));
        assert!(!cache.contains("huge"));
        cache.insert("a".into(), doc(10));
        assert!(cache.bytes() <= one * 2);
    }
}
