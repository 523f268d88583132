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
    /// Read the device token the office issued from standard input (its
    /// first line). Without it the token comes from the environment
    /// variable `STAIRWELL_TOKEN`, so it never shows in the process list.
    #[arg(long)]
    pub token_stdin: bool,
    /// The token on the command line: visible to other users of this
    /// machine in the process list; prefer --token-stdin or STAIRWELL_TOKEN.
    #[arg(long, conflicts_with = "token_stdin")]
    pub token: Option<String>,
    /// A one-time enrollment code the office issued (`XXXX-XXXX`, 15
    /// minutes, single use), instead of a token: the server then makes
    /// this device's token and sends it here only.
    #[arg(long, conflicts_with_all = ["token_stdin", "token"])]
    pub code: Option<String>,
    /// The estate's own certificate authority (a PEM file), when its
    /// server's certificate is not one this machine trusts; kept in the
    /// store and the only root trusted for this server from then on.
    #[arg(long)]
    pub ca: Option<std::path::PathBuf>,
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

/// Asks the server who the token (or the code) speaks for and keeps it in
/// the store.
pub fn enroll(store: &mut Store, args: &EnrollArgs) -> Result<(), FieldError> {
    let ca_pem = args
        .ca
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path).map_err(|err| {
                FieldError::input(format!("cannot read the CA file {}: {err}", path.display()))
            })
        })
        .transpose()?;
    let enrolled = match &args.code {
        Some(code) => http::enroll_with_code(store, &args.server, code, ca_pem.as_deref()),
        None => http::enroll(store, &args.server, &token_of(args)?, ca_pem.as_deref()),
    };
    let identity = enrolled.map_err(|err| match err {
        TransportError::Refused { status, message } => FieldError::input(format!(
            "the server refused the enrollment ({status}): {message}"
        )),
        TransportError::BadServerUrl(reason) => FieldError::input(reason),
        err @ TransportError::BadCa(_) => FieldError::input(err.to_string()),
        other => FieldError::Sync(other),
    })?;
    let server = http::server_url(&args.server).unwrap_or_else(|_| args.server.clone());
    let shown = IdentityOut::new(&server, &identity);
    if args.json {
        output::print_json(&shown)
    } else {
        output::print(&shown.text())
    }
}

/// The name of the environment variable a token may come in.
pub const TOKEN_VARIABLE: &str = "STAIRWELL_TOKEN";

/// The device token, from standard input, the environment or the command
/// line, in that order of preference.
fn token_of(args: &EnrollArgs) -> Result<String, FieldError> {
    let token = if args.token_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|err| {
            FieldError::input(format!(
                "could not read the token from standard input: {err}"
            ))
        })?;
        line
    } else if let Some(token) = &args.token {
        token.clone()
    } else {
        std::env::var(TOKEN_VARIABLE).map_err(|_| {
            FieldError::input(format!(
                "give the device token on standard input with --token-stdin, or in {TOKEN_VARIABLE}"
            ))
        })?
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(FieldError::input("the device token is empty"));
    }
    Ok(token.to_owned())
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
