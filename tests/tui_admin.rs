//! The traps a new admin fell into in the TUI (issue 9), each pinned by a test that fails
//! without its fix: keys with one meaning, a diagnosis that shows its fix and scrolls, a users
//! table that follows the selection, a home screen that keeps its selection and says results
//! in words, quitting that asks while something is being written.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::tui::*;
use ploy_connect::tui::app::{App, Screen};
use ploy_connect::tui::bindings::{self as keys, ESC, GLOBAL_KEYS, Key};
use ploy_connect::tui::msg::{Action, Effect, ExportFailure};
use ploy_connect::tui::screen::{check, tables};
use ploy_core::check::{Report, StepId, StepStatus};
use ploy_core::connector::Carry;
use ploy_core::diagnose::{self, Diagnosis};
use ploy_core::integration::Integration;
use ploy_core::profile::{LastTest, Profiles};
use ploy_core::users::{User, UserStatus};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn a_letter_means_the_same_on_every_screen() {
    let mut meaning: BTreeMap<char, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for t in tables() {
        for (keys, footer, _) in &t.rows {
            let Some(footer) = footer else { continue };
            for k in keys.iter() {
                if let Key::Char(c) = k {
                    meaning.entry(*c).or_default().insert((footer, t.name));
                }
            }
        }
    }
    for (c, uses) in &meaning {
        let words: BTreeSet<&str> = uses.iter().map(|(f, _)| *f).collect();
        assert_eq!(words.len(), 1, "{c:?} means {uses:?}");
    }
    // The ones admins tripped over.
    let word = |c: char| meaning[&c].iter().next().unwrap().0;
    assert_eq!(word('t'), "test");
    assert_eq!(word('r'), "rotate");
    assert_eq!(word('d'), "DPoP on + test");
    assert_eq!(word('?'), "help");
    assert_eq!(word('q'), "quit");
}

#[test]
fn help_and_quit_are_offered_outside_text_fields_and_typed_keys_never_are() {
    for t in tables() {
        let chars: Vec<char> = t
            .rows
            .iter()
            .flat_map(|(keys, _, _)| keys.iter())
            .filter_map(|k| match k {
                Key::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        if t.typing {
            assert!(
                chars.is_empty(),
                "{}: {chars:?} would be typed into the field, not obeyed",
                t.name
            );
        } else if !["question", "panel over the screen"].contains(&t.name) {
            // (A question waits for y or n; in a panel over the screen any key closes it.)
            assert!(chars.contains(&'?'), "{}: ? does not open help", t.name);
            assert!(chars.contains(&'q'), "{}: q does not quit", t.name);
        }
        // Esc steps back; it never quits.
        for (keys, footer, help) in &t.rows {
            if keys.contains(&ESC) {
                assert_ne!(*footer, Some("quit"), "{}: Esc quits", t.name);
                assert!(!help.starts_with("quit"), "{}: Esc quits", t.name);
            }
        }
    }
    let f1 = GLOBAL_KEYS
        .iter()
        .any(|b| b.command == keys::Global::Help && b.keys.contains(&keys::F1));
    assert!(f1, "F1 is help everywhere, text fields too");
}

#[test]
fn a_typing_footer_never_offers_a_key_the_field_swallows() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    let footer = render(&app, 80, 24);
    let last = footer.lines().last().unwrap();
    assert!(last.contains("F1 help"), "{last}");
    assert!(!last.contains("? help"), "{last}");
    // `?` typed in the name field is text.
    app.update(key(KeyCode::Char('?')));
    assert!(!app.help);
}

#[test]
fn the_catalogue_names_only_keys_the_test_screen_has() {
    let bound: BTreeSet<char> = check::KEYS
        .iter()
        .flat_map(|b| b.keys.iter())
        .filter_map(|k| match k {
            Key::Char(c) => Some(*c),
            _ => None,
        })
        .collect();
    // Also as worded while a rotation or a promotion runs on the test screen.
    let doings = [
        diagnose::Doing::Test,
        diagnose::Doing::Rotate,
        diagnose::Doing::Promote,
    ];
    for code in diagnose::catalogue() {
        for (vendor, doing) in Integration::ALL
            .into_iter()
            .flat_map(|v| doings.map(|d| (v, d)))
        {
            let d = Diagnosis::for_code_doing(code, "p", Some(vendor), doing);
            let key = d.key.as_deref().unwrap_or_else(|| panic!("{code}: no key"));
            // A rotation's own message gives its next command.
            assert!(
                d.run.is_some() || doing == diagnose::Doing::Rotate,
                "{code}: no command for line mode"
            );
            let words: Vec<&str> = key.split(' ').collect();
            for pair in words.windows(2) {
                if matches!(pair[0], "Press" | "press" | "or") && pair[1].chars().count() == 1 {
                    let c = pair[1].chars().next().unwrap();
                    assert!(bound.contains(&c), "{code}: \"{key}\" names {c}");
                }
            }
        }
    }
}

#[test]
fn esc_never_quits_and_quitting_asks_while_a_save_runs() {
    let mut app = app();
    for _ in 0..3 {
        app.update(key(KeyCode::Esc));
    }
    assert!(!app.quit, "Esc on home does not quit");
    // Stepping back out of the wizard once too often lands on home, not outside.
    app.update(key(KeyCode::Char('a')));
    for _ in 0..4 {
        app.update(key(KeyCode::Esc));
    }
    assert!(!app.quit);
    assert!(matches!(app.screen, Screen::Home));

    // A save in flight: q asks, n stays, Ctrl-C asks, y quits.
    let mut app = app_with_save_running();
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit, "q while saving asks first");
    assert!(render(&app, 80, 24).contains("Quit anyway? y / n"));
    app.update(key(KeyCode::Char('n')));
    assert!(!app.quit);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(!app.quit, "Ctrl-C while saving asks too");
    app.update(key(KeyCode::Char('y')));
    assert!(app.quit);

    // Once the save is done, q quits at once.
    let mut app = app_with_save_running();
    app.update(Action::Saved {
        name: "corp".into(),
        result: Ok(()),
    });
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
}

