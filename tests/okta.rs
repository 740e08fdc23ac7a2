//! Okta end to end: private-key JWT, DPoP and users against the strict emulated org.

#[macro_use]
mod common;

use common::{assert_failed_at, step, tenant};
use predicates::prelude::*;

fn detail<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    step(report, id)["detail"].as_str().unwrap_or("")
}

#[test]
fn dpop_is_proven_and_a_warm_retest_needs_one_token_request() {
    let env = env_or_skip!();
    let t = tenant(250, &[]);
    env.setup_okta("corp", &t, &[]).success();
    let before = t.emulator.okta_stats.snapshot().token_requests;
    let (code, report) = env.test_json("corp");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["integration"], "okta");
    assert!(detail(&report, "token").contains("DPoP-bound token"));
    assert!(
        detail(&report, "token").contains("2 token requests"),
        "cold: challenge + token"
    );
    let cold = t.emulator.okta_stats.snapshot().token_requests - before;
    assert_eq!(cold, 2);
    assert_eq!(report["users_seen"], 200, "a full first page");

    let (code, report) = env.test_json("corp");
    assert_eq!(code, 0, "{report:#}");
    assert!(
        detail(&report, "token").contains("1 token request"),
        "warm: the nonce was cached"
    );
    let warm = t.emulator.okta_stats.snapshot().token_requests - before - cold;
    assert_eq!(warm, 1);
}

#[test]
fn a_jwk_key_carries_its_kid_and_works_with_several_keys() {
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
}

#[test]
fn a_pem_without_kid_on_a_multi_key_app_is_kid_invalid_until_the_kid_is_given() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:multi-key"]);
    env.setup_okta("corp", &t, &[]).success();
    env.expect_failure("corp", "token", "okta.kid_invalid");
    env.setup_okta("corp", &t, &["--key-id", &t.okta.key_id])
        .success();
    let (code, report) = env.test_json("corp");
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn dpop_off_against_an_app_that_requires_it_says_turn_it_on_and_one_flag_fixes_it() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:dpop-required"]);
    env.setup_okta("corp", &t, &["--no-dpop"]).success();
    let report = env.expect_failure("corp", "token", "okta.dpop_required");
    let d = &step(&report, "token")["diagnosis"];
    assert_eq!(d["title"], "This app requires DPoP — set DPoP to yes");
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("--profile corp --dpop")
    );
    // The one-step fix from the hint.
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--dpop", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"ok\":true"));
}

#[test]
fn dpop_on_against_an_app_without_it_passes_with_a_note() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:dpop-off"]);
    assert!(!t.okta.dpop);
    env.setup_okta("corp", &t, &["--dpop"]).success();
    let (code, report) = env.test_json("corp");
    assert_eq!(code, 0, "{report:#}");
    assert!(detail(&report, "token").contains("bearer token"));
    assert!(detail(&report, "token").contains("does not require DPoP"));
    env.setup_okta("plain", &t, &["--no-dpop"]).success();
    assert_eq!(env.test_json("plain").0, 0);
}

#[test]
fn an_empty_first_page_means_no_admin_role() {
    let env = env_or_skip!();
    let report = env.okta_fails(&["okta:no-admin-role"], &[], "users", "okta.no_admin_role");
    assert!(
        step(&report, "users")["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .contains("Read-only Administrator")
    );
}

#[test]
fn partial_scopes_are_caught_at_the_token_and_by_the_users_api() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:partial-scopes"]);
    let scopes = "okta.users.read okta.groups.read okta.apps.read";
    env.setup_okta("corp", &t, &["--scopes", scopes]).success();
    let (code, report) = env.test_json("corp");
    assert_eq!(code, 1);
    assert_failed_at(&report, "scopes", "okta.missing_scope");
    assert!(detail(&report, "scopes").contains("okta.users.read was not granted"));
    // The export calls the API without the scope check: Okta's 403 insufficient_scope.
    env.cmd().args(["users", "corp"]).assert().code(1).stderr(
        predicate::str::contains("okta.missing_scope").and(predicate::str::contains("HTTP 403")),
    );
}

