//! The TUI without a terminal: `App::update` driven by key sequences, and every screen
//! rendered with ratatui's `TestBackend` into `insta` snapshots (tests/snapshots/). Effects
//! that read keys run here, synchronously, the way the runtime would run them.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::tui::*;

use std::sync::OnceLock;

use ploy_connect::tui::app::{App, Screen};
use ploy_connect::tui::msg::{Action, Effect};
use ploy_core::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use ploy_core::connector::Carry;
use ploy_core::files::Replace;
use ploy_core::integration::Integration;
use ploy_core::profile::Profiles;
use ploy_core::setup::{Candidate, Intent};
use ploy_core::users::UserStatus;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::ExposeSecret;

fn snap(name: &str, app: &App) {
    let screen = render(app, 80, 24);
    assert!(
        !screen.contains(SECRET),
        "a secret reached the screen in {name}"
    );
    if let Some(pem) = PEM.get() {
        for line in pem.lines().filter(|l| !l.starts_with("-----")).take(3) {
            assert!(
                !screen.contains(&line[..20]),
                "key material reached the screen in {name}"
            );
        }
    }
    insta::assert_snapshot!(name, screen);
}

static PEM: OnceLock<String> = OnceLock::new();
static JWK: OnceLock<String> = OnceLock::new();

/// The same key as a private JWK carrying its kid.
fn jwk() -> &'static str {
    pem();
    JWK.get().unwrap()
}

/// A real RSA key in Okta's console format, made once by the emulator.
fn pem() -> &'static str {
    PEM.get_or_init(|| {
        let e = ploy_emulator::EmulatorThread::start(Default::default()).unwrap();
        let c = e.credentials.okta.clone();
        let _ = JWK.set(c.private_key_jwk.clone());
        c.private_key_pem
    })
}

#[test]
fn home_lists_profiles_with_their_last_test() {
    let app = app();
    snap("home", &app);
    let mut empty = App::new(Profiles::default(), (80, 24));
    empty.color = false;
    snap("home_empty", &empty);
}

#[test]
fn help_lists_the_keys_of_the_screen() {
    let mut app = app();
    app.update(key(KeyCode::Char('?')));
    assert!(app.help);
    snap("home_help", &app);
    app.update(key(KeyCode::Char('x')));
    assert!(!app.help, "any key closes help");
}

#[test]
fn a_too_small_terminal_gets_a_notice() {
    let app = app();
    let screen = render(&app, 50, 10);
    assert!(screen.contains("Make the window larger"), "{screen}");
    insta::assert_snapshot!("too_small", screen);
}

#[test]
fn onetrust_wizard_walk_validates_and_saves() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    snap("wizard_choose", &app);
    app.update(key(KeyCode::Enter)); // OneTrust
    typed(&mut app, "acme");
    app.update(key(KeyCode::Enter));
    assert!(
        render(&app, 80, 24).contains("a profile named \"acme\" exists"),
        "a taken name is refused"
    );
    typed(&mut app, "2");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "HTTPS://Acme.my.onetrust.com/login");
    snap("wizard_onetrust_host_normalised", &app);
    app.update(key(KeyCode::Enter));
    snap("wizard_onetrust_client_id", &app);
    app.update(key(KeyCode::Enter)); // empty: refused, and now says why
    snap("wizard_onetrust_client_id_required", &app);
    typed(&mut app, "3d8efc3b94ed49628482eb2ab5e3bc8g");
    app.update(key(KeyCode::Enter));
    app.update(Action::Paste(format!("{SECRET}\r\n")));
    snap("wizard_onetrust_secret_masked", &app);
    app.update(key(KeyCode::Enter));
    snap("wizard_onetrust_review", &app);
    let effects = app.update(key(KeyCode::Enter));
    match effects.as_slice() {
        [
            Effect::Save {
                integration,
                intent,
                draft,
            },
        ] => {
            assert_eq!(*integration, Integration::OneTrust);
            assert_eq!(*intent, Intent::Create);
            assert_eq!(draft.name, "acme2");
            assert_eq!(draft.secret.as_ref().unwrap().expose_secret(), SECRET);
            // The core turns the fields into the profile, as for line mode.
            let v = draft
                .validate(*integration, *intent, None, None, now())
                .unwrap();
            assert_eq!(v.profile.host, "acme.my.onetrust.com");
        }
        _ => panic!("review + Enter saves"),
    }
    // The runtime reports the save; the test screen opens and runs.
    let effects = app.update(Action::Saved {
        name: "acme2".into(),
        result: Ok(()),
    });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RunCheck { name, .. } if name == "acme2"))
    );
    assert!(matches!(app.screen, Screen::Check(_)));
}

