//! The real binary where no secret is stored: argument and input errors, exit codes, the
//! emulator command, a missing keyring. No Secret Service needed.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use predicates::prelude::*;

use common::{Env, assert_ended_quietly, tenant, with_stdout_closed};

#[test]
fn invalid_hosts_are_refused_at_setup_with_the_reason() {
    let env = Env::without_keyring();
    for (host, says) in [
        ("admin@acme.my.onetrust.com", "remove the \"admin@\" part"),
        ("acme.my.onetrust.com:8443", "remove the port"),
        ("acme..onetrust.com", "empty part"),
        ("acme my.onetrust.com", "spaces"),
        ("my.onetrust.com", "community site"),
        ("http://acme.my.onetrust.com", "only loopback"),
    ] {
        env.cmd()
            .args(["setup", "onetrust", "--profile", "acme", "--host", host])
            .args(["--client-id", "abc", "--client-secret-stdin", "--no-test"])
            .write_stdin("secret-value")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says).and(predicate::str::contains("host.invalid")));
    }
    assert!(
        !env.profiles_file().exists(),
        "nothing saved for invalid input"
    );
}

#[test]
fn without_a_terminal_missing_flags_are_named() {
    let env = Env::without_keyring();
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--host")
                .and(predicate::str::contains("--client-id"))
                .and(predicate::str::contains("--client-secret-stdin")),
        );
    env.cmd()
        .args(["setup", "okta", "--profile", "corp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--private-key-file"));
    env.cmd()
        .args(["rotate", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile named \"nope\""));
}

#[test]
fn okta_values_are_checked_before_anything_is_stored() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let pem = env.file("k.pem", &t.okta.private_key_pem);
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args([
            "--client-id",
            &t.okta.client_id,
            "--scopes",
            "okta.groups.read",
        ])
        .arg("--private-key-file")
        .arg(&pem)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs okta.users.read"));
    for (text, says) in [
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "certificate",
        ),
        ("not a key at all", "this is not a key"),
    ] {
        env.cmd()
            .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
            .args(["--client-id", &t.okta.client_id, "--private-key-stdin"])
            .write_stdin(text)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(says).and(predicate::str::contains("okta.invalid_key")),
            );
    }
    assert!(!env.profiles_file().exists());
}

/// The line face refuses a JWK's kid contradicted by --key-id, naming both (the TUI does too).
#[test]
fn a_jwk_kid_and_a_different_key_id_flag_are_refused_naming_both() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let jwk = env.file("k.json", &t.okta.private_key_jwk);
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args(["--client-id", &t.okta.client_id, "--key-id", "other-kid"])
        .arg("--private-key-file")
        .arg(&jwk)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(t.okta.key_id.as_str())
                .and(predicate::str::contains("other-kid"))
                .and(predicate::str::contains("input.invalid")),
        );
    assert!(!env.profiles_file().exists());
}