/// The test screen of "corp" after a failed DPoP test, with `d` pressed: a save is running.
fn app_with_save_running() -> App {
    let mut app = failed_check("corp", Integration::Okta, "okta.dpop_required", "HTTP 400");
    let effects = app.update(key(KeyCode::Char('d')));
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
    app
}

/// A test of `name` that failed at the token step with `code`.
fn failed_check(name: &str, integration: Integration, code: &str, detail: &str) -> App {
    let mut app = app();
    let row = app
        .profiles
        .profiles
        .keys()
        .position(|n| n == name)
        .unwrap();
    for _ in 0..row {
        app.update(key(KeyCode::Down));
    }
    let [Effect::RunCheck { run, .. }] = app.update(key(KeyCode::Char('t')))[..] else {
        panic!("t tests");
    };
    let mut failed = step(StepId::Token, StepStatus::Failed, 80, detail, Some(code));
    failed.diagnosis = Some(Diagnosis::for_code(code, name, Some(integration)));
    app.update(Action::Check {
        run,
        event: ploy_core::check::CheckEvent::Finished(Box::new(failed.clone())),
    });
    app.update(Action::CheckDone {
        run,
        report: Box::new(Report {
            profile: name.into(),
            integration,
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
    app
}

/// The first words of `text`, as they start a wrapped line.
fn opening(text: &str) -> String {
    text.chars().take(30).collect()
}

#[test]
fn every_diagnosis_shows_its_fix_at_80x24_and_60x16_even_under_a_long_answer() {
    let detail = format!(
        "HTTP 400 from POST /oauth2/v1/token: {}",
        "{\"error\":\"x\",\"error_description\":\"y\"} ".repeat(20)
    );
    let mut checked = 0;
    for code in diagnose::catalogue() {
        for (name, vendor) in [("acme", Integration::OneTrust), ("corp", Integration::Okta)] {
            let app = failed_check(name, vendor, code, &detail);
            let fix = Diagnosis::for_code(code, name, Some(vendor)).fix;
            for (w, h) in [(80, 24), (60, 16)] {
                let screen = render(&app, w, h);
                assert!(
                    screen.contains(&format!("Fix   {}", opening(&fix))),
                    "{code} ({vendor}) at {w}×{h}: the fix is not on screen\n{screen}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} diagnoses rendered");
}

#[test]
fn the_diagnosis_panel_scrolls_to_the_raw_answer_and_back() {
    let detail = format!(
        "HTTP 400 from POST /oauth2/v1/token: {}END-OF-ANSWER",
        "x ".repeat(400)
    );
    let mut app = failed_check("corp", Integration::Okta, "okta.dpop_required", &detail);
    let first = render(&app, 80, 24);
    assert!(first.contains("↓ more"), "{first}");
    assert!(!first.contains("END-OF-ANSWER"));
    app.update(key(KeyCode::End));
    let end = render(&app, 80, 24);
    assert!(end.contains("END-OF-ANSWER"), "{end}");
    assert!(!end.contains("↓ more"));
    app.update(key(KeyCode::Home));
    assert_eq!(render(&app, 80, 24), first);
    // The wheel arrives as ↓ (see tui::to_action); one step moves one line.
    app.update(key(KeyCode::Down));
    let moved = render(&app, 80, 24);
    assert_ne!(moved, first);
    app.update(key(KeyCode::Up));
    assert_eq!(render(&app, 80, 24), first);
    // Scrolling past the end does not need as many presses back.
    for _ in 0..500 {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::PageUp));
    assert!(!render(&app, 80, 24).contains("END-OF-ANSWER"));
}

#[test]
fn the_test_screen_offers_rotate_with_r_and_test_with_t() {
    let mut app = failed_check(
        "acme",
        Integration::OneTrust,
        "onetrust.invalid_client",
        "HTTP 401",
    );
    assert!(matches!(
        app.update(key(KeyCode::Char('t'))).as_slice(),
        [Effect::RunCheck { .. }]
    ));
    let mut app = failed_check(
        "acme",
        Integration::OneTrust,
        "onetrust.invalid_client",
        "HTTP 401",
    );
    app.update(key(KeyCode::Char('r')));
    assert!(
        matches!(app.screen, Screen::Rotate(_)),
        "r rotates here too"
    );
    let screen = render(
        &failed_check(
            "acme",
            Integration::OneTrust,
            "onetrust.invalid_client",
            "HTTP 401",
        ),
        80,
        24,
    );
    assert!(
        screen.contains("Press r to store the new secret"),
        "{screen}"
    );
}

fn users_of(n: usize, size: (u16, u16), source: impl Fn(usize) -> Integration) -> App {
    let mut app = App::new(profiles(), size);
    app.color = false;
    app.now = now();
    app.update(key(KeyCode::Char('u')));
    let users: Vec<User> = (0..n)
        .map(|i| User {
            source: source(i),
            ..user(i, UserStatus::Active)
        })
        .collect();
    app.update(Action::UsersPage(users, Default::default()));
    app
}

/// The screen rows drawn as selected (reversed), as text.
fn highlighted(app: &App, w: u16, h: u16) -> Vec<String> {
    use ratatui::style::Modifier;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| ploy_connect::tui::view::draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    // Row 0 is the title bar, drawn reversed.
    (1..h)
        .filter(|&y| {
            (0..w).any(|x| {
                buf.cell((x, y))
                    .is_some_and(|c| c.modifier.contains(Modifier::REVERSED))
            })
        })
        .map(|y| {
            (0..w)
                .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
                .collect()
        })
        .collect()
}

fn selected_login(app: &App) -> String {
    match &app.screen {
        Screen::Users(u) => u.selected_user().unwrap().login().to_string(),
        _ => panic!("not on users"),
    }
}

#[test]
fn the_users_table_follows_the_selection_at_every_size() {
    for (w, h) in [(80, 24), (60, 16), (200, 50), (120, 30)] {
        let mut app = users_of(300, (w, h), |_| Integration::Okta);
        let presses: Vec<KeyCode> = std::iter::repeat_n(KeyCode::Down, 40)
            .chain([KeyCode::PageDown, KeyCode::PageDown, KeyCode::End])
            .chain(std::iter::repeat_n(KeyCode::Up, 3))
            .chain([KeyCode::PageUp, KeyCode::Home, KeyCode::End])
            .collect();
        for k in presses {
            app.update(key(k));
            let login = selected_login(&app);
            // Up to the @: unique, and shown even where the column cuts the domain.
            let shown = &login[..=login.find('@').unwrap()];
            let rows = highlighted(&app, w, h);
            assert!(
                rows.len() == 1 && rows[0].contains(shown),
                "{w}×{h} after {k:?}: {shown} should be the one highlighted row, not {rows:?}\n{}",
                render(&app, w, h)
            );
        }
        assert_eq!(selected_login(&app), user(299, UserStatus::Active).login);
        // Details open: the table is narrower but as tall; the selection stays visible.
        app.update(key(KeyCode::Enter));
        let login = selected_login(&app);
        let rows = highlighted(&app, w, h);
        // At 60 columns the narrowed table cuts the address; its start still shows.
        assert!(
            rows.len() == 1 && rows[0].contains(&login[..6]),
            "{w}×{h} with details: {rows:?}"
        );
    }
}

#[test]
fn a_failure_box_does_not_hide_the_selection() {
    let mut app = users_of(100, (80, 24), |_| Integration::Okta);
    app.update(key(KeyCode::End));
    app.update(Action::UsersDone(Err(ploy_core::app::AppError::Failed(
        ploy_core::app::Diagnosed::new(
            ploy_core::diagnose::Failure::new("rate_limited", "HTTP 429"),
            "acme",
            Some(Integration::OneTrust),
        ),
    ))));
    let login = selected_login(&app);
    let rows = highlighted(&app, 80, 24);
    assert!(
        rows.iter().any(|r| r.contains(&login)),
        "{rows:?}\n{}",
        render(&app, 80, 24)
    );
}

#[test]
fn the_filter_matches_status_too() {
    let mut app = app();
    app.update(key(KeyCode::Char('u')));
    app.update(Action::UsersPage(
        (0..30)
            .map(|i| {
                let status = if i % 10 == 3 {
                    UserStatus::LockedOut
                } else {
                    UserStatus::Active
                };
                user(i, status)
            })
            .collect(),
        Default::default(),
    ));
    app.update(key(KeyCode::Char('/')));
    typed(&mut app, "locked");
    match &app.screen {
        Screen::Users(u) => {
            assert_eq!(u.table.shown(), 3);
            assert!(
                u.table
                    .shown_users()
                    .iter()
                    .all(|u| u.status() == UserStatus::LockedOut)
            );
        }
        _ => panic!(),
    }
}

#[test]
fn columns_fit_their_content_show_the_time_zone_and_hide_a_uniform_source() {
    let one = users_of(20, (80, 24), |_| Integration::Okta);
    let screen = render(&one, 80, 24);
    let header = screen.lines().nth(3).unwrap();
    assert!(
        !header.contains("Source"),
        "one source: no column\n{screen}"
    );
    assert!(
        screen.contains("09:30 UTC"),
        "last login says its zone\n{screen}"
    );
    // The email gets the room status does not need: whole addresses at 80 columns.
    assert!(screen.contains("ada.lovelace0@acme.example"), "{screen}");

    let mixed = users_of(20, (120, 24), |i| {
        if i % 2 == 0 {
            Integration::Okta
        } else {
            Integration::OneTrust
        }
    });
    let screen = render(&mixed, 120, 24);
    assert!(
        screen.lines().nth(3).unwrap().contains("Source"),
        "{screen}"
    );
}

#[test]
fn details_labels_align_on_the_longest() {
    let mut app = users_of(5, (100, 24), |_| Integration::Okta);
    app.update(key(KeyCode::Enter));
    let screen = render(&app, 100, 24);
    // Every value starts in one column (the extra field "user type" is one of the labels).
    let starts: BTreeSet<usize> = screen
        .lines()
        .filter_map(|l| {
            ["name ", "status ", "source ", "user type "]
                .iter()
                .find_map(|label| l.find(&format!("│{label}")).map(|i| (i, *label)))
                .map(|(i, label)| {
                    let rest = &l[i + "│".len() + label.len()..];
                    i + "│".len() + label.len() + (rest.len() - rest.trim_start().len())
                })
        })
        .collect();
    assert_eq!(starts.len(), 1, "values start at {starts:?}\n{screen}");
}

#[test]
fn home_columns_come_from_content_and_failures_read_as_words() {
    let mut p = profiles();
    let long = "a-rather-long-profile-name-for-emea-production";
    p.profiles.insert(
        long.into(),
        profile(Integration::Okta, "emea.okta.com", None),
    );
    let mut app = App::new(p, (200, 30));
    app.color = false;
    app.now = now();
    let screen = render(&app, 200, 30);
    assert!(screen.contains(long), "{screen}");
    assert!(
        screen.contains("failed 2 h ago: This app requires DPoP"),
        "the title, not the code\n{screen}"
    );
    assert!(!screen.contains("okta.dpop_required"));
    // Narrow: still one line per profile, the widest column gives way.
    let narrow = render(&app, 80, 24);
    assert!(narrow.contains("a-rather-long"), "{narrow}");
}

#[test]
fn home_end_and_g_move_the_selection() {
    let mut app = app();
    app.update(key(KeyCode::End));
    assert_eq!(app.selected, 2);
    app.update(key(KeyCode::Home));
    assert_eq!(app.selected, 0);
    app.update(key(KeyCode::Char('G')));
    assert_eq!(app.selected, 2);
    app.update(key(KeyCode::Char('g')));
    assert_eq!(app.selected, 0);
}

#[test]
fn the_selection_stays_on_the_profile_just_added_or_edited() {
    let mut app = app();
    // "corp" selected, then "aaa" is added above it: the list is read again after the save.
    app.update(key(KeyCode::Down));
    app.update(Action::Saved {
        name: "aaa".into(),
        result: Ok(()),
    });
    let mut more = profiles();
    more.profiles.insert(
        "aaa".into(),
        profile(Integration::OneTrust, "aaa.my.onetrust.com", None),
    );
    app.update(Action::Profiles(Ok(more.clone())));
    assert_eq!(app.selected_profile().unwrap().0, "aaa");
    // Back home: a reload keeps "aaa", and a profile added by someone else does not move it.
    app.update(key(KeyCode::Esc));
    more.profiles.insert(
        "0first".into(),
        profile(Integration::OneTrust, "x.my.onetrust.com", None),
    );
    app.update(Action::Profiles(Ok(more)));
    assert_eq!(app.selected_profile().unwrap().0, "aaa");
    // What r rotates is the selected profile.
    app.update(key(KeyCode::Char('r')));
    match &app.screen {
        Screen::Rotate(r) => assert_eq!(r.profile, "aaa"),
        _ => panic!("r rotates"),
    }
}

#[test]
fn the_wizard_shows_the_values_that_will_be_stored() {
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "acme2");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "https://Acme.my.onetrust.com/login");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("saved as acme.my.onetrust.com"), "{screen}");
    app.update(key(KeyCode::Enter));
    typed(&mut app, "  3d8efc3b94ed49628482eb2ab5e3bc8g");
    app.update(key(KeyCode::Enter));
    app.update(Action::Paste("secret-value-0123456789".into()));
    app.update(key(KeyCode::Enter));
    let review = render(&app, 100, 30);
    assert!(review.contains("acme.my.onetrust.com"), "{review}");
    assert!(!review.contains("https://Acme"), "{review}");
    assert!(
        review.contains("Client ID      3d8efc3b"),
        "no leading spaces\n{review}"
    );
    let Effect::Save { draft, .. } = &app.update(key(KeyCode::Enter))[0] else {
        panic!("saves");
    };
    assert_eq!(draft.host.as_deref(), Some("acme.my.onetrust.com"));
    assert_eq!(
        draft.client_id.as_deref(),
        Some("3d8efc3b94ed49628482eb2ab5e3bc8g")
    );
}

#[test]
fn editing_a_profile_kept_in_the_kernel_keyring_asks_that_keyring() {
    let mut profiles = common::tui::profiles();
    profiles.profiles.get_mut("acme").unwrap().secret_store =
        Some(ploy_core::secret::Backend::Keyutils);
    let mut app = App::new(profiles, (80, 24));
    let effects = app.update(key(KeyCode::Char('e')));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::ProbeKeyring(Some(ploy_core::secret::Backend::Keyutils))
        )),
        "not the desktop keyring it does not use"
    );
}

