//! OneTrust scenarios in-process: the core's setup, test, rotation and export against the
//! emulated tenant, secrets in memory. No desktop needed.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::collections::HashSet;

use ploy_core::check::Report;
use ploy_core::diagnose::code;
use ploy_core::integration::Integration;
use ploy_core::setup::Candidate;
use secrecy::SecretString;

use common::lab::{Lab, step};
use common::{assert_failed_at, closed_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_then_test_passes_with_the_documented_json() {
    let lab = Lab::new(250, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab.test("acme").await.to_json();
    let keys: HashSet<_> = report.as_object().unwrap().keys().cloned().collect();
    let want: HashSet<_> = [
        "schema_version",
        "profile",
        "integration",
        "ok",
        "steps",
        "users_seen",
        "users_total",
        "users_deactivated",
        "warnings",
        "notes",
    ]
    .map(String::from)
    .into();
    assert_eq!(keys, want);
    common::assert_documented("test --json", &report);
    assert_eq!(report["ok"], true);
    assert_eq!(report["integration"], "onetrust");
    assert_eq!(report["users_seen"], 250);
    let ids: Vec<_> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "input",
            "dns",
            "tls",
            "token",
            "scopes",
            "users",
            "privileges"
        ]
    );
    // A credential with USER alone: no warning, and the one note that USER can write.
    assert_eq!(report["warnings"], serde_json::json!([]));
    assert_eq!(report["notes"][0]["code"], "onetrust.user_scope_writes");
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
    let p = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    let last = p.last_test.unwrap();
    assert!(last.ok);
    assert_eq!(last.users_seen, Some(250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_is_invalid_client_and_rotation_fixes_it() {
    let lab = Lab::new(10, &[]).await;
    lab.onetrust("acme", "wrong-secret-1234").await;
    let report = lab
        .expect_failure("acme", "token", "onetrust.invalid_client")
        .await;
    assert!(
        common::step(&report, "token")["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .contains("ploy-connect rotate acme")
    );
    let right = Candidate::Secret(SecretString::from(lab.creds.onetrust.client_secret.clone()));
    let r = lab.rotate("acme", right, false).await;
    assert!(r.report.ok && r.replaced);
    assert_eq!(
        lab.stored_secret("acme").await.as_deref(),
        Some(lab.creds.onetrust.client_secret.as_str())
    );
    assert!(lab.test("acme").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_rotation_keeps_the_stored_secret_unless_forced() {
    let lab = Lab::new(10, &[]).await;
    let good = lab.creds.onetrust.client_secret.clone();
    lab.onetrust("acme", &good).await;
    lab.test("acme").await;
    let before = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();

    let wrong = || Candidate::Secret(SecretString::from("typo-in-the-new-secret".to_string()));
    let r = lab.rotate("acme", wrong(), false).await;
    assert!(!r.replaced, "a failing candidate is not stored");
    assert_failed_at(&r.report.to_json(), "token", "onetrust.invalid_client");
    assert_eq!(
        lab.stored_secret("acme").await.as_deref(),
        Some(good.as_str())
    );
    let after = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    assert_eq!(after, before, "nothing on the profile changed either");
    assert!(lab.test("acme").await.ok, "the integration still works");

    // For when the vendor is down: store it anyway.
    let r = lab.rotate("acme", wrong(), true).await;
    assert!(r.replaced);
    assert_eq!(
        lab.stored_secret("acme").await.as_deref(),
        Some("typo-in-the-new-secret")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_client_id_is_invalid_client() {
    let lab = Lab::new(10, &[]).await;
    let mut d = lab.onetrust_draft("acme", &lab.creds.onetrust.client_secret);
    d.client_id = Some("00000000000000000000000000000000".into());
    lab.save(Integration::OneTrust, &d).await.unwrap();
    lab.expect_failure("acme", "token", "onetrust.invalid_client")
        .await;
}

async fn fails(scenarios: &[&str], step_id: &str, code: &str) -> serde_json::Value {
    let lab = Lab::new(10, scenarios).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    lab.expect_failure("acme", step_id, code).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_user_scope_is_caught_from_the_token() {
    let report = fails(
        &["onetrust:missing-user-scope"],
        "scopes",
        "onetrust.missing_user_scope",
    )
    .await;
    assert!(step(&report, "scopes").contains("USER"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_user_scope_is_caught_by_the_users_call_when_scopes_are_unlisted() {
    fails(
        &["onetrust:missing-user-scope", "onetrust:scopes-unlisted"],
        "users",
        "onetrust.missing_user_scope",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_are_read_from_either_spelling_or_the_jwt() {
    for scenario in ["onetrust:hyphen-scopes", "onetrust:scopes-in-jwt"] {
        let lab = Lab::new(5, &[scenario]).await;
        lab.onetrust("acme", &lab.creds.onetrust.client_secret)
            .await;
        let report = lab.test("acme").await.to_json();
        assert_eq!(report["ok"], true, "{scenario}: {report:#}");
        let detail = step(&report, "scopes");
        assert!(detail.contains("USER granted"), "{scenario}: {detail}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_tokens_are_reminted_once_then_diagnosed() {
    fails(
        &["onetrust:reject-tokens"],
        "users",
        "onetrust.token_rejected",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hourly_rate_limit_is_diagnosed_without_waiting_an_hour() {
    let report = fails(&["onetrust:rate-limit"], "token", "rate_limited").await;
    let detail = step(&report, "token");
    assert!(detail.contains("3600 s, hour limit"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_the_vendors_side() {
    fails(&["onetrust:server-error"], "token", "server_error").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_page_instead_of_a_token_is_an_unexpected_response() {
    fails(&["onetrust:html"], "token", "unexpected_response").await;
}

async fn with_host(host: String) -> Report {
    let lab = Lab::new(1, &[]).await;
    let mut d = lab.onetrust_draft("acme", "secret-value");
    d.host = Some(host);
    lab.save(Integration::OneTrust, &d).await.unwrap();
    lab.test("acme").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_host_unreachable() {
    let r = with_host(format!("127.0.0.1:{}", closed_port())).await;
    assert_failed_at(&r.to_json(), "tls", "host.unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_without_dns_is_host_not_found() {
    // RFC 6761: .invalid never resolves.
    let r = with_host("acme-tenant.invalid".into()).await;
    assert_failed_at(&r.to_json(), "dns", "host.not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_a_server_that_does_not_speak_it_is_plain_http_not_a_certificate() {
    let lab = Lab::new(1, &[]).await;
    // The emulator speaks plain HTTP; asking for https makes the handshake fail, and the
    // answer says why (issue 20, item 8): no certificate to install would help.
    let mut d = lab.onetrust_draft("acme", "secret-value");
    d.host = Some(format!("https://{}", lab.creds.onetrust.host));
    lab.save(Integration::OneTrust, &d).await.unwrap();
    lab.expect_failure("acme", "tls", "tls.plain_http").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_tls_failed() {
    let (port, _server) = common::untrusted_tls_server();
    let r = with_host(format!("https://127.0.0.1:{port}"))
        .await
        .to_json();
    assert_failed_at(&r, "tls", "tls.failed");
    let detail = step(&r, "tls").to_lowercase();
    assert!(detail.contains("certificate"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_edited_bad_host_fails_the_input_step() {
    let lab = Lab::new(1, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let path = lab.services.store.path();
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        &format!("host = \"{}\"", lab.creds.onetrust.host),
        "host = \"user@acme\"",
    );
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    lab.expect_failure("acme", "input", "host.invalid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_without_its_secret_says_how_to_store_it() {
    let lab = Lab::new(1, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let path = lab.services.store.path();
    let text = std::fs::read_to_string(&path).unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("secret_ref") {
                "secret_ref = \"not-in-the-keyring\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, edited.join("\n")).unwrap();
    lab.expect_failure("acme", "input", "secret.missing").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerunning_setup_updates_and_keeps_the_secret() {
    let lab = Lab::new(3, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    // Only the client ID changes; the stored secret stays.
    let only_id = ploy_core::setup::Draft {
        name: "acme".into(),
        client_id: Some("other-id".into()),
        ..Default::default()
    };
    lab.save(Integration::OneTrust, &only_id).await.unwrap();
    lab.expect_failure("acme", "token", "onetrust.invalid_client")
        .await;
    let back = ploy_core::setup::Draft {
        name: "acme".into(),
        client_id: Some(lab.creds.onetrust.client_id.clone()),
        ..Default::default()
    };
    lab.save(Integration::OneTrust, &back).await.unwrap();
    assert!(lab.test("acme").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_visible_users_fail_the_users_step_naming_the_organization() {
    let lab = Lab::new(10, &["onetrust:child-org"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab
        .expect_failure("acme", "users", "onetrust.no_users")
        .await;
    assert_eq!(report["ok"], false);
    assert_eq!(report["users_seen"], 0);
    let users = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "users")
        .unwrap();
    let hint = users["diagnosis"]["hint"].as_str().unwrap();
    assert!(hint.contains("organization"), "{hint}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_reads_every_page_once_in_order() {
    let lab = Lab::new(4500, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let users = lab.export("acme").await.unwrap();
    assert_eq!(users.len(), 4500);
    let ids: HashSet<_> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), 4500, "no user twice");
    assert!(
        users.windows(2).all(|w| w[0].email <= w[1].email),
        "sorted by email"
    );
    assert!(users.iter().all(|u| u.source == Integration::OneTrust));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gated_reader_waits_for_the_consumer_to_take_pages_in() {
    use ploy_core::session::{self, Gate, SecretSource};
    let lab = Lab::new(4500, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let profile = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let services = lab.services.clone();
    let reader = tokio::spawn(async move {
        let source = SecretSource::Vault(&services.vault);
        let mut s = session::open("acme", &profile, &source, None)
            .await
            .unwrap();
        let gate = Gate::new(1);
        session::for_each_page_gated(&mut s.connector, &gate, |page, ticket| {
            tx.send((page.users.len(), ticket)).unwrap();
            Ok::<_, ploy_core::diagnose::Failure>(())
        })
        .await
    });
    let (first, ticket) = rx.recv().await.unwrap();
    assert_eq!(first, 2000);
    // Held: the next page is read but not handed on (on loopback it would be here at once).
    let held = tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv()).await;
    assert!(held.is_err(), "a second page came while the first was held");
    drop(ticket);
    let mut total = first;
    while let Some((n, ticket)) = rx.recv().await {
        total += n;
        drop(ticket);
    }
    assert_eq!(total, 4500);
    assert_eq!(reader.await.unwrap().unwrap(), 4500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_survives_expiring_tokens_and_short_rate_limits() {
    let lab = Lab::new(
        4500,
        &["onetrust:expire-tokens", "onetrust:rate-limit-burst"],
    )
    .await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    assert_eq!(lab.export("acme").await.unwrap().len(), 4500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_paging_stops_the_export_instead_of_looping() {
    let lab = Lab::new(4500, &["onetrust:ignore-paging"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let f = lab.export("acme").await.unwrap_err();
    assert_eq!(f.code, code::UNEXPECTED_RESPONSE);
    assert!(f.detail.contains("ignores paging"), "{}", f.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_keyring_writes_nothing_and_is_a_local_failure() {
    let lab = Lab::without_keyring(1).await;
    let err = lab
        .save(
            Integration::OneTrust,
            &lab.onetrust_draft("acme", "secret-value"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err:?}");
    let d = err.diagnosed().unwrap();
    assert_eq!(d.failure.code, code::SECRET_STORE_UNAVAILABLE);
    assert!(
        !lab.services.store.path().exists(),
        "no profile without its secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keyring_during_a_test_keeps_the_last_vendor_result() {
    let lab = Lab::new(1, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    assert!(lab.test("acme").await.ok);
    let before = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    // Same profiles, but now the keyring is gone.
    let broken = ploy_core::app::Services {
        store: lab.services.store.clone(),
        vault: ploy_core::secret::Vault::new(std::sync::Arc::new(
            ploy_core::secret::MemoryStore::failing(
                ploy_core::secret::SecretStoreError::Unavailable("no bus".into()),
            ),
        )),
    };
    let ran = ploy_core::check::run_and_remember(&broken, "acme", None)
        .await
        .unwrap();
    assert_failed_at(
        &ran.report.to_json(),
        "input",
        code::SECRET_STORE_UNAVAILABLE,
    );
    assert_eq!(ran.report.exit_code(), 3);
    let after = lab
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    assert_eq!(
        after.last_test, before.last_test,
        "a local failure does not replace the vendor's last result"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_setups_of_one_new_profile_leave_one_secret() {
    let lab = std::sync::Arc::new(Lab::new(1, &[]).await);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let lab = lab.clone();
        tasks.push(tokio::spawn(async move {
            let d = lab.onetrust_draft("acme", &format!("secret-{i}"));
            lab.save(Integration::OneTrust, &d).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stored = lab.stored_secret("acme").await.unwrap();
    assert!(stored.starts_with("secret-"), "one of them won");
    assert_eq!(
        lab.memory.as_ref().unwrap().accounts().len(),
        1,
        "no orphaned secrets"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_removes_only_this_config_dirs_orphans() {
    use ploy_core::secret::SecretKey;
    let lab = Lab::new(1, &[]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let store_id = lab.services.store.load().unwrap().store_id.unwrap();
    let orphan = SecretKey::new(
        Integration::OneTrust,
        "gone",
        "r0",
        ploy_core::secret::SecretKind::ClientSecret,
    );
    let foreign = SecretKey::new(
        Integration::OneTrust,
        "elsewhere",
        "r1",
        ploy_core::secret::SecretKind::ClientSecret,
    );
    let secret = || SecretString::from("an-old-secret".to_string());
    lab.services
        .vault
        .set(&orphan.clone().in_store(Some(&store_id)), secret())
        .await
        .unwrap();
    lab.services
        .vault
        .set(
            &foreign.clone().in_store(Some("another-config-dir")),
            secret(),
        )
        .await
        .unwrap();
    let found = ploy_core::setup::orphans(&lab.services).await.unwrap();
    assert_eq!(found.ours, vec![orphan.account().to_string()]);
    ploy_core::setup::prune(&lab.services, &found.ours)
        .await
        .unwrap();
    let left = lab.memory.as_ref().unwrap().accounts();
    assert_eq!(
        left.len(),
        2,
        "the profile's secret and the other dir's stay: {left:?}"
    );
    assert!(lab.test("acme").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_in_a_copied_config_dir_never_takes_the_originals_secrets() {
    let lab = Lab::new(1, &[]).await;
    let secret = lab.creds.onetrust.client_secret.clone();
    lab.onetrust("acme", &secret).await;
    let copy_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        lab.services.store.path(),
        copy_dir.path().join("profiles.toml"),
    )
    .unwrap();
    let copy = ploy_core::app::Services {
        store: ploy_core::profile::ProfileStore::new(copy_dir.path())
            .with_state_dir(copy_dir.path().join("state")),
        vault: lab.services.vault.clone(),
    };
    // The original gains a profile the copy knows nothing of.
    lab.onetrust("added-later", &secret).await;
    let found = ploy_core::setup::orphans(&copy).await.unwrap();
    assert!(found.ours.is_empty(), "{found:?}");
    ploy_core::setup::prune(&copy, &found.ours).await.unwrap();
    assert!(
        lab.test("added-later").await.ok,
        "the original keeps its secret"
    );
    // The copy's own secrets get an id of their own, which the original never prunes.
    copy.store
        .update(|_| Ok::<_, ploy_core::profile::ProfileError>(()))
        .await
        .unwrap();
    let ids = |s: &ploy_core::app::Services| s.store.load().unwrap().store_id.unwrap();
    assert_ne!(ids(&copy), ids(&lab.services));
    assert!(
        ploy_core::setup::orphans(&lab.services)
            .await
            .unwrap()
            .ours
            .is_empty()
    );
}

/// A loopback listener that counts the connections it is sent and drops each at once.
async fn counting_listener() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(conn);
        }
    });
    (format!("http://127.0.0.1:{port}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_changed_behind_the_admins_back_never_receives_the_secret() {
    use std::sync::atomic::Ordering::SeqCst;
    let lab = Lab::new(10, &[]).await;
    let good = lab.creds.onetrust.client_secret.clone();
    lab.onetrust("acme", &good).await;
    assert!(lab.test("acme").await.ok);

    // What a local attacker (or a stray script) does: point the profile elsewhere.
    let (listener, seen) = counting_listener().await;
    let file = lab.services.store.path();
    let text = std::fs::read_to_string(&file).unwrap();
    let emulator = lab.creds.onetrust.host.clone();
    assert!(text.contains(&emulator), "{text}");
    std::fs::write(&file, text.replace(&emulator, &listener)).unwrap();

    let json = lab
        .expect_failure("acme", "input", "secret.host_changed")
        .await;
    let detail = json.to_string();
    assert!(detail.contains(&listener), "names the new host: {detail}");
    assert!(!detail.contains(&good), "{detail}");
    let export = lab.export("acme").await.expect_err("export refused");
    assert_eq!(export.code, code::SECRET_HOST_CHANGED);
    let rotated = ploy_core::setup::rotate(
        &lab.services,
        "acme",
        Candidate::Secret(SecretString::from("a-new-secret-value".to_string())),
        true,
        None,
    )
    .await;
    assert!(rotated.is_err(), "a rotation is refused too");
    assert_eq!(seen.load(SeqCst), 0, "nothing was sent to the new host");
    assert_eq!(lab.stored_secret_raw_host("acme").await, emulator);

    // The admin confirms the new host by entering it again: only then does it get the secret.
    let confirm = ploy_core::setup::Draft {
        name: "acme".into(),
        host: Some(listener.clone()),
        ..Default::default()
    };
    lab.save(Integration::OneTrust, &confirm).await.unwrap();
    assert!(!lab.test("acme").await.ok);
    assert!(seen.load(SeqCst) > 0, "a confirmed host is used");

    // And back: entering the emulator's host again binds the secret there, and it works.
    let back = ploy_core::setup::Draft {
        name: "acme".into(),
        host: Some(emulator.clone()),
        ..Default::default()
    };
    lab.save(Integration::OneTrust, &back).await.unwrap();
    assert!(lab.test("acme").await.ok);
}
