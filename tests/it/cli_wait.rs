//! Waiting for the server: `--timeout`/`TOKCTL_TIMEOUT` (exit 8 naming the server and the time
//! waited), the spinner on a terminal (never in a pipe), one retry of an idempotent request
//! whose connection closed unanswered (never of a POST), and interactive `mint` surviving a
//! person's long pauses at its prompts.
//!
//! The servers that never answer or hang up are raw sockets in this file: an unresponsive
//! server and a connection cut on the way, not a stand-in for tokctl's. Everything that answers
//! is the real server.

use crate::common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::TestServer;
use common::cli::User;
use common::pty::{self, ENTER, exit_code, key, wait_for};
use rexpect::session::PtySession;

/// A server that accepts connections and never answers; counts the connections.
struct Silent {
    url: String,
    accepted: Arc<AtomicUsize>,
}

fn silent_server() -> Silent {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(conn);
        }
    });
    Silent { url, accepted }
}

/// A proxy to the real server that hangs up on its first `drop_first` connections after
/// reading their request head (no answer), and forwards the rest after `delay`.
struct Proxy {
    url: String,
    accepted: Arc<AtomicUsize>,
}

fn proxy(upstream: &str, drop_first: usize, delay: Duration) -> Proxy {
    let upstream: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let n = count.fetch_add(1, Ordering::SeqCst);
            if n < drop_first {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => head.extend_from_slice(&buf[..k]),
                    }
                }
                let _ = client.shutdown(Shutdown::Both);
                continue;
            }
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let Ok(server) = TcpStream::connect(upstream) else {
                    return;
                };
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            });
        }
    });
    Proxy { url, accepted }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// `tokctl ARGS` on a pty, as a person at a terminal.
fn spawn(u: &User, args: &[&str]) -> PtySession {
    pty::spawn_within(u, args, Duration::from_secs(180))
}

// --- --timeout -------------------------------------------------------------------------------

#[test]
fn no_answer_within_the_timeout_exits_8_naming_the_server_and_the_wait() {
    let silent = silent_server();
    let u = User::with_token(&silent.url, &common::unknown_secret());
    let out = u.run(&["--timeout", "1", "whoami"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "no answer from {} in 1 s; raise --timeout or check the server",
            silent.url
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("TOKCTL_TIMEOUT"), "{out:?}");
    // Piped: no spinner, no terminal control codes.
    assert!(!out.stderr.contains("waiting for"), "{out:?}");
    assert!(!out.stderr.contains('\x1b'), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    // Under --json the error is a document with the same exit code.
    let out = u.run(&["--timeout", "1", "--json", "whoami"]);
    assert_eq!(out.code, 8, "{out:?}");
    let doc: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(doc["error"]["code"], "timeout", "{out:?}");
}

#[test]
fn tokctl_timeout_is_honoured_and_the_flag_wins_over_it() {
    let silent = silent_server();
    let u = User::with_token(&silent.url, &common::unknown_secret());
    let out = u.run_env(&["whoami"], &[("TOKCTL_TIMEOUT", "1.5")]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("in 1.5 s"), "{out:?}");

    let out = u.run_env(&["--timeout", "1", "whoami"], &[("TOKCTL_TIMEOUT", "600")]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("in 1 s"), "{out:?}");
}

#[test]
fn bad_timeouts_are_usage_errors_naming_the_flag_before_any_request() {
    let silent = silent_server();
    let u = User::with_token(&silent.url, &common::unknown_secret());
    for args in [
        &["--timeout", "0", "whoami"][..],
        &["--timeout", "-1", "whoami"],
        &["--timeout=-5", "whoami"],
        &["--timeout", "abc", "whoami"],
        &["--timeout", "30s", "whoami"],
        &["--timeout", "", "whoami"],
        &["--timeout", "inf", "whoami"],
        &["whoami", "--timeout", "0.0"],
    ] {
        let out = u.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("--timeout"), "{args:?}: {out:?}");
    }
    for value in ["0", "-1", "soon"] {
        let out = u.run_env(&["whoami"], &[("TOKCTL_TIMEOUT", value)]);
        assert_eq!(out.code, 2, "TOKCTL_TIMEOUT={value}: {out:?}");
        assert!(out.stderr.contains("--timeout"), "{out:?}");
    }
    assert_eq!(
        silent.accepted.load(Ordering::SeqCst),
        0,
        "a request went out"
    );
}

// --- the spinner -----------------------------------------------------------------------------

#[test]
fn a_spinner_shows_on_a_terminal_while_waiting_and_not_with_quiet() {
    let silent = silent_server();
    let u = User::with_token(&silent.url, &common::unknown_secret());
    let mut p = spawn(&u, &["--timeout", "3", "whoami"]);
    p.exp_string(&format!("waiting for {}", silent.url))
        .unwrap();
    p.exp_string(&format!("no answer from {} in 3 s", silent.url))
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 8);

    let mut p = spawn(&u, &["--quiet", "--timeout", "3", "whoami"]);
    let before = p
        .exp_string(&format!("no answer from {} in 3 s", silent.url))
        .unwrap();
    assert!(!before.contains("waiting for"), "{before:?}");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 8);
}

