//! The TUI's state and its one `update`: key presses and task results come in as `Action`s,
//! state changes here and nowhere else, and work to do goes out as `Effect`s for the runtime
//! to run on tokio tasks. `update` does no I/O of its own, so key sequences are unit-testable.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;
use time::OffsetDateTime;

use super::browse::{BrowseOutcome, UsersView};
use super::input::TextField;
use super::wizard::{KeyState, Wizard, WizardOutcome, key_input};
use crate::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use crate::diagnose::{Diagnosis, Failure, Field, code};
use crate::integration::Integration;
use crate::profile::{Profile, Profiles};
use crate::users::{ExportFormat, User};
use crate::validate;

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
    Profiles(Result<Profiles, String>),
    Saved {
        name: String,
        result: Result<(), String>,
    },
    Removed(Result<String, String>),
    Check(CheckEvent),
    CheckDone(Box<Report>),
    UsersPage(Vec<User>),
    UsersWait(Duration),
    UsersDone(Result<u64, Failure>),
    Exported(Result<String, String>),
    Quit,
}

/// Work for the runtime.
pub enum Effect {
    LoadProfiles,
    Save {
        name: String,
        profile: Box<Profile>,
        secret: Option<SecretString>,
    },
    Rotate {
        name: String,
        secret: SecretString,
        key_id: Option<String>,
    },
    Remove(String),
    RunCheck(String),
    FetchUsers(String),
    StopUsers,
    Export {
        rows: Vec<User>,
        format: ExportFormat,
        path: PathBuf,
    },
}

#[derive(Clone)]
pub enum StepState {
    Pending,
    Running,
    Done(StepResult),
}

pub struct CheckView {
    pub profile: String,
    pub steps: Vec<(StepId, StepState)>,
    pub running: bool,
    pub report: Option<Report>,
}

impl CheckView {
    fn new(profile: &str) -> Self {
        Self {
            profile: profile.to_string(),
            steps: StepId::ALL
                .iter()
                .map(|s| (*s, StepState::Pending))
                .collect(),
            running: true,
            report: None,
        }
    }

    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find_map(|(_, s)| match s {
            StepState::Done(r) if r.status == StepStatus::Failed => Some(r),
            _ => None,
        })
    }
}

pub struct RotateView {
    pub profile: String,
    pub integration: Integration,
    pub secret: TextField,
    pub key_id: TextField,
    pub focus: usize,
    pub error: Option<String>,
}

pub enum Screen {
    Home,
    Wizard(Box<Wizard>),
    Check(CheckView),
    Users(Box<UsersView>),
    Rotate(RotateView),
}

pub struct App {
    pub screen: Screen,
    pub profiles: Profiles,
    pub selected: usize,
    pub help: bool,
    pub confirm_remove: Option<String>,
    /// Shown in the title bar (the demo says where its data lives).
    pub banner: Option<String>,
    pub message: Option<String>,
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

    /// Opens the wizard for a new profile (`integration` preselected, if given).
    pub fn open_wizard(&mut self, integration: Option<Integration>) {
        let mut w = Wizard::new(integration);
        w.taken = self.profiles.profiles.keys().cloned().collect();
        self.screen = Screen::Wizard(Box::new(w));
    }

