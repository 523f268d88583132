//! The field command line as a phone's user drives it: `stairwell field
//! --store FILE ...` run as a process, its output read as text or JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::api::World;
use crate::server::binary;

fn run(store: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .arg("field")
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run stairwell field")
}

/// Runs `stairwell field --store STORE ARGS…`, which must succeed; its
/// standard output, trimmed.
pub fn field(store: &Path, args: &[&str]) -> String {
    field_told(store, args).0
}

/// [`field`], with what it told on standard error (warnings) beside.
pub fn field_told(store: &Path, args: &[&str]) -> (String, String) {
    let out = run(store, args);
    assert!(
        out.status.success(),
        "field {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    (text(&out.stdout), text(&out.stderr))
}

/// Runs a field command that must fail with exit code 1; its error line.
pub fn field_error(store: &Path, args: &[&str]) -> String {
    let out = run(store, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "field {args:?} should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

/// A front desk opens an urgent in-unit repair of `problem`; its id.
pub fn open_sheet(store: &Path, problem: &str) -> String {
    field(
        store,
        &[
            "repair",
            "open",
            "--resident",
            "Chen Jie",
            "--unit",
            "3-1201",
            "--phone",
            "13800000000",
            "--problem",
            problem,
            "--location",
            "in-unit",
            "--urgency",
            "urgent",
        ],
    )
}

/// A command's JSON output.
pub fn json(store: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&field(store, args)).expect("json")
}

/// A new store file `NAME.db` in the world's folder, enrolled with `token`
/// given in `STAIRWELL_TOKEN`, never on the command line.
pub fn enroll(world: &World, name: &str, token: &str) -> PathBuf {
    let store = world.dir.path().join(format!("{name}.db"));
    let out = Command::new(binary())
        .arg("field")
        .arg("--store")
        .arg(&store)
        .args(["enroll", "--server", &world.client().url])
        .env("STAIRWELL_TOKEN", token)
        .output()
        .expect("run stairwell field enroll");
    assert!(
        out.status.success(),
        "enroll failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    store
}
