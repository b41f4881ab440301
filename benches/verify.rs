//! Verify throughput as a ratio to the same server's `/healthz`, and p99 latency, measured side
//! by side in one run: `cargo bench --bench verify`.
//!
//! It starts the real `tokctl server` (release build) on a fresh SQLite database, mints a
//! gateway token (tokens:verify) and a target token with a limit too high to bind, then drives
//! both endpoints from a closed-loop load generator (reqwest, keep-alive, `BENCH_CONCURRENCY`
//! requests in flight, default 16) in alternating rounds of `BENCH_SECONDS` (default 4) per
//! endpoint, so neither side gets a warmer machine. The load generator runs on the same cores as
//! the server; the ratio, not the absolute numbers, is the result.
//! `BENCH_DATABASE=postgres://…` runs the server on PostgreSQL instead (a database of its own).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const OWNER: &str = "bench@example.com";
const PASSWORD: &str = "bench-password-123";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start_server(database: &str, home: &std::path::Path) -> Server {
    let bin = env!("CARGO_BIN_EXE_tokctl");
    let mut init = Command::new(bin)
        .args(["server", "init", "--org", "bench", "--owner", OWNER])
        .args(["--password-stdin", "--database", database])
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("server init");
    init.stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write password");
    assert!(init.wait().expect("init").success(), "server init failed");
    let mut child = Command::new(bin)
        .args(["server", "--listen", "127.0.0.1:0", "--database", database])
        .env("HOME", home)
        .env("TOKCTL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("tokctl server listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server did not start");
    Server { child, url }
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.json().await.expect("json")
}

#[derive(Default)]
struct Sample {
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&mut self, q: f64) -> f64 {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        if n == 0 {
            return f64::NAN;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.latencies_us[rank] as f64 / 1000.0
    }
}

/// Closed loop: `concurrency` workers each send the next request when the last one answers.
async fn measure<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Sample
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            let mut s = Sample::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = request().await;
                s.latencies_us.push(t.elapsed().as_micros() as u64);
                s.requests += 1;
                s.errors += u64::from(!ok);
            }
            s
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Sample::default();
    for w in workers {
        let s = w.await.expect("worker");
        total.requests += s.requests;
        total.errors += s.errors;
        total.latencies_us.extend(s.latencies_us);
    }
    total.elapsed = started.elapsed();
    total
}

fn merge(into: &mut Sample, s: Sample) {
    into.requests += s.requests;
    into.errors += s.errors;
    into.elapsed += s.elapsed;
    into.latencies_us.extend(s.latencies_us);
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a debug-build benchmark measures nothing worth the minute it takes.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("the verify benchmark runs under `cargo bench --bench verify`; skipped");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let seconds = env_u64("BENCH_SECONDS", 4);
    let concurrency = env_u64("BENCH_CONCURRENCY", 16) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let database = std::env::var("BENCH_DATABASE")
        .unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let server = start_server(&database, dir.path());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");

    let login = post(
        &client,
        &format!("{}/v1/sessions", server.url),
        None,
        json!({"email": OWNER, "password": PASSWORD}),
    )
    .await;
    let session = login["secret"].as_str().expect("session").to_string();
    let mint = |name: &str, scopes: Value| {
        let client = client.clone();
        let url = format!("{}/v1/tokens", server.url);
        let session = session.clone();
        let body = json!({"name": name, "scopes": scopes,
                          "rate_limit": {"per_minute": 4_000_000_000u32, "per_hour": 4_000_000_000u32}});
        async move {
            let r = post(&client, &url, Some(&session), body).await;
            r["secret"].as_str().expect("secret").to_string()
        }
    };
    let gateway = mint("gateway", json!(["tokens:verify"])).await;
    let target = mint("target", json!(["work:read"])).await;

    let healthz = {
        let client = client.clone();
        let url = format!("{}/healthz", server.url);
        move || {
            let client = client.clone();
            let url = url.clone();
            async move {
                match client.get(&url).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    };
    let verify = {
        let client = client.clone();
        let url = format!("{}/v1/verify", server.url);
        let body = Arc::new(
            serde_json::to_vec(&json!({"token": target, "permission": "work:read"})).expect("body"),
        );
        move || {
            let client = client.clone();
            let url = url.clone();
            let body = body.clone();
            let gateway = gateway.clone();
            async move {
                let resp = client
                    .post(&url)
                    .bearer_auth(&gateway)
                    .header("content-type", "application/json")
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        r.json::<Value>().await.is_ok_and(|v| v["allowed"] == true)
                    }
                    _ => false,
                }
            }
        }
    };

    eprintln!(
        "warming up; then {seconds} s per endpoint per round, 2 rounds, {concurrency} in flight"
    );
    measure(concurrency, Duration::from_secs(1), healthz.clone()).await;
    measure(concurrency, Duration::from_secs(1), verify.clone()).await;
    let mut h = Sample::default();
    let mut v = Sample::default();
    for _ in 0..2 {
        merge(
            &mut h,
            measure(concurrency, Duration::from_secs(seconds), healthz.clone()).await,
        );
        merge(
            &mut v,
            measure(concurrency, Duration::from_secs(seconds), verify.clone()).await,
        );
    }
    let backend = if database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("tokctl verify benchmark ({backend}, {concurrency} in flight, closed loop)");
    println!(
        "{:<10} {:>9} {:>7} {:>10} {:>9} {:>9}",
        "endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms"
    );
    for (name, s) in [("/healthz", &mut h), ("/v1/verify", &mut v)] {
        let (p50, p99) = (s.percentile_ms(0.50), s.percentile_ms(0.99));
        println!(
            "{name:<10} {:>9} {:>7} {:>10.0} {p50:>9.2} {p99:>9.2}",
            s.requests,
            s.errors,
            s.rate()
        );
    }
    println!(
        "verify / healthz throughput ratio: {:.2}",
        v.rate() / h.rate()
    );
    assert_eq!(v.errors, 0, "verify answered errors or refusals");
    drop(server);
}
