//! Entitlements against the emulator's own record: who holds each Okta app and how, groups
//! and roles of every user, a deactivated user who keeps groups and loses apps, a credential
//! without okta.roles.read, OneTrust access levels.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::collections::BTreeSet;

use common::lab::Lab;
use ploy_core::entitlements::Kind;
use ploy_emulator::EmulatorConfig;
use ploy_emulator::access::Held;

fn record(n: usize) -> ploy_emulator::access::Access {
    EmulatorConfig {
        users: n,
        seed: 7,
        ..EmulatorConfig::default()
    }
    .access()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_apps_groups_and_roles_match_the_tenants_record() {
    let n = 600;
    let lab = Lab::new(n, &[]).await;
    lab.okta("corp", |_| {}).await;
    let e = lab
        .entitlements("corp")
        .await
        .unwrap()
        .expect("okta reads them apart");
    let access = record(n);
    let id_of: Vec<String> = (0..n).map(|i| access.people().okta_id(i)).collect();

    // Who holds each app, and through which group: exactly the app's own user list.
    let apps: Vec<_> = (0..access.apps()).map(|a| access.app(a)).collect();
    let mut seen_apps = 0;
    for app in apps.iter().filter(|a| a.active) {
        let ai = e
            .find(Kind::App, &app.id)
            .expect("every active app is read");
        let got: BTreeSet<(usize, Option<String>)> = id_of
            .iter()
            .enumerate()
            .flat_map(|(i, id)| {
                e.grants_of(id)
                    .into_iter()
                    .filter(|g| g.entitlement == ai)
                    .map(move |g| (i, g.via))
            })
            .map(|(i, via)| (i, via.and_then(|v| e.get(v)).map(|g| g.name.clone())))
            .collect();
        let want: BTreeSet<(usize, Option<String>)> = access
            .holders_of_app(app.index)
            .into_iter()
            .map(|(i, held)| match held {
                Held::Directly => (i, None),
                Held::Via(g) => (i, Some(access.group(g).name)),
            })
            .collect();
        assert_eq!(got, want, "holders of {}", app.label);
        seen_apps += 1;
    }
    assert!(seen_apps >= 4);
    for app in apps.iter().filter(|a| !a.active) {
        assert!(
            e.find(Kind::App, &app.id).is_none(),
            "inactive apps are left out"
        );
    }
    assert!(e.caveats().iter().any(|c| c.contains("active apps only")));
    assert!(e.caveats().iter().any(|c| c.contains("Everyone")));

    // Every user's groups (Everyone is implicit) and admin roles.
    for (i, id) in id_of.iter().enumerate().take(n) {
        let held = e.held_by(id);
        let groups: BTreeSet<String> = held
            .iter()
            .filter(|h| h.kind == Kind::Group)
            .map(|h| h.name.to_string())
            .collect();
        let want: BTreeSet<String> = access
            .groups_of(i)
            .into_iter()
            .map(|g| access.group(g).name)
            .collect();
        assert_eq!(groups, want, "groups of user {i}");
        let roles: BTreeSet<(String, Option<String>)> = held
            .iter()
            .filter(|h| h.kind == Kind::Role)
            .map(|h| (h.name.to_string(), h.via.map(str::to_string)))
            .collect();
        let want: BTreeSet<(String, Option<String>)> = access
            .roles_of(i)
            .into_iter()
            .map(|(r, held)| match held {
                Held::Directly => (r.label.to_string(), None),
                Held::Via(g) => (r.label.to_string(), Some(access.group(g).name)),
            })
            .collect();
        assert_eq!(roles, want, "roles of user {i}");
    }
    assert!(e.not_visible.is_empty(), "{:?}", e.not_visible);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_keeps_groups_and_holds_no_app() {
    let n = 400;
    let lab = Lab::new(n, &[]).await;
    lab.okta("corp", |_| {}).await;
    let e = lab.entitlements("corp").await.unwrap().unwrap();
    let access = record(n);
    let gone: Vec<usize> = (0..n)
        .filter(|i| access.people().okta_status(*i) == "DEPROVISIONED")
        .collect();
    assert!(!gone.is_empty());
    for i in gone {
        let held = e.held_by(&access.people().okta_id(i));
        assert!(
            held.iter().any(|h| h.kind == Kind::Group),
            "user {i} keeps groups"
        );
        assert!(
            !held.iter().any(|h| h.kind == Kind::App),
            "user {i} holds no app"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_okta_roles_read_roles_are_not_visible_and_nothing_fails() {
    let lab = Lab::new(300, &["okta:no-roles-read"]).await;
    lab.okta("corp", |_| {}).await;
    let e = lab.entitlements("corp").await.unwrap().unwrap();
    assert!(
        e.not_visible
            .iter()
            .any(|n| n.what == Kind::Role && n.fix.contains("okta.roles.read"))
    );
    assert!(e.all().iter().all(|x| x.kind != Kind::Role));
    assert!(
        e.all().iter().any(|x| x.kind == Kind::App),
        "the rest is read"
    );
    assert!(
        e.caveats()
            .iter()
            .any(|c| c.starts_with("admin roles not visible: grant okta.roles.read"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onetrust_users_carry_their_access_levels() {
    let n = 300;
    let lab = Lab::new(n, &[]).await;
    lab.onetrust("ot", &lab.creds.onetrust.client_secret).await;
    assert!(
        lab.entitlements("ot").await.unwrap().is_none(),
        "they come with the users"
    );
    let users = lab.export("ot").await.unwrap();
    let access = record(n);
    assert_eq!(users.len(), n);
    for (i, u) in users.iter().enumerate() {
        let got: Vec<(String, String)> = u
            .access
            .iter()
            .map(|a| (a.name.clone(), a.organization.clone().unwrap_or_default()))
            .collect();
        let want: Vec<(String, String)> = access
            .access_levels_of(i)
            .into_iter()
            .map(|l| (l.role_name.to_string(), l.organization_name.to_string()))
            .collect();
        assert_eq!(got, want, "access levels of {}", u.email);
        assert!(u.access.iter().all(|a| a.kind == Kind::AccessLevel));
    }
    assert!(
        users.iter().any(|u| u.access.len() > 1),
        "several organizations"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_counts_deactivated_users_apart_and_remembers_them() {
    let n = 400;
    let lab = Lab::new(n, &[]).await;
    lab.okta("corp", |_| {}).await;
    let gone = (0..n)
        .filter(|i| record(n).people().okta_status(*i) == "DEPROVISIONED")
        .count();
    assert!(gone > 0 && gone < 200, "one page of them: {gone}");
    let report = lab.test("corp").await;
    assert!(report.ok);
    assert_eq!(
        report.users_deactivated.map(|d| (d.seen, d.more)),
        Some((gone, false))
    );
    assert!(
        report
            .users_summary()
            .ends_with(&format!(" + {gone} deactivated")),
        "{}",
        report.users_summary()
    );
    assert_eq!(report.to_json()["users_deactivated"], gone);
    // Home and `status` read the last test: the count is kept with it.
    let last = lab.profile("corp").last_test.unwrap();
    assert_eq!(last.users_deactivated, Some(gone.to_string()));
    // OneTrust's list has every user: nothing is counted apart.
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    assert_eq!(lab.test("acme").await.users_deactivated, None);
}

/// The real binary: the JSON export names what each user holds and how, the CSV one row a
/// (user, entitlement) with --entitlement-rows, --no-entitlements makes no extra call, and the
/// last line counts users, deactivated users and entitlements.
#[test]
fn okta_exports_carry_entitlements_and_say_what_they_hold() {
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    let n = 300;
    let t = common::tenant(n, &[]);
    env.setup_okta("corp", &t, &[]).success();
    let access = record(n);
    let gone = (0..n)
        .filter(|i| access.people().okta_status(*i) == "DEPROVISIONED")
        .count();

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
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("users --format json", &doc);
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), n, "the deactivated users too");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("Wrote {n} users ({gone} deactivated) with ")),
        "{stderr}"
    );
    // An app held through a group names the group, as the tenant's record has it.
    let through_group = users
        .iter()
        .flat_map(|u| u["entitlements"].as_array().unwrap())
        .find(|e| e["kind"] == "app" && e["via"].is_string())
        .expect("an app held through a group");
    assert!(through_group["organization"].is_null());
    let grants: usize = users
        .iter()
        .map(|u| u["entitlements"].as_array().unwrap().len())
        .sum();
    assert!(
        stderr.contains(&format!(
            " with {} entitlements",
            ploy_core::text::thousands(grants as u64)
        )),
        "{stderr}"
    );

    // One row a (user, entitlement): as many rows as the JSON has entitlements (a user who
    // holds none keeps one row).
    let csv_file = env.home.path().join("rows.csv");
    env.cmd()
        .args(["users", "corp", "--entitlement-rows", "-o"])
        .arg(&csv_file)
        .assert()
        .success();
    let mut r = csv::Reader::from_path(&csv_file).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[header.len() - 5..],
        [
            "entitlement_kind",
            "entitlement_id",
            "entitlement_name",
            "via",
            "organization"
        ]
    );
    let rows = r.records().count();
    let empty = users
        .iter()
        .filter(|u| u["entitlements"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(rows, grants + empty);

    // Without entitlements: not one entitlement request, and the last line says so.
    let before = t.emulator.okta_stats.snapshot().entitlement_requests;
    assert!(before > 0);
    let out = env
        .cmd()
        .args(["users", "corp", "--no-entitlements", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        t.emulator.okta_stats.snapshot().entitlement_requests,
        before
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["users"][0].get("entitlements").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("entitlements not read"));
}

/// More apps requests than the apps bucket allows a window (Okta's 100): read several at
/// once, each bucket is kept within what its headers announce, so not one request earns a
/// 429, and every app is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_bucket_is_waited_out_before_a_429() {
    let shape = ploy_emulator::access::Shape {
        groups: 20,
        apps: 70,
        memberships: 3,
    };
    let config = EmulatorConfig {
        users: 300,
        seed: 7,
        shape: Some(shape),
        rate_window_secs: 2,
        ..EmulatorConfig::default()
    };
    let lab = Lab::of(
        ploy_core::secret::Vault::new(std::sync::Arc::new(ploy_core::secret::MemoryStore::new())),
        config.clone(),
    )
    .await;
    lab.okta("corp", |_| {}).await;
    let e = lab.entitlements("corp").await.unwrap().unwrap();
    let apps_requests = lab
        .emulator
        .okta
        .bucket_totals()
        .into_iter()
        .find(|(name, _, _)| *name == "apps")
        .map(|(_, limit, total)| (limit, total))
        .unwrap();
    assert!(
        apps_requests.1 > u64::from(apps_requests.0),
        "more than one window's worth: {apps_requests:?}"
    );
    assert_eq!(lab.emulator.okta_stats.snapshot().rate_limited, 0);
    let access = config.access();
    let active = (0..shape.apps).filter(|a| access.app(*a).active).count();
    assert_eq!(
        e.all().iter().filter(|x| x.kind == Kind::App).count(),
        active
    );
}
