//! Which files `tokctl scan PATH…` reads: directories walked recursively with the `ignore`
//! crate (ripgrep's walker), honouring `.gitignore`, `.ignore` and `.git/info/exclude` (also
//! outside a git repository) unless `--no-ignore`; hidden files included (`.env` is where
//! secrets live), `.git/` itself never; symbolic links not followed. A file named on the
//! command line is always read, ignored or not (as ripgrep does).

use std::fs::File;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::stream::{self, Outcome};
use super::{Finding, Place, Tally};

/// Scans every file under `paths`, appending what it finds.
pub(super) fn scan(
    paths: &[PathBuf],
    no_ignore: bool,
    findings: &mut Vec<Finding>,
    tally: &mut Tally,
) {
    let Some((first, rest)) = paths.split_first() else {
        return;
    };
    let mut walk = WalkBuilder::new(first);
    for p in rest {
        walk.add(p);
    }
    walk.standard_filters(!no_ignore)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        // One core: the measured speed is one thread's (docs/performance.md).
        .threads(1)
        .sort_by_file_name(|a, b| a.cmp(b));
    let mut buf = Vec::with_capacity(1 << 20);
    let mut hits = Vec::new();
    for entry in walk.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                tally.warn(format!("skipped: {e}"));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let read = File::open(path).and_then(|mut f| stream::scan(&mut f, &mut buf, &mut hits));
        match read {
            Ok(Outcome::Text(bytes)) => {
                tally.files += 1;
                tally.bytes += bytes;
            }
            Ok(Outcome::Binary) => tally.binary += 1,
            Err(e) => tally.warn(format!("cannot read {}: {e}", path.display())),
        }
        let shown = display(path);
        findings.extend(
            hits.drain(..)
                .map(|hit| Finding::new(hit, Place::File(shown.clone()))),
        );
    }
}

/// A path as printed and reported: as walked, without a leading `./`, with `/` separators,
/// control characters escaped (`\u{1b}`): a file named with terminal escapes must not erase
/// its own finding from the screen.
pub(super) fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.to_string()
    };
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
