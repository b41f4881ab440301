//! Starting and stopping the service: `server init`, `server`, `server --dev`.
//!
//! Shutdown on SIGTERM or Ctrl-C is graceful: in-flight requests finish, then the buffered
//! last-used and access-log rows are flushed before the database is closed.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;

use super::args::{InitArgs, ServerArgs, ServerCommand};
use super::db_files;
use super::dev_dir::DevDir;
use super::memory;
use crate::api::error::exit;
use crate::api::perms::Role;
use crate::api::secret::{self, Secret, TokenType};
use crate::api::types::OrgPolicy;
use crate::server::audit::access_log::UsageBuffer;
use crate::server::auth::password;
use crate::server::http::serve;
use crate::server::ratelimit::RateLimiter;
use crate::server::ratelimit::postgres::{self, PgLimiter};
use crate::server::ratelimit::redis::{self, RedisLimiter};
use crate::server::ratelimit::throttle::Throttle;
use crate::server::router;
use crate::server::service::{audit, tokens};
use crate::server::state::{AppState, SharedState};
use crate::server::store::{Database, NewEvent, NewToken, NewUser, Store, StoreError};

/// How often buffered last-used times and access-log rows are written (DESIGN: at least
/// every 5 s). `TOKCTL_FLUSH_INTERVAL_MS` overrides it, for tests of the retry path.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

