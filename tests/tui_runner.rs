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
