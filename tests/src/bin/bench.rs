//! Stairwell's benchmark: real `stairwell serve` processes on 127.0.0.1 and
//! real device stores, measured against the targets in the README's
//! performance section.
//!
//! ```text
//! cargo run --release -p stairwell-tests --bin bench -- SCENARIO… [--quick] [--runs N] [--tmp DIR]
//! ```
//!
//! Scenarios: `cold-pull`, `cold-push`, `reconnect`, `many-devices` (200
//! simulated phones on this machine), `many-pushers` (the server alone,
//! under 200 clients sending pushes made beforehand), `big-estate`,
//! `long-history`, `anchor`, or `all`; and `backends` (the sync paths on
//! SQLite, PostgreSQL, and three replicas, side by side; run it under
//! `STAIRWELL_PG_DURABLE=1 scripts/with-postgres`). `--quick` uses smaller
//! sizes (the targets are set for the full ones); `--runs` repeats the
//! short timed paths (default 3, the median is reported); `--tmp` says
//! where the servers' and devices' files go (default: the system temporary
//! folder, a disk, so fsyncs cost what they cost; not `/dev/shm`).
//!
//! Every figure is printed as a table row (scenario, figure, value, target,
//! met?) as it is measured, and the whole table again at the end with the
//! machine line. A missed target says by how much. The exit code is 0 even
//! when targets are missed, and 1 when a scenario failed to run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use stairwell_tests::bench::machine::machine_line;
use stairwell_tests::bench::report::Report;
use stairwell_tests::bench::scenarios::{self, FullEstate};
use stairwell_tests::bench::site::ensure_server_binary;
use stairwell_tests::bench::{Options, anchor, backends, big_push, fmt_duration};

/// The scenarios, in the order they run (reconnect reuses the cold pull's
/// estate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Scenario {
    ColdPull,
    Reconnect,
    ColdPush,
    ManyDevices,
    ManyPushers,
    LongHistory,
    BigPush,
    BigEstate,
    Anchor,
    /// The sync paths on SQLite, PostgreSQL and three replicas (not in
    /// `all`: needs `scripts/with-postgres`).
    Backends,
    All,
}

/// Stairwell's benchmark: real servers on 127.0.0.1 and real device stores.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// What to measure.
    #[arg(required = true, value_enum)]
    scenarios: Vec<Scenario>,
    /// Smaller sizes, for a quick look (the targets are set for the full ones).
    #[arg(long)]
    quick: bool,
    /// Repetitions of the short timed paths; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    runs: u16,
    /// Where the servers' and devices' files go (a disk, not /dev/shm).
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    tmp: PathBuf,
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("__load-record") {
        // A helper run by the long-history scenario in a process of its own.
        let store = std::env::args().nth(2).unwrap_or_default();
        let id = std::env::args().nth(3).unwrap_or_default();
        return match scenarios::load_record_probe(std::path::Path::new(&store), &id) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        };
    }
    let args = Args::parse();
    let quick = args.quick;
    let mut chosen: Vec<Scenario> = if args.scenarios.contains(&Scenario::All) {
        Scenario::value_variants()
            .iter()
            .copied()
            .filter(|scenario| !matches!(scenario, Scenario::All | Scenario::Backends))
            .collect()
    } else {
        args.scenarios.clone()
    };
    chosen.sort();
    chosen.dedup();

    if let Err(err) = ensure_server_binary() {
        eprintln!("bench: {err}");
        return ExitCode::FAILURE;
    }
    let mut opts = Options::new(quick, args.tmp);
    opts.runs = usize::from(args.runs);
    let machine = machine_line(&opts.tmp);
    println!("{machine}");
    println!(
        "sizes: {}{:?}",
        if quick { "quick " } else { "" },
        opts.sizes
    );
    println!();

    let mut report = Report::new();
    let mut estate: Option<FullEstate> = None;
    let mut failed = false;
    let started = Instant::now();
    for &scenario in &chosen {
        let name = scenario
            .to_possible_value()
            .map(|value| value.get_name().to_owned())
            .unwrap_or_default();
        let uses_estate = matches!(scenario, Scenario::ColdPull | Scenario::Reconnect);
        let scenario_started = Instant::now();
        eprintln!("bench: {name}…");
        let result = catch_unwind(AssertUnwindSafe(|| {
            if uses_estate && estate.is_none() {
                estate = Some(scenarios::seed_full_estate(&opts, &mut report));
            }
            match scenario {
                Scenario::ColdPull => {
                    if let Some(estate) = estate.as_mut() {
                        scenarios::cold_pull(&opts, estate, &mut report);
                    }
                }
                Scenario::Reconnect => {
                    if let Some(estate) = estate.as_mut() {
                        scenarios::reconnect(&opts, estate, &mut report);
                    }
                }
                Scenario::ColdPush => {
                    scenarios::cold_push(&opts, &mut report);
                }
                Scenario::ManyDevices => {
                    // Staff spread over estates of 20 phones, then every
                    // phone in one estate (each sync also pulls what all
                    // the others pushed).
                    let estates = opts.sizes.devices.div_ceil(20);
                    scenarios::many_devices(&opts, estates, &mut report);
                    if estates > 1 {
                        scenarios::many_devices(&opts, 1, &mut report);
                    }
                }
                // The server alone: pushes made before the clock starts.
                Scenario::ManyPushers => scenarios::many_pushers(&opts, &mut report),
                Scenario::LongHistory => scenarios::long_history(&opts, &mut report),
                Scenario::BigPush => big_push::big_push(&opts, &mut report),
                Scenario::BigEstate => scenarios::big_estate(&opts, &mut report),
                Scenario::Anchor => anchor::anchor(&opts, &mut report),
                Scenario::Backends => backends::compare(&opts, &mut report),
                Scenario::All => unreachable!("`all` is expanded above"),
            }
        }));
        if let Err(panic) = result {
            failed = true;
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "a panic".into());
            report.say(format!("{name} failed: {message}"));
            // A failed scenario may leave the shared estate half-used.
            if uses_estate {
                estate = None;
            }
        }
        // The estate is not needed past the reconnect: free its memory and
        // files before the heavier scenarios.
        let last_use = match scenario {
            Scenario::Reconnect => true,
            Scenario::ColdPull => !chosen.contains(&Scenario::Reconnect),
            _ => false,
        };
        if last_use {
            estate = None;
        }
        eprintln!(
            "bench: {name} done in {}",
            fmt_duration(scenario_started.elapsed())
        );
    }
    drop(estate);
    report.print_all(&machine);
    println!(
        "load average at the end: {}",
        stairwell_tests::bench::machine::load_average()
    );
    println!("whole run: {}", fmt_duration(started.elapsed()));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
