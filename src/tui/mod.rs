//! The full-screen face: an Elm-style loop. Terminal events and task results become
//! `Action`s, `App::update` changes state and returns `Effect`s, effects run on tokio tasks
//! that report back with more actions, and the screen is redrawn only after an action. It
//! decides no rule: validation, setup, rotation and the test run are the core's.

pub mod app;
pub mod input;
pub mod keybox;
pub mod keymaker;
pub mod keys;
pub mod problem;
pub mod screen;
pub mod theme;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use ploy_core::app::{AppError, Diagnosed, Services, exit};
use ploy_core::check::{self, CheckEvent};
use ploy_core::diagnose::Failure;
use ploy_core::http::{HttpNotice, Notify};
use ploy_core::integration::Integration;
use ploy_core::session::{self, SecretSource};
use ploy_core::setup;
use ploy_core::users;

use crate::signals::Shutdown;
use crate::terminal;
use app::{Action, App, Effect, KeyAction, PublicKeySource};
use screen::check::RunId;
use screen::users::ExportFailure;

/// Where the TUI opens.
pub enum Start {
    Home,
    Wizard(Option<Integration>),
}

/// Adds a public JWK to the demo's emulated Okta app (the admin's part); what it did, in words.
pub type AddOktaKey = Arc<dyn Fn(&serde_json::Value) -> Result<String, String> + Send + Sync>;

/// What the demo adds to the TUI: its banner, and an Okta admin for keys made here.
pub struct Demo {
    pub banner: String,
    pub add_okta_key: AddOktaKey,
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
    let opening = match start {
        Start::Home if app.profiles.profiles.is_empty() => app.open_wizard(None),
        Start::Home => vec![],
        Start::Wizard(i) => app.open_wizard(i),
    };

    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut runner = Runner {
        services,
        tx,
        users: None,
        add_okta_key: demo.map(|d| d.add_okta_key),
    };
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
            break Ok(exit::OK);
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

/// Runs effects on tasks; at most one users download at a time.
struct Runner {
    services: Services,
    tx: UnboundedSender<Action>,
    users: Option<JoinHandle<()>>,
    add_okta_key: Option<AddOktaKey>,
}

/// Streams a run's step events to the app as they happen.
fn forward_events(
    tx: UnboundedSender<Action>,
    run: RunId,
) -> (UnboundedSender<CheckEvent>, JoinHandle<()>) {
    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<CheckEvent>();
    let forward = tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            let _ = tx.send(Action::Check { run, event });
        }
    });
    (events_tx, forward)
}

impl Runner {
    /// A public key in hand: copied here, on the loop's thread, so the terminal sequence never
    /// lands inside a frame being drawn; written or added on a task.
    fn public_key(&self, action: KeyAction, jwk: serde_json::Value, profile: &str) {
        let tx = self.tx.clone();
        let text = serde_json::to_string_pretty(&jwk).unwrap_or_default();
        let kid = jwk
            .get("kid")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        match action {
            KeyAction::Copy => {
                use ratatui::crossterm::clipboard::CopyToClipboard;
                let result = ratatui::crossterm::execute!(
                    std::io::stdout(),
                    CopyToClipboard::to_clipboard_from(text.as_bytes())
                )
                .map(|()| {
                    "Sent the public key to the clipboard (OSC 52). If nothing was copied, the terminal does not allow it: press w to write it to a file.".to_string()
                })
                .map_err(|e| format!("cannot copy: {e}; press w to write the key to a file"));
                let _ = tx.send(Action::PublicKeyDone(result));
            }
            KeyAction::Write => {
                let short: String = kid
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .take(8)
                    .collect();
                let path =
                    std::path::PathBuf::from(format!("okta-public-key-{profile}-{short}.json"));
                tokio::task::spawn_blocking(move || {
                    let result = write_public_key(&path, &text)
                        .map(|p| format!("Wrote the public key to {}.", p.display()))
                        .map_err(|e| format!("Cannot write {}: {e}", path.display()));
                    let _ = tx.send(Action::PublicKeyDone(result));
                });
            }
            KeyAction::DemoAdd => {
                let result = match &self.add_okta_key {
                    Some(add) => add(&jwk),
                    None => Err("only the demo has an Okta to add keys to".to_string()),
                };
                let _ = tx.send(Action::PublicKeyDone(result));
            }
        }
    }

