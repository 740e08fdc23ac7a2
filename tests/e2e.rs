//! End to end: the real binary, a real Secret Service (private D-Bus + gnome-keyring), the
//! emulator on loopback. A small set: what only the whole program shows (line-mode output,
//! exit codes, files on disk, the keyring itself). The scenarios run in-process elsewhere.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

#[macro_use]
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use predicates::prelude::*;

use common::{Env, assert_failed_at, step, tenant};

#[test]
fn setup_test_and_profiles_through_the_keyring() {
    let env = env_or_skip!();
    let t = tenant(250, &[]);
    env.setup("acme", &t, &format!("{}\n", t.client_secret))
        .success()
        .stderr(predicate::str::contains("Saved profile \"acme\""));
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["users_seen"], 250);
    env.cmd()
        .args(["profiles", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("acme").and(predicate::str::contains("passed")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.profiles_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the profiles file is private");
    }
}

#[test]
fn line_mode_prints_a_line_per_step_and_the_fix_under_a_failure() {
    let env = env_or_skip!();
    let t = tenant(10, &[]);
    env.setup("acme", &t, "not-the-secret").success();
    env.cmd().args(["test", "acme"]).assert().code(1).stdout(
        predicate::str::contains("✓ dns")
            .and(predicate::str::contains("✗ token"))
            .and(predicate::str::contains("– users"))
            .and(predicate::str::contains("[onetrust.invalid_client]"))
            .and(predicate::str::contains("Fix: Double-check the Client ID")),
    );
}

#[test]
fn a_failing_rotation_keeps_the_current_secret() {
    let env = env_or_skip!();
    let t = tenant(10, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    env.cmd()
        .args(["rotate", "acme", "--client-secret-stdin"])
        .write_stdin("a-wrong-new-secret")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("onetrust.invalid_client"))
        .stderr(predicate::str::contains(
            "Kept the current secret; nothing was replaced.",
        ));
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 0, "the stored secret still works: {report:#}");

    let out = env
        .cmd()
        .args(["rotate", "acme", "--client-secret-stdin", "--json"])
        .write_stdin(t.client_secret.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);

    // --force stores a failing secret (for when the vendor is down).
    env.cmd()
        .args(["rotate", "acme", "--client-secret-stdin", "--force"])
        .write_stdin("a-wrong-new-secret")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Replaced the client secret"));
    let (_, report) = env.test_json("acme");
    assert_failed_at(&report, "token", "onetrust.invalid_client");
}

#[test]
fn an_okta_key_from_a_file_tests_and_rotates() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:multi-key"]);
    let jwk = env.file("key.json", &t.okta.private_key_jwk);
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args(["--client-id", &t.okta.client_id, "--private-key-file"])
        .arg(&jwk)
        .arg("--json")
        .assert()
        .success()
        .stderr(predicate::str::contains("RSA 2048 private key (JWK), kid"))
        .stdout(predicate::str::contains("\"ok\":true"));
    env.cmd()
        .args(["rotate", "corp", "--client-secret-stdin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Okta profile"));
}

#[test]
fn the_secret_can_come_from_the_environment() {
    let env = env_or_skip!();
    let t = tenant(3, &[]);
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme", "--host", &t.host])
        .args(["--client-id", &t.client_id, "--json"])
        .env("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"ok\":true"));
}

