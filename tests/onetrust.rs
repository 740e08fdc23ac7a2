//! OneTrust end to end: the real binary, a real Secret Service, the emulator on loopback.

#[macro_use]
mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{Env, assert_failed_at, closed_port, step, tenant};
use predicates::prelude::*;

#[test]
fn setup_then_test_passes_with_the_documented_json() {
    let env = env_or_skip!();
    let t = tenant(250, &[]);
    env.setup("acme", &t, &format!("{}\n", t.client_secret))
        .success()
        .stderr(predicate::str::contains("Saved profile \"acme\""));
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 0, "{report:#}");
    let keys: HashSet<_> = report.as_object().unwrap().keys().cloned().collect();
    let want: HashSet<_> = ["profile", "integration", "ok", "steps", "users_seen"]
        .map(String::from)
        .into();
    assert_eq!(keys, want);
    assert_eq!(report["ok"], true);
    assert_eq!(report["integration"], "onetrust");
    assert_eq!(report["users_seen"], 250);
    let ids: Vec<_> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["input", "dns", "tls", "token", "scopes", "users"]);
    for s in report["steps"].as_array().unwrap() {
        let keys: HashSet<_> = s.as_object().unwrap().keys().cloned().collect();
        let want: HashSet<_> = ["id", "status", "ms", "detail", "diagnosis"]
            .map(String::from)
            .into();
        assert_eq!(keys, want);
        assert_eq!(s["status"], "passed");
        assert!(s["diagnosis"].is_null());
    }
    // The result is remembered on the profile.
    env.cmd()
        .args(["profiles", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("acme").and(predicate::str::contains("passed")));
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
fn wrong_secret_is_invalid_client_and_rotate_fixes_it() {
    let env = env_or_skip!();
    let t = tenant(10, &[]);
    env.setup("acme", &t, "wrong-secret-1234").success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "token", "onetrust.invalid_client");
    assert!(
        step(&report, "token")["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .contains("ploy-connect rotate acme")
    );

    let out = env
        .cmd()
        .args(["rotate", "acme", "--client-secret-stdin", "--json"])
        .write_stdin(t.client_secret.clone())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
}

#[test]
fn unknown_client_id_is_invalid_client() {
    let env = env_or_skip!();
    let mut t = tenant(10, &[]);
    t.client_id = "00000000000000000000000000000000".into();
    let secret = t.client_secret.clone();
    env.setup("acme", &t, &secret).success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "token", "onetrust.invalid_client");
}

#[test]
fn missing_user_scope_is_caught_from_the_token() {
    let env = env_or_skip!();
    let report = env.onetrust_fails(
        &["onetrust:missing-user-scope"],
        "scopes",
        "onetrust.missing_user_scope",
    );
    assert!(
        step(&report, "scopes")["detail"]
            .as_str()
            .unwrap()
            .contains("USER")
    );
}

#[test]
fn missing_user_scope_is_caught_by_the_users_call_when_scopes_are_unlisted() {
    let env = env_or_skip!();
    let t = tenant(
        10,
        &["onetrust:missing-user-scope", "onetrust:scopes-unlisted"],
    );
    env.setup("acme", &t, &t.client_secret).success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "users", "onetrust.missing_user_scope");
}

#[test]
fn scopes_are_read_from_either_spelling_or_the_jwt() {
    let env = env_or_skip!();
    for scenario in ["onetrust:hyphen-scopes", "onetrust:scopes-in-jwt"] {
        let t = tenant(5, &[scenario]);
        env.setup("acme", &t, &t.client_secret).success();
        let (code, report) = env.test_json("acme");
        assert_eq!(code, 0, "{scenario}: {report:#}");
        let detail = step(&report, "scopes")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(detail.contains("USER granted"), "{scenario}: {detail}");
    }
}

#[test]
fn rejected_tokens_are_reminted_once_then_diagnosed() {
    let env = env_or_skip!();
    env.onetrust_fails(
        &["onetrust:reject-tokens"],
        "users",
        "onetrust.token_rejected",
    );
}

