//! The demo's banner tells a newcomer how to try a field device; its lines
//! must work as printed, from where the demo was started, without
//! `stairwell` on the PATH (a fresh clone after `cargo run`). The test runs
//! each printed line with `sh` in an empty folder and checks the phone it
//! makes holds the demo's records.

use std::process::Command;

use stairwell_tests::console::Demo;

#[test]
fn the_demo_banners_field_commands_work_as_printed() {
    let demo = Demo::start();
    let banner = demo.server.banner();
    let tried: Vec<&str> = banner
        .lines()
        .skip_while(|line| !line.starts_with("Try a field device"))
        .skip(1)
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    assert_eq!(tried.len(), 3, "enroll, sync, list in:\n{banner}");
    let folder = tempfile::tempdir().expect("a folder");
    let mut listed = String::new();
    for line in &tried {
        let out = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(folder.path())
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("run sh");
        assert!(
            out.status.success(),
            "{line} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        listed = String::from_utf8_lossy(&out.stdout).into_owned();
    }
    assert!(
        listed.lines().count() > 10,
        "the phone lists the demo's records:\n{listed}"
    );
}
