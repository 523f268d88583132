//! `stairwell admin …`: runs one administrative command against the data
//! directory and says what it did. Operator mistakes (an unknown estate, a
//! duplicate user, a bad time zone) change nothing and exit with code 2;
//! failures of the storage itself exit with 1.

use crate::accounts::admin::{self, Actor};
use crate::accounts::{self, AuthError};
use crate::cli::{
    AccountCommand, AdminArgs, AdminCommand, DeviceCommand, EstateCommand, UserCommand,
};
use crate::engine::rebuild::{self, rebuild_read_models};
use std::path::Path;

use crate::store::{
    self, Location, NewUser, PostgresStorage, SqliteStorage, Storage, StorageError, sqlite,
};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AdminError {
    pub message: String,
    /// The process exit code: 2 for the operator's mistakes, 1 otherwise.
    pub exit_code: u8,
}

impl From<AuthError> for AdminError {
    fn from(err: AuthError) -> Self {
        AdminError {
            exit_code: if err.is_usage() { 2 } else { 1 },
            message: err.to_string(),
        }
    }
}

impl From<StorageError> for AdminError {
    fn from(err: StorageError) -> Self {
        AuthError::Storage(err).into()
    }
}

/// Runs the command; returns what to print.
pub fn run(args: AdminArgs) -> Result<String, AdminError> {
    match args.command {
        AdminCommand::Accounts(command) => {
            let storage = store::open(&Location::of(&args.data, args.database.as_deref()))?;
            rebuild::after_upgrade(&*storage);
            on_data(&*storage, command)
        }
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } if args.database.is_some() => {
            Err(AdminError {
                message: "a PostgreSQL database is backed up with PostgreSQL's own tools \
                          (pg_dump, or the provider's point-in-time recovery): see the README's \
                          \"Scaling out\""
                    .into(),
                exit_code: 2,
            })
        }
        AdminCommand::Import { from_data } => import(&from_data, args.database.as_deref()),
        AdminCommand::Backup { to } => backup(&args.data, &to),
        AdminCommand::Restore { from } => restore(&from, &args.data),
    }
}

/// Runs a command on the opened data directory.
fn on_data(storage: &dyn Storage, command: AccountCommand) -> Result<String, AdminError> {
    let me = operator();
    match command {
        AccountCommand::Estate(EstateCommand::Add { id, name, tz }) => {
            let estate = admin::add_estate(storage, &me, &id, &name, &tz)?;
            Ok(format!(
                "estate {} ({}) added, time zone {}",
                estate.id,
                estate.name,
                estate.tz.name()
            ))
        }
        AccountCommand::User(UserCommand::Add {
            id,
            name,
            role,
            estates,
        }) => {
            let user = NewUser {
                id,
                name,
                role,
                estates,
            };
            let user = admin::add_user(storage, &me, &user)?;
            Ok(format!(
                "user {} ({}) added: {} at {}",
                user.id,
                user.name,
                user.role,
                user.estates.join(", ")
            ))
        }
        AccountCommand::User(UserCommand::Password { id, .. }) => {
            let password = read_password()?;
            admin::set_password(storage, &me, &id, &password)?;
            Ok(format!(
                "console password set for {id}; their open console sessions were ended"
            ))
        }
        AccountCommand::Device(DeviceCommand::Issue {
            user,
            name,
            code: true,
        }) => {
            let issued =
                admin::issue_code(storage, &me, &user, name.as_deref(), chrono::Utc::now())?;
            Ok(format!(
                "code: {}\nuser: {}\nexpires: {}\nEnter it on the phone within {} minutes; it works once.",
                issued.code,
                issued.user,
                issued
                    .expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                accounts::codes::CODE_MINUTES
            ))
        }
        AccountCommand::Device(DeviceCommand::Issue { user, name, .. }) => {
            let device = admin::issue_device(storage, &me, &user, name.as_deref())?;
            Ok(format!(
                "device_id: {}\nuser: {}\ntoken: {}\nThe token is shown only this once: put it on the device now.",
                device.id, device.user, device.token
            ))
        }
        AccountCommand::Device(DeviceCommand::Revoke { device }) => {
            admin::revoke_device(storage, &me, &device)?;
            Ok(format!("device {device} revoked"))
        }
        AccountCommand::RebuildReadModels => {
            let count = rebuild_read_models(storage)?;
            Ok(format!("rebuilt the read model of {count} records"))
        }
    }
}

/// The operator, by their login name, as the account log names them.
fn operator() -> Actor {
    let name = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|key| std::env::var(key).ok().filter(|name| !name.is_empty()))
        .unwrap_or_else(|| "operator".to_owned());
    Actor::Operator(name)
}

/// Copies a SQLite data directory into the PostgreSQL database.
fn import(from: &Path, database: Option<&str>) -> Result<String, AdminError> {
    let Some(url) = database else {
        return Err(AdminError {
            message: "import needs the PostgreSQL database to fill: --database postgres://…".into(),
            exit_code: 2,
        });
    };
    let _served = crate::cli::serve::lock_data_dir(from).map_err(|err| AdminError {
        message: format!("{err}: stop that server before importing its data"),
        exit_code: 2,
    })?;
    let storage = PostgresStorage::open(url)?;
    let imported = storage.import_sqlite(from, &mut |table, rows| {
        eprintln!("{table}: {rows}");
    })?;
    let rebuilt = rebuild_read_models(&storage)?;
    Ok(format!(
        "imported {} records ({} feed rows), {} users, {} devices and {} blobs ({} bytes) from {}; rebuilt the read models of {rebuilt} records",
        imported.records,
        imported.feed_rows,
        imported.users,
        imported.devices,
        imported.blobs,
        imported.blob_bytes,
        from.display()
    ))
}

/// Backs up a data directory; the server may be serving it meanwhile.
fn backup(data: &Path, to: &Path) -> Result<String, AdminError> {
    let manifest = sqlite::backup::backup(data, to, &mut say_progress)?;
    Ok(format!(
        "backed up {} records and {} blobs ({} bytes) of {} into {}\ncheck it: stairwell admin --data SCRATCH restore --from {}",
        manifest.records,
        manifest.blobs,
        manifest.blob_bytes,
        data.display(),
        to.display(),
        to.display()
    ))
}

/// Makes a data directory from a backup. Opening it afterwards migrates a
/// backup of an older schema and checks that the server can serve it.
fn restore(from: &Path, data: &Path) -> Result<String, AdminError> {
    let manifest = sqlite::backup::restore(from, data, &mut say_progress)?;
    let storage = SqliteStorage::open(data)?;
    rebuild::after_upgrade(&storage);
    Ok(format!(
        "restored {} records and {} blobs ({} bytes), backed up at {}, into {}; every blob and the database check out",
        manifest.records,
        manifest.blobs,
        manifest.blob_bytes,
        manifest
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        data.display()
    ))
}

/// A long copy says how far it is on stderr; stdout keeps the result.
fn say_progress(progress: sqlite::backup::Progress) {
    eprintln!(
        "blobs {}/{} ({} MiB)",
        progress.blobs_done,
        progress.blobs_total,
        progress.bytes_done / (1024 * 1024)
    );
}

/// The first line of standard input, without its line ending.
fn read_password() -> Result<String, AdminError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|err| AdminError {
            message: format!("cannot read the password from standard input: {err}"),
            exit_code: 1,
        })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
