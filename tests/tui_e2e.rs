//! The real binary's full-screen face in tmux: `demo`, the wizard with a bracketed paste of a
//! key, a passing test, the users table with a filter, quit, and a restored terminal.
//! Synchronisation is by waiting for text to appear on the screen, never by fixed sleeps.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;

use ploy_emulator::{EmulatorConfig, EmulatorThread};

fn have_tmux() -> bool {
    common::tools_available(&["tmux", "pgrep"])
}

#[test]
fn demo_wizard_paste_test_users_filter_quit() {
    if !have_tmux() {
        return;
    }
    let org = EmulatorThread::start(EmulatorConfig::default()).unwrap();
    let okta = org.credentials.okta.clone();
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(&format!("{} demo", common::BIN), home.path());

    let screen = t.wait_for("acme-onetrust");
    assert!(
        screen.contains("DEMO"),
        "the demo says what it is:\n{screen}"
    );
    assert!(t.alternate_screen());

    t.keys(&["a"]);
    t.wait_for("Which identity source");
    t.keys(&["Down"]);
    t.keys(&["Enter"]);
    t.wait_for("Okta domain");
    t.type_text("e2e-okta");
    t.keys(&["Tab"]);
    t.type_text(&okta.host);
    t.wait_for("loopback address");
    t.keys(&["Enter"]);
    // The guide's order: the app and its key (steps 2-9), then its client ID.
    t.wait_for("Step 2 of 6");
    // This admin pastes Okta's key rather than making one here.
    t.wait_for("Make a key pair here");
    t.keys(&["Space"]);
    t.keys(&["Tab"]);
    t.wait_for("Private key (JWK/PEM)");
    // Line breaks as some terminals paste them: CR.
    t.paste(&okta.private_key_pem.replace('\n', "\r"));
    let screen = t.wait_for("RSA 2048 private key");
    let body_line = okta.private_key_pem.lines().nth(2).unwrap();
    assert!(
        !screen.contains(body_line),
        "the key is never shown:\n{screen}"
    );
    t.keys(&["Enter"]);
    t.wait_for("Step 3 of 6");
    t.type_text(&okta.client_id);
    t.keys(&["Enter"]);
    t.wait_for("Step 4 of 6");
    t.keys(&["Enter"]);
    t.wait_for("Step 5 of 6");
    t.keys(&["Enter"]);
    t.wait_for("Review and save");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Connection OK");
    assert!(screen.contains("✓ Token"), "{screen}");

    t.keys(&["u"]);
    t.wait_until("the loaded table", |s| {
        s.contains("@acme.example") && !s.contains("Loading")
    });
    t.keys(&["/"]);
    t.type_text("ada");
    t.wait_for("/ ada");
    t.keys(&["Enter"]);
    let screen = t.wait_for("match \"ada\"");
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("@acme.example"))
        .collect();
    assert!(!rows.is_empty(), "{screen}");
    assert!(
        rows.iter().all(|r| r.to_lowercase().contains("ada")),
        "filtered:\n{screen}"
    );

    t.keys(&["Escape"]);
    t.wait_for("ploy-connect · Profiles");
    assert!(t.screen().contains("e2e-okta"), "the new profile is listed");
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=0");
    assert!(!t.alternate_screen(), "alternate screen left");
    assert!(
        !screen.contains("ploy-connect ·"),
        "no UI left behind:\n{screen}"
    );
    // Raw mode is off again: canonical input and echo are back for the shell.
    let screen = t.wait_for_tty();
    assert!(screen.lines().any(|l| l.trim() == "TTY:icanon"), "{screen}");
    assert!(screen.lines().any(|l| l.trim() == "TTY:echo"), "{screen}");
    // The TUI's test run is in the log like a line-mode one, in words, not Rust syntax.
    let log = std::fs::read_to_string(home.path().join("state/ploy-connect/ploy-connect.log"))
        .unwrap_or_default();
    let run = log
        .lines()
        .find(|l| l.contains("test finished") && l.contains("e2e-okta"))
        .unwrap_or_else(|| panic!("no test run of e2e-okta in the log:\n{log}"));
    assert!(
        run.contains("code=none") || run.contains("code=\"none\""),
        "{run}"
    );
    assert!(!log.contains("Some("), "debug syntax in the log:\n{log}");
}

#[test]
fn resize_relayouts_and_sigterm_restores_the_terminal() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(&format!("{} demo", common::BIN), home.path());
    t.wait_for("acme-onetrust");
    assert!(
        t.run(&["resize-window", "-t", "e2e", "-x", "50", "-y", "12"])
            .status
            .success()
    );
    t.wait_for("Make the window larger");
    assert!(
        t.run(&["resize-window", "-t", "e2e", "-x", "100", "-y", "30"])
            .status
            .success()
    );
    t.wait_for("acme-onetrust");
    let pid = t.child_pid();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let screen = t.wait_for_tty();
    assert!(
        screen.contains("EXIT=0"),
        "a clean exit on SIGTERM:\n{screen}"
    );
    assert!(!t.alternate_screen());
    assert!(screen.lines().any(|l| l.trim() == "TTY:icanon"), "{screen}");
}

