//! Keys made here, in the TUI (issue 10): the wizard makes the key pair and shows only its
//! public half, which `c`, `w` and (demo) `p` hand over; the rotate screen stages a new key and
//! promotes it only after its test; Home shows a staged key and a secret's age.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::tui::*;
use ploy_connect::tui::app::{App, Screen};
use ploy_connect::tui::msg::{
    Action, Effect, PublicKeyAction as KeyAction, PublicKeyDone, PublicKeySource,
};
use ploy_core::check::{Report, StepId, StepStatus};
use ploy_core::connector::Carry;
use ploy_core::integration::Integration;
use ploy_core::keys::KeyType;
use ploy_core::profile::StagedKey;
use ploy_core::setup::{Promotion, Staged};
use ratatui::crossterm::event::KeyCode;
use secrecy::ExposeSecret;

/// The Okta wizard at its key step, "make it here" chosen (the default), the key pair made.
fn wizard_with_made_key(demo: bool) -> App {
    let mut app = app();
    app.demo_okta = demo;
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "corp2");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "corp.okta.com");
    let effects = press(&mut app, key(KeyCode::Enter));
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::GenerateKey { .. })),
        "the key pair was made as the step was shown (settled by the test harness)"
    );
    app
}

fn made(app: &App) -> ploy_core::keys::Generated {
    match &app.screen {
        Screen::Wizard(w) => w.made.ready().expect("a key pair was made").clone(),
        _ => panic!("not in the wizard"),
    }
}

/// Lines of the private key's PEM body that must never be drawn.
fn private_lines(g: &ploy_core::keys::Generated) -> Vec<String> {
    g.pem
        .expose_secret()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(|l| l[..20.min(l.len())].to_string())
        .collect()
}

#[test]
fn the_wizard_makes_the_key_and_shows_only_its_public_half() {
    let mut app = wizard_with_made_key(false);
    let g = made(&app);
    let kid = g.key.kid().unwrap().to_string();
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(&app, w, h);
        assert!(screen.contains("Make a key pair here"), "{screen}");
        assert!(screen.contains(&kid[..20]), "the key ID is shown\n{screen}");
        for line in private_lines(&g) {
            assert!(!screen.contains(&line), "private key material on screen");
        }
        assert!(
            !screen.contains("\"d\""),
            "no private JWK parameter on screen"
        );
    }

    // c and w hand over the public JWK: never a private parameter.
    for (k, action) in [('c', KeyAction::Copy), ('w', KeyAction::Write)] {
        match app.update(key(KeyCode::Char(k))).as_slice() {
            [
                Effect::PublicKey {
                    action: a,
                    key: PublicKeySource::Known(jwk),
                    ..
                },
            ] => {
                assert_eq!(*a, action);
                assert_eq!(jwk["kid"], kid);
                assert!(jwk.get("d").is_none() && jwk.get("p").is_none());
            }
            _ => panic!("{k} hands over the public key"),
        }
    }
    // `p` is the demo's: nothing here.
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    assert!(!render(&app, 120, 24).contains("add in demo Okta"));

    // On through the steps: the draft carries the key made here and its key ID.
    app.update(key(KeyCode::Enter));
    typed(&mut app, "0oa1b2c3d4e5f6g7h8i9");
    for _ in 0..3 {
        app.update(key(KeyCode::Enter));
    }
    let review = render(&app, 100, 30);
    assert!(review.contains("made here"), "{review}");
    match app.update(key(KeyCode::Enter)).as_slice() {
        [Effect::Save { draft, .. }] => {
            assert!(draft.generated);
            assert_eq!(draft.key_id.as_deref(), Some(kid.as_str()));
            let text = draft.key.as_ref().unwrap().text.expose_secret().to_string();
            assert_eq!(text, g.pem.expose_secret().to_string());
        }
        _ => panic!("saves"),
    }
}

#[test]
fn the_demo_offers_to_add_the_key_in_its_emulated_okta() {
    let mut app = wizard_with_made_key(true);
    assert!(render(&app, 120, 24).contains("p add in demo Okta"));
    match app.update(key(KeyCode::Char('p'))).as_slice() {
        [
            Effect::PublicKey {
                action: KeyAction::DemoAdd,
                ..
            },
        ] => {}
        _ => panic!("p adds the key in the demo"),
    }
    app.update(Action::PublicKeyDone(Ok(PublicKeyDone::Added(
        "The emulated Okta app now holds the key".into(),
    ))));
    assert!(render(&app, 80, 24).contains("The emulated Okta app now holds the key"));
}

