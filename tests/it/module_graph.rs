//! No import cycles between the crate's modules (issue 24).
//!
//! Reads every `src/**/*.rs` with proc-macro2's tokenizer (so comments, strings and doc text
//! never count), collects the `use` trees and the `crate::`, `super::` and `self::` paths —
//! macro bodies and attributes included — and builds two graphs: one between the server's
//! modules (`server::http`, `server::auth`, …) and one between the crate's top-level modules.
//! Either graph having a cycle fails the test, listing the paths that make each edge. Layering
//! of the top level is checked too: `api` is the contract and depends on neither `server` nor
//! `cli`; the CLI reaches the server only over HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A module path from the crate root, e.g. `["server", "auth", "throttle"]`.
type ModPath = Vec<String>;

/// Edges between graph nodes (`"server::auth"`, `"api"`), with what makes each edge
/// (`"src/server/auth/mod.rs: server::state::AppState"`).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn server_modules_form_no_cycle() {
    let graphs = Graphs::of(&crate_sources());
    let cycles = cycles(&graphs.server);
    assert!(
        cycles.is_empty(),
        "import cycles between server modules:\n{}",
        describe(&graphs.server, &cycles)
    );
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graphs = Graphs::of(&crate_sources());
    let cycles = cycles(&graphs.top);
    assert!(
        cycles.is_empty(),
        "import cycles between the crate's top-level modules:\n{}",
        describe(&graphs.top, &cycles)
    );
}

#[test]
fn api_and_cli_stay_off_the_server() {
    let graphs = Graphs::of(&crate_sources());
    for (from, forbidden) in [("api", "server"), ("api", "cli"), ("cli", "server")] {
        let uses: Vec<&String> = graphs
            .top
            .get(from)
            .and_then(|to| to.get(forbidden))
            .into_iter()
            .flatten()
            // One binary, one command tree: `tokctl server`'s arguments are the server's own.
            .filter(|used| !used.ends_with(": server::ServerArgs"))
            .collect();
        assert!(
            uses.is_empty(),
            "`{from}` must not depend on `{forbidden}`: {uses:#?}"
        );
    }
}

/// The checker itself: a cycle made on purpose is found, through `use` trees, `super::`
/// paths, paths inside macros, and re-exports at a folder's root.
#[test]
fn a_planted_cycle_is_found() {
    let sources = [
        (
            "src/server/mod.rs",
            "pub mod a; pub mod b; pub mod c; pub use c::Thing;",
        ),
        (
            "src/server/a/mod.rs",
            "mod inner; use crate::server::{b::{self, X}, state};",
        ),
        (
            "src/server/a/inner.rs",
            "fn f() { tracing::warn!(\"{}\", super::super::c::C); }",
        ),
        (
            "src/server/b.rs",
            "fn f() -> crate::server::a::Y { todo!() }",
        ),
        (
            "src/server/c.rs",
            "// use crate::server::a;\nfn f() { let _ = \"crate::server::a\"; }",
        ),
        ("src/server/state.rs", "pub(in crate::server) fn f() {}"),
        ("src/api/mod.rs", "use crate::server::Thing;"),
    ];
    let sources: Vec<(PathBuf, String)> = sources
        .iter()
        .map(|(p, s)| (PathBuf::from(p), s.to_string()))
        .collect();
    let graphs = Graphs::of(&sources);
    assert_eq!(cycles(&graphs.server), [vec!["server::a", "server::b"]]);
    // Comments, strings and visibility paths are no dependency: c depends on nothing.
    assert!(
        !graphs.server.contains_key("server::c"),
        "{:?}",
        graphs.server
    );
    assert!(
        !graphs.server.contains_key("server::state"),
        "{:?}",
        graphs.server
    );
    assert!(graphs.server["server::a"].contains_key("server::c"));
    assert!(graphs.server["server::a"].contains_key("server::state"));
    // A re-export at the server's root is an edge from the root to the module it re-exports.
    assert!(graphs.server["server"].contains_key("server::c"));
    assert!(graphs.top["api"].contains_key("server"));
}

