//! Command-line arguments of `tokctl server` and `tokctl server init`.

use std::net::SocketAddr;
use std::path::PathBuf;

use ipnet::IpNet;

#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub(crate) command: Option<ServerCommand>,

    /// Address to listen on.
    #[arg(long, env = "TOKCTL_LISTEN", default_value = "127.0.0.1:8700")]
    pub(crate) listen: SocketAddr,

    /// A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user's data dir).
    #[arg(long, env = "TOKCTL_DATABASE")]
    pub(crate) database: Option<String>,

    /// Keep per-token rate-limit counters in Redis (`redis://HOST:PORT[/DB]`), shared by every
    /// replica given the same URL, instead of in the PostgreSQL database.
    #[arg(long, env = "TOKCTL_REDIS", value_name = "URL")]
    pub(crate) redis: Option<String>,

    /// Reverse proxies whose X-Forwarded-For / Forwarded / X-Real-IP are believed (repeatable CIDR).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub(crate) trusted_proxy: Vec<IpNet>,

    /// A browser origin allowed to call `/mcp` (repeatable; e.g. `https://app.example.com`,
    /// `http://localhost:3000`, `null`). A request with an `Origin` header not listed is
    /// refused (403): the MCP spec's DNS-rebinding defence. Requests without `Origin`
    /// (non-browser clients) pass. None by default.
    #[arg(long = "mcp-allowed-origin", value_name = "ORIGIN", value_parser = crate::server::http::origin::parse_allowed)]
    pub(crate) mcp_allowed_origin: Vec<crate::server::http::origin::Origin>,

    /// Serve `/metrics` without a credential. By default a scrape needs a bearer credential
    /// holding `audit:read` (Prometheus: `authorization: credentials_file`).
    #[arg(long)]
    pub(crate) metrics_unauthenticated: bool,

    /// Least time between two fetches of one OIDC issuer's keys (for tests of key rotation;
    /// the default, 1m, is the rule: a made-up `kid` cannot make the server hammer an issuer).
    #[arg(long, hide = true, value_name = "SECS",
          default_value_t = crate::server::service::trust::jwks::MIN_REFETCH.as_secs())]
    pub(crate) oidc_min_refetch_secs: u64,

    /// GitHub's secret-scanning key list as a file (JSON `{"public_keys": [...]}`), read at
    /// start, for servers that cannot reach GitHub; see docs/leaks.md.
    #[arg(long, env = "TOKCTL_GITHUB_SCANNING_KEYS", value_name = "FILE")]
    pub github_scanning_keys: Option<PathBuf>,

    /// Where GitHub publishes its secret-scanning keys, fetched when a report first needs them
    /// and kept an hour (ignored with `--github-scanning-keys`).
    #[arg(long, env = "TOKCTL_GITHUB_SCANNING_KEYS_URL", value_name = "URL",
          default_value = crate::server::github_keys::DEFAULT_KEYS_URL)]
    pub github_scanning_keys_url: String,

    /// Bootstrap a throwaway org and owner in a temporary database and print the
    /// `export TOKCTL_SERVER=… TOKCTL_TOKEN=…` lines to use it.
    #[arg(long)]
    pub(crate) dev: bool,

    /// A file holding the server pepper: secrets are then stored as HMAC-SHA-256 with it.
    #[arg(long, env = "TOKCTL_PEPPER_FILE", value_name = "PATH")]
    pub(crate) pepper_file: Option<PathBuf>,

    /// The most connections served at once; at the cap new ones wait in the backlog
    /// (kept below the open-files limit, which is raised to its maximum at start).
    #[arg(long, env = "TOKCTL_MAX_CONNECTIONS", default_value_t = crate::server::http::serve::DEFAULT_MAX_CONNECTIONS)]
    pub(crate) max_connections: usize,

    /// How long audit events and access-log rows are kept.
    #[arg(long, default_value = "90d", value_parser = crate::cli_parsers::duration)]
    pub(crate) retention: chrono::Duration,

    /// Use a SQLite database even when group or others may read or write its files (unix; by
    /// default it is refused, as ssh refuses a key file others can read).
    #[arg(long)]
    pub(crate) allow_insecure_permissions: bool,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum ServerCommand {
    /// Create the org and its owner in a new database.
    Init(InitArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct InitArgs {
    /// The organization's name.
    #[arg(long)]
    pub(crate) org: String,

    /// The owner's email.
    #[arg(long)]
    pub(crate) owner: String,

    /// Read the owner's password from stdin (one line).
    #[arg(long)]
    pub(crate) password_stdin: bool,

    /// A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user's data dir).
    #[arg(long, env = "TOKCTL_DATABASE")]
    pub(crate) database: Option<String>,

    /// Use a SQLite database even when group or others may read or write its files (unix; by
    /// default it is refused, as ssh refuses a key file others can read).
    #[arg(long)]
    pub(crate) allow_insecure_permissions: bool,
}
