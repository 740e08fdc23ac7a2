//! The TUI's state and its one `update`: `Action`s come in, the screen they belong to changes
//! its own state and answers with a `Reply` (effects for the runner, where to go), and `App`
//! routes — it holds what every screen shares (the profiles, the selection, the status line,
//! the yes/no question, the work in flight) and opens screens. No I/O, so key sequences are
//! unit-testable.

use ratatui::crossterm::event::KeyEvent;
use time::OffsetDateTime;

/// How long news stays on the status line (a failure stays until something replaces it).
pub const NEWS_SHOWN: time::Duration = time::Duration::seconds(15);

use ploy_core::app::AppError;
use ploy_core::diagnose::Field;
use ploy_core::integration::Integration;
use ploy_core::profile::{Profile, Profiles};
use ploy_core::setup::Candidate;

use super::bindings::{self, Shown, lookup};
use super::layout;
use super::msg::{Action, DemoFull, Effect, Go, PublicKeySource, Reply, Work};
use super::notice::Notice;
use super::panel;
use super::screen::check::{self, CheckScreen};
use super::screen::home;
use super::screen::identities::IdentitiesScreen;
use super::screen::rotate::RotateScreen;
use super::screen::users::UsersScreen;
use super::screen::wizard::Wizard;
use super::scroll::Scroll;
use super::theme::Theme;

/// A yes/no question the app is waiting for an answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Remove(String),
    Quit,
    /// Store a rotation's candidate that failed its test over this profile's secret.
    StoreAnyway(String),
    /// Leave the wizard (and with `quit`, the program) although what was typed is not saved.
    Discard {
        quit: bool,
    },
    /// Demo: retire the emulated Okta app's key `retire` (profiles use it) so `jwk` fits.
    DemoRetire {
        jwk: serde_json::Value,
        profile: String,
        retire: String,
    },
}

pub enum Screen {
    Home,
    Wizard(Box<Wizard>),
    Check(Box<CheckScreen>),
    Users(Box<UsersScreen>),
    Identities(Box<IdentitiesScreen>),
    Rotate(Box<RotateScreen>),
}

