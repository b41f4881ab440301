//! Load and abuse on loopback: slowloris connections, oversized heads and bodies, and more
//! connections than the cap. The server must keep answering `/healthz` during and after, close
//! what it must close, and keep its memory (RSS from `/proc/PID/status`) bounded.
//!
//! Sized for a 2-core CI box: 2,000 slow connections by default. To run the 10,000-connection
//! version: `TOKCTL_ABUSE_CONNECTIONS=10000 cargo test --test it abuse::` (needs an open-files limit
//! above 10,000 for the test process, `ulimit -n`). No assertion depends on wall-clock speed:
//! waits are generous deadlines for things that must eventually happen.
#![cfg(target_os = "linux")]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{ServerOptions, TestServer, env_or, host_port};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Resident memory of a process in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn healthz(url: &str) -> u16 {
    // A fresh client each time: a new connection, as a monitoring probe would make.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    match client.get(format!("{url}/healthz")).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// Raises this test process's open-files limit so the attack itself is not limited by it.
fn raise_own_fd_limit() -> u64 {
    let nofile = rlimit::Resource::NOFILE;
    let (_, hard) = nofile.get().unwrap();
    let _ = nofile.set(hard, hard);
    nofile.get().unwrap().0
}

/// Opens a connection and sends a request head one header line at a time, forever; returns
/// when the server closes the connection.
async fn slowloris(addr: String, open: Arc<AtomicUsize>, closed_by_server: Arc<AtomicUsize>) {
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return;
    };
    open.fetch_add(1, Ordering::Relaxed);
    let _ = stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tokctl\r\n")
        .await;
    let mut buf = [0u8; 1024];
    let mut i = 0u64;
    loop {
        tokio::select! {
            r = stream.read(&mut buf) => {
                match r {
                    // EOF, a reset, or an error answer followed by close: the server hung up.
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(900)) => {
                i += 1;
                if stream.write_all(format!("X-Slow-{i}: a\r\n").as_bytes()).await.is_err() {
                    break;
                }
            }
        }
    }
    open.fetch_sub(1, Ordering::Relaxed);
    closed_by_server.fetch_add(1, Ordering::Relaxed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_cut_and_the_server_keeps_answering() {
    let connections = env_or("TOKCTL_ABUSE_CONNECTIONS", 2000);
    let own_limit = raise_own_fd_limit();
    assert!(
        own_limit as usize > connections + 100,
        "the test needs an open-files limit above {connections} (ulimit -n is {own_limit})"
    );
    // The cap above the attack, so health checks are served alongside it.
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--max-connections".into(), (connections + 1000).to_string()],
        ..Default::default()
    });
    let pid = s.pid();
    let owner = s.owner_session().await;
    for _ in 0..20 {
        assert_eq!(healthz(&s.url).await, 200);
    }
    let baseline = rss_kib(pid);

    let open = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let addr = host_port(&s.url);
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        tasks.push(tokio::spawn(slowloris(
            addr.clone(),
            open.clone(),
            closed.clone(),
        )));
    }
    // Wait until (nearly) all are connected, then probe the server while they hang on.
    let deadline = Instant::now() + Duration::from_secs(60);
    while open.load(Ordering::Relaxed) < connections * 95 / 100 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connected = open.load(Ordering::Relaxed);
    assert!(
        connected >= connections * 95 / 100,
        "only {connected} of {connections} slow connections got through"
    );
    let mut probes_during = 0;
    let mut peak = rss_kib(pid);
    for _ in 0..5 {
        assert_eq!(
            healthz(&s.url).await,
            200,
            "/healthz failed during the attack"
        );
        let me = s.get("/v1/me", &owner).await;
        assert_eq!(me.status, 200, "an API call failed during the attack");
        probes_during += 2;
        peak = peak.max(rss_kib(pid));
    }
    let still_open_while_probed = open.load(Ordering::Relaxed);

    // The server must cut every one of them (header-read timeout) without any help from us.
    let deadline = Instant::now() + Duration::from_secs(120);
    while open.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        peak = peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        open.load(Ordering::Relaxed),
        0,
        "the server never closed some slow connections"
    );
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        healthz(&s.url).await,
        200,
        "/healthz failed after the attack"
    );
    assert_eq!(s.get("/v1/me", &owner).await.status, 200);
    let after = rss_kib(pid);
    // Bounded: at most 64 KiB per slow connection on top of the baseline (plus 32 MiB slack
    // for the allocator), whatever the attack's length.
    let budget = baseline + (connections as u64) * 64 + 32 * 1024;
    assert!(
        peak <= budget,
        "RSS grew to {peak} KiB from {baseline} KiB under {connections} slow connections (budget {budget} KiB)"
    );
    println!(
        "abuse/slowloris: {connections} slow connections ({connected} connected, \
         {still_open_while_probed} still hanging while {probes_during} probes all succeeded); \
         all {} closed by the server's header-read timeout; RSS {baseline} KiB before, peak \
         {peak} KiB, {after} KiB after (budget {budget} KiB)",
        closed.load(Ordering::Relaxed)
    );
}