#[test]
fn the_wizard_says_at_once_when_no_keyring_answers_and_says_it_once() {
    let mut app = app();
    let effects = app.update(key(KeyCode::Char('a')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ProbeKeyring(None))),
        "the keyring is asked when the wizard opens"
    );
    let err = ploy_core::app::AppError::store(
        ploy_core::secret::SecretStoreError::Unavailable("no D-Bus session bus".into()),
        "",
        None,
    );
    app.update(Action::KeyringProbed(Err(err)));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("No usable OS keyring"), "{screen}");
    assert!(
        screen.contains("Fix   Desktop: unlock GNOME Keyring"),
        "{screen}"
    );
    assert_eq!(
        screen.matches("o usable OS keyring").count(),
        1,
        "said once\n{screen}"
    );
}

#[test]
fn the_last_test_is_written_in_words_by_the_core_for_both_faces() {
    let t = LastTest {
        ok: false,
        at: now() - time::Duration::minutes(3),
        code: Some("okta.dpop_required".into()),
        users_seen: None,
        users_total: None,
        users_deactivated: None,
    };
    assert_eq!(
        t.summary("corp", Integration::Okta, now()),
        "failed 3 min ago: This app requires DPoP — set DPoP to yes"
    );
    let empty = Profiles::default();
    assert!(empty.profiles.is_empty());
}

