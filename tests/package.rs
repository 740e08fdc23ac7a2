//! What an install gets: the license files the manifest names, a release binary without its
//! debug info, the README's install building exactly the tested versions, and a .deb that puts
//! the man pages and completions where man and the shells look for them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn manifest() -> toml::Table {
    read("Cargo.toml").parse().unwrap()
}

fn at<'a>(table: &'a toml::Table, path: &[&str]) -> &'a toml::Value {
    let (last, parents) = path.split_last().unwrap();
    let parent = parents.iter().fold(table, |t, key| {
        t.get(*key)
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("Cargo.toml has no [{}]", path.join(".")))
    });
    parent
        .get(*last)
        .unwrap_or_else(|| panic!("Cargo.toml has no {}", path.join(".")))
}

#[test]
fn the_license_files_the_manifest_names_are_there() {
    let doc = manifest();
    assert_eq!(
        at(&doc, &["workspace", "package", "license"]).as_str(),
        Some("MIT OR Apache-2.0")
    );
    for (file, text) in [
        (
            "LICENSE-MIT",
            "Permission is hereby granted, free of charge",
        ),
        (
            "LICENSE-APACHE",
            "Apache License\n                        Version 2.0",
        ),
    ] {
        let license = read(file);
        assert!(license.contains(text), "{file} is not the standard text");
        assert!(
            license.contains("Copyright (c) the ploy-connect authors")
                || license.contains("Copyright the ploy-connect authors"),
            "{file} names no copyright holder"
        );
    }
}

#[test]
fn the_installed_binary_carries_no_debug_info() {
    let doc = manifest();
    let strip = at(&doc, &["profile", "release", "strip"]);
    assert!(
        matches!(strip.as_str(), Some("debuginfo" | "symbols")) || strip.as_bool() == Some(true),
        "{strip}"
    );
}

#[test]
fn the_readme_installs_the_versions_ci_tested() {
    let readme = read("README.md");
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(!readme.contains("cargo install --path ."));
    assert!(readme.contains("packaging/deb.sh"));
}

#[test]
fn the_deb_installs_man_pages_and_completions_where_they_are_looked_for() {
    let doc = manifest();
    let deb = at(&doc, &["package", "metadata", "deb"])
        .as_table()
        .unwrap();
    assert!(
        deb.get("recommends")
            .and_then(toml::Value::as_str)
            .is_some_and(|r| r.contains("gnome-keyring")),
        "a Secret Service is recommended"
    );
    let destinations: Vec<&str> = deb["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_array().unwrap()[1].as_str().unwrap())
        .collect();
    for dir in [
        "usr/bin/",
        "usr/share/man/man1/",
        "usr/share/bash-completion/completions/",
        "usr/share/zsh/vendor-completions/",
        "usr/share/fish/vendor_completions.d/",
    ] {
        assert!(
            destinations.iter().any(|d| d.starts_with(dir)),
            "nothing goes to /{dir}: {destinations:?}"
        );
    }
    // What the package takes from target/ is what the script generates there.
    let script = read("packaging/deb.sh");
    assert!(script.contains("man --out-dir"));
    for shell in ["bash", "zsh", "fish"] {
        assert!(script.contains(&format!("completions {shell}")), "{shell}");
    }
    assert!(script.contains("cargo deb") && script.contains("--no-build"));
}