/// Sends `head` (and maybe a body) and returns the HTTP status the server answered, or 0 when
/// it just closed the connection.
async fn status_of_raw(addr: &str, head: Vec<u8>, body_len: usize) -> u16 {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return 0;
    };
    let write = async {
        stream.write_all(&head).await?;
        let chunk = vec![b'a'; 64 * 1024];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len());
            stream.write_all(&chunk[..n]).await?;
            left -= n;
        }
        Ok::<_, std::io::Error>(())
    };
    // The server may answer and close before we finish writing; that is fine.
    let _ = write.await;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(60), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                if out.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_heads_and_bodies_are_refused_with_bounded_memory() {
    let rounds = env_or("TOKCTL_ABUSE_OVERSIZED", 300);
    raise_own_fd_limit();
    let s = TestServer::start();
    let pid = s.pid();
    let owner = s.owner_session().await;
    for _ in 0..20 {
        assert_eq!(healthz(&s.url).await, 200);
    }
    let baseline = rss_kib(pid);
    let addr = host_port(&s.url);

    let big_header = |size: usize| {
        let mut h = b"GET /healthz HTTP/1.1\r\nHost: tokctl\r\nX-Big: ".to_vec();
        h.extend(std::iter::repeat_n(b'a', size));
        h.extend_from_slice(b"\r\n\r\n");
        h
    };
    let many_headers = || {
        let mut h = b"GET /healthz HTTP/1.1\r\nHost: tokctl\r\n".to_vec();
        for i in 0..500 {
            h.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        h.extend_from_slice(b"\r\n");
        h
    };
    let long_url = || {
        let mut h = b"GET /healthz?".to_vec();
        h.extend(std::iter::repeat_n(b'a', 256 * 1024));
        h.extend_from_slice(b" HTTP/1.1\r\nHost: tokctl\r\n\r\n");
        h
    };
    let huge_body = |len: usize| {
        format!(
            "POST /v1/tokens HTTP/1.1\r\nHost: tokctl\r\nAuthorization: Bearer {owner}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
        .into_bytes()
    };
    let mut refused: std::collections::BTreeMap<&str, (usize, Vec<u16>)> = Default::default();
    let mut peak = baseline;
    // Waves of concurrent abuse, so many oversized requests are in the server at once.
    for wave in 0..(rounds / 50).max(1) {
        let mut tasks = Vec::new();
        for i in 0..50 {
            let addr = addr.clone();
            let (kind, head, body) = match (wave * 50 + i) % 5 {
                0 => ("1 MiB header", big_header(1024 * 1024), 0),
                1 => ("20 KiB header", big_header(20 * 1024), 0),
                2 => ("500 headers", many_headers(), 0),
                3 => ("256 KiB URL", long_url(), 0),
                _ => ("4 MiB body", huge_body(4 * 1024 * 1024), 4 * 1024 * 1024),
            };
            tasks.push(tokio::spawn(async move {
                (kind, status_of_raw(&addr, head, body).await)
            }));
        }
        for t in tasks {
            let (kind, status) = t.await.unwrap();
            let e = refused.entry(kind).or_default();
            e.0 += 1;
            if !e.1.contains(&status) {
                e.1.push(status);
            }
        }
        peak = peak.max(rss_kib(pid));
        assert_eq!(healthz(&s.url).await, 200, "/healthz failed mid-abuse");
    }
    for (kind, (_, statuses)) in &refused {
        for st in statuses {
            // Refused with the fitting 4xx, or the connection cut: never served, never a 5xx.
            assert!(
                matches!(st, 0 | 400 | 413 | 414 | 431),
                "{kind}: answered {st}"
            );
        }
    }
    // 413, or (when the server's close races our still-writing client) a cut connection.
    let body_statuses = &refused["4 MiB body"].1;
    assert!(
        body_statuses.contains(&413) && body_statuses.iter().all(|s| matches!(s, 0 | 413)),
        "an oversized body must get 413, got {body_statuses:?}"
    );
    assert_eq!(healthz(&s.url).await, 200);
    let r = s
        .post("/v1/tokens", &owner, json!({"name": "after-abuse"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let after = rss_kib(pid);
    let budget = baseline + 64 * 1024;
    assert!(
        peak <= budget,
        "RSS grew to {peak} KiB from {baseline} KiB under oversized requests (budget {budget} KiB)"
    );
    let summary: Vec<String> = refused
        .iter()
        .map(|(k, (n, st))| format!("{n}× {k} → {st:?}"))
        .collect();
    println!(
        "abuse/oversized: {}; /healthz answered after every wave; RSS {baseline} KiB before, \
         peak {peak} KiB, {after} KiB after (budget {budget} KiB)",
        summary.join(", ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_instead_of_exhausting_the_server() {
    raise_own_fd_limit();
    let cap = 100;
    let attackers = 400;
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--max-connections".into(), cap.to_string()],
        ..Default::default()
    });
    let pid = s.pid();
    assert_eq!(healthz(&s.url).await, 200);
    let fds_before = open_fds(pid);
    let addr = host_port(&s.url);
    // Plain idle connections (they send nothing) beyond the cap.
    let mut streams = Vec::new();
    for _ in 0..attackers {
        if let Ok(st) = TcpStream::connect(&addr).await {
            streams.push(st);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fds_during = open_fds(pid);
    assert!(
        fds_during <= fds_before + cap,
        "the server holds {fds_during} descriptors with a cap of {cap} connections (it had {fds_before})"
    );
    // Once the idle connections go away, the server serves again.
    drop(streams);
    assert_eq!(healthz(&s.url).await, 200, "/healthz after the flood");
    println!(
        "abuse/cap: {attackers} idle connections against --max-connections {cap}: the server \
         held {fds_during} descriptors (had {fds_before}); /healthz answered after"
    );
}
