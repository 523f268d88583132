//! The scenarios of the `bench` binary (`src/bin/bench.rs`): each starts a
//! real `stairwell serve` process on 127.0.0.1 (the `stairwell-e2e` build of
//! the server's own `main.rs`, as the end-to-end tests do) with its data in a
//! temporary folder, and real device stores (SQLite files) beside it, and
//! measures one path the README's performance section sets a target for.
//!
//! - [`report`]: the table the figures are printed in, with each target and
//!   by how much a missed one was missed;
//! - [`machine`]: the machine line and the `/proc` readings (server CPU and
//!   memory, the bench's own memory, folder sizes);
//! - [`site`]: a server and its devices in a temporary folder on the disk
//!   the bench was told to use (real fsyncs, not `/dev/shm`);
//! - [`data`]: records made with the real verbs, fast (in parallel, in
//!   memory, then stored or pushed in batches);
//! - [`scenarios`]: cold pull, cold push, reconnect, many devices, big
//!   estate, long history;
//! - [`anchor`]: the automerge-repo Node sync server, side by side;
//! - [`big_push`]: pushes of 1 to 100,000 events onto a long history while
//!   other devices push, for the cost of judging;
//! - [`backends`]: the sync paths on SQLite, on PostgreSQL with one server
//!   and with three replicas behind nginx, side by side.

pub mod anchor;
pub mod backends;
pub mod big_push;
pub mod data;
pub mod machine;
pub mod report;
pub mod scenarios;
pub mod site;

use std::path::PathBuf;
use std::time::Duration;

/// How the bench runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Smaller sizes, for a quick look (the targets are set for the full ones).
    pub quick: bool,
    /// Where the temporary folders go (a disk, so fsyncs cost what they cost).
    pub tmp: PathBuf,
    /// Repetitions of the short timed paths; the median is reported.
    pub runs: usize,
    pub sizes: Sizes,
}

impl Options {
    pub fn new(quick: bool, tmp: PathBuf) -> Options {
        Options {
            quick,
            tmp,
            runs: 3,
            sizes: if quick { Sizes::quick() } else { Sizes::full() },
        }
    }
}

/// The sizes each scenario works with.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Repair sheets of ~20 events a new device pulls (cold pull), and that
    /// the reconnecting device holds.
    pub cold_pull: usize,
    /// Records created offline, then synced (cold push).
    pub cold_push: usize,
    /// Records changed on the server before the reconnect.
    pub reconnect_changed: usize,
    /// Devices, and edits each pushes (many devices).
    pub devices: usize,
    pub edits_per_device: usize,
    /// Records stored on the server (big estate), and how many one sync
    /// then touches.
    pub big_estate: usize,
    pub big_estate_sync: usize,
    /// Changes of the one record of the long history.
    pub long_history: usize,
    /// Small documents of the automerge-repo comparison.
    pub anchor_docs: usize,
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            cold_pull: 10_000,
            cold_push: 1_000,
            reconnect_changed: 50,
            devices: 200,
            edits_per_device: 20,
            big_estate: 100_000,
            big_estate_sync: 1_000,
            long_history: 50_000,
            anchor_docs: 1_000,
        }
    }

    pub fn quick() -> Sizes {
        Sizes {
            cold_pull: 2_000,
            cold_push: 1_000,
            reconnect_changed: 50,
            devices: 40,
            edits_per_device: 10,
            big_estate: 10_000,
            big_estate_sync: 1_000,
            long_history: 10_000,
            anchor_docs: 1_000,
        }
    }
}

/// The median of some durations (the lower middle one for an even count).
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len().saturating_sub(1)) / 2)
        .copied()
        .unwrap_or_default()
}

/// The `p`-th percentile (nearest rank) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `1.234 s`, `56.7 ms`, `890 µs`.
pub fn fmt_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// `12.3 MiB (12,901,234 B)`-style sizes, short.
pub fn fmt_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Thousands separated: `10,000`.
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The per-run values of a figure, for the note beside its median.
pub fn fmt_runs(values: &[Duration]) -> String {
    let runs: Vec<String> = values.iter().map(|value| fmt_duration(*value)).collect();
    format!("runs: {}", runs.join(", "))
}
