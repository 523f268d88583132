//! The server's commands of the `stairwell` command line: `serve` runs the
//! sync server, `admin` sets up estates, users and devices and rebuilds read
//! models, `demo` seeds and serves a demo estate. Declared with clap so
//! usage errors exit with code 2 and a clear message, like the admin errors
//! the operator can fix; the binary adds `field` beside them.
//!
//! This layer only composes the ones below it: [`serve`] puts storage, the
//! writer, the device API and the console under one router; [`admin`] and
//! [`demo`] drive accounts and the engine.

pub mod admin;
pub mod config;
pub mod demo;
pub mod open_files;
pub mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

use std::process::ExitCode;

use clap::{Args, Subcommand};
use stairwell_core::record::{Limits, Role};

const DEFAULT_DATA: &str = "./stairwell-data";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the sync server.
    Serve(ServeArgs),
    /// Manage estates, users and devices; rebuild read models.
    Admin(AdminArgs),
    /// Serve a demo estate: seeds ./stairwell-demo on the first run.
    Demo(crate::cli::demo::DemoArgs),
}

/// Runs one of the server's commands; what it prints and its exit code are
/// the command line's documented behaviour.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Serve(args) => serve(args),
        Command::Admin(args) => match crate::cli::admin::run(args) {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(err.exit_code)
            }
        },
        Command::Demo(args) => crate::cli::demo::run(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let options = serve::ServeOptions {
        data: args.data,
        database: args.database,
        listen: args.listen,
        tls: args
            .tls_cert
            .zip(args.tls_key)
            .map(|(cert, key)| crate::http::tls::TlsFiles { cert, key }),
        limits: crate::http::Limits {
            max_body_bytes: args.max_body_bytes,
            max_push_records: args.max_push_records,
            max_pull_records: args.max_pull_records,
            max_blob_bytes: args.max_blob_bytes,
            record: args.record_limits.limits(),
            uploads: crate::store::UploadQuota {
                per_device_bytes: args.max_pending_upload_mib.saturating_mul(1024 * 1024),
                total_bytes: args.max_pending_uploads_mib.saturating_mul(1024 * 1024),
                abandon_after: std::time::Duration::try_from_secs_f64(
                    args.abandon_uploads_after_hours * 3600.0,
                )
                .unwrap_or(std::time::Duration::MAX),
            },
            max_large_bodies: usize::try_from(args.max_large_bodies).unwrap_or(usize::MAX),
        },
        connections: crate::http::connections::ConnectionLimits {
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            header_timeout: std::time::Duration::from_secs(args.header_timeout_secs),
            body_stall_timeout: std::time::Duration::from_secs(args.body_stall_timeout_secs),
            behind_https_proxy: args.behind_https_proxy,
        },
        writer: crate::engine::writer::WriterConfig {
            cache_docs: args.cache_docs,
            cache_bytes: args.cache_mib.saturating_mul(1024 * 1024),
            compact_chunks: args.compact_after.max(1),
            ..crate::engine::writer::WriterConfig::default()
        },
    };
    crate::cli::serve::run(options)
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Read options from this TOML file, keyed by the long flags' names
    /// (`listen = "0.0.0.0:443"`); a flag or environment variable beats it.
    #[arg(long, env = "STAIRWELL_CONFIG")]
    pub config: Option<PathBuf>,
    /// The data directory (created if missing).
    #[arg(long, env = "STAIRWELL_DATA", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Keep everything in this PostgreSQL database (`postgres://USER@HOST/DB`)
    /// instead of the data directory's SQLite file; any number of servers
    /// may share it.
    #[arg(long, env = "STAIRWELL_DATABASE", value_parser = database_url)]
    pub database: Option<String>,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "STAIRWELL_LISTEN", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Serve https with this certificate chain (PEM); read again on SIGHUP.
    #[arg(long, env = "STAIRWELL_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "STAIRWELL_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A reverse proxy in front terminates TLS: trust its
    /// `X-Forwarded-Proto: https` (secure cookies, HSTS). Only with a proxy
    /// that sets the header itself.
    #[arg(long, env = "STAIRWELL_BEHIND_HTTPS_PROXY")]
    pub behind_https_proxy: bool,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "STAIRWELL_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// The most records one request may push.
    #[arg(long, env = "STAIRWELL_MAX_PUSH_RECORDS", default_value_t = 5_000)]
    pub max_push_records: usize,
    /// The most records one response carries.
    #[arg(long, env = "STAIRWELL_MAX_PULL_RECORDS", default_value_t = 2_000)]
    pub max_pull_records: usize,
    /// The largest blob (photo, signature image) accepted, in bytes.
    #[arg(long, env = "STAIRWELL_MAX_BLOB_BYTES", default_value_t = stairwell_core::sync::blobs::DEFAULT_MAX_BLOB_BYTES)]
    pub max_blob_bytes: u64,
    /// Declared bytes of one device's unfinished blob uploads, in MiB.
    #[arg(long, env = "STAIRWELL_MAX_PENDING_UPLOAD_MIB", default_value_t = 256)]
    pub max_pending_upload_mib: u64,
    /// Declared bytes of all devices' unfinished blob uploads, in MiB.
    #[arg(
        long,
        env = "STAIRWELL_MAX_PENDING_UPLOADS_MIB",
        default_value_t = 4096
    )]
    pub max_pending_uploads_mib: u64,
    /// Hours after which an untouched upload is abandoned and its partial
    /// file removed (fractions allowed: 0.5 is half an hour).
    #[arg(long, env = "STAIRWELL_ABANDON_UPLOADS_AFTER_HOURS", default_value_t = 168.0, value_parser = non_negative_hours)]
    pub abandon_uploads_after_hours: f64,
    /// Request bodies over 1 MiB read at once; past it a client is told
    /// to try again (503 busy).
    #[arg(long, env = "STAIRWELL_MAX_LARGE_BODIES", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_large_bodies: u64,
    /// Connections open at once (at most what the open-file limit allows);
    /// at the cap the idlest is closed to make room.
    #[arg(long, env = "STAIRWELL_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Seconds a connection has to send a request's headers, counted from
    /// when it is ready for one (so also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, env = "STAIRWELL_HEADER_TIMEOUT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a request body may pause before the request is dropped.
    #[arg(long, env = "STAIRWELL_BODY_STALL_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_stall_timeout_secs: u64,
    /// The most loaded documents kept in memory.
    #[arg(long, env = "STAIRWELL_CACHE_DOCS", default_value_t = 10_000)]
    pub cache_docs: usize,
    /// The estimated memory loaded documents may take, in MiB.
    #[arg(long, env = "STAIRWELL_CACHE_MIB", default_value_t = 256)]
    pub cache_mib: usize,
    /// Compact a record's change chunks into its snapshot after this many.
    #[arg(long, env = "STAIRWELL_COMPACT_AFTER", default_value_t = 64)]
    pub compact_after: u32,
    #[command(flatten)]
    pub record_limits: RecordLimitArgs,
}

