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
use ploy_core::files::Replace;
use ploy_core::integration::Integration;
use ploy_core::keys::{Generated, KeyInputError, KeySource, KeyType, ParsedKey};
use ploy_core::profile::{Profile, Profiles};
use ploy_core::session::PageTicket;
use ploy_core::setup::{Candidate, Draft, Intent, Promotion, PublicKeys, Rotation, Staged};
use ploy_core::users::{ExportFormat, ShownUsers, SortJob, Sorted, User};

use super::keybox::ReadKey;
use super::keymaker;
use super::keys::{self, Shown, lookup};
use super::problem::Problem;
use super::screen::check::{self as check_screen, CheckView, RotationView, RunId};
use super::screen::home;
use super::screen::rotate::{self as rotate_screen, RotateView};
use super::screen::users::{self as users_screen, ExportFailure, UsersView};
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
    /// A page of users; its ticket, dropped once the page is in the table, lets the next come.
    UsersPage(Vec<User>, PageTicket),
    UsersWait(Duration),
    UsersDone(Result<u64, AppError>),
    /// The users table put in order away from the UI thread.
    UsersSorted(Sorted),
    /// An export was written (how many users, where) or why not.
    Exported(Result<(usize, PathBuf), ExportFailure>),
    /// Whether the keyring answers, asked when the wizard opens.
    KeyringProbed(Result<(), AppError>),
    /// A key pair made for the wizard.
    KeyGenerated {
        generation: u64,
        result: Result<Box<Generated>, String>,
    },
    /// A public key copied, written or added in the demo: what to say.
    PublicKeyDone(Result<String, String>),
    /// A profile's public key, read from the keyring, for `action`.
    PublicKeyReady {
        action: KeyAction,
        jwk: serde_json::Value,
        profile: String,
    },
    /// A new key staged beside the current one.
    Staged {
        name: String,
        result: Result<Staged, AppError>,
    },
    Promoted {
        run: RunId,
        result: Result<Promotion, AppError>,
    },
    /// A profile's public keys, read from the keyring.
    PublicKeys {
        name: String,
        result: Result<PublicKeys, AppError>,
    },
    Quit,
}

/// What to do with a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// To the clipboard, through the terminal (OSC 52).
    Copy,
    /// To a file in the working directory.
    Write,
    /// Demo only: into the emulated Okta app.
    DemoAdd,
}

/// Which public key: one in hand, or a profile's from the keyring.
#[derive(Debug, Clone)]
pub enum PublicKeySource {
    Known(serde_json::Value),
    Stored { name: String, staged: bool },
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
    /// Sort a large users table on another thread.
    Sort(SortJob),
    Export {
        rows: ShownUsers,
        format: ExportFormat,
        path: PathBuf,
        replace: Replace,
    },
    /// Ask the keyring whether it answers, before the admin types a secret for it.
    ProbeKeyring,
    GenerateKey {
        generation: u64,
        kind: KeyType,
    },
    PublicKey {
        action: KeyAction,
        key: PublicKeySource,
        /// Names the file written.
        profile: String,
    },
    StageKey {
        name: String,
        kind: KeyType,
    },
    Promote {
        run: RunId,
        name: String,
    },
    LoadPublicKeys(String),
}

impl Effect {
    /// Work that changes something on disk or in the keyring: quitting asks while it runs.
    fn work(&self) -> Option<Work> {
        match self {
            Effect::Save { .. }
            | Effect::Rotate { .. }
            | Effect::StoreAnyway { .. }
            | Effect::StageKey { .. }
            | Effect::Promote { .. }
            | Effect::Remove(_) => Some(Work::Save),
            Effect::Export { .. } => Some(Work::Export),
            _ => None,
        }
    }
}

impl Action {
    /// The work this action reports the end of.
    fn ends(&self) -> Option<Work> {
        match self {
            Action::Saved { .. }
            | Action::Rotated { .. }
            | Action::StoredAnyway { .. }
            | Action::Staged { .. }
            | Action::Promoted { .. }
            | Action::Removed { .. } => Some(Work::Save),
            Action::Exported(_) => Some(Work::Export),
            _ => None,
        }
    }
}

/// Work in flight that quitting would cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Save,
    Export,
}