    fn start_check(&mut self, name: &str) -> Vec<Effect> {
        self.screen = Screen::Check(CheckView::new(name));
        vec![Effect::RunCheck(name.to_string())]
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
            let secret = match p.integration {
                Integration::OneTrust => TextField::default(),
                Integration::Okta => TextField::multiline(),
            };
            self.screen = Screen::Rotate(RotateView {
                profile: name.to_string(),
                integration: p.integration,
                secret,
                key_id: TextField::default(),
                focus: 0,
                error: None,
            });
        }
    }

    fn leave_users(&mut self) -> Vec<Effect> {
        self.screen = Screen::Home;
        vec![Effect::StopUsers, Effect::LoadProfiles]
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
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
                self.message = Some(e);
                vec![]
            }
            Action::Saved { name, result } => self.saved(name, result),
            Action::Removed(r) => {
                self.message = Some(match r {
                    Ok(n) => format!("Removed \"{n}\" and its secret."),
                    Err(e) => e,
                });
                vec![Effect::LoadProfiles]
            }
            Action::Check(event) => {
                if let Screen::Check(c) = &mut self.screen {
                    match event {
                        CheckEvent::Started(id) => set_step(c, id, StepState::Running),
                        CheckEvent::Finished(r) => set_step(c, r.id, StepState::Done(r)),
                    }
                }
                vec![]
            }
            Action::CheckDone(report) => {
                if let Screen::Check(c) = &mut self.screen
                    && c.profile == report.profile
                {
                    c.running = false;
                    c.report = Some(*report);
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
                    if let Err(f) = r {
                        let d = Diagnosis::for_code(f.code, &u.profile, Some(u.integration));
                        u.failure = Some((d, f.detail));
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
            Action::Paste(text) => {
                match &mut self.screen {
                    Screen::Wizard(w) => w.paste(&text),
                    Screen::Rotate(r) => {
                        if r.focus == 0 {
                            r.secret.clear();
                            r.secret.paste(&text);
                        } else {
                            r.key_id.paste(&text);
                        }
                    }
                    Screen::Users(u) => {
                        if let Some(f) = &mut u.filter {
                            f.paste(&text);
                            let t = f.text().to_string();
                            u.table.set_filter(&t);
                        }
                    }
                    _ => {}
                }
                vec![]
            }
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

    fn saved(&mut self, name: String, result: Result<(), String>) -> Vec<Effect> {
        match result {
            Ok(()) => {
                self.message = None;
                let mut effects = vec![Effect::LoadProfiles];
                effects.extend(self.start_check(&name));
                effects
            }
            Err(e) => {
                match &mut self.screen {
                    Screen::Wizard(w) => {
                        w.saving = false;
                        w.error = Some(e);
                    }
                    Screen::Rotate(r) => r.error = Some(e),
                    _ => self.message = Some(e),
                }
                vec![]
            }
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return vec![Effect::StopUsers];
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        let typing = match &self.screen {
            Screen::Wizard(_) | Screen::Rotate(_) => true,
            Screen::Users(u) => u.filter.is_some() || u.export.is_some(),
            _ => false,
        };
        if !typing && key.code == KeyCode::Char('?') {
            self.help = true;
            return vec![];
        }
        if key.code == KeyCode::F(1) {
            self.help = true;
            return vec![];
        }
        match &mut self.screen {
            Screen::Home => self.home_key(key),
            Screen::Wizard(w) => match w.handle_key(key) {
                WizardOutcome::Stay => vec![],
                WizardOutcome::Cancel => {
                    self.screen = Screen::Home;
                    vec![]
                }
                WizardOutcome::Save {
                    name,
                    profile,
                    secret,
                } => vec![Effect::Save {
                    name,
                    profile,
                    secret,
                }],
            },
            Screen::Check(_) => self.check_key(key),
            Screen::Users(u) => {
                let height = self.size.1;
                match u.handle_key(key, height) {
                    BrowseOutcome::Stay => vec![],
                    BrowseOutcome::Back => self.leave_users(),
                    BrowseOutcome::Export { format, path } => {
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
            Screen::Rotate(_) => self.rotate_key(key),
        }
    }

    fn home_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(name) = self.confirm_remove.take() {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![Effect::Remove(name)],
                _ => {
                    self.message = Some("Nothing removed.".into());
                    vec![]
                }
            };
        }
        let count = self.profiles.profiles.len();
        let selected = self.selected_profile().map(|(n, _)| n.clone());
        match (key.code, selected) {
            (KeyCode::Char('q'), _) | (KeyCode::Esc, _) => {
                self.quit = true;
                vec![]
            }
            (KeyCode::Char('a'), _) => {
                self.open_wizard(None);
                vec![]
            }
            (KeyCode::Down | KeyCode::Char('j'), _) => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
                vec![]
            }
            (KeyCode::Up | KeyCode::Char('k'), _) => {
                self.selected = self.selected.saturating_sub(1);
                vec![]
            }
            (KeyCode::Char('t') | KeyCode::Enter, Some(n)) => self.start_check(&n),
            (KeyCode::Char('u'), Some(n)) => self.open_users(&n),
            (KeyCode::Char('r'), Some(n)) => {
                self.open_rotate(&n);
                vec![]
            }
            (KeyCode::Char('e'), Some(n)) => {
                if let Some(p) = self.profiles.profiles.get(&n) {
                    self.screen = Screen::Wizard(Box::new(Wizard::edit(&n, p, Field::None)));
                }
                vec![]
            }
            (KeyCode::Char('d'), Some(n)) => {
                self.message = Some(format!(
                    "Remove \"{n}\" and delete its secret from the keyring? y / n"
                ));
                self.confirm_remove = Some(n);
                vec![]
            }
            _ => vec![],
        }
    }

    fn check_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Screen::Check(c) = &self.screen else {
            return vec![];
        };
        let name = c.profile.clone();
        let failure_code = c
            .failure()
            .and_then(|f| f.diagnosis.as_ref())
            .map(|d| (d.code.clone(), d.field));
        let passed = c.report.as_ref().is_some_and(|r| r.ok);
        if c.running {
            return match key.code {
                KeyCode::Esc => {
                    self.screen = Screen::Home;
                    vec![Effect::LoadProfiles]
                }
                _ => vec![],
            };
        }
        match key.code {
            KeyCode::Char('r') => self.start_check(&name),
            KeyCode::Char('u') if passed => self.open_users(&name),
            KeyCode::Char('e') => {
                let field = failure_code.map_or(Field::None, |(_, f)| f);
                if let Some(p) = self.profiles.profiles.get(&name) {
                    self.screen = Screen::Wizard(Box::new(Wizard::edit(&name, p, field)));
                }
                vec![]
            }
            KeyCode::Char('d')
                if failure_code
                    .as_ref()
                    .is_some_and(|(c, _)| c == code::OKTA_DPOP_REQUIRED) =>
            {
                let Some(mut profile) = self.profiles.profiles.get(&name).cloned() else {
                    return vec![];
                };
                if let Some(o) = profile.okta.as_mut() {
                    o.dpop = true;
                }
                vec![Effect::Save {
                    name,
                    profile: Box::new(profile),
                    secret: None,
                }]
            }
            KeyCode::Char('q') => {
                self.quit = true;
                vec![]
            }
            KeyCode::Esc | KeyCode::Char('h') => {
                self.screen = Screen::Home;
                vec![Effect::LoadProfiles]
            }
            _ => vec![],
        }
    }

    fn rotate_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Screen::Rotate(r) = &mut self.screen else {
            return vec![];
        };
        let fields = if r.integration == Integration::Okta {
            2
        } else {
            1
        };
        match key.code {
            KeyCode::Esc => {
                self.screen = Screen::Home;
                vec![]
            }
            KeyCode::Tab | KeyCode::BackTab => {
                r.focus = (r.focus + 1) % fields;
                vec![]
            }
            KeyCode::Enter => match rotate_secret(r) {
                Ok((secret, key_id)) => {
                    r.error = None;
                    vec![Effect::Rotate {
                        name: r.profile.clone(),
                        secret,
                        key_id,
                    }]
                }
                Err(e) => {
                    r.error = Some(e);
                    vec![]
                }
            },
            _ => {
                if r.focus == 0 {
                    r.secret.handle_key(key);
                } else {
                    r.key_id.handle_key(key);
                }
                vec![]
            }
        }
    }
}

/// The new secret from the rotate screen, validated like everywhere else.
pub fn rotate_secret(r: &RotateView) -> Result<(SecretString, Option<String>), String> {
    let key_id = Some(r.key_id.text().trim().to_string()).filter(|k| !k.is_empty());
    match r.integration {
        Integration::OneTrust => validate::client_secret(r.secret.text())
            .map(|c| (c.value, None))
            .map_err(|e| e.to_string()),
        Integration::Okta => match key_input(r.secret.text()) {
            KeyState::Ready { text, .. } => Ok((SecretString::from(text), key_id)),
            KeyState::Invalid(e) => Err(e),
            KeyState::Empty => {
                Err("paste the new private key, or type the path of a file holding it".into())
            }
        },
    }
}

fn set_step(c: &mut CheckView, id: StepId, state: StepState) {
    if let Some(slot) = c.steps.iter_mut().find(|(s, _)| *s == id) {
        slot.1 = state;
    }
}