#[test]
fn wizard_shows_errors_for_bad_hosts_and_esc_goes_back() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "x");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "admin@acme.my.onetrust.com:8443");
    snap("wizard_onetrust_host_error", &app);
    app.update(key(KeyCode::Enter));
    assert!(
        matches!(&app.screen, Screen::Wizard(w) if w.step == 0),
        "invalid step does not advance"
    );
    app.update(key(KeyCode::Esc));
    assert!(matches!(&app.screen, Screen::Wizard(w) if w.integration.is_none()));
    // What was typed is not dropped without asking.
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Wizard(_)));
    app.update(key(KeyCode::Char('y')));
    assert!(matches!(app.screen, Screen::Home));
}

#[test]
fn okta_wizard_takes_a_pasted_pem_with_cr_line_breaks() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter)); // Okta
    typed(&mut app, "corp2");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "corp-admin.okta.com");
    snap("wizard_okta_domain", &app);
    app.update(key(KeyCode::Enter));
    // The steps follow the guide: the app and its key (2–9) before its client ID (10–11).
    // The key step offers to make the key here first; this admin pastes Okta's.
    assert!(render(&app, 80, 24).contains("Make a key pair here"));
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Tab));
    snap("wizard_okta_key_empty", &app);
    // Some terminals deliver pasted line breaks as CR.
    press(&mut app, Action::Paste(pem().replace('\n', "\r")));
    snap("wizard_okta_key_pasted", &app);
    app.update(key(KeyCode::Enter));
    typed(&mut app, "0oa1b2c3d4e5f6g7h8i9");
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_scopes", &app);
    app.update(key(KeyCode::Char(' '))); // untick okta.users.read
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_scopes_need_users_read", &app);
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_dpop", &app);
    app.update(key(KeyCode::Char('y')));
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_review", &app);
    match app.update(key(KeyCode::Enter)).as_slice() {
        [
            Effect::Save {
                integration, draft, ..
            },
        ] => {
            let v = draft
                .validate(*integration, Intent::Create, None, None, now())
                .unwrap();
            assert_eq!(v.profile.host, "corp.okta.com");
            let okta = v.profile.okta.as_ref().unwrap();
            assert!(okta.dpop);
            assert_eq!(okta.scopes.len(), ploy_core::setup::DEFAULT_SCOPES.len());
            let stored = v.secret.as_ref().unwrap().expose_secret();
            assert!(!stored.contains('\r'), "stored normalised");
            assert_eq!(stored, pem().trim());
        }
        _ => panic!("saves"),
    }
}

#[test]
fn the_test_screen_streams_steps_and_expands_the_failure() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Char('t')));
    let [Effect::RunCheck { run, name }] = effects.as_slice() else {
        panic!("t runs the test");
    };
    assert_eq!(name, "corp");
    let run = *run;
    app.update(Action::Check {
        run,
        event: CheckEvent::Finished(Box::new(step(
            StepId::Input,
            StepStatus::Passed,
            41,
            "Okta at corp.okta.com, client ID 0oa…, RSA 2048 private key (PKCS#8 PEM), no kid",
            None,
        ))),
    });
    app.update(Action::Check {
        run,
        event: CheckEvent::Finished(Box::new(step(
            StepId::Dns,
            StepStatus::Passed,
            3,
            "corp.okta.com → 198.51.100.7",
            None,
        ))),
    });
    app.update(Action::Check {
        run,
        event: CheckEvent::Started(StepId::Tls),
    });
    snap("check_running", &app);
    app.update(Action::Check {
        run,
        event: CheckEvent::Finished(Box::new(step(
            StepId::Tls,
            StepStatus::Passed,
            88,
            "TLS handshake with corp.okta.com verified; HTTP 200",
            None,
        ))),
    });
    let failed = step(
        StepId::Token,
        StepStatus::Failed,
        120,
        "HTTP 400 from POST /oauth2/v1/token: {\"error\":\"invalid_dpop_proof\",\"error_description\":\"The DPoP proof JWT header is missing.\"}",
        Some("okta.dpop_required"),
    );
    app.update(Action::Check {
        run,
        event: CheckEvent::Finished(Box::new(failed.clone())),
    });
    for id in [StepId::Scopes, StepId::Users] {
        app.update(Action::Check {
            run,
            event: CheckEvent::Finished(Box::new(step(
                id,
                StepStatus::Skipped,
                0,
                "skipped",
                None,
            ))),
        });
    }
    app.update(Action::CheckDone {
        run,
        report: Box::new(Report {
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
        }),
    });
    snap("check_failed_dpop", &app);
    // One key: turn DPoP on, save, and (after the save) re-test.
    match app.update(key(KeyCode::Char('d'))).as_slice() {
        [Effect::Save { intent, draft, .. }] => {
            assert_eq!(*intent, Intent::Update);
            assert_eq!(draft.dpop, Some(true));
            assert!(draft.key.is_none(), "the stored key stays");
            assert!(draft.host.is_none(), "everything else stays");
        }
        _ => panic!("d saves with DPoP on"),
    }
    // `e` opens the wizard on the field the diagnosis points at.
    app.update(key(KeyCode::Char('e')));
    match &app.screen {
        Screen::Wizard(w) => assert_eq!(
            w.current(),
            Some(ploy_connect::tui::screen::wizard::StepId::Dpop)
        ),
        _ => panic!("e edits"),
    }
}

