//! The expected-record API agrees with itself and shows every situation the client's tests
//! look for, at the demo's size.

// Test code throughout: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

use ploy_emulator::EmulatorConfig;
use ploy_emulator::record::{Situation, Tenant};

fn config(users: usize, seed: u64) -> EmulatorConfig {
    EmulatorConfig {
        users,
        seed,
        ..EmulatorConfig::default()
    }
}

#[test]
fn the_demo_and_the_test_tenants_show_every_situation() {
    for (users, seed) in [(250, 42), (300, 7), (600, 7)] {
        let r = config(users, seed).record();
        let t = r.totals();
        let all = [
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
        ];
        for s in all {
            assert!(
                t.situations.get(&s).copied().unwrap_or(0) > 0,
                "{users} users, seed {seed}: no {s:?} in {:?}",
                t.situations
            );
        }
        assert_eq!(
            t.okta_by_status.len(),
            8,
            "every status: {:?}",
            t.okta_by_status
        );
        assert!(
            t.deprovisioned * 100 >= users && t.deprovisioned * 100 <= users * 6,
            "a few per cent deactivated: {}",
            t.deprovisioned
        );
        assert!(t.empty_groups > 0 && t.admin_groups > 0);
        assert!(t.active_apps < t.apps);
        assert!(t.direct_role_holders > 0);
        let ids = r.identities();
        assert_eq!(
            ids.len(),
            users + t.situations[&Situation::Orphan],
            "every Okta person and every orphan once"
        );
        for id in &ids {
            if id.has(Situation::Orphan) {
                assert!(id.okta.is_none());
                assert!(ids.iter().filter(|o| o.email == id.email).count() == 1);
            }
        }
    }
}

#[test]
fn a_record_is_the_same_from_the_same_config() {
    let a = config(2_000, 9).record();
    let b = config(2_000, 9).record();
    for i in (0..2_000).step_by(91) {
        assert_eq!(a.user(i), b.user(i));
        assert_eq!(a.identity(i), b.identity(i));
    }
    assert_eq!(a.totals(), b.totals());
    let c = config(2_000, 10).record();
    assert_ne!(a.user(5).okta.id, c.user(5).okta.id, "the seed matters");
}

#[test]
fn forward_and_reverse_agree() {
    let r = config(1_500, 7).record();
    for app in r.apps() {
        for h in r.holders_of_app(&app.id).unwrap() {
            let u = r.user(h.index);
            assert!(
                u.apps.iter().any(|g| g.app == *app && g.via == h.via),
                "{} holds {} as the app's list says",
                h.index,
                app.name
            );
        }
    }
    for g in r.groups().iter().skip(1).take(40) {
        for h in r.members_of_group(&g.id).unwrap() {
            assert!(r.groups_of(h.index).contains(g));
        }
    }
    for i in (0..1_500).step_by(7) {
        let u = r.user(i);
        assert_eq!(r.index_of(&u.okta.id), Some(i));
        assert_eq!(r.index_of(&u.onetrust.id), Some(i));
        assert_eq!(u.groups[0].name, "Everyone");
        if u.okta.status == "DEPROVISIONED" {
            assert!(u.apps.is_empty(), "deprovisioned from every app");
            assert!(u.groups.len() > 1, "keeps its groups");
        }
        for role in &u.roles {
            assert!(
                r.holders_of_role(role.kind)
                    .iter()
                    .any(|h| h.index == i && h.via == role.via)
            );
        }
        assert!(!u.access_levels.is_empty() && u.access_levels.len() <= 3);
    }
    let t = r.totals();
    assert_eq!(t.users, 1_500);
    assert_eq!(t.listed_by_default + t.deprovisioned, 1_500);
}