fn crate_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect_rs(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        // The binary's `main.rs` is a crate of its own, over the library's public modules.
        .filter(|f| *f != root.join("src/main.rs"))
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f.strip_prefix(root).unwrap().to_path_buf(), text)
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

struct Graphs {
    /// Between `server` (its `mod.rs`) and `server::<module>`.
    server: Graph,
    /// Between the crate's top-level modules.
    top: Graph,
}

impl Graphs {
    fn of(sources: &[(PathBuf, String)]) -> Graphs {
        // The nodes: modules are files and folders, so the tree of paths names them all.
        let mut top_level = BTreeSet::new();
        let mut server_level = BTreeSet::new();
        for (path, _) in sources {
            let module = module_of_file(path);
            if let Some(first) = module.first() {
                top_level.insert(first.clone());
            }
            if module.len() >= 2 && module[0] == "server" {
                server_level.insert(module[1].clone());
            }
        }
        let mut graphs = Graphs {
            server: Graph::new(),
            top: Graph::new(),
        };
        for (path, text) in sources {
            let tokens = TokenStream::from_str(text)
                .unwrap_or_else(|e| panic!("{}: cannot tokenize: {e}", path.display()));
            let module = module_of_file(path);
            let mut found = Vec::new();
            scan(tokens, &module, &mut found);
            for (at, target) in found {
                let used = format!("{}: {}", path.display(), target.join("::"));
                let node = |m: &ModPath| {
                    let first = m.first()?;
                    let top = top_level.contains(first).then(|| first.clone())?;
                    Some((top, server_node(m, &server_level)))
                };
                let (Some((from_top, from_server)), Some((to_top, to_server))) =
                    (node(&at), node(&target))
                else {
                    continue;
                };
                if from_top != to_top {
                    add(&mut graphs.top, from_top, to_top, &used);
                }
                if let (Some(from), Some(to)) = (from_server, to_server)
                    && from != to
                {
                    add(&mut graphs.server, from, to, &used);
                }
            }
        }
        graphs
    }
}

/// `server::auth` for anything in `server/auth/`; `server` for the folder's own `mod.rs` and
/// items it defines or re-exports; `None` outside `server`.
fn server_node(module: &ModPath, server_level: &BTreeSet<String>) -> Option<String> {
    if module.first().map(String::as_str) != Some("server") {
        return None;
    }
    match module.get(1) {
        Some(second) if server_level.contains(second) => Some(format!("server::{second}")),
        _ => Some("server".to_string()),
    }
}

fn add(graph: &mut Graph, from: String, to: String, used: &str) {
    graph
        .entry(from)
        .or_default()
        .entry(to)
        .or_default()
        .insert(used.to_string());
}

fn module_of_file(path: &Path) -> ModPath {
    let relative = path.strip_prefix("src").expect("a file under src/");
    let mut module: ModPath = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = module.pop().unwrap();
    let stem = file.trim_end_matches(".rs");
    if !(stem == "mod" || (module.is_empty() && stem == "lib")) {
        module.push(stem.to_string());
    }
    module
}

