//! What the figures were measured on, and the `/proc` readings: a process's
//! CPU time (`/proc/PID/stat` utime + stime) and memory (`/proc/PID/status`
//! VmRSS, and VmHWM, its peak), and the size of a folder on disk.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::fmt_bytes;

/// `machine: nproc 2, CPU AMD EPYC, memory 23.5 GiB, …`.
pub fn machine_line(tmp: &Path) -> String {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = meminfo_kib("MemTotal").map_or("unknown".into(), |kib| fmt_bytes(kib * 1024));
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|text| text.trim().to_owned())
        .unwrap_or_default();
    format!(
        "machine: nproc {nproc}, CPU {cpu}, memory {memory}, Linux {kernel}; load average \
         {} (other processes share the CPUs); temporary files on {} ({}); build {}",
        load_average(),
        tmp.display(),
        filesystem_of(tmp),
        if cfg!(debug_assertions) {
            "debug (figures are not meaningful: use --release)"
        } else {
            "release"
        }
    )
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn meminfo_kib(key: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// The type of the file system `path` is on, from `/proc/mounts`.
fn filesystem_of(path: &Path) -> String {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let point = fields.next()?;
            let kind = fields.next()?;
            path.starts_with(point)
                .then(|| (point.len(), format!("{kind} on {device}")))
        })
        .max_by_key(|(len, _)| *len)
        .map_or_else(|| "unknown file system".into(), |(_, kind)| kind)
}

static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// Clock ticks a second, as `/proc/PID/stat` counts CPU time.
fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}

/// A process's user + system CPU time so far.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    proc_cpu_time(&pid.to_string())
}

/// The user + system CPU time so far of every process named `comm` (the
/// PostgreSQL server's processes are all `postgres`).
pub fn cpu_time_of_named(comm: &str) -> Duration {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|name| name.trim() == comm)
        })
        .filter_map(|pid| proc_cpu_time(&pid))
        .sum()
}

/// This process's (every thread's) user + system CPU time so far.
pub fn own_cpu_time() -> Duration {
    proc_cpu_time("self").unwrap_or_default()
}

/// CPU time spent by the bench (the devices) and by a server between
/// [`CpuWatch::start`] and [`CpuWatch::stop`]: figures that other
/// processes on the machine disturb less than wall time.
#[derive(Debug, Clone, Copy)]
pub struct CpuWatch {
    pid: u32,
    own: Duration,
    server: Duration,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSpent {
    pub device: Duration,
    pub server: Duration,
}

impl CpuWatch {
    pub fn start(server_pid: u32) -> CpuWatch {
        CpuWatch {
            pid: server_pid,
            own: own_cpu_time(),
            server: cpu_time(server_pid).unwrap_or_default(),
        }
    }

    pub fn stop(self) -> CpuSpent {
        CpuSpent {
            device: own_cpu_time().saturating_sub(self.own),
            server: cpu_time(self.pid)
                .unwrap_or_default()
                .saturating_sub(self.server),
        }
    }
}

impl std::fmt::Display for CpuSpent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU: device {} + server {}",
            super::fmt_duration(self.device),
            super::fmt_duration(self.server)
        )
    }
}

fn proc_cpu_time(pid: &str) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields start after its ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = *TICKS.get_or_init(ticks_per_second);
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks as f64,
    ))
}

/// A `/proc/PID/status` memory figure (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: &str, key: &str) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// A process's memory now and at its peak.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss: u64,
    pub peak: u64,
}

pub fn memory(pid: u32) -> Memory {
    let pid = pid.to_string();
    Memory {
        rss: status_bytes(&pid, "VmRSS").unwrap_or(0),
        peak: status_bytes(&pid, "VmHWM").unwrap_or(0),
    }
}

/// This process's resident memory now.
pub fn own_rss() -> u64 {
    status_bytes("self", "VmRSS").unwrap_or(0)
}

/// The bytes of every file under `dir` (their lengths, not their blocks).
pub fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => folder_bytes(&entry.path()),
            Ok(kind) if kind.is_file() => entry.metadata().map_or(0, |meta| meta.len()),
            _ => 0,
        })
        .sum()
}

/// One file's length, 0 if it is missing.
pub fn file_bytes(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |meta| meta.len())
}
