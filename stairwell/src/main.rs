//! The `stairwell` binary: the server's commands (`serve`, `admin`, `demo`)
//! and the field command line (`field`) under one name. Parsing and logging
//! only; each command runs in its own library. Logs go to stderr (RUST_LOG,
//! default `info`), so stdout carries only what a script reads: the
//! listening address, an admin result, a field command's output.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use stairwell_field::FieldArgs;

#[derive(Debug, Parser)]
#[command(
    name = "stairwell",
    version,
    about = "Stairwell's sync server, its administration and the field command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Server(stairwell_server::cli::Command),
    /// The scriptable stand-in for a phone: a device store and its verbs.
    Field(FieldArgs),
}

fn main() -> ExitCode {
    // Flags, then the environment, then the configuration file.
    let cli: Cli = stairwell_server::cli::config::parse();
    init_logging();
    match cli.command {
        Command::Server(command) => stairwell_server::cli::run(command),
        Command::Field(args) => match stairwell_field::run(args) {
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