#[test]
fn a_passed_test_offers_users() {
    let mut app = app();
    let [Effect::RunCheck { run, .. }] = app.update(key(KeyCode::Char('t')))[..] else {
        panic!("t runs the test");
    };
    let steps: Vec<StepResult> = StepId::ALL
        .iter()
        .map(|id| step(*id, StepStatus::Passed, 12, "fine", None))
        .collect();
    for s in &steps {
        app.update(Action::Check {
            run,
            event: CheckEvent::Finished(Box::new(s.clone())),
        });
    }
    app.update(Action::CheckDone {
        run,
        report: Box::new(Report {
            profile: "acme".into(),
            integration: Integration::OneTrust,
            ok: true,
            steps,
            users_seen: 250,
            users_total: Some(2500),
            users_deactivated: None,
            at: now(),
            carry: Carry::default(),
            privileges: Default::default(),
        }),
    });
    snap("check_passed", &app);
    assert!(
        render(&app, 80, 24).contains("Connection OK: 2500 users (250 on the first page)"),
        "the vendor's total is the number the admin sees"
    );
    let effects = app.update(key(KeyCode::Char('u')));
    assert!(matches!(effects.as_slice(), [Effect::FetchUsers(n)] if n == "acme"));
}

/// Issue 18: a passed test's warnings show on the test screen with what to remove and where,
/// and its notes after them — the same data line mode and `--json` show.
#[test]
fn a_passed_test_with_a_warning_shows_it_with_its_fix() {
    let mut app = app();
    let [Effect::RunCheck { run, .. }] = app.update(key(KeyCode::Char('t')))[..] else {
        panic!("t runs the test");
    };
    let steps: Vec<StepResult> = StepId::ALL
        .iter()
        .map(|id| step(*id, StepStatus::Passed, 12, "fine", None))
        .collect();
    let mut privileges = ploy_core::privilege::Privileges::default();
    privileges.warn(
        ploy_core::privilege::code::ONETRUST_EXTRA_SCOPES,
        "the credential also holds ORGANIZATION",
    );
    privileges.note("onetrust.user_scope_writes", "");
    app.update(Action::CheckDone {
        run,
        report: Box::new(Report {
            profile: "acme".into(),
            integration: Integration::OneTrust,
            ok: true,
            steps,
            users_seen: 250,
            users_total: None,
            users_deactivated: None,
            at: now(),
            carry: Carry::default(),
            privileges,
        }),
    });
    let screen = render(&app, 100, 40);
    assert!(
        screen.contains("⚠ The credential holds scopes beyond USER  [onetrust.extra_scopes]"),
        "{screen}"
    );
    assert!(
        screen.contains("Fix: Scopes are fixed when a credential is created"),
        "{screen}"
    );
    assert!(
        screen.contains("Found: the credential also holds ORGANIZATION"),
        "{screen}"
    );
    assert!(
        screen.contains("· OneTrust has no read-only user scope"),
        "{screen}"
    );
    assert!(
        screen.contains("Connection OK"),
        "a warning is no failure: {screen}"
    );
}

fn users_app() -> App {
    let mut app = app();
    app.update(key(KeyCode::Char('u')));
    let statuses = [
        UserStatus::Active,
        UserStatus::Active,
        UserStatus::LockedOut,
        UserStatus::Active,
        UserStatus::Staged,
        UserStatus::PasswordExpired,
        UserStatus::Suspended,
    ];
    app.update(Action::UsersPage(
        (0..40).map(|i| user(i, statuses[i % 7])).collect(),
        Default::default(),
    ));
    app
}

