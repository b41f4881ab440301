//! `tokctl scan [PATH…] [--git] [--report]`: finds tokctl secrets where they should not be.
//!
//! Offline: each candidate's checksum is checked with the secret format's own code
//! ([`crate::api::secret::find_secrets`]), so look-alikes are never reported, and nothing is
//! sent anywhere unless `--report`. Exit 0 when nothing is found, 9 when something is, so a
//! pre-commit hook or a CI step fails. Stdin is read only when named (`-`): CI runners give
//! commands a stdin that is not a terminal, and a scan that then read an empty stdin instead
//! of the checkout would pass without looking.

mod files;
mod git;
mod print;
mod report;
mod stream;

use std::path::{Path, PathBuf};

use super::args::ScanArgs;
use super::{CliError, Ctx, output};
use crate::api::error::exit;
use crate::api::secret::{self, Secret, TokenType};

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    File(String),
    Stdin,
    Commit { commit: String, path: String },
}

impl Place {
    fn path(&self) -> &str {
        match self {
            Place::File(p) | Place::Commit { path: p, .. } => p,
            Place::Stdin => "<stdin>",
        }
    }

    /// As printed: `path`, or `commit:path` (the commit shortened to 12 when `short`).
    fn shown(&self, short: bool) -> String {
        match self {
            Place::Commit { commit, path } => {
                let c = if short {
                    commit.get(..12).unwrap_or(commit)
                } else {
                    commit
                };
                format!("{c}:{path}")
            }
            other => other.path().to_string(),
        }
    }
}

/// One secret found.
#[derive(Debug)]
pub(super) struct Finding {
    secret: Secret,
    kind: TokenType,
    place: Place,
    line: u64,
    column: u64,
    id: Option<String>,
}

impl Finding {
    fn new(hit: stream::Hit, place: Place) -> Finding {
        Finding {
            secret: hit.secret,
            kind: hit.kind,
            place,
            line: hit.line,
            column: hit.column,
            id: hit.id,
        }
    }

    fn masked(&self) -> String {
        secret::mask(self.secret.expose())
    }

    /// Where it was found, as a report names it: `path:line:col`, `commit:path:line:col`.
    fn url(&self) -> String {
        format!("{}:{}:{}", self.place.shown(false), self.line, self.column)
    }
}

/// What was read, for the summary line.
#[derive(Debug, Default)]
pub(super) struct Tally {
    files: u64,
    binary: u64,
    commits: u64,
    bytes: u64,
    warnings: Vec<String>,
}

impl Tally {
    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }
}

pub(super) async fn run(ctx: &Ctx, a: ScanArgs) -> Result<u8, CliError> {
    if a.sarif && ctx.global.json {
        return Err(CliError::usage(
            "--sarif and --json (or --jq) are two formats: choose one",
            None,
        ));
    }
    // Checked before reading anything: a report with nowhere to go is a usage error.
    let reporter = if a.report {
        Some(report::Reporter::new(ctx)?)
    } else {
        None
    };
    let mut findings = Vec::new();
    let mut tally = Tally::default();
    if a.git {
        let repos = if a.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            a.paths.clone()
        };
        for repo in &repos {
            if repo.as_os_str() == "-" {
                return Err(CliError::usage(
                    "--git reads repositories, not stdin (`-`)",
                    None,
                ));
            }
            git::scan(repo, &mut findings, &mut tally)?;
        }
    } else {
        let (stdin, paths): (Vec<PathBuf>, Vec<PathBuf>) =
            a.paths.iter().cloned().partition(|p| p.as_os_str() == "-");
        let paths = if a.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            paths
        };
        for p in &paths {
            check_exists(p)?;
        }
        if !stdin.is_empty() {
            scan_stdin(&mut findings, &mut tally)?;
        }
        files::scan(&paths, a.no_ignore, &mut findings, &mut tally);
    }
    for w in &tally.warnings {
        ctx.warn(w);
    }
    if a.sarif {
        output::json(&print::sarif(&findings))?;
    } else if ctx.global.json {
        let doc: Vec<_> = findings.iter().map(print::json_finding).collect();
        output::json(&doc)?;
    } else {
        let mut text = String::new();
        for f in &findings {
            text.push_str(&print::text_line(f));
            text.push('\n');
        }
        if !text.is_empty() {
            output::stdout(&text)?;
        }
    }
    ctx.notice(summary(&findings, &tally, a.git));
    if findings.is_empty() {
        return Ok(exit::OK);
    }
    if let Some(reporter) = reporter {
        reporter.send(ctx, &findings, a.git).await?;
    } else {
        ctx.notice(
            "help: revoke them now with `tokctl scan --report` (or `tokctl revoke --secret-stdin`), then remove them from the files and their history",
        );
    }
    Ok(exit::SECRETS_FOUND)
}

fn check_exists(p: &Path) -> Result<(), CliError> {
    if std::fs::symlink_metadata(p).is_err() {
        return Err(CliError::usage(
            format!("{}: no such file or directory", p.display()),
            Some("name files or directories to scan, or `-` for stdin".into()),
        ));
    }
    Ok(())
}

fn scan_stdin(findings: &mut Vec<Finding>, tally: &mut Tally) -> Result<(), CliError> {
    let mut hits = Vec::new();
    let read = stream::scan(&mut std::io::stdin().lock(), &mut Vec::new(), &mut hits)
        .map_err(CliError::io("reading stdin"))?;
    match read {
        stream::Outcome::Text(bytes) => {
            tally.files += 1;
            tally.bytes += bytes;
        }
        stream::Outcome::Binary => tally.binary += 1,
    }
    findings.extend(hits.into_iter().map(|h| Finding::new(h, Place::Stdin)));
    Ok(())
}

fn summary(findings: &[Finding], tally: &Tally, git: bool) -> String {
    let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let what = if git {
        plural(tally.commits, "commit")
    } else {
        format!(
            "{}{}",
            plural(tally.files, "file"),
            match tally.binary {
                0 => String::new(),
                n => format!(" ({n} binary skipped)"),
            }
        )
    };
    let mib = tally.bytes as f64 / (1024.0 * 1024.0);
    match findings.len() {
        0 => format!("no tokctl secrets in {what}, {mib:.1} MiB"),
        1 => format!("found 1 tokctl secret in {what}, {mib:.1} MiB"),
        n => format!("found {n} tokctl secrets in {what}, {mib:.1} MiB"),
    }
}