#[test]
fn the_wizard_error_box_shows_the_fix_of_every_diagnosis_at_80x24() {
    use ploy_connect::tui::notice::Notice;
    use ploy_connect::tui::text::wrap;
    for code in diagnose::catalogue() {
        let mut app = app();
        app.update(key(KeyCode::Char('a')));
        app.update(key(KeyCode::Enter));
        let d = Diagnosis::for_new_profile(code, "newco", Some(Integration::OneTrust));
        let Screen::Wizard(w) = &mut app.screen else {
            panic!("wizard");
        };
        w.error = Some(Notice {
            detail: "HTTP 400: ".to_string() + &"x".repeat(300),
            diagnosis: Some(d.clone()),
            news: false,
        });
        let screen = render(&app, 80, 24);
        // The form is half of 80 columns: 38 inside, 31 after the "Fix" label.
        let first = &wrap(&d.fix, 31)[0];
        assert!(
            screen.contains(first.as_str()),
            "{code}: {first:?} cut off\n{screen}"
        );
    }
}

#[test]
fn home_scrolls_to_the_selection_with_many_profiles() {
    let mut p = Profiles::default();
    for i in 0..43 {
        p.profiles.insert(
            format!("p{i:02}"),
            profile(Integration::OneTrust, "x.my.onetrust.com", None),
        );
    }
    let mut app = App::new(p, (80, 24));
    app.color = false;
    app.update(key(KeyCode::End));
    let rows = highlighted(&app, 80, 24);
    assert!(rows.len() == 1 && rows[0].contains("p42"), "{rows:?}");
    app.update(key(KeyCode::Home));
    assert!(highlighted(&app, 80, 24)[0].contains("p00"));
}