#[test]
fn users_load_in_the_background_and_can_be_filtered_sorted_and_exported() {
    let mut app = users_app();
    app.update(Action::UsersWait(std::time::Duration::from_secs(4)));
    snap("users_loading", &app);
    app.update(Action::UsersPage(
        (40..60).map(|i| user(i, UserStatus::Active)).collect(),
        Default::default(),
    ));
    app.update(Action::UsersDone(Ok(60)));
    app.update(Action::EntitlementsDone(Ok(None)));
    app.update(key(KeyCode::Char('/')));
    typed(&mut app, "GRACE");
    snap("users_filter_typing", &app);
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('s'))); // name
    app.update(key(KeyCode::Char('s'))); // login
    app.update(key(KeyCode::Char('S'))); // reversed
    snap("users_filtered_sorted", &app);
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    snap("users_details", &app);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('x')));
    app.update(key(KeyCode::Tab));
    snap("users_export_prompt", &app);
    match app.update(key(KeyCode::Enter)).as_slice() {
        [
            Effect::Export {
                rows,
                format,
                path,
                replace,
                ..
            },
        ] => {
            assert_eq!(rows.len(), 12, "exactly the rows shown");
            assert!(rows.iter().all(|u| u.name().starts_with("Grace")));
            assert_eq!(*format, ploy_core::users::ExportFormat::Json);
            assert_eq!(path.to_string_lossy(), "users-acme.json");
            assert_eq!(*replace, Replace::Never, "never replaces without asking");
        }
        _ => panic!("export"),
    }
    app.update(Action::Exported(Ok(ploy_connect::tui::msg::Written {
        users: 12,
        deactivated: 0,
        grants: None,
        caveats: Vec::new(),
        path: "/tmp/x/users-acme.json".into(),
    })));
    assert!(
        {
            let screen = render(&app, 80, 24);
            screen.contains("Wrote 12 users") && screen.contains("/tmp/x/users-acme.json")
        },
        "the path written, absolute"
    );
    let effects = app.update(key(KeyCode::Esc));
    assert!(effects.iter().any(|e| matches!(e, Effect::StopUsers)));
    assert!(matches!(app.screen, Screen::Home));
}

#[test]
fn paging_keys_move_through_many_users() {
    let mut app = app();
    app.update(key(KeyCode::Char('u')));
    app.update(Action::UsersPage(
        (0..5000).map(|i| user(i, UserStatus::Active)).collect(),
        Default::default(),
    ));
    app.update(key(KeyCode::PageDown));
    app.update(key(KeyCode::PageDown));
    app.update(key(KeyCode::End));
    match &app.screen {
        Screen::Users(u) => {
            assert_eq!(u.selected, 4999);
            assert!(u.offset > 4900);
        }
        _ => panic!(),
    }
    snap("users_end", &app);
    app.update(key(KeyCode::Home));
    match &app.screen {
        Screen::Users(u) => assert_eq!((u.selected, u.offset), (0, 0)),
        _ => panic!(),
    }
}

#[test]
fn a_failed_load_shows_its_diagnosis() {
    let mut app = users_app();
    app.update(Action::UsersDone(Err(ploy_core::app::AppError::Failed(
        ploy_core::app::Diagnosed::new(
            ploy_core::diagnose::Failure::new(
                "okta.missing_scope",
                "HTTP 403 from GET /api/v1/users",
            ),
            "corp",
            Some(Integration::Okta),
        ),
    ))));
    snap("users_failed", &app);
}

#[test]
fn rotate_takes_a_pasted_secret() {
    let mut app = app();
    app.update(key(KeyCode::Char('r')));
    app.update(Action::Paste(SECRET.into()));
    snap("rotate_onetrust", &app);
    match app.update(key(KeyCode::Enter)).as_slice() {
        [
            Effect::Rotate {
                name, candidate, ..
            },
        ] => {
            assert_eq!(name, "acme");
            match candidate {
                Candidate::Secret(s) => assert_eq!(s.expose_secret(), SECRET),
                Candidate::Key { .. } => panic!("a OneTrust profile rotates a secret"),
            }
        }
        _ => panic!("rotate"),
    }
    // The test of the candidate runs on the test screen; nothing is stored yet.
    assert!(matches!(&app.screen, Screen::Check(c) if c.rotation.is_some()));
}

