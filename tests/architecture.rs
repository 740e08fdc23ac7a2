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
    for banned in ["ploy-connect", "ploy-core", "reqwest"] {
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

fn assert_no_import(face: &str, other: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(face);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for needle in [format!("crate::{other}"), format!("ploy_connect::{other}")] {
            assert!(
                !text.contains(&needle),
                "{} imports the other face ({needle})",
                f.display()
            );
        }
    }
}

#[test]
fn a_face_never_imports_the_other() {
    assert_no_import("line", "tui");
    assert_no_import("tui", "line");
}
