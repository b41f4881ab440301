//! Runs the real `tokctl` binary as a user would: its own HOME, XDG dirs and TMPDIR in a temp
//! dir (so a test can prove no secret was written anywhere), no inherited TOKCTL_* variables.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One user's machine: a HOME with config, data, cache and temp dirs.
pub struct User {
    pub root: tempfile::TempDir,
    pub server: String,
    /// Extra environment for every command (TOKCTL_TOKEN, …).
    pub env: Vec<(String, String)>,
}

impl User {
    pub fn new(server: &str) -> User {
        let root = tempfile::tempdir().expect("temp dir");
        for d in ["home", "config", "data", "cache", "tmp"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        User {
            root,
            server: server.to_string(),
            env: Vec::new(),
        }
    }

    /// A user whose every command carries `TOKCTL_TOKEN=token`.
    pub fn with_token(server: &str, token: &str) -> User {
        let mut u = User::new(server);
        u.env.push(("TOKCTL_TOKEN".into(), token.into()));
        u
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// The command with this user's environment; `TOKCTL_SERVER` points at the server.
    pub fn command(&self) -> Command {
        let mut c = Command::new(super::tokctl_bin());
        for k in [
            "TOKCTL_TOKEN",
            "TOKCTL_SERVER",
            "TOKCTL_PROFILE",
            "NO_COLOR",
        ] {
            c.env_remove(k);
        }
        c.env("HOME", self.dir("home"))
            .env("XDG_CONFIG_HOME", self.dir("config"))
            .env("XDG_DATA_HOME", self.dir("data"))
            .env("XDG_CACHE_HOME", self.dir("cache"))
            .env("TMPDIR", self.dir("tmp"))
            .env("TOKCTL_SERVER", &self.server);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs `tokctl ARGS` with stdin closed (no terminal anywhere).
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None, &[])
    }

    /// Runs with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Out {
        self.run_with(args, Some(input), &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        self.run_with(args, None, env)
    }

    pub fn run_with(&self, args: &[&str], input: Option<&str>, env: &[(&str, &str)]) -> Out {
        let mut c = self.command();
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn tokctl");
        if let Some(input) = input {
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().expect("wait tokctl");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A keyring profile name no other test uses: every test shares one keyring, and all of them
/// run in this one process (so the pid alone does not tell them apart; `name` must).
pub fn profile(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

/// True when a real Secret Service answers on this session bus (the tests under
/// `.ci/with-keyring`); false, with a note on stderr, when the keyring tests must be skipped.
pub fn keyring_available(test: &str) -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("SKIPPED {test}: no DBUS_SESSION_BUS_ADDRESS (run under .ci/with-keyring)");
        return false;
    }
    let ok = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("true"))
        .unwrap_or(false);
    if !ok {
        eprintln!(
            "SKIPPED {test}: no Secret Service on the session bus (run under .ci/with-keyring)"
        );
    }
    ok
}

/// What `secret-tool` reads back from the keyring for a profile (None if nothing or no tool).
pub fn keyring_lookup(profile: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "tokctl", "username", profile])
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}