#[test]
fn a_pasted_filter_starts_at_the_first_match() {
    let mut app = users_of(300, (80, 24), |_| Integration::Okta);
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Char('/')));
    app.update(Action::Paste("grace".into()));
    let rows = highlighted(&app, 80, 24);
    assert!(
        rows.len() == 1 && rows[0].contains("grace.hopper1@"),
        "{rows:?}"
    );
}

#[test]
fn news_left_by_the_last_save_outlives_the_quit_question() {
    let mut app = app_with_save_running();
    app.update(key(KeyCode::Char('q')));
    app.update(Action::Saved {
        name: "corp".into(),
        result: Err(ploy_core::app::AppError::Usage(
            "the profiles file is locked".into(),
        )),
    });
    assert!(app.question.is_none(), "nothing left to cut short");
    assert!(!app.quit);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("the profiles file is locked"), "{screen}");
    assert!(!screen.contains("Quit anyway"), "{screen}");
}

#[test]
fn an_export_dialog_cannot_be_closed_while_it_writes() {
    let mut app = users_of(10, (80, 24), |_| Integration::Okta);
    app.update(Action::UsersDone(Ok(10)));
    app.update(Action::EntitlementsDone(Ok(None)));
    app.update(key(KeyCode::Char('x')));
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Export { .. }]));
    app.update(key(KeyCode::Esc));
    match &app.screen {
        Screen::Users(u) => assert!(u.export.as_ref().is_some_and(|e| e.writing)),
        _ => panic!(),
    }
    // Its result lands in it: here, "exists", and the next Enter replaces that same file.
    app.update(Action::Exported(Err(ExportFailure {
        exists: true,
        message: "/tmp/users-acme.csv already exists".into(),
    })));
    match app.update(key(KeyCode::Enter)).as_slice() {
        [Effect::Export { path, replace, .. }] => {
            assert_eq!(path.to_string_lossy(), "users-acme.csv");
            assert_eq!(*replace, ploy_core::files::Replace::Allow);
        }
        _ => panic!("Enter again replaces"),
    }
}

#[test]
fn a_passed_test_is_remembered_with_the_vendors_total() {
    let t = LastTest {
        ok: true,
        at: now(),
        code: None,
        users_seen: Some(2000),
        users_total: Some(2500),
        users_deactivated: None,
    };
    assert_eq!(
        t.summary("acme", Integration::OneTrust, now()),
        "passed just now, 2500 users"
    );
}

#[test]
fn a_chosen_user_stays_selected_while_pages_arrive_and_a_sort_starts_at_the_top() {
    let mut app = users_of(100, (100, 30), |_| Integration::Okta);
    app.update(key(KeyCode::Char('s')));
    for _ in 0..5 {
        app.update(key(KeyCode::Down));
    }
    let chosen = selected_login(&app);
    // Users that sort before the chosen one arrive: it stays selected, on its new row.
    let early: Vec<User> = (100..140)
        .map(|i| User {
            name: format!("Aaron {i}"),
            ..user(i, UserStatus::Active)
        })
        .collect();
    app.update(Action::UsersPage(early, Default::default()));
    assert_eq!(selected_login(&app), chosen);
    match &app.screen {
        Screen::Users(u) => assert!(u.selected >= 40, "moved with its user: {}", u.selected),
        _ => panic!("not on users"),
    }
    // A sort the admin asks for shows the new order from its first row.
    app.update(key(KeyCode::Char('s')));
    match &app.screen {
        Screen::Users(u) => assert_eq!((u.selected, u.offset), (0, 0)),
        _ => panic!("not on users"),
    }
}

#[test]
fn a_rate_limit_wait_stays_shown_until_it_is_over_even_as_a_page_arrives() {
    let mut app = users_of(10, (100, 30), |_| Integration::Okta);
    app.update(Action::UsersWait(std::time::Duration::from_secs(59)));
    app.update(Action::UsersPage(
        vec![user(10, UserStatus::Active)],
        Default::default(),
    ));
    assert!(render(&app, 100, 30).contains("waiting 59 s"));
    app.now += std::time::Duration::from_secs(60);
    app.update(Action::Tick);
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("waiting 59 s"), "{screen}");
    assert!(screen.contains("1 rate-limit wait"), "{screen}");
}

