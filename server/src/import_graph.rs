//! The server's import graph, drawn from its own sources and checked for cycles (a test).
//!
//! A node is a module (a file); an edge `a → b` is a path in `a` that names `b` (`crate::b::…`,
//! or `super::…` resolved). Edges between a module and its own parent or children are left out:
//! a parent declares its children and re-exports or dispatches to them, and a child may use
//! what its parent holds for the family. Every other edge must point down: the test fails on a
//! cycle among modules, and on one among the top-level layers (`routes`, `middleware`, `tasks`,
//! ...), naming it. `bash scripts/import-graph` prints both graphs (as DOT, for `dot -Tsvg`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every module under `root` (`routes::frame` for `routes/frame.rs`, `routes` for its `mod.rs`),
/// with its source.
fn modules(root: &Path) -> Vec<(Vec<String>, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(root).expect("under the root").with_extension("");
            let mut name: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(name.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                name.pop();
            }
            found.push((name, std::fs::read_to_string(&path).expect("read a source file")));
        }
    }
    found
}

/// The code of `source` without comments (a path in a doc is no import).
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths `source` names from the crate's root: `crate::a::b::C` as `[a, b, C]`, and
/// `super::x` from `module` resolved the same way (the parent of `a/b.rs` and of `a/b/mod.rs`,
/// both `a::b`, is `a`).
fn paths(module: &[String], source: &str) -> Vec<Vec<String>> {
    let code = code(source);
    let mut found = Vec::new();
    for (start, prefix) in [("crate::", 0usize), ("super::", 1)] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut segments = Vec::new();
            let mut tail = rest;
            loop {
                let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(tail.len());
                if end == 0 {
                    break;
                }
                segments.push(tail[..end].to_owned());
                match tail[end..].strip_prefix("::") {
                    Some(next) => tail = next,
                    None => break,
                }
            }
            let base: Vec<String> = match prefix {
                0 => Vec::new(),
                // `super` of `a/b.rs` is `a`; of `a/b/mod.rs` it is `a` too (the module is `a::b`).
                _ => {
                    let mut base = module.to_vec();
                    base.pop();
                    base
                }
            };
            found.push(base.into_iter().chain(segments).collect());
        }
    }
    found
}

/// The module graph of `root` and the graph of its top-level layers.
fn graphs(root: &Path) -> (Graph, Graph) {
    let modules = modules(root);
    let names: BTreeSet<Vec<String>> = modules.iter().map(|(name, _)| name.clone()).collect();
    let mut files = Graph::new();
    let mut layers = Graph::new();
    for (name, source) in &modules {
        // This file's own examples are no imports.
        if name.first().is_some_and(|n| n == "import_graph") {
            continue;
        }
        let from = name.join("::");
        files.entry(from.clone()).or_default();
        for path in paths(name, source) {
            // The longest prefix of the path that is a module.
            let Some(target) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| names.contains(p)) else {
                continue;
            };
            let related = target.starts_with(name) || name.starts_with(&target);
            if related || target.is_empty() {
                continue;
            }
            files.entry(from.clone()).or_default().insert(target.join("::"));
            if let (Some(a), Some(b)) = (name.first(), target.first())
                && a != b
            {
                layers.entry(a.clone()).or_default().insert(b.clone());
            }
        }
    }
    (files, layers)
}

/// A cycle of `graph`, if it has one, as the list of its nodes.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_owned(), Mark::Open);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    return Some(stack[from..].iter().cloned().chain([next.clone()]).collect());
                }
                Mark::New => {
                    if let Some(found) = visit(next, graph, marks, stack) {
                        return Some(found);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node).copied().unwrap_or(Mark::New) == Mark::New
            && let Some(found) = visit(node, graph, &mut marks, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

fn dot(name: &str, graph: &Graph) -> String {
    let mut out = format!("digraph {name} {{\n");
    for (from, tos) in graph {
        for to in tos {
            out.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
        }
    }
    out + "}\n"
}

#[test]
fn the_server_has_no_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (files, layers) = graphs(&root);
    assert!(files.len() > 30 && files.values().map(BTreeSet::len).sum::<usize>() > 50, "{files:?}");
    if std::env::var_os("BELCO_PRINT_IMPORT_GRAPH").is_some() {
        println!("{}{}", dot("layers", &layers), dot("modules", &files));
    }
    assert_eq!(cycle(&layers), None, "the layers import each other in a cycle");
    assert_eq!(cycle(&files), None, "modules import each other in a cycle");
}

/// The domain's storage (`src/store`, whose records and summary once imported each other) keeps
/// to the same rule among its own files. (The domain's top-level modules do not yet: `store`,
/// `push`, `import`, `deliveries`, `capability` and `pseudonym` reach each other; the app's
/// `shell`, `routes` and `pages` too.)
#[test]
fn the_domain_store_has_no_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let (files, _) = graphs(&root);
    let store: Graph = files
        .into_iter()
        .filter(|(from, _)| from.starts_with("store::"))
        .map(|(from, to)| (from, to.into_iter().filter(|to| to.starts_with("store::")).collect()))
        .collect();
    assert!(store.len() > 15 && store.values().map(BTreeSet::len).sum::<usize>() > 15, "{store:?}");
    assert_eq!(cycle(&store), None, "the store's modules import each other in a cycle");
}

#[test]
fn a_cycle_is_found_and_named() {
    let graph: Graph =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")].into_iter().fold(Graph::new(), |mut graph, (from, to)| {
            graph.entry(from.into()).or_default().insert(to.into());
            graph
        });
    assert_eq!(cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let mut fine = graph.clone();
    fine.get_mut("c").map(|to| to.remove("a"));
    assert_eq!(cycle(&fine), None);
    // Paths are read from code, not from comments, and `super` resolves to the parent.
    let found = paths(&["routes".into(), "frame".into()], "// crate::cli::x\nuse super::belco_call::Gate;");
    assert_eq!(found, vec![vec!["routes".to_string(), "belco_call".into(), "Gate".into()]]);
}
