//! The TUI without a terminal: `App::update` driven by key sequences, and every screen
//! rendered with ratatui's `TestBackend` into `insta` snapshots (tests/snapshots/).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ploy_connect::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use ploy_connect::connector::Carry;
use ploy_connect::diagnose::Diagnosis;
use ploy_connect::integration::Integration;
use ploy_connect::profile::{LastTest, OktaSettings, Profile, Profiles};
use ploy_connect::tui::app::{Action, App, Effect, Screen};
use ploy_connect::tui::view;
use ploy_connect::users::{User, UserStatus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::ExposeSecret;
use time::OffsetDateTime;

const SECRET: &str = "s3cr3t-Value-That-Must-Not-Render";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
}

fn profile(integration: Integration, host: &str, last: Option<LastTest>) -> Profile {
    Profile {
        integration,
        host: host.into(),
        client_id: "3d8efc3b94ed49628482eb2ab5e3bc8g".into(),
        secret_ref: "ref".into(),
        created: now(),
        updated: now(),
        last_test: last,
        okta: (integration == Integration::Okta).then(|| OktaSettings {
            key_id: None,
            dpop: false,
            scopes: vec!["okta.users.read".into()],
            dpop_nonce: None,
        }),
    }
}

fn profiles() -> Profiles {
    let mut p = BTreeMap::new();
    p.insert(
        "acme".to_string(),
        profile(
            Integration::OneTrust,
            "acme.my.onetrust.com",
            Some(LastTest {
                ok: true,
                at: now() - time::Duration::minutes(5),
                code: None,
                users_seen: Some(250),
            }),
        ),
    );
    p.insert(
        "corp".to_string(),
        profile(
            Integration::Okta,
            "corp.okta.com",
            Some(LastTest {
                ok: false,
                at: now() - time::Duration::hours(2),
                code: Some("okta.dpop_required".into()),
                users_seen: None,
            }),
        ),
    );
    p.insert(
        "new".to_string(),
        profile(Integration::OneTrust, "app-eu.onetrust.com", None),
    );
    Profiles {
        schema_version: 1,
        profiles: p,
    }
}

fn app() -> App {
    let mut a = App::new(profiles(), (80, 24));
    a.now = now();
    a.color = false;
    a
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    t.backend().to_string()
}

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

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

static PEM: OnceLock<String> = OnceLock::new();

/// A real RSA key in Okta's console format, made once by the emulator.
fn pem() -> &'static str {
    PEM.get_or_init(|| {
        let e = ploy_connect::emulator::EmulatorThread::start(Default::default()).unwrap();
        e.credentials.okta.private_key_pem.clone()
    })
}

fn user(i: usize, status: UserStatus) -> User {
    let first = ["Ada", "Grace", "Alan", "Edsger", "Radia"][i % 5];
    let last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Perlman"][i % 5];
    User {
        id: format!("00u{i:05}"),
        login: format!(
            "{}.{}{i}@acme.example",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        email: format!(
            "{}.{}{i}@acme.example",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        name: format!("{first} {last}"),
        first_name: first.into(),
        last_name: last.into(),
        status,
        created: Some("2024-01-02T03:04:05.000Z".into()),
        last_login: (!i.is_multiple_of(3))
            .then(|| format!("2025-0{}-1{}T09:30:00.000Z", i % 9 + 1, i % 10)),
        source: Integration::Okta,
        extra: BTreeMap::from([("user type".to_string(), "default".to_string())]),
    }
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
                name,
                profile,
                secret,
            },
        ] => {
            assert_eq!(name, "acme2");
            assert_eq!(profile.host, "acme.my.onetrust.com");
            assert_eq!(secret.as_ref().unwrap().expose_secret(), SECRET);
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
            .any(|e| matches!(e, Effect::RunCheck(n) if n == "acme2"))
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
    app.update(key(KeyCode::Esc));
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
    typed(&mut app, "0oa1b2c3d4e5f6g7h8i9");
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_key_empty", &app);
    // Some terminals deliver pasted line breaks as CR.
    app.update(Action::Paste(pem().replace('\n', "\r")));
    snap("wizard_okta_key_pasted", &app);
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_dpop", &app);
    app.update(key(KeyCode::Char('y')));
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_scopes", &app);
    app.update(key(KeyCode::Char(' '))); // untick okta.users.read
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_scopes_need_users_read", &app);
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Enter));
    snap("wizard_okta_review", &app);
    match app.update(key(KeyCode::Enter)).as_slice() {
        [
            Effect::Save {
                profile, secret, ..
            },
        ] => {
            assert_eq!(profile.host, "corp.okta.com");
            let okta = profile.okta.as_ref().unwrap();
            assert!(okta.dpop);
            assert_eq!(okta.scopes.len(), 3);
            let stored = secret.as_ref().unwrap().expose_secret();
            assert!(!stored.contains('\r'), "stored normalised");
            assert_eq!(stored, pem().trim());
        }
        _ => panic!("saves"),
    }
}