#[test]
fn pasting_stays_possible_and_editing_never_makes_a_key() {
    let mut made = wizard_with_made_key(false);
    made.update(key(KeyCode::Char(' ')));
    let screen = render(&made, 80, 24);
    assert!(screen.contains("(•) Paste a private key"), "{screen}");
    assert!(
        screen.contains("Private key (JWK/PEM) or file path"),
        "{screen}"
    );
    // Editing an Okta profile whose key was pasted: the key step is the paste box (a new key
    // goes through rotate).
    let mut editing = app();
    editing.update(key(KeyCode::Down));
    editing.update(key(KeyCode::Char('e')));
    editing.update(key(KeyCode::Enter));
    let screen = render(&editing, 80, 24);
    assert!(screen.contains("Private key (JWK/PEM)"), "{screen}");
    assert!(!screen.contains("Make a key pair here"), "{screen}");
}

/// Issue 20, item 10: editing an Okta profile whose key was made here keeps it as made here:
/// its public key is shown and copied as when it was made, with no paste box and no "Generate
/// new key" steps.
#[test]
fn editing_a_key_made_here_shows_its_public_key_and_never_a_paste_box() {
    let mut profiles = profiles();
    profiles
        .profiles
        .get_mut("corp")
        .unwrap()
        .okta
        .as_mut()
        .unwrap()
        .key_origin = ploy_core::profile::KeyOrigin::Generated;
    let mut app = App::new(profiles, (80, 24));
    app.now = now();
    app.color = false;
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Char('e')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadPublicKeys(n) if n == "corp")),
        "its public key is read"
    );
    let g = ploy_core::keys::generate(KeyType::Rsa2048).unwrap();
    app.update(Action::PublicKeys {
        name: "corp".into(),
        result: Ok(ploy_core::setup::PublicKeys {
            current: Some(g.public_jwk.clone()),
            staged: None,
        }),
    });
    // The first step is the domain; the key is the next.
    app.update(key(KeyCode::Enter));
    let kid = g.public_jwk["kid"].as_str().unwrap().to_string();
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(&app, w, h);
        assert!(screen.contains("made here"), "{screen}");
        assert!(screen.contains(&kid[..20]), "{screen}");
        assert!(!screen.contains("Generate new key"), "{screen}");
        assert!(!screen.contains("Paste"), "{screen}");
        assert!(!screen.contains("Private key (JWK/PEM)"), "{screen}");
    }
    match app.update(key(KeyCode::Char('c'))).as_slice() {
        [
            Effect::PublicKey {
                action: KeyAction::Copy,
                key: PublicKeySource::Known(jwk),
                profile,
            },
        ] => {
            assert_eq!(jwk, &g.public_jwk);
            assert_eq!(profile, "corp");
        }
        _ => panic!("c copies its public key"),
    }
    // Saving keeps the key: nothing new is stored for it.
    for _ in 0..4 {
        app.update(key(KeyCode::Enter));
    }
    assert!(render(&app, 80, 24).contains("made here, kept"));
    match app.update(key(KeyCode::Enter)).as_slice() {
        [Effect::Save { draft, .. }] => {
            assert!(draft.key.is_none() && !draft.generated);
        }
        _ => panic!("saves"),
    }
}

fn rotate_screen() -> App {
    let mut app = app();
    app.update(key(KeyCode::Down)); // corp, Okta
    let effects = app.update(key(KeyCode::Char('r')));
    assert!(effects.is_empty(), "nothing staged yet, nothing to read");
    app
}