/// Issue 20, item 9: the Okta wizard's guide panel follows the guide's step numbers (1, 2–9,
/// 10–11, 12–13, 14, 15 — whichever way the key comes), and names where the guide is read.
#[test]
fn the_wizard_guide_keeps_the_guides_order_and_says_where_it_is() {
    use ploy_connect::tui::screen::wizard::texts;
    let okta = texts(Integration::Okta).unwrap();
    // The step numbers a text starts its lines with ("6–8." counts as 6 and 8).
    let numbers = |text: &str| -> Vec<u32> {
        text.lines()
            .filter_map(|l| l.split_once(". "))
            .flat_map(|(n, _)| n.split('–').map(|x| x.parse::<u32>()).collect::<Vec<_>>())
            .filter_map(Result::ok)
            .collect()
    };
    for made_here in [false, true] {
        let mut all = Vec::new();
        for s in &okta.step {
            let guide = match (&s.generate_guide, made_here) {
                (Some(g), true) => g,
                _ => &s.guide,
            };
            all.extend(numbers(guide));
        }
        assert!(all.windows(2).all(|w| w[0] < w[1]), "out of order: {all:?}");
        assert_eq!(all.first(), Some(&1));
        assert_eq!(all.last(), Some(&15));
    }
    // Each guide panel says where the guide is.
    let mut app = app();
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    let screen = render(&app, 120, 40);
    assert!(
        ploy_core::diagnose::guide_address(Integration::Okta)
            .unwrap()
            .starts_with("https://app.joinploy.com/integrations")
    );
    assert!(
        screen.contains("Okta: https://app.joinploy.com/integrations"),
        "{screen}"
    );
}

/// Issue 20, item 9: `i` on the test screen copies the diagnosis for a support ticket.
#[test]
fn a_diagnosis_is_copied_for_a_support_ticket() {
    let detail = "HTTP 400 from POST /oauth2/v1/token: {\"error\":\"invalid_dpop_proof\"} (x-okta-request-id: Req-42)";
    let mut app = failed_check("corp", Integration::Okta, "okta.dpop_required", detail);
    assert!(
        app.bindings()
            .footer
            .iter()
            .any(|(k, w)| k == "i" && *w == "copy for support"),
        "{:?}",
        app.bindings().footer
    );
    let [Effect::Copy { text, .. }] = &app.update(key(KeyCode::Char('i')))[..] else {
        panic!("i copies the diagnosis");
    };
    assert!(text.starts_with("okta.dpop_required: "), "{text}");
    assert!(
        text.contains("Request ID: x-okta-request-id Req-42"),
        "{text}"
    );
    assert!(text.contains("invalid_dpop_proof"), "{text}");
    assert!(text.contains("Tenant: Okta at corp.okta.com"), "{text}");
    assert!(text.contains("Step: token"), "{text}");
}

/// Issue 20, item 10: `e` opens on the first step; Esc walks back a step and keeps what was
/// typed; leaving (Esc on the first step, q) with unsaved edits asks, and without edits does not.
#[test]
fn editing_starts_at_the_first_step_and_leaving_with_edits_asks() {
    let mut app = app();
    // acme, OneTrust: no edits, Esc leaves at once.
    app.update(key(KeyCode::Char('e')));
    assert!(
        matches!(&app.screen, Screen::Wizard(w) if w.step == 0),
        "first step"
    );
    assert!(render(&app, 80, 24).contains("Step 1 of 4"));
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Home));

    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "x");
    let client_id = |app: &App| match &app.screen {
        Screen::Wizard(w) => (
            w.step,
            w.client_id.text().to_string(),
            w.host.text().to_string(),
        ),
        _ => panic!("left the wizard"),
    };
    let (step, typed_id, host) = client_id(&app);
    assert_eq!(step, 1);
    assert!(typed_id.ends_with('x'));
    // Back a step and forward again: nothing typed is lost.
    app.update(key(KeyCode::Esc));
    assert_eq!(client_id(&app), (0, typed_id.clone(), host.clone()));
    app.update(key(KeyCode::Enter));
    assert_eq!(client_id(&app), (1, typed_id.clone(), host.clone()));
    // Leaving asks; n stays with the edits, y drops them.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.screen, Screen::Wizard(_)), "asked first");
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Leave without saving your changes to acme? y / n"),
        "{screen}"
    );
    app.update(key(KeyCode::Char('n')));
    assert_eq!(client_id(&app).1, typed_id);
    // q asks too, from the review (no text field takes it there); n stays.
    for _ in 0..3 {
        app.update(key(KeyCode::Enter));
    }
    assert!(render(&app, 80, 24).contains("Review"));
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit, "asked first");
    assert!(render(&app, 80, 24).contains("Quit without saving your changes to acme? y / n"));
    app.update(key(KeyCode::Char('n')));
    assert!(!app.quit);
    assert_eq!(client_id(&app).1, typed_id);
    // Walking back from the review to the first step and out: asked, y drops the edits.
    for _ in 0..4 {
        app.update(key(KeyCode::Esc));
    }
    assert!(render(&app, 80, 24).contains("Leave without saving"));
    app.update(key(KeyCode::Char('y')));
    assert!(matches!(app.screen, Screen::Home));
    assert!(!app.quit);
    assert_eq!(
        app.profiles.profiles["acme"].client_id,
        "3d8efc3b94ed49628482eb2ab5e3bc8g"
    );

    // An Okta profile edited without a change leaves at once, scopes in any order.
    let mut scopes: Vec<String> = ploy_core::setup::DEFAULT_SCOPES
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.reverse();
    app.profiles
        .profiles
        .get_mut("corp")
        .unwrap()
        .okta
        .as_mut()
        .unwrap()
        .scopes = scopes;
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::Esc));
    assert!(
        matches!(app.screen, Screen::Home),
        "nothing changed, nothing asked"
    );
    app.update(key(KeyCode::Up));

    // A new connection with a name typed: back at the choice of source, cancelling asks.
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    typed(&mut app, "zz");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert!(render(&app, 80, 24).contains("Leave without saving this new connection?"));
    app.update(key(KeyCode::Char('y')));
    assert!(matches!(app.screen, Screen::Home));
}