fn step(id: StepId, status: StepStatus, ms: u64, detail: &str, code: Option<&str>) -> StepResult {
    StepResult {
        id,
        status,
        ms,
        detail: detail.into(),
        diagnosis: code.map(|c| Diagnosis::for_code(c, "corp", Some(Integration::Okta))),
    }
}

#[test]
fn the_test_screen_streams_steps_and_expands_the_failure() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Char('t')));
    assert!(matches!(effects.as_slice(), [Effect::RunCheck(n)] if n == "corp"));
    app.update(Action::Check(CheckEvent::Finished(step(
        StepId::Input,
        StepStatus::Passed,
        41,
        "Okta at corp.okta.com, client ID 0oa…, RSA 2048 private key (PKCS#8 PEM), no kid",
        None,
    ))));
    app.update(Action::Check(CheckEvent::Finished(step(
        StepId::Dns,
        StepStatus::Passed,
        3,
        "corp.okta.com → 198.51.100.7",
        None,
    ))));
    app.update(Action::Check(CheckEvent::Started(StepId::Tls)));
    snap("check_running", &app);
    app.update(Action::Check(CheckEvent::Finished(step(
        StepId::Tls,
        StepStatus::Passed,
        88,
        "TLS handshake with corp.okta.com verified; HTTP 200",
        None,
    ))));
    let failed = step(
        StepId::Token,
        StepStatus::Failed,
        120,
        "HTTP 400 from POST /oauth2/v1/token: {\"error\":\"invalid_dpop_proof\",\"error_description\":\"The DPoP proof JWT header is missing.\"}",
        Some("okta.dpop_required"),
    );
    app.update(Action::Check(CheckEvent::Finished(failed.clone())));
    for id in [StepId::Scopes, StepId::Users] {
        app.update(Action::Check(CheckEvent::Finished(step(
            id,
            StepStatus::Skipped,
            0,
            "skipped",
            None,
        ))));
    }
    app.update(Action::CheckDone(Box::new(Report {
        profile: "corp".into(),
        integration: Integration::Okta,
        ok: false,
        steps: vec![failed],
        users_seen: 0,
        at: now(),
        carry: Carry::default(),
    })));
    snap("check_failed_dpop", &app);
    // One key: turn DPoP on, save, and (after the save) re-test.
    match app.update(key(KeyCode::Char('d'))).as_slice() {
        [
            Effect::Save {
                profile, secret, ..
            },
        ] => {
            assert!(profile.okta.as_ref().unwrap().dpop);
            assert!(secret.is_none(), "the stored key stays");
        }
        _ => panic!("d saves with DPoP on"),
    }
    // `e` opens the wizard on the field the diagnosis points at.
    app.update(key(KeyCode::Char('e')));
    match &app.screen {
        Screen::Wizard(w) => assert_eq!(w.current(), Some(ploy_connect::tui::wizard::StepId::Dpop)),
        _ => panic!("e edits"),
    }
}

#[test]
fn a_passed_test_offers_users() {
    let mut app = app();
    app.update(key(KeyCode::Char('t')));
    let steps: Vec<StepResult> = StepId::ALL
        .iter()
        .map(|id| step(*id, StepStatus::Passed, 12, "fine", None))
        .collect();
    for s in &steps {
        app.update(Action::Check(CheckEvent::Finished(s.clone())));
    }
    app.update(Action::CheckDone(Box::new(Report {
        profile: "acme".into(),
        integration: Integration::OneTrust,
        ok: true,
        steps,
        users_seen: 250,
        at: now(),
        carry: Carry::default(),
    })));
    snap("check_passed", &app);
    let effects = app.update(key(KeyCode::Char('u')));
    assert!(matches!(effects.as_slice(), [Effect::FetchUsers(n)] if n == "acme"));
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
    ));
    app.update(Action::UsersDone(Ok(60)));
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
        [Effect::Export { rows, format, path }] => {
            assert_eq!(rows.len(), 12, "exactly the rows shown");
            assert!(rows.iter().all(|u| u.name.starts_with("Grace")));
            assert_eq!(*format, ploy_connect::users::ExportFormat::Json);
            assert_eq!(path.to_string_lossy(), "users-acme.json");
        }
        _ => panic!("export"),
    }
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
    app.update(Action::UsersDone(Err(
        ploy_connect::diagnose::Failure::new(
            "okta.missing_scope",
            "HTTP 403 from GET /api/v1/users",
        ),
    )));
    snap("users_failed", &app);
}

#[test]
fn rotate_takes_a_pasted_secret() {
    let mut app = app();
    app.update(key(KeyCode::Char('r')));
    app.update(Action::Paste(SECRET.into()));
    snap("rotate_onetrust", &app);
    match app.update(key(KeyCode::Enter)).as_slice() {
        [Effect::Rotate { name, secret, .. }] => {
            assert_eq!(name, "acme");
            assert_eq!(secret.expose_secret(), SECRET);
        }
        _ => panic!("rotate"),
    }
}

#[test]
fn remove_asks_first() {
    let mut app = app();
    app.update(key(KeyCode::Char('d')));
    snap("home_confirm_remove", &app);
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    app.update(key(KeyCode::Char('d')));
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