#[test]
fn rotation_stages_a_key_then_promotes_it_after_its_test() {
    let mut app = rotate_screen();
    let screen = render(&app, 80, 24);
    assert!(screen.contains("without downtime"), "{screen}");
    let [Effect::StageKey { name, kind }] = &app.update(key(KeyCode::Enter))[..] else {
        panic!("Enter stages a new key");
    };
    assert_eq!(name, "corp");
    assert_eq!(*kind, KeyType::Rsa2048);
    let g = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    let kid = g.key.kid().unwrap().to_string();
    app.update(Action::Staged {
        name: "corp".into(),
        result: Ok(Staged {
            key_id: kid.clone(),
            key_type: KeyType::EcP256,
            public_jwk: g.public_jwk.clone(),
            replaced: None,
        }),
    });
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Staged beside the current key"), "{screen}");
    assert!(screen.contains(&kid[..20]), "{screen}");
    for line in private_lines(&g) {
        assert!(!screen.contains(&line));
    }
    assert!(matches!(
        app.update(key(KeyCode::Char('c'))).as_slice(),
        [Effect::PublicKey {
            action: KeyAction::Copy,
            key: PublicKeySource::Known(_),
            ..
        }]
    ));

    // The profile now has a staged key: Enter promotes (on the test screen).
    let mut profiles = profiles();
    profiles
        .profiles
        .get_mut("corp")
        .unwrap()
        .okta
        .as_mut()
        .unwrap()
        .staged = Some(StagedKey {
        secret_ref: "r2".into(),
        key_id: kid.clone(),
        key_type: KeyType::EcP256,
        created: now(),
    });
    app.update(Action::Profiles(Ok(profiles)));
    let [Effect::Promote { run, name }] = app.update(key(KeyCode::Enter))[..].clone_effects()
    else {
        panic!("Enter promotes");
    };
    assert_eq!(name, "corp");
    assert!(render(&app, 80, 24).contains("current key stays in use"));
    let report = Report {
        profile: "corp".into(),
        integration: Integration::Okta,
        ok: true,
        steps: StepId::ALL
            .iter()
            .map(|id| step(*id, StepStatus::Passed, 5, "fine", None))
            .collect(),
        users_seen: 200,
        users_total: None,
        users_deactivated: None,
        at: now(),
        carry: Carry::default(),
        privileges: Default::default(),
    };
    app.update(Action::Promoted {
        run,
        result: Ok(Promotion {
            report,
            promoted: true,
            key_id: kid.clone(),
            retired: Some("old-kid-123".into()),
        }),
    });
    let screen = render(&app, 80, 24);
    assert!(screen.contains("is in use"), "{screen}");
    assert!(
        screen.contains("old-kid-123"),
        "the old key to retire\n{screen}"
    );
}

/// `[Effect]` patterns cannot bind owned fields from a slice; this gives the two we need.
trait CloneEffects {
    fn clone_effects(&self) -> [Effect; 1];
}

impl CloneEffects for [Effect] {
    fn clone_effects(&self) -> [Effect; 1] {
        match self {
            [Effect::Promote { run, name }] => [Effect::Promote {
                run: *run,
                name: name.clone(),
            }],
            _ => panic!("not one promotion"),
        }
    }
}

#[test]
fn a_failed_promotion_changes_nothing_and_t_tries_it_again() {
    let mut app = rotate_screen();
    let mut profiles = profiles();
    profiles
        .profiles
        .get_mut("corp")
        .unwrap()
        .okta
        .as_mut()
        .unwrap()
        .staged = Some(StagedKey {
        secret_ref: "r2".into(),
        key_id: "staged-kid".into(),
        key_type: KeyType::Rsa2048,
        created: now(),
    });
    app.update(Action::Profiles(Ok(profiles)));
    // Reopened with a staged key: its public half is read to show again.
    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::Char('r')));
    assert!(matches!(effects.as_slice(), [Effect::LoadPublicKeys(n)] if n == "corp"));
    let [Effect::Promote { run, .. }] = app.update(key(KeyCode::Enter))[..].clone_effects() else {
        panic!("Enter promotes the staged key");
    };
    let mut failed = step(
        StepId::Token,
        StepStatus::Failed,
        5,
        "HTTP 401: The client_assertion JWT kid is invalid.",
        Some("okta.key_not_registered"),
    );
    failed.diagnosis = Some(ploy_core::diagnose::Diagnosis::for_code(
        "okta.key_not_registered",
        "corp",
        Some(Integration::Okta),
    ));
    app.update(Action::Check {
        run,
        event: ploy_core::check::CheckEvent::Finished(Box::new(failed.clone())),
    });
    app.update(Action::Promoted {
        run,
        result: Ok(Promotion {
            report: Report {
                profile: "corp".into(),
                integration: Integration::Okta,
                ok: false,
                steps: vec![failed],
                users_seen: 0,
                users_total: None,
                users_deactivated: None,
                at: now(),
                carry: Carry::default(),
                privileges: Default::default(),
            },
            promoted: false,
            key_id: "staged-kid".into(),
            retired: None,
        }),
    });
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Nothing changed"), "{screen}");
    assert!(
        screen.contains("Okta does not know this key yet"),
        "{screen}"
    );
    // c hands over the staged key, from the keyring.
    match app.update(key(KeyCode::Char('c'))).as_slice() {
        [
            Effect::PublicKey {
                key: PublicKeySource::Stored { name, staged },
                ..
            },
        ] => {
            assert_eq!(name, "corp");
            assert!(*staged);
        }
        _ => panic!("c copies the staged key"),
    }
    assert!(matches!(
        app.update(key(KeyCode::Char('t'))).as_slice(),
        [Effect::Promote { .. }]
    ));
}

