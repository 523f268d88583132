//! Shared helpers for the end-to-end tests: real `stairwell serve` processes
//! on 127.0.0.1 with an ephemeral port, and simulated devices that each keep
//! their own offline store file and sync through the same HTTP transport the
//! phones use (`stairwell_core::sync::http`).
//!
//! - [`backend`]: SQLite (the default) or, with
//!   `STAIRWELL_TEST_BACKEND=postgres`, a PostgreSQL database per data
//!   directory: the same tests against either storage.
//! - [`server`]: a server process on a temporary data directory, set up
//!   through the real `admin` command line; it can be stopped, SIGKILLed and
//!   restarted on the same data.
//! - [`device`]: a simulated phone: a store file, a token, the identity the
//!   server gave it, and a settable server URL.
//! - [`field_cli`]: the field command line run as a process, as a phone's
//!   user drives it.
//! - [`raw`]: hand-made HTTP requests, for input no honest device sends.
//! - [`api`]: the sync endpoint spoken by hand with issued devices, in a
//!   world of two estates and a device per role.
//! - [`console`]: the demo served for the console tests, a cookie-keeping
//!   browser stand-in and phones that sync beside it.
//! - [`browser`]: a real headless Chromium over WebDriver (viewport size,
//!   language, sign-in, screenshots) for the console's browser tests.
//! - [`certs`]: certificate authorities and server certificates made by a
//!   test, for https.
//! - [`nginx`]: Debian's nginx in front of one server (TLS) or several
//!   replicas (round robin, next upstream on error).
//! - [`records`]: sample inputs (intakes, routes, findings) and a clock.
//! - [`storm`]: a sync storm under repeated SIGKILL, with its ledger checks
//!   (`tests/server_kill.rs`, `tests/faults_soak.rs`).
//! - [`faults`]: database integrity checks and a small tmpfs to fill up or
//!   make read-only (`tests/faults_disk.rs`).
//! - [`bench`]: the scenarios of the `bench` binary (`src/bin/bench.rs`).
//!
//! # Which binary the tests run
//!
//! The tests need the `stairwell` binary, built from the current sources.
//! `env!("CARGO_BIN_EXE_stairwell")` only exists inside the package that
//! owns the binary (the `stairwell` package), and looking for
//! `target/debug/stairwell` at run time is not robust either: `cargo test
//! -p stairwell-tests` does not build other packages' binaries, so the file
//! may be missing, or worse, stale. Running `cargo build` from inside a test
//! would wait on the lock of the `cargo test` that runs it.
//!
//! So this package builds the binary's own `stairwell/src/main.rs` once more,
//! as its binary target `stairwell-e2e` (see `Cargo.toml`): the same source
//! file, linked against the same `stairwell-server` and `stairwell-field`
//! libraries, so the process
//! the tests start is exactly `stairwell`, under another file name. Cargo
//! builds a package's binaries before its integration tests, so the binary
//! is always there and always current. Test binaries run from
//! `target/<profile>/deps/`, and the binary sits one level up, which is how
//! [`server::binary`] finds it from library code (where `env!` cannot see
//! `CARGO_BIN_EXE_*`).
//!
//! # Where the files go
//!
//! Each [`Site`] is a temporary folder holding the server's data directory
//! (and its log, `data.log`, printed when a test fails) and every device's
//! store file. It lives in `/dev/shm` where that exists: the tests kill
//! processes, never the machine, so durability is the same, and the many
//! fsyncs of SQLite's `synchronous = FULL` stop costing disk writes. Set
//! `STAIRWELL_TEST_TMP` to put it elsewhere.
//!
//! Every site has its own server process on its own port, so the tests of
//! one file run in parallel without sharing anything but the machine.

pub mod api;
pub mod backend;
pub mod bench;
pub mod browser;
pub mod certs;
pub mod console;
pub mod device;
pub mod faults;
pub mod field_cli;
pub mod nginx;
pub mod raw;
pub mod records;
pub mod server;
pub mod storm;

pub use device::Device;
pub use server::{Server, Site};