/// Issue 20, item 5: at 80×24 (and 60×16), with NO_COLOR, home shows the selected profile's
/// failure reason and its secret's age warning whole, and marks an old secret in its row.
#[test]
fn home_shows_the_failure_reason_and_the_age_warning_whole_without_colour() {
    let mut app = app();
    let corp = app.profiles.profiles.get_mut("corp").unwrap();
    corp.secret_stored = Some(now() - time::Duration::days(334));
    corp.host = "a-long-tenant-name-for-the-corporation.okta.com".into();
    app.update(key(KeyCode::Down));
    let title = Diagnosis::for_code("okta.dpop_required", "corp", Some(Integration::Okta)).title;
    for (w, h) in [(80, 24), (60, 16)] {
        let screen = render(&app, w, h);
        let row = screen.lines().find(|l| l.contains("│corp ")).unwrap();
        assert!(row.contains("✗ failed"), "{w}×{h}: {row}");
        assert!(
            row.contains("! set"),
            "{w}×{h}: the old secret is marked: {row}"
        );
        // Under the table, whole (wrapped at 60 columns).
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!("failed 2 h ago: {title}")),
            "{w}×{h}:\n{screen}"
        );
        assert!(
            flat.contains("! set 334 days ago — rotate it"),
            "{w}×{h}:\n{screen}"
        );
        assert!(flat.contains("Okta at a-long-tenant-name-for-the-corporation.okta.com"));
    }
}

/// Issue 20, item 5: a status message wraps; one too long for its rows says F2 shows it,
/// and F2 opens it whole in a panel that scrolls and shows that it can.
#[test]
fn a_status_message_wraps_and_a_long_one_opens_in_a_panel() {
    let mut app = app();
    app.update(Action::Copied {
        what: "the diagnosis",
        result: Ok(()),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen
            .contains(" Sent the diagnosis to the clipboard (OSC 52). If nothing was copied, the")
            && screen.contains(" terminal does not allow it."),
        "wrapped, the end of the message shows\n{screen}"
    );
    // Longer than a quarter of the screen.
    let long = format!(
        "{} END-OF-MESSAGE",
        "the tenant said something long ".repeat(60)
    );
    app.update(Action::PublicKeyDone(Err(
        ploy_connect::tui::msg::PublicKeyError::Demo(long),
    )));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("… F2 shows it all"), "{screen}");
    assert!(!screen.contains("END-OF-MESSAGE"));
    app.update(key(KeyCode::F(2)));
    assert!(app.reading);
    let panel = render(&app, 80, 24);
    assert!(panel.contains("Message"), "{panel}");
    assert!(panel.contains("↓ more: PgDn"), "{panel}");
    assert!(!panel.contains("END-OF-MESSAGE"));
    app.update(key(KeyCode::End));
    let end = render(&app, 80, 24);
    assert!(end.contains("END-OF-MESSAGE"), "{end}");
    assert!(!end.contains("↓ more"), "{end}");
    // Any other key closes it; the screen's keys work again.
    app.update(key(KeyCode::Char('x')));
    assert!(!app.reading);
    app.update(key(KeyCode::Down));
    assert_eq!(app.selected, 1);
}

/// Issue 20, item 5: a step's detail is cut to its row; Tab selects the step and the panel
/// shows its whole detail.
#[test]
fn a_step_is_selected_and_its_whole_detail_read_in_the_panel() {
    let detail = format!("{}END-OF-DETAIL", "a long step detail ".repeat(12));
    let mut app = failed_check("corp", Integration::Okta, "okta.dpop_required", "HTTP 400");
    let Screen::Check(c) = &app.screen else {
        panic!("the test screen")
    };
    let run = c.run;
    app.update(Action::Check {
        run,
        event: ploy_core::check::CheckEvent::Finished(Box::new(step(
            StepId::Dns,
            StepStatus::Passed,
            3,
            &detail,
            None,
        ))),
    });
    let screen = render(&app, 80, 24);
    assert!(
        !screen.contains("END-OF-DETAIL"),
        "cut in its row\n{screen}"
    );
    assert!(
        app.bindings()
            .help
            .iter()
            .any(|(k, what)| k == "Tab" && what.contains("whole detail"))
    );
    // Settings, then DNS.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("END-OF-DETAIL"), "{screen}");
    assert!(
        screen.contains("DNS      ✓ 3 ms · a long step detail"),
        "{screen}"
    );
    // Smaller, the panel scrolls to it.
    app.update(Action::Resize(60, 16));
    let screen = render(&app, 60, 16);
    assert!(
        screen.contains("↓ more") && !screen.contains("END-OF-DETAIL"),
        "{screen}"
    );
    let found = (0..10).any(|_| {
        app.update(key(KeyCode::Down));
        render(&app, 60, 16).contains("END-OF-DETAIL")
    });
    assert!(found, "{}", render(&app, 60, 16));
    app.update(Action::Resize(80, 24));
    // Tab on past the last step: the panel as it was.
    for _ in 0..5 {
        app.update(key(KeyCode::Tab));
    }
    assert!(!render(&app, 80, 24).contains("END-OF-DETAIL"));
    app.update(key(KeyCode::BackTab));
    assert!(matches!(&app.screen, Screen::Check(c) if c.selected == Some(5)));
}