/// Issue 20, item 6: the old key to retire is named as line mode names it, also when its ID
/// is not known; and with nothing staged, `t` says so instead of "Testing the staged key".
#[test]
fn a_promotion_names_the_key_to_retire_and_nothing_staged_is_said() {
    let mut app = rotate_screen();
    let staged = |kid: Option<&str>| {
        let mut profiles = profiles();
        profiles
            .profiles
            .get_mut("corp")
            .unwrap()
            .okta
            .as_mut()
            .unwrap()
            .staged = kid.map(|k| StagedKey {
            secret_ref: "r2".into(),
            key_id: k.into(),
            key_type: KeyType::Rsa2048,
            created: now(),
        });
        profiles
    };
    app.update(Action::Profiles(Ok(staged(Some("new-kid")))));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('r')));
    let [Effect::Promote { run, .. }] = app.update(key(KeyCode::Enter))[..].clone_effects() else {
        panic!("Enter promotes the staged key");
    };
    let report = Report {
        profile: "corp".into(),
        integration: Integration::Okta,
        ok: true,
        steps: StepId::ALL
            .iter()
            .map(|id| step(*id, StepStatus::Passed, 5, "fine", None))
            .collect(),
        users_seen: 3,
        users_total: None,
        users_deactivated: None,
        at: now(),
        carry: Carry::default(),
        privileges: Default::default(),
    };
    app.update(Action::Promoted {
        run,
        result: Ok(Promotion {
            report,
            promoted: true,
            key_id: "new-kid".into(),
            // A key pasted as PEM: its ID was never known here.
            retired: None,
        }),
    });
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("retire the old key in Okta (the one whose")
            && screen.contains("is not new-kid)"),
        "{screen}"
    );

    // The staged key is gone (promoted elsewhere): t says so and tests nothing.
    app.update(Action::Profiles(Ok(staged(None))));
    let Screen::Check(c) = &mut app.screen else {
        panic!("the test screen");
    };
    c.promotion.as_mut().unwrap().promoted = Some(false);
    let effects = app.update(key(KeyCode::Char('t')));
    assert!(effects.is_empty(), "nothing to promote");
    let said = app.message.as_ref().map(|m| m.line()).unwrap_or_default();
    assert!(said.contains("no staged key"), "{said}");
    assert!(!render(&app, 80, 24).contains("Testing the staged key"));
}

#[test]
fn home_shows_a_staged_key_and_an_old_secret() {
    let mut p = profiles();
    let corp = p.profiles.get_mut("corp").unwrap();
    corp.secret_stored = Some(now() - time::Duration::days(120));
    corp.okta.as_mut().unwrap().staged = Some(StagedKey {
        secret_ref: "r2".into(),
        key_id: "k".into(),
        key_type: KeyType::Rsa2048,
        created: now(),
    });
    p.profiles.get_mut("acme").unwrap().secret_stored = Some(now() - time::Duration::days(3));
    let mut app = App::new(p, (200, 24));
    app.color = false;
    app.now = now();
    let screen = render(&app, 200, 24);
    assert!(screen.contains("set 120 days ago — rotate it"), "{screen}");
    assert!(screen.contains("new key staged"), "{screen}");
    assert!(screen.contains("set 3 days ago"), "{screen}");
}

