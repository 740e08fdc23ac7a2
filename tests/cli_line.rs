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

/// Item 14: `profiles show` says DPoP, scopes and the key ID (also as JSON); `profiles set`
/// changes them, `profiles rename` moves the secret with the name, `--dpop --no-dpop` is a
/// usage error, and `profiles list` says when a secret is missing from the keyring.
#[test]
fn profiles_show_set_rename_and_say_a_missing_secret() {
    if !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let cfg = env.home.path().join("cfg");
    let cfg = cfg.to_str().unwrap();
    let globals = ["--config-dir", cfg, "--secret-store", "keyutils"];
    let t = tenant(4, &[]);
    let pid = std::process::id();
    let (old, new) = (format!("okta-{pid}"), format!("renamed-{pid}"));
    let key = env.file("okta-key.pem", &t.okta.private_key_pem);
    let (code, _, err) = run(env
        .cmd()
        .args(globals)
        .args(["setup", "okta", "--profile", &old, "--host", &t.okta.host])
        .args(["--client-id", &t.okta.client_id, "--private-key-file"])
        .arg(&key)
        .args(["--key-id", &t.okta.key_id, "--no-test", "--no-dpop"])
        .args(["--scopes", "okta.users.read okta.groups.read"]));
    assert_eq!(code, 0, "{err}");

    let show = |name: &str| {
        let (code, out, err) = run(env
            .cmd()
            .args(globals)
            .args(["profiles", "show", name, "--json"]));
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        common::assert_documented("profiles show NAME --json", &v);
        v
    };
    let v = show(&old);
    assert_eq!(v["dpop"], false);
    assert_eq!(
        v["scopes"],
        serde_json::json!(["okta.users.read", "okta.groups.read"])
    );
    assert_eq!(v["key_id"], t.okta.key_id.as_str());
    assert_eq!(v["secret_in_keyring"], true);
    let (_, out, _) = run(env.cmd().args(globals).args(["profiles", "show", &old]));
    for line in [
        "DPoP:        off",
        "scopes:      okta.users.read okta.groups.read",
    ] {
        assert!(out.contains(line), "{out}");
    }
    assert!(
        out.contains(&format!("key ID:      {}", t.okta.key_id)),
        "{out}"
    );

    // Both at once is a usage error, in setup and in set.
    let (code, _, err) =
        run(env
            .cmd()
            .args(globals)
            .args(["profiles", "set", &old, "--dpop", "--no-dpop"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(env.cmd().args(globals).args([
        "setup",
        "okta",
        "--profile",
        &old,
        "--dpop",
        "--no-dpop",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");

    let dpop = if t.okta.dpop { "--dpop" } else { "--no-dpop" };
    let (code, _, err) = run(env.cmd().args(globals).args([
        "profiles",
        "set",
        &old,
        dpop,
        "--scopes",
        "okta.users.read",
    ]));
    assert_eq!(code, 0, "{err}");
    let v = show(&old);
    assert_eq!(v["dpop"], t.okta.dpop);
    assert_eq!(v["scopes"], serde_json::json!(["okta.users.read"]));
    let (code, _, err) = run(env.cmd().args(globals).args([
        "profiles",
        "set",
        &old,
        "--scopes",
        "okta.groups.read",
    ]));
    assert_eq!(code, 2, "the users scope stays required: {err}");

    let (code, _, err) = run(env
        .cmd()
        .args(globals)
        .args(["profiles", "rename", &old, &new]));
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(env.cmd().args(globals).args(["profiles", "show", &old]));
    assert_eq!(code, 2, "the old name is gone");
    assert_eq!(show(&new)["secret_in_keyring"], true);
    let (code, out, err) = run(env.cmd().args(globals).args(["test", &new]));
    assert_eq!(code, 0, "the key moved with the name: {out}{err}");

    // The keyring entry goes missing (the profile now names an entry nobody stored).
    let file = std::path::Path::new(cfg).join("profiles.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let text = original
        .lines()
        .map(|l| {
            if l.starts_with("secret_ref") {
                "secret_ref = \"gone0000000000000000\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = run(env.cmd().args(globals).args(["profiles", "list"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("missing from the keyring"), "{out}");
    assert!(
        !out.contains("min ago") && !out.contains("just now"),
        "{out}"
    );
    assert!(err.contains("rotate"), "{err}");
    let (_, out, _) = run(env.cmd().args(globals).args(["profiles", "list", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    common::assert_documented("profiles list --json", &v);
    assert_eq!(v["profiles"][0]["secret_in_keyring"], false);
    // Put back, so that removing the profile deletes its entry from the kernel keyring.
    std::fs::write(&file, original).unwrap();
    let (code, _, err) = run(env
        .cmd()
        .args(globals)
        .args(["profiles", "remove", &new, "--yes"]));
    assert_eq!(code, 0, "{err}");
}

/// Item 7: scopes without the users scope get a title that says so, not a generic one.
#[test]
fn scopes_without_the_users_scope_are_named_in_the_title() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let key = env.file("okta-key.pem", &t.okta.private_key_pem);
    let (code, _, err) = run(env
        .cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args(["--client-id", &t.okta.client_id, "--private-key-file"])
        .arg(&key)
        .args(["--scopes", "okta.groups.read", "--no-test"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("The scopes leave out okta.users.read  [okta.scopes_without_users]"),
        "{err}"
    );
    assert!(!err.contains("A setting is not valid"), "{err}");
}

/// Item 8: an https:// address of a plain-HTTP server (the emulator) is diagnosed as such,
/// not as a certificate problem.
#[test]
fn plain_http_behind_an_https_address_is_not_a_certificate_problem() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let host = format!("https://{}", t.host);
    let (code, out, err) = run(env
        .cmd()
        .args(["test", "--vendor", "onetrust", "--host", &host])
        .args(["--client-id", &t.client_id])
        .env("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("[tls.plain_http]"), "{out}");
    assert!(out.contains("plain HTTP"), "{out}");
    assert!(!out.contains("root certificate"), "{out}");
}

/// Item 12: what `--help` shows at 80 columns wraps no example inside a `$(…)`, and the top
/// man page names commands, not pages that only `man --out-dir` writes.
#[test]
fn help_examples_fit_80_columns_and_the_man_page_names_no_missing_page() {
    let env = Env::without_keyring();
    let (code, out, _) = run(env.cmd().arg("--help").env("COLUMNS", "80"));
    assert_eq!(code, 0);
    for line in out.lines().filter(|l| l.contains("$(")) {
        assert_eq!(
            line.matches("$(").count(),
            line.matches(')').count(),
            "a $(…) cut by wrapping: {line}"
        );
    }
    assert!(out.contains("ploy-connect setup onetrust \\"), "{out}");
    let (code, page, _) = run(env.cmd().arg("man"));
    assert_eq!(code, 0);
    assert!(
        !page.contains("(1)"),
        "the single page refers to other pages:\n{page}"
    );
    assert!(page.contains("ploy\\-connect setup"), "{page}");
}

/// The real binary in tmux at 80×24, without a keyring; returns the screen once it ended.
fn at_80_columns(env: &Env, extra_env: &str, args: &str) -> String {
    if !common::tools_available(&["tmux"]) {
        return String::new();
    }
    let shell_env = format!(
        "{} DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent {extra_env}",
        env.shell_env()
    );
    let t = common::tmux::Tmux::start_sized(&shell_env, &format!("{} {args}", common::BIN), 80, 24);
    let screen = t.wait_for("EXIT=");
    screen[..screen.find("EXIT=").unwrap()].to_string()
}

/// Profiles whose rows are far wider than 80 columns.
fn wide_profiles(env: &Env) -> Vec<String> {
    let names: Vec<String> = (1..=3).map(|i| format!("tenant-{i}")).collect();
    let mut text = String::from("schema_version = 1\n");
    for (i, name) in names.iter().enumerate() {
        text.push_str(&format!(
            r#"
[profiles.{name}]
integration = "onetrust"
host = "a-rather-long-tenant-name-number-{i}.my.onetrust.com"
client_id = "3d8efc3b94ed49628482eb2ab5e3bc8{i}"
secret_ref = "r{i}"
created = "2026-01-01T00:00:00Z"
updated = "2026-01-01T00:00:00Z"
secret_stored = "2026-01-01T00:00:00Z"

[profiles.{name}.last_test]
ok = false
at = "2026-01-02T00:00:00Z"
code = "onetrust.missing_user_scope"
"#
        ));
    }
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.profiles_file(), text).unwrap();
    names
}

/// Item 12: at 80 columns a row of `profiles list` and `status` is one line: the wide
/// columns are cut with "…" rather than wrapped into broken lines.
#[test]
fn tables_fit_80_columns() {
    let env = Env::without_keyring();
    let names = wide_profiles(&env);
    for (args, header) in [("profiles list", "NAME"), ("status", "NAME")] {
        let screen = at_80_columns(&env, "", args);
        if screen.is_empty() {
            return;
        }
        let lines: Vec<&str> = screen.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains(header) && l.contains("HOST"))
            .unwrap_or_else(|| panic!("{args}: no table:\n{screen}"));
        let rows: Vec<&str> = lines[at + 1..]
            .iter()
            .copied()
            .take_while(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(rows.len(), names.len(), "{args}: a row wrapped:\n{screen}");
        for (row, name) in rows.iter().zip(&names) {
            assert!(row.contains(name.as_str()), "{args}: {row}\n{screen}");
            assert!(row.chars().count() < 80, "{args}: {row}");
        }
        assert!(screen.contains('…'), "{args}: nothing cut:\n{screen}");
    }
}

/// Item 12: at 80 columns a diagnosis wraps between words: no line fills the terminal (a line
/// the terminal wrapped itself does), and the command stays whole.
#[test]
fn diagnoses_wrap_at_word_boundaries_at_80_columns() {
    let env = Env::without_keyring();
    let t = tenant(1, &["onetrust:missing-user-scope"]);
    let screen = at_80_columns(
        &env,
        &format!("PLOY_CONNECT_CLIENT_SECRET='{}'", t.client_secret),
        &format!(
            "test --vendor onetrust --host {} --client-id {}",
            t.host, t.client_id
        ),
    );
    if screen.is_empty() {
        return;
    }
    assert!(screen.contains("[onetrust.missing_user_scope]"), "{screen}");
    assert!(screen.contains("Why: "), "{screen}");
    for line in screen.lines() {
        assert!(
            line.chars().count() < 80,
            "wrapped by the terminal: {line}\n{screen}"
        );
    }
}

/// Item 12: the DPoP question of a line-mode Okta setup on an 80-column terminal is printed
/// once (a prompt that wraps is drawn again).
#[test]
fn the_dpop_question_prints_once_at_80_columns() {
    if !common::tools_available(&["tmux"]) || !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let key = env.file("okta-key.pem", &t.okta.private_key_pem);
    let cfg = env.home.path().join("cfg");
    let shell_env = format!(
        "{} DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
        env.shell_env()
    );
    let args = format!(
        "{} --config-dir {} --secret-store keyutils setup okta --profile dpop-{} --host {} --client-id {} --private-key-file {} --no-test",
        common::BIN,
        cfg.display(),
        std::process::id(),
        t.okta.host,
        t.okta.client_id,
        key.display()
    );
    let tm = common::tmux::Tmux::start_sized(&shell_env, &args, 80, 24);
    let screen = tm.wait_for("[Y/n]");
    assert_eq!(
        screen.matches("Does the app require DPoP?").count(),
        1,
        "{screen}"
    );
    tm.keys(&["n"]);
    tm.wait_for("Scopes to request");
    tm.keys(&["Enter"]);
    tm.wait_for("Key ID");
    tm.keys(&["Enter"]);
    let screen = tm.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_eq!(
        screen.matches("Does the app require DPoP?").count(),
        1,
        "{screen}"
    );
    let (code, _, err) = run(env.cmd().args([
        "--config-dir",
        cfg.to_str().unwrap(),
        "--secret-store",
        "keyutils",
        "profiles",
        "remove",
        &format!("dpop-{}", std::process::id()),
        "--yes",
    ]));
    assert_eq!(code, 0, "{err}");
}

/// What `shell` offers for the last of `words` (the word being completed, maybe empty), using
/// the script `completions SHELL` prints, run by the real shell with the binary on PATH.
fn complete_in(shell: &str, env: &Env, script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let program = match shell {
        "bash" => format!(
            r#"source '{}'
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_TYPE=9; COMPREPLY=()
_clap_complete_ploy_connect ploy-connect "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            script.display()
        ),
        // Outside a completion widget: compdef is not needed, and _describe prints what it
        // would offer.
        "zsh" => format!(
            r#"compdef() {{ :; }}
_describe() {{ local name=$3; print -l -- ${{(P)name}}; }}
source '{}'
words=("$@"); CURRENT=$#
_clap_dynamic_completer_ploy_connect"#,
            script.display()
        ),
        "fish" => format!(
            r#"source '{}'; complete -C (string join ' ' -- $argv)"#,
            script.display()
        ),
        other => panic!("{other}"),
    };
    let bin_dir = std::path::Path::new(common::BIN).parent().unwrap();
    let mut cmd = std::process::Command::new(shell);
    cmd.env_clear();
    for (k, v) in env.std_cmd().get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env(
        "PATH",
        format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    match shell {
        "zsh" => cmd.arg("-f"),
        "fish" => cmd.arg("--no-config"),
        _ => cmd.arg("--norc"),
    };
    cmd.arg("-c").arg(&program);
    if shell != "fish" {
        cmd.arg(shell);
    }
    cmd.args(words);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split(['\t', ':'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Item 2: completion in bash, zsh and fish, through the scripts `completions` prints (the
/// program name has a hyphen): subcommands, flags, values and the profiles of the config dir
/// given on the line or in PLOY_CONNECT_CONFIG_DIR.
#[test]
fn completions_work_in_bash_zsh_and_fish_with_profile_names() {
    if !common::tools_available(&["bash", "zsh", "fish"]) {
        return;
    }
    let env = Env::without_keyring();
    let names = wide_profiles(&env);
    let cfg = env.config_dir();
    let cfg = cfg.to_str().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, err) = run(env.cmd().args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        let path = env.home.path().join(format!("completion.{shell}"));
        std::fs::write(&path, script).unwrap();
        let offered = |words: &[&str]| complete_in(shell, &env, &path, words);
        let has = |words: &[&str], want: &[&str]| {
            let got = offered(words);
            for w in want {
                assert!(
                    got.iter().any(|g| g == w),
                    "{shell} {words:?}: {w} not in {got:?}"
                );
            }
        };
        has(&["ploy-connect", "te"], &["test"]);
        has(&["ploy-connect", "setup", "o"], &["onetrust", "okta"]);
        has(&["ploy-connect", "test", "--"], &["--json", "--vendor"]);
        has(&["ploy-connect", "users", "--f"], &["--format"]);
        has(
            &["ploy-connect", "users", "x", "--format", ""],
            &["csv", "json"],
        );
        let profiles: Vec<&str> = names.iter().map(String::as_str).collect();
        has(
            &["ploy-connect", "--config-dir", cfg, "test", ""],
            &profiles,
        );
        has(&["ploy-connect", "profiles", "show", "tenant-"], &profiles);
        has(&["ploy-connect", "rotate", ""], &profiles);
    }
}
