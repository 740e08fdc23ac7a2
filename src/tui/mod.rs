//! The full-screen face: an Elm-style loop. Terminal events and task results become
//! `Action`s, `App::update` changes state and returns `Effect`s, effects run on tokio tasks
//! that report back with more actions, and the screen is redrawn only after an action.

pub mod app;
pub mod browse;
pub mod input;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wizard;

use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use crate::check::{self, CheckEvent};
use crate::diagnose::Failure;
use crate::http::HttpNotice;
use crate::integration::Integration;
use crate::plain::{PlainError, exit};
use crate::profile::ProfileStore;
use crate::secret::Vault;
use crate::session;
use crate::setup;
use crate::users::PendingFile;
use app::{Action, App, Effect};

/// What the TUI works with.
#[derive(Clone)]
pub struct Services {
    pub store: ProfileStore,
    pub vault: Vault,
}

/// Where the TUI opens.
pub enum Start {
    Home,
    Wizard(Option<Integration>),
}

const TICK: Duration = Duration::from_millis(100);

fn io_error(e: std::io::Error) -> PlainError {
    PlainError::Io {
        what: "terminal".into(),
        source: e,
    }
}

pub async fn run(
    services: Services,
    start: Start,
    banner: Option<String>,
) -> Result<u8, PlainError> {
    // Read the profiles before taking over the screen, so a broken file is reported plainly.
    let profiles = services.store.load()?;
    let (guard, mut terminal) = terminal::Guard::enter().map_err(io_error)?;
    let size = terminal.size().map_err(io_error)?;
    let mut app = App::new(profiles, (size.width, size.height));
    app.banner = banner;
    match start {
        Start::Home if app.profiles.profiles.is_empty() => app.open_wizard(None),
        Start::Home => {}
        Start::Wizard(i) => app.open_wizard(i),
    }

    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut runner = Runner {
        services,
        tx,
        users: None,
    };
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = Terminate::new();
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
            () = terminate.recv() => Action::Quit,
        };
        app.now = time::OffsetDateTime::now_utc();
        for effect in app.update(action) {
            runner.run(effect);
        }
        dirty = true;
        if app.quit {
            break Ok(exit::OK);
        }
    };
    runner.stop_users();
    drop(terminal);
    drop(guard);
    result
}

fn to_action(event: Event) -> Option<Action> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                x: m.column,
                y: m.row,
            }),
            MouseEventKind::ScrollDown => {
                Some(Action::Key(key(ratatui::crossterm::event::KeyCode::Down)))
            }
            MouseEventKind::ScrollUp => {
                Some(Action::Key(key(ratatui::crossterm::event::KeyCode::Up)))
            }
            _ => None,
        },
        _ => None,
    }
}

fn key(code: ratatui::crossterm::event::KeyCode) -> ratatui::crossterm::event::KeyEvent {
    ratatui::crossterm::event::KeyEvent::new(code, ratatui::crossterm::event::KeyModifiers::NONE)
}

/// SIGTERM (and SIGHUP) end the TUI cleanly; Ctrl-C arrives as a key in raw mode.
struct Terminate {
    #[cfg(unix)]
    signals: Vec<tokio::signal::unix::Signal>,
}

impl Terminate {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = [SignalKind::terminate(), SignalKind::hangup()]
                .into_iter()
                .filter_map(|k| signal(k).ok())
                .collect();
            Self { signals }
        }
        #[cfg(not(unix))]
        Self {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.signals.iter_mut().map(|s| Box::pin(s.recv()));
            if waits.len() == 0 {
                return std::future::pending().await;
            }
            futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}

/// Runs effects on tasks; at most one users download at a time.
struct Runner {
    services: Services,
    tx: UnboundedSender<Action>,
    users: Option<JoinHandle<()>>,
}

impl Runner {
    fn stop_users(&mut self) {
        if let Some(t) = self.users.take() {
            t.abort();
        }
    }

    fn run(&mut self, effect: Effect) {
        let Services { store, vault } = self.services.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::LoadProfiles => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Action::Profiles(store.load().map_err(|e| e.to_string())));
                });
            }
            Effect::Save {
                name,
                profile,
                secret,
            } => {
                tokio::spawn(async move {
                    let result = setup::save(&store, &vault, &name, &profile, secret)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::Saved { name, result });
                });
            }
            Effect::Rotate {
                name,
                secret,
                key_id,
            } => {
                tokio::spawn(async move {
                    let result = setup::rotate(&store, &vault, &name, secret, key_id)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::Saved { name, result });
                });
            }
            Effect::Remove(name) => {
                tokio::spawn(async move {
                    let r = setup::remove(&store, &vault, &name)
                        .await
                        .map(|()| name)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::Removed(r));
                });
            }
            Effect::RunCheck(name) => {
                tokio::spawn(async move {
                    let profile = match store.load().and_then(|p| p.get(&name).cloned()) {
                        Ok(p) => p,
                        Err(e) => {
                            let _ = tx.send(Action::Profiles(Err(e.to_string())));
                            return;
                        }
                    };
                    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<CheckEvent>();
                    let forward = async {
                        while let Some(e) = events_rx.recv().await {
                            let _ = tx.send(Action::Check(e));
                        }
                    };
                    let test = async {
                        let report = check::run(&name, &profile, &vault, Some(&events_tx)).await;
                        drop(events_tx);
                        report
                    };
                    let (report, ()) = tokio::join!(test, forward);
                    if let Err(e) = check::remember(&store, &report) {
                        tracing::warn!("cannot save the test result: {e}");
                    }
                    let _ = tx.send(Action::CheckDone(Box::new(report)));
                });
            }
            Effect::FetchUsers(name) => {
                self.stop_users();
                self.users = Some(tokio::spawn(fetch_users(name, store, vault, tx)));
            }
            Effect::StopUsers => self.stop_users(),
            Effect::Export { rows, format, path } => {
                tokio::task::spawn_blocking(move || {
                    let result = PendingFile::write_users(&path, format, &rows)
                        .map(|()| format!("Wrote {} users to {}.", rows.len(), path.display()))
                        .map_err(|e| format!("Cannot write {}: {e}", path.display()));
                    let _ = tx.send(Action::Exported(result));
                });
            }
        }
    }
}

async fn fetch_users(name: String, store: ProfileStore, vault: Vault, tx: UnboundedSender<Action>) {
    let profile = match store.load().and_then(|p| p.get(&name).cloned()) {
        Ok(p) => p,
        Err(e) => {
            let f = Failure::new(crate::diagnose::code::INPUT_INVALID, e.to_string());
            let _ = tx.send(Action::UsersDone(Err(f)));
            return;
        }
    };
    let (notice_tx, mut notice_rx) = mpsc::unbounded_channel();
    let mut opened = match session::open(&name, &profile, &vault, Some(notice_tx)).await {
        Ok(s) => s,
        Err(f) => {
            let _ = tx.send(Action::UsersDone(Err(f)));
            return;
        }
    };
    let waits = {
        let tx = tx.clone();
        async move {
            while let Some(HttpNotice::Waiting { wait, .. }) = notice_rx.recv().await {
                let _ = tx.send(Action::UsersWait(wait));
            }
        }
    };
    let pages = async {
        let r = session::for_each_page(&mut opened.connector, |page| {
            let _ = tx.send(Action::UsersPage(page.users));
            Ok::<_, Failure>(())
        })
        .await;
        drop(opened);
        r
    };
    let (result, ()) = tokio::join!(pages, waits);
    let _ = tx.send(Action::UsersDone(result));
}
