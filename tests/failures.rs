//! Issue 18: the real services' remaining failures, each with its own diagnosis, against the
//! emulated tenants: an Okta host that is no org, redirects, OneTrust's token 403 and 404,
//! rate-limit waits measured on the server's clock, the DPoP proof's algorithm, and next-page
//! links on the org's other host.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::time::Duration;

use ploy_core::check::{self, CheckEvent};
use ploy_core::http::HttpNotice;
use ploy_core::session::{self, SecretSource};

use common::lab::{Lab, step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_okta_host_that_is_no_org_is_org_not_found_before_any_credential_is_sent() {
    let lab = Lab::new(5, &["okta:org-not-found"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab
        .expect_failure("corp", "token", "okta.org_not_found")
        .await;
    assert_eq!(common::step(&report, "tls")["status"], "passed");
    let detail = step(&report, "token");
    assert!(
        detail.contains("HTTP 404 from GET /.well-known/okta-organization"),
        "{detail}"
    );
    assert!(detail.contains("mistyped or deactivated"), "{detail}");
    let d = &common::step(&report, "token")["diagnosis"];
    assert_eq!(d["title"], "This host is not an Okta org");
    assert!(d["hint"].as_str().unwrap().contains("--host DOMAIN"), "{d}");
    // Nothing was asked of the token endpoint: no assertion left this machine.
    assert_eq!(lab.emulator.okta_stats.snapshot().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_okta_org_says_who_it_is_in_the_token_step() {
    let lab = Lab::new(5, &[]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab.test("corp").await.to_json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(
        step(&report, "token").starts_with("Okta org 00o"),
        "{report:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_names_its_status_and_host_and_is_never_followed() {
    // Okta: every path, the org record first.
    let lab = Lab::new(5, &["okta:redirect"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab.expect_failure("corp", "token", "http.redirected").await;
    let detail = step(&report, "token");
    assert!(detail.contains("HTTP 301"), "{detail}");
    assert!(detail.contains("redirected to localhost:"), "{detail}");
    assert!(detail.contains("not followed"), "{detail}");
    let stats = lab.emulator.okta_stats.snapshot();
    assert_eq!((stats.redirects_followed, stats.token_requests), (0, 0));

    // OneTrust: the token request itself, the secret in its body; a 307 would repost it.
    let lab = Lab::new(5, &["onetrust:redirect"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab.expect_failure("acme", "token", "http.redirected").await;
    let detail = step(&report, "token");
    assert!(
        detail.contains("HTTP 307 from POST /api/access/v1/oauth/token"),
        "{detail}"
    );
    assert!(detail.contains("redirected to localhost:"), "{detail}");
    assert!(!detail.contains(&lab.creds.onetrust.client_secret));
    assert_eq!(lab.emulator.okta_stats.snapshot().redirects_followed, 0);
    let d = &common::step(&report, "token")["diagnosis"];
    assert!(d["hint"].as_str().unwrap().contains("--host HOST"), "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onetrust_token_403_and_404_have_diagnoses_labelled_as_inference() {
    let lab = Lab::new(5, &["onetrust:token-forbidden"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab
        .expect_failure("acme", "token", "onetrust.token_forbidden")
        .await;
    let d = ploy_core::diagnose::Diagnosis::for_code(
        "onetrust.token_forbidden",
        "acme",
        Some(ploy_core::integration::Integration::OneTrust),
    );
    assert!(d.why.contains("Inferred, not documented"), "{}", d.why);
    assert!(
        d.fix.contains("Restrict IP") || d.fix.contains("restricts IP"),
        "{}",
        d.fix
    );
    assert!(step(&report, "token").contains("HTTP 403"));

    let lab = Lab::new(5, &["onetrust:token-not-found"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab
        .expect_failure("acme", "token", "onetrust.token_not_found")
        .await;
    let detail = step(&report, "token");
    assert!(detail.contains("HTTP 404"), "{detail}");
    assert!(detail.contains("inferred:"), "{detail}");
    let d = &common::step(&report, "token")["diagnosis"];
    assert!(
        d["hint"].as_str().unwrap().contains("app-eu.onetrust.com"),
        "{d}"
    );
    assert!(d["hint"].as_str().unwrap().contains("--host HOST"), "{d}");
}

/// The waits a test was told about (`CheckEvent::Waiting`), and its report.
async fn test_with_waits(
    lab: &Lab,
    name: &str,
) -> (ploy_core::check::Report, Vec<(u16, Duration)>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let ran = check::run_and_remember(&lab.services, name, Some(&tx))
        .await
        .unwrap();
    drop(tx);
    let mut waits = Vec::new();
    while let Some(e) = rx.recv().await {
        if let CheckEvent::Waiting { status, wait } = e {
            waits.push((status, wait));
        }
    }
    (ran.report, waits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_wait_is_measured_on_the_orgs_clock_ten_minutes_off_either_way() {
    for scenario in [
        "okta:rate-limit-clock-ahead",
        "okta:rate-limit-clock-behind",
    ] {
        let lab = Lab::new(300, &[scenario]).await;
        lab.okta("corp", |_| {}).await;
        let (report, waits) = test_with_waits(&lab, "corp").await;
        assert!(report.ok, "{scenario}: {:#}", report.to_json());
        // The 429's reset is a second after its Date: reset − Date + 1 s, whatever our clock.
        assert_eq!(waits, [(429, Duration::from_secs(2))], "{scenario}");
        assert_eq!(
            lab.emulator.okta_stats.snapshot().rate_limited,
            1,
            "{scenario}"
        );

        // An export paces itself to the spent windows the same way: never the minute a
        // clock ten minutes off would make of it.
        let profile = lab.profile("corp");
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let notify: ploy_core::http::Notify = std::sync::Arc::new(move |n| {
            let HttpNotice::Waiting { status, wait } = n;
            log.lock().unwrap().push((status, wait));
        });
        let source = SecretSource::Vault(&lab.services.vault);
        let mut s = session::open("corp", &profile, &source, Some(notify))
            .await
            .unwrap();
        let mut users = 0;
        session::for_each_page(&mut s.connector, |page| {
            users += page.users.len();
            Ok::<_, ploy_core::diagnose::Failure>(())
        })
        .await
        .unwrap();
        assert_eq!(users, 300, "{scenario}");
        let paced = seen.lock().unwrap().clone();
        assert!(!paced.is_empty(), "{scenario}: the windows of 2 were spent");
        assert!(
            paced.iter().all(|(_, w)| *w <= Duration::from_secs(3)),
            "{scenario}: {paced:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_proofs_are_rs256_and_a_refused_algorithm_has_its_own_diagnosis() {
    let lab = Lab::new(5, &[]).await;
    lab.okta("corp", |_| {}).await;
    assert!(lab.test("corp").await.ok);
    assert_eq!(
        lab.emulator.okta.proof_algs(),
        ["RS256"],
        "as Okta's SDKs sign"
    );

    let lab = Lab::new(5, &["okta:dpop-alg-refused"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab
        .expect_failure("corp", "token", "okta.dpop_alg_refused")
        .await;
    assert!(
        step(&report, "token").contains("The DPoP proof JWT signature algorithm is invalid."),
        "{report:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_page_links_on_the_orgs_custom_domain_are_followed_on_the_configured_host() {
    let n = 700;
    let lab = Lab::new(n, &["okta:custom-domain-links"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab.test("corp").await.to_json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(
        step(&report, "token").contains("(also at http://localhost:"),
        "the org record names its other host: {report:#}"
    );
    let users = lab.export("corp").await.expect("every page");
    assert_eq!(
        users.len(),
        n,
        "every user, across pages linked on the other host"
    );
    let ent = lab
        .entitlements("corp")
        .await
        .expect("entitlements")
        .unwrap();
    assert!(ent.not_visible.is_empty(), "{:?}", ent.not_visible);
    // Each link was re-issued on the configured host: nothing went to the other one.
    assert_eq!(lab.emulator.okta_stats.snapshot().other_host_requests, 0);
}

/// "The first page is empty" reads as no admin role; the app's own role assignments tell
/// that apart from a role that sees no users (limited to an empty group or resource set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_users_list_is_told_apart_by_the_apps_own_roles() {
    let lab = Lab::new(5, &["okta:role-sees-no-users"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab
        .expect_failure("corp", "users", "okta.role_sees_no_users")
        .await;
    let detail = step(&report, "users");
    assert!(detail.contains("Access Reviewer (CUSTOM)"), "{detail}");
    assert_eq!(
        common::step(&report, "users")["diagnosis"]["title"],
        "The app's admin role sees no users"
    );

    let lab = Lab::new(5, &["okta:no-admin-role"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab
        .expect_failure("corp", "users", "okta.no_admin_role")
        .await;
    assert!(
        step(&report, "users").contains("are empty too"),
        "{report:#}"
    );
}
