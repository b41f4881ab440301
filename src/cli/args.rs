//! The command-line grammar of DESIGN.md ("Command line"), as clap derive types.
//!
//! Only parsing lives here: every value that can be checked offline (durations, scopes, CIDRs,
//! rate limits) is checked by a `value_parser`, so bad input is a usage error (exit 2) before
//! any request. What the commands do lives in the sibling modules.

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::api::duration::Expiry;

/// Scoped, revocable, rate-limited, audited access tokens for AI agents, CI jobs and scripts.
#[derive(Debug, Parser)]
#[command(
    name = "tokctl",
    version,
    propagate_version = true,
    help_template = crate::cli::help::root_template(),
    after_help = crate::cli::help::examples_text("").unwrap_or_default(),
    after_long_help = crate::cli::help::root_after_long_help(),
    mut_subcommands = crate::cli::help::decorate_top,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// URL of the token service (default: the profile's, saved by `tokctl login`).
    #[arg(long, global = true, env = "TOKCTL_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,

    /// Which saved login to use; one profile per server and user.
    #[arg(
        long,
        global = true,
        env = "TOKCTL_PROFILE",
        value_name = "NAME",
        default_value = "default"
    )]
    pub(crate) profile: String,

    /// Print one JSON document on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    /// Filter the JSON output with a jq expression (implies --json); strings print raw.
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,

    /// Print nothing on stderr but errors (no notices, no expiry warning).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,

    /// Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag
    /// of the commands that confirm (src/cli/help.rs), accepted everywhere as before.
    #[arg(long, short, global = true, hide = true)]
    pub(crate) yes: bool,

    /// Never prompt: a missing value is a usage error naming its flag (also when CI is set).
    #[arg(long, global = true)]
    pub(crate) no_input: bool,

    /// Seconds to wait for the server's answer before giving up (exit 8).
    #[arg(
        long,
        global = true,
        env = "TOKCTL_TIMEOUT",
        value_name = "SECS",
        default_value = "30",
        allow_negative_numbers = true,
        value_parser = crate::waiting::Timeout::parse
    )]
    pub(crate) timeout: crate::waiting::Timeout,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in: the session goes into the OS keyring, the server URL and email into the config dir.
    Login(LoginArgs),
    /// Revoke this profile's session on the server and delete it from the keyring (a token
    /// given with `login --with-token` is only forgotten, unless `--revoke`).
    Logout(LogoutArgs),
    /// Every profile: server, identity, credential expiry, keyring state, whether the server
    /// answers; exit 3 when the active profile is not logged in.
    Status,
    /// Who the credential is: user, org, role, the credential and its expiry, permissions, server.
    Whoami,
    /// Mint a new token; its secret is printed once (alone on stdout when piped).
    Mint(MintArgs),
    /// Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC
    /// 8693 token exchange); revoking the credential revokes it too.
    Delegate(DelegateArgs),
    /// List tokens (yours by default); `--all` includes revoked and expired ones.
    List(ListArgs),
    /// Show one token by id or name.
    Show(ShowArgs),
    /// Revoke tokens by id or name, or every token and session of a member (offboarding).
    Revoke(RevokeArgs),
    /// New secret for the same token (same id, name, scopes and limits).
    Rotate(RotateArgs),
    /// Members of the org: people and service accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The org's audit events, or its access log with `--access`.
    Audit(AuditArgs),
    /// Usage statistics of one token: requests, error rate, most used resources, latency.
    Usage(UsageArgs),
    /// The org's settings.
    #[command(subcommand)]
    Org(OrgCommand),
    /// CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived
    /// token of which service account, with no stored secret (`tokctl login --oidc`).
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Any API call with the profile's credential; the answer's JSON on stdout (like `gh api`).
    Api(ApiArgs),
    /// Find tokctl secrets in files, stdin or git history; exit 9 when one is found.
    Scan(ScanArgs),
    /// Print a shell completion script (it completes token, member, scope and profile names).
    Completions(CompletionsArgs),
    /// Run the token service.
    #[cfg(feature = "server")]
    Server(crate::server::ServerArgs),
    /// Run the token service (not in this build: it is refused with a usage error).
    #[cfg(not(feature = "server"))]
    #[command(hide = true)]
    Server(NoServer),
}

