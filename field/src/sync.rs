//! Enrollment and sync: the only two commands that talk to a server. Both go
//! through the core's HTTP driver, the very one the mobile bindings use, so
//! a test that syncs with this command line exercises what phones run.

use clap::Args;
use stairwell_core::store::Store;
use stairwell_core::sync::http::{self, TransportError};

use super::FieldError;
use super::output::{self, IdentityOut};

#[derive(Debug, Clone, Args)]
pub struct EnrollArgs {
    /// The server's base URL, e.g. http://127.0.0.1:7878
    #[arg(long)]
    pub server: String,
    /// The device token the office issued.
    #[arg(long)]
    pub token: String,
    /// Print the identity as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Print the sync's figures as JSON (SyncStats).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WhoamiArgs {
    #[arg(long)]
    pub json: bool,
}

/// Asks the server who the token speaks for and keeps it in the store.
pub fn enroll(store: &mut Store, args: &EnrollArgs) -> Result<(), FieldError> {
    let identity = http::enroll(store, &args.server, &args.token).map_err(|err| match err {
        TransportError::Refused { status, message } => FieldError::input(format!(
            "the server refused the enrollment ({status}): {message}"
        )),
        other => FieldError::Sync(other),
    })?;
    let shown = IdentityOut::new(args.server.trim_end_matches('/'), &identity);
    if args.json {
        output::print_json(&shown)
    } else {
        output::print(&shown.text())
    }
}

/// The enrollment kept in the store (never the token).
pub fn whoami(store: &Store, args: &WhoamiArgs) -> Result<(), FieldError> {
    let enrollment = store.enrollment()?.ok_or(FieldError::NotEnrolled)?;
    let shown = IdentityOut::new(&enrollment.server_url, &enrollment.identity);
    if args.json {
        output::print_json(&shown)
    } else {
        output::print(&shown.text())
    }
}

/// Pushes local changes and pulls the server's, printing progress to
/// stderr. Refused records do not fail the command: the sync itself
/// worked, and the summary lists them.
pub fn sync(store: &mut Store, args: &SyncArgs) -> Result<(), FieldError> {
    let enrollment = store.enrollment()?.ok_or(FieldError::NotEnrolled)?;
    let stats = http::sync(store, &enrollment.server_url, &enrollment.token, |stats| {
        eprintln!("{}", super::blobs::progress_line(stats));
        true
    })?;
    if args.json {
        output::print_json(&stats)
    } else {
        let mut summary = vec![output::sync_summary(&stats)];
        summary.extend(super::blobs::summary_lines(&stats.blobs));
        output::print(&summary.join("\n"))
    }
}
