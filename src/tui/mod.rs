//! The full-screen face: an Elm-style loop. Terminal events and task results become
//! `Action`s, `App::update` changes state and returns `Effect`s, effects run on tokio tasks
//! that report back with more actions, and the screen is redrawn only after an action. It
//! decides no rule: validation, setup, rotation and the test run are the core's.

pub mod app;
pub mod bindings;
pub mod input;
pub mod keybox;
pub mod keymaker;
pub mod layout;
pub mod msg;
pub mod notice;
pub mod panel;
pub mod runner;
pub mod screen;
pub mod scroll;
pub mod text;
pub mod theme;
pub mod view;

use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use tokio::sync::mpsc;

use ploy_core::app::{AppError, Services};
use ploy_core::integration::Integration;

use crate::signals::Shutdown;
use crate::terminal;
use app::App;
use msg::Action;
use runner::{AddOktaKey, Runner};

/// Where the TUI opens.
pub enum Start {
    Home,
    Wizard(Option<Integration>),
}

/// What the demo adds to the TUI: its banner, and an Okta admin for keys made here.
pub struct Demo {
    pub banner: String,
    pub add_okta_key: AddOktaKey,
    /// Marked on Home for the Identities screen: the overlapping tenants' profiles.
    pub marked: Vec<String>,
}

const TICK: Duration = Duration::from_millis(100);

fn io_error(e: std::io::Error) -> AppError {
    AppError::io("terminal")(e)
}

pub async fn run(
    services: Services,
    start: Start,
    demo: Option<Demo>,
    mut shutdown: Shutdown,
) -> Result<u8, AppError> {
    // Read the profiles before taking over the screen, so a broken file is reported plainly.
    let profiles = services.store.load()?;
    let (guard, mut terminal) = terminal::Guard::full_screen().map_err(io_error)?;
    let size = terminal.size().map_err(io_error)?;
    let mut app = App::new(profiles, (size.width, size.height));
    app.banner = demo.as_ref().map(|d| d.banner.clone());
    app.demo_okta = demo.is_some();
    if let Some(d) = &demo {
        app.marked.extend(d.marked.iter().cloned());
    }
    let opening = match start {
        Start::Home if app.profiles.profiles.is_empty() => app.open_wizard(None),
        Start::Home => vec![],
        Start::Wizard(i) => app.open_wizard(i),
    };

    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut runner = Runner::new(services, tx, demo.map(|d| d.add_okta_key));
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let _listening = shutdown.listen();
    for effect in opening {
        runner.run(effect);
    }
    let mut dirty = true;
    let result = loop {
        if dirty {
            if let Err(e) = terminal.draw(|f| view::draw(&app, f)) {
                break Err(io_error(e));
            }
            dirty = false;
        }
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(e)) => match to_action(e) {
                    Some(a) => a,
                    None => continue,
                },
                Some(Err(e)) => break Err(io_error(e)),
                None => Action::Quit,
            },
            Some(action) = rx.recv() => action,
            _ = ticker.tick(), if app.busy() => Action::Tick,
            _ = shutdown.recv() => Action::Quit,
        };
        app.now = time::OffsetDateTime::now_utc();
        for effect in app.update(action) {
            runner.run(effect);
        }
        dirty = true;
        if app.quit {
            break Ok(ploy_core::app::exit::OK);
        }
    };
    runner.stop_users();
    drop(terminal);
    drop(guard);
    result
}

fn to_action(event: Event) -> Option<Action> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |code| Action::Key(KeyEvent::new(code, KeyModifiers::NONE));
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                x: m.column,
                y: m.row,
            }),
            MouseEventKind::ScrollDown => Some(key(KeyCode::Down)),
            MouseEventKind::ScrollUp => Some(key(KeyCode::Up)),
            _ => None,
        },
        _ => None,
    }
}
