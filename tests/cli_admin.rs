//! The line mode's traps from issue 9, with the real binary and no keyring: removal without
//! a terminal, help that answers questions, completions and a man page, lists that read as
//! words, and diagnoses in the order an admin acts on them.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use predicates::prelude::*;

use common::{Env, tenant};

/// A profiles file written by hand: one OneTrust profile whose last test failed 3 days ago,
/// one Okta profile that passed 5 minutes ago.
fn with_profiles(env: &Env) {
    let now = time::OffsetDateTime::now_utc();
    let at = |d: time::Duration| {
        (now - d)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let text = format!(
        r#"schema_version = 1

[profiles.acme]
integration = "onetrust"
host = "acme.my.onetrust.com"
client_id = "3d8efc3b94ed49628482eb2ab5e3bc8g"
secret_ref = "r1"
created = "2026-01-01T00:00:00Z"
updated = "2026-01-01T00:00:00Z"
secret_stored = "{stored}"

[profiles.acme.last_test]
ok = false
at = "{failed}"
code = "onetrust.invalid_client"

[profiles.corp]
integration = "okta"
host = "corp.okta.com"
client_id = "0oa1b2c3d4e5f6g7h8i9"
secret_ref = "r2"
created = "2026-01-01T00:00:00Z"
updated = "2026-01-01T00:00:00Z"

[profiles.corp.last_test]
ok = true
at = "{passed}"
users_seen = 250

[profiles.corp.okta]
dpop = true
scopes = ["okta.users.read"]
"#,
        stored = at(time::Duration::days(40)),
        failed = at(time::Duration::days(3)),
        passed = at(time::Duration::minutes(5)),
    );
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.profiles_file(), text).unwrap();
}