#[test]
fn no_granted_scope_is_consent_required() {
    let env = env_or_skip!();
    env.okta_fails(&["okta:no-scopes"], &[], "token", "okta.no_scopes_granted");
}

#[test]
fn an_unsaved_key_is_no_jwks() {
    let env = env_or_skip!();
    env.okta_fails(&["okta:no-jwks"], &[], "token", "okta.no_jwks");
}

#[test]
fn a_clock_ten_minutes_off_is_clock_skew() {
    let env = env_or_skip!();
    let report = env.okta_fails(&["okta:clock-skew"], &[], "token", "okta.clock_skew");
    assert!(detail(&report, "token").contains("The client_assertion token is expired."));
}

#[test]
fn a_proxy_that_strips_the_nonce_is_dpop_proof_rejected() {
    let env = env_or_skip!();
    env.okta_fails(
        &["okta:nonce-stripped"],
        &[],
        "token",
        "okta.dpop_proof_rejected",
    );
}

#[test]
fn secret_apps_and_non_service_apps_are_named() {
    let env = env_or_skip!();
    for (scenario, code) in [
        ("okta:secret-app", "okta.secret_auth_not_allowed"),
        ("okta:not-service-app", "okta.not_service_app"),
    ] {
        let t = tenant(5, &[scenario]);
        env.setup_okta("corp", &t, &[]).success();
        let (_, report) = env.test_json("corp");
        assert_failed_at(&report, "token", code);
    }
}

#[test]
fn an_unknown_client_id_or_a_foreign_key_is_invalid_client() {
    let env = env_or_skip!();
    let t = tenant(5, &[]);
    let other = tenant(5, &[]);
    // Another org's key: the signature does not verify against this app's JWKS.
    let key = env.file("other.pem", &other.okta.private_key_pem);
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args(["--client-id", &t.okta.client_id, "--private-key-file"])
        .arg(key)
        .arg("--no-test")
        .assert()
        .success();
    let (_, report) = env.test_json("corp");
    assert_failed_at(&report, "token", "okta.invalid_client");
    assert!(detail(&report, "token").contains("The client_assertion signature is invalid."));

    env.setup_okta("corp", &t, &[]).success();
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "corp",
            "--client-id",
            "0oaUnknownClient00000",
            "--no-test",
        ])
        .assert()
        .success();
    let (_, report) = env.test_json("corp");
    assert_failed_at(&report, "token", "okta.invalid_client");
    assert!(detail(&report, "token").contains("not a valid client_id"));
}

#[test]
fn bad_keys_are_refused_at_setup_saying_what_they_are() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    let public =
        serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "k"}).to_string();
    for (text, says) in [
        (public.as_str(), "a public RSA JWK"),
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "certificate",
        ),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
            "encrypted",
        ),
        (
            r#"{"keys":[{"kty":"RSA"},{"kty":"EC"}]}"#,
            "key set with 2 keys",
        ),
        ("not a key at all", "this is not a key"),
    ] {
        env.cmd()
            .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
            .args([
                "--client-id",
                &t.okta.client_id,
                "--private-key-stdin",
                "--no-test",
            ])
            .write_stdin(text.to_string())
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(says).and(predicate::str::contains("okta.invalid_key")),
            );
    }
    assert!(!env.profiles_file().exists());
}

#[test]
fn a_pasted_key_with_cr_and_literal_newlines_is_normalised() {
    let env = env_or_skip!();
    let t = tenant(5, &[]);
    // As it arrives from a JSON file or an env file: quoted, with literal \n.
    let pasted = format!("\"{}\"", t.okta.private_key_pem.trim().replace('\n', "\\n"));
    env.cmd()
        .args(["setup", "okta", "--profile", "corp", "--host", &t.okta.host])
        .args([
            "--client-id",
            &t.okta.client_id,
            "--private-key-stdin",
            "--json",
        ])
        .write_stdin(pasted)
        .assert()
        .success()
        .stderr(predicate::str::contains("literal \\n"))
        .stdout(predicate::str::contains("\"ok\":true"));
    let cr = t.okta.private_key_pem.replace('\n', "\r");
    env.cmd()
        .args(["rotate", "corp", "--private-key-stdin", "--json"])
        .write_stdin(cr)
        .assert()
        .success()
        .stderr(predicate::str::contains("CR line breaks"));
}