/// INT, QUIT, TERM and HUP (and USR1, ALRM, whose default would kill us raw) all leave the
/// terminal as it was: cooked, echoing, main screen, no mouse reporting; the demo's temporary
/// config dir is gone.
#[test]
fn every_signal_restores_the_terminal_and_removes_the_demo_dir() {
    if !have_tmux() {
        return;
    }
    for signal in ["INT", "QUIT", "TERM", "HUP", "USR1", "ALRM"] {
        let home = tempfile::tempdir().unwrap();
        let tmp = home.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let t = Tmux::start(
            &format!("env TMPDIR='{}' {} demo", tmp.display(), common::BIN),
            home.path(),
        );
        t.wait_for("acme-onetrust");
        assert!(t.alternate_screen());
        assert_eq!(
            std::fs::read_dir(&tmp).unwrap().count(),
            1,
            "the demo keeps its config dir under TMPDIR"
        );
        let pid = t.child_pid();
        assert!(
            Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .unwrap()
                .success()
        );
        let screen = t.wait_for_tty();
        assert!(!t.alternate_screen(), "{signal}: alternate screen left");
        assert!(
            screen.lines().any(|l| l.trim() == "TTY:icanon")
                && screen.lines().any(|l| l.trim() == "TTY:echo"),
            "{signal}: cooked mode and echo are back:\n{screen}"
        );
        let mouse = String::from_utf8_lossy(
            &t.run(&[
                "display",
                "-p",
                "-t",
                "e2e",
                "#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}",
            ])
            .stdout,
        )
        .trim()
        .to_string();
        assert_eq!(mouse, "000", "{signal}: mouse reporting is off");
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
        assert!(left.is_empty(), "{signal}: the demo left {left:?}");
    }
}

#[test]
fn line_mode_prompts_take_a_pasted_key_without_showing_it() {
    if !have_tmux() {
        return;
    }
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    let t0 = common::tenant(10, &[]);
    let okta = &t0.okta;
    let t = Tmux::start_with_env(
        &env.shell_env(),
        &format!("{} setup okta --profile corp", common::BIN),
    );
    t.wait_for("Tenant hostname");
    t.type_text(&okta.host);
    t.keys(&["Enter"]);
    t.wait_for("Client ID");
    t.type_text(&okta.client_id);
    t.keys(&["Enter"]);
    t.wait_for("Private key: paste it");
    t.paste(&okta.private_key_pem);
    let screen = t.wait_for("RSA 2048 private key (PKCS#8 PEM)");
    let body_line = okta.private_key_pem.lines().nth(2).unwrap();
    assert!(
        !screen.contains(&body_line[..24]),
        "the key is never echoed:\n{screen}"
    );
    t.wait_for("require DPoP");
    t.keys(&["Enter"]);
    t.wait_for("Scopes to request");
    t.keys(&["Enter"]);
    t.wait_for("Key ID (KID)");
    t.keys(&["Enter"]);
    let screen = t.wait_for_tty();
    assert!(screen.contains("Connection OK"), "{screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.lines().any(|l| l.trim() == "TTY:icanon"),
        "raw mode was undone:\n{screen}"
    );
}

#[test]
fn a_single_line_paste_needs_no_enter_and_a_pasted_secret_is_never_shown() {
    if !have_tmux() {
        return;
    }
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    let t0 = common::tenant(10, &[]);
    let okta = &t0.okta;
    let key_file = env.file("okta.pem", &okta.private_key_pem);
    let t = Tmux::start_with_env(
        &env.shell_env(),
        &format!(
            "{} setup okta --profile corp --host {} --client-id {}",
            common::BIN,
            okta.host,
            okta.client_id
        ),
    );
    t.wait_for("Private key: paste it");
    // The OneTrust secret, pasted into the key prompt by mistake: refused at once, not echoed.
    let mistaken = "sedCsfdQ3xZ9-not-a-key-Xy7Lm2Pq";
    t.paste(mistaken);
    let screen = t.wait_for("Try again (2 of 3)");
    assert!(
        screen.contains("neither a private key nor the path"),
        "{screen}"
    );
    assert!(
        !screen.contains("sedCsfd"),
        "the pasted secret was shown:\n{screen}"
    );
    // A pasted path goes on without Enter.
    t.paste(&key_file.display().to_string());
    t.wait_for("RSA 2048 private key");
    t.wait_for("require DPoP");
    t.keys(&["C-c"]);
    t.wait_for("EXIT=");
}