    fn stop_users(&mut self) {
        if let Some(t) = self.users.take() {
            t.abort();
        }
    }

    fn run(&mut self, effect: Effect) {
        let services = self.services.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::LoadProfiles => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Action::Profiles(
                        services.store.load().map_err(AppError::from),
                    ));
                });
            }
            Effect::Save {
                integration,
                intent,
                draft,
            } => {
                tokio::spawn(async move {
                    let name = draft.name.trim().to_string();
                    let result = async {
                        let v = setup::prepare(&services, integration, intent, &draft).await?;
                        setup::save(&services, &v).await
                    }
                    .await;
                    let _ = tx.send(Action::Saved { name, result });
                });
            }
            Effect::Rotate {
                run,
                name,
                candidate,
            } => {
                tokio::spawn(async move {
                    let (events, forward) = forward_events(tx.clone(), run);
                    let result =
                        setup::rotate(&services, &name, candidate, false, Some(&events)).await;
                    drop(events);
                    let _ = forward.await;
                    let _ = tx.send(Action::Rotated { run, result });
                });
            }
            Effect::StoreAnyway {
                run,
                name,
                candidate,
                report,
            } => {
                tokio::spawn(async move {
                    let result =
                        setup::store_after_failed_test(&services, &name, candidate, &report).await;
                    let _ = tx.send(Action::StoredAnyway { run, result });
                });
            }
            Effect::Remove(name) => {
                tokio::spawn(async move {
                    let result = setup::remove(&services, &name).await;
                    let _ = tx.send(Action::Removed { name, result });
                });
            }
            Effect::RunCheck { run, name } => {
                tokio::spawn(async move {
                    let (events, forward) = forward_events(tx.clone(), run);
                    let ran = check::run_and_remember(&services, &name, Some(&events)).await;
                    drop(events);
                    let _ = forward.await;
                    let _ = tx.send(match ran {
                        Ok(ran) => Action::CheckDone {
                            run,
                            report: Box::new(ran.report),
                        },
                        Err(e) => Action::CheckFailed {
                            run,
                            error: e.into(),
                        },
                    });
                });
            }
            Effect::ReadKey { generation, source } => {
                tokio::task::spawn_blocking(move || {
                    let result = source.load().map(Box::new);
                    let _ = tx.send(Action::KeyRead { generation, result });
                });
            }
            Effect::FetchUsers(name) => {
                self.stop_users();
                self.users = Some(tokio::spawn(fetch_users(name, services, tx)));
            }
            Effect::StopUsers => self.stop_users(),
            Effect::Sort(job) => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Action::UsersSorted(job.run()));
                });
            }
            Effect::Export {
                rows,
                format,
                path,
                replace,
            } => {
                tokio::task::spawn_blocking(move || {
                    let result = export(&rows, format, &path, replace);
                    let _ = tx.send(Action::Exported(result));
                });
            }
            Effect::GenerateKey { generation, kind } => {
                tokio::spawn(async move {
                    let result = setup::generate(kind)
                        .await
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::KeyGenerated { generation, result });
                });
            }
            Effect::PublicKey {
                action,
                key: PublicKeySource::Stored { name, staged },
                profile,
            } => {
                tokio::spawn(async move {
                    let found = setup::public_keys(&services, &name).await;
                    let picked = match found {
                        Ok(keys) if staged => keys.staged.ok_or("no staged key".to_string()),
                        Ok(keys) => keys.current.ok_or("no key in the keyring".to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(match picked {
                        Ok(jwk) => Action::PublicKeyReady {
                            action,
                            jwk,
                            profile,
                        },
                        Err(e) => Action::PublicKeyDone(Err(e)),
                    });
                });
            }
            Effect::PublicKey {
                action,
                key: PublicKeySource::Known(jwk),
                profile,
            } => self.public_key(action, jwk, &profile),
            Effect::StageKey { name, kind } => {
                tokio::spawn(async move {
                    let result = setup::stage(&services, &name, kind).await;
                    let _ = tx.send(Action::Staged { name, result });
                });
            }
            Effect::Promote { run, name } => {
                tokio::spawn(async move {
                    let (events, forward) = forward_events(tx.clone(), run);
                    let result = setup::promote(&services, &name, Some(&events)).await;
                    drop(events);
                    let _ = forward.await;
                    let _ = tx.send(Action::Promoted { run, result });
                });
            }
            Effect::LoadPublicKeys(name) => {
                tokio::spawn(async move {
                    let result = setup::public_keys(&services, &name).await;
                    let _ = tx.send(Action::PublicKeys { name, result });
                });
            }
            Effect::ProbeKeyring => {
                tokio::spawn(async move {
                    let result = services
                        .vault
                        .probe()
                        .await
                        .map_err(|e| AppError::store(e, "", None));
                    let _ = tx.send(Action::KeyringProbed(result));
                });
            }
        }
    }
}

