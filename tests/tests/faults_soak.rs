//! Soak: the sync storm of `server_kill.rs`, with the server SIGKILLed
//! twenty times (and more in the long mode) while four devices sync, each
//! kill landing at a different point of a request (a random wait of up to
//! a few milliseconds after a sync is seen in flight) and each downtime a
//! different length. Afterwards (see `stairwell_tests::storm`): every
//! acknowledged note is on the server exactly once, every note ever written
//! is there once on its own record, every device converges to the server's
//! copy, and the server database passes `PRAGMA integrity_check`.
//!
//! Modes, chosen by the environment:
//! - default (what `cargo test --workspace` runs): 20 kills, a few syncs
//!   apart, short downtimes; well under 40 s in a debug build;
//! - `STAIRWELL_SOAK=long`: 200 kills, more syncs between them, downtimes
//!   up to half a second, for a soak of several minutes:
//!   `STAIRWELL_SOAK=long cargo test --release -p stairwell-tests --test
//!   faults_soak -- --nocapture`.

use std::time::Duration;

use stairwell_tests::storm::{self, StormPlan};

fn plan() -> StormPlan {
    match std::env::var("STAIRWELL_SOAK").as_deref() {
        Ok("long") => StormPlan {
            devices: 4,
            kills: 200,
            syncs_between_kills: 10,
            downtime: (Duration::from_millis(20), Duration::from_millis(500)),
            kill_jitter: Duration::from_millis(15),
            max_notes_per_device: 20_000,
            deadline: Duration::from_secs(30 * 60),
        },
        _ => StormPlan {
            devices: 4,
            kills: 20,
            syncs_between_kills: 4,
            downtime: (Duration::from_millis(10), Duration::from_millis(80)),
            kill_jitter: Duration::from_millis(8),
            max_notes_per_device: 2_000,
            deadline: Duration::from_secs(120),
        },
    }
}

#[test]
fn acknowledged_changes_survive_twenty_sigkills_exactly_once() {
    let plan = plan();
    let report = storm::run(&plan);
    assert_eq!(report.kills, plan.kills);
    println!("{report}");
}
