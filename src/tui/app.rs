//! The TUI's state and its one `update`: key presses and task results come in as `Action`s,
//! state changes here and nowhere else, and work to do goes out as `Effect`s for the runtime
//! to run on tokio tasks. `update` does no I/O of its own, so key sequences are unit-testable.
//! Keys become commands through each screen's key table; screens act on commands.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;
use time::OffsetDateTime;

use ploy_core::app::AppError;
use ploy_core::check::{CheckEvent, Report};
use ploy_core::diagnose::Field;
use ploy_core::integration::Integration;
use ploy_core::keys::{KeyInputError, KeySource, ParsedKey};
use ploy_core::profile::{Profile, Profiles};
use ploy_core::setup::{Candidate, Draft, Intent, Rotation};
use ploy_core::users::{ExportFormat, User};

use super::keybox::ReadKey;
use super::keys::{self, Shown, lookup};
use super::problem::Problem;
use super::screen::check::{self as check_screen, CheckView, RotationView, RunId};
use super::screen::home;
use super::screen::rotate::{self as rotate_screen, RotateView};
use super::screen::users::{self as users_screen, UsersView};
use super::screen::wizard::{self, Wizard};

/// Everything that can happen to the app.
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Click {
        x: u16,
        y: u16,
    },
    Resize(u16, u16),
    Tick,
    Profiles(Result<Profiles, AppError>),
    Saved {
        name: String,
        result: Result<(), AppError>,
    },
    Removed {
        name: String,
        result: Result<(), AppError>,
    },
    KeyRead {
        generation: u64,
        result: Result<Box<ParsedKey>, KeyInputError>,
    },
    Check {
        run: RunId,
        event: CheckEvent,
    },
    CheckDone {
        run: RunId,
        report: Box<Report>,
    },
    CheckFailed {
        run: RunId,
        error: AppError,
    },
    Rotated {
        run: RunId,
        result: Result<Rotation, AppError>,
    },
    StoredAnyway {
        run: RunId,
        result: Result<(), AppError>,
    },
    UsersPage(Vec<User>),
    UsersWait(Duration),
    UsersDone(Result<u64, AppError>),
    Exported(Result<String, String>),
    Quit,
}

/// Work for the runtime.
pub enum Effect {
    LoadProfiles,
    /// Validate a draft with the core's setup workflow, then store it.
    Save {
        integration: Integration,
        intent: Intent,
        draft: Box<Draft>,
    },
    /// Test a candidate secret, storing it only if it passes.
    Rotate {
        run: RunId,
        name: String,
        candidate: Candidate,
    },
    /// Store a candidate whose test failed, because the admin chose to.
    StoreAnyway {
        run: RunId,
        name: String,
        candidate: Candidate,
        report: Box<Report>,
    },
    Remove(String),
    RunCheck {
        run: RunId,
        name: String,
    },
    ReadKey {
        generation: u64,
        source: KeySource,
    },
    FetchUsers(String),
    StopUsers,
    Export {
        rows: Vec<User>,
        format: ExportFormat,
        path: PathBuf,
    },
}

impl From<ReadKey> for Effect {
    fn from(r: ReadKey) -> Self {
        Effect::ReadKey {
            generation: r.generation,
            source: r.source,
        }
    }
}

pub enum Screen {
    Home,
    Wizard(Box<Wizard>),
    Check(Box<CheckView>),
    Users(Box<UsersView>),
    Rotate(Box<RotateView>),
}

pub struct App {
    pub screen: Screen,
    pub profiles: Profiles,
    pub selected: usize,
    pub help: bool,
    pub confirm_remove: Option<String>,
    /// Shown in the title bar (the demo says where its data lives).
    pub banner: Option<String>,
    /// The status line: news, or a failure with its diagnosis.
    pub message: Option<Problem>,
    pub spinner: usize,
    pub size: (u16, u16),
    pub color: bool,
    /// Set by the runtime before each update, so views of "5 min ago" are testable.
    pub now: OffsetDateTime,
    pub quit: bool,
}

impl App {
    pub fn new(profiles: Profiles, size: (u16, u16)) -> Self {
        Self {
            screen: Screen::Home,
            profiles,
            selected: 0,
            help: false,
            confirm_remove: None,
            banner: None,
            message: None,
            spinner: 0,
            size,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            now: OffsetDateTime::now_utc(),
            quit: false,
        }
    }

    /// Whether something is in flight (then the spinner needs ticks; otherwise no redraws).
    pub fn busy(&self) -> bool {
        match &self.screen {
            Screen::Check(c) => c.running,
            Screen::Users(u) => !u.done,
            Screen::Wizard(w) => w.saving,
            _ => false,
        }
    }

