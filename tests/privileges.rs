//! Issue 18: least privilege, checked on every test. The last step says what the credential
//! can do beyond reading; anything broader than the setup guides ask for is a warning (the test
//! passes; `--strict` fails), other observations are notes. In-process against the emulated
//! tenants, and the real binary for `--strict` and `--json`.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::lab::{Lab, step};
use common::{Env, tenant};

fn codes(report: &serde_json::Value, member: &str) -> Vec<String> {
    report[member]
        .as_array()
        .unwrap_or_else(|| panic!("{member} in {report:#}"))
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

fn warning<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_okta_app_passes_clean_and_the_probe_costs_one_token_request() {
    let lab = Lab::new(20, &[]).await;
    lab.okta("corp", |_| {}).await;
    let stats = &lab.emulator.okta_stats;
    let before = stats.snapshot().token_requests;
    let report = lab.test("corp").await;
    let json = report.to_json();
    assert_eq!(json["ok"], true, "{json:#}");
    assert_eq!(common::step(&json, "privileges")["status"], "passed");
    assert_eq!(codes(&json, "warnings"), Vec::<String>::new(), "{json:#}");
    let notes = codes(&json, "notes");
    assert!(notes.contains(&"okta.probe_cost".into()), "{notes:?}");
    assert!(
        notes.contains(&"okta.app_requires_dpop".into()),
        "{notes:?}"
    );
    let detail = step(&json, "privileges");
    assert!(detail.contains("probe token: 1 token request"), "{detail}");
    assert!(detail.contains("no write scope"), "{detail}");
    assert!(
        detail.contains("admin roles: Read-only Administrator"),
        "{detail}"
    );
    assert!(detail.contains("DPoP required"), "{detail}");
    // The token step's two (nonce challenge, token) and the probe's one.
    assert_eq!(stats.snapshot().token_requests - before, 3);
    assert_eq!(
        report.exit_code_strict(true),
        0,
        "nothing to be strict about"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn granted_manage_scopes_are_a_warning_and_the_probe_token_is_never_used() {
    let lab = Lab::new(20, &["okta:manage-scopes"]).await;
    lab.okta("corp", |_| {}).await;
    let report = lab.test("corp").await;
    let json = report.to_json();
    assert_eq!(json["ok"], true, "a warning is no failure: {json:#}");
    assert_eq!(codes(&json, "warnings"), ["okta.write_scopes_granted"]);
    let w = warning(&json, "okta.write_scopes_granted");
    let detail = w["detail"].as_str().unwrap();
    assert!(
        detail.contains("okta.users.manage") && detail.contains("okta.groups.manage"),
        "{detail}"
    );
    assert!(
        w["fix"].as_str().unwrap().contains("Okta API Scopes"),
        "{w}"
    );
    assert!(!w["title"].as_str().unwrap().is_empty());
    assert_eq!(report.exit_code(), 0);
    assert_eq!(report.exit_code_strict(true), 1, "--strict fails on it");
    // The write-capable token was dropped: no request ever presented it.
    assert_eq!(lab.emulator.okta_stats.snapshot().manage_token_uses, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_asking_only_for_users_manage_reads_users_with_the_warning() {
    let lab = Lab::new(20, &["okta:manage-scopes"]).await;
    lab.okta("corp", |d| d.scopes = Some("okta.users.manage".into()))
        .await;
    let json = lab.test("corp").await.to_json();
    assert_eq!(json["ok"], true, "manage satisfies read: {json:#}");
    assert!(
        step(&json, "scopes").contains("okta.users.manage"),
        "{json:#}"
    );
    let w = warning(&json, "okta.write_scopes_granted");
    assert!(
        w["detail"].as_str().unwrap().contains("okta.users.manage"),
        "{w}"
    );
    // Nothing asked for a read scope, so no probe token was needed.
    assert!(!codes(&json, "notes").contains(&"okta.probe_cost".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn super_administrator_is_an_admin_role_too_broad() {
    let lab = Lab::new(20, &["okta:super-admin"]).await;
    lab.okta("corp", |_| {}).await;
    let json = lab.test("corp").await.to_json();
    assert_eq!(json["ok"], true);
    assert_eq!(codes(&json, "warnings"), ["okta.admin_role_too_broad"]);
    let w = warning(&json, "okta.admin_role_too_broad");
    assert!(w["detail"].as_str().unwrap().contains("SUPER_ADMIN"), "{w}");
    assert!(
        w["fix"]
            .as_str()
            .unwrap()
            .contains("Public client app admins"),
        "{w}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_that_cannot_be_read_are_a_warning_saying_how_to_allow_it() {
    // The scope is not granted: nothing is asked, the warning says so.
    let lab = Lab::new(20, &["okta:no-roles-read"]).await;
    lab.okta("corp", |_| {}).await;
    let json = lab.test("corp").await.to_json();
    assert_eq!(json["ok"], true);
    let w = warning(&json, "okta.roles_not_visible");
    assert!(
        w["detail"]
            .as_str()
            .unwrap()
            .contains("okta.roles.read was requested but Okta did not grant it"),
        "{w}"
    );
    assert!(
        w["fix"].as_str().unwrap().contains("okta.roles.read"),
        "{w}"
    );

    // The scope is granted, the app's role may not view role assignments: a 403.
    let lab = Lab::new(20, &["okta:roles-forbidden"]).await;
    lab.okta("corp", |_| {}).await;
    let json = lab.test("corp").await.to_json();
    assert_eq!(json["ok"], true);
    let w = warning(&json, "okta.roles_not_visible");
    assert!(w["detail"].as_str().unwrap().contains("403"), "{w}");

    // A profile that does not ask for the scope is told that.
    let lab = Lab::new(20, &[]).await;
    lab.okta("corp", |d| d.scopes = Some("okta.users.read".into()))
        .await;
    let json = lab.test("corp").await.to_json();
    let w = warning(&json, "okta.roles_not_visible");
    assert!(
        w["detail"]
            .as_str()
            .unwrap()
            .contains("does not request okta.roles.read"),
        "{w}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_does_not_require_dpop_is_a_note_not_a_warning() {
    let lab = Lab::new(20, &["okta:dpop-off"]).await;
    lab.okta("corp", |d| d.dpop = Some(false)).await;
    let report = lab.test("corp").await;
    let json = report.to_json();
    assert_eq!(json["ok"], true, "{json:#}");
    assert_eq!(codes(&json, "warnings"), Vec::<String>::new());
    assert!(codes(&json, "notes").contains(&"okta.app_dpop_optional".into()));
    assert!(step(&json, "privileges").contains("DPoP not required"));
    assert_eq!(report.exit_code_strict(true), 0, "notes never fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onetrust_scopes_beyond_user_warn_and_user_itself_is_a_plain_note() {
    let lab = Lab::new(20, &["onetrust:extra-scopes"]).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let report = lab.test("acme").await;
    let json = report.to_json();
    assert_eq!(json["ok"], true);
    assert_eq!(codes(&json, "warnings"), ["onetrust.extra_scopes"]);
    let w = warning(&json, "onetrust.extra_scopes");
    let detail = w["detail"].as_str().unwrap();
    assert!(
        detail.contains("ORGANIZATION") && detail.contains("INTEGRATIONS"),
        "{detail}"
    );
    assert!(
        !detail.contains("USER,"),
        "USER is what is needed: {detail}"
    );
    assert!(w["fix"].as_str().unwrap().contains("Client Credentials"));
    assert_eq!(codes(&json, "notes"), ["onetrust.user_scope_writes"]);
    assert_eq!(report.exit_code_strict(true), 1);
}

/// The real binary: `test --json` lists warnings as documented, `--strict` turns one into
/// exit 1, notes alone never do.
#[test]
fn test_strict_exits_1_on_a_warning_and_json_lists_it() {
    let env = Env::without_keyring();
    let run = |t: &common::Tenant, extra: &[&str]| {
        let key = env.file("okta.pem", &t.okta.private_key_pem);
        let out = env
            .cmd()
            .args(["test", "--vendor", "okta", "--host", &t.okta.host])
            .args(["--client-id", &t.okta.client_id, "--private-key-file"])
            .arg(key)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let broad = tenant(5, &["okta:super-admin"]);
    let (code, out, err) = run(&broad, &["--json"]);
    assert_eq!(code, 0, "a warning alone passes: {out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    common::assert_documented("test --json", &json);
    assert_eq!(codes(&json, "warnings"), ["okta.admin_role_too_broad"]);
    let (code, _, err) = run(&broad, &["--json", "--strict"]);
    assert_eq!(code, 1, "{err}");
    // Lines: the warning with its fix, and the verdict counts it.
    let (code, out, _) = run(&broad, &["--strict"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("! warning: The app holds an admin role beyond what reading needs  [okta.admin_role_too_broad]"),
        "{out}"
    );
    assert!(out.contains("Fix: In the Okta Admin Console"), "{out}");
    assert!(out.contains("Found: the app holds"), "{out}");
    assert!(out.contains("1 warning (--strict fails on them)"), "{out}");

    // Notes only: --strict passes.
    let clean = tenant(5, &["okta:dpop-off"]);
    let (code, out, err) = run(&clean, &["--no-dpop", "--strict"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("note: The app does not require DPoP"), "{out}");
}

#[test]
fn test_and_status_help_explain_warnings_and_strict() {
    let env = Env::without_keyring();
    for cmd in ["test", "status"] {
        let out = env.cmd().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--strict"), "{cmd}: {help}");
        assert!(help.contains("warning"), "{cmd}: {help}");
        assert!(
            help.contains("Notes") || help.contains("notes"),
            "{cmd}: {help}"
        );
    }
}

/// Whether this machine lets processes use the kernel keyring (as `tests/headless.rs`).
fn keyutils_usable() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: KEYCTL_GET_KEYRING_ID (0) of the user keyring (-4), without creating it.
        let id = unsafe { libc::syscall(libc::SYS_keyctl, 0, -4, 0) };
        if id >= 0 {
            return true;
        }
    }
    let required = std::env::var("PLOY_CONNECT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PLOY_CONNECT_REQUIRE_TOOLS=1 but the kernel keyring is not usable"
    );
    eprintln!("skipping: the kernel keyring is not usable here");
    false
}

/// `status` counts a profile's warnings in its RESULT column and its JSON, says where they
/// are listed, and `--strict` exits 1 for them.
#[test]
fn status_counts_warnings_and_strict_fails_on_them() {
    if !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let t = tenant(5, &["okta:manage-scopes"]);
    env.setup_okta("corp", &t, &["--secret-store", "keyutils"])
        .success();
    let out = env.cmd().args(["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 warning"), "{text}");
    assert!(
        text.contains("For the warnings and what to remove: ploy-connect"),
        "{text}"
    );
    let out = env.cmd().args(["status", "--strict"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = env.cmd().args(["status", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("status --json", &json);
    assert_eq!(
        json["profiles"][0]["warnings"][0]["code"],
        "okta.write_scopes_granted"
    );
    let _ = env
        .cmd()
        .args(["profiles", "remove", "corp", "--yes"])
        .output();
}
