//! The dependency rules, checked so that breaking one fails the build's tests: the core knows
//! no face and no emulator; the emulator knows nothing of the client it tests; a face never
//! imports the other face; the TUI's modules import each other without a cycle; views do no
//! I/O. Source rules are checked on module paths: every `use` tree and every path in the code
//! is resolved (`crate::`, `super::`, `self::`, a child module) to the module it names.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

use std::path::Path;

fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest))
        .unwrap_or_else(|e| panic!("{manifest}: {e}"));
    let doc: toml::Table = text.parse().unwrap();
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|section| doc.get(*section).and_then(|d| d.as_table()))
        .flat_map(|t| t.keys().cloned())
        .collect()
}

#[test]
fn the_core_depends_on_no_face_and_no_emulator() {
    let deps = dependencies("crates/core/Cargo.toml");
    for banned in [
        "ploy-connect",
        "ploy-emulator",
        "clap",
        "ratatui",
        "crossterm",
        "dialoguer",
        "axum",
    ] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "ploy-core depends on {banned}"
        );
    }
}

#[test]
fn the_emulator_shares_no_code_with_the_client() {
    let deps = dependencies("crates/emulator/Cargo.toml");
    for banned in ["ploy-connect", "ploy-core", "reqwest", "jsonwebtoken"] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "ploy-emulator depends on {banned}"
        );
    }
}

/// A module of this crate: `["tui", "view", "check"]`.
type Module = Vec<String>;

struct Source {
    module: Module,
    file: PathBuf,
    /// Every path the file names, as written (`use` trees expanded), comments, strings and
    /// `#[cfg(test)]` code left out.
    paths: Vec<String>,
}

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let rel = file.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = rel.iter().map(|c| c.to_string_lossy().into()).collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text = std::fs::read_to_string(&file).unwrap();
            Source {
                module,
                paths: paths(&code(&text)),
                file,
            }
        })
        .collect()
}

#[test]
fn every_crate_takes_the_workspace_lints() {
    let root: toml::Table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let clippy = &root["workspace"]["lints"]["clippy"];
    for lint in ["unwrap_used", "expect_used", "panic"] {
        assert_eq!(clippy[lint].as_str(), Some("deny"), "{lint}");
    }
    for manifest in [
        "Cargo.toml",
        "crates/core/Cargo.toml",
        "crates/emulator/Cargo.toml",
    ] {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest)).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        assert_eq!(
            doc.get("lints")
                .and_then(|l| l.get("workspace"))
                .and_then(|w| w.as_bool()),
            Some(true),
            "{manifest} does not take the workspace lints"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file: comments, string and char literals blanked, tests cut off.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            // A char literal ('x', '\n'); a lifetime ('a) has no closing quote soon after.
            '\'' => {
                let ahead: String = chars.clone().take(3).collect();
                let close = if let Some(escaped) = ahead.strip_prefix('\\') {
                    escaped.find('\'').map(|i| i + 2)
                } else {
                    ahead
                        .char_indices()
                        .nth(1)
                        .filter(|(_, c)| *c == '\'')
                        .map(|(i, _)| i + 1)
                };
                match close {
                    Some(n) => {
                        for _ in 0..n {
                            chars.next();
                        }
                        out.push_str("' '");
                    }
                    None => out.push('\''),
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Every path in `code`: each `use` tree expanded into whole paths, then every `a::b` in the
/// rest of the code.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = String::new();
    let mut at = 0;
    while let Some(found) = code[at..].find("use ") {
        let start = at + found;
        let before = code[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            rest.push_str(&code[at..start + 4]);
            at = start + 4;
            continue;
        }
        rest.push_str(&code[at..start]);
        let end = code[start..].find(';').map_or(code.len(), |e| start + e);
        let tree: String = code[start + 4..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.extend(expand(&tree));
        at = end;
    }
    rest.push_str(&code[at..]);
    let mut word = String::new();
    for c in rest.chars().chain([' ']) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            let w = word.trim_matches(':');
            if w.contains("::") && !w.starts_with(|c: char| c.is_ascii_digit()) {
                out.push(w.to_string());
            }
            word.clear();
        }
    }
    out
}

/// `a::{b, c::{d as e}}` as `a::b`, `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![
            path.split("as")
                .next()
                .unwrap_or(path)
                .trim_end_matches("::")
                .to_string(),
        ];
    };
    let head = &tree[..open];
    let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut items, mut depth, mut item) = (Vec::new(), 0, String::new());
    for c in body.chars() {
        match c {
            ',' if depth == 0 => items.push(std::mem::take(&mut item)),
            '{' => {
                depth += 1;
                item.push(c);
            }
            '}' => {
                depth -= 1;
                item.push(c);
            }
            c => item.push(c),
        }
    }
    items.push(item);
    items
        .iter()
        .filter(|i| !i.is_empty())
        .flat_map(|i| match i.as_str() {
            "self" => vec![head.trim_end_matches("::").to_string()],
            i => expand(&format!("{head}{i}")),
        })
        .collect()
}

