//! CPU time the server and the load generator spend per request, read from `/proc` (Linux).
//!
//! The load generator shares the server's cores, so a throughput ratio also moves with the
//! generator's own work per request: when that work grows for one endpoint, the ratio falls
//! however cheap the server is. These samples show the split, per endpoint, in every run.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

/// CPU seconds a process has used: all of it, and the part of its threads whose name starts
/// with a given prefix (the server's SQLite writer threads, `sqlx-sqlite-worker-N`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub total: f64,
    pub named: f64,
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, before: Cpu) -> Cpu {
        Cpu {
            total: self.total - before.total,
            named: self.named - before.named,
        }
    }
}

impl std::ops::AddAssign for Cpu {
    fn add_assign(&mut self, other: Cpu) {
        self.total += other.total;
        self.named += other.named;
    }
}

/// User plus system time of `pid` (threads that ended included), and of its live threads named
/// `prefix…`. None where `/proc` is not there to read.
pub fn sample(pid: u32, prefix: &str) -> Option<Cpu> {
    let dir = Path::new("/proc").join(pid.to_string());
    let total = stat_seconds(&dir.join("stat"))?;
    let mut named = 0.0;
    for task in std::fs::read_dir(dir.join("task")).ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with(prefix) {
            named += stat_seconds(&task.path().join("stat")).unwrap_or(0.0);
        }
    }
    Some(Cpu { total, named })
}

/// CPU seconds of every process on this machine named exactly `name` (PostgreSQL's: its
/// backends, WAL writer, checkpointer…), by pid. Compare two samples with [`spent_since`].
pub fn processes_named(name: &str) -> Option<HashMap<u32, f64>> {
    let mut seconds = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name
            && let Some(s) = stat_seconds(&entry.path().join("stat"))
        {
            seconds.insert(pid, s);
        }
    }
    Some(seconds)
}

/// What the processes of `now` spent since `before`; one that started in between counts
/// whole. One that ended in between is missed: the database's connections stay open for
/// the whole run, so only short-lived helpers can be.
pub fn spent_since(now: &HashMap<u32, f64>, before: &HashMap<u32, f64>) -> f64 {
    now.iter()
        .map(|(pid, s)| s - before.get(pid).copied().unwrap_or(0.0))
        .sum()
}

/// utime + stime of a `stat` file, in seconds.
fn stat_seconds(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    // The name in parentheses may hold spaces; the fields after it do not. utime and stime
    // are fields 14 and 15, the 12th and 13th after the name.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks_per_second())
}

#[cfg(target_os = "linux")]
fn clock_ticks_per_second() -> f64 {
    match rustix::param::clock_ticks_per_second() {
        0 => 100.0,
        hz => hz as f64,
    }
}

/// Only Linux has the `/proc` these numbers come from (and `libc` is not a dependency
/// everywhere); elsewhere nothing is sampled.
#[cfg(not(target_os = "linux"))]
fn clock_ticks_per_second() -> f64 {
    100.0
}

/// The CPU the server, the load generator and the database (when it runs on this machine)
/// spent over a span of requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Split {
    pub server: Cpu,
    pub generator: f64,
    pub database: f64,
    pub requests: u64,
}

/// Microseconds per request.
#[derive(Debug, Clone, Copy)]
pub struct PerRequest {
    pub server: f64,
    /// The part of `server` its named threads spent.
    pub named: f64,
    pub generator: f64,
    pub database: f64,
}

impl PerRequest {
    pub fn all(&self) -> f64 {
        self.server + self.generator + self.database
    }
}

impl Split {
    pub fn add(&mut self, server: Cpu, generator: f64, database: f64, requests: u64) {
        self.server += server;
        self.generator += generator;
        self.database += database;
        self.requests += requests;
    }

    pub fn per_request_us(&self) -> PerRequest {
        let n = self.requests.max(1) as f64 / 1e6;
        PerRequest {
            server: self.server.total / n,
            named: self.server.named / n,
            generator: self.generator / n,
            database: self.database / n,
        }
    }
}
