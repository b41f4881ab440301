//! `cargo bench --bench scan`: `tokctl scan` against ripgrep searching the same regex over the
//! same warm source tree, one core each, side by side; prints MB/s for both and the ratio.
//!
//! Prerequisite: `rg` on PATH (`apt-get install ripgrep`, `brew install ripgrep`). The tree is
//! `TOKCTL_BENCH_SCAN_DIR`, default cargo's unpacked registry sources (`$CARGO_HOME/registry/src`,
//! some hundreds of MB of real source on any machine that built tokctl). Both tools read the
//! same files: .gitignore honoured inside and outside git repositories, hidden files read,
//! `.git/` skipped, symbolic links not followed, a file with a NUL byte given up on. Each is
//! pinned to one CPU with `taskset` where there is one (and runs one thread anyway: `rg -j1`).
//! `TOKCTL_BENCH_RUNS` (default 5) timed runs each, alternating, after one warm-up run each;
//! the median counts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The secret format as a regex (DESIGN.md "Secrets"), for rg.
const REGEX: &str = "tokctl_(pat|mcp|ses)_[0-9A-Za-z]{36}";

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("scan: not run under `cargo test`; use `cargo bench --bench scan`");
        return;
    }
    let dir = std::env::var_os("TOKCTL_BENCH_SCAN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(registry_sources);
    let runs: usize = std::env::var("TOKCTL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    if Command::new("rg").arg("--version").output().is_err() {
        eprintln!("scan: rg (ripgrep) is not on PATH; install it: apt-get install ripgrep");
        std::process::exit(2);
    }
    let bytes = tree_bytes(&dir);
    let pin = Command::new("taskset").arg("--version").output().is_ok();
    let tokctl = |c: &mut Command| {
        c.arg(env!("CARGO_BIN_EXE_tokctl"))
            .args(["scan", "--quiet"])
            .arg(&dir);
    };
    let rg = |c: &mut Command| {
        c.arg("rg")
            .args([
                "-j1",
                "--hidden",
                "--no-require-git",
                "--glob",
                "!.git",
                "--no-messages",
                "--count",
                "-e",
                REGEX,
            ])
            .arg(&dir);
    };
    println!(
        "scan bench: {} ({:.0} MB of text), {runs} runs each, {}",
        dir.display(),
        bytes as f64 / 1e6,
        if pin {
            "pinned to CPU 0"
        } else {
            "not pinned (no taskset)"
        }
    );
    // Warm the page cache and both binaries.
    time(&tokctl, pin);
    time(&rg, pin);
    let (mut t_tokctl, mut t_rg) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        t_tokctl.push(time(&tokctl, pin));
        t_rg.push(time(&rg, pin));
    }
    let mbps = |t: Duration| bytes as f64 / 1e6 / t.as_secs_f64();
    let (a, b) = (median(&mut t_tokctl), median(&mut t_rg));
    println!("| tool         | median s | MB/s   |");
    println!("|--------------|----------|--------|");
    println!(
        "| tokctl scan  | {:>8.3} | {:>6.0} |",
        a.as_secs_f64(),
        mbps(a)
    );
    println!(
        "| rg -j1       | {:>8.3} | {:>6.0} |",
        b.as_secs_f64(),
        mbps(b)
    );
    println!(
        "tokctl scan / rg = {:.2} (throughput ratio)",
        mbps(a) / mbps(b)
    );
}

fn registry_sources() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("set TOKCTL_BENCH_SCAN_DIR or CARGO_HOME");
    home.join("registry").join("src")
}

/// Bytes of the text files under `dir` (the same walk as `tokctl scan`'s): what both tools
/// search whole. Files with a NUL byte are left out; both give up on them at the first one.
fn tree_bytes(dir: &Path) -> u64 {
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter(|bytes| memchr::memchr(0, bytes).is_none())
        .map(|bytes| bytes.len() as u64)
        .sum()
}

/// Wall time of one run of the command `build` makes, pinned to CPU 0 when `pin`.
fn time(build: &dyn Fn(&mut Command), pin: bool) -> Duration {
    let mut c = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]);
        c
    } else {
        Command::new("env")
    };
    build(&mut c);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let start = Instant::now();
    let status = c.status().expect("run the scanner");
    let took = start.elapsed();
    // tokctl exits 9 and rg 0 when something is found; 1 (rg) or 0 (tokctl) when not.
    assert!(
        matches!(status.code(), Some(0 | 1 | 9)),
        "scanner failed: {status}"
    );
    took
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}