/// `tokctl server …` in a build without the server: whatever follows is taken, then refused.
#[cfg(not(feature = "server"))]
#[derive(Debug, Args)]
pub struct NoServer {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your email (default: the profile's; prompted on a terminal).
    #[arg(long, value_name = "EMAIL")]
    pub(crate) email: Option<String>,

    /// Read the password from stdin (one line; its LF or CRLF is stripped).
    #[arg(long, conflicts_with = "with_token")]
    pub(crate) password_stdin: bool,

    /// Read an existing session or token secret from stdin instead of logging in with a password.
    #[arg(long, conflicts_with = "oidc")]
    pub(crate) with_token: bool,

    /// In a CI job: exchange the job's OpenID Connect ID token for a short-lived token of the
    /// service account a trust policy names, and print its secret (or hand it to `--exec`);
    /// nothing is stored, neither in the keyring nor in a file. The ID token comes from GitHub
    /// Actions itself (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, `permissions: id-token: write`),
    /// from `--id-token-env`, or from `--id-token-file`.
    #[arg(long, conflicts_with_all = ["email", "password_stdin", "session_name"])]
    pub(crate) oidc: bool,

    /// The audience to ask GitHub Actions for (the trust policy's `--audience`; default: the
    /// server URL).
    #[arg(long, value_name = "A", requires = "oidc")]
    pub(crate) audience: Option<String>,

    /// Read the ID token from this environment variable (GitLab CI's `id_tokens:`).
    #[arg(
        long,
        value_name = "NAME",
        requires = "oidc",
        conflicts_with = "id_token_file"
    )]
    pub(crate) id_token_env: Option<String>,

    /// Read the ID token from this file (`-` = stdin).
    #[arg(long, value_name = "FILE", requires = "oidc")]
    pub(crate) id_token_file: Option<std::path::PathBuf>,

    /// Run CMD with `sh -c`, the new secret on its stdin (one line), instead of printing it.
    #[arg(long, value_name = "CMD", requires = "oidc")]
    pub(crate) exec: Option<String>,

    /// Name of the new session, shown by `tokctl list --type ses` (default: `cli@<hostname>`).
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "with_token",
        value_parser = crate::api::session_name::parse_session_name
    )]
    pub(crate) session_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Also revoke a token given with `login --with-token` (a session is always revoked).
    #[arg(long)]
    pub(crate) revoke: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MintType {
    /// A personal access token for scripts and the REST API.
    Pat,
    /// A token for an AI agent using the MCP endpoint.
    Mcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListType {
    Pat,
    Mcp,
    Ses,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusFilter {
    Active,
    Expired,
    Revoked,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// A table fitted to the terminal.
    Table,
    /// A JSON array of tokens (same as `--json`).
    Json,
    /// Tab-separated, no header: id, name, type, owner, scopes, expires_at, last_used_at,
    /// status, created_at.
    Tsv,
}

/// One `--rate-limit` value: `N/min` or `N/hour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateLimitArg {
    PerMinute(u32),
    PerHour(u32),
}

pub(crate) fn rate_limit(s: &str) -> Result<RateLimitArg, String> {
    use crate::api::validate::{self, RateUnit};
    match validate::rate_limit(s).map_err(|e| e.to_string())? {
        (n, RateUnit::Minute) => Ok(RateLimitArg::PerMinute(n)),
        (n, RateUnit::Hour) => Ok(RateLimitArg::PerHour(n)),
    }
}

/// A rotation grace period: a duration of at most one hour.
pub(crate) fn grace(s: &str) -> Result<chrono::Duration, String> {
    let d = crate::cli_parsers::duration(s)?;
    if d > chrono::Duration::hours(1) {
        return Err(format!("grace `{s}` is too long: at most 1h"));
    }
    Ok(d)
}

#[derive(Debug, Args)]
pub struct MintArgs {
    /// The token's name, unique among your active tokens (prompted on a terminal when no flag is given).
    #[arg(value_parser = crate::cli_parsers::token_name)]
    pub(crate) name: Option<String>,

    /// A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or
    /// `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not
    /// given).
    #[arg(
        long = "scope",
        visible_alias = "scopes",
        value_name = "SCOPE",
        value_delimiter = ',',
        value_parser = crate::cli_parsers::scope
    )]
    pub(crate) scopes: Vec<String>,

    /// Token type.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub(crate) kind: Option<MintType>,

    /// Lifetime (`90m`, `12h`, `30d`, `52w`), a date (`2027-01-31` or RFC 3339) or `never`
    /// (default: the org's, 30d).
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::expiry)]
    pub(crate) expires: Option<Expiry>,

    /// `N/min` or `N/hour` (repeatable, one of each; default: the org's, 60/min and 1000/hour).
    #[arg(long = "rate-limit", value_name = "N/UNIT", value_parser = rate_limit)]
    pub(crate) rate_limits: Vec<RateLimitArg>,

    /// Only requests from this network may use the token (repeatable).
    #[arg(long = "allow-cidr", value_name = "CIDR", value_parser = crate::cli_parsers::cidr)]
    pub(crate) allow_cidrs: Vec<IpNet>,

    /// What the token is for (at most 1024 characters).
    #[arg(long, value_name = "TEXT", value_parser = crate::cli_parsers::description)]
    pub(crate) description: Option<String>,

    /// Mint for this service account (admins).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) owner: Option<String>,

    /// A resource the token may be presented to (RFC 8707; repeatable), e.g. an MCP server's URL;
    /// `tokctl` names tokctl's own API, without which the token cannot call it. Default: any
    /// (minted with a token: that token's audience, which may only be narrowed).
    #[arg(long = "audience", value_name = "RESOURCE", value_parser = crate::cli_parsers::audience)]
    pub(crate) audience: Vec<String>,

    /// Run the server's checks and print what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    #[command(flatten)]
    pub(crate) exec: ExecArgs,
}

