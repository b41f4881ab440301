//! The SQLite database is private (issue 22 item 8): created 0600 with its `-wal`/`-shm` in a
//! 0700 directory whatever the umask, and a database others can read is refused at start,
//! naming the file, its mode and the fix, unless `--allow-insecure-permissions`. The real
//! binary, started under `umask 000` (the worst a service manager could hand it).
#![cfg(unix)]

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{OWNER_EMAIL, OWNER_PASSWORD};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// `tokctl ARGS` under `umask 000`, with HOME and the XDG dirs inside `home`.
fn tokctl(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(common::tokctl_bin())
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TMPDIR", home.join("tmp"))
        .env_remove("TOKCTL_DATABASE")
        .env_remove("TOKCTL_LOG");
    c
}

fn init(home: &Path, database: Option<&str>, extra: &[&str]) -> Output {
    let mut args = vec![
        "server",
        "init",
        "--org",
        "acme",
        "--owner",
        OWNER_EMAIL,
        "--password-stdin",
    ];
    if let Some(db) = database {
        args.extend(["--database", db]);
    }
    args.extend(extra);
    let mut c = tokctl(home, &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(format!("{OWNER_PASSWORD}\n").as_bytes())
        .unwrap();
    c.wait_with_output().unwrap()
}

/// A running server and its URL; killed on drop.
struct Running {
    child: Child,
    url: String,
    stdout: String,
    /// Its stderr up to the "listening" line.
    stderr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tokctl server ARGS` and waits for its "listening" line; Err with its stderr and
/// exit code when it stops instead.
fn serve(home: &Path, args: &[&str]) -> Result<Running, (Option<i32>, String)> {
    let mut all = vec!["server", "--listen", "127.0.0.1:0"];
    all.extend(args);
    let child = tokctl(home, &all)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Owned by `Running` from here, so it is killed and reaped on every path.
    let mut running = Running {
        child,
        url: String::new(),
        stdout: String::new(),
        stderr: String::new(),
    };
    let mut stderr = BufReader::new(running.child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let code = running.child.wait().unwrap().code();
            return Err((code, std::mem::take(&mut running.stderr)));
        }
        running.stderr.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("tokctl server listening on ") {
            running.url = url.to_string();
            // Keep draining its log so it never blocks on a full pipe.
            std::thread::spawn(move || for _ in stderr.lines() {});
            if args.contains(&"--dev") {
                let mut out = BufReader::new(running.child.stdout.take().unwrap());
                for _ in 0..4 {
                    out.read_line(&mut running.stdout).unwrap();
                }
            }
            return Ok(running);
        }
    }
}

/// One write through the server (a login), so SQLite has made its `-wal` and `-shm`.
fn write_through(url: &str, email: &str, password: &str) {
    let url = url.to_string();
    let (email, password) = (email.to_string(), password.to_string());
    common::block_on(async move {
        let r = reqwest::Client::new()
            .post(format!("{url}/v1/sessions"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    });
}

fn assert_private(db: &Path) {
    for f in [db.to_path_buf(), sidecar(db, "-wal"), sidecar(db, "-shm")] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn a_fresh_database_is_private_under_umask_000() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("tmp")).unwrap();

    // The default place: tokctl creates its data directory 0700 and the database 0600.
    let out = init(home.path(), None, &[]);
    assert!(out.status.success(), "{out:?}");
    let dir = home.path().join("data/tokctl");
    let db = dir.join("tokctl.db");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);

    // Serving it: SQLite's -wal and -shm get the database's mode, 0600.
    let server = serve(home.path(), &[]).unwrap_or_else(|e| panic!("{e:?}"));
    write_through(&server.url, OWNER_EMAIL, OWNER_PASSWORD);
    assert_private(&db);
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    drop(server);

    // A directory the user chose is theirs (left 0755); the files in it are still 0600.
    let chosen = home.path().join("chosen");
    std::fs::create_dir(&chosen).unwrap();
    chmod(&chosen, 0o755);
    let db = chosen.join("mine.db");
    let url = format!("sqlite://{}", db.display());
    let out = init(home.path(), Some(&url), &[]);
    assert!(out.status.success(), "{out:?}");
    let server = serve(home.path(), &["--database", &url]).unwrap_or_else(|e| panic!("{e:?}"));
    write_through(&server.url, OWNER_EMAIL, OWNER_PASSWORD);
    assert_private(&db);
    assert_eq!(mode(&chosen), 0o755);
}

#[test]
fn dev_mode_keeps_its_throwaway_database_private() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("tmp")).unwrap();
    let server = serve(home.path(), &["--dev"]).unwrap_or_else(|e| panic!("{e:?}"));
    let login = server
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("# log in as the owner: "))
        .expect("the dev login line")
        .to_string();
    let (email, password) = login.split_once(" / password ").unwrap();
    write_through(&server.url, email, password);
    let dir = std::fs::read_dir(home.path().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tokctl-dev-")
        })
        .expect("the dev directory");
    assert_eq!(mode(&dir), 0o700);
    assert_private(&dir.join("tokctl.db"));
}

#[test]
fn a_database_others_can_read_is_refused_unless_allowed() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("tmp")).unwrap();
    let db = home.path().join("t.db");
    let db_arg = db.display().to_string();
    let out = init(home.path(), Some(&db_arg), &[]);
    assert!(out.status.success(), "{out:?}");

    // As an older tokctl (or a copy with `cp`) left it: 0644.
    chmod(&db, 0o644);
    let (code, stderr) = serve(home.path(), &["--database", &db_arg])
        .err()
        .expect("a readable database must be refused");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{db_arg} (mode 0644)")),
        "names the file and its mode: {stderr}"
    );
    assert!(
        stderr.contains(&format!("help: chmod 600 {db_arg}")),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-insecure-permissions"), "{stderr}");
    assert_eq!(mode(&db), 0o644, "refusing changes nothing");

    // Group-writable only counts too; so does `server init` on it.
    chmod(&db, 0o620);
    let out = init(home.path(), Some(&db_arg), &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("(mode 0620)"));

    // A private database with a -wal others can read (left by an older release).
    chmod(&db, 0o600);
    let wal = sidecar(&db, "-wal");
    std::fs::write(&wal, b"").unwrap();
    chmod(&wal, 0o644);
    let (code, stderr) = serve(home.path(), &["--database", &db_arg])
        .err()
        .expect("a readable -wal must be refused");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{db_arg}-wal (mode 0644)")),
        "{stderr}"
    );
    std::fs::remove_file(&wal).unwrap();

    // Knowingly allowed: it starts, with a warning.
    chmod(&db, 0o644);
    let server = serve(
        home.path(),
        &["--database", &db_arg, "--allow-insecure-permissions"],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        server
            .stderr
            .contains(&format!("warning: {db_arg} is mode 0644")),
        "{}",
        server.stderr
    );
    write_through(&server.url, OWNER_EMAIL, OWNER_PASSWORD);
    drop(server);
    std::thread::sleep(Duration::from_millis(50));

    // Fixed as told: it starts.
    chmod(&db, 0o600);
    for f in [sidecar(&db, "-wal"), sidecar(&db, "-shm")] {
        if f.exists() {
            chmod(&f, 0o600);
        }
    }
    serve(home.path(), &["--database", &db_arg]).unwrap_or_else(|e| panic!("{e:?}"));
}
