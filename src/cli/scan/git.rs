//! `tokctl scan --git`: every commit reachable from HEAD, read from `git log -p` in a child
//! process. Every secret that was ever in the history was added by some commit, so only added
//! lines are searched (`-U0`, no context). Git is on every machine that has a repository, and
//! its own diff is what a reviewer sees; gix would add a large dependency tree to a small CLI
//! for the same lines.
//!
//! Merges are diffed against their first parent, so what a merge itself added (a conflict
//! resolved by pasting a secret) is seen; what it brought from the other branch was added by a
//! commit there too. A secret found at the same path in several commits is shown once, at the
//! oldest commit that added it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::api::secret;
use crate::cli::CliError;

use super::stream;
use super::{Finding, Place, Tally};

/// Scans the history of the repository at `repo`, appending what it finds.
pub(super) fn scan(
    repo: &Path,
    findings: &mut Vec<Finding>,
    tally: &mut Tally,
) -> Result<(), CliError> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "core.quotePath=false",
            "log",
            "-p",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--diff-merges=first-parent",
            "--format=%x01%H",
            "HEAD",
            "--",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CliError::Io {
            context: "running `git log` for --git (is git installed?)".into(),
            source: e,
        })?;
    let stdout = child.stdout.take().ok_or_else(|| CliError::Io {
        context: "reading `git log`".into(),
        source: std::io::Error::other("no pipe"),
    })?;
    let mut parser = Parser::default();
    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(CliError::io("reading `git log`"))?;
        if n == 0 {
            break;
        }
        tally.bytes += n as u64;
        if line.ends_with(b"\n") {
            line.pop();
        }
        parser.line(&line);
    }
    let out = child
        .wait_with_output()
        .map_err(CliError::io("waiting for `git log`"))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(CliError::usage(
            format!(
                "--git: `git log` failed in {}: {}",
                repo.display(),
                why.trim()
            ),
            Some("run it inside a git repository with at least one commit, or name one: tokctl scan --git PATH".into()),
        ));
    }
    tally.commits += parser.commits;
    findings.extend(parser.finish());
    Ok(())
}

/// Reads `git log -p -U0 --format=%x01%H` line by line.
#[derive(Default)]
struct Parser {
    commit: String,
    path: Option<String>,
    in_hunk: bool,
    next_line: u64,
    commits: u64,
    hits: Vec<stream::Hit>,
    /// Findings in order of first sight; the key (hash of the secret, path) points into it.
    found: Vec<Finding>,
    seen: HashMap<(String, String), usize>,
}

impl Parser {
    fn line(&mut self, line: &[u8]) {
        if let Some(commit) = line.strip_prefix(b"\x01") {
            self.commit = String::from_utf8_lossy(commit).into_owned();
            self.commits += 1;
            self.path = None;
            self.in_hunk = false;
        } else if line.starts_with(b"diff --git ") {
            self.path = None;
            self.in_hunk = false;
        } else if !self.in_hunk && line.starts_with(b"+++ ") {
            self.path = new_path(&line[4..]);
        } else if line.starts_with(b"@@ ") {
            self.in_hunk = true;
            self.next_line = hunk_start(line).unwrap_or(1);
        } else if self.in_hunk && line.first() == Some(&b'+') {
            self.added(&line[1..]);
            self.next_line += 1;
        }
    }

    fn added(&mut self, text: &[u8]) {
        let Some(path) = &self.path else { return };
        stream::scan_line(text, self.next_line, &mut self.hits);
        for hit in self.hits.drain(..) {
            let key = (secret::hash(hit.secret.expose(), None), path.clone());
            let finding = Finding::new(
                hit,
                Place::Commit {
                    commit: self.commit.clone(),
                    path: path.clone(),
                },
            );
            // `git log` goes newest first: a sighting in a later commit is an older one.
            match self.seen.get(&key) {
                Some(&i) => {
                    if self.found[i].place != finding.place {
                        self.found[i] = finding;
                    }
                }
                None => {
                    self.seen.insert(key, self.found.len());
                    self.found.push(finding);
                }
            }
        }
    }

    fn finish(self) -> Vec<Finding> {
        self.found
    }
}

/// The path of `+++ b/PATH` (None for `/dev/null`: a deleted file adds nothing).
fn new_path(rest: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(rest);
    let text = text.trim_end_matches('\t');
    if text == "/dev/null" {
        return None;
    }
    // Names git still quotes (a tab, a newline, a quote) keep their escapes.
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    Some(text.strip_prefix("b/").unwrap_or(text).to_string())
}

/// The new side's first line in `@@ -a,b +c,d @@`.
fn hunk_start(line: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(line).ok()?;
    let plus = text.split(' ').find(|w| w.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::secret::{TokenType, generate};

    #[test]
    fn added_lines_are_found_with_their_commit_path_and_line_and_the_oldest_wins() {
        let s = generate(TokenType::Pat);
        let log = format!(
            "\x01newer\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,0 +7,2 @@\n+first\n+  {s}\n\
             diff --git a/gone b/gone\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-{s}\n\
             \x01older\n\ndiff --git a/x b/x\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,3 @@\n+{s}\n+++ {s}\n",
            s = s.expose()
        );
        let mut p = Parser::default();
        for line in log.lines() {
            p.line(line.as_bytes());
        }
        assert_eq!(p.commits, 2);
        let found = p.finish();
        assert_eq!(found.len(), 1, "one secret at one path, shown once");
        let f = &found[0];
        assert_eq!(
            f.place,
            Place::Commit {
                commit: "older".into(),
                path: "x".into()
            }
        );
        assert_eq!((f.line, f.column), (1, 1));
    }

    #[test]
    fn hunk_headers_and_paths_are_read() {
        assert_eq!(hunk_start(b"@@ -3,0 +4,2 @@ fn x()"), Some(4));
        assert_eq!(hunk_start(b"@@ -3 +9 @@"), Some(9));
        assert_eq!(new_path(b"b/src/a b.rs"), Some("src/a b.rs".into()));
        assert_eq!(new_path(b"\"b/a\\tb\""), Some("a\\tb".into()));
        assert_eq!(new_path(b"/dev/null"), None);
    }
}
