//! `--version` and the man pages name the commit and the day of the build, so an admin's bug
//! report says which build it is. The commit comes from git when this source is its own git
//! checkout, and is "unknown" otherwise (a source tarball, a vendored copy, no git installed):
//! the build never fails for it and never touches the network.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Debian and other reproducible builds pin the date through this.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = if own_checkout(&root) {
        // Without these, Cargo would run this script again only when build.rs changes, and a
        // new commit would keep the old name.
        for path in head_files(&root) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        git(&root, &["rev-parse", "--short=12", "HEAD"])
    } else {
        None
    };
    println!(
        "cargo:rustc-env=PLOY_CONNECT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=PLOY_CONNECT_BUILD_DATE={}", build_date());
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// Whether `root` is the top of a git work tree, not a folder inside someone else's
/// repository (a copy vendored into another project must not take that project's commit).
fn own_checkout(root: &Path) -> bool {
    let top = git(root, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    match (top.and_then(|t| t.canonicalize().ok()), root.canonicalize()) {
        (Some(top), Ok(root)) => top == root,
        _ => false,
    }
}

/// The files that change when HEAD moves: HEAD itself (a worktree has its own), the branch it
/// names, and packed-refs. Only existing ones: Cargo reruns the script on every build for a
/// path that does not exist.
fn head_files(root: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    names.extend(git(root, &["symbolic-ref", "-q", "HEAD"]));
    names
        .iter()
        .filter_map(|name| git(root, &["rev-parse", "--git-path", name]))
        .map(|p| root.join(p))
        .filter(|p| p.is_file())
        .collect()
}

/// YYYY-MM-DD, UTC: SOURCE_DATE_EPOCH when set, else today.
fn build_date() -> String {
    let at = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    )
}
