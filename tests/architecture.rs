//! The dependency rules, checked so that breaking one fails the build's tests: the core knows
//! no face and no emulator; the emulator knows nothing of the client it tests; a face never
//! imports the other face.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Whether `text` names module `other` of this crate: `crate::other`, or inside a grouped
/// `use crate::{…, other, …}`.
fn names_module(text: &str, other: &str) -> bool {
    let word = |s: &str| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == other)
    };
    text.contains(&format!("crate::{other}"))
        || text.contains(&format!("ploy_connect::{other}"))
        || text.match_indices("crate::{").any(|(at, _)| {
            let group = &text[at..];
            group.find('}').is_some_and(|end| word(&group[8..end]))
        })
}

fn assert_no_import(face: &str, other: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(face);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !names_module(&text, other),
            "{} imports the other face ({other})",
            f.display()
        );
    }
}

#[test]
fn the_import_check_sees_grouped_imports() {
    assert!(names_module("use crate::{cli, tui::app};", "tui"));
    assert!(names_module("use crate::tui::app;", "tui"));
    assert!(!names_module("use crate::{cli, terminal};", "tui"));
}

#[test]
fn a_face_never_imports_the_other() {
    assert_no_import("line", "tui");
    assert_no_import("tui", "line");
}