fn flush_interval() -> Duration {
    std::env::var("TOKCTL_FLUSH_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| Duration::from_millis(ms.clamp(10, 5000)))
        .unwrap_or(FLUSH_INTERVAL)
}

/// `TOKCTL_RATELIMIT_OPTIMISTIC_ROUNDS` overrides the PostgreSQL limiter's compare-and-set
/// rounds (0: always under row locks), for tests of its locked path.
fn optimistic_rounds() -> usize {
    std::env::var("TOKCTL_RATELIMIT_OPTIMISTIC_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(postgres::OPTIMISTIC_ROUNDS)
        .min(16)
}

/// Unknown or malformed secrets one client address may present to verify and forward-auth at
/// once, and how fast that budget refills: 300 at once, then 5 a second.
pub(crate) const VERIFY_FAILURE_BURST: u32 = 300;
pub(crate) const VERIFY_FAILURE_INTERVAL: Duration = Duration::from_millis(200);
/// The budget of one verify caller across the client addresses it names (ten addresses' worth):
/// a gateway credential cannot fish without limit by naming a fresh `client_ip` each time.
pub(crate) const VERIFY_CALLER_FAILURE_BURST: u32 = VERIFY_FAILURE_BURST * 10;
pub(crate) const VERIFY_CALLER_FAILURE_INTERVAL: Duration = Duration::from_millis(20);

/// Runs `tokctl server …`; the returned code is the process exit code.
pub fn main(args: ServerArgs) -> anyhow::Result<u8> {
    memory::use_small_pages();
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match args.command.clone() {
            Some(ServerCommand::Init(init)) => init_org(init).await,
            None => serve(args).await,
        }
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TOKCTL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .try_init();
}

fn fail(code: u8, message: &str, help: Option<&str>) -> anyhow::Result<u8> {
    eprintln!("error: {message}");
    if let Some(h) = help {
        eprintln!("help: {h}");
    }
    Ok(code)
}

/// The database URL: `--database`, else SQLite in the user's data directory.
fn database_url(arg: Option<&str>) -> anyhow::Result<String> {
    if let Some(url) = arg {
        return Ok(url.to_string());
    }
    let dirs = directories::ProjectDirs::from("dev", "tokctl", "tokctl")
        .context("cannot find the user's data directory; pass --database")?;
    let dir = dirs.data_dir();
    db_files::create_private_dir(dir)?;
    Ok(dir.join("tokctl.db").display().to_string())
}

/// Opens (creating if needed) the database; a SQLite one's files are made private first, and
/// refused when others can read or write them (src/server/startup/db_files.rs). `Err` is the exit
/// code after the error was printed.
async fn open_database(url: &str, allow_insecure: bool) -> Result<Database, u8> {
    let refuse = |message: &str, help: Option<&str>| {
        let _ = fail(exit::OTHER, message, help);
        exit::OTHER
    };
    let sqlite = db_files::sqlite_path(url);
    if let Some(path) = &sqlite {
        match db_files::prepare(path, allow_insecure) {
            Ok(exposed) => {
                for f in exposed {
                    eprintln!(
                        "warning: {} is mode {:04o}: others can read or write it \
                         (--allow-insecure-permissions)",
                        f.path.display(),
                        f.mode
                    );
                }
            }
            Err(e) => return Err(refuse(&e.to_string(), e.help().as_deref())),
        }
    }
    let db = Database::open(url)
        .await
        .map_err(|e| refuse(&e.to_string(), None))?;
    if let Some(path) = &sqlite
        && let Err(e) = db_files::tighten_sidecars(path)
    {
        db.close().await;
        return Err(refuse(&e.to_string(), None));
    }
    Ok(db)
}

fn read_password_stdin() -> anyhow::Result<Secret> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    let secret = Secret::new(trimmed.to_string());
    // Overwrite the buffer copy; the Secret zeroes its own on drop.
    line.clear();
    Ok(secret)
}

async fn init_org(args: InitArgs) -> anyhow::Result<u8> {
    let owner = args.owner.trim().to_string();
    if !owner.contains('@') || owner.chars().any(char::is_whitespace) {
        return fail(
            exit::USAGE,
            &format!("--owner `{owner}` is not an email address"),
            None,
        );
    }
    if args.org.trim().is_empty() {
        return fail(exit::USAGE, "--org must not be empty", None);
    }
    let pw = if args.password_stdin {
        read_password_stdin()?
    } else if std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
    {
        let typed = dialoguer::Password::new()
            .with_prompt(format!("Password for {owner}"))
            .with_confirmation("Repeat it", "the two entries differ")
            .interact()
            .context("reading the password")?;
        Secret::new(typed)
    } else {
        return fail(
            exit::USAGE,
            "no password: stdin is not a terminal",
            Some("pass the owner's password on stdin with --password-stdin"),
        );
    };
    if let Err(e) = password::check_strength(pw.expose()) {
        return fail(exit::REJECTED, &format!("password refused: {e}"), None);
    }
    let url = database_url(args.database.as_deref())?;
    let db = match open_database(&url, args.allow_insecure_permissions).await {
        Ok(db) => db,
        Err(code) => return Ok(code),
    };
    let hash = tokio::task::spawn_blocking(move || password::hash(pw.expose()))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let result = db
        .create_org(
            args.org.trim(),
            NewUser {
                org_id: 0,
                email: Some(owner.clone()),
                name: owner.clone(),
                role: Role::Owner,
                service: false,
                password_hash: Some(hash),
                created_at: Utc::now(),
            },
            &OrgPolicy::default(),
        )
        .await;
    db.close().await;
    match result {
        Ok(org) => {
            eprintln!("created org `{}` with owner {owner} in {url}", org.name);
            eprintln!("next: tokctl server --database {url}");
            Ok(exit::OK)
        }
        Err(StoreError::Conflict(_)) => fail(
            exit::REJECTED,
            &format!("{url} already has an org; nothing was changed"),
            Some("each database holds one org; use another --database for a new one"),
        ),
        Err(e) => fail(exit::OTHER, &e.to_string(), None),
    }
}

fn read_pepper(path: Option<&PathBuf>) -> anyhow::Result<Option<secrecy::SecretSlice<u8>>> {
    let Some(path) = path else { return Ok(None) };
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the pepper file {}", path.display()))?;
    let trimmed: Vec<u8> = bytes.trim_ascii().to_vec();
    anyhow::ensure!(
        trimmed.len() >= 16,
        "the pepper file must hold at least 16 bytes"
    );
    Ok(Some(trimmed.into()))
}

/// A throwaway org and owner PAT for `--dev`; returns the PAT's secret and the owner's login.
async fn bootstrap_dev(db: &Database) -> anyhow::Result<(Secret, String, Secret)> {
    let email = "dev@example.com".to_string();
    let pw = Secret::new(secret::random_base62(20));
    let pw_for_hash = pw.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(pw_for_hash.expose()))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let now = Utc::now();
    let org = db
        .create_org(
            "dev",
            NewUser {
                org_id: 0,
                email: Some(email.clone()),
                name: email.clone(),
                role: Role::Owner,
                service: false,
                password_hash: Some(hash),
                created_at: now,
            },
            &OrgPolicy::default(),
        )
        .await?;
    let owner = db
        .member(org.id, &email)
        .await?
        .context("the dev owner vanished")?;
    let fresh = secret::generate(TokenType::Pat);
    let id = tokens::new_token_id();
    db.insert_token(
        NewToken {
            id: id.clone(),
            org_id: org.id,
            user_id: owner.id,
            name: "dev".into(),
            kind: TokenType::Pat,
            scopes: Vec::new(),
            secret_hash: crate::api::secret::hash(fresh.expose(), None),
            created_at: now,
            expires_at: Some(now + chrono::Duration::days(30)),
            rate_limit: OrgPolicy::default().default_rate_limit,
            allowed_cidrs: Vec::new(),
            description: Some("created by tokctl server --dev".into()),
            created_by: Some(owner.id),
            unique_name: true,
            parent: None,
            audience: Vec::new(),
            via: None,
        },
        NewEvent {
            root_id: None,
            org_id: org.id,
            at: now,
            action: "token.mint",
            actor: Some(email.clone()),
            actor_user_id: Some(owner.id),
            credential_id: None,
            target: Some(id),
            ip: None,
            detail: serde_json::json!({"name": "dev", "via": "server --dev"}),
        },
    )
    .await?;
    Ok((fresh, email, pw))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is called, not
/// when first polled, so a signal during startup is not lost (nor fatal) either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).ok();
        let mut term = signal(SignalKind::terminate()).ok();
        async move {
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = int => {},
                _ = term => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What startup hands to the serving loop.
struct Started {
    state: SharedState,
    listener: tokio::net::TcpListener,
    dev: Option<(Secret, String, Secret)>,
}

async fn serve(args: ServerArgs) -> anyhow::Result<u8> {
    // Signals from here on end in the cleanup below, startup included.
    let mut shutdown = std::pin::pin!(shutdown_signal());
    // Removed when dropped: on every return below, error or not (src/server/startup/dev_dir.rs).
    let dev_dir = if args.dev {
        Some(DevDir::create()?)
    } else {
        None
    };
    let started = {
        let mut starting = std::pin::pin!(start(&args, dev_dir.as_ref().map(DevDir::path)));
        tokio::select! {
            started = starting.as_mut() => started?,
            _ = shutdown.as_mut() => {
                // A dev server's startup runs to its end first, and its database is closed
                // before the directory goes: cancelled halfway, SQLite's connection threads
                // went on writing into the directory while it was being removed, and it
                // stayed behind.
                if dev_dir.is_some()
                    && let Ok(Ok(started)) = starting.await
                {
                    started.state.store.close().await;
                }
                eprintln!("tokctl server stopped before it started serving");
                return Ok(exit::OK);
            }
        }
    };
    let Started {
        state,
        listener,
        dev,
    } = match started {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let addr = listener.local_addr()?;
    eprintln!("tokctl server listening on http://{addr}");
    if let Some((token, email, pw)) = &dev {
        println!("# a throwaway dev org; its database is deleted when this server stops");
        println!("export TOKCTL_SERVER=http://{addr}");
        println!("export TOKCTL_TOKEN={}", token.expose());
        println!("# log in as the owner: {email} / password {}", pw.expose());
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    let flusher = tokio::spawn(flush_loop(state.clone()));
    let retention = tokio::spawn(audit::retention_loop(state.clone(), args.retention));
    let sweeper = tokio::spawn(sweep_loop(state.clone()));
    // Connection limits (header-read timeout, head size, connection cap) live in serve.rs.
    let max_connections = serve::connection_cap(args.max_connections);
    tracing::debug!(max_connections, "connection cap");
    serve::serve(
        listener,
        router::router(state.clone()),
        max_connections,
        shutdown,
    )
    .await;
    flusher.abort();
    retention.abort();
    sweeper.abort();
    final_flush(&state).await;
    state.store.close().await;
    drop(dev_dir);
    eprintln!("tokctl server stopped");
    Ok(exit::OK)
}

/// Opens the database (a fresh one in `dev_dir` for `--dev`), checks it and binds the listener.
/// `Ok(Err(code))`: refused, the error already printed.
async fn start(args: &ServerArgs, dev_dir: Option<&Path>) -> anyhow::Result<Result<Started, u8>> {
    let url = match dev_dir {
        Some(dir) => dir.join("tokctl.db").display().to_string(),
        None => database_url(args.database.as_deref())?,
    };
    let pepper = if args.dev {
        None
    } else {
        read_pepper(args.pepper_file.as_ref())?
    };
    let github_keys = match crate::server::github_keys::configured(
        args.github_scanning_keys.as_ref(),
        &args.github_scanning_keys_url,
    ) {
        Ok(keys) => keys,
        Err(e) => {
            return fail(
                exit::OTHER,
                &format!("cannot read --github-scanning-keys {e}"),
                Some("give GitHub's key list as JSON: {\"public_keys\": [{\"key_identifier\", \"key\"}]} (docs/leaks.md)"),
            )
            .map(Err);
        }
    };
    let db = match open_database(&url, args.allow_insecure_permissions).await {
        Ok(db) => db,
        Err(code) => return Ok(Err(code)),
    };
    if let Err(e) = db.claim_for_serving() {
        return fail(exit::OTHER, &e.to_string(), None).map(Err);
    }
    let dev = match &dev_dir {
        Some(_) => Some(bootstrap_dev(&db).await?),
        None => None,
    };
    let Some(org_id) = db.the_org().await? else {
        db.close().await;
        return fail(
            exit::OTHER,
            &format!("the database {url} has no org yet"),
            Some(&format!(
                "create it first: tokctl server init --org NAME --owner EMAIL --password-stdin --database {url}"
            )),
        ).map(Err);
    };
    // Replicas share counters in Redis when given one, else in PostgreSQL; one SQLite server
    // keeps its own.
    let limiter = match (&args.redis, &db) {
        (Some(redis_url), _) => match RedisLimiter::connect(redis_url).await {
            Ok(l) => RateLimiter::Redis(Box::new(l)),
            Err(e) => {
                db.close().await;
                return fail(
                    exit::OTHER,
                    &format!(
                        "cannot use Redis at {} for rate limits: {e}",
                        redis::redact(redis_url)
                    ),
                    Some("start Redis or fix --redis (TOKCTL_REDIS), e.g. redis://127.0.0.1:6379"),
                )
                .map(Err);
            }
        },
        (None, Database::Postgres(pg)) => {
            RateLimiter::Postgres(PgLimiter::new(pg.pool(), optimistic_rounds()))
        }
        (None, Database::Sqlite(_)) => RateLimiter::default(),
    };
    let state: SharedState = Arc::new(AppState {
        store: db,
        org_id,
        pepper,
        usage: UsageBuffer::default(),
        trusted_proxies: args.trusted_proxy.clone(),
        login_throttle: Throttle::new(10, Duration::from_secs(30)),
        limiter,
        verify_throttle: Throttle::new(VERIFY_FAILURE_BURST, VERIFY_FAILURE_INTERVAL),
        verify_caller_throttle: Throttle::new(
            VERIFY_CALLER_FAILURE_BURST,
            VERIFY_CALLER_FAILURE_INTERVAL,
        ),
        failure_audit: Default::default(),
        metrics: Default::default(),
        mcp_allowed_origins: args.mcp_allowed_origin.clone(),
        metrics_unauthenticated: args.metrics_unauthenticated,
        oidc_min_refetch: Duration::from_secs(args.oidc_min_refetch_secs),
        leak_intake: Default::default(),
        github_keys,
    });
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            state.store.close().await;
            return fail(
                exit::OTHER,
                &format!("cannot listen on {}: {e}", args.listen),
                Some("pick another address with --listen"),
            )
            .map(Err);
        }
    };
    Ok(Ok(Started {
        state,
        listener,
        dev,
    }))
}

/// Forgets rate-limit state of tokens idle past their hour window, so memory stays bounded.
async fn sweep_loop(state: SharedState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        state.limiter.sweep().await;
    }
}

async fn flush_loop(state: SharedState) {
    let mut tick = tokio::time::interval(flush_interval());
    loop {
        tick.tick().await;
        if let Err(e) = state.usage.flush(&state.store).await {
            tracing::warn!(error = %e, pending = state.usage.pending(), "usage flush failed; will retry");
        }
    }
}

/// At shutdown: a few tries, so a short database blip does not lose the last rows.
async fn final_flush(state: &AppState) {
    for attempt in 1..=5 {
        match state.usage.flush(&state.store).await {
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "final usage flush failed");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
        }
    }
    tracing::error!(
        lost = state.usage.pending(),
        "access-log rows could not be written at shutdown"
    );
}
