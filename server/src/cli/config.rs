//! Where a server's options come from, in one documented order: a flag on
//! the command line, else its environment variable (`STAIRWELL_LISTEN` for
//! `--listen`: every option's is shown by `--help`), else the configuration
//! file named by `--config FILE` (or `STAIRWELL_CONFIG`), else the built-in
//! default.
//!
//! The file is TOML whose keys are the long flags' names (`listen =
//! "0.0.0.0:7878"`, `max-body-bytes = 33554432`, `behind-https-proxy =
//! true`). It is read after clap has parsed the command line and the
//! environment: each setting whose option clap left at its default is
//! added as a flag and the command line parsed again, so a value in the
//! file is checked exactly as the same flag would be. One file serves every
//! command: `admin` takes the keys it has (`data`, `database`) and passes
//! over the server's; a key no command knows is an error, so a misspelt
//! setting is never silently ignored.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command, Parser};

/// The option every command that reads a configuration file has.
pub const CONFIG_ARG: &str = "config";
/// The command whose options define which keys a file may hold.
const SERVE: &str = "serve";

/// Parses the process's command line, environment and configuration file;
/// exits with clap's message and code 2 on a mistake in any of them.
pub fn parse<C: Parser>() -> C {
    parse_from(std::env::args_os()).unwrap_or_else(|err| err.exit())
}

/// [`parse`] of the given arguments (the first is the program's name).
pub fn parse_from<C: Parser>(args: impl IntoIterator<Item = OsString>) -> Result<C, clap::Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    let command = C::command();
    let matches = command.clone().try_get_matches_from(&args)?;
    let Some((name, sub)) = matches.subcommand() else {
        return C::from_arg_matches(&matches);
    };
    let Some(file) = sub
        .try_get_one::<PathBuf>(CONFIG_ARG)
        .ok()
        .flatten()
        .cloned()
    else {
        return C::from_arg_matches(&matches);
    };
    let settings = read(&file)?;
    let Some(target) = command.find_subcommand(name) else {
        return C::from_arg_matches(&matches);
    };
    let extra = as_flags(
        &file,
        &settings,
        target,
        command.find_subcommand(SERVE),
        sub,
    )?;
    let at = args
        .iter()
        .skip(1)
        .position(|arg| arg.as_os_str() == name)
        .map_or(args.len(), |index| index + 2);
    let mut merged = args;
    merged.splice(at..at, extra);
    C::try_parse_from(merged)
}

/// The settings of a configuration file, in file order.
fn read(file: &Path) -> Result<Vec<(String, toml::Value)>, clap::Error> {
    let text = std::fs::read_to_string(file).map_err(|err| {
        clap::Error::raw(
            ErrorKind::Io,
            format!(
                "cannot read the configuration file {}: {err}\n",
                file.display()
            ),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|err| {
        clap::Error::raw(
            ErrorKind::InvalidValue,
            format!(
                "the configuration file {} is not TOML: {err}\n",
                file.display()
            ),
        )
    })?;
    Ok(table.into_iter().collect())
}

/// The flags that carry the file's settings for the options `command`
/// has and left at their default in `given`.
fn as_flags(
    file: &Path,
    settings: &[(String, toml::Value)],
    command: &Command,
    serve: Option<&Command>,
    given: &ArgMatches,
) -> Result<Vec<OsString>, clap::Error> {
    let mut flags = Vec::new();
    for (key, value) in settings {
        let Some(arg) = long_arg(command, key) else {
            if serve.is_some_and(|serve| long_arg(serve, key).is_some()) {
                continue;
            }
            return Err(setting_error(file, key, "is not a setting of Stairwell"));
        };
        let id = arg.get_id().as_str();
        if !matches!(
            given.value_source(id),
            None | Some(ValueSource::DefaultValue)
        ) {
            continue;
        }
        match (arg.get_action(), value) {
            (ArgAction::SetTrue, toml::Value::Boolean(on)) => {
                if *on {
                    flags.push(OsString::from(format!("--{key}")));
                }
            }
            (ArgAction::SetTrue, _) => {
                return Err(setting_error(file, key, "must be true or false"));
            }
            (_, value) => {
                let text = scalar(value)
                    .ok_or_else(|| setting_error(file, key, "must be a string or a number"))?;
                flags.push(OsString::from(format!("--{key}={text}")));
            }
        }
    }
    Ok(flags)
}

fn long_arg<'c>(command: &'c Command, key: &str) -> Option<&'c clap::Arg> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(key) && key != CONFIG_ARG)
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Integer(number) => Some(number.to_string()),
        toml::Value::Float(number) => Some(number.to_string()),
        _ => None,
    }
}

fn setting_error(file: &Path, key: &str, why: &str) -> clap::Error {
    clap::Error::raw(
        ErrorKind::InvalidValue,
        format!(
            "the configuration file {}: `{key}` {why} (its keys are the long flags of `stairwell serve --help`)\n",
            file.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command as ServerCommand;
    use crate::cli::tests::Cli;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("stairwell.toml");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    fn serve(args: &[&str]) -> Result<crate::cli::ServeArgs, clap::Error> {
        let argv = ["stairwell", "serve"]
            .iter()
            .chain(args)
            .map(OsString::from);
        match parse_from::<Cli>(argv)?.command {
            ServerCommand::Serve(args) => Ok(args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let (_dir, path) = file(
            "listen = \"127.0.0.1:9000\"\nmax-body-bytes = 1000\nbehind-https-proxy = true\n\
             max-record-events = 77\n",
        );
        let config = path.to_str().expect("path");
        let args = serve(&["--config", config, "--listen", "127.0.0.1:9001"]).expect("parse");
        assert_eq!(args.listen.port(), 9001, "the flag wins");
        assert_eq!(args.max_body_bytes, 1000, "the file beats the default");
        assert!(args.behind_https_proxy);
        assert_eq!(args.record_limits.max_record_events, 77);
        assert_eq!(args.max_push_records, 5_000, "the default stays");
    }

    #[test]
    fn mistakes_in_the_file_are_usage_errors_that_name_it() {
        for (text, says) in [
            ("lisen = \"127.0.0.1:1\"\n", "`lisen` is not a setting"),
            ("listen = \"nowhere\"\n", "invalid value"),
            ("behind-https-proxy = \"yes\"\n", "must be true or false"),
            ("listen = [1]\n", "must be a string or a number"),
            ("listen = \n", "is not TOML"),
        ] {
            let (_dir, path) = file(text);
            let err = serve(&["--config", path.to_str().expect("path")]).expect_err(text);
            assert_eq!(err.exit_code(), 2, "{text}");
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
        let err = serve(&["--config", "/nonexistent/stairwell.toml"]).expect_err("missing");
        assert!(err.to_string().contains("cannot read"), "{err}");
    }

    #[test]
    fn the_example_configuration_reads() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/stairwell.toml");
        let args = serve(&["--config", example]).expect("the example parses");
        assert_eq!(args.data, PathBuf::from("/var/lib/stairwell"));
        assert!(args.behind_https_proxy);
        assert_eq!(args.max_blob_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn admin_takes_its_own_keys_from_the_servers_file() {
        let (_dir, path) = file("data = \"/srv/stairwell\"\nlisten = \"0.0.0.0:443\"\n");
        let argv = [
            "stairwell",
            "admin",
            "--config",
            path.to_str().expect("path"),
            "rebuild-read-models",
        ]
        .map(OsString::from);
        let ServerCommand::Admin(args) = parse_from::<Cli>(argv).expect("parse").command else {
            panic!("not admin");
        };
        assert_eq!(args.data, PathBuf::from("/srv/stairwell"));
    }
}