#[test]
fn an_hourly_rate_limit_is_diagnosed_without_waiting_an_hour() {
    let env = env_or_skip!();
    let report = env.onetrust_fails(&["onetrust:rate-limit"], "token", "rate_limited");
    let detail = step(&report, "token")["detail"].as_str().unwrap();
    assert!(detail.contains("3600 s, hour limit"), "{detail}");
}

#[test]
fn server_errors_are_the_vendors_side() {
    let env = env_or_skip!();
    env.onetrust_fails(&["onetrust:server-error"], "token", "server_error");
}

#[test]
fn a_sign_in_page_instead_of_a_token_is_an_unexpected_response() {
    let env = env_or_skip!();
    env.onetrust_fails(&["onetrust:html"], "token", "unexpected_response");
}

#[test]
fn nothing_listening_is_host_unreachable() {
    let env = env_or_skip!();
    let mut t = tenant(1, &[]);
    t.host = format!("127.0.0.1:{}", closed_port());
    env.setup("acme", &t, "secret-value").success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "tls", "host.unreachable");
}

#[test]
fn a_name_without_dns_is_host_not_found() {
    let env = env_or_skip!();
    let mut t = tenant(1, &[]);
    // RFC 6761: .invalid never resolves.
    t.host = "acme-tenant.invalid".into();
    env.setup("acme", &t, "secret-value")
        .success()
        .stderr(predicate::str::contains("not an onetrust.com host"));
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "dns", "host.not_found");
}

#[test]
fn tls_to_a_server_that_does_not_speak_it_is_tls_failed() {
    let env = env_or_skip!();
    let mut t = tenant(1, &[]);
    // The emulator speaks plain HTTP; asking for https makes the handshake fail.
    t.host = format!("https://{}", t.host);
    env.setup("acme", &t, "secret-value").success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "tls", "tls.failed");
}

#[test]
fn invalid_hosts_are_refused_at_setup_with_the_reason() {
    let env = env_or_skip!();
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

#[test]
fn a_hand_edited_bad_host_fails_the_input_step() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    std::fs::write(
        env.profiles_file(),
        text.replace(&format!("host = \"{}\"", t.host), "host = \"user@acme\""),
    )
    .unwrap();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "input", "host.invalid");
}

