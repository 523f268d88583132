//! `stairwell demo`: a server with a realistic estate to try Stairwell on.
//!
//! On the first run in a folder it creates `./stairwell-demo` (or `--data`)
//! and seeds the estate "East Court 东苑" (Asia/Shanghai): three buildings
//! of twelve floors, a patrol route, the four standard checklist templates,
//! one user of every role with a device each, and a week of records in
//! every state, made with the core's verbs as each user at plausible past
//! times. Every record goes through the server's own writer, exactly as a
//! phone's push would, so the index, the report read models and the feed
//! hold them as they would hold synced records. A later run finds the
//! estate and seeds nothing. Then it serves, like `stairwell serve`.
//!
//! Device tokens are shown once, when seeded, and written to
//! `tokens.txt` in the data folder: that file holds secrets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Args;
use stairwell_core::record::{RecordError, Role};

use crate::accounts;
use crate::cli::serve::ServeOptions;
use crate::engine::metrics::Metrics;
use crate::engine::writer::{self, WriterConfig};
use crate::http::Limits;
use crate::store::{self, Location};

/// The demo's data folder, under the current directory.
pub const DEFAULT_DATA: &str = "./stairwell-demo";
pub const ESTATE_ID: &str = "east-court";
pub const ESTATE_NAME: &str = "East Court 东苑";
pub const TIME_ZONE: &str = "Asia/Shanghai";
/// Where the tokens are written at seeding, inside the data folder.
pub const TOKENS_FILE: &str = "tokens.txt";
/// The console password of every demo user who signs in to the browser
/// console (office, front desk, supervisor, admin). DEMO ONLY: anyone who
/// reads this source knows it.
pub const DEMO_PASSWORD: &str = "demo";
const BUILDINGS: [&str; 3] = ["B1", "B2", "B3"];
const FLOORS: u32 = 12;

/// `stairwell demo`'s options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// The demo's data folder: created and seeded on the first run.
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Seed and serve this PostgreSQL database instead of the data
    /// folder's SQLite file (the folder keeps `tokens.txt`).
    #[arg(long, env = "STAIRWELL_DATABASE", value_parser = crate::cli::database_url)]
    pub database: Option<String>,
}

/// A demo user: id, display name, role, and the device they get.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub id: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub device: &'static str,
}

pub const USERS: [DemoUser; 8] = [
    DemoUser {
        id: "zhao.patrol",
        name: "赵强 Zhao Qiang",
        role: Role::Patrol,
        device: "Zhao's phone",
    },
    DemoUser {
        id: "wang.tech",
        name: "王磊 Wang Lei",
        role: Role::Technician,
        device: "Wang's phone",
    },
    DemoUser {
        id: "li.tech",
        name: "李军 Li Jun",
        role: Role::Technician,
        device: "Li's phone",
    },
    DemoUser {
        id: "lin.desk",
        name: "林晓 Lin Xiao",
        role: Role::FrontDesk,
        device: "Front desk PC",
    },
    DemoUser {
        id: "he.desk",
        name: "何芳 He Fang",
        role: Role::FrontDesk,
        device: "Night desk tablet",
    },
    DemoUser {
        id: "chen.sup",
        name: "陈静 Chen Jing",
        role: Role::Supervisor,
        device: "Chen's phone",
    },
    DemoUser {
        id: "zhou.office",
        name: "周敏 Zhou Min",
        role: Role::Office,
        device: "Office browser",
    },
    DemoUser {
        id: "admin",
        name: "管理员 Admin",
        role: Role::Admin,
        device: "Admin laptop",
    },
];

const PATROL: &str = "zhao.patrol";
const WANG: &str = "wang.tech";
const LI: &str = "li.tech";
const DESK: &str = "lin.desk";
const NIGHT_DESK: &str = "he.desk";
const SUPERVISOR: &str = "chen.sup";
const OFFICE: &str = "zhou.office";

/// A device issued at seeding; its token exists only here and in tokens.txt.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub user: DemoUser,
    pub device: String,
    pub token: String,
}

/// What `seed` did.
#[derive(Debug)]
pub enum Seeding {
    /// The folder was new: the estate, users and records were made.
    Seeded {
        tokens: Vec<IssuedToken>,
        records: usize,
    },
    /// The estate was already there; nothing was written.
    AlreadySeeded,
}

