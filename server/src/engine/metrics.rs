//! Counters an operator scrapes from `/metrics` in Prometheus' text format:
//! enough to see traffic, refusals, group-commit batching and cache use
//! without a metrics library, as the set is small and fixed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use stairwell_core::protocol::RefusalCode;

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    refused: Mutex<BTreeMap<&'static str, u64>>,
    accepted_records: AtomicU64,
    pulled_records: AtomicU64,
    stored_records: AtomicU64,
    commits: AtomicU64,
    stale_retries: AtomicU64,
    committed_requests: AtomicU64,
    cached_docs: AtomicU64,
    cache_bytes: AtomicU64,
    blob_bytes_received: AtomicU64,
    blobs_stored: AtomicU64,
    blob_bytes_sent: AtomicU64,
    blob_chunks_refused: AtomicU64,
    connections_open: AtomicU64,
    connections_evicted: AtomicU64,
    connections_refused: AtomicU64,
}

fn count(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Metrics {
    pub fn request(&self, path: &str, status: u16) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *requests.entry((path.to_owned(), status)).or_default() += 1;
    }

    pub fn accepted(&self, records: u64) {
        count(&self.accepted_records, records);
    }

    pub fn refused(&self, code: RefusalCode) {
        let mut refused = self
            .refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *refused.entry(code.as_str()).or_default() += 1;
    }

    pub fn pulled(&self, records: u64) {
        count(&self.pulled_records, records);
    }

    pub fn set_stored_records(&self, records: u64) {
        self.stored_records.store(records, Ordering::Relaxed);
    }

    pub fn stored_new_records(&self, records: u64) {
        count(&self.stored_records, records);
    }

    /// One group commit that stored the pushes of `requests` requests.
    pub fn commit(&self, requests: u64) {
        count(&self.commits, 1);
        count(&self.committed_requests, requests);
    }

    /// A record or batch judged again: another server changed it meanwhile.
    pub fn stale_retry(&self) {
        count(&self.stale_retries, 1);
    }

    pub fn cache(&self, docs: usize, bytes: usize) {
        self.cached_docs.store(docs as u64, Ordering::Relaxed);
        self.cache_bytes.store(bytes as u64, Ordering::Relaxed);
    }

    /// A blob chunk stored.
    pub fn blob_chunk(&self, bytes: u64) {
        count(&self.blob_bytes_received, bytes);
    }

    /// A blob completed, its hash checked, and stored.
    pub fn blob_stored(&self) {
        count(&self.blobs_stored, 1);
    }

    /// A blob chunk refused (bad offset, length or hash; too large).
    pub fn blob_refused(&self) {
        count(&self.blob_chunks_refused, 1);
    }

    /// A blob served to a device.
    pub fn blob_sent(&self, bytes: u64) {
        count(&self.blob_bytes_sent, bytes);
    }

    pub fn connection_opened(&self) {
        count(&self.connections_open, 1);
    }

    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// An idle connection closed to make room for a new one.
    pub fn connection_evicted(&self) {
        count(&self.connections_evicted, 1);
    }

    /// A connection refused at the cap, every other one being busy.
    pub fn connection_refused(&self) {
        count(&self.connections_refused, 1);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        header(
            &mut out,
            "stairwell_http_requests_total",
            "counter",
            "HTTP requests answered, by path and status.",
        );
        for ((path, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "stairwell_http_requests_total{{path=\"{}\",status=\"{status}\"}} {n}",
                escape(path)
            );
        }
        header(
            &mut out,
            "stairwell_records_accepted_total",
            "counter",
            "Pushed records stored.",
        );
        let _ = writeln!(
            out,
            "stairwell_records_accepted_total {}",
            load(&self.accepted_records)
        );
        header(
            &mut out,
            "stairwell_records_refused_total",
            "counter",
            "Pushed records refused, by code.",
        );
        for (code, n) in self
            .refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "stairwell_records_refused_total{{code=\"{code}\"}} {n}"
            );
        }
        let plain = [
            (
                "stairwell_records_pulled_total",
                "counter",
                "Records sent to devices.",
                &self.pulled_records,
            ),
            (
                "stairwell_records_stored",
                "gauge",
                "Records the server stores.",
                &self.stored_records,
            ),
            (
                "stairwell_group_commits_total",
                "counter",
                "Write transactions committed.",
                &self.commits,
            ),
            (
                "stairwell_judged_again_total",
                "counter",
                "Records or batches judged again because another server changed them meanwhile.",
                &self.stale_retries,
            ),
            (
                "stairwell_group_commit_requests_total",
                "counter",
                "Requests whose pushes those transactions stored.",
                &self.committed_requests,
            ),
            (
                "stairwell_cached_documents",
                "gauge",
                "Loaded documents in the writer's cache.",
                &self.cached_docs,
            ),
            (
                "stairwell_cached_document_bytes",
                "gauge",
                "Estimated memory of the cached documents.",
                &self.cache_bytes,
            ),
            (
                "stairwell_blob_bytes_received_total",
                "counter",
                "Blob chunk bytes stored.",
                &self.blob_bytes_received,
            ),
            (
                "stairwell_blobs_stored_total",
                "counter",
                "Blobs completed and checked against their hash.",
                &self.blobs_stored,
            ),
            (
                "stairwell_blob_chunks_refused_total",
                "counter",
                "Blob chunks refused (offset, length, hash, size).",
                &self.blob_chunks_refused,
            ),
            (
                "stairwell_blob_bytes_sent_total",
                "counter",
                "Blob bytes served to devices.",
                &self.blob_bytes_sent,
            ),
            (
                "stairwell_connections_open",
                "gauge",
                "HTTP connections open (not counting upgraded WebSockets).",
                &self.connections_open,
            ),
            (
                "stairwell_connections_evicted_total",
                "counter",
                "Connections without a request in progress closed at the cap to make room.",
                &self.connections_evicted,
            ),
            (
                "stairwell_connections_refused_total",
                "counter",
                "Connections refused at the cap (503), every open one being busy.",
                &self.connections_refused,
            ),
        ];
        for (name, kind, help, counter) in plain {
            header(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {}", load(counter));
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let metrics = Metrics::default();
        metrics.request("/v1/sync", 200);
        metrics.request("/v1/sync", 200);
        metrics.refused(RefusalCode::WrongEstate);
        metrics.accepted(3);
        metrics.set_stored_records(7);
        let text = metrics.render();
        assert!(text.contains("stairwell_http_requests_total{path=\"/v1/sync\",status=\"200\"} 2"));
        assert!(text.contains("stairwell_records_refused_total{code=\"wrong_estate\"} 1"));
        assert!(text.contains("stairwell_records_accepted_total 3"));
        assert!(text.contains("stairwell_records_stored 7"));
        assert!(text.contains("# TYPE stairwell_records_stored gauge"));
    }
}
