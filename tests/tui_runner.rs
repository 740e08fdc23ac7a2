//! The TUI's loop in-process, without tmux: key → effect → the real runner and core, against
//! the demo's emulated tenants → action → screen (`common::tui::Harness`).

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::tui::*;

use ploy_connect::tui::app::{App, Screen};
use ratatui::crossterm::event::KeyCode;

fn test_finished(app: &App) -> bool {
    matches!(&app.screen, Screen::Check(c) if !c.running)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_runs_from_the_key_to_the_tenant_and_back_to_the_screen() {
    let mut h = Harness::demo(40).await;
    h.select("acme-onetrust");
    h.press(KeyCode::Char('t'));
    h.until("the test", test_finished).await;
    let screen = h.screen();
    assert!(screen.contains("Connection OK: 40 users"), "{screen}");
    // The outcome was remembered, and home reads it back.
    h.press(KeyCode::Esc);
    h.until("the profiles", |app| {
        app.profiles.profiles["acme-onetrust"]
            .last_test
            .as_ref()
            .is_some_and(|t| t.ok)
    })
    .await;
    assert!(matches!(h.app.screen, Screen::Home));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_diagnosed_failure_is_fixed_from_its_key_and_tested_again() {
    let mut h = Harness::demo(10).await;
    h.select("corp-okta-no-dpop");
    h.press(KeyCode::Char('t'));
    h.until("the test", test_finished).await;
    let screen = h.screen();
    assert!(screen.contains("okta.dpop_required"), "{screen}");
    assert!(screen.contains("d DPoP on + test"), "{screen}");
    // d saves DPoP on through the core's setup, then the saved profile is tested again.
    h.press(KeyCode::Char('d'));
    h.until("the save and the second test", |app| {
        test_finished(app)
            && app.profiles.profiles["corp-okta-no-dpop"]
                .okta
                .as_ref()
                .is_some_and(|o| o.dpop)
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("Connection OK"), "{screen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_arrive_page_by_page_into_the_table() {
    let mut h = Harness::demo(5_000).await;
    h.select("acme-onetrust");
    h.press(KeyCode::Char('u'));
    h.until(
        "the users",
        |app| matches!(&app.screen, Screen::Users(u) if u.done),
    )
    .await;
    let Screen::Users(u) = &h.app.screen else {
        unreachable!()
    };
    assert!(u.failure.is_none(), "{}", h.screen());
    assert_eq!(u.table.len(), 5_000);
    assert!(u.pages > 1, "{} pages", u.pages);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_made_here_is_staged_added_in_the_demo_okta_and_promoted() {
    let mut h = Harness::demo(10).await;
    h.select("corp-okta");
    h.press(KeyCode::Char('r'));
    // Enter makes and stages a key pair beside the current key.
    h.press(KeyCode::Enter);
    h.until(
        "the staged key",
        |app| matches!(&app.screen, Screen::Rotate(r) if !r.staging && r.staged_public().is_some()),
    )
    .await;
    // p plays the emulated Okta's admin: the new public key is added to the app.
    h.press(KeyCode::Char('p'));
    h.until("the demo's Okta", |app| {
        app.message
            .as_ref()
            .is_some_and(|m| m.line().contains("now holds the key"))
    })
    .await;
    // Enter tests the staged key; it passes, so it becomes current.
    h.press(KeyCode::Enter);
    h.until("the promotion", test_finished).await;
    let screen = h.screen();
    assert!(screen.contains("is in use"), "{screen}");
    h.until("the profiles", |app| {
        app.profiles.profiles["corp-okta"].staged().is_none()
    })
    .await;
}

/// Issue 20, item 6: a new key that fails its test keeps the working one — said as a key,
/// not a secret — `t` tries the same new key again, and `f` asks before storing it over a key
/// that passed its last test.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_key_that_fails_is_stored_over_a_working_one_only_when_the_admin_says_yes() {
    use ploy_connect::tui::msg::Action;
    use secrecy::ExposeSecret;

    let mut h = Harness::demo(10).await;
    h.select("corp-okta");
    h.press(KeyCode::Char('t'));
    h.until("the first test", test_finished).await;
    h.press(KeyCode::Esc);
    h.until("the passed test on home", |app| {
        matches!(app.screen, Screen::Home)
            && app.profiles.profiles["corp-okta"]
                .last_test
                .as_ref()
                .is_some_and(|t| t.ok)
    })
    .await;
    let stored = |h: &Harness| {
        let services = h.demo.services.clone();
        async move {
            let p = services.store.load().unwrap().profiles["corp-okta"].clone();
            let key = ploy_core::session::secret_key("corp-okta", &p);
            services
                .vault
                .get(&key)
                .await
                .unwrap()
                .unwrap()
                .expose_secret()
                .to_string()
        }
    };
    let kept = stored(&h).await;

    // A key the emulated Okta app does not hold, pasted on the rotate screen.
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::Char(' '));
    h.press(KeyCode::Tab);
    let stranger = ploy_core::keys::generate(ploy_core::keys::KeyType::Rsa2048).unwrap();
    h.send(Action::Paste(stranger.pem.expose_secret().to_string()));
    h.until(
        "the key read",
        |app| matches!(&app.screen, Screen::Rotate(r) if r.key.parsed().is_some()),
    )
    .await;
    h.press(KeyCode::Enter);
    h.until("the new key's test", test_finished).await;
    let screen = h.screen();
    assert!(screen.contains("Kept the current key"), "{screen}");
    assert!(!screen.contains("current secret"), "{screen}");

    // t tries the same new key again (from memory), not the stored one.
    h.press(KeyCode::Char('t'));
    let Screen::Check(c) = &h.app.screen else {
        panic!("the test screen")
    };
    assert!(
        c.rotation.is_some(),
        "t re-tests the new key\n{}",
        h.screen()
    );
    h.until("the second test", test_finished).await;

    // f asks first; n keeps the working key.
    h.press(KeyCode::Char('f'));
    let screen = h.screen();
    assert!(
        screen.contains("Store the new key although its test failed?"),
        "{screen}"
    );
    assert!(screen.contains("passed its last test"), "{screen}");
    h.press(KeyCode::Char('n'));
    assert_eq!(stored(&h).await, kept, "n keeps the working key");
    // y stores it.
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Char('y'));
    h.until("the key stored anyway", |app| {
        matches!(&app.screen, Screen::Check(c)
            if c.rotation.as_ref().is_some_and(|r| r.replaced == Some(true)))
    })
    .await;
    assert!(
        h.screen().contains("The new key is stored"),
        "{}",
        h.screen()
    );
    assert_ne!(stored(&h).await, kept, "y stored the new key");
}

/// Issue 20, item 15: the demo's `p` never silently pushes another profile's key out of the
/// emulated Okta app (two keys at most). A key no profile uses goes first, and is named;
/// when every key is in use, it asks, naming the key and the profiles it would stop.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_okta_admin_asks_before_retiring_a_key_a_profile_uses() {
    use ploy_connect::tui::app::Question;

    let mut h = Harness::demo(10).await;
    let org = std::sync::Arc::clone(&h.demo.emulator.okta);
    let console = h.demo.emulator.credentials.okta.key_id.clone();
    let host = h.demo.emulator.credentials.okta.host.clone();
    let said = |app: &App, text: &str| {
        app.message
            .as_ref()
            .is_some_and(|m| m.line().contains(text))
    };

    // corp-okta moves to a key made here: the app holds Okta's key and that one.
    h.select("corp-okta");
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::Enter);
    h.until(
        "the staged key",
        |app| matches!(&app.screen, Screen::Rotate(r) if !r.staging && r.staged_public().is_some()),
    )
    .await;
    h.press(KeyCode::Char('p'));
    h.until("the demo's Okta", |app| said(app, "now holds the key"))
        .await;
    h.press(KeyCode::Enter);
    h.until("the promotion", test_finished).await;
    h.press(KeyCode::Esc);
    h.until("corp-okta on its new key", |app| {
        matches!(app.screen, Screen::Home)
            && app.profiles.profiles["corp-okta"]
                .okta
                .as_ref()
                .is_some_and(|o| o.staged.is_none() && o.key_id.as_deref() != Some(&*console))
    })
    .await;
    let corp_key = h.app.profiles.profiles["corp-okta"]
        .okta
        .as_ref()
        .and_then(|o| o.key_id.clone())
        .unwrap();
    assert_eq!(org.key_ids(), [console.clone(), corp_key.clone()]);

    // A new profile's key made here: both keys in the app are in use, so p asks.
    let new_profile = |h: &mut Harness, name: &str| {
        h.press(KeyCode::Char('a'));
        h.press(KeyCode::Down);
        h.press(KeyCode::Enter);
        for c in name.chars() {
            h.press(KeyCode::Char(c));
        }
        h.press(KeyCode::Tab);
        for c in host.chars() {
            h.press(KeyCode::Char(c));
        }
        h.press(KeyCode::Enter);
    };
    let made = |app: &App| matches!(&app.screen, Screen::Wizard(w) if w.made.ready().is_some());
    new_profile(&mut h, "mine");
    h.until("the key pair made", made).await;
    h.press(KeyCode::Char('p'));
    h.until("the question", |app| {
        matches!(app.question, Some(Question::DemoRetire { .. }))
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("Retire"), "{screen}");
    let line = h.app.message.as_ref().unwrap().line();
    assert!(line.contains(&console), "names the key: {line}");
    assert!(
        line.contains("corp-okta-no-dpop uses"),
        "names whom it stops: {line}"
    );
    assert_eq!(
        org.key_ids(),
        [console.clone(), corp_key.clone()],
        "nothing yet"
    );
    // n: nothing changes.
    h.press(KeyCode::Char('n'));
    assert!(said(&h.app, "Nothing changed in the emulated Okta app"));
    assert_eq!(org.key_ids(), [console.clone(), corp_key.clone()]);
    // y: the key named goes, and the news says whom that stops.
    h.press(KeyCode::Char('p'));
    h.until("the question again", |app| app.question.is_some())
        .await;
    h.press(KeyCode::Char('y'));
    h.until("the demo's Okta", |app| said(app, "now holds the key"))
        .await;
    let line = h.app.message.as_ref().unwrap().line();
    assert!(
        line.contains(&format!("retired {console}")) && line.contains("corp-okta-no-dpop"),
        "{line}"
    );
    let mine = match &h.app.screen {
        Screen::Wizard(w) => w.made.public().unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_string(),
        _ => panic!("the wizard"),
    };
    assert_eq!(org.key_ids(), [corp_key.clone(), mine.clone()]);

    // That profile is never saved; another one's key pushes out its key, which no profile
    // uses, without asking, and says which.
    for _ in 0..3 {
        h.press(KeyCode::Esc);
    }
    h.press(KeyCode::Char('y'));
    assert!(matches!(h.app.screen, Screen::Home));
    new_profile(&mut h, "mine2");
    h.until("the key pair made", made).await;
    h.press(KeyCode::Char('p'));
    h.until("the demo's Okta", |app| said(app, "now holds the key"))
        .await;
    let line = h.app.message.as_ref().unwrap().line();
    assert!(
        line.contains(&format!("retired {mine} first, which no profile uses")),
        "{line}"
    );
    assert_eq!(org.key_ids()[0], corp_key, "corp-okta's key stays");

    // corp-okta still connects.
    for _ in 0..3 {
        h.press(KeyCode::Esc);
    }
    h.press(KeyCode::Char('y'));
    h.select("corp-okta");
    h.press(KeyCode::Char('t'));
    h.until("the test", test_finished).await;
    assert!(h.screen().contains("Connection OK"), "{}", h.screen());
}

/// Issue 20, item 16: `T` on home tests every profile at once, as `status` does, and each row
/// shows its own result as it comes; the status line sums them up.
#[tokio::test(flavor = "multi_thread")]
async fn home_tests_every_profile_at_once_with_results_per_row() {
    let mut h = Harness::demo(10).await;
    assert!(h.screen().contains("T test all"), "{}", h.screen());
    h.press(KeyCode::Char('T'));
    // All three started together, each row saying so.
    assert!(h.app.tests.running());
    let screen = h.screen();
    let testing = screen
        .lines()
        .filter(|l| l.contains("127.0.0.1") && l.contains("testing…"))
        .count();
    assert_eq!(testing, 3, "{screen}");
    assert!(!screen.contains("T test all"), "not offered while running");
    h.until("every row's result", |app| !app.tests.running())
        .await;
    let screen = h.screen();
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("│{name} ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{screen}"))
            .to_string()
    };
    assert!(
        row("acme-onetrust").contains("✓ passed just now"),
        "{screen}"
    );
    assert!(row("corp-okta ").contains("✓ passed just now"), "{screen}");
    assert!(
        row("corp-okta-no-dpop").contains("✗ failed just now"),
        "{screen}"
    );
    assert!(matches!(h.app.screen, Screen::Home), "home stays");
    let line = h.app.message.as_ref().unwrap().line();
    assert!(
        line.contains("Tested 3 profile(s) at once: 1 failed (corp-okta-no-dpop)"),
        "{line}"
    );
    // Each run was remembered, as status remembers it.
    h.until("the last tests kept", |app| {
        app.profiles
            .profiles
            .values()
            .all(|p| p.last_test.is_some())
    })
    .await;
    // t on the failed row shows its steps and the fix.
    h.select("corp-okta-no-dpop");
    assert!(
        h.screen().contains("DPoP"),
        "its reason under the table\n{}",
        h.screen()
    );
}