#[test]
fn a_key_pasted_while_make_it_here_is_offered_is_taken_as_a_paste() {
    let mut app = wizard_with_made_key(false);
    let okta_made = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    let text = okta_made.pem.expose_secret().to_string();
    let effects = press(&mut app, Action::Paste(text));
    assert!(effects.is_empty(), "the key was read: {}", effects.len());
    match &app.screen {
        Screen::Wizard(w) => {
            assert_eq!(
                w.key_choice,
                ploy_connect::tui::screen::wizard::KeyChoice::Paste
            );
            assert!(w.key.parsed().is_some(), "the pasted key was read");
        }
        _ => panic!(),
    }
}

#[test]
fn another_key_can_be_staged_in_place_of_a_lost_one() {
    let mut app = rotate_screen();
    app.update(key(KeyCode::Enter));
    let g = ploy_core::keys::generate(KeyType::EcP256).unwrap();
    app.update(Action::Staged {
        name: "corp".into(),
        result: Ok(Staged {
            key_id: g.key.kid().unwrap().to_string(),
            key_type: KeyType::EcP256,
            public_jwk: g.public_jwk.clone(),
            replaced: None,
        }),
    });
    assert!(matches!(
        app.update(key(KeyCode::Char('m'))).as_slice(),
        [Effect::StageKey { .. }]
    ));
    app.update(Action::Staged {
        name: "corp".into(),
        result: Ok(Staged {
            key_id: "second".into(),
            key_type: KeyType::EcP256,
            public_jwk: g.public_jwk,
            replaced: Some("first-kid".into()),
        }),
    });
    assert!(render(&app, 200, 24).contains("replaces the staged key first-kid"));
}

/// The right panel of an 80-column `screen`, inside its border, its lines joined (a JWK is
/// wrapped at the panel's width, so joined it reads as it was).
fn right_panel(screen: &str) -> String {
    screen
        .lines()
        .skip(2)
        .take(19)
        .map(|l| {
            let inner: String = l.trim_matches('"').chars().skip(41).take(38).collect();
            inner.trim_end().to_string()
        })
        .collect()
}

/// Scrolls the key panel with ↓ until its end shows (it says there is more until then); the
/// panel at its end.
fn read_key_panel(app: &mut App) -> String {
    let first = right_panel(&render(app, 80, 24));
    assert!(
        first.contains("↓ more: ↓"),
        "the panel says it scrolls: {first}"
    );
    for _ in 0..40 {
        app.update(key(KeyCode::Down));
        let panel = right_panel(&render(app, 80, 24));
        if !panel.contains("↓ more") {
            return panel;
        }
    }
    panic!("the panel never ends");
}

/// Issue 20, item 5: the public JWK is readable in the wizard's and the rotate screen's
/// panels at 80×24: the panel scrolls with ↓ and says so.
#[test]
fn the_public_jwk_is_read_whole_at_80x24_in_the_wizard_and_the_rotate_panel() {
    let tail = |jwk: &serde_json::Value| {
        let n = jwk["n"].as_str().unwrap();
        format!("{}\",\"use\":\"sig\"}}", &n[n.len() - 12..])
    };
    // The wizard's key step, an RSA 2048 key made here.
    let mut app = wizard_with_made_key(false);
    let g = made(&app);
    assert!(!right_panel(&render(&app, 80, 24)).contains(&tail(&g.public_jwk)));
    let read = read_key_panel(&mut app);
    assert!(read.contains(&tail(&g.public_jwk)), "{read}");
    // ↑ goes back to the key ID.
    for _ in 0..40 {
        app.update(key(KeyCode::Up));
    }
    assert!(render(&app, 80, 24).contains("Key ID"));

    // The rotate screen with a staged RSA key.
    let mut app = rotate_screen();
    app.update(key(KeyCode::Enter));
    let g = ploy_core::keys::generate(KeyType::Rsa2048).unwrap();
    app.update(Action::Staged {
        name: "corp".into(),
        result: Ok(Staged {
            key_id: g.key.kid().unwrap().to_string(),
            key_type: KeyType::Rsa2048,
            public_jwk: g.public_jwk.clone(),
            replaced: None,
        }),
    });
    assert!(!right_panel(&render(&app, 80, 24)).contains(&tail(&g.public_jwk)));
    let read = read_key_panel(&mut app);
    assert!(read.contains(&tail(&g.public_jwk)), "{read}");
}