#[test]
fn rotate_replaces_the_key_and_retests() {
    let env = env_or_skip!();
    let t = tenant(5, &[]);
    let other = tenant(5, &[]);
    let foreign = env.file("foreign.pem", &other.okta.private_key_pem);
    env.setup_okta("corp", &t, &[]).success();
    env.cmd()
        .args(["rotate", "corp", "--private-key-file"])
        .arg(&foreign)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("okta.invalid_client"));
    let right = env.file("right.json", &t.okta.private_key_jwk);
    env.cmd()
        .args(["rotate", "corp", "--private-key-file"])
        .arg(&right)
        .assert()
        .success();
    env.cmd()
        .args(["rotate", "corp", "--client-secret-stdin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Okta profile"));
}

#[test]
fn export_follows_link_headers_and_hides_deprovisioned_users() {
    let env = env_or_skip!();
    let n = 1000;
    let t = tenant(n, &[]);
    env.setup_okta("corp", &t, &[]).success();
    let out = env
        .cmd()
        .args(["users", "corp", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let expected = ploy_connect::emulator::data::people(n, 7)
        .iter()
        .filter(|p| p.okta_status != "DEPROVISIONED")
        .count();
    assert!(expected > 600, "the data set spans several pages");
    assert_eq!(users.len(), expected);
    assert!(users.iter().all(|u| u["status"] != "DEPROVISIONED"));
    let statuses: std::collections::HashSet<_> = users
        .iter()
        .map(|u| u["status"].as_str().unwrap().to_string())
        .collect();
    assert!(statuses.len() >= 6, "{statuses:?}");
    assert!(users.iter().all(|u| u["source"] == "okta"));
    let pages = t.emulator.okta_stats.snapshot().users_requests;
    assert_eq!(pages as usize, expected.div_ceil(200));
}

#[test]
fn rate_limits_are_waited_out_not_hammered() {
    let env = env_or_skip!();
    let t = tenant(1000, &["okta:rate-limit"]);
    env.setup_okta("corp", &t, &[]).success();
    let out = env.cmd().args(["users", "corp"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = t.emulator.okta_stats.snapshot();
    assert_eq!(
        stats.rate_limited, 1,
        "only the forced 429; the rest were waited out: {stats:?}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("waiting"));
}

#[test]
fn a_resource_nonce_challenge_is_answered_once() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:resource-nonce"]);
    env.setup_okta("corp", &t, &[]).success();
    let (code, report) = env.test_json("corp");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(t.emulator.okta_stats.snapshot().users_requests, 2);
}

#[test]
fn the_admin_console_host_is_corrected() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    let key = env.file("k.pem", &t.okta.private_key_pem);
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "corp",
            "--host",
            "https://corp-admin.okta.com/admin/dashboard",
        ])
        .args(["--client-id", &t.okta.client_id, "--private-key-file"])
        .arg(key)
        .arg("--no-test")
        .assert()
        .success()
        .stderr(predicate::str::contains("removed \"-admin\""));
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    assert!(text.contains("host = \"corp.okta.com\""), "{text}");
}

#[test]
fn okta_flags_need_okta_values() {
    let env = env_or_skip!();
    let t = tenant(1, &[]);
    env.setup_okta("corp", &t, &["--scopes", "okta.groups.read"])
        .code(2)
        .stderr(predicate::str::contains("needs okta.users.read"));
    env.cmd()
        .args(["setup", "okta", "--profile", "corp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--private-key-file"));
}

#[test]
fn a_token_rejected_after_one_remint_is_token_rejected() {
    let env = env_or_skip!();
    let t = tenant(10, &["okta:reject-tokens"]);
    env.setup_okta("corp", &t, &[]).success();
    let before = t.emulator.okta_stats.snapshot();
    env.expect_failure("corp", "users", "okta.token_rejected");
    let after = t.emulator.okta_stats.snapshot();
    assert_eq!(
        after.users_requests - before.users_requests,
        2,
        "one retry after a re-mint"
    );
}