#[test]
fn a_profile_without_its_secret_says_how_to_store_it() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    let edited = text
        .lines()
        .map(|l| {
            if l.starts_with("secret_ref") {
                "secret_ref = \"not-in-the-keyring\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(env.profiles_file(), edited).unwrap();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 1);
    assert_failed_at(&report, "input", "secret.missing");
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
fn without_a_terminal_missing_flags_are_named() {
    let env = env_or_skip!();
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
        .args(["rotate", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile named \"nope\""));
}

#[test]
fn rerunning_setup_updates_and_keeps_the_secret() {
    let env = env_or_skip!();
    let t = tenant(3, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    // Only the client ID changes; the stored secret stays.
    env.cmd()
        .args([
            "setup",
            "onetrust",
            "--profile",
            "acme",
            "--client-id",
            "other-id",
            "--no-test",
        ])
        .assert()
        .success();
    let (_, report) = env.test_json("acme");
    assert_failed_at(&report, "token", "onetrust.invalid_client");
    env.cmd()
        .args([
            "setup",
            "onetrust",
            "--profile",
            "acme",
            "--client-id",
            &t.client_id,
        ])
        .assert()
        .success();
}

#[test]
fn zero_users_passes_with_a_warning_about_the_organization() {
    let env = env_or_skip!();
    let t = tenant(10, &["onetrust:child-org"]);
    env.setup("acme", &t, &t.client_secret).success();
    let (code, report) = env.test_json("acme");
    assert_eq!(code, 0);
    assert_eq!(report["users_seen"], 0);
    let detail = step(&report, "users")["detail"].as_str().unwrap();
    assert!(detail.contains("organization"), "{detail}");
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn export_reads_every_page_to_csv_and_json() {
    let env = env_or_skip!();
    let t = tenant(4500, &[]);
    env.setup("acme", &t, &t.client_secret).success();

    let csv_file = env.home.path().join("users.csv");
    env.cmd()
        .args(["users", "acme", "--format", "csv", "--output"])
        .arg(&csv_file)
        .assert()
        .success()
        .stderr(predicate::str::contains("Wrote 4500 users"));
    let rows = csv_rows(&std::fs::read_to_string(&csv_file).unwrap());
    assert_eq!(rows.len(), 4500);
    let ids: HashSet<_> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(ids.len(), 4500, "no user twice");
    let emails: Vec<_> = rows.iter().map(|r| r[2].to_string()).collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "sorted by email");
    assert!(
        rows.iter()
            .all(|r| &r[6] == "ACTIVE" || &r[6] == "INACTIVE")
    );

    let out = env
        .cmd()
        .args(["users", "acme", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.len(), 4500);
    assert_eq!(users[0]["source"], "onetrust");
    assert!(users[0]["email"].as_str().unwrap().contains('@'));
}

#[test]
fn export_survives_expiring_tokens_and_short_rate_limits() {
    let env = env_or_skip!();
    let t = tenant(
        4500,
        &["onetrust:expire-tokens", "onetrust:rate-limit-burst"],
    );
    env.setup("acme", &t, &t.client_secret).success();
    let out = env.cmd().args(["users", "acme"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(csv_rows(&String::from_utf8_lossy(&out.stdout)).len(), 4500);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("waiting 1 s").count(), 2, "{stderr}");
}

#[test]
fn a_server_that_ignores_paging_stops_the_export_instead_of_looping() {
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
        "previous export\n",
        "a failed export leaves the old file alone"
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
        .args(["profiles", "remove", "acme"])
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
}

#[test]
fn a_corrupt_profiles_file_is_named_and_left_alone() {
    let env = env_or_skip!();
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
fn the_profiles_file_is_private() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.profiles_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn no_keyring_means_exit_3_with_how_to_start_one_and_nothing_written() {
    let env = Env::without_keyring();
    let t = tenant(1, &[]);
    env.setup("acme", &t, &t.client_secret).code(3).stderr(
        predicate::str::contains("No usable OS keyring")
            .and(predicate::str::contains("gnome-keyring-daemon --unlock")),
    );
    assert!(
        !env.profiles_file().exists(),
        "no profile without its secret"
    );
}

#[test]
fn no_keyring_during_a_test_is_exit_3_too() {
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
fn the_emulator_refuses_anything_but_loopback() {
    let env = Env::without_keyring();
    env.cmd()
        .args(["emulator", "--bind", "0.0.0.0:0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only listens on loopback"));
    env.cmd()
        .args(["emulator", "--scenario", "onetrust:nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown scenario"));
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

/// A loopback TLS server whose certificate no trust store knows (like an HTTPS-inspecting
/// proxy without its root installed). It only completes handshakes; the client must refuse.
fn untrusted_tls_server() -> (u16, std::thread::JoinHandle<()>) {
    use std::sync::Arc;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let key =
        tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der())
            .unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            // The test run makes one connection (the tls step); serve a few, then stop.
            for _ in 0..4 {
                let Ok(Ok((stream, _))) =
                    tokio::time::timeout(std::time::Duration::from_secs(20), listener.accept())
                        .await
                else {
                    return;
                };
                let _ = acceptor.accept(stream).await;
            }
        });
    });
    (port, handle)
}

#[test]
fn an_untrusted_certificate_is_tls_failed() {
    let env = env_or_skip!();
    let (port, _server) = untrusted_tls_server();
    let mut t = tenant(1, &[]);
    t.host = format!("https://127.0.0.1:{port}");
    env.setup("acme", &t, "secret-value").success();
    let report = env.expect_failure("acme", "tls", "tls.failed");
    let detail = step(&report, "tls")["detail"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(detail.contains("certificate"), "{detail}");
}
