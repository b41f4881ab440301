//! The command line over TLS, through a real TLS terminator (tests/it/clients/tls_proxy.py)
//! in front of the real server: a certificate the system trusts is accepted; one from another
//! CA, one for another name, or any at all on a machine with no trust store is refused before
//! the token leaves (exit 8, `untrusted_certificate`), also behind a redirect from `http://`;
//! and an `http://` server never makes tokctl read the trust store (src/tls.rs), so it also
//! works on a machine that has none.
#![cfg(unix)]

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{Out, User};
use common::{TestServer, say_skipped};
use serde_json::json;

/// A test CA and a leaf for 127.0.0.1 it signed, made with the `openssl` command.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn make(test: &str) -> Option<Certificates> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("leaf.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2";
        let steps = [
            format!("req -x509 {key} -keyout ca.key -out ca.pem -subj /CN=tokctl-test-CA"),
            format!("req -x509 {key} -keyout other.key -out other.pem -subj /CN=another-CA"),
            format!("req {key} -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1"),
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -out leaf.pem -extfile leaf.ext"
                .to_string(),
        ];
        for step in &steps {
            let status = Command::new("openssl")
                .args(step.split_whitespace())
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            match status {
                Ok(s) if s.success() => {}
                Ok(s) => panic!("openssl {step} failed: {s}"),
                Err(_) => {
                    say_skipped(test, "no `openssl` command to make test certificates");
                    return None;
                }
            }
        }
        Some(Certificates { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The TLS terminator.
struct TlsProxy {
    _process: Helper,
    url: String,
    sessions: PathBuf,
}

impl TlsProxy {
    fn start(certs: &Certificates, server: &TestServer) -> TlsProxy {
        let upstream = server.url.rsplit(':').next().unwrap().to_string();
        let sessions = certs.path("sessions");
        let script = client_script("tls_proxy.py");
        let (child, port) = python_on_a_port(
            Command::new("python3")
                .arg(script)
                .args([certs.path("leaf.pem"), certs.path("leaf.key")])
                .arg(&upstream)
                .arg(&sessions),
        );
        TlsProxy {
            _process: child,
            url: format!("https://127.0.0.1:{port}"),
            sessions,
        }
    }

    /// TLS sessions that were established: only through one can a request reach the server.
    fn sessions(&self) -> usize {
        std::fs::read_to_string(&self.sessions)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

/// A helper script's process, killed when dropped (a failed assertion included).
struct Helper(Child);

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A helper script in tests/it/clients.
fn client_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/clients")
        .join(name)
}

/// Starts a helper script that prints its port on its first line.
fn python_on_a_port(command: &mut Command) -> (Helper, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the helper");
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    (Helper(child), port.trim().to_string())
}

/// The system's trust store for one command: exactly the file `pem`, no directory.
fn trusting(pem: &Path) -> [(&'static str, String); 2] {
    [
        ("SSL_CERT_FILE", pem.display().to_string()),
        ("SSL_CERT_DIR", "/nonexistent".to_string()),
    ]
}

/// A machine with no trust store at all.
fn no_trust_store() -> [(&'static str, String); 2] {
    [
        ("SSL_CERT_FILE", "/nonexistent".to_string()),
        ("SSL_CERT_DIR", "/nonexistent".to_string()),
    ]
}

/// `tokctl whoami --json` with this trust store.
fn whoami(u: &User, store: &[(&'static str, String)]) -> Out {
    let env: Vec<(&str, &str)> = store.iter().map(|(k, v)| (*k, v.as_str())).collect();
    u.run_env(&["whoami", "--json"], &env)
}

/// A server with a token named `name`, behind the TLS proxy. Keep it whole for the test: a
/// pattern that leaves `_server` out would stop the server there and then.
struct BehindTls {
    certs: Certificates,
    proxy: TlsProxy,
    token: String,
    _server: TestServer,
}

impl BehindTls {
    /// None (and a line saying `test` was skipped) without the `openssl` command.
    async fn start(test: &str, name: &str) -> Option<BehindTls> {
        let certs = Certificates::make(test)?;
        let server = TestServer::start();
        let owner = server.owner_session().await;
        let (_, token) = server.mint(&owner, json!({ "name": name })).await;
        let proxy = TlsProxy::start(&certs, &server);
        Some(BehindTls {
            certs,
            proxy,
            token,
            _server: server,
        })
    }
}

#[tokio::test]
async fn a_server_whose_certificate_the_system_trusts_is_reached_over_tls() {
    let test = "a_server_whose_certificate_the_system_trusts_is_reached_over_tls";
    let Some(t) = BehindTls::start(test, "over-tls").await else {
        return;
    };
    let (certs, proxy, token) = (&t.certs, &t.proxy, t.token.as_str());
    let u = User::with_token(&proxy.url, token);

    let out = whoami(&u, &trusting(&certs.path("ca.pem")));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["credential"]["name"], "over-tls", "{out:?}");
    assert!(proxy.sessions() >= 1);
}

#[tokio::test]
async fn a_certificate_the_system_does_not_trust_is_refused_before_the_token_is_sent() {
    let test = "a_certificate_the_system_does_not_trust_is_refused_before_the_token_is_sent";
    let Some(t) = BehindTls::start(test, "over-tls").await else {
        return;
    };
    let (certs, proxy, token) = (&t.certs, &t.proxy, t.token.as_str());
    let port = proxy.url.rsplit(':').next().unwrap();
    // Another CA; no trust store at all (a machine without one); the right CA, but the
    // certificate names 127.0.0.1 and the command asked for localhost.
    for (server, store, reason) in [
        (
            proxy.url.clone(),
            trusting(&certs.path("other.pem")).to_vec(),
            "UnknownIssuer",
        ),
        (
            proxy.url.clone(),
            no_trust_store().to_vec(),
            "no trust store",
        ),
        (
            format!("https://localhost:{port}"),
            trusting(&certs.path("ca.pem")).to_vec(),
            "not valid for name",
        ),
    ] {
        let u = User::with_token(&server, token);
        let out = whoami(&u, &store);
        assert_eq!(out.code, 8, "{out:?}");
        let error: serde_json::Value = serde_json::from_str(out.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not one JSON document ({e}): {out:?}"));
        assert_eq!(error["error"]["code"], "untrusted_certificate", "{out:?}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(reason)),
            "{reason}: {out:?}"
        );
        assert!(
            error["error"]["help"]
                .as_str()
                .is_some_and(|h| h.contains("SSL_CERT_FILE")),
            "{out:?}"
        );
        assert!(!out.stdout.contains(token) && !out.stderr.contains(token));
    }
    assert_eq!(
        proxy.sessions(),
        0,
        "no TLS session, so nothing reached the server"
    );
}

#[tokio::test]
async fn a_redirect_from_http_to_https_meets_the_same_certificate_check() {
    let test = "a_redirect_from_http_to_https_meets_the_same_certificate_check";
    let Some(t) = BehindTls::start(test, "moved").await else {
        return;
    };
    let (certs, proxy, token) = (&t.certs, &t.proxy, t.token.as_str());
    let script = client_script("https_redirect.py");
    let (_redirect, port) = python_on_a_port(Command::new("python3").arg(script).arg(&proxy.url));
    let u = User::with_token(&format!("http://127.0.0.1:{port}"), token);

    // The verifier is made at the redirected handshake, and it refuses another CA there too.
    let out = whoami(&u, &trusting(&certs.path("other.pem")));
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("untrusted_certificate"), "{out:?}");
    assert_eq!(proxy.sessions(), 0);

    // With the right CA the TLS session is made; the credential stays behind (another origin),
    // so the server answers "not logged in".
    let out = whoami(&u, &trusting(&certs.path("ca.pem")));
    assert!(proxy.sessions() >= 1);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("no credential"), "{out:?}");
}

#[tokio::test]
async fn an_http_server_never_makes_tokctl_read_the_trust_store() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, token) = s.mint(&owner, json!({"name": "plain"})).await;
    let u = User::with_token(&s.url, &token);

    // No trust store on this machine: before src/tls.rs the client could not even be built.
    let out = whoami(&u, &no_trust_store());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["credential"]["name"], "plain");

    // A trust store that cannot be read without blocking forever (a FIFO nobody writes): the
    // command finishes only if it never opens it.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("certs.pem");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let mut c = u.command();
    c.args(["whoami", "--json"])
        .env("SSL_CERT_FILE", &fifo)
        .env("SSL_CERT_DIR", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    // A deadline for a hang, not a measure of speed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.is_some_and(|s| s.success()),
        "whoami against an http:// server opened the trust store ({status:?})"
    );
}