/// Issue 20, item 5: the help overlay scrolls where it is taller than the screen, and says so.
#[test]
fn the_help_scrolls_and_shows_that_it_can() {
    let mut app = users_of(30, (60, 16), |_| Integration::Okta);
    app.update(key(KeyCode::Char('?')));
    let first = render(&app, 60, 16);
    assert!(first.contains("↓ more: PgDn"), "{first}");
    assert!(!first.contains("the status message whole"), "{first}");
    for _ in 0..10 {
        app.update(key(KeyCode::PageDown));
    }
    assert!(app.help, "PgDn scrolls the help; it does not close it");
    let end = render(&app, 60, 16);
    assert!(
        end.contains("the status message whole"),
        "the last key: {end}"
    );
    assert!(end.contains(" ↑ "), "{end}");
    assert!(!end.contains("↓ more"), "{end}");
    app.update(key(KeyCode::Char('x')));
    assert!(!app.help);
}

/// Issue 20, item 5: the footer keeps the keys that matter (the tables are in priority order;
/// separators narrow before a key gives way).
#[test]
fn the_footer_keeps_the_keys_that_matter() {
    let check = failed_check("corp", Integration::Okta, "okta.dpop_required", "HTTP 400");
    for (w, h) in [(80, 24), (60, 16)] {
        let screen = render(&check, w, h);
        let footer = screen.lines().last().unwrap();
        for k in [
            "d DPoP on + test",
            "e edit",
            "t test",
            "Esc home",
            "? help",
            "q quit",
        ] {
            assert!(footer.contains(k), "{w}×{h}: no {k}: {footer}");
        }
    }
    let mut home = app();
    home.size = (60, 16);
    let screen = render(&home, 60, 16);
    let footer = screen.lines().last().unwrap();
    for k in ["a add", "t test", "T test all", "? help", "q quit"] {
        assert!(footer.contains(k), "60×16: no {k}: {footer}");
    }
}

/// Issue 20, item 11: the users table as an admin reads it.
#[test]
fn the_users_table_matches_words_folds_accents_reverses_at_once_and_reads_every_time_alike() {
    let mut app = App::new(profiles(), (120, 30));
    app.color = false;
    app.now = now();
    app.update(key(KeyCode::Char('u')));
    let mut users: Vec<User> = (0..6).map(|i| user(i, UserStatus::Active)).collect();
    users[1].status = UserStatus::Inactive;
    users[2].name = "Karen Spärck Jones".into();
    users[2].last_name = "Spärck Jones".into();
    users[3]
        .extra
        .insert("lastUpdated", "2024-02-14T13:33:28.000Z".into());
    app.update(Action::UsersPage(users, Default::default()));
    app.update(Action::UsersDone(Ok(6)));
    let shown = |app: &App| match &app.screen {
        Screen::Users(u) => u.table.shown(),
        _ => panic!("users"),
    };
    let filter = |app: &mut App, text: &str| {
        app.update(key(KeyCode::Char('/')));
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        )));
        app.update(Action::Paste(text.into()));
        app.update(key(KeyCode::Enter));
    };
    // A status is a word: "active" is not INACTIVE.
    filter(&mut app, "active");
    assert_eq!(shown(&app), 5);
    filter(&mut app, "status:inactive");
    assert_eq!(shown(&app), 1);
    // Typed without the accent.
    filter(&mut app, "sparck");
    assert_eq!(shown(&app), 1);
    filter(&mut app, "");
    // S reverses at once, without a sort first.
    app.update(key(KeyCode::Char('S')));
    match &app.screen {
        Screen::Users(u) => assert!(u.table.sort().is_some(), "sorted, reversed"),
        _ => panic!("users"),
    }
    // A vendor's timestamp reads as the table's do.
    filter(&mut app, "edsger");
    app.update(key(KeyCode::Enter));
    let screen = render(&app, 120, 30);
    assert!(screen.contains("2024-02-14 13:33 UTC"), "{screen}");
    assert!(!screen.contains("T13:33:28"), "{screen}");
}

/// Issue 20, item 11: news leaves the status line after a while; a failure stays.
#[test]
fn news_fades_from_the_status_line_and_a_failure_stays() {
    let mut app = users_of(3, (80, 24), |_| Integration::Okta);
    app.update(Action::UsersDone(Ok(3)));
    app.update(Action::EntitlementsDone(Ok(None)));
    app.update(Action::Exported(Ok(ploy_connect::tui::msg::Written {
        users: 3,
        deactivated: 0,
        grants: Some(0),
        caveats: Vec::new(),
        path: "/tmp/users.csv".into(),
    })));
    assert!(render(&app, 80, 24).contains("Wrote 3 users"));
    assert!(app.busy(), "ticks come while news shows");
    app.now += time::Duration::seconds(5);
    app.update(Action::Tick);
    assert!(render(&app, 80, 24).contains("Wrote 3 users"), "still news");
    app.now += ploy_connect::tui::app::NEWS_SHOWN;
    app.update(Action::Tick);
    assert!(
        !render(&app, 80, 24).contains("Wrote 3 users"),
        "old news is gone"
    );
    app.message = Some(ploy_connect::tui::notice::Notice::failure(
        "the keyring is locked",
    ));
    app.update(Action::Tick);
    app.now += time::Duration::minutes(10);
    app.update(Action::Tick);
    assert!(render(&app, 80, 24).contains("the keyring is locked"));
}