pub struct App {
    pub screen: Screen,
    pub profiles: Profiles,
    /// Home's selected row.
    pub selected: usize,
    /// Home's test of every profile at once, row by row.
    pub tests: home::AllTests,
    /// Profiles marked on home for the identities screen (none: every profile).
    pub marked: std::collections::BTreeSet<String>,
    /// A profile to select once the list is read again (the one just added or edited).
    follow: Option<String>,
    pub help: bool,
    /// The status message is open whole, in a panel (F2).
    pub reading: bool,
    /// The help's or the message's panel, when it is taller than the screen.
    pub overlay: Scroll,
    pub question: Option<Question>,
    /// Saves and exports in flight.
    saves: usize,
    exports: usize,
    /// The status line's "quit anyway?" while it is asked.
    quit_prompt: Option<Notice>,
    /// Shown in the title bar (the demo says where its data lives).
    pub banner: Option<String>,
    /// The demo's emulated Okta takes public keys: `p` plays its admin.
    pub demo_okta: bool,
    /// The status line: news, or a failure with its diagnosis.
    pub message: Option<Notice>,
    /// When the status message was set: news fades after `NEWS_SHOWN`, a failure stays.
    message_at: OffsetDateTime,
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
            tests: home::AllTests::default(),
            marked: std::collections::BTreeSet::new(),
            follow: None,
            help: false,
            reading: false,
            overlay: Scroll::default(),
            question: None,
            saves: 0,
            exports: 0,
            quit_prompt: None,
            banner: None,
            demo_okta: false,
            message: None,
            message_at: OffsetDateTime::now_utc(),
            spinner: 0,
            size,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            now: OffsetDateTime::now_utc(),
            quit: false,
        }
    }

    /// Whether something is in flight (then the spinner needs ticks; otherwise no redraws).
    pub fn busy(&self) -> bool {
        // News on the status line needs ticks to fade.
        self.message.as_ref().is_some_and(|m| m.news)
            || match &self.screen {
                Screen::Check(c) => c.running,
                Screen::Users(u) => !u.done,
                Screen::Identities(s) => !s.done(),
                Screen::Wizard(w) => w.saving,
                Screen::Home => self.tests.running(),
                _ => false,
            }
    }

    pub fn selected_profile(&self) -> Option<(&String, &Profile)> {
        self.profiles.profiles.iter().nth(self.selected)
    }

    /// The keys offered now: a panel's over the screen, else the current screen's table.
    pub fn bindings(&self) -> Shown {
        if self.overlay_open() {
            return Shown::of(
                bindings::OVERLAY_KEYS,
                |c| c == bindings::Overlay::Close || self.overlay.overflows(),
                false,
            );
        }
        self.bindings_under_overlay()
    }

    /// The help or the whole status message is open over the screen.
    pub fn overlay_open(&self) -> bool {
        self.help || (self.reading && self.message.is_some())
    }

    /// The keys of the screen (or its question) under any panel: what the help lists.
    pub fn bindings_under_overlay(&self) -> Shown {
        if self.question.is_some() {
            return Shown::of(bindings::ANSWER_KEYS, |_| true, false);
        }
        match &self.screen {
            Screen::Home => home::bindings(&self.profiles, &self.tests),
            Screen::Wizard(w) => w.bindings(),
            Screen::Check(c) => c.bindings(),
            Screen::Users(u) => u.bindings(),
            Screen::Identities(s) => s.bindings(),
            Screen::Rotate(r) => r.bindings(),
        }
    }

    /// The status message as it shows now: wrapped, on a few rows at most.
    pub fn status_lines(&self) -> Vec<String> {
        match &self.message {
            Some(m) => layout::status_lines(&super::text::txt(&m.line()), self.size),
            None => vec![],
        }
    }

    /// The terminal as the screen's body sees it (see `layout::body_size`).
    fn body_size(&self) -> (u16, u16) {
        layout::body_size(self.size, self.status_lines().len())
    }

    /// Opens the wizard for a new profile (`integration` preselected, if given), and asks the
    /// keyring whether it answers before any secret is typed for it.
    pub fn open_wizard(&mut self, integration: Option<Integration>) -> Vec<Effect> {
        let mut w = Wizard::new(integration);
        w.taken = self.profiles.profiles.keys().cloned().collect();
        w.demo_okta = self.demo_okta;
        self.screen = Screen::Wizard(Box::new(w));
        vec![Effect::ProbeKeyring(None)]
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action.ends() {
            Some(Work::Save) => self.saves = self.saves.saturating_sub(1),
            Some(Work::Export) => self.exports = self.exports.saturating_sub(1),
            None => {}
        }
        let said = self.message.clone();
        let effects = self.apply(action);
        if self.message != said {
            self.message_at = self.now;
        } else if self
            .message
            .as_ref()
            .is_some_and(|m| m.news && !self.reading && self.now - self.message_at > NEWS_SHOWN)
        {
            // Old news is not news: "Exported …" from ten minutes ago misleads.
            self.message = None;
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
        let reloads = action.reloads_profiles();
        let mut effects = match action {
            // A signal or the end of input: the runtime still lets commits finish.
            Action::Quit => self.quit_now(),
            Action::Key(key) => self.key(key),
            Action::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.route(Action::Tick)
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.route(action)
            }
            Action::Profiles(result) => self.profiles_read(result),
            Action::Saved { name, result } => self.saved(&name, result),
            Action::Removed { name, result } => {
                self.message = Some(match result {
                    Ok(()) => Notice::news(ploy_core::setup::removed_message(&name)),
                    Err(e) => Notice::from(&e),
                });
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
                self.message = Some(Notice::of(result.map(|done| done.to_string())));
                vec![]
            }
            // Home's tests of every profile: their steps are not shown, their ends are.
            Action::Check { run, .. } if self.tests.owns(run) => vec![],
            Action::CheckDone { run, report } if self.tests.owns(run) => {
                let done = home::RowTest::Done(report.last_test());
                self.all_tested(run, done)
            }
            Action::CheckFailed { run, error } if self.tests.owns(run) => {
                let failed = home::RowTest::Failed {
                    at: self.now,
                    why: error.to_string(),
                };
                self.all_tested(run, failed)
            }
            Action::DemoOktaFull { jwk, profile, full } => {
                self.message = Some(Notice::news(format!(
                    "{} y / n",
                    demo_retire_question(&full)
                )));
                self.question = Some(Question::DemoRetire {
                    jwk,
                    profile,
                    retire: full.kid,
                });
                vec![]
            }
            Action::Copied { what, result } => {
                self.message = Some(Notice::of(result.map(|()| {
                    format!("Sent {what} to the clipboard (OSC 52). If nothing was copied, the terminal does not allow it.")
                })));
                vec![]
            }
            // The screen was left meanwhile: say it on the status line.
            Action::Exported(result) if !matches!(self.screen, Screen::Users(_)) => {
                self.message = Some(match result {
                    Ok(written) => Notice::news(written.to_string()),
                    Err(f) => Notice::failure(f.message),
                });
                vec![]
            }
            other => self.route(other),
        };
        if reloads {
            effects.push(Effect::LoadProfiles);
        }
        effects
    }

    /// One of home's tests of every profile ended; the last one says what they came to.
    fn all_tested(&mut self, run: super::msg::RunId, row: home::RowTest) -> Vec<Effect> {
        if let Some(news) = self.tests.finished(run, row) {
            self.message = Some(news);
        }
        vec![]
    }

    /// Hands an action to the screen it belongs to, and follows its reply.
    fn route(&mut self, action: Action) -> Vec<Effect> {
        let (size, now) = (self.body_size(), self.now);
        let reply = match (&mut self.screen, action) {
            (Screen::Users(u), Action::Click { x, y }) => {
                let hit = layout::hit(u, size, x, y);
                u.click_at(hit, layout::table_rows(u, size))
            }
            (Screen::Users(u), Action::Paste(text)) => u.paste(&text, layout::table_rows(u, size)),
            (Screen::Users(u), action) => {
                u.update(action, &|u: &UsersScreen| layout::table_rows(u, size), now)
            }
            (Screen::Wizard(w), Action::Paste(text)) => w.paste(&text),
            (Screen::Wizard(w), action) => w.update(action),
            (Screen::Rotate(r), Action::Paste(text)) => r.paste(&text),
            (Screen::Rotate(r), action) => r.update(action),
            (Screen::Check(c), action) => c.update(action),
            (Screen::Identities(s), Action::Paste(text)) => s.paste(&text),
            (Screen::Identities(s), action) => s.update(action),
            (Screen::Home, _) => Reply::none(),
        };
        self.follow_reply(reply)
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match lookup(bindings::GLOBAL_KEYS, &key, |_| true) {
            Some(bindings::Global::Quit) => return self.request_quit(),
            Some(bindings::Global::Help) => {
                self.help = !self.help;
                self.reading = false;
                self.overlay.reset();
                return vec![];
            }
            Some(bindings::Global::Message) => {
                self.reading = !self.reading && self.message.is_some();
                self.help = false;
                self.overlay.reset();
                return vec![];
            }
            None => {}
        }
        // A panel over the screen scrolls with its keys; any other key closes it.
        if self.overlay_open() {
            match lookup(bindings::OVERLAY_KEYS, &key, |_| true) {
                Some(bindings::Overlay::Scroll(step)) if self.overlay.overflows() => {
                    self.overlay.step(step)
                }
                _ => {
                    self.help = false;
                    self.reading = false;
                }
            }
            return vec![];
        }
        if let Some(question) = self.question.clone() {
            return self.answer(question, key);
        }
        let size = self.body_size();
        let reply = match &mut self.screen {
            Screen::Home => home::key(
                key,
                &self.profiles,
                &mut self.selected,
                &mut self.tests,
                &mut self.marked,
            ),
            Screen::Wizard(w) => w.key(key),
            Screen::Check(c) => {
                let panel = layout::check_panel(size);
                let tested = self.profiles.profiles.get(&c.profile);
                let ctx = check::Ctx {
                    integration: tested.map(|p| p.integration),
                    host: tested.map(|p| p.host.clone()),
                    panel_total: panel::lines(c, panel.width as usize, &Theme::new(false)).len(),
                    panel_height: panel.height as usize,
                };
                c.key(key, &ctx)
            }
            Screen::Users(u) => u.key(key, layout::table_rows(u, size)),
            Screen::Identities(s) => s.key(key, layout::identity_rows(s, size)),
            Screen::Rotate(r) => r.key(key),
        };
        self.follow_reply(reply)
    }

    /// A screen's reply: its news on the status line, then where it goes, then its effects
    /// followed by those of the screen it opens.
    fn follow_reply(&mut self, reply: Reply) -> Vec<Effect> {
        let said = reply.say.is_some();
        if let Some(notice) = reply.say {
            self.message = Some(notice);
        }
        let mut effects = reply.effects;
        if let Some(go) = reply.go {
            // What the status line said was about the screen left behind.
            if !said && go.opens_screen() {
                self.message = None;
            }
            effects.extend(self.go(go));
        }
        effects
    }

    fn go(&mut self, go: Go) -> Vec<Effect> {
        match go {
            Go::Help => {
                self.help = true;
                self.overlay.reset();
                vec![]
            }
            Go::Quit => self.request_quit(),
            Go::Home if self.unsaved() => self.ask_discard(false),
            Go::Home => {
                self.screen = Screen::Home;
                vec![]
            }
            Go::Add => self.open_wizard(None),
            Go::AskRemove(name) => {
                self.message = Some(Notice::news(format!(
                    "{} y / n",
                    ploy_core::setup::remove_question(&name)
                )));
                self.question = Some(Question::Remove(name));
                vec![]
            }
            Go::Test(name) => self.start_check(&name),
            Go::Users(name) => self.open_users(&name),
            Go::Identities => self.open_identities(),
            Go::Rotate(name) => self.open_rotate(&name),
            Go::Edit(name, field) => self.edit(&name, field),
            Go::Promote(name) => self.start_promote(&name),
            Go::Rotation(name, candidate) => self.start_rotation(name, candidate),
            Go::AskStoreAnyway(name) => {
                self.message = Some(Notice::news(format!(
                    "{} y / n",
                    self.store_anyway_question(&name)
                )));
                self.question = Some(Question::StoreAnyway(name));
                vec![]
            }
        }
    }

    /// "Store the new key although its test failed? …": what storing it replaces, in words.
    fn store_anyway_question(&self, name: &str) -> String {
        let Some(p) = self.profiles.profiles.get(name) else {
            return "Store it although its test failed?".into();
        };
        let noun = p.integration.secret_noun();
        let works = match &p.last_test {
            Some(t) if t.ok => format!(
                " It replaces the stored {noun}, which passed its last test {}.",
                ploy_core::text::ago(self.now, t.at)
            ),
            _ => String::new(),
        };
        format!("Store the new {noun} although its test failed?{works}")
    }

    /// The wizard holds edits that leaving would drop.
    fn unsaved(&self) -> bool {
        matches!(&self.screen, Screen::Wizard(w) if !w.saving && w.dirty())
    }

    fn ask_discard(&mut self, quit: bool) -> Vec<Effect> {
        let what = match &self.screen {
            Screen::Wizard(w) => match &w.existing {
                Some((name, _)) => format!("your changes to {name}"),
                None => "this new connection".to_string(),
            },
            _ => "your changes".to_string(),
        };
        let leave = if quit { "Quit" } else { "Leave" };
        self.message = Some(Notice::news(format!(
            "{leave} without saving {what}? y / n"
        )));
        self.question = Some(Question::Discard { quit });
        vec![]
    }

    /// Quits, or asks first while a save or an export would be cut short.
    fn request_quit(&mut self) -> Vec<Effect> {
        // Unsaved edits are asked about first; a second request while asking is the answer.
        if self.unsaved() && !matches!(self.question, Some(Question::Discard { .. })) {
            return self.ask_discard(true);
        }
        self.quit_unless_working()
    }

    /// Quits, or asks first while a save or an export would be cut short.
    fn quit_unless_working(&mut self) -> Vec<Effect> {
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
                let prompt = Notice::news(format!("{what}. Quit anyway? y / n"));
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

    /// Only y or n answers a question; other keys wait for one.
    fn answer(&mut self, question: Question, key: KeyEvent) -> Vec<Effect> {
        let Some(answer) = lookup(bindings::ANSWER_KEYS, &key, |_| true) else {
            return vec![];
        };
        self.question = None;
        match (question, answer) {
            (Question::Remove(name), bindings::Answer::Yes) => {
                self.message = None;
                vec![Effect::Remove(name)]
            }
            (Question::Remove(_), bindings::Answer::No) => {
                self.message = Some(Notice::news("Nothing removed."));
                vec![]
            }
            (Question::StoreAnyway(name), bindings::Answer::Yes) => {
                self.message = None;
                match &self.screen {
                    Screen::Check(c) if c.profile == name => c.store_anyway(),
                    _ => vec![],
                }
            }
            (Question::Discard { quit }, bindings::Answer::Yes) => {
                self.message = None;
                if quit {
                    return self.quit_unless_working();
                }
                self.screen = Screen::Home;
                vec![]
            }
            (
                Question::DemoRetire {
                    jwk,
                    profile,
                    retire,
                },
                bindings::Answer::Yes,
            ) => {
                self.message = None;
                vec![Effect::DemoRetireAndAdd {
                    jwk,
                    profile,
                    retire,
                }]
            }
            (Question::DemoRetire { .. }, bindings::Answer::No) => {
                self.message = Some(Notice::news(
                    "Nothing changed in the emulated Okta app: the new key is not in it.",
                ));
                vec![]
            }
            (Question::Discard { .. }, bindings::Answer::No) => {
                self.message = None;
                vec![]
            }
            (Question::StoreAnyway(_), bindings::Answer::No) => {
                self.message = Some(Notice::news("Nothing stored."));
                vec![]
            }
            (Question::Quit, bindings::Answer::Yes) => self.quit_now(),
            (Question::Quit, bindings::Answer::No) => {
                self.message = None;
                self.quit_prompt = None;
                vec![]
            }
        }
    }

    fn profiles_read(&mut self, result: Result<Profiles, AppError>) -> Vec<Effect> {
        match result {
            Ok(p) => {
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
            }
            Err(e) => self.message = Some(Notice::from(&e)),
        }
        vec![]
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
                    Screen::Wizard(w) => w.save_failed(&e),
                    _ => self.message = Some(Notice::from(&e)),
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

    fn edit(&mut self, name: &str, field: Field) -> Vec<Effect> {
        match self.profiles.profiles.get(name) {
            Some(p) => {
                let kept = p.secret_store;
                let mut w = Wizard::edit(name, p, field);
                w.demo_okta = self.demo_okta;
                let made_here = w.edits_made_key();
                self.screen = Screen::Wizard(Box::new(w));
                let mut effects = vec![Effect::ProbeKeyring(kept)];
                // Its public key, to show and copy as when it was made.
                if made_here {
                    effects.push(Effect::LoadPublicKeys(name.to_string()));
                }
                effects
            }
            None => vec![],
        }
    }

    fn start_check(&mut self, name: &str) -> Vec<Effect> {
        let screen = CheckScreen::new(name, self.demo_okta);
        let run = screen.run;
        self.screen = Screen::Check(Box::new(screen));
        vec![Effect::RunCheck {
            run,
            name: name.to_string(),
        }]
    }

    fn start_rotation(&mut self, name: String, candidate: Candidate) -> Vec<Effect> {
        let screen = CheckScreen::rotation(&name, self.demo_okta, candidate.clone());
        let run = screen.run;
        self.screen = Screen::Check(Box::new(screen));
        vec![Effect::Rotate {
            run,
            name,
            candidate,
        }]
    }

    /// Tests the staged key of `name` on the test screen; it becomes current only if it passes.
    fn start_promote(&mut self, name: &str) -> Vec<Effect> {
        // Nothing staged is said before anything about testing it. The rotate screen knows a
        // key it just staged before the profiles are read again.
        let staged = match self.profiles.profiles.get(name) {
            Some(p) => ploy_core::setup::staged_key(name, p).map(|s| s.key_id.clone()),
            None => return vec![],
        };
        let just_staged = match &self.screen {
            Screen::Rotate(r) if r.profile == name => r.staged.as_ref().map(|s| s.key_id.clone()),
            _ => None,
        };
        let key_id = match (staged, just_staged) {
            (Ok(k), _) | (Err(_), Some(k)) => k,
            (Err(e), None) => {
                self.message = Some(Notice::from(&e));
                return vec![];
            }
        };
        self.message = None;
        let screen = CheckScreen::promotion(name, self.demo_okta, key_id);
        let run = screen.run;
        self.screen = Screen::Check(Box::new(screen));
        vec![Effect::Promote {
            run,
            name: name.to_string(),
        }]
    }

    fn open_users(&mut self, name: &str) -> Vec<Effect> {
        let Some(p) = self.profiles.profiles.get(name) else {
            return vec![];
        };
        self.screen = Screen::Users(Box::new(UsersScreen::new(name, p.integration)));
        vec![Effect::FetchUsers(name.to_string())]
    }

    /// Every profile, read at once and joined person by person.
    fn open_identities(&mut self) -> Vec<Effect> {
        // A marked profile removed meanwhile is no longer marked.
        let profiles = &self.profiles.profiles;
        self.marked.retain(|n| profiles.contains_key(n));
        let marked = &self.marked;
        let screen = IdentitiesScreen::new(
            profiles
                .iter()
                .filter(|(n, _)| marked.is_empty() || marked.contains(*n))
                .map(|(n, p)| (n.clone(), p.integration)),
        );
        let fetch = screen.fetch();
        self.screen = Screen::Identities(Box::new(screen));
        vec![fetch]
    }

    fn open_rotate(&mut self, name: &str) -> Vec<Effect> {
        let Some(p) = self.profiles.profiles.get(name) else {
            return vec![];
        };
        let screen = RotateScreen::new(name, p, self.demo_okta);
        let staged = screen.staged.is_some();
        self.screen = Screen::Rotate(Box::new(screen));
        // A key staged earlier: its public half, to show again.
        if staged {
            vec![Effect::LoadPublicKeys(name.to_string())]
        } else {
            vec![]
        }
    }
}

/// The demo's emulated Okta app is full of keys in use: which one adding the new key retires,
/// and whom that stops.
fn demo_retire_question(full: &DemoFull) -> String {
    let (who, verb) = match full.users.as_slice() {
        [one] => (one.clone(), "uses"),
        many => (many.join(", "), "use"),
    };
    format!(
        "The emulated Okta app holds {} keys at most, all in use. Retire {}, which {who} {verb} (it stops connecting), to add the new key?",
        full.max, full.kid
    )
}
