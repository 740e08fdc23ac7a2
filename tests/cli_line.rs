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

/// Whether this machine lets processes use the kernel keyring (a container's seccomp
/// profile may not); CI requires it.
fn keyutils_usable() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: KEYCTL_GET_KEYRING_ID (0) of the user keyring (-4), without creating it.
        let id = unsafe { libc::syscall(libc::SYS_keyctl, 0, -4, 0) };
        if id >= 0 {
            return true;
        }
    }
    let required = std::env::var("PLOY_CONNECT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PLOY_CONNECT_REQUIRE_TOOLS=1 but the kernel keyring is not usable here"
    );
    eprintln!("skipping: the kernel keyring is not usable here");
    false
}

/// A command line as printed, run by a shell in the same home, with the binary on PATH.
fn run_printed(env: &Env, line: &str) -> (i32, String, String) {
    let bin_dir = std::path::Path::new(common::BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut sh = std::process::Command::new("sh");
    sh.env_clear();
    for (k, v) in env.std_cmd().get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    sh.env("PATH", path).arg("-c").arg(line);
    run(&mut assert_cmd::Command::from_std(sh))
}

/// The "Run: …" commands and the like in `text`.
fn printed_commands(text: &str, marker: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(marker).map(|(_, c)| c.trim().to_string()))
        .collect()
}

/// Item 1: with `--config-dir` (a path that needs quoting) and `--secret-store`, every
/// command ploy-connect suggests runs as printed: it finds the same profile in the same place.
#[test]
fn suggested_commands_run_as_printed_with_the_same_config_dir_and_keyring() {
    if !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let cfg = env.home.path().join("my cfg");
    let cfg = cfg.to_str().unwrap();
    let globals = ["--config-dir", cfg, "--secret-store", "keyutils"];
    let t = tenant(5, &["onetrust:missing-user-scope"]);
    let profile = format!("line-{}", std::process::id());
    let (code, _, err) = run(env
        .cmd()
        .args(globals)
        .args([
            "setup",
            "onetrust",
            "--profile",
            &profile,
            "--host",
            &t.host,
        ])
        .args([
            "--client-id",
            &t.client_id,
            "--client-secret-stdin",
            "--no-test",
        ])
        .write_stdin(t.client_secret.clone()));
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = run(env.cmd().args(globals).args(["test", &profile]));
    assert_eq!(code, 1, "{out}{err}");
    let suggested = printed_commands(&out, "Run: ");
    assert!(!suggested.is_empty(), "{out}");
    for line in &suggested {
        assert!(line.contains("--config-dir"), "{line}");
        let (code, out, err) = run_printed(&env, line);
        assert!(!err.contains("no profile named"), "{line}: {err}");
        assert_eq!(code, 1, "{line} runs the same test again: {out}{err}");
        assert!(out.contains("onetrust.missing_user_scope"), "{line}: {out}");
    }

    let (code, out, err) = run(env.cmd().args(globals).arg("status"));
    assert_eq!(code, 1, "{out}{err}");
    let suggested = printed_commands(&out, "For the steps and the fix: ");
    assert_eq!(suggested.len(), 1, "{out}");
    let (code, out, err) = run_printed(&env, &suggested[0]);
    assert_eq!(code, 1, "{}: {out}{err}", suggested[0]);
    assert!(out.contains(&profile), "{out}");

    let (code, _, err) = run(env.cmd().args(globals).args(["test", "nope"]));
    assert_eq!(code, 2, "{err}");
    let suggested = printed_commands(&err, "see: ");
    let line = suggested[0].trim_end_matches(')');
    let (code, out, err) = run_printed(&env, line);
    assert_eq!(code, 0, "{line}: {err}");
    assert!(out.contains(&profile), "{line} lists the profile: {out}");

    let (code, _, err) = run(env
        .cmd()
        .args(globals)
        .args(["profiles", "remove", &profile, "--yes"]));
    assert_eq!(code, 0, "{err}");
}
