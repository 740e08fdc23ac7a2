//! Identities across sources (issue 19) against the emulator's overlapping tenants, checked
//! person by person against the generator's own record (`EmulatorConfig::record`): the core's
//! join in-process, and the real binary's JSON and CSV exports, `--fail-on`, and a profile
//! that cannot be read making what depends on it unsure.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::lab::Lab;
use ploy_core::identities::{self, Part, Rules};
use ploy_core::session::{self, SecretSource};
use ploy_emulator::EmulatorConfig;
use ploy_emulator::record::{Identity, Situation, Tenant};

/// The config `common::tenant` and `Lab::new` start the emulator with.
fn config(n: usize) -> EmulatorConfig {
    EmulatorConfig {
        users: n,
        seed: 7,
        ..EmulatorConfig::default()
    }
}

/// The record's people by the address they share.
fn expected(n: usize) -> BTreeMap<String, Identity> {
    let record = config(n).record();
    let people: BTreeMap<String, Identity> = record
        .identities()
        .into_iter()
        .map(|i| (i.email.clone(), i))
        .collect();
    // Every situation the issue names is in the data, or the test proves nothing.
    let situations: BTreeSet<Situation> = people
        .values()
        .flat_map(|i| i.situations.iter().copied())
        .collect();
    for s in [
        Situation::InBoth,
        Situation::OktaOnly,
        Situation::Orphan,
        Situation::LeaverWithAccess,
        Situation::Offboarded,
        Situation::EmailCaseDiffers,
        Situation::EmailWhitespace,
        Situation::NeverLoggedIn(Tenant::Okta),
        Situation::NeverLoggedIn(Tenant::OneTrust),
        Situation::Dormant(Tenant::Okta),
        Situation::Dormant(Tenant::OneTrust),
    ] {
        assert!(situations.contains(&s), "{n} people hold no {s:?}");
    }
    people
}

/// The ids of a record identity's accounts.
fn ids_of(i: &Identity) -> BTreeSet<String> {
    i.okta
        .iter()
        .chain(i.onetrust.iter())
        .map(|a| a.id.clone())
        .collect()
}

/// Every flag of every account, as the record's situations give them: (account id, flag).
fn account_flags(i: &Identity) -> BTreeSet<(String, &'static str)> {
    let mut out = BTreeSet::new();
    for (tenant, account) in [(Tenant::Okta, &i.okta), (Tenant::OneTrust, &i.onetrust)] {
        let Some(a) = account else { continue };
        if i.has(Situation::Dormant(tenant)) {
            out.insert((a.id.clone(), "dormant"));
        }
        if i.has(Situation::NeverLoggedIn(tenant)) {
            out.insert((a.id.clone(), "never_logged_in"));
        }
    }
    if let Some(ot) = &i.onetrust {
        if i.has(Situation::LeaverWithAccess) {
            out.insert((ot.id.clone(), "leaver_with_access"));
        }
        if i.has(Situation::Orphan) && ot.active {
            out.insert((ot.id.clone(), "orphan"));
        }
    }
    out
}

async fn read(lab: &Lab, name: &str) -> Part {
    let profile = lab.profile(name);
    let source = SecretSource::Vault(&lab.services.vault);
    let mut s = session::open(name, &profile, &source, None).await.unwrap();
    let mut part = Part::in_memory(name, profile.integration);
    identities::read_profile(&mut s.connector, &mut part, true, &mut |_| {})
        .await
        .unwrap();
    part
}