#[test]
fn a_key_made_in_the_wizard_is_copied_over_osc52_and_works_once_added() {
    if !have_tmux() {
        return;
    }
    let org = EmulatorThread::start(EmulatorConfig::default()).unwrap();
    let okta = org.credentials.okta.clone();
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(&format!("{} demo", common::BIN), home.path());
    // tmux keeps what an application copies with OSC 52 as a paste buffer.
    assert!(
        t.run(&["set", "-g", "set-clipboard", "on"])
            .status
            .success()
    );
    t.wait_for("acme-onetrust");
    t.keys(&["a"]);
    t.wait_for("Which identity source");
    t.keys(&["Down"]);
    t.keys(&["Enter"]);
    t.wait_for("Okta domain");
    t.type_text("made-here");
    t.keys(&["Tab"]);
    t.type_text(&okta.host);
    t.wait_for("loopback address");
    t.keys(&["Enter"]);
    // The guide's order: the app and its key (steps 2–9), then its client ID (10–11).
    t.wait_for("Step 2 of 6");
    t.wait_for("Key ID ");
    t.keys(&["c"]);
    t.wait_for("Sent the public key to the clipboard");
    let copied = String::from_utf8_lossy(&t.run(&["show-buffer"]).stdout).to_string();
    let jwk: serde_json::Value = serde_json::from_str(&copied).expect("the clipboard holds a JWK");
    assert!(jwk.get("d").is_none(), "only the public key is copied");
    t.keys(&["Enter"]);
    t.wait_for("Step 3 of 6");
    t.type_text(&okta.client_id);
    for _ in 0..3 {
        t.keys(&["Enter"]);
    }
    t.wait_for("Review and save");
    t.keys(&["Enter"]);
    // The run is over once `t` is offered again (the diagnosis shows before it ends, and a
    // `t` pressed while it runs is not a new test).
    t.wait_until("the failed run, over", |s| {
        s.contains("Okta does not know this key yet") && s.contains("t test")
    });
    // The admin adds the copied public key in Okta; the test passes.
    org.okta.add_key(&jwk).unwrap();
    t.keys(&["t"]);
    t.wait_for("Connection OK");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

/// Issue 20, item 9: `i` on a failed test copies the diagnosis for a support ticket over
/// OSC 52 (as the public key is copied): the code, the request ID and what Okta said.
#[test]
fn a_diagnosis_is_copied_for_a_support_ticket_over_osc52() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(&format!("{} demo", common::BIN), home.path());
    assert!(
        t.run(&["set", "-g", "set-clipboard", "on"])
            .status
            .success()
    );
    t.wait_for("corp-okta-no-dpop");
    // The failing profile is the last one.
    t.keys(&["G", "t"]);
    t.wait_for("okta.dpop_required");
    // The run is over once its keys are offered (the diagnosis shows before it ends).
    t.wait_for("d DPoP on + test");
    t.keys(&["i"]);
    t.wait_for("Sent the diagnosis to the clipboard");
    let copied = String::from_utf8_lossy(&t.run(&["show-buffer"]).stdout).to_string();
    assert!(copied.starts_with("okta.dpop_required: "), "{copied}");
    assert!(
        copied.contains("Request ID: x-okta-request-id "),
        "{copied}"
    );
    assert!(copied.contains("invalid_dpop_proof"), "{copied}");
    assert!(copied.contains("Profile: corp-okta-no-dpop"), "{copied}");
    assert!(
        copied.contains("Guide: Okta guide, step 14 — https://"),
        "{copied}"
    );
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn the_demo_rotates_an_okta_key_without_downtime() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start(&format!("{} demo", common::BIN), home.path());
    t.wait_for("corp-okta ");
    // corp-okta is the second profile.
    t.keys(&["j"]);
    t.keys(&["r"]);
    t.wait_for("without downtime");
    t.keys(&["Enter"]);
    t.wait_for("Staged beside the current key");
    // The current key still works while the new one waits.
    t.keys(&["Escape"]);
    t.wait_for("ploy-connect · Profiles");
    t.keys(&["t"]);
    t.wait_for("Connection OK");
    t.keys(&["r"]);
    // The staged key's public half is read from the keyring again before `p` can add it.
    t.wait_for("\"kty\"");
    // The demo plays the Okta admin, then Enter proves and promotes the new key.
    t.keys(&["p"]);
    t.wait_for("now holds the key");
    t.keys(&["Enter"]);
    let screen = t.wait_for("is in use");
    assert!(screen.contains("Connection OK"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_for("ploy-connect · Profiles");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

#[test]
fn an_export_on_a_terminal_shows_a_bar_with_rate_and_time_left_then_only_the_result() {
    if !have_tmux() {
        return;
    }
    let Some(env) = common::Env::with_keyring() else {
        return;
    };
    // A slow network, so the bar is on screen long enough to be read.
    let t = common::tenant_over(
        4500,
        &[],
        ploy_emulator::Network {
            latency: Duration::from_millis(1500),
            ..Default::default()
        },
    );
    env.setup("acme", &t, &t.client_secret).success();
    let out = env.home.path().join("users.csv");
    let term = Tmux::start_with_env(
        &env.shell_env(),
        &format!("{} users acme -o '{}'", common::BIN, out.display()),
    );
    let screen = term.wait_for("/4,500 users");
    assert!(screen.contains("/s"), "a rate:\n{screen}");
    assert!(screen.contains("left"), "time left:\n{screen}");
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("Wrote 4,500 users"), "{screen}");
    assert!(
        !screen.contains("/4,500 users"),
        "the bar is cleared once done:\n{screen}"
    );
}

/// Issue 20, items 16 and 5, with the real binary at 80×24 and NO_COLOR: T tests every profile
/// at once with a result per row; home names the failure whole under the table; Tab on the
/// test screen opens a step's whole detail, cut in its row.
#[test]
fn at_80x24_home_tests_all_and_nothing_that_matters_is_cut() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let env = format!(
        "env NO_COLOR=1 HOME='{}' XDG_STATE_HOME='{}/state'",
        home.path().display(),
        home.path().display()
    );
    let t = Tmux::start_sized(&env, &format!("{} demo", common::BIN), 80, 24);
    t.wait_for("corp-okta-no-dpop");
    let screen = t.screen();
    assert!(screen.contains("T test all"), "{screen}");
    assert!(
        screen.contains("nothing is kept"),
        "the demo's banner: {screen}"
    );
    t.keys(&["T"]);
    let screen = t.wait_for("Tested 3 profile(s) at once");
    // The demo opens with its overlapping Okta and OneTrust profiles marked (+) for the
    // identities screen (issue 19).
    let row = |name: &str| {
        screen
            .lines()
            // A profile marked for Identities starts with "+ ".
            .find(|l| {
                let l = l.trim_start_matches('│');
                l.trim_start_matches("+ ").starts_with(&format!("{name} "))
            })
            .unwrap_or_else(|| panic!("no row {name}: {screen}"))
            .to_string()
    };
    for name in ploy_connect::demo::OVERLAPPING {
        assert!(row(name).starts_with("│+ "), "{screen}");
    }
    assert!(row("corp-okta-no-dpop").starts_with("│corp"), "{screen}");
    assert!(row("acme-onetrust").contains("✓ passed"), "{screen}");
    assert!(row("corp-okta").contains("✓ passed"), "{screen}");
    assert!(row("corp-okta-no-dpop").contains("✗ failed"), "{screen}");
    // The failure's reason, whole, under the table (its row is cut at 80 columns).
    t.keys(&["G"]);
    t.wait_for("Last test ✗ failed just now: This app requires DPoP — set DPoP to yes");
    // The settings step's detail is cut in its row; Tab selects it, and the panel has it
    // whole.
    t.keys(&["t"]);
    let screen = t.wait_for("d DPoP on + test");
    let settings = screen.lines().find(|l| l.contains("✓ Settings")).unwrap();
    assert!(settings.contains('…'), "{settings}");
    assert!(!screen.contains("RSA 2048 private key"), "{screen}");
    t.keys(&["Tab"]);
    t.wait_for("Settings ✓");
    t.wait_for("RSA 2048 private key");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}

/// Issue 19 with the real binary at 80×24: the demo opens with its overlapping tenants
/// marked, so I joins them and every flag is counted (none unsure); flag:orphan keeps the
/// orphans, and Enter shows one's OneTrust account.
#[test]
fn the_demo_identities_screen_counts_every_flag() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let env = format!(
        "env NO_COLOR=1 HOME='{}' XDG_STATE_HOME='{}/state'",
        home.path().display(),
        home.path().display()
    );
    let t = Tmux::start_sized(&env, &format!("{} demo --users 300", common::BIN), 80, 24);
    t.wait_for("corp-okta-no-dpop");
    t.keys(&["I"]);
    let screen = t.wait_for(" people · ");
    for f in ["dormant", "leaver_with_access", "never_logged_in", "orphan"] {
        let n = screen
            .split(&format!("{f} "))
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("no count for {f}: {screen}"));
        assert!(n > 0, "{f}: {screen}");
    }
    assert!(!screen.contains("unsure"), "{screen}");
    t.keys(&["/"]);
    t.type_text("flag:orphan");
    t.keys(&["Enter"]);
    t.wait_for(" people");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Accounts · Esc closes");
    assert!(screen.contains("(application source) · ACTIVE"), "{screen}");
    assert!(
        !screen.contains("(identity provider)"),
        "an orphan: {screen}"
    );
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    t.wait_for("Connections");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}