#[test]
fn removing_a_profile_without_a_terminal_needs_yes() {
    let env = Env::without_keyring();
    with_profiles(&env);
    env.cmd()
        .args(["profiles", "remove", "acme"])
        .write_stdin("n\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    let left = std::fs::read_to_string(env.profiles_file()).unwrap();
    assert!(left.contains("[profiles.acme]"), "nothing removed");
}

#[test]
fn profiles_list_reads_as_words_and_ls_is_list() {
    let env = Env::without_keyring();
    with_profiles(&env);
    for verb in ["list", "ls"] {
        env.cmd()
            .args(["profiles", verb])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("OneTrust")
                    .and(predicate::str::contains("Okta "))
                    .and(predicate::str::contains(
                        "failed 3 days ago: OneTrust rejected the client credentials",
                    ))
                    .and(predicate::str::contains("passed 5 min ago, 250 users"))
                    .and(predicate::str::contains("onetrust.invalid_client").not())
                    .and(predicate::str::contains("T00:00").not()),
            );
    }
    env.cmd()
        .args(["profiles", "show", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("40 days ago"));
}

#[test]
fn profiles_json_is_versioned_and_as_documented() {
    let env = Env::without_keyring();
    with_profiles(&env);
    let json = |args: &[&str]| {
        let out = env.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let list = json(&["profiles", "list", "--json"]);
    common::assert_documented("profiles list --json", &list);
    assert_eq!(list["schema_version"], 1);
    let names: Vec<_> = list["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "corp"]);
    assert_eq!(list["profiles"][1]["last_test"]["users_seen"], 250);
    let shown = json(&["profiles", "show", "corp", "--json"]);
    common::assert_documented("profiles show NAME --json", &shown);
    assert_eq!(shown["schema_version"], 1);
}

#[test]
fn help_and_the_man_page_list_exit_codes_environment_and_json_from_one_table() {
    let env = Env::without_keyring();
    let help = |args: &[&str]| {
        let out = env.cmd().args(args).arg("--help").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&[]);
    for (code, _) in ploy_connect::docs::exit_codes() {
        assert!(top.contains(&format!("  {code} ")), "exit {code}:\n{top}");
    }
    for v in ploy_connect::docs::ENVIRONMENT {
        assert!(top.contains(v.name), "{}:\n{top}", v.name);
    }
    for (cmd, vars, json) in [
        (
            &["test"][..],
            &["PLOY_CONNECT_PRIVATE_KEY", "HTTPS_PROXY", "SSL_CERT_FILE"][..],
            "test --json",
        ),
        (
            &["users"],
            &[
                "PLOY_CONNECT_CLIENT_SECRET",
                "PLOY_CONNECT_PAGES_IN_FLIGHT",
                "NO_PROXY",
            ],
            "users --format json",
        ),
        (
            &["status"],
            &["HTTPS_PROXY", "PLOY_CONNECT_LOG"],
            "status --json",
        ),
        (
            &["profiles", "list"],
            &["PLOY_CONNECT_CONFIG_DIR"],
            "profiles list --json",
        ),
        (
            &["setup", "okta"],
            &["PLOY_CONNECT_PRIVATE_KEY"],
            "test --json",
        ),
    ] {
        let text = help(cmd);
        for v in vars {
            assert!(text.contains(v), "{cmd:?} --help lacks {v}:\n{text}");
        }
        assert!(
            text.contains(&format!("JSON ({json}, schema_version 1)")),
            "{cmd:?}:\n{text}"
        );
    }
    assert!(!help(&["status"]).contains("PLOY_CONNECT_PAGES_IN_FLIGHT"));
    let out = env.cmd().arg("man").output().unwrap();
    let man = String::from_utf8(out.stdout).unwrap();
    for section in [
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH \"JSON OUTPUT\"",
    ] {
        assert!(man.contains(section), "{section}:\n{man}");
    }
    assert!(
        man.contains("PLOY_CONNECT_PAGES_IN_FLIGHT") && man.contains("128+N"),
        "{man}"
    );
    // The reference is in its own sections, not again in EXTRA.
    assert_eq!(
        man.matches("PLOY_CONNECT_PAGES_IN_FLIGHT").count(),
        1,
        "{man}"
    );
}

#[test]
fn every_flag_and_argument_has_help_and_global_options_are_listed_once() {
    fn walk(cmd: &clap::Command, path: &str) {
        for arg in cmd.get_arguments() {
            if arg.is_hide_set() || ["help", "version"].contains(&arg.get_id().as_str()) {
                continue;
            }
            assert!(
                arg.get_help()
                    .is_some_and(|h| !h.to_string().trim().is_empty()),
                "{path} {}: no help text",
                arg.get_id()
            );
        }
        for sub in cmd.get_subcommands() {
            assert!(
                sub.get_about().is_some(),
                "{path} {}: no about",
                sub.get_name()
            );
            walk(sub, &format!("{path} {}", sub.get_name()));
        }
    }
    walk(&ploy_connect::cli::command(), "ploy-connect");

    let env = Env::without_keyring();
    env.cmd()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("--config-dir").and(predicate::str::contains("--plain")));
    let options = |out: &[u8]| {
        let text = String::from_utf8_lossy(out).to_string();
        text.split("Options:")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    for sub in [
        &["test"][..],
        &["profiles", "list"],
        &["status"],
        &["users"],
    ] {
        let out = env.cmd().args(sub).arg("--help").output().unwrap();
        let opts = options(&out.stdout);
        assert!(
            !opts.contains("--config-dir <DIR>") && !opts.contains("--plain  "),
            "{sub:?} repeats the global options:\n{opts}"
        );
    }
    // Still accepted after the subcommand.
    let dir = env.home.path().join("elsewhere");
    env.cmd()
        .args(["profiles", "list", "--plain", "--config-dir"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("No profiles yet"));
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line() {
    let env = Env::without_keyring();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        env.cmd()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("ploy-connect")
                    .and(predicate::str::contains("status"))
                    .and(predicate::str::contains("rotate")),
            );
    }
    env.cmd()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
    env.cmd().arg("man").assert().success().stdout(
        predicate::str::starts_with(".ie")
            .or(predicate::str::contains(".TH"))
            .and(predicate::str::contains("status")),
    );
}

#[test]
fn setup_without_a_vendor_and_without_a_terminal_names_both() {
    let env = Env::without_keyring();
    env.cmd()
        .args(["setup", "--plain"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("setup onetrust").and(predicate::str::contains("setup okta")),
        );
}

#[test]
fn a_failure_reads_title_fix_command_why_then_what_was_said() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let out = env
        .setup("acme", &t, &t.client_secret)
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let at = |needle: &str| {
        err.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing in\n{err}"))
    };
    let order = [
        at("No usable OS keyring"),
        at("Fix: "),
        at("Run: "),
        at("Why: "),
        at("Detail: "),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{err}");
    assert_eq!(
        err.to_lowercase().matches("no usable os keyring").count(),
        1,
        "said once:\n{err}"
    );
}

#[test]
fn status_without_profiles_says_how_to_make_one() {
    let env = Env::without_keyring();
    env.cmd()
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("ploy-connect setup"));
    env.cmd()
        .args(["status", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile named \"nope\""));
}
