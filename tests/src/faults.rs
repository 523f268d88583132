//! What the fault tests share: checking a stopped server's database
//! (`PRAGMA integrity_check`, or amcheck on PostgreSQL), and a small tmpfs to put a data directory on so
//! a test can fill it up (ENOSPC) or remount it read-only, then clear the
//! condition. Mounting needs root and a sandbox that allows it; when it is
//! refused, [`Tmpfs::mount`] says why and the test skips with that reason.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use stairwell_server::store::sqlite::DB_FILE;

pub use crate::backend::count;
use crate::backend::{Backend, backend, database_for};

/// The storage's own check of the server database of `data`: `"ok"` when
/// whole. SQLite's `PRAGMA integrity_check` (run it on a stopped server's
/// directory); on PostgreSQL, amcheck's check of every B-tree index
/// against its table.
pub fn integrity_check(data: &Path) -> String {
    if let Backend::Postgres(cluster) = backend() {
        return postgres_check(&database_for(&cluster, data));
    }
    let conn = rusqlite::Connection::open_with_flags(
        data.join(DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .expect("open the server database");
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .expect("prepare integrity_check")
        .query_map([], |row| row.get(0))
        .expect("run integrity_check")
        .collect::<Result<_, _>>()
        .expect("read integrity_check");
    rows.join("\n")
}

pub fn assert_integrity(data: &Path) {
    let result = integrity_check(data);
    assert_eq!(result, "ok", "the server database is damaged: {result}");
}

/// amcheck over every B-tree index of the database at `url`, with its
/// heap (`bt_index_check(index, true)`): each row indexed and each index
/// entry pointing at a row.
fn postgres_check(url: &str) -> String {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let checked = client.batch_execute(
        "CREATE EXTENSION IF NOT EXISTS amcheck;
         SELECT bt_index_check(c.oid, true) FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_am am ON am.oid = c.relam
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE am.amname = 'btree' AND n.nspname = 'public';",
    );
    match checked {
        Ok(()) => "ok".to_owned(),
        Err(err) => err.to_string(),
    }
}

/// A tmpfs mounted for one test; unmounted when dropped.
#[derive(Debug)]
pub struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `bytes` at `path` (created if needed), or says why
    /// it could not.
    pub fn mount(path: &Path, bytes: u64) -> Result<Tmpfs, String> {
        fs::create_dir_all(path).map_err(|err| format!("create {}: {err}", path.display()))?;
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={bytes}"))
            .arg("tmpfs")
            .arg(path))?;
        Ok(Tmpfs {
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes the file system read-only under the running server.
    pub fn remount_read_only(&self) -> Result<(), String> {
        run(Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path))
    }

    pub fn remount_read_write(&self) -> Result<(), String> {
        run(Command::new("mount")
            .args(["-o", "remount,rw"])
            .arg(&self.path))
    }

    /// Fills the file system with a file `name` until a write fails with
    /// ENOSPC; returns its path and how many bytes it took.
    pub fn fill(&self, name: &str) -> (PathBuf, u64) {
        use std::io::Write as _;
        let path = self.path.join(name);
        let mut file = fs::File::create(&path).expect("create the filler");
        let block = vec![0x5a_u8; 16 * 1024];
        let mut written = 0_u64;
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(err) if err.raw_os_error() == Some(28) => break,
                Err(err) => panic!("filling {}: {err}", path.display()),
            }
        }
        // Small writes too, so not even a page is left.
        loop {
            match file.write(&block[..512]) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n as u64,
            }
        }
        let _ = file.sync_all();
        (path, written)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("mount")
            .args(["-o", "remount,rw"])
            .arg(&self.path)
            .output();
        let plain = Command::new("umount").arg(&self.path).output();
        if !plain.is_ok_and(|out| out.status.success()) {
            // Something still holds a file there: detach it anyway.
            let _ = Command::new("umount").arg("-l").arg(&self.path).output();
        }
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|err| format!("cannot run {command:?}: {err}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