/// A public key file: not secret, but it still appears whole or not at all.
fn write_public_key(path: &std::path::Path, text: &str) -> std::io::Result<std::path::PathBuf> {
    use ploy_core::files::{PendingFile, Replace};
    let pending = PendingFile::create(path, Replace::Allow)?;
    let mut file = pending.writer()?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes())?;
    drop(file);
    pending.commit()?;
    Ok(ploy_core::files::absolute(path))
}

/// Writes an export: how many users and where (absolute), or why not in the dialog's words.
pub fn export(
    rows: &users::ShownUsers,
    format: users::ExportFormat,
    path: &std::path::Path,
    replace: ploy_core::files::Replace,
) -> Result<(usize, std::path::PathBuf), ExportFailure> {
    users::write_users_file(path, format, rows.iter(), replace)
        .map(|written| (rows.len(), written))
        .map_err(|e| {
            let exists = e.kind() == std::io::ErrorKind::AlreadyExists;
            ExportFailure {
                exists,
                // "…/users.csv already exists" says it all; other errors get the path in front.
                message: if exists {
                    e.to_string()
                } else {
                    let shown = ploy_core::files::absolute(path);
                    format!("Cannot write {}: {e}", shown.display())
                },
            }
        })
}

async fn fetch_users(name: String, services: Services, tx: UnboundedSender<Action>) {
    let profile = match services.store.load().and_then(|p| p.get(&name).cloned()) {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Action::UsersDone(Err(e.into())));
            return;
        }
    };
    let failed = |f| AppError::Failed(Diagnosed::new(f, &name, Some(profile.integration)));
    let notify: Notify = {
        let tx = tx.clone();
        std::sync::Arc::new(move |HttpNotice::Waiting { wait, .. }| {
            let _ = tx.send(Action::UsersWait(wait));
        })
    };
    let source = SecretSource::Vault(&services.vault);
    let mut opened = match session::open(&name, &profile, &source, Some(notify)).await {
        Ok(s) => s,
        Err(f) => {
            let _ = tx.send(Action::UsersDone(Err(failed(f))));
            return;
        }
    };
    // A few pages ahead of the table at most: the UI takes a page in between frames, and a
    // fast network must not pile a million users up in the channel.
    let gate = session::Gate::new(4);
    let result = session::for_each_page_gated(&mut opened.connector, &gate, |page, ticket| {
        let _ = tx.send(Action::UsersPage(page.users, ticket));
        Ok::<_, Failure>(())
    })
    .await;
    let _ = tx.send(Action::UsersDone(result.map_err(failed)));
}