#[test]
fn normalisation_is_explained() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme"])
        .args(["--host", &format!("  http://{}/auth/login?next=1 ", t.host)])
        .args(["--client-id", &t.client_id, "--client-secret-stdin"])
        .write_stdin(format!("{}\r\n", t.client_secret))
        .assert()
        .success()
        .stderr(predicate::str::contains("removed \"/auth/login?next=1\""));
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    assert!(text.contains(&format!("host = \"{}\"", t.host)), "{text}");
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn export_to_csv_and_json() {
    let env = env_or_skip!();
    let t = tenant(4500, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let csv_file = env.home.path().join("users.csv");
    env.cmd()
        .args(["users", "acme", "--format", "csv", "--output"])
        .arg(&csv_file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Wrote 4,500 users (0 deactivated) with ",
        ));
    let rows = csv_rows(&std::fs::read_to_string(&csv_file).unwrap());
    assert_eq!(rows.len(), 4500);
    let out = env
        .cmd()
        .args(["users", "acme", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("users --format json", &doc);
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), 4500);
    assert_eq!(users[0]["source"], "onetrust");
    // `-o -` is standard output, not a file named "-"; a file's path is said in full.
    let out = env
        .cmd()
        .current_dir(env.home.path())
        .args(["users", "acme", "--format", "json", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("users --format json", &doc);
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), 4500);
    assert!(!env.home.path().join("-").exists());
    // Not on a terminal: no progress, only the final line.
    env.cmd()
        .current_dir(env.home.path())
        .args(["users", "acme", "-o", "relative.csv"])
        .assert()
        .success()
        .stderr(
            predicate::str::starts_with("Wrote 4,500 users (0 deactivated) with ")
                .and(predicate::str::ends_with(format!(
                    " entitlements to {}.\n",
                    env.home.path().join("relative.csv").display()
                )))
                .and(predicate::function(|s: &str| s.lines().count() == 1)),
        );
    // The test says the tenant's total, not only the first page.
    env.cmd()
        .args(["test", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Connection OK: 4500 users ("));
}

#[test]
fn a_failed_export_leaves_the_previous_file_alone() {
    let env = env_or_skip!();
    let t = tenant(4500, &["onetrust:ignore-paging"]);
    env.setup("acme", &t, &t.client_secret).success();
    let target = env.home.path().join("users.csv");
    std::fs::write(&target, "previous export\n").unwrap();
    env.cmd()
        .args(["users", "acme", "--output"])
        .arg(&target)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("ignores paging")
                .and(predicate::str::contains("unexpected_response")),
        );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous export\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(env.home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
}

#[test]
fn profiles_show_and_remove_delete_the_secret() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let out = env
        .cmd()
        .args(["profiles", "show", "acme", "--json"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["secret"], "stored");
    let before = std::fs::read_to_string(env.profiles_file()).unwrap();
    env.cmd()
        .args(["profiles", "remove", "acme", "--yes"])
        .assert()
        .success();
    env.cmd()
        .args(["profiles", "show", "acme"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile named"));
    // Put the profile back by hand: its keyring entry must be gone.
    std::fs::write(env.profiles_file(), before).unwrap();
    let out = env
        .cmd()
        .args(["profiles", "show", "acme", "--json"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        shown["secret"].as_str().unwrap().starts_with("missing"),
        "{shown}"
    );
    let (_, report) = env.test_json("acme");
    assert_failed_at(&report, "input", "secret.missing");
}

#[test]
fn no_keyring_during_a_test_is_exit_3() {
    let with = env_or_skip!();
    let t = tenant(1, &[]);
    with.setup("acme", &t, &t.client_secret).success();
    let without = Env::without_keyring();
    std::fs::create_dir_all(without.config_dir()).unwrap();
    std::fs::copy(with.profiles_file(), without.profiles_file()).unwrap();
    let out = without
        .cmd()
        .args(["test", "acme", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_failed_at(&report, "input", "secret.store_unavailable");
    let step_detail = step(&report, "input")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!step_detail.is_empty());
}

#[test]
fn the_emulator_command_publishes_credentials_once_listening() {
    let env = env_or_skip!();
    let creds = env.home.path().join("creds.json");
    let mut child = std::process::Command::new(common::BIN)
        .args([
            "emulator",
            "--bind",
            "127.0.0.1:0",
            "--users",
            "42",
            "--credentials-out",
        ])
        .arg(&creds)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(
        first.starts_with("ploy-connect emulator listening on http://127.0.0.1:"),
        "{first}"
    );
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&creds).unwrap()).unwrap();
    let o = &c["onetrust"];
    env.cmd()
        .args([
            "setup",
            "onetrust",
            "--profile",
            "emu",
            "--host",
            o["host"].as_str().unwrap(),
        ])
        .args([
            "--client-id",
            o["client_id"].as_str().unwrap(),
            "--client-secret-stdin",
            "--json",
        ])
        .write_stdin(o["client_secret"].as_str().unwrap())
        .assert()
        .success()
        .stdout(predicate::str::contains("\"users_seen\":42"));
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let env = env_or_skip!();
    let t = tenant(4500, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let mut child = std::process::Command::new(common::BIN)
        .args(["users", "acme"])
        .envs(
            env.cmd()
                .get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut header = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut header)
        .unwrap();
    assert!(header.starts_with("id,login,email"));
    // The reader is gone (like `| head -1`); the export must end quietly with 0.
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn prune_finds_a_secret_nothing_points_to_and_asks_first() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    // A hand edit points the profile at another entry: the first one is orphaned.
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("secret_ref") {
                "secret_ref = \"edited-by-hand\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(env.profiles_file(), edited.join("\n")).unwrap();
    env.cmd()
        .args(["profiles", "prune"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("orphaned").and(predicate::str::contains("--yes")));
    env.cmd()
        .args(["profiles", "prune", "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Removed 1 orphaned secret"));
    env.cmd()
        .args(["profiles", "prune"])
        .assert()
        .success()
        .stderr(predicate::str::contains("No orphaned secrets"));
}

/// INT, QUIT, TERM and HUP during `users --output`: the export stops at once, exits 128+n,
/// the previous file stays and no temporary file is left behind.
#[test]
fn a_signal_during_an_export_leaves_the_old_file_and_no_temporary_one() {
    use std::io::Read;
    let env = env_or_skip!();
    for (signal, number) in [("INT", 2), ("QUIT", 3), ("TERM", 15), ("HUP", 1)] {
        // A fresh tenant each time: only its first users answers say "wait".
        let t = tenant(4500, &["onetrust:rate-limit-burst"]);
        env.setup("acme", &t, &t.client_secret).success();
        let target = env.home.path().join("users.csv");
        std::fs::write(&target, "previous export\n").unwrap();
        let mut child = std::process::Command::new(common::BIN)
            .args(["users", "acme", "--output"])
            .arg(&target)
            .envs(
                env.cmd()
                    .get_envs()
                    .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The emulator's first users answers are 429 "wait 1 s": the export is then mid-way.
        let mut stderr = child.stderr.take().unwrap();
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains("waiting") {
            let n = stderr.read(&mut buf).unwrap();
            assert!(n > 0, "{signal}: the export ended before it waited: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        assert!(
            std::process::Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        assert_eq!(status.code(), Some(128 + number), "{signal}: {seen}{rest}");
        assert!(rest.contains("was not changed"), "{signal}: {rest}");
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "previous export\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(env.home.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{signal}: {leftovers:?}");
    }
}

/// Ten `setup` runs of one new profile at once end with one profile and one stored secret.
#[test]
fn concurrent_setups_of_one_profile_leave_exactly_one_secret() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    // Another profile first, so the config dir already has its keyring mark and any orphan
    // of the race below would be found as this dir's.
    env.setup("other", &t, &t.client_secret).success();
    let children: Vec<_> = (0..10)
        .map(|_| {
            let mut c = std::process::Command::new(common::BIN);
            c.args(["setup", "onetrust", "--profile", "acme", "--host", &t.host])
                .args([
                    "--client-id",
                    &t.client_id,
                    "--client-secret-stdin",
                    "--no-test",
                ])
                .envs(
                    env.cmd()
                        .get_envs()
                        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
                )
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(t.client_secret.as_bytes())
                .unwrap();
            child
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    env.cmd()
        .args(["profiles", "prune"])
        .assert()
        .success()
        .stderr(predicate::str::contains("No orphaned secrets"));
    assert_eq!(env.test_json("acme").0, 0);
}

#[test]
fn status_tests_every_profile_at_once_one_line_each() {
    let env = env_or_skip!();
    let good = tenant(30, &[]);
    let child = tenant(10, &["onetrust:child-org"]);
    env.setup("acme", &good, &good.client_secret).success();
    env.setup("child", &child, &child.client_secret).success();
    let out = env.cmd().arg("status").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "one fails: exit 1\n{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}\n{text}"))
            .to_string()
    };
    let acme = line("acme");
    assert!(acme.starts_with('✓'), "{acme}");
    assert!(
        acme.contains("OneTrust") && acme.contains("30 users"),
        "{acme}"
    );
    assert!(acme.contains("set just now"), "the secret's age: {acme}");
    let child_line = line("child");
    assert!(child_line.starts_with('✗'), "{child_line}");
    assert!(
        child_line.contains("The credential sees no users"),
        "{child_line}"
    );
    assert!(text.contains("Secrets: the OS keyring"), "{text}");

    let out = env.cmd().args(["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("status --json", &doc);
    assert_eq!(doc["ok"], false);
    let profiles = doc["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0]["name"], "acme");
    assert_eq!(profiles[0]["ok"], true);
    assert_eq!(profiles[0]["secret_age_days"], 0);
    assert_eq!(profiles[1]["code"], "onetrust.no_users");

    // Only the good one: exit 0. The results were remembered for `profiles list`.
    env.cmd().args(["status", "acme"]).assert().success();
    env.cmd()
        .args(["profiles", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "failed just now: The credential sees no users",
        ));
}

/// The labels of every item in the default collection, as Seahorse shows them.
fn keyring_labels(env: &Env) -> Vec<String> {
    let bus = env.bus_address().unwrap();
    let get = |path: &str, iface: &str, prop: &str| {
        let out = std::process::Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                path,
            ])
            .arg("org.freedesktop.DBus.Properties.Get")
            .arg(format!("string:{iface}"))
            .arg(format!("string:{prop}"))
            .output()
            .expect("dbus-send");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let items = get(
        "/org/freedesktop/secrets/aliases/default",
        "org.freedesktop.Secret.Collection",
        "Items",
    );
    items
        .lines()
        .filter_map(|l| l.trim().strip_prefix("object path \""))
        .map(|p| p.trim_end_matches('"').to_string())
        .map(|item| {
            let reply = get(&item, "org.freedesktop.Secret.Item", "Label");
            reply
                .lines()
                .find_map(|l| l.trim().strip_prefix("variant"))
                .map(|v| {
                    v.trim()
                        .trim_start_matches("string \"")
                        .trim_end_matches('"')
                        .to_string()
                })
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn a_keyring_item_is_labelled_as_a_sentence() {
    let env = env_or_skip!();
    if !common::tools_available(&["dbus-send"]) {
        return;
    }
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let labels = keyring_labels(&env);
    assert!(
        labels
            .iter()
            .any(|l| l == "ploy-connect: OneTrust client secret for profile acme"),
        "{labels:?}"
    );
}

/// Runs the binary and returns (exit code, stdout, stderr).
fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.cmd().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_key_made_here_then_rotated_without_downtime() {
    let env = env_or_skip!();
    let t = tenant(20, &[]);
    let okta = &t.okta;
    let pub_file = env.home.path().join("corp-public.json");
    // 1. Made here: the public JWK on stdout (JSON only, so it pipes), the steps on stderr.
    let (code, stdout, stderr) = run(
        &env,
        &[
            "setup",
            "okta",
            "--profile",
            "corp",
            "--host",
            &okta.host,
            "--client-id",
            &okta.client_id,
            "--generate-key",
            "--public-key-out",
            pub_file.to_str().unwrap(),
            "--no-test",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let first: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is the JWK");
    assert_eq!(first["kty"], "RSA");
    assert!(first.get("d").is_none());
    assert!(stderr.contains("Add key"), "{stderr}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pub_file).unwrap()).unwrap();
    assert_eq!(written, first);

    // 2. Not in Okta yet: its own diagnosis.
    let (code, stdout, _) = run(&env, &["test", "corp", "--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_failed_at(&report, "token", "okta.key_not_registered");

    // 3. The admin adds it (and retires the key Okta made): it works; keys show agrees.
    t.emulator.okta.add_key(&first).unwrap();
    assert!(t.emulator.okta.remove_key(&okta.key_id));
    env.cmd().args(["test", "corp"]).assert().success();
    let (_, shown, _) = run(&env, &["keys", "show", "corp", "--current"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
        first
    );

    // 4. Stage a new key: the current one keeps working.
    let (code, stdout, stderr) = run(
        &env,
        &["rotate", "corp", "--generate-key", "--key-type", "ec-p256"],
    );
    assert_eq!(code, 0, "{stderr}");
    let second: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(second["crv"], "P-256");
    assert!(stderr.contains("rotate corp --promote"), "{stderr}");
    env.cmd().args(["test", "corp"]).assert().success();
    let (_, shown, _) = run(&env, &["keys", "show", "corp"]);
    let both: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(both["staged"], second);
    env.cmd()
        .args(["profiles", "show", "corp"])
        .assert()
        .stdout(predicate::str::contains("staged key:"));

    // 5. Promote before Okta has it: fails, nothing changes.
    let account = |env: &Env| {
        let (_, out, _) = run(env, &["profiles", "show", "corp", "--json"]);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["keyring_account"].clone()
    };
    let before = account(&env);
    let (code, stdout, stderr) = run(&env, &["rotate", "corp", "--promote"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("okta.key_not_registered"), "{stdout}");
    assert!(stderr.contains("Nothing changed"), "{stderr}");
    assert_eq!(account(&env), before);
    env.cmd().args(["test", "corp"]).assert().success();

    // 6. Added in Okta: promotion passes, names the key to retire, the old entry is gone.
    t.emulator.okta.add_key(&second).unwrap();
    let (code, _, stderr) = run(&env, &["rotate", "corp", "--promote"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "retire the old key (key ID {})",
            first["kid"].as_str().unwrap()
        )),
        "{stderr}"
    );
    assert_ne!(account(&env), before);
    env.cmd()
        .args(["profiles", "prune", "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("No orphaned secrets"));
    assert!(t.emulator.okta.remove_key(first["kid"].as_str().unwrap()));
    env.cmd().args(["test", "corp"]).assert().success();
    env.cmd()
        .args(["status", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"secret_too_old\":false"));
}

#[test]
fn a_key_made_here_pipes_its_public_half_alone() {
    let env = env_or_skip!();
    let t = tenant(5, &[]);
    // No --no-test: standard output is not a terminal, so it holds the JWK and nothing else.
    let (code, stdout, stderr) = run(
        &env,
        &[
            "setup",
            "okta",
            "--profile",
            "piped",
            "--host",
            &t.okta.host,
            "--client-id",
            &t.okta.client_id,
            "--generate-key",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let jwk: serde_json::Value = serde_json::from_str(&stdout).expect("only the JWK on stdout");
    assert_eq!(jwk["kty"], "RSA");
    assert!(stderr.contains("ploy-connect test piped"), "{stderr}");
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "x",
            "--generate-key",
            "--json",
        ])
        .assert()
        .code(2);
}

#[test]
#[cfg(unix)]
fn keys_show_to_a_closed_pipe_ends_quietly() {
    let env = env_or_skip!();
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "corp",
            "--host",
            "127.0.0.1:9",
        ])
        .args([
            "--client-id",
            "0oa1b2c3d4e5f6g7h8i9",
            "--generate-key",
            "--no-test",
        ])
        .assert()
        .success();
    let mut cmd = env.std_cmd();
    cmd.args(["keys", "show", "corp"]);
    let out = common::with_stdout_closed(cmd, std::time::Duration::from_secs(60));
    common::assert_ended_quietly(&out, "keys show");
}
