//! `cargo bench --bench throughput`: the whole system measured side by side in one run.
//!
//! Starts the real release server (SQLite, or PostgreSQL with `TOKCTL_BENCH_DATABASE_URL`),
//! drives it over loopback HTTP at a fixed concurrency, and reports ratios against the same
//! server's `/healthz`, so the numbers compare across machines. Environment knobs:
//! `TOKCTL_BENCH_SECONDS` (per measurement, default 5), `TOKCTL_BENCH_CONCURRENCY` (default 16),
//! `TOKCTL_BENCH_TOKENS` (the large org, default 100000).

// A test binary has no API: `pub` here only shares helpers between its modules, so the
// crate-wide `unreachable_pub` (which keeps the library's API honest) does not apply.
#![allow(unreachable_pub)]

#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "support/load.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{ServerOptions, TestServer};
use serde_json::json;
use support::{Load, env_num};

/// The name prefix of the tokens the revoke row revokes.
const REVOKE_POOL: &str = "revoke-pool-";

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

fn row(name: &str, l: &Load, base: Option<&Load>) {
    let ratio = base
        .map(|b| format!("{:.2}", l.rps() / b.rps()))
        .unwrap_or_else(|| "1.00".into());
    println!(
        "| {name:<34} | {:>9.0} | {ratio:>6} | {:>7.2} | {:>7.2} | {:>6} |",
        l.rps(),
        l.percentile(0.50),
        l.percentile(0.99),
        l.errors
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: build-check only.
    if !std::env::args().any(|a| a == "--bench") {
        println!("throughput: not run under `cargo test`; use `cargo bench --bench throughput`");
        return;
    }
    let seconds = env_num("TOKCTL_BENCH_SECONDS", 5);
    let concurrency = env_num("TOKCTL_BENCH_CONCURRENCY", 16);
    let big = env_num("TOKCTL_BENCH_TOKENS", 100_000);
    let database = std::env::var("TOKCTL_BENCH_DATABASE_URL")
        .ok()
        .map(|admin| common::create_pg_database(&admin));
    let backend = if database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    // Request logs off (warn): the harness keeps the server's stderr in memory.
    let s = TestServer::start_with(ServerOptions {
        database: database.clone(),
        env: vec![(
            "TOKCTL_LOG".into(),
            std::env::var("TOKCTL_LOG").unwrap_or_else(|_| "warn".into()),
        )],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    // Raise the policy cap out of the way: the benchmark measures the server, not the limiter.
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"default_rate_limit": "100000000/min,100000000/hour"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, pat) = s.mint(&owner, json!({"name": "bench"})).await;

    println!(
        "\ntokctl benchmark — {backend}, concurrency {concurrency}, {seconds}s per row, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "| measurement                        |     req/s | ×healthz | p50 ms | p99 ms | errors |"
    );
    println!(
        "|------------------------------------|-----------|--------|---------|---------|--------|"
    );
    let url = s.url.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .unwrap();
    let u = url.clone();
    let health = support::load(&client, concurrency, seconds, move |c, _| {
        c.get(format!("{u}/healthz"))
    })
    .await;
    row("GET /healthz (baseline)", &health, None);
    let (u, t) = (url.clone(), pat.clone());
    let me = support::load(&client, concurrency, seconds, move |c, _| {
        c.get(format!("{u}/v1/me")).bearer_auth(&t)
    })
    .await;
    row("GET /v1/me (authenticated)", &me, Some(&health));

    let (u, t) = (url.clone(), pat.clone());
    let mint = support::load(&client, concurrency, seconds, move |c, i| {
        c.post(format!("{u}/v1/tokens"))
            .bearer_auth(&t)
            .json(&json!({"name": format!("m{i}")}))
    })
    .await;
    row("POST /v1/tokens (mint)", &mint, Some(&health));
    fresh_statistics(&s);
    let (u, t) = (url.clone(), pat.clone());
    let list = support::load(&client, concurrency, seconds, move |c, _| {
        c.get(format!("{u}/v1/tokens?limit=100")).bearer_auth(&t)
    })
    .await;
    row("GET /v1/tokens (list 100)", &list, Some(&health));
    // Revoke only tokens that exist, or the error column counts 404s for names never minted.
    // The pool is inserted before the timed window; nothing authenticated outruns /healthz at
    // the same concurrency, so twice the baseline's count is more than the window can use.
    let pool = 2 * health.requests + concurrency;
    insert_tokens(&s, REVOKE_POOL, pool);
    let beyond_pool = Arc::new(AtomicU64::new(0));
    let (u, t, beyond) = (url.clone(), pat.clone(), beyond_pool.clone());
    let revoke = support::load(&client, concurrency, seconds, move |c, i| {
        if i >= pool {
            beyond.fetch_add(1, Ordering::Relaxed);
        }
        c.post(format!("{u}/v1/tokens/{REVOKE_POOL}{}/revoke", i + 1))
            .bearer_auth(&t)
    })
    .await;
    row("POST /v1/tokens/NAME/revoke", &revoke, Some(&health));
    println!("  (revokes names from a pool of {pool} of the caller's own tokens)");
    let beyond_pool = beyond_pool.load(Ordering::Relaxed);
    if beyond_pool > 0 {
        println!(
            "  (the revoke pool of {pool} ran out: {beyond_pool} of its errors named tokens that \
             were never minted)"
        );
    }
    // The list rows below measure the org the run minted, not the pool.
    s.exec_sql(&format!(
        "DELETE FROM tokens WHERE secret_hash LIKE '{REVOKE_POOL}%'"
    ));

    // Keyset pagination: a page deep in a large org costs what it costs in a small one.
    let page = |u: String, t: String| {
        move |c: &reqwest::Client, _| {
            c.get(format!("{u}/v1/tokens?owner=*&status=all&limit=100"))
                .bearer_auth(&t)
        }
    };
    let small = support::load(
        &client,
        concurrency,
        seconds,
        page(url.clone(), pat.clone()),
    )
    .await;
    let seeded = insert_tokens(&s, "seed", big);
    let large = support::load(
        &client,
        concurrency,
        seconds,
        page(url.clone(), pat.clone()),
    )
    .await;
    let last_cursor = last_page_cursor(&s, &pat).await;
    let (u, t, c2) = (url.clone(), pat.clone(), last_cursor.clone());
    let deep = support::load(&client, concurrency, seconds, move |c, _| {
        c.get(format!(
            "{u}/v1/tokens?owner=*&status=all&limit=100&cursor={c2}"
        ))
        .bearer_auth(&t)
    })
    .await;
    println!();
    println!(
        "| list page (100 rows)               |     req/s | ×small | p50 ms | p99 ms | errors |"
    );
    println!(
        "|------------------------------------|-----------|--------|---------|---------|--------|"
    );
    row("first page, ~1,000-token org", &small, None);
    row(
        &format!("first page, {seeded}-token org"),
        &large,
        Some(&small),
    );
    row(
        &format!("deep page, {seeded}-token org"),
        &deep,
        Some(&small),
    );

    startup();
    cli_overhead(&s, &pat);

    let pid = s.pid();
    println!(
        "\nserver RSS with {seeded} tokens in the org, after the runs above: {} MiB",
        rss_kib(pid) / 1024
    );
}

/// Mean wall time of `runs` sequential runs of a command.
fn mean_wall(runs: u32, mut make: impl FnMut() -> std::process::Command) -> Duration {
    let started = Instant::now();
    for _ in 0..runs {
        let out = make().output().expect("run command");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    started.elapsed() / runs
}

/// Start-up: `tokctl --version` (budget 5 ms: clap's tree, the completion hook's environment
/// lookup, no runtime) side by side with `curl --version` and `true`, alternated like the
/// whoami runs below.
fn startup() {
    let runs = env_num("TOKCTL_BENCH_CLI_RUNS", 50) as u32;
    let version = || {
        let mut c = std::process::Command::new(common::tokctl_bin());
        c.arg("--version").env_remove("COMPLETE");
        c
    };
    let curl = || {
        let mut c = std::process::Command::new("curl");
        c.arg("--version");
        c
    };
    let noop = || std::process::Command::new("true");
    let has_curl = curl().output().is_ok();
    mean_wall(3, version);
    let (mut v, mut c, mut n) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        v += mean_wall(runs / 5, version);
        if has_curl {
            c += mean_wall(runs / 5, curl);
        }
        n += mean_wall(runs / 5, noop);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / 5.0;
    let curl_text = if has_curl {
        format!("`curl --version` {:.2} ms, ", ms(c))
    } else {
        String::new()
    };
    println!(
        "\nstartup: `tokctl --version` {:.2} ms (budget 5 ms) vs {curl_text}`true` {:.2} ms per run ({runs} runs each)",
        ms(v),
        ms(n)
    );
}

/// `tokctl whoami` against `curl` making the same request, run after run (process start,
/// TLS-free HTTP, JSON): the CLI's own overhead.
fn cli_overhead(s: &TestServer, pat: &str) {
    let runs = env_num("TOKCTL_BENCH_CLI_RUNS", 50) as u32;
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("\nCLI overhead: skipped (no curl)");
        return;
    }
    let url = format!("{}/v1/me", s.url);
    let home = s.home().to_path_buf();
    let whoami = || {
        let mut c = std::process::Command::new(common::tokctl_bin());
        c.args(["whoami", "--json"])
            .env("TOKCTL_SERVER", &s.url)
            .env("TOKCTL_TOKEN", pat)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"));
        c
    };
    let header = format!("Authorization: Bearer {pat}");
    let curl = || {
        let mut c = std::process::Command::new("curl");
        c.args(["-sf", "-H", &header, &url]);
        c
    };
    // Warm both (page cache, connection setup paths), then alternate to share any drift.
    mean_wall(3, whoami);
    mean_wall(3, curl);
    let (mut t, mut c) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        t += mean_wall(runs / 5, whoami);
        c += mean_wall(runs / 5, curl);
    }
    println!(
        "\nCLI overhead: `tokctl whoami --json` {:.2} ms vs `curl` {:.2} ms per run = {:.2}× ({runs} runs each)",
        t.as_secs_f64() * 1000.0 / 5.0,
        c.as_secs_f64() * 1000.0 / 5.0,
        t.as_secs_f64() / c.as_secs_f64()
    );
}

/// Inserts `n` of the owner's tokens named `{prefix}1` to `{prefix}{n}` straight into the
/// database (fast, unusable secrets whose stored hash starts with the prefix, so no real
/// token's hex hash can be mistaken for one).
fn insert_tokens(s: &TestServer, prefix: &str, n: u64) -> u64 {
    let now = chrono::Utc::now().timestamp_micros() - 3_600_000_000;
    let owner = format!(
        "(SELECT id FROM users WHERE email = '{}')",
        common::OWNER_EMAIL
    );
    let org = format!(
        "(SELECT org_id FROM users WHERE email = '{}')",
        common::OWNER_EMAIL
    );
    let columns = "INSERT INTO tokens (id, org_id, user_id, name, active_name, kind, scopes, secret_hash, \
         created_at, issued_at, expires_at, per_minute, per_hour, allowed_cidrs)";
    let values = format!(
        "SELECT 'tk_{prefix}' || x, {org}, {owner}, '{prefix}' || x, '{prefix}' || x, 'pat', '[]', \
         '{prefix}hash' || x, {now} + x, {now} + x, {now} + 2592000000000, 60, 1000, '[]'"
    );
    let sql = if s.is_postgres() {
        format!("{columns} {values} FROM generate_series(1, {n}) AS s(x)")
    } else {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) {columns} {values} FROM c"
        )
    };
    let inserted = s.exec_sql(&sql);
    fresh_statistics(s);
    inserted
}

/// A deployment's planner statistics follow its table (autovacuum analyzes within a minute);
/// a benchmark that grows the table in seconds would otherwise be measured against statistics
/// of an empty table (a bitmap scan and a sort instead of the keyset index).
fn fresh_statistics(s: &TestServer) {
    if s.is_postgres() {
        s.exec_sql("ANALYZE tokens");
    }
}

async fn last_page_cursor(s: &TestServer, pat: &str) -> String {
    // The cursor of the oldest page: created_at of the 101st-oldest token.
    let mut cursor = String::new();
    let mut path = "/v1/tokens?owner=*&status=all&limit=500".to_string();
    let mut pages = 0;
    while let Some(next) = s.get(&path, pat).await.body["next_cursor"]
        .as_str()
        .map(str::to_string)
    {
        cursor = next.clone();
        path = format!("/v1/tokens?owner=*&status=all&limit=500&cursor={next}");
        pages += 1;
        if pages > 100_000 {
            break;
        }
    }
    cursor
}
