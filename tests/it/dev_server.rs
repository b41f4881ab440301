//! `tokctl server --dev` removes its throwaway directory (`$TMPDIR/tokctl-dev-…`) on every way
//! out: the port taken, another startup error, SIGTERM or Ctrl-C while serving, and a signal
//! arriving while it is still starting. Each run gets a TMPDIR of its own to look into.
#![cfg(unix)]

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process};

fn server(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(common::tokctl_bin());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TOKCTL_") {
            c.env_remove(&k);
        }
    }
    for d in ["home", "data", "config", "tmp"] {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    c.arg("server")
        .args(args)
        .env("HOME", home.join("home"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TMPDIR", home.join("tmp"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The dev directories in this run's TMPDIR.
fn dev_dirs(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tokctl-dev-")
        })
        .collect()
}

fn signal(child: &Child, sig: Signal) {
    let pid = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
    let _ = kill_process(pid, sig);
}

/// Reads the server's stderr until its "listening" line.
fn wait_listening(child: &mut Child) -> String {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "the server stopped: {seen}"
        );
        seen.push_str(&line);
        if line.contains("tokctl server listening on") {
            std::thread::spawn(move || for _ in err.lines() {});
            return seen;
        }
    }
}

#[test]
fn dev_server_on_a_taken_port_fails_and_leaves_no_directory() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = server(home.path(), &["--dev", "--listen", &addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("--listen"), "{stderr}");
    // Nothing printed to use a server that never ran.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(dev_dirs(home.path()), Vec::<PathBuf>::new());
}

#[test]
fn dev_server_with_an_unreachable_redis_leaves_no_directory() {
    let home = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let redis = format!("redis://{closed}");
    let out = server(
        home.path(),
        &["--dev", "--listen", "127.0.0.1:0", "--redis", &redis],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot use Redis"), "{stderr}");
    assert_eq!(dev_dirs(home.path()), Vec::<PathBuf>::new());
}

#[test]
fn dev_server_stopped_by_sigterm_or_ctrl_c_removes_its_directory() {
    for sig in [Signal::TERM, Signal::INT] {
        let home = tempfile::tempdir().unwrap();
        let mut child = server(home.path(), &["--dev", "--listen", "127.0.0.1:0"])
            .spawn()
            .unwrap();
        wait_listening(&mut child);
        assert_eq!(
            dev_dirs(home.path()).len(),
            1,
            "the dev directory while serving"
        );
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "signal {sig:?}");
        assert_eq!(
            dev_dirs(home.path()),
            Vec::<PathBuf>::new(),
            "signal {sig:?}"
        );
    }
}

#[test]
fn a_signal_while_the_dev_server_starts_leaves_no_directory() {
    // At various moments of startup (opening the database, bootstrapping the org, binding).
    for delay_ms in [0u64, 10, 30, 60, 100, 150, 250, 400] {
        let home = tempfile::tempdir().unwrap();
        let mut child = server(home.path(), &["--dev", "--listen", "127.0.0.1:0"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, Signal::TERM);
        let status = child.wait().unwrap();
        assert_eq!(
            dev_dirs(home.path()),
            Vec::<PathBuf>::new(),
            "SIGTERM {delay_ms} ms after start ({status:?})"
        );
    }
}