fn identities_done(app: &App) -> bool {
    matches!(&app.screen, Screen::Identities(s) if s.done())
}

/// Issue 19 in the TUI: the marked Okta and OneTrust profiles (the demo's overlapping
/// tenants) read at once and joined; every person's flags as the generator's record has them,
/// the counts at the top, `flag:` filter terms, and Enter for a person's accounts with what
/// each holds.
#[tokio::test(flavor = "multi_thread")]
async fn identities_show_every_flag_where_the_generator_put_it() {
    let n = 400;
    let mut h = Harness::demo(n).await;
    // As the demo opens: its overlapping tenants marked.
    for name in ploy_connect::demo::OVERLAPPING {
        h.select(name);
        h.press(KeyCode::Char(' '));
    }
    assert!(h.screen().contains("+ corp-okta"), "{}", h.screen());
    h.press(KeyCode::Char('I'));
    h.until("the join", identities_done).await;
    let record = ploy_emulator::EmulatorConfig {
        users: n,
        ..ploy_emulator::EmulatorConfig::default()
    }
    .record();
    let want: std::collections::BTreeMap<String, Vec<&'static str>> = record
        .identities()
        .into_iter()
        .map(|i| {
            let flags = i.flags();
            (i.email, flags)
        })
        .collect();
    let Screen::Identities(s) = &h.app.screen else {
        unreachable!()
    };
    let ids = s.ids.clone().unwrap();
    assert_eq!(ids.len(), want.len(), "{}", h.screen());
    let mut buf = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    for p in ids.people() {
        let (email, _) = p.email_and_name(&mut buf);
        assert_eq!(p.flags.names(), want[&email], "{email}");
        assert!(p.unsure.is_empty());
        for f in p.flags.names() {
            *counts.entry(f).or_default() += 1;
        }
    }
    let screen = h.screen();
    for f in ["dormant", "leaver_with_access", "never_logged_in", "orphan"] {
        let c = counts.get(f).copied().unwrap_or(0);
        assert!(c > 0, "nobody is {f}");
        assert!(screen.contains(&format!("{f} {c}")), "{f} {c}:\n{screen}");
    }
    assert!(!screen.contains("unsure"), "{screen}");

    // flag:orphan keeps exactly the orphans; the line says how many of all.
    h.press(KeyCode::Char('/'));
    for c in "flag:orphan".chars() {
        h.press(KeyCode::Char(c));
    }
    h.press(KeyCode::Enter);
    let Screen::Identities(s) = &h.app.screen else {
        unreachable!()
    };
    assert_eq!(s.shown.len() as u64, counts["orphan"]);
    for p in &s.shown {
        assert!(
            ids.person(*p as usize)
                .unwrap()
                .flags
                .names()
                .contains(&"orphan")
        );
    }
    let screen = h.screen();
    assert!(
        screen.contains(&format!("{} of {} people", counts["orphan"], want.len())),
        "{screen}"
    );

    // A leaver's accounts: the deactivated Okta account and the OneTrust one still active,
    // each with what it holds.
    h.press(KeyCode::Char('/'));
    for _ in 0.."flag:orphan".len() {
        h.press(KeyCode::Backspace);
    }
    for c in "flag:leaver".chars() {
        h.press(KeyCode::Char(c));
    }
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("Accounts · Esc closes"), "{screen}");
    assert!(
        screen.contains("corp-okta · Okta (identity provider) · DEPROVISIONED"),
        "{screen}"
    );
    assert!(
        screen.contains("acme-onetrust · OneTrust (application source) · ACTIVE"),
        "{screen}"
    );
    assert!(screen.contains("leaver_with_access"), "{screen}");
    assert!(
        screen.contains("group: "),
        "the Okta account's groups: {screen}"
    );
    assert!(
        screen.contains("access_level: "),
        "the OneTrust access levels: {screen}"
    );
    h.press(KeyCode::Esc);
    assert!(!h.screen().contains("Accounts · Esc closes"));
    h.press(KeyCode::Esc);
    assert!(matches!(h.app.screen, Screen::Home));
}

/// Every profile, the demo's failing one included: its failure is said, and an orphan is
/// only unsure, never called one wrongly.
#[tokio::test(flavor = "multi_thread")]
async fn identities_with_a_profile_that_fails_mark_orphans_unsure() {
    let mut h = Harness::demo(200).await;
    h.press(KeyCode::Char('I'));
    h.until("the join", identities_done).await;
    let Screen::Identities(s) = &h.app.screen else {
        unreachable!()
    };
    assert_eq!(s.profiles.len(), 3, "every profile when none is marked");
    assert_eq!(s.failures.len(), 1, "{}", h.screen());
    let ids = s.ids.clone().unwrap();
    assert_eq!(ids.counts().of(ploy_core::identities::Flag::Orphan), 0);
    assert!(ids.counts().unsure(ploy_core::identities::Flag::Orphan) > 0);
    let screen = h.screen();
    assert!(screen.contains("✗"), "{screen}");
    assert!(screen.contains("unsure)"), "{screen}");
    assert!(
        screen.contains("corp-okta-no-dpop: not all users read"),
        "{screen}"
    );
}