/// The module of this crate `path` names from inside `here`, if it names one.
fn resolve(path: &str, here: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut base: Module = here.to_vec();
    let mut rest = parts.as_slice();
    match rest.first().copied() {
        Some("crate" | "ploy_connect") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(child) if modules.contains(&[here, &[child.to_string()]].concat()) => {}
        _ => return None,
    }
    let full: Module = base
        .into_iter()
        .chain(rest.iter().map(|s| s.to_string()))
        .collect();
    (1..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|m| modules.contains(m))
}

/// Who imports whom among this crate's modules.
fn imports(sources: &[Source]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    sources
        .iter()
        .map(|s| {
            let named = s
                .paths
                .iter()
                .filter_map(|p| resolve(p, &s.module, &modules))
                .filter(|m| *m != s.module)
                .collect();
            (s.module.clone(), named)
        })
        .collect()
}

fn under(m: &[String], prefix: &[&str]) -> bool {
    m.len() >= prefix.len() && m.iter().zip(prefix).all(|(a, b)| a == b)
}

#[test]
fn a_face_never_imports_the_other() {
    let sources = sources();
    for (module, named) in imports(&sources) {
        for (face, other) in [("line", "tui"), ("tui", "line")] {
            if under(&module, &[face]) {
                let bad: Vec<_> = named.iter().filter(|m| under(m, &[other])).collect();
                assert!(bad.is_empty(), "{module:?} imports the other face: {bad:?}");
            }
        }
    }
}

/// The strongly connected groups of more than one module, found by Tarjan's algorithm.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit(w: &mut Walk, v: &Module) {
        let i = w.index.len();
        w.index.insert(v.clone(), i);
        w.low.insert(v.clone(), i);
        w.stack.push(v.clone());
        let next: Vec<Module> = w.edges.get(v).into_iter().flatten().cloned().collect();
        for n in next {
            if !w.index.contains_key(&n) {
                visit(w, &n);
                let low = w.low[v].min(w.low[&n]);
                w.low.insert(v.clone(), low);
            } else if w.stack.contains(&n) {
                let low = w.low[v].min(w.index[&n]);
                w.low.insert(v.clone(), low);
            }
        }
        if w.low[v] == w.index[v] {
            let at = w.stack.iter().position(|m| m == v).unwrap();
            let group = w.stack.split_off(at);
            if group.len() > 1 {
                w.found.push(group);
            }
        }
    }
    let mut w = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v) {
            visit(&mut w, v);
        }
    }
    w.found
}

#[test]
fn the_tuis_modules_import_each_other_without_a_cycle() {
    let sources = sources();
    let tui: BTreeMap<Module, BTreeSet<Module>> = imports(&sources)
        .into_iter()
        .filter(|(m, _)| under(m, &["tui"]))
        .map(|(m, named)| {
            (
                m,
                named.into_iter().filter(|n| under(n, &["tui"])).collect(),
            )
        })
        .collect();
    assert!(tui.len() > 10, "{tui:?}");
    assert_eq!(cycles(&tui), Vec::<Vec<Module>>::new());
}

/// What drawing may not name: files, the network, the keyring, the clock, the environment,
/// or the core's workflows that reach them. Slow work is an `Effect`; the time is in the state.
const NOT_IN_VIEWS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "std::time::SystemTime",
    "std::time::Instant",
    "tokio",
    "reqwest",
    "keyring",
    "ploy_core::files",
    "ploy_core::http",
    "ploy_core::secret",
    "ploy_core::session",
    "ploy_core::private",
    "ploy_core::profile::ProfileStore",
    "ploy_core::check::run",
    "ploy_core::check::run_and_remember",
    "ploy_core::check::run_all",
    "ploy_core::setup::prepare",
    "ploy_core::setup::save",
    "ploy_core::setup::remove",
    "ploy_core::setup::rotate",
    "ploy_core::setup::store_after_failed_test",
    "ploy_core::setup::store_untested",
    "ploy_core::setup::stage",
    "ploy_core::setup::promote",
    "ploy_core::setup::generate",
    "ploy_core::setup::public_keys",
    "ploy_core::setup::prune",
    "ploy_core::setup::write_public_key",
];