/// Collects `(module the path appears in, module path it names)` pairs.
fn scan(tokens: TokenStream, module: &ModPath, found: &mut Vec<(ModPath, ModPath)>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    // Children declared here (`mod x;` or `mod x { … }`): paths may name them without `self::`.
    let children: BTreeSet<String> = tokens
        .windows(2)
        .filter_map(|w| match w {
            [TokenTree::Ident(kw), TokenTree::Ident(name)] if kw == "mod" => Some(name.to_string()),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            // `mod name { … }`: its paths are relative to `module::name`.
            TokenTree::Ident(kw) if kw == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && body.delimiter() == Delimiter::Brace
                {
                    let mut inner = module.clone();
                    inner.push(name.to_string());
                    scan(body.stream(), &inner, found);
                    i += 3;
                    continue;
                }
                i += 1;
            }
            // `pub(in crate::x)` restricts visibility; it depends on nothing.
            TokenTree::Ident(kw) if kw == "pub" => {
                i += match tokens.get(i + 1) {
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => 2,
                    _ => 1,
                };
            }
            TokenTree::Ident(kw) if kw == "use" => {
                let end = (i + 1..tokens.len())
                    .find(|&j| matches!(&tokens[j], TokenTree::Punct(p) if p.as_char() == ';'))
                    .unwrap_or(tokens.len());
                let mut paths = Vec::new();
                use_tree(&tokens[i + 1..end], Vec::new(), &mut paths);
                for path in paths {
                    if let Some(target) = resolve(&path, module, &children) {
                        found.push((module.clone(), target));
                    }
                }
                i = end + 1;
            }
            TokenTree::Ident(first) if !after_path_separator(&tokens, i) => {
                let (path, next) = path_at(&tokens, i);
                let is_path = path.len() > 1;
                let anchored = matches!(first.to_string().as_str(), "crate" | "super" | "self");
                if is_path
                    && (anchored || children.contains(&first.to_string()))
                    && let Some(target) = resolve(&path, module, &children)
                {
                    found.push((module.clone(), target));
                }
                i = next.max(i + 1);
            }
            TokenTree::Group(group) => {
                scan(group.stream(), module, found);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

fn is_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn after_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    i >= 2 && is_path_separator(tokens, i - 2)
}

/// The identifiers of `a::b::c` starting at `i`, and the index after them.
fn path_at(tokens: &[TokenTree], mut i: usize) -> (Vec<String>, usize) {
    let mut path = Vec::new();
    while let Some(TokenTree::Ident(segment)) = tokens.get(i) {
        path.push(segment.to_string());
        if is_path_separator(tokens, i + 1) {
            i += 3;
        } else {
            return (path, i + 1);
        }
    }
    (path, i)
}

/// Expands a `use` tree (`a::{b, c::{self, d}}`) into the paths it imports.
fn use_tree(tokens: &[TokenTree], prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut i = 0;
    if is_path_separator(tokens, 0) {
        i = 2;
    }
    let mut path = prefix;
    loop {
        match tokens.get(i) {
            Some(TokenTree::Ident(segment)) if segment == "self" && !path.is_empty() => i += 1,
            Some(TokenTree::Ident(segment)) => {
                path.push(segment.to_string());
                i += 1;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                for item in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                {
                    if !item.is_empty() {
                        use_tree(item, path.clone(), out);
                    }
                }
                return;
            }
            _ => break,
        }
        if is_path_separator(tokens, i) {
            i += 2;
        } else {
            break;
        }
    }
    // `as name` and `*` end a path without adding to it.
    if !path.is_empty() {
        out.push(path);
    }
}

/// The module path `path` names from inside `module`, if it is one of the crate's.
fn resolve(path: &[String], module: &ModPath, children: &BTreeSet<String>) -> Option<ModPath> {
    let (first, rest) = path.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => {
            let mut base = module.clone();
            base.pop()?;
            let mut rest = rest;
            while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
                base.pop()?;
                rest = tail;
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        name if children.contains(name) => {
            let mut base = module.clone();
            base.push(name.to_string());
            base
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Every cycle, as the strongly connected components with more than one node (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        components: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, node: &'g str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flat_map(|to| to.keys()) {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_string());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.components.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.components.sort();
    tarjan.components
}

fn describe(graph: &Graph, cycles: &[Vec<String>]) -> String {
    let mut out = String::new();
    for cycle in cycles {
        out.push_str(&format!("cycle between {}:\n", cycle.join(", ")));
        for from in cycle {
            for (to, uses) in graph.get(from).into_iter().flatten() {
                if cycle.contains(to) {
                    out.push_str(&format!("  {from} -> {to}:\n"));
                    for used in uses {
                        out.push_str(&format!("      {used}\n"));
                    }
                }
            }
        }
    }
    out
}