    pub fn selected_profile(&self) -> Option<(&String, &Profile)> {
        self.profiles.profiles.iter().nth(self.selected)
    }

    /// Home's commands that need a selected profile are offered only when there is one.
    fn home_available(&self, c: home::Command) -> bool {
        use home::Command as H;
        !matches!(c, H::Test | H::Users | H::Rotate | H::Edit | H::Remove)
            || !self.profiles.profiles.is_empty()
    }

    /// The keys the current screen offers, from its table.
    pub fn keys(&self) -> Shown {
        match &self.screen {
            Screen::Home if self.confirm_remove.is_some() => {
                Shown::of(home::CONFIRM_KEYS, |_| true, false)
            }
            Screen::Home => Shown::of(home::KEYS, |c| self.home_available(c), false),
            Screen::Wizard(w) => w.keys(),
            Screen::Check(c) => c.keys(),
            Screen::Users(u) => u.keys(),
            Screen::Rotate(r) => r.keys(),
        }
    }

    /// Opens the wizard for a new profile (`integration` preselected, if given).
    pub fn open_wizard(&mut self, integration: Option<Integration>) {
        let mut w = Wizard::new(integration);
        w.taken = self.profiles.profiles.keys().cloned().collect();
        self.screen = Screen::Wizard(Box::new(w));
    }

    fn edit(&mut self, name: &str, field: Field) {
        if let Some(p) = self.profiles.profiles.get(name) {
            self.screen = Screen::Wizard(Box::new(Wizard::edit(name, p, field)));
        }
    }

    fn start_check(&mut self, name: &str) -> Vec<Effect> {
        let view = CheckView::new(name);
        let run = view.run;
        self.screen = Screen::Check(Box::new(view));
        vec![Effect::RunCheck {
            run,
            name: name.to_string(),
        }]
    }

    /// The test screen of run `run`, if it is still the one shown.
    fn run_view(&mut self, run: RunId) -> Option<&mut CheckView> {
        match &mut self.screen {
            Screen::Check(c) if c.run == run => Some(c),
            _ => None,
        }
    }

    fn open_users(&mut self, name: &str) -> Vec<Effect> {
        let Some(p) = self.profiles.profiles.get(name) else {
            return vec![];
        };
        self.screen = Screen::Users(Box::new(UsersView::new(name, p.integration)));
        vec![Effect::FetchUsers(name.to_string())]
    }

    fn open_rotate(&mut self, name: &str) {
        if let Some(p) = self.profiles.profiles.get(name) {
            self.screen = Screen::Rotate(Box::new(RotateView::new(name, p.integration)));
        }
    }