/// A yes/no question the app is waiting for an answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Remove(String),
    Quit,
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
    /// A profile to select once the list is read again (the one just added or edited).
    follow: Option<String>,
    pub help: bool,
    pub question: Option<Question>,
    /// Saves and exports in flight.
    saves: usize,
    exports: usize,
    /// The status line's "quit anyway?" while it is asked.
    quit_prompt: Option<Problem>,
    /// Shown in the title bar (the demo says where its data lives).
    pub banner: Option<String>,
    /// The demo's emulated Okta takes public keys: `p` plays its admin.
    pub demo_okta: bool,
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
            follow: None,
            help: false,
            question: None,
            saves: 0,
            exports: 0,
            quit_prompt: None,
            banner: None,
            demo_okta: false,
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
        !matches!(
            c,
            H::Test | H::Users | H::Rotate | H::Edit | H::Remove | H::First | H::Last
        ) || !self.profiles.profiles.is_empty()
    }

    /// Quits, or asks first while a save or an export would be cut short.
    fn request_quit(&mut self) -> Vec<Effect> {
        let what = if self.saves > 0 {
            Some("A save is still running")
        } else if self.exports > 0 {
            Some("An export is still being written (it would be lost)")
        } else {
            None
        };
        match what {
            // A second request while asking is the answer.
            Some(_) if self.question == Some(Question::Quit) => self.quit_now(),
            Some(what) => {
                let prompt = Problem::news(format!("{what}. Quit anyway? y / n"));
                self.question = Some(Question::Quit);
                self.message = Some(prompt.clone());
                self.quit_prompt = Some(prompt);
                vec![]
            }
            None => self.quit_now(),
        }
    }

    fn quit_now(&mut self) -> Vec<Effect> {
        self.quit = true;
        vec![Effect::StopUsers]
    }

    /// The users table's rows on screen now.
    fn user_rows(&self, u: &UsersView) -> usize {
        super::view::users::table_rows(u, self.size)
    }

    /// The keys the current screen offers, from its table.
    pub fn keys(&self) -> Shown {
        if self.question.is_some() {
            return Shown::of(keys::ANSWER_KEYS, |_| true, false);
        }
        match &self.screen {
            Screen::Home => Shown::of(home::KEYS, |c| self.home_available(c), false),
            Screen::Wizard(w) => w.keys(),
            Screen::Check(c) => c.keys(self.demo_okta),
            Screen::Users(u) => u.keys(),
            Screen::Rotate(r) => r.keys(),
        }
    }

    /// Opens the wizard for a new profile (`integration` preselected, if given), and asks the
    /// keyring whether it answers before any secret is typed for it.
    pub fn open_wizard(&mut self, integration: Option<Integration>) -> Vec<Effect> {
        let mut w = Wizard::new(integration);
        w.taken = self.profiles.profiles.keys().cloned().collect();
        w.demo_okta = self.demo_okta;
        self.screen = Screen::Wizard(Box::new(w));
        vec![Effect::ProbeKeyring]
    }

    fn edit(&mut self, name: &str, field: Field) -> Vec<Effect> {
        match self.profiles.profiles.get(name) {
            Some(p) => {
                self.screen = Screen::Wizard(Box::new(Wizard::edit(name, p, field)));
                vec![Effect::ProbeKeyring]
            }
            None => vec![],
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

    fn open_rotate(&mut self, name: &str) -> Vec<Effect> {
        let Some(p) = self.profiles.profiles.get(name) else {
            return vec![];
        };
        let mut view = RotateView::new(name, p);
        view.demo_okta = self.demo_okta;
        let staged = view.staged.is_some();
        self.screen = Screen::Rotate(Box::new(view));
        // A key staged earlier: its public half, to show again.
        if staged {
            vec![Effect::LoadPublicKeys(name.to_string())]
        } else {
            vec![]
        }
    }

    /// Tests the staged key of `name` on the test screen; it becomes current only if it passes.
    fn start_promote(&mut self, name: &str) -> Vec<Effect> {
        let key_id = self
            .profiles
            .profiles
            .get(name)
            .and_then(|p| p.staged())
            .map(|s| s.key_id.clone())
            .unwrap_or_default();
        self.message = None;
        let mut view = CheckView::new(name);
        let run = view.run;
        view.promotion = Some(check_screen::PromotionView {
            key_id,
            promoted: None,
            retired: None,
        });
        self.screen = Screen::Check(Box::new(view));
        vec![Effect::Promote {
            run,
            name: name.to_string(),
        }]
    }

    fn go_home(&mut self) -> Vec<Effect> {
        self.screen = Screen::Home;
        vec![Effect::StopUsers, Effect::LoadProfiles]
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action.ends() {
            Some(Work::Save) => self.saves = self.saves.saturating_sub(1),
            Some(Work::Export) => self.exports = self.exports.saturating_sub(1),
            None => {}
        }
        let mut effects = self.apply(action);
        // Whatever changed the users table, a sort too big for a frame runs elsewhere.
        if let Screen::Users(u) = &mut self.screen
            && let Some(job) = u.table.sort_job()
        {
            effects.push(Effect::Sort(job));
        }
        // The wizard's key step with "make it here": the key pair is made as it is shown.
        if let Screen::Wizard(w) = &mut self.screen
            && let Some(generation) = w.wants_key()
        {
            effects.push(Effect::GenerateKey {
                generation,
                kind: keymaker::KIND,
            });
        }
        for work in effects.iter().filter_map(Effect::work) {
            match work {
                Work::Save => self.saves += 1,
                Work::Export => self.exports += 1,
            }
        }
        // The question about quitting answers itself once nothing is left to cut short; the
        // prompt goes, news the finished work just left on the status line stays.
        if self.question == Some(Question::Quit) && self.saves == 0 && self.exports == 0 {
            self.question = None;
            if self.message.as_ref() == self.quit_prompt.as_ref() {
                self.message = None;
            }
        }
        effects
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            // A signal or the end of input: the runtime still lets commits finish.
            Action::Quit => self.quit_now(),
            Action::Resize(w, h) => {
                self.size = (w, h);
                let size = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    let rows = super::view::users::table_rows(u, size);
                    u.clamp(rows);
                }
                vec![]
            }
            Action::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                let now = self.now;
                if let Screen::Users(u) = &mut self.screen {
                    u.tick(now);
                }
                vec![]
            }
            Action::Profiles(Ok(p)) => {
                // The selection stays on its profile, not its row: a profile added above it
                // must not move it onto another (and a rotation then onto the wrong one).
                let keep = self
                    .follow
                    .take()
                    .or_else(|| self.selected_profile().map(|(n, _)| n.clone()));
                self.profiles = p;
                self.selected = self
                    .selected
                    .min(self.profiles.profiles.len().saturating_sub(1));
                if let Some(name) = keep {
                    self.select(&name);
                }
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
            Action::UsersPage(users, _taken_in_on_drop) => {
                let size = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    let rows = super::view::users::table_rows(u, size);
                    u.add_page(users, rows);
                }
                vec![]
            }
            Action::UsersSorted(sorted) => {
                let size = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    let rows = super::view::users::table_rows(u, size);
                    u.sorted(sorted, rows);
                }
                vec![]
            }
            Action::UsersWait(d) => {
                let now = self.now;
                if let Screen::Users(u) = &mut self.screen {
                    u.wait(d, now);
                }
                vec![]
            }
            Action::UsersDone(r) => {
                let size = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    u.done = true;
                    u.waiting = None;
                    u.wait_ends = None;
                    if let Err(e) = r {
                        u.failure = Some(Problem::from(&e));
                    }
                    // The failure box takes rows from the table: keep the selection in view.
                    let rows = super::view::users::table_rows(u, size);
                    u.clamp(rows);
                }
                vec![]
            }
            Action::Exported(r) => {
                match &mut self.screen {
                    Screen::Users(u) => {
                        if let Some(news) = u.exported(r) {
                            self.message = Some(Problem::news(news));
                        }
                    }
                    // The screen was left meanwhile: say it on the status line.
                    _ => {
                        self.message = Some(match r {
                            Ok((n, path)) => Problem::news(ploy_core::users::written(n, &path)),
                            Err(f) => Problem::message(f.message),
                        })
                    }
                }
                vec![]
            }
            Action::KeyGenerated { generation, result } => {
                if let Screen::Wizard(w) = &mut self.screen {
                    w.made.done(generation, result);
                }
                vec![]
            }
            Action::PublicKeyReady {
                action,
                jwk,
                profile,
            } => vec![Effect::PublicKey {
                action,
                key: PublicKeySource::Known(jwk),
                profile,
            }],
            Action::PublicKeyDone(result) => {
                self.message = Some(match result {
                    Ok(news) => Problem::news(news),
                    Err(e) => Problem::message(e),
                });
                vec![]
            }
            Action::Staged { name, result } => {
                if let Screen::Rotate(r) = &mut self.screen
                    && r.profile == name
                {
                    r.staging = false;
                    match result {
                        Ok(st) => {
                            let replaced = st
                                .replaced
                                .map(|old| {
                                    format!(
                                        " It replaces the staged key {old}, which was never in use."
                                    )
                                })
                                .unwrap_or_default();
                            r.staged = Some(rotate_screen::StagedView {
                                key_id: st.key_id,
                                public: Some(st.public_jwk),
                            });
                            self.message = Some(Problem::news(format!(
                                "Staged; the current key keeps working. Add the new public key in Okta, then press Enter.{replaced}"
                            )));
                        }
                        Err(e) => r.error = Some(Problem::from(&e)),
                    }
                }
                vec![Effect::LoadProfiles]
            }
            Action::PublicKeys { name, result } => {
                if let Screen::Rotate(r) = &mut self.screen
                    && r.profile == name
                {
                    match result {
                        Ok(keys) => {
                            if let (Some(st), Some(public)) = (r.staged.as_mut(), keys.staged) {
                                st.public = Some(public);
                            }
                        }
                        Err(e) => r.error = Some(Problem::from(&e)),
                    }
                }
                vec![]
            }
            Action::Promoted { run, result } => {
                if let Some(c) = self.run_view(run) {
                    c.running = false;
                    match result {
                        Ok(p) => {
                            if let Some(view) = c.promotion.as_mut() {
                                view.promoted = Some(p.promoted);
                                view.retired = p.retired;
                            }
                            c.report = Some(p.report);
                        }
                        Err(e) => {
                            if let Some(view) = c.promotion.as_mut() {
                                view.promoted = Some(false);
                            }
                            c.problem = Some(Problem::from(&e));
                        }
                    }
                }
                vec![Effect::LoadProfiles]
            }
            Action::KeyringProbed(result) => {
                if let Screen::Wizard(w) = &mut self.screen {
                    w.keyring = result.err().map(|e| Problem::from(&e));
                }
                vec![]
            }
            Action::Paste(text) => self.paste(&text),
            Action::Click { x, y } => {
                let size = self.size;
                if let Screen::Users(u) = &mut self.screen {
                    let hit = super::view::users::hit(u, size, x, y);
                    let rows = super::view::users::table_rows(u, size);
                    u.click(hit, rows);
                }
                vec![]
            }
            Action::Key(key) => self.key(key),
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        let size = self.size;
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
                let rows = super::view::users::table_rows(u, size);
                u.paste(text, rows);
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
                self.follow = Some(name.to_string());
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
            Some(keys::Global::Quit) => return self.request_quit(),
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
        if let Some(question) = self.question.clone() {
            return self.answer(question, key);
        }
        let rows = match &self.screen {
            Screen::Users(u) => self.user_rows(u),
            _ => 0,
        };
        match &mut self.screen {
            Screen::Home => self.home_key(key),
            Screen::Wizard(w) => match w.handle_key(key) {
                wizard::Outcome::Stay => vec![],
                wizard::Outcome::Help => {
                    self.help = true;
                    vec![]
                }
                wizard::Outcome::Quit => self.request_quit(),
                wizard::Outcome::PublicKey(action, jwk) => {
                    let profile = w.name.text().to_string();
                    vec![Effect::PublicKey {
                        action,
                        key: PublicKeySource::Known(jwk),
                        profile,
                    }]
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
            Screen::Check(c) => match lookup(check_screen::KEYS, &key, |cmd| {
                c.available(cmd) && (cmd != check_screen::Command::DemoAddPublic || self.demo_okta)
            }) {
                Some(cmd) => self.check_command(cmd),
                None => vec![],
            },
            Screen::Users(u) => match u.handle_key(key, rows) {
                users_screen::Outcome::Stay => vec![],
                users_screen::Outcome::Help => {
                    self.help = true;
                    vec![]
                }
                users_screen::Outcome::Quit => self.request_quit(),
                users_screen::Outcome::Back => self.go_home(),
                users_screen::Outcome::Export {
                    format,
                    path,
                    replace,
                } => {
                    let rows = u.table.shown_users();
                    vec![Effect::Export {
                        rows,
                        format,
                        path,
                        replace,
                    }]
                }
            },
            Screen::Rotate(r) => match r.handle_key(key) {
                rotate_screen::Outcome::Stay => vec![],
                rotate_screen::Outcome::Help => {
                    self.help = true;
                    vec![]
                }
                rotate_screen::Outcome::Quit => self.request_quit(),
                rotate_screen::Outcome::Stage => vec![Effect::StageKey {
                    name: r.profile.clone(),
                    kind: keymaker::KIND,
                }],
                rotate_screen::Outcome::Promote => {
                    let name = r.profile.clone();
                    self.start_promote(&name)
                }
                rotate_screen::Outcome::PublicKey(action, jwk) => vec![Effect::PublicKey {
                    action,
                    key: PublicKeySource::Known(jwk),
                    profile: r.profile.clone(),
                }],
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

    /// Only y or n answers a question; other keys wait for one.
    fn answer(&mut self, question: Question, key: KeyEvent) -> Vec<Effect> {
        let Some(answer) = lookup(keys::ANSWER_KEYS, &key, |_| true) else {
            return vec![];
        };
        self.question = None;
        match (question, answer) {
            (Question::Remove(name), keys::Answer::Yes) => {
                self.message = None;
                vec![Effect::Remove(name)]
            }
            (Question::Remove(_), keys::Answer::No) => {
                self.message = Some(Problem::news("Nothing removed."));
                vec![]
            }
            (Question::Quit, keys::Answer::Yes) => self.quit_now(),
            (Question::Quit, keys::Answer::No) => {
                self.message = None;
                self.quit_prompt = None;
                vec![]
            }
        }
    }

    fn home_key(&mut self, key: KeyEvent) -> Vec<Effect> {
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
            (H::Quit, _) => self.request_quit(),
            (H::Help, _) => {
                self.help = true;
                vec![]
            }
            (H::Add, _) => self.open_wizard(None),
            (H::First, _) => {
                self.selected = 0;
                vec![]
            }
            (H::Last, _) => {
                self.selected = count.saturating_sub(1);
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
            (H::Rotate, Some(n)) => self.open_rotate(&n),
            (H::Edit, Some(n)) => self.edit(&n, Field::None),
            (H::Remove, Some(n)) => {
                self.message = Some(Problem::news(format!(
                    "Remove \"{n}\" and delete its secret from the keyring? y / n"
                )));
                self.question = Some(Question::Remove(n));
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
            K::Quit => self.request_quit(),
            K::Back => {
                self.screen = Screen::Home;
                vec![Effect::LoadProfiles]
            }
            // A staged key that failed is tried again as a promotion, not as a plain test.
            K::Rerun
                if c.promotion
                    .as_ref()
                    .is_some_and(|p| p.promoted == Some(false)) =>
            {
                self.start_promote(&name)
            }
            K::Rerun => self.start_check(&name),
            K::Rotate => self.open_rotate(&name),
            K::CopyPublic | K::WritePublic | K::DemoAddPublic => {
                let action = match cmd {
                    K::CopyPublic => KeyAction::Copy,
                    K::WritePublic => KeyAction::Write,
                    _ => KeyAction::DemoAdd,
                };
                let staged = c.tested_staged();
                vec![Effect::PublicKey {
                    action,
                    key: PublicKeySource::Stored {
                        name: name.clone(),
                        staged,
                    },
                    profile: name,
                }]
            }
            K::Scroll(how) => {
                let theme = super::theme::Theme::new(self.color);
                let (total, height) = super::view::check::panel_size(c, self.size, &theme);
                c.scroll_by(how, total, height);
                vec![]
            }
            K::Users => self.open_users(&name),
            K::Edit => {
                let field = c.failed_field();
                self.edit(&name, field)
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
