//! Issue 20's line-mode traps, with the real binary: exports that follow the file's name,
//! export errors in words, suggested commands that run as printed, completions in real shells,
//! profiles that say everything about themselves, and output that fits 80 columns.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::{Env, tenant};

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `users` for a run with the secret in the environment (nothing stored, no keyring).
fn export(env: &Env, t: &common::Tenant, extra: &[&str]) -> (i32, String, String) {
    run(env
        .cmd()
        .current_dir(env.home.path())
        .args(["users", "--vendor", "onetrust", "--host", &t.host])
        .args(["--client-id", &t.client_id])
        .args(extra)
        .env("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret))
}

/// Item 3: `-o guess.json` writes JSON; a `--format` that contradicts the name is a usage
/// error and writes nothing.
#[test]
fn the_file_extension_picks_the_format_and_a_contradiction_is_refused() {
    let env = Env::without_keyring();
    let t = tenant(5, &[]);
    let (code, _, err) = export(&env, &t, &["-o", "guess.json"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(env.home.path().join("guess.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON in a .json file");
    assert_eq!(doc["users"].as_array().unwrap().len(), 5);

    let (code, _, err) = export(&env, &t, &["-o", "list.csv"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(env.home.path().join("list.csv")).unwrap();
    assert!(!text.starts_with('{'), "{text}");

    let (code, _, err) = export(&env, &t, &["-o", "other.json", "--format", "csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--format csv") && err.contains(".json"),
        "{err}"
    );
    assert!(!env.home.path().join("other.json").exists());
}

/// Item 13: a `~` the shell left alone is the home folder; a failed export names the file
/// asked for (never the temporary beside it) and says what went wrong in words.
#[test]
fn export_paths_expand_the_home_and_errors_name_the_target_in_words() {
    let env = Env::without_keyring();
    let t = tenant(3, &[]);
    let (code, _, err) = export(&env, &t, &["--output=~/x.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(env.home.path().join("x.json").is_file(), "{err}");
    assert!(
        err.contains(&env.home.path().join("x.json").display().to_string()),
        "{err}"
    );

    let (code, _, err) = export(&env, &t, &["-o", "no-such-dir/out.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such-dir/out.csv"), "{err}");
    assert!(err.contains("folder does not exist"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert!(
        !err.contains(".ploy-connect-"),
        "never the temporary: {err}"
    );
}