/// The shape one record may take (see `stairwell_core::record::Limits` for
/// the arithmetic behind each default). A push past one is refused with
/// `over_limit`, naming the limit.
#[derive(Debug, Args)]
pub struct RecordLimitArgs {
    /// The most events one record may hold.
    #[arg(long, env = "STAIRWELL_MAX_RECORD_EVENTS", default_value_t = Limits::default().max_events)]
    pub max_record_events: usize,
    /// The largest payload of one event, in bytes.
    #[arg(long, env = "STAIRWELL_MAX_EVENT_BYTES", default_value_t = Limits::default().max_event_bytes)]
    pub max_event_bytes: usize,
    /// The longest text in a record, in characters.
    #[arg(long, env = "STAIRWELL_MAX_TEXT_CHARS", default_value_t = Limits::default().max_string_chars)]
    pub max_text_chars: usize,
    /// The deepest nesting of an event's payload.
    #[arg(long, env = "STAIRWELL_MAX_NESTING", default_value_t = Limits::default().max_depth)]
    pub max_nesting: usize,
    /// The most fields one record may hold.
    #[arg(long, env = "STAIRWELL_MAX_RECORD_FIELDS", default_value_t = Limits::default().max_fields)]
    pub max_record_fields: usize,
    /// The most payload bytes all of one record's events may add up to.
    #[arg(long, env = "STAIRWELL_MAX_RECORD_BYTES", default_value_t = Limits::default().max_record_bytes)]
    pub max_record_bytes: usize,
}

