//! The `stairwell` binary: parses the command line and hands over to the
//! library. Logs go to stderr (RUST_LOG, default `info`), so stdout carries
//! only what a script reads: the listening address, or an admin result.

use std::process::ExitCode;

use clap::Parser;
use stairwell_server::app::{self, Limits, ServeOptions};
use stairwell_server::cli::{Cli, Command, ServeArgs};
use stairwell_server::writer::WriterConfig;
use stairwell_server::{admin, demo, field};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Admin(args) => match admin::run(args) {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(err.exit_code)
            }
        },
        Command::Demo(args) => demo::run(args),
        Command::Field(args) => match field::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(err.exit_code())
            }
        },
    }
}

fn init_logging() {
    // Automerge logs a strict parse of partial changes as an error; the
    // caller handles that result, so its own log would only alarm people.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,automerge=off"));
    // Colour only for a person at a terminal, not in log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

fn serve(args: ServeArgs) -> ExitCode {
    let options = ServeOptions {
        data: args.data,
        listen: args.listen,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_push_records: args.max_push_records,
            max_pull_records: args.max_pull_records,
            max_blob_bytes: args.max_blob_bytes,
            record: args.record_limits.limits(),
        },
        writer: WriterConfig {
            cache_docs: args.cache_docs,
            cache_bytes: args.cache_mib.saturating_mul(1024 * 1024),
            compact_chunks: args.compact_after.max(1),
            ..WriterConfig::default()
        },
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(app::serve(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