#[derive(Debug, Args)]
pub struct DelegateArgs {
    /// A permission the child may use (repeatable, or comma-separated), within the credential's
    /// own (default: all of the credential's permissions).
    #[arg(
        long = "scope",
        visible_alias = "scopes",
        value_name = "SCOPE",
        value_delimiter = ',',
        value_parser = crate::cli_parsers::scope
    )]
    pub(crate) scopes: Vec<String>,

    /// Lifetime (`10m`, `2h`) or a date (default 15m; never beyond the credential's expiry).
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::expiry)]
    pub(crate) expires: Option<Expiry>,

    /// A resource the child may be presented to (RFC 8707; repeatable), within the credential's
    /// audience; `tokctl` names tokctl's own API (default: the credential's audience).
    #[arg(long = "audience", value_name = "RESOURCE", value_parser = crate::cli_parsers::audience)]
    pub(crate) audience: Vec<String>,

    /// Run CMD with `sh -c` and the child's secret in its environment as TOKCTL_TOKEN (with
    /// TOKCTL_TOKEN_ID and TOKCTL_SERVER), never in its argv or on stdout; the child is revoked
    /// when CMD exits, and tokctl exits with CMD's status.
    #[arg(long, value_name = "CMD")]
    pub(crate) exec: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its
    /// environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the
    /// secret; tokctl exits with CMD's status.
    #[arg(long, value_name = "CMD")]
    pub(crate) exec: Option<String>,

    /// When CMD fails, revoke the new token instead of leaving it in place.
    #[arg(long, requires = "exec")]
    pub(crate) revoke_on_failure: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include revoked and expired tokens (same as `--status all`).
    #[arg(long, conflicts_with = "status")]
    pub(crate) all: bool,

    /// Draw the delegation tree: each token under the token that minted it.
    #[arg(long, conflicts_with = "output")]
    pub(crate) tree: bool,

    /// List the tokens of this member (email or service account name; tokens:admin).
    #[arg(long, value_name = "MEMBER", conflicts_with = "everyone")]
    pub(crate) user: Option<String>,

    /// List everyone's tokens (tokens:admin).
    #[arg(long)]
    pub(crate) everyone: bool,

    /// Only active tokens expiring within this duration.
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::duration)]
    pub(crate) expiring_within: Option<chrono::Duration>,

    /// Only tokens not used for this duration (never-used ones included).
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::duration)]
    pub(crate) unused_for: Option<chrono::Duration>,

    /// Only tokens of this type.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub(crate) kind: Option<ListType>,

    /// Only tokens in this state (default: active).
    #[arg(long, value_enum, value_name = "STATUS")]
    pub(crate) status: Option<StatusFilter>,

    /// Output format (default: table; `--json` means json).
    #[arg(long, short, value_enum, value_name = "FORMAT")]
    pub(crate) output: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// An id (`tk_…`) or a name.
    pub(crate) token: String,

    /// The token's owner, to find a service account's token by name (admins).
    #[arg(long, value_name = "MEMBER")]
    pub(crate) owner: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["tokens", "user", "secret_stdin", "secret_file"])))]
