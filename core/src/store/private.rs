//! Files only their owner may read. A device store holds the device's token
//! and residents' details; a server's data directory holds every record and
//! the password hashes. Whatever the umask, they are made so that only the
//! user running Stairwell can read them: folders 0700, files 0600. SQLite
//! creates its `-wal` and `-shm` files with the database's own mode, so a
//! database created private stays private.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents 0700 if needed, and makes `dir`
/// itself 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Creates `path` empty if it is missing, then makes it 0600: call before
/// SQLite opens a database, so the database and its journals are private.
pub fn private_file(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options.open(path)?;
    set_mode(path, FILE_MODE)
}

/// Options that create a file 0600 (the caller adds read, write, append).
pub fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// Makes every folder under `dir` (itself included) 0700 and every file
/// 0600: a data directory made by an older build, or under a loose umask.
pub fn restrict_tree(dir: &Path) -> io::Result<()> {
    set_mode(dir, DIR_MODE)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            restrict_tree(&entry.path())?;
        } else if kind.is_file() {
            set_mode(&entry.path(), FILE_MODE)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}