impl RecordLimitArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_events: self.max_record_events,
            max_event_bytes: self.max_event_bytes,
            max_string_chars: self.max_text_chars,
            max_depth: self.max_nesting,
            max_fields: self.max_record_fields,
            max_record_bytes: self.max_record_bytes,
        }
    }
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The data directory (created if missing).
    #[arg(long, global = true, env = "STAIRWELL_DATA", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// The PostgreSQL database the server keeps everything in, when it is
    /// not the data directory's SQLite file.
    #[arg(long, global = true, env = "STAIRWELL_DATABASE", value_parser = database_url)]
    pub database: Option<String>,
    /// The server's configuration file: its `data` and `database` apply
    /// here too.
    #[arg(long, global = true, env = "STAIRWELL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    #[command(flatten)]
    Accounts(AccountCommand),
    /// Copy the data directory into a new folder while the server keeps
    /// serving: a consistent snapshot of the database, then every blob it
    /// names (checked against its hash), then a manifest.
    Backup {
        /// The new (or empty) folder to write the backup into.
        #[arg(long)]
        to: PathBuf,
    },
    /// Make the data directory (--data, new or empty) from a backup,
    /// checking the database and every blob against the manifest; restoring
    /// into a scratch folder is how a backup is checked.
    Restore {
        /// The backup folder (written by `admin backup`).
        #[arg(long)]
        from: PathBuf,
    },
    /// Move a SQLite data directory into the empty PostgreSQL database of
    /// --database: accounts, devices (their tokens keep working), records,
    /// the feed with its positions, photos; the read models are rebuilt.
    /// Stop the server of the data directory first.
    Import {
        /// The data directory to copy from.
        #[arg(long)]
        from_data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum EstateCommand {
    /// Add an estate.
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. Asia/Shanghai: deadlines are computed in it.
        #[arg(long)]
        tz: String,
    },
}

/// The commands that work on an opened data directory.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    #[command(subcommand)]
    Estate(EstateCommand),
    #[command(subcommand)]
    User(UserCommand),
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Recompute every read-model row from the documents.
    RebuildReadModels,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with one role, working at one or more estates.
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// patrol, technician, front_desk, supervisor, office or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// An estate the user works at; repeat for several.
        #[arg(long = "estate", required = true)]
        estates: Vec<String>,
    },
    /// Set the password an office, front-desk, supervisor or admin user
    /// signs in to the browser console with. Reads it from the first line
    /// of standard input; ends the user's open console sessions.
    Password {
        id: String,
        /// Read the password from standard input (the only way; accepted
        /// so scripts can say so).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Issue a device and print its token, once; with --code, a one-time
    /// code the phone exchanges for its token instead.
    Issue {
        #[arg(long)]
        user: String,
        /// A label for the device, e.g. "Wang's phone".
        #[arg(long)]
        name: Option<String>,
        /// Print a short code (single use, 15 minutes) for `stairwell field
        /// enroll --code`; the token is then made on the exchange and goes
        /// only to the phone.
        #[arg(long)]
        code: bool,
    },
    /// Revoke a device: its token stops working at once.
    Revoke { device: String },
}

pub(crate) fn database_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
        ))
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

fn non_negative_hours(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours >= 0.0 => Ok(hours),
        _ => Err(format!(
            "{text:?} is not a number of hours (such as 168 or 0.5)"
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    /// The server's commands as the binary mounts them.
    #[derive(Debug, Parser)]
    #[command(name = "stairwell")]
    pub(crate) struct Cli {
        #[command(subcommand)]
        pub(crate) command: Command,
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn data_may_follow_the_admin_subcommand() {
        let cli = Cli::try_parse_from([
            "stairwell",
            "admin",
            "rebuild-read-models",
            "--data",
            "/tmp/x",
        ])
        .expect("parse");
        let Command::Admin(args) = cli.command else {
            panic!("not admin");
        };
        assert_eq!(args.data, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn unknown_roles_are_usage_errors() {
        let err = Cli::try_parse_from([
            "stairwell",
            "admin",
            "user",
            "add",
            "u",
            "--name",
            "U",
            "--role",
            "janitor",
            "--estate",
            "e1",
        ])
        .expect_err("refused");
        assert_eq!(err.exit_code(), 2);
    }
}