/// Why the demo could not seed or serve.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Storage(#[from] crate::store::StorageError),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AuthError),
    #[error(transparent)]
    Password(#[from] crate::accounts::password::PasswordError),
    #[error(transparent)]
    Writer(#[from] crate::engine::writer::WriteError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0} holds another server's data; give the demo its own folder with --data")]
    ForeignData(String),
    /// The seeder's own plan is inconsistent: a bug, not the operator's.
    #[error("the demo's seeding went wrong: {0}")]
    Seeding(&'static str),
    #[error("the server refused a demo {kind} by {user}: {message}")]
    Refused {
        kind: String,
        user: String,
        message: String,
    },
}

/// Runs the demo: seeds on the first run, prints how to connect, serves.
pub fn run(args: DemoArgs) -> ExitCode {
    match prepare(&args) {
        Ok((seeding, listen)) => {
            print!("{}", banner(&args.data, listen, &seeding, Utc::now()));
            serve(&args, listen)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn prepare(args: &DemoArgs) -> Result<(Seeding, SocketAddr), DemoError> {
    std::fs::create_dir_all(&args.data)?;
    let location = Location::of(&args.data, args.database.as_deref());
    let seeding = seed(&location, Utc::now())?;
    if let Seeding::Seeded { tokens, .. } = &seeding {
        write_tokens(&args.data, tokens)?;
    }
    Ok((seeding, concrete(args.listen)?))
}

/// Port 0 picks a free port here, so the printed URLs are the real ones.
fn concrete(listen: SocketAddr) -> Result<SocketAddr, DemoError> {
    if listen.port() != 0 {
        return Ok(listen);
    }
    let probe = std::net::TcpListener::bind(listen).map_err(|source| DemoError::Listen {
        addr: listen,
        source,
    })?;
    Ok(probe.local_addr()?)
}

fn serve(args: &DemoArgs, listen: SocketAddr) -> ExitCode {
    let options = ServeOptions {
        data: args.data.clone(),
        database: args.database.clone(),
        listen,
        tls: None,
        limits: Limits::default(),
        connections: Default::default(),
        writer: WriterConfig::default(),
    };
    crate::cli::serve::run(options)
}

/// Seeds the demo estate into the storage at `location` as of `now`,
/// unless it is there.
pub fn seed(location: &Location, now: DateTime<Utc>) -> Result<Seeding, DemoError> {
    let storage = store::open(location)?;
    crate::engine::rebuild::after_upgrade(&*storage);
    if storage.estate(ESTATE_ID)?.is_some() {
        return Ok(Seeding::AlreadySeeded);
    }
    if storage.record_count()? > 0 {
        return Err(DemoError::ForeignData(format!("{location:?}")));
    }
    let estate = accounts::add_estate(&*storage, ESTATE_ID, ESTATE_NAME, TIME_ZONE)?;
    let mut tokens = Vec::new();
    let mut people = HashMap::new();
    for user in USERS {
        accounts::add_user(
            &*storage,
            user.id,
            user.name,
            user.role,
            &[ESTATE_ID.to_owned()],
        )?;
        if crate::accounts::password::may_sign_in(user.role) {
            crate::accounts::password::set_password(&*storage, user.id, DEMO_PASSWORD)?;
        }
        let device = accounts::issue_device(&*storage, user.id, Some(user.device))?;
        let author = accounts::authenticate(&*storage, &device.token)?.ok_or(
            DemoError::Seeding("a device just issued does not authenticate"),
        )?;
        people.insert(user.id, author);
        tokens.push(IssuedToken {
            user,
            device: device.id,
            token: device.token,
        });
    }
    let metrics = Arc::new(Metrics::default());
    let (writer, thread) = writer::spawn(storage.clone(), metrics, WriterConfig::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut seeder = Seeder {
        runtime,
        writer,
        storage: storage.clone(),
        people,
        now,
        tz: estate.tz,
        records: 0,
    };
    seeder.seed_all()?;
    let records = seeder.records;
    drop(seeder);
    thread
        .join()
        .map_err(|_| DemoError::Seeding("the writer failed while seeding"))?;
    tracing::info!(records, "demo estate seeded");
    Ok(Seeding::Seeded { tokens, records })
}

mod banner;
mod seed;

use banner::{banner, write_tokens};
use seed::Seeder;

#[cfg(test)]
mod tests;
