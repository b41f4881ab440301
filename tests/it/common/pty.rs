//! The real `tokctl` on a pseudo-terminal (rexpect), as a person at a terminal meets it: CI
//! unset, no colours to match through, 120 columns.
#![allow(dead_code)]

use std::time::Duration;

use rexpect::session::{PtySession, spawn_command};

use super::cli::User;

pub const ENTER: &str = "\r";
pub const DOWN: &str = "\x1b[B";

/// `tokctl ARGS` on a pty; any wait for output fails after 30 s.
pub fn spawn(u: &User, args: &[&str]) -> PtySession {
    spawn_within(u, args, Duration::from_secs(30))
}

/// `tokctl ARGS` on a pty; any wait for output fails after `timeout`.
pub fn spawn_within(u: &User, args: &[&str], timeout: Duration) -> PtySession {
    let mut cmd = u.command();
    cmd.args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("COLUMNS", "120");
    spawn_command(cmd, Some(timeout.as_millis() as u64)).expect("spawn on a pty")
}

/// Waits for `text`, then a moment: a prompt switches the terminal to raw mode after drawing
/// itself, and keys typed before that are discarded (as a person's would be). Returns what
/// came before `text`.
pub fn wait_for(p: &mut PtySession, text: &str) -> String {
    let before = p.exp_string(text).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    before
}

/// Types keys (rexpect buffers `send` until a flush).
pub fn key(p: &mut PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
}

/// The exit code of the finished process (rexpect reports nix's `WaitStatus`).
pub fn exit_code(p: &PtySession) -> i32 {
    let status = format!("{:?}", p.process().wait().expect("wait"));
    // "Exited(Pid(123), 2)"
    status
        .rsplit(", ")
        .next()
        .and_then(|s| s.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("not a normal exit: {status}"))
}