#[test]
fn remove_asks_first() {
    let mut app = app();
    app.update(key(KeyCode::Delete));
    snap("home_confirm_remove", &app);
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    app.update(key(KeyCode::Delete));
    assert!(
        matches!(app.update(key(KeyCode::Char('y'))).as_slice(), [Effect::Remove(n)] if n == "acme")
    );
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

/// Opens the Okta wizard at the key step with a name, a domain and a client ID typed.
/// The Okta wizard at its key step, "paste a key from Okta" chosen, the key box focused.
fn okta_key_step() -> App {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "corp2");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "corp.okta.com");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Tab));
    app
}

fn wizard(app: &App) -> &ploy_connect::tui::screen::wizard::Wizard {
    match &app.screen {
        Screen::Wizard(w) => w,
        _ => panic!("not the wizard"),
    }
}

#[test]
fn a_jwk_kid_and_a_different_typed_kid_are_refused_naming_both() {
    let mut app = okta_key_step();
    press(&mut app, Action::Paste(jwk().to_string()));
    let kid = serde_json::from_str::<serde_json::Value>(jwk()).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string();
    app.update(key(KeyCode::Tab));
    typed(&mut app, "another-kid");
    let step = wizard(&app).step;
    app.update(key(KeyCode::Enter));
    assert_eq!(wizard(&app).step, step, "the step does not advance");
    let screen = render(&app, 120, 30);
    assert!(
        screen.contains(&kid[..12]) && screen.contains("another-kid"),
        "both key IDs are named:\n{screen}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_or_a_fifo_typed_into_the_key_box_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("key.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for path in ["/dev/zero".to_string(), fifo.display().to_string()] {
        let mut app = okta_key_step();
        // Every change is read once, off the drawing path; the last read decides.
        typed(&mut app, &path);
        assert!(
            matches!(
                &wizard(&app).key.state,
                ploy_connect::tui::keybox::KeyState::Invalid(
                    ploy_core::keys::KeyInputError::NotAFile { .. }
                )
            ),
            "{path} is refused"
        );
        let screen = render(&app, 160, 30);
        assert!(
            screen.contains("not a regular file"),
            "{path} is refused with a reason:\n{screen}"
        );
    }
}

#[test]
fn the_view_never_reads_the_key_box() {
    // A path typed into the box is read by an effect, not by drawing: until the effect runs,
    // the screen says the key is being read, however often it is drawn.
    let mut app = okta_key_step();
    let effects = app.update(Action::Paste("/dev/zero".into()));
    assert!(matches!(effects.as_slice(), [Effect::ReadKey { .. }]));
    for _ in 0..3 {
        assert!(render(&app, 100, 30).contains("reading the key"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keyring_in_the_wizard_shows_the_same_diagnosis_as_line_mode() {
    use ploy_core::app::Services;
    use ploy_core::secret::{MemoryStore, SecretStoreError, Vault};
    let dir = tempfile::tempdir().unwrap();
    let services = Services {
        store: ploy_core::profile::ProfileStore::new(dir.path())
            .with_state_dir(dir.path().join("state")),
        vault: Vault::new(std::sync::Arc::new(MemoryStore::failing(
            SecretStoreError::Unavailable("no D-Bus session bus".into()),
        ))),
    };
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "newco");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "newco.my.onetrust.com");
    app.update(key(KeyCode::Enter));
    typed(&mut app, "3d8efc3b94ed49628482eb2ab5e3bc8g");
    app.update(key(KeyCode::Enter));
    app.update(Action::Paste(SECRET.into()));
    app.update(key(KeyCode::Enter));
    let Ok::<[Effect; 1], _>(
        [
            Effect::Save {
                integration,
                intent,
                draft,
            },
        ],
    ) = app.update(key(KeyCode::Enter)).try_into()
    else {
        panic!("review + Enter saves");
    };
    // What the runtime does with the effect.
    let result = async {
        let v = ploy_core::setup::prepare(&services, integration, intent, &draft).await?;
        ploy_core::setup::save(&services, &v).await
    }
    .await;
    let err = result.unwrap_err();
    let line_mode = err.diagnosed().unwrap().diagnosis();
    assert_eq!(line_mode.code, "secret.store_unavailable");
    app.update(Action::Saved {
        name: "newco".into(),
        result: Err(err),
    });
    let screen = render(&app, 120, 30);
    assert!(screen.contains(&line_mode.title), "{screen}");
    assert!(screen.contains("[secret.store_unavailable]"), "{screen}");
    assert!(
        screen.contains(&line_mode.hint[..40]),
        "the fix is shown:\n{screen}"
    );
}

#[test]
fn footer_and_help_come_from_the_same_table_on_every_screen() {
    // Every screen and mode: the footer's keys are among the help's, and the help overlay
    // shows every line of the table plus the global keys.
    let check = |app: &mut App, label: &str| {
        let keys = app.bindings();
        assert!(!keys.footer.is_empty(), "{label}: a footer");
        for (k, _) in &keys.footer {
            assert!(
                keys.help.iter().any(|(h, _)| h.split(' ').any(|x| x == k)),
                "{label}: {k} in the footer but not in the help"
            );
        }
        assert!(keys.help.iter().any(|(h, _)| h == "Ctrl-C"), "{label}");
        app.update(key(KeyCode::F(1)));
        assert!(app.help, "{label}: F1 opens help");
        let screen = render(app, 120, 50);
        for (k, what) in &keys.help {
            assert!(
                screen.contains(what) && screen.contains(k.as_str()),
                "{label}: help lists {k} {what}:\n{screen}"
            );
        }
        app.update(key(KeyCode::F(1)));
        assert!(!app.help, "{label}: F1 closes it again");
    };
    let mut app = app();
    check(&mut app, "home");
    app.update(key(KeyCode::Char('d')));
    check(&mut app, "remove?");
    app.update(key(KeyCode::Char('n')));
    app.update(key(KeyCode::Char('a')));
    check(&mut app, "chooser");
    app.update(key(KeyCode::Char('?')));
    assert!(app.help, "? opens help in the chooser");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    check(&mut app, "a text field");
    app.update(key(KeyCode::Char('?')));
    assert!(!app.help, "in a text field ? is a character");
    let mut app = okta_key_step();
    press(&mut app, Action::Paste(pem().to_string()));
    app.update(key(KeyCode::Enter));
    check(&mut app, "DPoP");
    app.update(key(KeyCode::Enter));
    check(&mut app, "scopes");
    app.update(key(KeyCode::Enter));
    check(&mut app, "review");
    let mut app = users_app();
    check(&mut app, "users");
    app.update(key(KeyCode::Char('/')));
    check(&mut app, "filter");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('x')));
    check(&mut app, "export");
    let mut app = app_with_rotate();
    check(&mut app, "rotate");
}

fn app_with_rotate() -> App {
    let mut app = app();
    app.update(key(KeyCode::Char('r')));
    assert!(matches!(app.screen, Screen::Rotate(_)));
    app
}

#[test]
fn a_run_left_behind_never_writes_into_a_newer_one() {
    let mut app = app();
    let [Effect::RunCheck { run: old, .. }] = app.update(key(KeyCode::Char('t')))[..] else {
        panic!("t runs the test");
    };
    app.update(key(KeyCode::Esc));
    let [Effect::RunCheck { run: new, .. }] = app.update(key(KeyCode::Char('t')))[..] else {
        panic!("t runs the test again");
    };
    assert_ne!(old, new);
    app.update(Action::Check {
        run: old,
        event: CheckEvent::Finished(Box::new(step(
            StepId::Input,
            StepStatus::Failed,
            1,
            "old",
            Some("host.invalid"),
        ))),
    });
    match &app.screen {
        Screen::Check(c) => {
            assert!(c.failure().is_none(), "the old run's step was dropped");
            assert!(c.running);
        }
        _ => panic!(),
    }
}

#[test]
fn a_key_read_lands_only_in_the_box_that_asked() {
    let mut app = okta_key_step();
    let [Effect::ReadKey { generation, source }] =
        &app.update(Action::Paste(pem().to_string()))[..]
    else {
        panic!("a paste reads the key");
    };
    let (generation, source) = (*generation, source.clone());
    // The admin leaves the wizard and starts typing in the rotate screen.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('y'))); // leave without saving
    assert!(matches!(app.screen, Screen::Home));
    app.update(key(KeyCode::Down)); // corp, an Okta profile
    app.update(key(KeyCode::Char('r')));
    app.update(key(KeyCode::Char('/')));
    // The wizard's late answer arrives.
    app.update(Action::KeyRead {
        generation,
        result: source.load().map(Box::new),
    });
    match &app.screen {
        Screen::Rotate(r) => assert!(r.key.parsed().is_none(), "not taken by the rotate box"),
        _ => panic!("rotate screen"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_rotation_keeps_the_secret_and_offers_to_store_it_anyway() {
    let lab = common::lab::Lab::new(5, &[]).await;
    let good = lab.creds.onetrust.client_secret.clone();
    lab.onetrust("acme", &good).await;
    let mut app = App::new(lab.services.store.load().unwrap(), (80, 24));
    app.color = false;
    app.update(key(KeyCode::Char('r')));
    app.update(Action::Paste("a-wrong-new-secret".into()));
    let [
        Effect::Rotate {
            run,
            name,
            candidate,
        },
    ] = &app.update(key(KeyCode::Enter))[..]
    else {
        panic!("Enter rotates");
    };
    let run = *run;
    // What the runtime does: the core tests the candidate before storing anything.
    let result =
        ploy_core::setup::rotate(&lab.services, name, candidate.clone(), false, None).await;
    let report = result.as_ref().unwrap().report.clone();
    for s in &report.steps {
        app.update(Action::Check {
            run,
            event: CheckEvent::Finished(Box::new(s.clone())),
        });
    }
    app.update(Action::Rotated { run, result });
    assert_eq!(
        lab.stored_secret("acme").await.as_deref(),
        Some(good.as_str())
    );
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Kept the current secret"), "{screen}");
    assert!(screen.contains("f store anyway"), "{screen}");
    // The admin chooses to store it anyway: asked first, then stored.
    assert!(
        app.update(key(KeyCode::Char('f'))).is_empty(),
        "f asks first"
    );
    assert!(
        render(&app, 80, 24).contains("although its test failed? y / n"),
        "{}",
        render(&app, 80, 24)
    );
    let [
        Effect::StoreAnyway {
            run,
            name,
            candidate,
            report,
        },
    ] = &app.update(key(KeyCode::Char('y')))[..]
    else {
        panic!("y stores anyway");
    };
    let result =
        ploy_core::setup::store_after_failed_test(&lab.services, name, candidate.clone(), report)
            .await;
    app.update(Action::StoredAnyway { run: *run, result });
    assert!(render(&app, 80, 24).contains("The new secret is stored"));
    assert_eq!(
        lab.stored_secret("acme").await.as_deref(),
        Some("a-wrong-new-secret")
    );
}

/// Runs the export effects for real, as the runtime does.
fn run_exports(app: &mut App, effects: Vec<Effect>) -> usize {
    let mut ran = 0;
    for e in effects {
        if let Effect::Export {
            rows,
            format,
            path,
            replace,
            entitlements,
        } = e
        {
            ran += 1;
            let result = ploy_connect::tui::runner::export(
                &rows,
                format,
                &path,
                replace,
                entitlements.as_deref(),
            );
            app.update(Action::Exported(result));
        }
    }
    ran
}

fn export_dialog(app: &App) -> Option<&ploy_connect::tui::screen::users::ExportPrompt> {
    match &app.screen {
        Screen::Users(u) => u.export.as_ref(),
        _ => None,
    }
}

#[test]
fn export_asks_before_replacing_says_where_and_stays_open_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("users.csv");
    std::fs::write(&target, "precious").unwrap();
    let mut app = users_app();
    app.update(Action::UsersDone(Ok(40)));
    app.update(Action::EntitlementsDone(Ok(None)));
    app.update(key(KeyCode::Char('x')));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    app.update(Action::Paste(target.display().to_string()));

    // The file exists: nothing is written, and the dialog asks.
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(run_exports(&mut app, effects), 1);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    let dialog = export_dialog(&app).expect("the dialog stays open");
    assert!(dialog.replace);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("already exists"), "{screen}");
    assert!(screen.contains("Enter replaces it"), "{screen}");

    // Enter again replaces it, and the status says the absolute path.
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(run_exports(&mut app, effects), 1);
    assert!(export_dialog(&app).is_none(), "closed once written");
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("Ada Lovelace")
    );
    let screen = render(&app, 120, 24);
    assert!(screen.contains("Wrote 40 users"), "{screen}");
    assert!(screen.contains(&target.display().to_string()), "{screen}");

    // A file that cannot be written: the dialog stays, with why, and the name can be changed.
    app.update(key(KeyCode::Char('x')));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    app.update(Action::Paste(dir.path().display().to_string()));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(run_exports(&mut app, effects), 1);
    let dialog = export_dialog(&app).expect("the dialog stays open on an error");
    assert!(!dialog.replace, "a directory is never replaced");
    assert!(dialog.error.as_deref().unwrap().contains("Cannot write"));
    assert_eq!(dialog.path.text(), dir.path().display().to_string());
}

#[test]
fn a_relative_export_path_is_reported_absolute() {
    let here = std::env::current_dir().unwrap();
    let dir = tempfile::tempdir_in(&here).unwrap();
    let relative = dir.path().strip_prefix(&here).unwrap().join("u.csv");
    assert!(relative.is_relative());
    let mut table = ploy_core::users::UserTable::default();
    table.push((0..3).map(|i| user(i, UserStatus::Active)).collect());
    let written = ploy_connect::tui::runner::export(
        &table.shown_users(),
        ploy_core::users::ExportFormat::Csv,
        &relative,
        Replace::Never,
        None,
    )
    .unwrap();
    assert_eq!((written.users, written.path), (3, here.join(&relative)));
}

/// Finance (a group) for users 0–2, Salesforce through Finance for 0 and directly for 1, and
/// user 2 in Finance only.
fn review_entitlements() -> ploy_core::entitlements::Entitlements {
    use ploy_core::entitlements::{Entitlement, Entitlements, Kind};
    let mut e = Entitlements::default();
    let finance = e
        .intern(Entitlement {
            kind: Kind::Group,
            id: "00g1".into(),
            name: "Finance".into(),
            organization: None,
            detail: Some("OKTA_GROUP".into()),
        })
        .unwrap();
    let salesforce = e
        .intern(Entitlement {
            kind: Kind::App,
            id: "0oa1".into(),
            name: "Salesforce".into(),
            organization: None,
            detail: None,
        })
        .unwrap();
    for u in ["00u00000", "00u00001", "00u00002"] {
        e.grant(u, finance, None);
    }
    e.grant("00u00000", salesforce, Some(finance));
    e.grant("00u00001", salesforce, None);
    e
}

fn export_error(app: &App) -> Option<String> {
    match &app.screen {
        Screen::Users(u) => u.export.as_ref().and_then(|e| e.error.clone()),
        _ => None,
    }
}

#[test]
fn an_export_waits_for_every_user_and_entitlement_and_who_holds_an_app_is_one_key_away() {
    let mut app = users_app();
    // Users still loading: nothing is written, and the dialog says how far it got.
    app.update(key(KeyCode::Char('x')));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let why = export_error(&app).expect("refused");
    assert!(why.contains("Still loading users (40 so far)"), "{why}");
    app.update(key(KeyCode::Esc));

    // Users in, entitlements still coming: still refused, and the header shows progress.
    app.update(Action::UsersDone(Ok(40)));
    app.update(Action::EntitlementsProgress(
        ploy_core::connector::okta::Progress {
            kind: ploy_core::entitlements::Kind::App,
            done: 3,
            total: 9,
        },
    ));
    let screen = render(&app, 100, 24);
    assert!(screen.contains("3/9"), "{screen}");
    app.update(key(KeyCode::Char('x')));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let why = export_error(&app).expect("refused");
    assert!(why.contains("entitlements are still loading"), "{why}");
    app.update(key(KeyCode::Esc));

    app.update(Action::EntitlementsDone(Ok(Some(Box::new(
        review_entitlements(),
    )))));
    let screen = render(&app, 100, 24);
    assert!(screen.contains("5 entitlements"), "{screen}");

    // The filter takes field terms.
    app.update(key(KeyCode::Char('/')));
    app.update(Action::Paste("app:salesforce".into()));
    app.update(key(KeyCode::Enter));
    match &app.screen {
        Screen::Users(u) => assert_eq!(u.table.shown(), 2, "two hold Salesforce"),
        _ => panic!("users"),
    }
    app.update(key(KeyCode::Char('/')));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    app.update(key(KeyCode::Enter));

    // E lists the entitlements with their holders; Enter on Salesforce shows who holds it.
    app.update(key(KeyCode::Char('E')));
    let screen = render(&app, 100, 24);
    assert!(screen.contains("Finance"), "{screen}");
    assert!(screen.contains("Salesforce"), "{screen}");
    // Groups come first: Finance, then Salesforce.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    let screen = render(&app, 120, 30);
    match &app.screen {
        Screen::Users(u) => {
            assert_eq!(u.table.shown(), 2, "the holders of Salesforce:\n{screen}");
            assert_eq!(u.holding().map(|e| e.name.as_str()), Some("Salesforce"));
        }
        _ => panic!("users"),
    }
    assert!(screen.contains("via group Finance"), "{screen}");

    // Now it is complete: the export carries the entitlements.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('x')));
    match app.update(key(KeyCode::Enter)).as_slice() {
        [Effect::Export { entitlements, .. }] => {
            assert_eq!(entitlements.as_ref().map(|e| e.total()), Some(5));
        }
        other => panic!("an export, not {} effects", other.len()),
    }
}
