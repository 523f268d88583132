//! What the demo tells the person who started it: where to point a
//! browser and a device, who the users are, and the tokens file.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use stairwell_core::rules::local_time::local_date;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use super::*;

/// Writes the tokens beside the data, readable by the owner only.
pub(super) fn write_tokens(data: &Path, tokens: &[IssuedToken]) -> Result<(), DemoError> {
    let mut text = String::from(
        "# Stairwell demo device tokens. SECRET: anyone with a token can act as its user.\n\
         # Delete this file once the tokens are on their devices.\n\
         # user\trole\tdevice\ttoken\n",
    );
    for issued in tokens {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}",
            issued.user.id, issued.user.role, issued.device, issued.token
        );
    }
    let path = data.join(TOKENS_FILE);
    // Private before a byte is written to it.
    stairwell_core::store::private::private_file(&path)?;
    std::fs::write(&path, text)?;
    Ok(())
}

/// What `stairwell demo` prints before it serves.
pub fn banner(data: &Path, listen: SocketAddr, seeding: &Seeding, now: DateTime<Utc>) -> String {
    let url = format!("http://{listen}");
    let tz: Tz = TIME_ZONE.parse().unwrap_or(Tz::UTC);
    let today = local_date(now, tz);
    let month = today.format("%Y-%m");
    let tokens_path = data.join(TOKENS_FILE);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nStairwell demo: {ESTATE_NAME} ({ESTATE_ID}, {TIME_ZONE})"
    );
    match seeding {
        Seeding::Seeded { records, .. } => {
            let _ = writeln!(out, "Seeded {records} records into {}", data.display());
        }
        Seeding::AlreadySeeded => {
            let _ = writeln!(
                out,
                "Using the demo data in {} (already seeded)",
                data.display()
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  Office console:     {url}/");
    let _ = writeln!(out, "  Sync URL (devices): {url}");
    let _ = writeln!(out, "  Feed WebSocket:     ws://{listen}/v1/feed/ws");
    let _ = writeln!(out);
    let office_token = match seeding {
        Seeding::Seeded { tokens, .. } => {
            let _ = writeln!(out, "Users and device tokens (shown this once):");
            for issued in tokens {
                // The name last: its CJK characters are double width.
                let _ = writeln!(
                    out,
                    "  {:<12} {:<11} {}  {}",
                    issued.user.id,
                    issued.user.role.as_str(),
                    issued.token,
                    issued.user.name
                );
            }
            let _ = writeln!(
                out,
                "\n  WARNING: the tokens are also in {}: it holds secrets, keep it private.",
                tokens_path.display()
            );
            tokens
                .iter()
                .find(|issued| issued.user.id == OFFICE)
                .map(|issued| issued.token.clone())
        }
        Seeding::AlreadySeeded => {
            let _ = writeln!(out, "Users:");
            for user in USERS {
                let _ = writeln!(
                    out,
                    "  {:<12} {:<11} {}",
                    user.id,
                    user.role.as_str(),
                    user.name
                );
            }
            let _ = writeln!(
                out,
                "\n  Their device tokens were printed when the demo was seeded and written to\n  \
                 {} (it holds secrets, keep it private).",
                tokens_path.display()
            );
            None
        }
    };
    let console_users: Vec<&str> = USERS
        .iter()
        .filter(|user| crate::accounts::password::may_sign_in(user.role))
        .map(|user| user.id)
        .collect();
    let _ = writeln!(
        out,
        "\nSign in to the office console at {url}/ as {} with the password \"{DEMO_PASSWORD}\".",
        console_users.join(", ")
    );
    let _ = writeln!(
        out,
        "  DEMO ONLY: that password is public. Set a real one with\n  \
         stairwell admin --data {} user password USER --password-stdin",
        data.display()
    );
    let token = office_token.as_deref().unwrap_or("OFFICE_TOKEN");
    let _ = writeln!(
        out,
        "\nReports (JSON), as the office user {OFFICE}; the token goes in a header, never in a URL:"
    );
    for path in [
        format!("/v1/reports/coverage?estate={ESTATE_ID}&week={today}"),
        format!("/v1/reports/callbacks?estate={ESTATE_ID}"),
        format!("/v1/reports/monthly?estate={ESTATE_ID}&month={month}"),
    ] {
        let _ = writeln!(
            out,
            "  curl -H \"Authorization: Bearer {token}\" \"{url}{path}\""
        );
    }
    let field_token = match seeding {
        Seeding::Seeded { tokens, .. } => tokens
            .iter()
            .find(|issued| issued.user.id == PATROL)
            .map(|issued| issued.token.clone()),
        Seeding::AlreadySeeded => None,
    };
    let program = program();
    let _ = writeln!(out, "\nTry a field device (as {PATROL}):");
    let _ = writeln!(
        out,
        "  STAIRWELL_TOKEN={} {program} field --store phone.db enroll --server {url}",
        field_token.as_deref().unwrap_or("TOKEN")
    );
    let _ = writeln!(out, "  {program} field --store phone.db sync");
    let _ = writeln!(out, "  {program} field --store phone.db list\n");
    out
}

/// How to run this very binary from where the demo was started: its name
/// when it is the `stairwell` on the PATH (installed), else its path
/// (`target/release/stairwell` after `cargo run --release`), so the lines
/// above work as printed in a fresh clone.
pub(super) fn program() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "stairwell".to_owned();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let candidate = dir.join("stairwell");
            candidate.exists() && candidate.canonicalize().ok() == exe.canonicalize().ok()
        })
    });
    if on_path {
        return "stairwell".to_owned();
    }
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| exe.strip_prefix(cwd).ok().map(Path::to_path_buf));
    match relative {
        Some(relative) => format!("./{}", relative.display()),
        None => exe.display().to_string(),
    }
}
