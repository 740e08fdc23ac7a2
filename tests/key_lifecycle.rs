//! Keys made here (issue 10), in-process: generate → Okta does not know it yet → the admin
//! adds the public key → it works; rotation without downtime (stage, the old key still works,
//! promote only once the new one is proven); and the keyring and the profile agree after a
//! crash at any point.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::collections::BTreeSet;

use ploy_core::integration::Integration;
use ploy_core::keys::KeyType;
use ploy_core::secret::{SecretKey, SecretKind};
use ploy_core::setup::{self, Draft};

use common::lab::Lab;

/// Every keyring account the lab's memory store holds.
fn accounts(lab: &Lab) -> BTreeSet<String> {
    use ploy_core::secret::SecretStore;
    lab.memory
        .as_ref()
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .map(|l| l.account)
        .collect()
}

/// An Okta profile `name` whose key was made here (and not yet added in Okta).
async fn generated_profile(lab: &Lab, name: &str, kind: KeyType) -> serde_json::Value {
    let generated = setup::generate(kind).await.unwrap();
    let public = generated.public_jwk.clone();
    let draft = Draft {
        name: name.into(),
        host: Some(lab.creds.okta.host.clone()),
        client_id: Some(lab.creds.okta.client_id.clone()),
        ..Draft::default()
    }
    .with_generated(generated);
    lab.save(Integration::Okta, &draft).await.unwrap();
    public
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_here_works_once_the_admin_adds_its_public_half() {
    for kind in KeyType::ALL {
        let lab = Lab::new(20, &[]).await;
        let public = generated_profile(&lab, "corp", kind).await;
        assert!(
            public.get("d").is_none(),
            "only the public half is handed out"
        );
        let report = lab
            .expect_failure("corp", "token", "okta.key_not_registered")
            .await;
        let hint = common::step(&report, "token")["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(hint.contains("Add key"), "{hint}");
        assert!(hint.contains("keys show corp"), "{hint}");

        let kid = lab.emulator.okta.add_key(&public).unwrap();
        assert_eq!(kid, public["kid"].as_str().unwrap());
        assert!(lab.test("corp").await.ok, "{kind:?} works once added");
        let p = lab
            .services
            .store
            .load()
            .unwrap()
            .get("corp")
            .unwrap()
            .clone();
        assert_eq!(
            p.okta.as_ref().unwrap().key_id.as_deref(),
            Some(kid.as_str())
        );
        assert!(p.secret_stored.is_some());
        // The public key shown later is the same one.
        let shown = setup::public_keys(&lab.services, "corp").await.unwrap();
        assert_eq!(shown.current.unwrap(), public);
        assert!(shown.staged.is_none());
    }
}

/// Issue 20, item 6: a key made here exists nowhere but the keyring; when it is gone the fix
/// is a new key made here, not a key pasted from Okta.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_key_made_here_points_to_making_a_new_one() {
    let lab = Lab::new(5, &[]).await;
    generated_profile(&lab, "corp", KeyType::Rsa2048).await;
    let p = lab.profile("corp");
    lab.services
        .vault
        .delete(&ploy_core::session::secret_key("corp", &p))
        .await
        .unwrap();
    let report = lab
        .expect_failure("corp", "input", "okta.made_key_missing")
        .await;
    let hint = common::step(&report, "input")["diagnosis"]["hint"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(hint.contains("rotate corp --generate-key"), "{hint}");
    assert!(!hint.contains("--private-key"), "{hint}");
    assert!(!hint.to_lowercase().contains("paste"), "{hint}");
    // A pasted key that is gone is still pasted again.
    lab.okta("pasted", |_| {}).await;
    let p = lab.profile("pasted");
    lab.services
        .vault
        .delete(&ploy_core::session::secret_key("pasted", &p))
        .await
        .unwrap();
    lab.expect_failure("pasted", "input", "secret.missing")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_key_with_an_unknown_kid_is_still_a_kid_problem() {
    let lab = Lab::new(5, &["okta:multi-key"]).await;
    lab.okta("corp", |d| d.key_id = Some("not-the-kid".into()))
        .await;
    lab.expect_failure("corp", "token", "okta.kid_invalid")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_stages_proves_then_promotes_without_downtime() {
    let lab = Lab::new(20, &[]).await;
    let first = generated_profile(&lab, "corp", KeyType::Rsa2048).await;
    lab.emulator.okta.add_key(&first).unwrap();
    // The app holds two keys at most: the admin retired the one Okta made.
    assert!(lab.emulator.okta.remove_key(&lab.creds.okta.key_id));
    assert!(lab.test("corp").await.ok);
    let before = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    let entries_before = accounts(&lab);

    // Stage: a second entry; the current key keeps working.
    let staged = setup::stage(&lab.services, "corp", KeyType::EcP256)
        .await
        .unwrap();
    assert_eq!(staged.public_jwk["kty"], "EC");
    assert_eq!(accounts(&lab).len(), entries_before.len() + 1);
    assert!(lab.test("corp").await.ok, "the current key still works");
    let shown = setup::public_keys(&lab.services, "corp").await.unwrap();
    assert_eq!(shown.staged.as_ref().unwrap(), &staged.public_jwk);
    assert_eq!(shown.current.as_ref().unwrap(), &first);

    // Promote before the admin added it: fails, changes nothing.
    let early = setup::promote(&lab.services, "corp", None).await.unwrap();
    assert!(!early.promoted);
    assert_eq!(early.report.failure_code(), Some("okta.key_not_registered"));
    let unchanged = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    assert_eq!(unchanged.secret_ref, before.secret_ref);
    assert_eq!(unchanged.staged().unwrap().key_id, staged.key_id);
    assert!(
        lab.test("corp").await.ok,
        "still the old key, still working"
    );

    // The admin adds it: promotion passes, the old private key leaves the keyring.
    lab.emulator.okta.add_key(&staged.public_jwk).unwrap();
    let done = setup::promote(&lab.services, "corp", None).await.unwrap();
    assert!(done.promoted, "{:?}", done.report.failure_code());
    assert_eq!(done.retired.as_deref(), first["kid"].as_str());
    let after = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    assert_ne!(after.secret_ref, before.secret_ref);
    assert!(after.staged().is_none());
    assert_eq!(
        after.okta.as_ref().unwrap().key_id.as_deref(),
        Some(staged.key_id.as_str())
    );
    let old_entry = SecretKey::new(
        Integration::Okta,
        "corp",
        &before.secret_ref,
        SecretKind::PrivateKey,
    );
    assert!(!accounts(&lab).contains(old_entry.account()));
    assert_eq!(accounts(&lab).len(), entries_before.len());
    // The admin retires the old key in Okta: nothing breaks.
    assert!(lab.emulator.okta.remove_key(first["kid"].as_str().unwrap()));
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staging_again_replaces_the_staged_key_and_remove_takes_both() {
    let lab = Lab::new(5, &[]).await;
    lab.okta("corp", |_| {}).await;
    let one = setup::stage(&lab.services, "corp", KeyType::EcP256)
        .await
        .unwrap();
    let two = setup::stage(&lab.services, "corp", KeyType::EcP256)
        .await
        .unwrap();
    assert_eq!(two.replaced.as_deref(), Some(one.key_id.as_str()));
    assert_eq!(
        accounts(&lab).len(),
        2,
        "the current key and one staged key"
    );
    setup::remove(&lab.services, "corp").await.unwrap();
    assert!(accounts(&lab).is_empty(), "{:?}", accounts(&lab));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_either_side_of_staging_the_profile_and_keyring_agree() {
    let lab = Lab::new(5, &[]).await;
    lab.okta("corp", |_| {}).await;
    let p = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();

    // Killed after the keyring write, before the profile write: an entry nothing points to.
    // The profile has no staged key; prune finds the entry; staging again is unaffected.
    let stray = SecretKey::new(
        Integration::Okta,
        "corp",
        "stray-ref",
        SecretKind::PrivateKey,
    )
    .in_store(Some(
        &lab.services.store.load().unwrap().store_id.clone().unwrap(),
    ));
    let g = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    lab.services.vault.set(&stray, g.pem).await.unwrap();
    assert!(
        setup::public_keys(&lab.services, "corp")
            .await
            .unwrap()
            .staged
            .is_none()
    );
    let orphans = setup::orphans(&lab.services).await.unwrap();
    assert_eq!(orphans.ours, vec![stray.account().to_string()]);
    setup::stage(&lab.services, "corp", KeyType::EcP256)
        .await
        .unwrap();
    let orphans = setup::orphans(&lab.services).await.unwrap();
    assert!(
        orphans.ours.is_empty(),
        "the next stage forgets what a killed one left, and the staged key is no orphan: {orphans:?}"
    );
    assert_eq!(
        accounts(&lab).len(),
        2,
        "the current key and the staged one"
    );

    // The staged entry lost (deleted by hand): promote says so and changes nothing.
    let staged = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    let entry = SecretKey::new(
        Integration::Okta,
        "corp",
        &staged.staged().unwrap().secret_ref,
        SecretKind::PrivateKey,
    );
    lab.services.vault.delete(&entry).await.unwrap();
    let err = setup::promote(&lab.services, "corp", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not in the keyring"), "{err}");
    let now = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    assert_eq!(now.secret_ref, p.secret_ref);
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulated_app_holds_at_most_two_keys_and_refuses_private_ones() {
    let lab = Lab::new(1, &[]).await;
    let one = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    let two = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    lab.emulator.okta.add_key(&one.public_jwk).unwrap();
    let err = lab.emulator.okta.add_key(&two.public_jwk).unwrap_err();
    assert!(err.contains("2 active keys"), "{err}");
    let mut private = two.public_jwk.clone();
    private["d"] = "x".into();
    assert!(
        lab.emulator
            .okta
            .add_key(&private)
            .unwrap_err()
            .contains("private")
    );
    assert_eq!(lab.emulator.okta.key_ids().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_different_kid_shown_by_okta_can_be_adopted() {
    let lab = Lab::new(5, &[]).await;
    let public = generated_profile(&lab, "corp", KeyType::EcP256).await;
    let draft = Draft {
        name: "corp".into(),
        key_id: Some("kid-okta-shows".into()),
        ..Draft::default()
    };
    lab.save(Integration::Okta, &draft).await.unwrap();
    let p = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    let o = p.okta.unwrap();
    assert_eq!(o.key_id.as_deref(), Some("kid-okta-shows"));
    assert_eq!(o.key_origin, ploy_core::profile::KeyOrigin::Generated);
    // Okta holds the key under that ID: the assertion names it, and it works.
    let mut under_okta_kid = public.clone();
    under_okta_kid["kid"] = "kid-okta-shows".into();
    lab.emulator.okta.add_key(&under_okta_kid).unwrap();
    assert!(lab.test("corp").await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_rotation_of_a_key_made_here_is_a_pasted_key_again() {
    let lab = Lab::new(5, &["okta:multi-key"]).await;
    let public = generated_profile(&lab, "corp", KeyType::EcP256).await;
    // The app already holds two keys (multi-key): retire one to make room for ours.
    let other = lab
        .emulator
        .okta
        .key_ids()
        .into_iter()
        .find(|k| *k != lab.creds.okta.key_id)
        .unwrap();
    assert!(lab.emulator.okta.remove_key(&other));
    lab.emulator.okta.add_key(&public).unwrap();
    assert!(lab.test("corp").await.ok);
    // Okta's own key, pasted as a PEM without its KID into a two-key app: a kid problem.
    let rotation = lab
        .rotate(
            "corp",
            common::lab::key_candidate(&lab.creds.okta.private_key_pem),
            true,
        )
        .await;
    assert_eq!(rotation.report.failure_code(), Some("okta.kid_invalid"));
    let p = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    assert_eq!(
        p.okta.unwrap().key_origin,
        ploy_core::profile::KeyOrigin::Pasted
    );
    lab.expect_failure("corp", "token", "okta.kid_invalid")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_saved_during_a_promotion_keeps_the_promoted_key() {
    let lab = Lab::new(5, &[]).await;
    let first = generated_profile(&lab, "corp", KeyType::EcP256).await;
    lab.emulator.okta.add_key(&first).unwrap();
    assert!(lab.emulator.okta.remove_key(&lab.creds.okta.key_id));
    // An edit prepared before the promotion (the wizard was open), saved after it.
    let stored = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    let edit = Draft {
        name: "corp".into(),
        key_id: stored.okta.as_ref().unwrap().key_id.clone(),
        dpop: Some(true),
        ..Draft::default()
    };
    let prepared = setup::prepare(
        &lab.services,
        Integration::Okta,
        setup::Intent::Update,
        &edit,
    )
    .await
    .unwrap();
    let staged = setup::stage(&lab.services, "corp", KeyType::EcP256)
        .await
        .unwrap();
    lab.emulator.okta.add_key(&staged.public_jwk).unwrap();
    assert!(
        setup::promote(&lab.services, "corp", None)
            .await
            .unwrap()
            .promoted
    );
    setup::save(&lab.services, &prepared).await.unwrap();
    let after = lab
        .services
        .store
        .load()
        .unwrap()
        .get("corp")
        .unwrap()
        .clone();
    assert_eq!(
        after.okta.as_ref().unwrap().key_id.as_deref(),
        Some(staged.key_id.as_str()),
        "the promoted key's ID, not the one the edit saw"
    );
    assert!(lab.emulator.okta.remove_key(first["kid"].as_str().unwrap()));
    assert!(lab.test("corp").await.ok);
}