pub struct RevokeArgs {
    /// Ids (`tk_…`) or names of the tokens to revoke.
    #[arg(value_name = "TOKEN")]
    pub(crate) tokens: Vec<String>,

    /// Revoke every token and session of this member (offboarding; needs `--all`).
    #[arg(
        long,
        value_name = "MEMBER",
        requires = "all",
        conflicts_with = "tokens"
    )]
    pub(crate) user: Option<String>,

    /// With `--user`: every token and session of the member.
    #[arg(long, requires = "user")]
    pub(crate) all: bool,

    /// List what would be revoked (the server's checks run); change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Why, for the audit log.
    #[arg(long, value_name = "TEXT")]
    pub(crate) reason: Option<String>,

    /// The tokens' owner, to find a service account's token by name (admins).
    #[arg(long, value_name = "MEMBER", conflicts_with = "user")]
    pub owner: Option<String>,

    /// Revoke the token whose secret is on stdin (one line), as a leak report: needs no login
    /// and no token id ("I pasted my token in chat"). The secret goes in a request body, never
    /// a URL or a command line.
    #[arg(long, conflicts_with_all = ["tokens", "user", "dry_run", "owner", "secret_file"])]
    pub secret_stdin: bool,

    /// Like `--secret-stdin`, the secret read from FILE (its only content, surrounding
    /// whitespace ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tokens", "user", "dry_run", "owner"])]
    pub secret_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// An id (`tk_…`) or a name.
    pub(crate) token: String,

    /// New lifetime or date (default: the lifetime the token had).
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::expiry)]
    pub(crate) expires: Option<Expiry>,

    /// How long the old secret keeps working (at most 1h; default 0).
    #[arg(long, value_name = "D", value_parser = grace)]
    pub(crate) grace: Option<chrono::Duration>,

    /// The token's owner, to find a service account's token by name (admins).
    #[arg(long, value_name = "SERVICE")]
    pub(crate) owner: Option<String>,

    /// Run the server's checks and print what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    #[command(flatten)]
    pub(crate) exec: ExecArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl From<RoleArg> for crate::api::perms::Role {
    fn from(r: RoleArg) -> Self {
        use crate::api::perms::Role;
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Member => Role::Member,
            RoleArg::Admin => Role::Admin,
            RoleArg::Owner => Role::Owner,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List the org's members.
    List,
    /// Add a person (EMAIL, with a password) or a service account (NAME with `--service`).
    Add(UsersAddArgs),
    /// Change a member's role; their tokens narrow or widen at once.
    SetRole(UsersSetRoleArgs),
    /// Remove a member: deactivate them and revoke every token and session they have.
    Remove(UsersRemoveArgs),
}

#[derive(Debug, Args)]
pub struct UsersAddArgs {
    /// A person's email, or a service account's name with `--service`.
    #[arg(value_name = "EMAIL|NAME")]
    pub(crate) who: String,

    #[arg(long, value_enum)]
    pub(crate) role: RoleArg,

    /// A service account: no password, no session; admins mint its tokens with `--owner NAME`.
    #[arg(long, conflicts_with = "password_stdin")]
    pub(crate) service: bool,

    /// Read the new person's password from stdin (one line).
    #[arg(long)]
    pub(crate) password_stdin: bool,

    /// Run the server's checks and print what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub struct UsersSetRoleArgs {
    /// Email or service account name.
    pub(crate) member: String,
    #[arg(value_enum)]
    pub(crate) role: RoleArg,

    /// Run the server's checks and print what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub struct UsersRemoveArgs {
    /// Email or service account name.
    pub(crate) member: String,

    /// Run the server's checks and print what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The access log (one row per authenticated request) instead of lifecycle events.
    #[arg(long)]
    pub(crate) access: bool,

    /// Only rows about this token (id or name).
    #[arg(long, value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    /// With --token: the rows of every token delegated from it too (its whole subtree).
    #[arg(long, requires = "token")]
    pub(crate) descendants: bool,

    /// Only rows of this member (email or service account name).
    #[arg(long, value_name = "MEMBER")]
    pub(crate) user: Option<String>,

    /// Only events of this action (`token.mint`, `token.revoke`, `session.login`, …).
    #[arg(long, value_name = "ACTION")]
    pub(crate) action: Option<String>,

    /// Only rows newer than this: a duration back from now (`7d`) or a date.
    #[arg(long, value_name = "D", value_parser = since)]
    pub(crate) since: Option<chrono::DateTime<chrono::Utc>>,

    /// At most this many rows (default: all, following pagination).
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// An id (`tk_…`) or a name.
    pub(crate) token: String,

    /// Only requests newer than this: a duration back from now (`7d`) or a date.
    #[arg(long, value_name = "D", value_parser = since)]
    pub(crate) since: Option<chrono::DateTime<chrono::Utc>>,
}

/// `--since`: a duration back from now or an absolute date.
pub(crate) fn since(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    match crate::cli_parsers::expiry(s)? {
        Expiry::In(d) => Ok(chrono::Utc::now() - d),
        Expiry::At(at) => Ok(at),
        Expiry::Never => Err("`never` is not a point in time; write 7d or a date".into()),
    }
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a
    /// token of the service account `--owner`, with the policy's scopes, lifetime and limits.
    Add(Box<TrustAddArgs>),
    /// The org's trust policies.
    List,
    /// One trust policy in full, for review: who can obtain what.
    Show(TrustNameArgs),
    /// Remove a trust policy; tokens it made live out their minutes.
    Remove(TrustRemoveArgs),
}

#[derive(Debug, Args)]
pub struct TrustAddArgs {
    /// The policy's name (also the name of the tokens it makes).
    #[arg(value_parser = crate::cli_parsers::token_name)]
    pub(crate) name: String,

    /// The ID tokens' issuer, exactly as their `iss` (GitHub Actions:
    /// https://token.actions.githubusercontent.com; GitLab: https://gitlab.com).
    // `--help` text: the URLs stay bare, to be copied as they are.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, value_name = "URL")]
    pub(crate) issuer: String,

    /// The ID token's `aud` must contain this.
    #[arg(long, value_name = "A")]
    pub(crate) audience: String,

    /// Pattern for the ID token's `sub`: exact, or `*` globs over the whole value
    /// (`repo:acme/api:ref:refs/heads/main`, `repo:acme/*:environment:prod`).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) subject: String,

    /// A further claim that must match (repeatable): `KEY=PATTERN`, e.g.
    /// `ref_protected=true`, `project_path=acme/*`.
    #[arg(long = "claim", value_name = "KEY=PATTERN", value_parser = claim_pattern)]
    pub(crate) claims: Vec<(String, String)>,

    /// The service account whose tokens the exchange mints.
    #[arg(long, value_name = "SERVICE_ACCOUNT")]
    pub(crate) owner: String,

    /// A permission of the tokens (repeatable or comma-separated; blank = the service
    /// account's full role).
    #[arg(long = "scope", value_name = "SCOPE", value_delimiter = ',', value_parser = crate::cli_parsers::scope)]
    pub(crate) scopes: Vec<String>,

    /// Lifetime of each token (default and maximum: the org policy's max_trust_lifetime, 15m
    /// unless raised, at most 1h).
    #[arg(long, value_name = "D", value_parser = crate::cli_parsers::duration)]
    pub(crate) expires: Option<chrono::Duration>,

    /// `N/min` or `N/hour` (repeatable, one of each).
    #[arg(long = "rate-limit", value_name = "N/UNIT", value_parser = rate_limit)]
    pub(crate) rate_limits: Vec<RateLimitArg>,

    /// Only requests from this network may use the tokens (repeatable).
    #[arg(long = "allow-cidr", value_name = "CIDR", value_parser = crate::cli_parsers::cidr)]
    pub(crate) allow_cidrs: Vec<IpNet>,

    /// The issuer's JWK Set, for an issuer the server cannot reach (no discovery then).
    #[arg(long, value_name = "FILE")]
    pub(crate) jwks_file: Option<std::path::PathBuf>,

    /// Run the server's checks and print the policy as it would be; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// `KEY=PATTERN`.
pub(crate) fn claim_pattern(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.is_empty() => {
            Ok((k.trim().to_string(), v.to_string()))
        }
        _ => Err(format!("`{s}` is not KEY=PATTERN")),
    }
}

#[derive(Debug, Args)]
pub struct TrustNameArgs {
    /// The policy's name.
    pub(crate) name: String,
}

#[derive(Debug, Args)]
pub struct TrustRemoveArgs {
    /// The policy's name.
    pub(crate) name: String,

    /// Print the policy that would be removed; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Show the token policy, or change it with `--set KEY=VALUE` (owner).
    Policy(PolicyArgs),
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// `default_expiry=30d`, `max_expiry=90d`, `allow_never=true`,
    /// `default_rate_limit=60/min,1000/hour`, `max_rate_limit=none`, `session_rate_limit=…`,
    /// `session_ttl=30d`, `max_trust_lifetime=15m` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,

    /// With `--set`: run the server's checks and print old and new; change nothing.
    #[arg(long, requires = "set")]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// A path on the server: `/v1/me` or `v1/me` (query included); never another host.
    pub(crate) path: String,

    /// The HTTP method (default: GET, or POST when fields or --input are given).
    #[arg(long, short = 'X', value_name = "METHOD")]
    pub(crate) method: Option<String>,

    /// A string field of the JSON body (repeatable); query parameters for GET.
    #[arg(long = "raw-field", short = 'f', value_name = "KEY=VALUE")]
    pub(crate) raw_fields: Vec<String>,

    /// A typed field: numbers, true, false and null as JSON, anything else a string.
    #[arg(long = "field", short = 'F', value_name = "KEY=VALUE")]
    pub(crate) fields: Vec<String>,

    /// Send this file as the body (`-` reads stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["raw_fields", "fields"])]
    pub(crate) input: Option<std::path::PathBuf>,
}

/// `tokctl scan [PATH…] [--git] [--report]`: offline, checksum-checked; no login needed.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan (default: the current directory); `-` reads stdin.
    /// With `--git`: the repositories whose history to scan.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,

    /// Scan every commit reachable from HEAD (`git log -p`), not the files on disk.
    #[arg(long)]
    pub git: bool,

    /// Also read files that .gitignore, .ignore and .git/info/exclude leave out.
    #[arg(long, conflicts_with = "git")]
    pub no_ignore: bool,

    /// Print SARIF 2.1.0 on stdout (GitHub code scanning and other code-scanning UIs).
    #[arg(long)]
    pub sarif: bool,

    /// Report what is found to the server's `POST /v1/leaks`, which revokes each live secret
    /// at once (no login needed; the server is --server, TOKCTL_SERVER or the profile's).
    #[arg(long)]
    pub report: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,

    /// Print the static script (what `completions/` holds): commands and flags only, no token,
    /// member or profile names.
    #[arg(long = "static")]
    pub(crate) static_script: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rate_limits_parse_both_units() {
        assert_eq!(rate_limit("60/min"), Ok(RateLimitArg::PerMinute(60)));
        assert_eq!(rate_limit("1000/hour"), Ok(RateLimitArg::PerHour(1000)));
        assert!(rate_limit("0/min").is_err());
        assert!(rate_limit("60").is_err());
        assert!(rate_limit("60/day").is_err());
    }

    #[test]
    fn grace_is_at_most_an_hour() {
        assert!(grace("1h").is_ok());
        assert!(grace("30m").is_ok());
        assert!(grace("61m").is_err());
        assert!(grace("2h").is_err());
    }
}
