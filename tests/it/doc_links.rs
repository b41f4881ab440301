//! Every relative link in the docs leads somewhere: README.md, SECURITY.md, CHANGELOG.md and
//! every `docs/**/*.md` are parsed as Markdown, and each link or image that is not a URL must
//! name a file or folder of this repository; a `#anchor` into a Markdown file must name one of
//! its headings, slugged the way GitHub does. No server needed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The documents checked, relative to the repository root.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["README.md", "SECURITY.md", "CHANGELOG.md"]
        .into_iter()
        .map(PathBuf::from)
        .filter(|f| root.join(f).is_file())
        .collect();
    let mut dirs = vec![PathBuf::from("docs")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = dir.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A heading's anchor as GitHub makes it: lower case, every character but letters, digits,
/// spaces, `-` and `_` dropped, spaces turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings; a repeated slug gets `-1`, `-2`, … as on GitHub.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(text, Options::all()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let n = seen.entry(base.clone()).or_insert(0);
                out.push(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
            _ => {}
        }
    }
    out
}

/// The destinations of a Markdown text's links and images, in order.
fn links(text: &str) -> Vec<String> {
    Parser::new_ext(text, Options::all())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// What is wrong with the relative links of `file` (a path under `root`) whose text is `text`:
/// one line per broken link, naming the file and the link.
fn broken_links(root: &Path, file: &Path, text: &str) -> Vec<String> {
    let mut broken = Vec::new();
    for link in links(text) {
        let is_url = link.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if is_url || link.starts_with("//") {
            continue;
        }
        let (path, anchor) = match link.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (link.as_str(), None),
        };
        // The target, relative to the repository root; `..` may not climb out of it.
        let mut target = PathBuf::new();
        let base = if path.is_empty() {
            file.to_path_buf()
        } else {
            file.parent().unwrap_or(Path::new("")).join(path)
        };
        let mut outside = false;
        for part in base.components() {
            match part {
                Component::Normal(p) => target.push(p),
                Component::ParentDir => outside |= !target.pop(),
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => outside = true,
            }
        }
        if outside {
            broken.push(format!(
                "{}: `{link}` leads out of the repository",
                file.display()
            ));
            continue;
        }
        let full = root.join(&target);
        if !path.is_empty() && !full.exists() {
            broken.push(format!(
                "{}: `{link}`: no file {}",
                file.display(),
                target.display()
            ));
            continue;
        }
        let Some(anchor) = anchor else { continue };
        if full.extension().is_none_or(|e| e != "md") {
            continue; // line anchors of source files (`#L10`) are GitHub's, not ours to check
        }
        let target_text = if path.is_empty() {
            text.to_string()
        } else {
            std::fs::read_to_string(&full).unwrap()
        };
        if !anchors(&target_text).iter().any(|a| a == anchor) {
            broken.push(format!(
                "{}: `{link}`: no heading with anchor #{anchor} in {}",
                file.display(),
                target.display()
            ));
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_docs_leads_somewhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = documents(root);
    assert!(
        files.iter().any(|f| f.starts_with("docs")),
        "no docs/ found: {files:?}"
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        checked += links(&text).len();
        broken.extend(broken_links(root, file, &text));
    }
    println!("{} documents, {checked} links", files.len());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn a_broken_link_or_anchor_is_named_with_its_file() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("docs/decisions")).unwrap();
    std::fs::write(
        root.path().join("docs/target.md"),
        "# Target\n\n## Scale out: replicas on `PostgreSQL` — fast\n\n## Twice\n\n## Twice\n",
    )
    .unwrap();
    let text = "\
[ok](target.md) [ok](target.md#scale-out-replicas-on-postgresql--fast) [ok](target.md#twice-1)
[ok](decisions/) [ok](#here) [url](https://example.com/x.md) [mail](mailto:a@example.com)
`[code](missing.md)`

    [indented code](missing.md)

# Here

[gone](missing.md) [bad anchor](target.md#nowhere) [up](../../outside.md)
![image](img/missing.png) [self](#nowhere-here)
";
    let broken = broken_links(root.path(), Path::new("docs/page.md"), text);
    assert_eq!(
        broken,
        [
            "docs/page.md: `missing.md`: no file docs/missing.md",
            "docs/page.md: `target.md#nowhere`: no heading with anchor #nowhere in docs/target.md",
            "docs/page.md: `../../outside.md` leads out of the repository",
            "docs/page.md: `img/missing.png`: no file docs/img/missing.png",
            "docs/page.md: `#nowhere-here`: no heading with anchor #nowhere-here in docs/page.md",
        ],
        "{broken:#?}"
    );
}
