//! A real `stairwell serve` process is SIGKILLed in the middle of a sync
//! storm, twice, and started again on the same data directory (on a new
//! port, which the devices are told). Four devices keep adding notes, to a
//! sheet they share and to one of their own, syncing after each, and keep a
//! ledger: a note is acknowledged once a sync that started after it was
//! written returned Ok; the others were written offline or lost their sync
//! to the kill. At the end every device syncs until quiet.
//!
//! Then, read from the server by a device enrolled afterwards: every note
//! ever written is there exactly once, on the record it was written to (so
//! every acknowledged note survived the kill, every unacknowledged one was
//! re-sent, and a re-sent one that had in fact landed was not stored
//! twice); and every device holds exactly the server's copy of every record.
//!
//! The storm and its checks live in `stairwell_tests::storm`, shared with
//! `faults_soak.rs`, which kills the server twenty times and more.

use stairwell_tests::storm::{self, StormPlan};

#[test]
fn acknowledged_changes_survive_sigkill_exactly_once() {
    let report = storm::run(&StormPlan::two_kills());
    println!("{report}");
}
