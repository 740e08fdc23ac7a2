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
            // The script asks the binary for candidates (`tests/cli_line.rs` runs the shells).
            .stdout(
                predicate::str::contains("ploy-connect")
                    .and(predicate::str::contains(ploy_connect::cli::COMPLETE_VAR)),
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

/// Every page `man --out-dir` should write: one per command a user can type, `help` aside.
fn man_pages(cmd: &clap::Command, name: &str, into: &mut Vec<String>) {
    into.push(format!("{name}.1"));
    for sub in cmd.get_subcommands() {
        if !sub.is_hide_set() && sub.get_name() != "help" {
            man_pages(sub, &format!("{name}-{}", sub.get_name()), into);
        }
    }
}

/// The pages a roff text refers to as `name(1)`, read the way `man` shows them (`\-` is `-`,
/// font changes dropped).
fn man_references(roff: &str) -> Vec<String> {
    let shown = roff
        .replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "");
    shown
        .match_indices("(1)")
        .filter_map(|(at, _)| {
            let before = &shown[..at];
            let start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |i| i + 1);
            let name = &before[start..];
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

#[test]
fn man_out_dir_writes_a_page_per_command_and_every_reference_resolves() {
    let env = Env::without_keyring();
    let out = env.home.path().join("man");
    env.cmd()
        .args(["man", "--out-dir"])
        .arg(&out)
        .assert()
        .success();

    let mut expected = Vec::new();
    man_pages(&ploy_connect::cli::command(), "ploy-connect", &mut expected);
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    for page in [
        "ploy-connect.1",
        "ploy-connect-setup.1",
        "ploy-connect-profiles-list.1",
    ] {
        assert!(
            written.iter().any(|w| w == page),
            "{page} missing: {written:?}"
        );
    }

    let mut references = 0;
    for page in &written {
        let roff = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(roff.contains(".TH"), "{page} is not a man page");
        for name in man_references(&roff) {
            references += 1;
            assert!(
                written.contains(&format!("{name}.1")),
                "{page} refers to {name}(1), which was not written"
            );
        }
        // A command's page leads back to the pages above it.
        if page != "ploy-connect.1" {
            let see_also = roff
                .split(".SH \"SEE ALSO\"")
                .nth(1)
                .unwrap_or_else(|| panic!("{page} has no SEE ALSO"));
            assert!(
                man_references(see_also).contains(&"ploy-connect".to_string()),
                "{page}: {see_also}"
            );
        }
    }
    assert!(references > written.len(), "{references} references");
}

#[test]
fn version_names_the_commit_and_the_build_day() {
    let env = Env::without_keyring();
    let out = env.cmd().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let commit = text
        .split_once("commit ")
        .and_then(|(_, rest)| rest.split([',', ')']).next())
        .unwrap_or_else(|| panic!("no commit in {text:?}"));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{text:?}"
    );
    let day = text
        .split_once("built ")
        .and_then(|(_, rest)| rest.split(')').next())
        .unwrap_or_else(|| panic!("no build day in {text:?}"));
    time::Date::parse(
        day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap_or_else(|e| panic!("{day:?} in {text:?}: {e}"));

    // Built from this checkout, the binary names its commit.
    let root = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let own_checkout = git(&["rev-parse", "--show-toplevel"])
        .and_then(|top| std::fs::canonicalize(top).ok())
        == std::fs::canonicalize(root).ok();
    if own_checkout && let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) {
        assert_eq!(commit, head, "{text:?}");
    }
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