/// The core's join over both tenants finds each person, their accounts and every flag
/// exactly where the generator put them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_finds_every_flag_where_the_generator_put_it() {
    let n = 1_500;
    let want = expected(n);
    let lab = Lab::new(n, &[]).await;
    lab.okta("corp", |_| {}).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    let parts = vec![read(&lab, "corp").await, read(&lab, "acme").await];
    let ids = identities::join(
        parts,
        Rules::new(
            time::OffsetDateTime::now_utc(),
            identities::DEFAULT_DORMANT_DAYS,
        ),
    );
    assert!(ids.complete(), "{:?}", ids.notes());
    assert_eq!(ids.len(), want.len(), "one person each");
    assert_eq!(ids.accounts(), 2 * n, "every account of both tenants");
    let mut buf = Vec::new();
    let mut seen = BTreeSet::new();
    for p in ids.people() {
        let (email, _) = p.email_and_name(&mut buf);
        let w = want
            .get(&email)
            .unwrap_or_else(|| panic!("{email} is nobody the generator made"));
        assert!(seen.insert(email.clone()), "{email} twice");
        assert_eq!(
            p.flags.names(),
            w.flags(),
            "flags of {email}: {:?}",
            w.situations
        );
        assert!(p.unsure.is_empty());
        let mut got_ids = BTreeSet::new();
        let mut got_flags = BTreeSet::new();
        for a in p.accounts() {
            let id = a.text(&mut buf).id.to_string();
            for f in a.flags().names() {
                got_flags.insert((id.clone(), f));
            }
            got_ids.insert(id);
        }
        assert_eq!(got_ids, ids_of(w), "accounts of {email}");
        assert_eq!(got_flags, account_flags(w), "account flags of {email}");
    }
    // What each account holds is kept for the view: as many as its count says, and an Okta
    // account's groups are the record's.
    let record = config(n).record();
    let mut checked = 0;
    for p in ids.people() {
        for a in p.accounts() {
            let held = a.held();
            assert_eq!(held.len(), a.entitlements() as usize);
            if a.integration() == ploy_core::integration::Integration::Okta {
                let id = a.text(&mut buf).id.to_string();
                let want: BTreeSet<String> = record
                    .user_by_id(&id)
                    .unwrap()
                    .groups
                    .into_iter()
                    .filter(|g| g.kind != "BUILT_IN")
                    .map(|g| g.name)
                    .collect();
                let got: BTreeSet<String> = held
                    .iter()
                    .filter(|h| h.kind == ploy_core::entitlements::Kind::Group)
                    .map(|h| h.name.to_string())
                    .collect();
                assert_eq!(got, want, "groups of {id}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, n);
}

fn setup_onetrust(env: &common::Env, t: &common::Tenant) {
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme", "--host", &t.host])
        .args([
            "--client-id",
            &t.client_id,
            "--client-secret-stdin",
            "--no-test",
        ])
        .write_stdin(t.client_secret.clone())
        .assert()
        .success();
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// The real binary, both formats: every person and every account's flags as the record has
/// them; `--fail-on` exits 1 when someone carries the flag and 0 when nobody does.
#[test]
fn both_exports_flag_everyone_as_the_record_says() {
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    let n = 800;
    let want = expected(n);
    let t = common::tenant(n, &[]);
    env.setup_okta("corp", &t, &[]).success();
    setup_onetrust(&env, &t);

    let out = env
        .cmd()
        .args(["identities", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_documented("identities --format json", &doc);
    assert_eq!(doc["dormant_days"], 90);
    let profiles: Vec<(String, String)> = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        profiles,
        [
            ("corp".to_string(), "identity_provider".to_string()),
            ("acme".to_string(), "application".to_string())
        ],
        "identity providers first"
    );
    // What the entitlements read said (Everyone, active apps only); nothing is missing.
    let notes = doc["notes"].to_string();
    assert!(notes.contains("active apps only"), "{notes}");
    assert!(!notes.contains("not all"), "{notes}");
    let people = doc["identities"].as_array().unwrap();
    assert_eq!(people.len(), want.len());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in people {
        let email = p["email"].as_str().unwrap();
        let w = &want[email];
        assert_eq!(names(&p["flags"]), w.flags(), "{email}: {:?}", w.situations);
        for f in w.flags() {
            *counts.entry(f).or_default() += 1;
        }
        let accounts = p["accounts"].as_array().unwrap();
        let got: BTreeSet<String> = accounts
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, ids_of(w), "{email}");
        let flags: BTreeSet<(String, String)> = accounts
            .iter()
            .flat_map(|a| {
                let id = a["id"].as_str().unwrap().to_string();
                names(&a["flags"]).into_iter().map(move |f| (id.clone(), f))
            })
            .collect();
        let expect: BTreeSet<(String, String)> = account_flags(w)
            .into_iter()
            .map(|(id, f)| (id, f.to_string()))
            .collect();
        assert_eq!(flags, expect, "{email}");
        for a in accounts {
            let (source, status) = (a["source"].as_str().unwrap(), a["status"].as_str().unwrap());
            let rec = match source {
                "okta" => w.okta.as_ref().unwrap(),
                _ => w.onetrust.as_ref().unwrap(),
            };
            let rec_status = match rec.status {
                "active" => "ACTIVE",
                "inactive" => "INACTIVE",
                s => s,
            };
            assert_eq!(status, rec_status, "{email} in {source}");
            assert_eq!(
                a["last_login"].is_null(),
                rec.last_login.is_none(),
                "{email} in {source}"
            );
        }
        // A person's name comes from their Okta account when they have one.
        if w.okta.is_some() {
            assert_eq!(accounts[0]["source"], "okta", "{email}");
        }
    }
    for f in ["dormant", "leaver_with_access", "never_logged_in", "orphan"] {
        assert!(counts.get(f).copied().unwrap_or(0) > 0, "nobody is {f}");
        assert!(
            stderr.contains(&format!(
                "{} {f}",
                ploy_core::text::thousands(counts[f] as u64)
            )),
            "{f}: {stderr}"
        );
    }
    assert!(
        stderr.starts_with(&format!(
            "Wrote {} people ({} accounts from 2 profiles) to standard output",
            ploy_core::text::thousands(want.len() as u64),
            ploy_core::text::thousands(2 * n as u64)
        )),
        "{stderr}"
    );

    // Each account's entitlement count is what the users export lists for it.
    let mut held = BTreeMap::new();
    for profile in ["corp", "acme"] {
        let out = env
            .cmd()
            .args(["users", profile, "--format", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for u in doc["users"].as_array().unwrap() {
            held.insert(
                u["id"].as_str().unwrap().to_string(),
                u["entitlements"].as_array().unwrap().len() as u64,
            );
        }
    }
    let mut some = 0;
    for a in people
        .iter()
        .flat_map(|p| p["accounts"].as_array().unwrap())
    {
        let n = a["entitlements"].as_u64().unwrap();
        assert_eq!(Some(&n), held.get(a["id"].as_str().unwrap()), "{a}");
        some += usize::from(n > 0);
    }
    assert!(some > n, "most accounts hold something");

    // CSV: one row an account, each with its person's flags and its own.
    let file = env.home.path().join("people.csv");
    env.cmd()
        .args(["identities", "corp", "acme", "-o"])
        .arg(&file)
        .assert()
        .success();
    let mut r = csv::Reader::from_path(&file).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 2 * n, "one row an account");
    let mut by_person: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        let email = row[col("email")].to_string();
        let w = &want[&email];
        let split = |s: &str| -> Vec<String> {
            s.split(';')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        assert_eq!(split(&row[col("person_flags")]), w.flags(), "{email}");
        let id = row[col("id")].to_string();
        let own: BTreeSet<(String, &'static str)> = account_flags(w)
            .into_iter()
            .filter(|(a, _)| *a == id)
            .collect();
        let got: BTreeSet<String> = split(&row[col("flags")]).into_iter().collect();
        assert_eq!(
            got,
            own.into_iter().map(|(_, f)| f.to_string()).collect(),
            "{email} {id}"
        );
        by_person.entry(email).or_default().insert(id);
    }
    assert_eq!(by_person.len(), want.len());
    for (email, ids) in &by_person {
        assert_eq!(*ids, ids_of(&want[email]), "{email}");
    }

    // --fail-on: someone is an orphan (exit 1, the file still written); with a dormant rule
    // nobody can meet, nobody is dormant (exit 0).
    let out = env
        .cmd()
        .args(["identities", "--fail-on", "leaver_with_access,orphan", "-o"])
        .arg(env.home.path().join("check.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(env.home.path().join("check.json").exists());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--fail-on: people are flagged leaver_with_access, orphan"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env
        .cmd()
        .args([
            "identities",
            "--fail-on",
            "dormant",
            "--dormant-days",
            "36500",
            "-o",
        ])
        .arg(env.home.path().join("check.csv"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env
        .cmd()
        .args(["identities", "--fail-on", "ghost"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a flag that does not exist is a usage error"
    );
}

/// An Okta profile that cannot be read: the OneTrust accounts are still joined, nobody is
/// called an orphan — an orphan is only unsure — the document says why, and the exit code
/// says it failed.
#[test]
fn a_profile_that_cannot_be_read_makes_orphans_unsure_not_wrong() {
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    let n = 300;
    let t = common::tenant(n, &["okta:reject-tokens"]);
    env.setup_okta("corp", &t, &[]).success();
    setup_onetrust(&env, &t);
    let file = env.home.path().join("people.json");
    let out = env
        .cmd()
        .args(["identities", "--fail-on", "orphan", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("✗"), "the diagnosis: {stderr}");
    assert!(stderr.contains("(+"), "unsure counted apart: {stderr}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    common::assert_documented("identities --format json", &doc);
    let corp = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "corp")
        .unwrap();
    assert_eq!(corp["complete"], false);
    assert!(corp["failure"].is_string());
    let notes = doc["notes"].to_string();
    assert!(notes.contains("corp: not all users read"), "{notes}");
    assert!(notes.contains("orphans are unsure"), "{notes}");
    let people = doc["identities"].as_array().unwrap();
    assert_eq!(people.len(), n, "every OneTrust account, a person each");
    let record = config(n).record();
    let mut unsure = 0;
    for p in people {
        assert!(!names(&p["flags"]).contains(&"orphan".to_string()), "{p}");
        let id = p["accounts"][0]["id"].as_str().unwrap();
        let i = record.index_of(id).unwrap();
        let active = record.onetrust_user(i).active;
        assert_eq!(
            names(&p["unsure"]).contains(&"orphan".to_string()),
            active,
            "{p}"
        );
        unsure += usize::from(active);
    }
    assert!(unsure > 0);
}