/// Clock readings, however the type was imported.
const CLOCKS: &[&str] = &["now_utc", "now_local", "Instant::now", "SystemTime::now"];

/// The I/O (or clock) a path names, if it names any.
fn io_named(path: &str) -> Option<&'static str> {
    let p = path.trim_start_matches("::");
    NOT_IN_VIEWS
        .iter()
        .find(|bad| p == **bad || p.starts_with(&format!("{bad}::")))
        .or_else(|| CLOCKS.iter().find(|c| p.ends_with(**c)))
        .copied()
}

/// The views, and what they draw from: text and panel lines, and the layout.
fn drawing(m: &[String]) -> bool {
    under(m, &["tui", "view"])
        || under(m, &["tui", "panel"])
        || under(m, &["tui", "text"])
        || under(m, &["tui", "layout"])
}

#[test]
fn views_do_no_io() {
    let sources = sources();
    let views: Vec<_> = sources.iter().filter(|s| drawing(&s.module)).collect();
    assert!(views.len() > 8, "{}", views.len());
    for s in views {
        for p in &s.paths {
            assert_eq!(
                io_named(p),
                None,
                "{} names {p}: drawing uses the data it is given",
                s.file.display()
            );
        }
    }
}

#[test]
fn the_checks_see_every_way_a_module_is_named() {
    let modules: BTreeSet<Module> = [
        vec!["tui"],
        vec!["tui", "app"],
        vec!["tui", "view"],
        vec!["tui", "view", "check"],
        vec!["line"],
        vec!["line", "print"],
    ]
    .into_iter()
    .map(|m| m.into_iter().map(String::from).collect())
    .collect();
    let here: Module = vec!["line".into(), "print".into()];
    let named = |text: &str| -> BTreeSet<Module> {
        paths(&code(text))
            .iter()
            .filter_map(|p| resolve(p, &here, &modules))
            .collect()
    };
    let tui_app: Module = vec!["tui".into(), "app".into()];
    assert!(named("use crate::{cli, tui::app};").contains(&tui_app));
    assert!(named("use super::super::tui::app::App;").contains(&tui_app));
    assert!(named("fn f() { super::super::tui::app::run(); }").contains(&tui_app));
    assert!(named("use ploy_connect::tui::{self as t};").contains(&vec!["tui".to_string()]));
    // Comments and strings name nothing.
    assert!(named("// crate::tui::app\nconst S: &str = \"crate::tui::app\";").is_empty());
    // A child named from its parent.
    let view: Module = vec!["tui".into(), "view".into()];
    let from_view: BTreeSet<Module> = paths(&code("fn f() { check::draw(); }"))
        .iter()
        .filter_map(|p| resolve(p, &view, &modules))
        .collect();
    assert!(from_view.contains(&vec!["tui".into(), "view".into(), "check".into()]));
    // A cycle through a parent is a cycle.
    let edges: BTreeMap<Module, BTreeSet<Module>> = [
        (
            view.clone(),
            [vec!["tui".into(), "view".into(), "check".into()]].into(),
        ),
        (
            vec!["tui".into(), "view".into(), "check".into()],
            [view.clone()].into(),
        ),
    ]
    .into();
    assert_eq!(cycles(&edges).len(), 1);
    // I/O however it is named.
    for text in [
        "use std::fs::read;",
        "use std::{fs, io};",
        "fn f() { let _ = ::std::net::TcpStream::connect(a); }",
        "use ploy_core::setup::{self, save};",
        "fn f() { let t = time::OffsetDateTime::now_utc(); }",
        "use tokio::task;",
    ] {
        assert!(
            paths(&code(text)).iter().any(|p| io_named(p).is_some()),
            "{text}"
        );
    }
    assert!(
        paths(&code(
            "use ploy_core::setup::kept_message; use std::io::Write;"
        ))
        .iter()
        .all(|p| io_named(p).is_none())
    );
}
