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