    fn go_home(&mut self) -> Vec<Effect> {
        self.screen = Screen::Home;
        vec![Effect::StopUsers, Effect::LoadProfiles]
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Effect::StopUsers]
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                if let Screen::Users(u) = &mut self.screen {
                    u.clamp(h);
                }
                vec![]
            }
            Action::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                vec![]
            }
            Action::Profiles(Ok(p)) => {
                self.profiles = p;
                self.selected = self
                    .selected
                    .min(self.profiles.profiles.len().saturating_sub(1));
                vec![]
            }
            Action::Profiles(Err(e)) => {
                self.message = Some(Problem::from(&e));
                vec![]
            }
            Action::Saved { name, result } => self.saved(&name, result),
            Action::Removed { name, result } => {
                self.message = Some(match result {
                    Ok(()) => Problem::news(format!("Removed \"{name}\" and its secret.")),
                    Err(e) => Problem::from(&e),
                });
                vec![Effect::LoadProfiles]
            }
            Action::KeyRead { generation, result } => {
                match &mut self.screen {
                    Screen::Wizard(w) => w.key.read(generation, result),
                    Screen::Rotate(r) => r.key.read(generation, result),
                    _ => {}
                }
                vec![]
            }
            Action::Check { run, event } => {
                if let Some(c) = self.run_view(run) {
                    c.event(event);
                }
                vec![]
            }
            Action::CheckDone { run, report } => {
                if let Some(c) = self.run_view(run) {
                    c.running = false;
                    c.report = Some(*report);
                }
                vec![Effect::LoadProfiles]
            }
            Action::CheckFailed { run, error } => {
                if let Some(c) = self.run_view(run) {
                    c.running = false;
                    c.problem = Some(Problem::from(&error));
                }
                vec![Effect::LoadProfiles]
            }
            Action::Rotated { run, result } => {
                if let Some(c) = self.run_view(run) {
                    c.running = false;
                    match result {
                        Ok(r) => {
                            if let Some(rot) = c.rotation.as_mut() {
                                rot.replaced = Some(r.replaced);
                                if r.replaced {
                                    rot.candidate = None;
                                }
                            }
                            c.report = Some(r.report);
                        }
                        Err(e) => {
                            // Nothing was stored, and this candidate cannot be.
                            if let Some(rot) = c.rotation.as_mut() {
                                rot.replaced = Some(false);
                                rot.candidate = None;
                            }
                            c.problem = Some(Problem::from(&e));
                        }
                    }
                }
                vec![Effect::LoadProfiles]
            }
            Action::StoredAnyway { run, result } => {
                if let Some(c) = self.run_view(run)
                    && let Some(rot) = c.rotation.as_mut()
                {
                    match result {
                        Ok(()) => {
                            rot.replaced = Some(true);
                            rot.candidate = None;
                        }
                        // The candidate stays: the admin may try again.
                        Err(e) => c.problem = Some(Problem::from(&e)),
                    }
                }
                vec![Effect::LoadProfiles]
            }
            Action::UsersPage(users) => {
                if let Screen::Users(u) = &mut self.screen {
                    u.add_page(users);
                    u.clamp(self.size.1);
                }
                vec![]
            }
            Action::UsersWait(d) => {
                if let Screen::Users(u) = &mut self.screen {
                    u.waits += 1;
                    u.waiting = Some(d);
                }
                vec![]
            }
            Action::UsersDone(r) => {
                if let Screen::Users(u) = &mut self.screen {
                    u.done = true;
                    u.waiting = None;
                    if let Err(e) = r {
                        u.failure = Some(Problem::from(&e));
                    }
                }
                vec![]
            }
            Action::Exported(r) => {
                let text = match r {
                    Ok(t) | Err(t) => t,
                };
                if let Screen::Users(u) = &mut self.screen {
                    u.message = Some(text);
                }
                vec![]
            }
            Action::Paste(text) => self.paste(&text),
            Action::Click { x, y } => {
                let (w, h) = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    u.click(w, x, y, h);
                }
                vec![]
            }
            Action::Key(key) => self.key(key),
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        let read = match &mut self.screen {
            Screen::Wizard(w) => match w.paste(text) {
                wizard::Outcome::ReadKey(r) => Some(r),
                _ => None,
            },
            Screen::Rotate(r) => match r.paste(text) {
                rotate_screen::Outcome::ReadKey(r) => Some(r),
                _ => None,
            },
            Screen::Users(u) => {
                u.paste(text);
                None
            }
            _ => None,
        };
        read.map(Effect::from).into_iter().collect()
    }

    fn saved(&mut self, name: &str, result: Result<(), AppError>) -> Vec<Effect> {
        match result {
            Ok(()) => {
                self.message = None;
                self.select(name);
                let mut effects = vec![Effect::LoadProfiles];
                effects.extend(self.start_check(name));
                effects
            }
            Err(e) => {
                match &mut self.screen {
                    Screen::Wizard(w) => {
                        w.saving = false;
                        w.error = Some(Problem::from(&e));
                    }
                    _ => self.message = Some(Problem::from(&e)),
                }
                vec![]
            }
        }
    }

    /// Keeps the selection on `name` once the list is reloaded.
    fn select(&mut self, name: &str) {
        if let Some(i) = self.profiles.profiles.keys().position(|n| n == name) {
            self.selected = i;
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match lookup(keys::GLOBAL_KEYS, &key, |_| true) {
            Some(keys::Global::Quit) => {
                self.quit = true;
                return vec![Effect::StopUsers];
            }
            Some(keys::Global::Help) => {
                self.help = !self.help;
                return vec![];
            }
            None => {}
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        match &mut self.screen {
            Screen::Home => self.home_key(key),
            Screen::Wizard(w) => match w.handle_key(key) {
                wizard::Outcome::Stay => vec![],
                wizard::Outcome::Help => {
                    self.help = true;
                    vec![]
                }
                wizard::Outcome::Cancel => {
                    self.screen = Screen::Home;
                    vec![]
                }
                wizard::Outcome::ReadKey(r) => vec![r.into()],
                wizard::Outcome::Save {
                    integration,
                    intent,
                    draft,
                } => vec![Effect::Save {
                    integration,
                    intent,
                    draft,
                }],
            },
            Screen::Check(c) => match lookup(check_screen::KEYS, &key, |cmd| c.available(cmd)) {
                Some(cmd) => self.check_command(cmd),
                None => vec![],
            },
            Screen::Users(u) => {
                let height = self.size.1;
                match u.handle_key(key, height) {
                    users_screen::Outcome::Stay => vec![],
                    users_screen::Outcome::Help => {
                        self.help = true;
                        vec![]
                    }
                    users_screen::Outcome::Back => self.go_home(),
                    users_screen::Outcome::Export { format, path } => {
                        let rows: Vec<User> = u.table.shown_users().cloned().collect();
                        u.message = Some(format!(
                            "Writing {} users to {}…",
                            rows.len(),
                            path.display()
                        ));
                        vec![Effect::Export { rows, format, path }]
                    }
                }
            }
            Screen::Rotate(r) => match r.handle_key(key) {
                rotate_screen::Outcome::Stay => vec![],
                rotate_screen::Outcome::Help => {
                    self.help = true;
                    vec![]
                }
                rotate_screen::Outcome::Cancel => {
                    self.screen = Screen::Home;
                    vec![]
                }
                rotate_screen::Outcome::ReadKey(read) => vec![read.into()],
                rotate_screen::Outcome::Rotate(candidate) => {
                    let name = r.profile.clone();
                    let mut view = CheckView::new(&name);
                    let run = view.run;
                    view.rotation = Some(RotationView {
                        candidate: Some(candidate.clone()),
                        replaced: None,
                    });
                    self.screen = Screen::Check(Box::new(view));
                    vec![Effect::Rotate {
                        run,
                        name,
                        candidate,
                    }]
                }
            },
        }
    }

    fn home_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(name) = self.confirm_remove.clone() {
            return match lookup(home::CONFIRM_KEYS, &key, |_| true) {
                Some(home::Command::ConfirmRemove) => {
                    self.confirm_remove = None;
                    vec![Effect::Remove(name)]
                }
                Some(_) => {
                    self.confirm_remove = None;
                    self.message = Some(Problem::news("Nothing removed."));
                    vec![]
                }
                // Only y or n answers the question.
                None => vec![],
            };
        }
        match lookup(home::KEYS, &key, |c| self.home_available(c)) {
            Some(cmd) => self.home_command(cmd),
            None => vec![],
        }
    }

    fn home_command(&mut self, cmd: home::Command) -> Vec<Effect> {
        use home::Command as H;
        let count = self.profiles.profiles.len();
        let selected = self.selected_profile().map(|(n, _)| n.clone());
        match (cmd, selected) {
            (H::Quit, _) => {
                self.quit = true;
                vec![]
            }
            (H::Help, _) => {
                self.help = true;
                vec![]
            }
            (H::Add, _) => {
                self.open_wizard(None);
                vec![]
            }
            (H::Down, _) => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                vec![]
            }
            (H::Up, _) => {
                self.selected = self.selected.saturating_sub(1);
                vec![]
            }
            (H::Test, Some(n)) => self.start_check(&n),
            (H::Users, Some(n)) => self.open_users(&n),
            (H::Rotate, Some(n)) => {
                self.open_rotate(&n);
                vec![]
            }
            (H::Edit, Some(n)) => {
                self.edit(&n, Field::None);
                vec![]
            }
            (H::Remove, Some(n)) => {
                self.message = Some(Problem::news(format!(
                    "Remove \"{n}\" and delete its secret from the keyring? y / n"
                )));
                self.confirm_remove = Some(n);
                vec![]
            }
            _ => vec![],
        }
    }

    fn check_command(&mut self, cmd: check_screen::Command) -> Vec<Effect> {
        use check_screen::Command as K;
        let Screen::Check(c) = &mut self.screen else {
            return vec![];
        };
        let name = c.profile.clone();
        match cmd {
            K::Help => {
                self.help = true;
                vec![]
            }
            K::Quit => {
                self.quit = true;
                vec![]
            }
            K::Back => {
                self.screen = Screen::Home;
                vec![Effect::LoadProfiles]
            }
            K::Rerun => self.start_check(&name),
            K::Users => self.open_users(&name),
            K::Edit => {
                let field = c.failed_field();
                self.edit(&name, field);
                vec![]
            }
            K::StoreAnyway => {
                let candidate = c.rotation.as_ref().and_then(|r| r.candidate.clone());
                match (candidate, c.report.clone()) {
                    (Some(candidate), Some(report)) => vec![Effect::StoreAnyway {
                        run: c.run,
                        name,
                        candidate,
                        report: Box::new(report),
                    }],
                    _ => vec![],
                }
            }
            K::DpopFix => {
                let Some(p) = self.profiles.profiles.get(&name) else {
                    return vec![];
                };
                let draft = Draft {
                    name: name.clone(),
                    dpop: Some(true),
                    ..Draft::default()
                };
                vec![Effect::Save {
                    integration: p.integration,
                    intent: Intent::Update,
                    draft: Box::new(draft),
                }]
            }
        }
    }
}