#[cfg(unix)]
#[test]
fn a_device_or_a_fifo_as_key_file_is_refused_at_once() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    let fifo = env.home.path().join("key.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for path in [std::path::PathBuf::from("/dev/zero"), fifo] {
        env.cmd()
            .timeout(std::time::Duration::from_secs(20))
            .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
            .args(["--client-id", &t.okta.client_id, "--private-key-file"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
    }
}

#[test]
fn secrets_over_the_stdin_cap_are_refused_not_cut() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme", "--host", &t.host])
        .args(["--client-id", &t.client_id, "--client-secret-stdin"])
        .write_stdin("a".repeat(2 << 20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than"));
    assert!(!env.profiles_file().exists());
}

#[test]
fn a_corrupt_profiles_file_is_named_and_left_alone() {
    let env = Env::without_keyring();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let bad = "schema_version = 1\n[profiles.acme]\nhost = \"x\"\nclient_id = \n";
    std::fs::write(env.profiles_file(), bad).unwrap();
    env.cmd()
        .args(["profiles", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("profiles.toml").and(predicate::str::contains("line 4")));
    let t = tenant(1, &[]);
    env.setup("other", &t, &t.client_secret).code(2);
    assert_eq!(std::fs::read_to_string(env.profiles_file()).unwrap(), bad);
}

#[test]
fn no_keyring_means_exit_3_with_how_to_start_one_and_nothing_written() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    // Both ways out: the kernel keyring, and a secret for this run only.
    env.setup("acme", &t, &t.client_secret).code(3).stderr(
        predicate::str::contains("No usable OS keyring")
            .and(predicate::str::contains(
                "Run: ploy-connect setup onetrust --profile acme --secret-store keyutils",
            ))
            .and(predicate::str::contains("PLOY_CONNECT_CLIENT_SECRET")),
    );
    assert!(
        !env.profiles_file().exists(),
        "no profile without its secret"
    );
}

#[test]
fn the_emulator_refuses_anything_but_loopback_and_unknown_scenarios() {
    let env = Env::without_keyring();
    env.cmd()
        .args(["emulator", "--bind", "0.0.0.0:0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only listens on loopback"));
    env.cmd()
        .args(["emulator", "--scenario", "okta:dpop-of"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown scenario")
                .and(predicate::str::contains("okta:dpop-off")),
        );
}

#[test]
fn the_emulators_network_options_say_what_is_wrong() {
    let env = Env::without_keyring();
    for (args, says) in [
        (["--latency", "fast"], "not a number of milliseconds"),
        (["--latency", "10,20"], "cannot exceed the latency"),
        (["--bandwidth", "0"], "0 is not in 1..=100000"),
    ] {
        let out = env.cmd().arg("emulator").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn an_emulator_that_cannot_bind_is_an_internal_error() {
    let env = Env::without_keyring();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    env.cmd()
        .args(["emulator", "--bind", &addr])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("cannot listen"));
}

#[test]
fn emulator_help_lists_every_scenario() {
    let env = Env::without_keyring();
    let out = env.cmd().args(["emulator", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for (_, name, _) in ploy_emulator::SCENARIOS {
        assert!(text.contains(name), "{name} missing from --help");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_process_never_dumps_core_with_its_secrets() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(common::BIN)
        .args(["emulator", "--bind", "127.0.0.1:0", "--users", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first line is printed once start-up (and the hardening before it) is done.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("listening"), "{first}");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let numbers: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
    assert_eq!(numbers, ["0", "0"], "{core}");
}

#[cfg(unix)]
#[test]
fn a_public_key_out_that_cannot_be_written_is_refused_before_anything_is_saved() {
    let env = Env::without_keyring();
    let victim = env.home.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    let link = env.home.path().join("pub.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let missing = env.home.path().join("no-such-folder/pub.json");
    for (out, says) in [
        (&link, "symbolic link"),
        (&missing, "not a folder that exists"),
    ] {
        let run = env
            .cmd()
            .args([
                "setup",
                "okta",
                "--profile",
                "corp",
                "--host",
                "dev-1.okta.com",
            ])
            .args([
                "--client-id",
                "0oa1b2c3d4e5f6g7h8i9",
                "--generate-key",
                "--no-test",
            ])
            .arg("--public-key-out")
            .arg(out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!env.profiles_file().exists(), "nothing is saved");
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}

/// A profile written by hand: nothing about it needs a keyring until it is tested.
fn hand_made_profile(env: &Env) {
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(
        env.profiles_file(),
        "schema_version = 1\n\n[profiles.acme]\nintegration = \"onetrust\"\nhost = \"acme.my.onetrust.com\"\nclient_id = \"3d8efc3b94ed49628482eb2ab5e3bc8g\"\nsecret_ref = \"r1\"\ncreated = \"2026-01-01T00:00:00Z\"\nupdated = \"2026-01-01T00:00:00Z\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.profiles_file(), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
}

#[test]
#[cfg(unix)]
fn a_closed_pipe_ends_quietly_with_the_sigpipe_status() {
    let env = Env::without_keyring();
    for args in [["status"].as_slice(), &["profiles", "list"]] {
        let mut cmd = env.std_cmd();
        cmd.args(args);
        let out = with_stdout_closed(cmd, std::time::Duration::from_secs(60));
        assert_ended_quietly(&out, &format!("{args:?} with no profiles"));
    }
    hand_made_profile(&env);
    for args in [
        ["profiles", "list"].as_slice(),
        &["profiles", "list", "--json"],
        &["profiles", "show", "acme"],
        &["status"],
        &["status", "--json"],
        &["test", "acme"],
        &["test", "acme", "--json"],
    ] {
        let mut cmd = env.std_cmd();
        cmd.args(args);
        let out = with_stdout_closed(cmd, std::time::Duration::from_secs(60));
        assert_ended_quietly(&out, &format!("{args:?}"));
    }
}

/// A session bus that takes connections and never answers: a keyring waiting forever.
#[cfg(unix)]
fn stuck_bus(env: &Env) -> String {
    let path = env.runtime_dir().join("stuck-bus");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    format!("unix:path={}", path.display())
}

#[test]
#[cfg(unix)]
fn a_stuck_keyring_and_a_closed_pipe_still_end_the_program() {
    let env = Env::without_keyring();
    hand_made_profile(&env);
    let mut cmd = env.std_cmd();
    cmd.env("DBUS_SESSION_BUS_ADDRESS", stuck_bus(&env))
        .args(["profiles", "show", "acme"]);
    // The keyring call gives up after its 20 s; its worker stays blocked, and the program
    // must not wait for it on the way out.
    let out = with_stdout_closed(cmd, std::time::Duration::from_secs(90));
    assert_ended_quietly(&out, "profiles show with a stuck keyring");
}

#[test]
fn a_password_in_the_host_is_never_repeated() {
    let env = Env::without_keyring();
    let out = env
        .cmd()
        .args(["setup", "onetrust", "--profile", "acme"])
        .args(["--host", "admin:P4ssw0rd-9x@acme.my.onetrust.com"])
        .args(["--client-id", "abc", "--client-secret-stdin", "--no-test"])
        .write_stdin("secret-value")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let mut all = String::from_utf8_lossy(&out.stdout).to_string();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    let log = env
        .home
        .path()
        .join(".local/state/ploy-connect/ploy-connect.log");
    all.push_str(&std::fs::read_to_string(log).unwrap_or_default());
    assert!(all.contains("remove the \"admin:…@\" part"), "{all}");
    assert!(!all.contains("P4ssw0rd"), "{all}");
}

#[test]
fn the_demo_keeps_nothing_in_the_state_dir() {
    let env = Env::without_keyring();
    let out = env.cmd().args(["demo", "--users", "20"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Connection OK"));
    let state = env.home.path().join(".local/state/ploy-connect");
    let kept: Vec<_> = std::fs::read_dir(&state)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.contains("last-test"))
                .collect()
        })
        .unwrap_or_default();
    assert!(kept.is_empty(), "{kept:?}");
}