#[tokio::test]
async fn the_spinner_is_cleared_when_a_slow_answer_comes() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let slow = proxy(&s.url, 0, Duration::from_secs(3));
    let u = User::with_token(&slow.url, &owner);
    let mut p = spawn(&u, &["whoami"]);
    p.exp_string(&format!("waiting for {}", slow.url)).unwrap();
    let rest = p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    // After the spinner's last frame, its line is erased ("\r" + erase-line), then the answer.
    let after_spinner = rest.rsplit("waiting for").next().unwrap();
    let erased = after_spinner
        .find("\r\x1b[2K")
        .expect("the spinner line is erased");
    let answer = after_spinner.find(common::OWNER_EMAIL).expect("the answer");
    assert!(erased < answer, "{rest:?}");

    // The same slow answer into a pipe: the answer, no spinner.
    let out = u.run(&["whoami"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("waiting for"), "{out:?}");
}

// --- retrying a request whose connection closed unanswered -------------------------------------

#[tokio::test]
async fn an_idempotent_request_is_retried_once_when_its_connection_closes_unanswered() {
    let s = TestServer::start();
    let owner = s.owner_session().await;

    let flaky = proxy(&s.url, 1, Duration::ZERO);
    let u = User::with_token(&flaky.url, &owner);
    let out = u.run(&["whoami"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(common::OWNER_EMAIL), "{out:?}");
    assert_eq!(flaky.accepted.load(Ordering::SeqCst), 2);

    // Once, not forever: a server that always hangs up is reported after two tries.
    let dead = proxy(&s.url, usize::MAX, Duration::ZERO);
    let u = User::with_token(&dead.url, &owner);
    let out = u.run(&["whoami"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains(&dead.url), "{out:?}");
    assert_eq!(dead.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_post_is_never_retried() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, old_secret) = s
        .mint(&owner, serde_json::json!({"name": "keep-secret"}))
        .await;

    // rotate is one POST: its connection is cut unanswered, and it is not sent again.
    let flaky = proxy(&s.url, 1, Duration::ZERO);
    let u = User::with_token(&flaky.url, &owner);
    let out = u.run(&["rotate", "keep-secret"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(!out.stdout.contains("tokctl_pat_"), "{out:?}");
    assert_eq!(
        flaky.accepted.load(Ordering::SeqCst),
        1,
        "the POST was resent"
    );
    // The server never saw it: the old secret still works.
    assert_eq!(s.get("/v1/me", &old_secret).await.status, 200);
}

// --- interactive mint and a person's pauses ----------------------------------------------------

/// `mint --type pat` asks the name, then the scopes: a pause at the name keeps the connection of
/// its `GET /v1/me` idle, and the mint goes out after it.
async fn mint_after_a_pause_at_the_name_prompt(pause: Duration) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    let mut p = spawn(&u, &["mint", "--type", "pat"]);
    wait_for(&mut p, "Token name");
    std::thread::sleep(pause);
    p.send_line("after-a-pause").unwrap();
    wait_for(&mut p, "Scopes");
    key(&mut p, ENTER); // none picked: the full role
    p.exp_string("shown once").unwrap();
    p.exp_regex("tokctl_pat_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[tokio::test]
async fn mint_survives_30_seconds_at_a_prompt_on_its_kept_alive_connection() {
    // Past the header timeout (10 s), within the server's idle limit and the client's pool.
    mint_after_a_pause_at_the_name_prompt(Duration::from_secs(30)).await;
}

#[tokio::test]
async fn mint_survives_80_seconds_at_a_prompt_past_the_servers_idle_limit() {
    // Past the server's idle limit (75 s): the client must not reuse that connection.
    mint_after_a_pause_at_the_name_prompt(Duration::from_secs(80)).await;
}

#[tokio::test]
async fn interactive_mint_survives_a_30_second_pause_at_every_prompt() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    let pause = || std::thread::sleep(Duration::from_secs(30));

    let mut p = spawn(&u, &["mint"]);
    wait_for(&mut p, "Token name");
    pause();
    p.send_line("thought-long").unwrap();
    wait_for(&mut p, "MCP endpoint");
    pause();
    key(&mut p, ENTER); // pat
    wait_for(&mut p, "audit:read");
    pause();
    key(&mut p, " "); // the first permission offered
    key(&mut p, ENTER);
    wait_for(&mut p, "365d"); // the default policy's choices
    pause();
    key(&mut p, ENTER); // the default expiry
    p.exp_string("shown once").unwrap();
    p.exp_regex("tokctl_pat_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(
        s.get("/v1/tokens/thought-long", &owner).await.body["status"],
        "active"
    );
}
