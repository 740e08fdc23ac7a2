//! The users table at 100k rows: filter time per keystroke and render time per frame, and
//! time from app creation to the first frame. `cargo bench --bench tui`; prints figures only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark that cannot set up has nothing to measure: it stops, loudly"
)]

use std::time::{Duration, Instant};

use ploy_connect::tui::app::App;
use ploy_connect::tui::msg::Action;
use ploy_connect::tui::view;
use ploy_core::integration::Integration;
use ploy_core::profile::Profiles;
use ploy_core::users::{User, UserStatus, UserTable};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn users(n: usize) -> Vec<User> {
    ploy_emulator::data::people(n, 42)
        .into_iter()
        .map(|p| User {
            id: p.id,
            login: p.email.clone(),
            email: p.email,
            name: format!("{} {}", p.first, p.last),
            first_name: p.first.into(),
            last_name: p.last.into(),
            status: if p.active {
                UserStatus::Active
            } else {
                UserStatus::Inactive
            },
            created: None,
            last_login: None,
            source: Integration::OneTrust,
            extra: Default::default(),
            access: Vec::new(),
        })
        .collect()
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

fn report(label: &str, v: Vec<Duration>) {
    println!(
        "{label}: n={} p50={:.3} ms p99={:.3} ms",
        v.len(),
        pct(v.clone(), 0.5),
        pct(v, 0.99)
    );
}

fn main() {
    let n = 100_000;
    let all = users(n);

    // Filter per keystroke: type a name, then delete it again.
    let mut table = UserTable::default();
    let t = Instant::now();
    table.push(all.clone());
    println!(
        "load {n} users into the table: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let word = "grace hopper";
    let mut typing = Vec::new();
    let mut deleting = Vec::new();
    for round in 0..20 {
        for i in 1..=word.len() {
            let t = Instant::now();
            table.set_filter(&word[..i]);
            if round > 0 {
                typing.push(t.elapsed());
            }
        }
        for i in (0..word.len()).rev() {
            let t = Instant::now();
            table.set_filter(&word[..i]);
            if round > 0 {
                deleting.push(t.elapsed());
            }
        }
    }
    report("filter keystroke, typing (narrowing), 100k users", typing);
    report(
        "filter keystroke, deleting (widening), 100k users",
        deleting,
    );
    // The key hands a large sort to a worker thread; this is the whole sort, done here.
    let t = Instant::now();
    table.sort_by(ploy_core::users::Column::Name);
    while let Some(job) = table.sort_job() {
        table.sorted(job.run());
    }
    println!(
        "sort 100k by name (on the worker): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    // Render per frame while scrolling, 120x40 and 80x24.
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut app = App::new(Profiles::default(), (w, h));
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
        )));
        app.screen = ploy_connect::tui::app::Screen::Users(Box::new(
            ploy_connect::tui::screen::users::UsersScreen::new("bench", Integration::OneTrust),
        ));
        app.update(Action::UsersPage(all.clone(), Default::default()));
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut frames = Vec::new();
        for i in 0..500 {
            let key = if i % 50 == 49 {
                KeyCode::PageDown
            } else {
                KeyCode::Down
            };
            app.update(Action::Key(KeyEvent::new(key, KeyModifiers::NONE)));
            let t = Instant::now();
            term.draw(|f| view::draw(&app, f)).unwrap();
            frames.push(t.elapsed());
        }
        report(&format!("render users frame {w}x{h}, 100k users"), frames);
        // A keystroke end to end: update (filter) + frame.
        let mut per_key = Vec::new();
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char('/'),
            KeyModifiers::NONE,
        )));
        for c in "ada lovelace".chars() {
            let t = Instant::now();
            app.update(Action::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
            term.draw(|f| view::draw(&app, f)).unwrap();
            per_key.push(t.elapsed());
        }
        report(
            &format!("filter keystroke incl. frame {w}x{h}, 100k users"),
            per_key,
        );
    }

    // App creation to first frame (home, no terminal I/O).
    let mut firsts = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let app = App::new(Profiles::default(), (80, 24));
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| view::draw(&app, f)).unwrap();
        firsts.push(t.elapsed());
    }
    report("app created to first frame (in process)", firsts);
}
