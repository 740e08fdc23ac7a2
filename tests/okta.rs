//! Okta scenarios in-process: private-key JWT, DPoP and users against the strict emulated org,
//! through the core's workflows, secrets in memory. No desktop needed.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use ploy_core::diagnose::code;
use ploy_core::integration::Integration;
use ploy_core::keys::{KeyInputError, KeySource};
use secrecy::SecretString;

use common::assert_failed_at;
use common::lab::{Lab, key_candidate, parse_key, step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_is_proven_and_a_warm_retest_needs_one_token_request() {
    let lab = Lab::new(250, &[]).await;
    lab.okta("corp", |_| {}).await;
    let stats = &lab.emulator.okta_stats;
    let before = stats.snapshot().token_requests;
    let report = lab.test("corp").await.to_json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["integration"], "okta");
    assert!(step(&report, "token").contains("DPoP-bound token"));
    assert!(
        step(&report, "token").contains("2 token requests"),
        "cold: challenge + token"
    );
    // The privilege step's probe token is one more request, said in its own step.
    assert!(
        step(&report, "privileges").contains("probe token: 1 token request"),
        "{report:#}"
    );
    let cold = stats.snapshot().token_requests - before;
    assert_eq!(cold, 2 + 1);
    assert_eq!(report["users_seen"], 200, "a full first page");

    let report = lab.test("corp").await.to_json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(
        step(&report, "token").contains("1 token request"),
        "warm: the nonce was cached"
    );
    let warm = stats.snapshot().token_requests - before - cold;
    assert_eq!(warm, 1 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwk_key_carries_its_kid_and_works_with_several_keys() {
    let lab = Lab::new(10, &["okta:multi-key"]).await;
    let d = lab.okta_draft("corp", &lab.creds.okta.private_key_jwk);
    let v = ploy_core::setup::prepare(
        &lab.services,
        Integration::Okta,
        ploy_core::setup::Intent::Create,
        &d,
    )
    .await
    .unwrap();
    assert!(
        v.key_summary
            .as_deref()
            .unwrap()
            .starts_with("RSA 2048 private key (JWK), kid"),
        "{:?}",
        v.key_summary
    );
    ploy_core::setup::save(&lab.services, &v).await.unwrap();
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pem_without_kid_on_a_multi_key_app_is_kid_invalid_until_the_kid_is_given() {
    let lab = Lab::new(10, &["okta:multi-key"]).await;
    lab.okta("corp", |_| {}).await;
    lab.expect_failure("corp", "token", "okta.kid_invalid")
        .await;
    let kid = ploy_core::setup::Draft {
        name: "corp".into(),
        key_id: Some(lab.creds.okta.key_id.clone()),
        ..Default::default()
    };
    lab.save(Integration::Okta, &kid).await.unwrap();
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwk_kid_and_a_different_typed_kid_are_refused_naming_both() {
    let lab = Lab::new(1, &[]).await;
    let mut d = lab.okta_draft("corp", &lab.creds.okta.private_key_jwk);
    d.key_id = Some("some-other-kid".into());
    let err = lab.save(Integration::Okta, &d).await.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(
        text.contains(&lab.creds.okta.key_id) && text.contains("some-other-kid"),
        "{text}"
    );
    assert!(!lab.services.store.path().exists(), "nothing saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_off_against_an_app_that_requires_it_says_turn_it_on_and_one_change_fixes_it() {
    let lab = Lab::new(10, &["okta:dpop-required"]).await;
    lab.okta("corp", |d| d.dpop = Some(false)).await;
    let report = lab
        .expect_failure("corp", "token", "okta.dpop_required")
        .await;
    let d = &common::step(&report, "token")["diagnosis"];
    assert_eq!(d["title"], "This app requires DPoP — set DPoP to yes");
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("--profile corp --dpop")
    );
    let fix = ploy_core::setup::Draft {
        name: "corp".into(),
        dpop: Some(true),
        ..Default::default()
    };
    lab.save(Integration::Okta, &fix).await.unwrap();
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_on_against_an_app_without_it_passes_with_a_note() {
    let lab = Lab::new(10, &["okta:dpop-off"]).await;
    assert!(!lab.creds.okta.dpop);
    lab.okta("corp", |d| d.dpop = Some(true)).await;
    let report = lab.test("corp").await.to_json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(step(&report, "token").contains("bearer token"));
    assert!(step(&report, "token").contains("does not require DPoP"));
    lab.okta("plain", |d| d.dpop = Some(false)).await;
    assert!(lab.test("plain").await.ok);
}

async fn fails(scenarios: &[&str], step_id: &str, code: &str) -> serde_json::Value {
    let lab = Lab::new(10, scenarios).await;
    lab.okta("corp", |_| {}).await;
    lab.expect_failure("corp", step_id, code).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_first_page_means_no_admin_role() {
    let report = fails(&["okta:no-admin-role"], "users", "okta.no_admin_role").await;
    assert!(
        common::step(&report, "users")["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .contains("Read-only Administrator")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_scopes_are_caught_at_the_token_and_by_the_users_api() {
    let lab = Lab::new(10, &["okta:partial-scopes"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab
        .expect_failure("corp", "scopes", "okta.missing_scope")
        .await;
    assert!(step(&report, "scopes").contains("okta.users.read was not granted"));
    // The export calls the API without the scope check: Okta's 403 insufficient_scope.
    let f = lab.export("corp").await.unwrap_err();
    assert_eq!(f.code, code::OKTA_MISSING_SCOPE);
    assert!(f.detail.contains("HTTP 403"), "{}", f.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_granted_scope_is_consent_required() {
    fails(&["okta:no-scopes"], "token", "okta.no_scopes_granted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsaved_key_is_no_jwks() {
    fails(&["okta:no-jwks"], "token", "okta.no_jwks").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_ten_minutes_off_is_clock_skew() {
    let report = fails(&["okta:clock-skew"], "token", "okta.clock_skew").await;
    assert!(step(&report, "token").contains("The client_assertion token is expired."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_strips_the_nonce_is_dpop_proof_rejected() {
    fails(
        &["okta:nonce-stripped"],
        "token",
        "okta.dpop_proof_rejected",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_apps_and_non_service_apps_are_named() {
    fails(
        &["okta:secret-app"],
        "token",
        "okta.secret_auth_not_allowed",
    )
    .await;
    fails(&["okta:not-service-app"], "token", "okta.not_service_app").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_client_id_or_a_foreign_key_is_invalid_client() {
    let lab = Lab::new(5, &[]).await;
    let other = Lab::new(1, &[]).await;
    // Another org's key: the signature does not verify against this app's JWKS.
    let d = lab.okta_draft("corp", &other.creds.okta.private_key_pem);
    lab.save(Integration::Okta, &d).await.unwrap();
    let report = lab
        .expect_failure("corp", "token", "okta.invalid_client")
        .await;
    assert!(step(&report, "token").contains("The client_assertion signature is invalid."));

    lab.okta("corp", |d| {
        d.client_id = Some("0oaUnknownClient00000".into())
    })
    .await;
    let report = lab
        .expect_failure("corp", "token", "okta.invalid_client")
        .await;
    assert!(step(&report, "token").contains("not a valid client_id"));
}

#[test]
fn bad_keys_are_refused_saying_what_they_are() {
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
        (
            "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n",
            "cut off",
        ),
    ] {
        let err = KeySource::Pasted(SecretString::from(text.to_string()))
            .load()
            .err()
            .unwrap();
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    // One line that is neither a key nor a file: it may be a secret, so it is not repeated.
    let err = KeySource::from_input("sedCsfdSecretPastedByMistake")
        .unwrap()
        .load()
        .err()
        .unwrap();
    assert_eq!(err, KeyInputError::NeitherKeyNorFile);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_key_with_cr_and_literal_newlines_is_normalised() {
    let lab = Lab::new(5, &[]).await;
    // As it arrives from a JSON file or an env file: quoted, with literal \n.
    let pasted = format!(
        "\"{}\"",
        lab.creds.okta.private_key_pem.trim().replace('\n', "\\n")
    );
    let key = parse_key(&pasted);
    assert!(key.notes.iter().any(|n| n.text().contains("literal \\n")));
    let mut d = lab.okta_draft("corp", &lab.creds.okta.private_key_pem);
    d.key = Some(key);
    lab.save(Integration::Okta, &d).await.unwrap();
    assert!(lab.test("corp").await.ok);
    let cr = parse_key(&lab.creds.okta.private_key_pem.replace('\n', "\r"));
    assert!(cr.notes.iter().any(|n| n.text().contains("CR line breaks")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_key_is_not_stored_and_the_right_one_is() {
    let lab = Lab::new(5, &[]).await;
    let other = Lab::new(1, &[]).await;
    lab.okta("corp", |_| {}).await;
    let before = lab.stored_secret("corp").await;
    let r = lab
        .rotate(
            "corp",
            key_candidate(&other.creds.okta.private_key_pem),
            false,
        )
        .await;
    assert!(!r.replaced);
    assert_failed_at(&r.report.to_json(), "token", "okta.invalid_client");
    assert_eq!(
        lab.stored_secret("corp").await,
        before,
        "the working key stays"
    );
    let r = lab
        .rotate(
            "corp",
            key_candidate(&lab.creds.okta.private_key_jwk),
            false,
        )
        .await;
    assert!(r.report.ok && r.replaced);
    assert!(lab.stored_secret("corp").await.unwrap().contains("\"kty\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_follows_link_headers_and_reads_deprovisioned_users_in_a_second_pass() {
    let n = 1000;
    let lab = Lab::new(n, &[]).await;
    lab.okta("corp", |_| {}).await;
    let users = lab.export("corp").await.unwrap();
    let people = ploy_emulator::data::people(n, 7);
    let deactivated = people
        .iter()
        .filter(|p| p.okta_status == "DEPROVISIONED")
        .count();
    assert!(deactivated > 5, "the data set has deactivated users");
    assert!(n - deactivated > 600, "the data set spans several pages");
    assert_eq!(users.len(), n, "every user, the deactivated ones too");
    let ids: std::collections::HashSet<_> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), n, "nobody twice");
    assert_eq!(
        users
            .iter()
            .filter(|u| u.status == ploy_core::users::UserStatus::Deprovisioned)
            .count(),
        deactivated
    );
    let statuses: std::collections::HashSet<_> = users.iter().map(|u| u.status).collect();
    assert!(statuses.len() >= 7, "{statuses:?}");
    assert!(users.iter().all(|u| u.source == Integration::Okta));
    let pages = lab.emulator.okta_stats.snapshot().users_requests;
    assert_eq!(
        pages as usize,
        (n - deactivated).div_ceil(200) + deactivated.div_ceil(200),
        "the default list, then the filter pass"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_not_hammered() {
    let lab = Lab::new(1000, &["okta:rate-limit"]).await;
    lab.okta("corp", |_| {}).await;
    lab.export("corp").await.unwrap();
    let stats = lab.emulator.okta_stats.snapshot();
    assert_eq!(
        stats.rate_limited, 1,
        "only the forced 429; the rest were waited out: {stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_nonce_challenge_is_answered_once() {
    let lab = Lab::new(10, &["okta:resource-nonce"]).await;
    lab.okta("corp", |_| {}).await;
    assert!(lab.test("corp").await.ok);
    // The first page twice (challenged, then answered), then the deactivated users' page with
    // the nonce already known.
    assert_eq!(lab.emulator.okta_stats.snapshot().users_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_host_is_corrected() {
    let lab = Lab::new(1, &[]).await;
    let mut d = lab.okta_draft("corp", &lab.creds.okta.private_key_pem);
    d.host = Some("https://corp-admin.okta.com/admin/dashboard".into());
    let v = ploy_core::setup::prepare(
        &lab.services,
        Integration::Okta,
        ploy_core::setup::Intent::Create,
        &d,
    )
    .await
    .unwrap();
    assert_eq!(v.profile.host, "corp.okta.com");
    assert!(
        v.notes
            .iter()
            .any(|(_, n)| n.text().contains("removed \"-admin\""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_rejected_after_one_remint_is_token_rejected() {
    let lab = Lab::new(10, &["okta:reject-tokens"]).await;
    lab.okta("corp", |_| {}).await;
    let before = lab.emulator.okta_stats.snapshot();
    lab.expect_failure("corp", "users", "okta.token_rejected")
        .await;
    let after = lab.emulator.okta_stats.snapshot();
    assert_eq!(
        after.users_requests - before.users_requests,
        2,
        "one retry after a re-mint"
    );
}
