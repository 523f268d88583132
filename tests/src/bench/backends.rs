//! The same sync paths on each storage, side by side, in one run: SQLite
//! in one process (the default), PostgreSQL with one server, and
//! PostgreSQL with three replicas behind nginx (round robin), all on this
//! machine. For each: the cold pull of the full estate, the reconnect, the
//! cold push, and many pushers (200 clients × 20 pushes), with the CPU the
//! servers and the database spent per acknowledged push in the last, the
//! figures a fourth replica on another machine is argued from.
//!
//! Runs beside a PostgreSQL cluster that keeps its data durable, as a
//! company's would: `STAIRWELL_PG_DURABLE=1 scripts/with-postgres cargo run
//! --release -p stairwell-tests --bin bench -- backends`.

use std::time::Duration;

use super::machine::{cpu_time, cpu_time_of_named};
use super::report::Report;
use super::scenarios;
use super::site::set_servers;
use super::{Options, fmt_duration};
use crate::backend::{Backend, choose};

/// One column of the comparison.
#[derive(Debug, Clone)]
struct Deployment {
    name: &'static str,
    backend: Backend,
    servers: usize,
}

/// What one deployment measured: its table, and CPU per push.
struct Column {
    report: Report,
    server_cpu_per_push: Duration,
    database_cpu_per_push: Duration,
}

/// Runs the comparison and prints its table; says why when it cannot run.
pub fn compare(opts: &Options, report: &mut Report) {
    let Ok(cluster) = std::env::var("STAIRWELL_TEST_POSTGRES") else {
        report.say(
            "backends: needs a PostgreSQL cluster: STAIRWELL_PG_DURABLE=1 scripts/with-postgres \
             cargo run --release -p stairwell-tests --bin bench -- backends",
        );
        return;
    };
    let deployments = [
        Deployment {
            name: "SQLite, 1 server",
            backend: Backend::Sqlite,
            servers: 1,
        },
        Deployment {
            name: "PostgreSQL, 1 server",
            backend: Backend::Postgres(cluster.clone()),
            servers: 1,
        },
        Deployment {
            name: "PostgreSQL, 3 replicas + nginx",
            backend: Backend::Postgres(cluster),
            servers: 3,
        },
    ];
    let columns: Vec<(Deployment, Column)> = deployments
        .into_iter()
        .map(|deployment| {
            println!("\n### {}\n", deployment.name);
            let column = measure(opts, &deployment);
            (deployment, column)
        })
        .collect();
    choose(None);
    set_servers(1);
    print_side_by_side(&columns);
    report.say(format!(
        "backends: compared {} deployments (table above)",
        columns.len()
    ));
}

fn measure(opts: &Options, deployment: &Deployment) -> Column {
    choose(Some(deployment.backend.clone()));
    set_servers(deployment.servers);
    let mut report = Report::new();
    {
        let mut estate = scenarios::seed_full_estate(opts, &mut report);
        scenarios::cold_pull(opts, &mut estate, &mut report);
        scenarios::reconnect(opts, &mut estate, &mut report);
    }
    scenarios::cold_push(opts, &mut report);
    let pushes = (opts.sizes.devices * opts.sizes.edits_per_device) as u32;
    let database_before = cpu_time_of_named("postgres");
    let (pushers_report, server_cpu) = scenarios::many_pushers_watched(opts);
    let database_cpu = cpu_time_of_named("postgres").saturating_sub(database_before);
    report.rows.extend(pushers_report.rows);
    Column {
        report,
        server_cpu_per_push: server_cpu / pushes.max(1),
        database_cpu_per_push: match deployment.backend {
            Backend::Sqlite => Duration::ZERO,
            Backend::Postgres(_) => database_cpu / pushes.max(1),
        },
    }
}

/// Server CPU of `pids` so far, summed.
pub fn servers_cpu(pids: &[u32]) -> Duration {
    pids.iter().filter_map(|pid| cpu_time(*pid)).sum()
}

fn print_side_by_side(columns: &[(Deployment, Column)]) {
    let Some((_, first)) = columns.first() else {
        return;
    };
    println!("\n## The same paths on each storage\n");
    let names: Vec<&str> = columns.iter().map(|(d, _)| d.name).collect();
    println!("| scenario | figure | {} |", names.join(" | "));
    println!("|---|---|{}", "---|".repeat(names.len()));
    for row in &first.report.rows {
        let values: Vec<String> = columns
            .iter()
            .map(|(_, column)| {
                column
                    .report
                    .rows
                    .iter()
                    .find(|other| other.scenario == row.scenario && other.figure == row.figure)
                    .map_or_else(|| "-".to_owned(), |other| other.value.clone())
            })
            .collect();
        println!(
            "| {} | {} | {} |",
            row.scenario,
            row.figure,
            values.join(" | ")
        );
    }
    let per_push = |pick: fn(&Column) -> Duration| -> Vec<String> {
        columns
            .iter()
            .map(|(_, column)| fmt_duration(pick(column)))
            .collect()
    };
    println!(
        "| many pushers | server CPU per push (all servers) | {} |",
        per_push(|c| c.server_cpu_per_push).join(" | ")
    );
    println!(
        "| many pushers | database CPU per push (PostgreSQL's processes) | {} |",
        per_push(|c| c.database_cpu_per_push).join(" | ")
    );
}
