//! The live test screen: six steps as they run, then the diagnosis of a failure. It also shows
//! a rotation's test of the candidate secret, and what became of the candidate.

use ratatui::crossterm::event::KeyEvent;

use ploy_core::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use ploy_core::diagnose::{Field, code};
use ploy_core::integration::Integration;
use ploy_core::setup::{Candidate, Draft, Intent};

use crate::tui::bindings::{
    BACK_HOME, BACKTAB, Binding, COPY_PUBLIC, DEMO_ADD_PUBLIC, DOWN, END, HELP, HOME, Key, PGDN,
    PGUP, QUIT, Shown, TAB, Table, UP, WRITE_PUBLIC, lookup,
};
use crate::tui::msg::{
    Action, Effect, Go, PublicKeyAction, PublicKeySource, Reply, RunId, next_run,
};
use crate::tui::notice::Notice;

#[derive(Clone)]
pub enum StepState {
    Pending,
    Running,
    Done(Box<StepResult>),
}

/// A rotation being tested: the candidate stays in memory until stored or dropped.
pub struct RotationRun {
    /// Whose secret it is: a OneTrust secret or an Okta key (the words differ).
    pub integration: Integration,
    pub candidate: Option<Candidate>,
    /// `Some(true)` once stored, `Some(false)` when the test failed and nothing was replaced.
    pub replaced: Option<bool>,
}

/// A staged key being tested before it becomes the current one.
pub struct PromotionRun {
    pub key_id: String,
    /// `Some(true)` once it is current, `Some(false)` when its test failed and nothing changed.
    pub promoted: Option<bool>,
    /// Which old key to retire in Okta, in the core's words (empty until promoted).
    pub retire: String,
}

pub struct CheckScreen {
    pub run: RunId,
    pub profile: String,
    pub steps: Vec<(StepId, StepState)>,
    pub running: bool,
    pub report: Option<Report>,
    pub rotation: Option<RotationRun>,
    pub promotion: Option<PromotionRun>,
    /// A failure outside the steps (the profile could not be read, the keyring refused).
    pub problem: Option<Notice>,
    /// The tenant asked to wait: its status and how long.
    pub waiting: Option<(u16, std::time::Duration)>,
    /// The first line of the panel under the steps that is shown (the view keeps it in range).
    pub scroll: u16,
    /// The demo's emulated Okta takes public keys (`p`).
    pub demo_okta: bool,
    /// The step whose whole detail the panel shows first (Tab selects one).
    pub selected: Option<usize>,
}

/// What the test screen's keys need from outside it.
pub struct Ctx {
    /// The tested profile's vendor, while the profile exists.
    pub integration: Option<Integration>,
    /// Its host, for a support ticket.
    pub host: Option<String>,
    /// The panel's lines now and how many of them show.
    pub panel_total: usize,
    pub panel_height: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Rerun,
    Rotate,
    Users,
    Edit,
    DpopFix,
    StoreAnyway,
    Back,
    Quit,
    Help,
    Scroll(Scroll),
    CopyPublic,
    WritePublic,
    DemoAddPublic,
    /// The diagnosis, for a support ticket.
    CopyDiagnosis,
    /// Select the next (or previous) step: its whole detail shows in the panel.
    NextStep,
    PrevStep,
}

/// Moving through the diagnosis panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

use Command as C;

pub const KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[Key::Char('u')],
        footer: Some("users"),
        help: "browse the users (after a passed test)",
        command: C::Users,
    },
    Binding {
        keys: &[Key::Char('d')],
        footer: Some("DPoP on + test"),
        help: "turn DPoP on and test again (when Okta requires it)",
        command: C::DpopFix,
    },
    Binding {
        keys: &[Key::Char('f')],
        footer: Some("store anyway"),
        help: "store the new secret although its test failed (the vendor is down)",
        command: C::StoreAnyway,
    },
    Binding {
        keys: &[Key::Char('e')],
        footer: Some("edit"),
        help: "edit the setting the failure points at",
        command: C::Edit,
    },
    Binding {
        keys: &[Key::Char('t')],
        footer: Some("test"),
        help: "test again",
        command: C::Rerun,
    },
    BACK_HOME.with(C::Back),
    Binding {
        keys: &[Key::Char('r')],
        footer: Some("rotate"),
        help: "rotate the secret or key (the new one is tested first)",
        command: C::Rotate,
    },
    Binding {
        keys: &[TAB],
        footer: Some("step details"),
        help: "select a step: its whole detail shows in the panel (Tab again: the next one)",
        command: C::NextStep,
    },
    Binding {
        keys: &[BACKTAB],
        footer: None,
        help: "select the previous step",
        command: C::PrevStep,
    },
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "scroll the diagnosis down",
        command: C::Scroll(Scroll::Down),
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "scroll the diagnosis up",
        command: C::Scroll(Scroll::Up),
    },
    Binding {
        keys: &[PGDN, Key::Char(' ')],
        footer: None,
        help: "scroll a page down",
        command: C::Scroll(Scroll::PageDown),
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "scroll a page up",
        command: C::Scroll(Scroll::PageUp),
    },
    Binding {
        keys: &[HOME, Key::Char('g')],
        footer: None,
        help: "top of the diagnosis",
        command: C::Scroll(Scroll::Top),
    },
    Binding {
        keys: &[END, Key::Char('G')],
        footer: None,
        help: "end of the diagnosis (the vendor's raw answer)",
        command: C::Scroll(Scroll::Bottom),
    },
    COPY_PUBLIC.with(C::CopyPublic),
    WRITE_PUBLIC.with(C::WritePublic),
    DEMO_ADD_PUBLIC.with(C::DemoAddPublic),
    Binding {
        keys: &[Key::Char('i')],
        footer: Some("copy for support"),
        help: "copy the diagnosis for a support ticket (code, request ID, what the tenant said) to the clipboard (OSC 52)",
        command: C::CopyDiagnosis,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

pub fn tables() -> Vec<Table> {
    vec![Table::of("test screen", false, KEYS)]
}

impl CheckScreen {
    pub fn new(profile: &str, demo_okta: bool) -> Self {
        Self {
            run: next_run(),
            profile: profile.to_string(),
            steps: StepId::ALL
                .iter()
                .map(|s| (*s, StepState::Pending))
                .collect(),
            running: true,
            report: None,
            rotation: None,
            promotion: None,
            problem: None,
            waiting: None,
            scroll: 0,
            demo_okta,
            selected: None,
        }
    }

    /// A rotation's test of `candidate`.
    pub fn rotation(profile: &str, demo_okta: bool, candidate: Candidate) -> Self {
        let mut c = Self::new(profile, demo_okta);
        let integration = match candidate {
            Candidate::Secret(_) => Integration::OneTrust,
            Candidate::Key { .. } => Integration::Okta,
        };
        c.rotation = Some(RotationRun {
            integration,
            candidate: Some(candidate),
            replaced: None,
        });
        c
    }

    /// A staged key's test before it becomes current.
    pub fn promotion(profile: &str, demo_okta: bool, key_id: String) -> Self {
        let mut c = Self::new(profile, demo_okta);
        c.promotion = Some(PromotionRun {
            key_id,
            promoted: None,
            retire: String::new(),
        });
        c
    }

    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find_map(|(_, s)| match s {
            StepState::Done(r) if r.status == StepStatus::Failed => Some(r.as_ref()),
            _ => None,
        })
    }

    pub fn passed(&self) -> bool {
        self.report.as_ref().is_some_and(|r| r.ok)
    }

    fn failed_code(&self) -> Option<&str> {
        self.failure()
            .and_then(|f| f.diagnosis.as_ref())
            .map(|d| d.code.as_str())
    }

    /// The setting the failure points at.
    pub fn failed_field(&self) -> Field {
        self.failure()
            .and_then(|f| f.diagnosis.as_ref())
            .map_or(Field::None, |d| d.field)
    }

    pub fn event(&mut self, event: CheckEvent) {
        let (id, state) = match event {
            CheckEvent::Started(id) => (id, StepState::Running),
            CheckEvent::Finished(r) => (r.id, StepState::Done(r)),
            CheckEvent::Waiting { status, wait } => {
                self.waiting = Some((status, wait));
                return;
            }
        };
        self.waiting = None;
        if let Some(slot) = self.steps.iter_mut().find(|(s, _)| *s == id) {
            slot.1 = state;
        }
    }

    /// A rotation's candidate that failed its test and is still held: `t` tries it again, `f`
    /// stores it anyway.
    fn pending_candidate(&self) -> Option<&Candidate> {
        self.rotation
            .as_ref()
            .filter(|r| r.replaced == Some(false))
            .and_then(|r| r.candidate.as_ref())
    }

    pub fn available(&self, cmd: Command) -> bool {
        match cmd {
            C::Back | C::Help | C::Quit | C::Scroll(_) | C::NextStep | C::PrevStep => true,
            _ if self.running => false,
            C::Users => self.passed(),
            C::DpopFix => self.failed_code() == Some(code::OKTA_DPOP_REQUIRED),
            C::StoreAnyway => self.pending_candidate().is_some(),
            C::Rerun | C::Edit | C::Rotate => true,
            // The key Okta does not know yet: hand its public half over from here.
            C::CopyPublic | C::WritePublic => {
                self.failed_code() == Some(code::OKTA_KEY_NOT_REGISTERED)
            }
            C::DemoAddPublic => {
                self.demo_okta && self.failed_code() == Some(code::OKTA_KEY_NOT_REGISTERED)
            }
            C::CopyDiagnosis => self.diagnosed().is_some(),
        }
    }

    pub fn bindings(&self) -> Shown {
        Shown::of(KEYS, |c| self.available(c), false)
    }

    pub fn key(&mut self, key: KeyEvent, ctx: &Ctx) -> Reply {
        match lookup(KEYS, &key, |c| self.available(c)) {
            Some(cmd) => self.command(cmd, ctx),
            None => Reply::none(),
        }
    }

    fn command(&mut self, cmd: Command, ctx: &Ctx) -> Reply {
        let name = self.profile.clone();
        match cmd {
            C::Help => Reply::go(Go::Help),
            C::Quit => Reply::go(Go::Quit),
            C::Back => Reply::effect(Effect::LoadProfiles).and_go(Go::Home),
            // A staged key that failed is tried again as a promotion, not as a plain test.
            C::Rerun
                if self
                    .promotion
                    .as_ref()
                    .is_some_and(|p| p.promoted == Some(false)) =>
            {
                Reply::go(Go::Promote(name))
            }
            // A rejected candidate is tried again, still from memory: the diagnosis's "test
            // again" means the new secret, not the stored one.
            C::Rerun => match self.pending_candidate() {
                Some(candidate) => Reply::go(Go::Rotation(name, candidate.clone())),
                None => Reply::go(Go::Test(name)),
            },
            C::Rotate => Reply::go(Go::Rotate(name)),
            C::Users => Reply::go(Go::Users(name)),
            C::Edit => Reply::go(Go::Edit(name, self.failed_field())),
            C::CopyPublic => self.public_key(PublicKeyAction::Copy),
            C::WritePublic => self.public_key(PublicKeyAction::Write),
            C::DemoAddPublic => self.public_key(PublicKeyAction::DemoAdd),
            C::CopyDiagnosis => match self.ticket(ctx) {
                Some(text) => Reply::effect(Effect::Copy {
                    text,
                    what: "the diagnosis",
                }),
                None => Reply::none(),
            },
            C::Scroll(how) => {
                self.scroll_by(how, ctx.panel_total, ctx.panel_height);
                Reply::none()
            }
            C::NextStep | C::PrevStep => {
                // Through the steps and back to none (the panel as it was).
                let n = self.steps.len();
                let at = self.selected.map_or(n, |i| i);
                let next = if cmd == C::NextStep {
                    (at + 1) % (n + 1)
                } else {
                    (at + n) % (n + 1)
                };
                self.selected = (next < n).then_some(next);
                self.scroll = 0;
                Reply::none()
            }
            // Storing a secret that failed over the stored one is asked first.
            C::StoreAnyway => Reply::go(Go::AskStoreAnyway(name)),
            C::DpopFix => match ctx.integration {
                Some(integration) => Reply::effect(Effect::Save {
                    integration,
                    intent: Intent::Update,
                    draft: Box::new(Draft {
                        name,
                        dpop: Some(true),
                        ..Draft::default()
                    }),
                }),
                None => Reply::none(),
            },
        }
    }

    /// The failure shown, with its diagnosis: a failed step's, else a problem outside the steps.
    fn diagnosed(&self) -> Option<(&ploy_core::diagnose::Diagnosis, &str, Option<StepId>)> {
        if let Some(f) = self.failure()
            && let Some(d) = &f.diagnosis
        {
            return Some((d, &f.detail, Some(f.id)));
        }
        self.problem
            .as_ref()
            .and_then(|p| p.diagnosis.as_ref().map(|d| (d, p.detail.as_str(), None)))
    }

    /// The diagnosis as a support ticket takes it, in the core's words.
    pub fn ticket(&self, ctx: &Ctx) -> Option<String> {
        let (d, detail, step) = self.diagnosed()?;
        let mut about = vec![("Profile", self.profile.clone())];
        if let (Some(i), Some(host)) = (ctx.integration, &ctx.host) {
            about.push(("Tenant", format!("{i} at {host}")));
        }
        if let Some(step) = step {
            about.push(("Step", step.id().to_string()));
        }
        about.push(("ploy-connect", crate::cli::VERSION.to_string()));
        Some(ploy_core::diagnose::ticket(d, detail, &about))
    }

    /// The effect that stores the candidate although its test failed (the admin said yes).
    pub fn store_anyway(&self) -> Vec<Effect> {
        match (self.pending_candidate(), &self.report) {
            (Some(candidate), Some(report)) if !self.running => vec![Effect::StoreAnyway {
                run: self.run,
                name: self.profile.clone(),
                candidate: candidate.clone(),
                report: Box::new(report.clone()),
            }],
            _ => vec![],
        }
    }

    /// The tested key's public half, read from the keyring: the staged one while it is tested.
    fn public_key(&self, action: PublicKeyAction) -> Reply {
        Reply::effect(Effect::PublicKey {
            action,
            key: PublicKeySource::Stored {
                name: self.profile.clone(),
                staged: self.tested_staged(),
            },
            profile: self.profile.clone(),
        })
    }

    /// A result of this screen's run (others are a run left behind, and dropped).
    pub fn update(&mut self, action: Action) -> Reply {
        match action {
            Action::Check { run, event } if run == self.run => self.event(event),
            Action::CheckDone { run, report } if run == self.run => {
                self.running = false;
                self.report = Some(*report);
            }
            Action::CheckFailed { run, error } if run == self.run => {
                self.running = false;
                self.problem = Some(Notice::from(&error));
            }
            Action::Rotated { run, result } if run == self.run => self.rotated(result),
            Action::StoredAnyway { run, result } if run == self.run => self.stored_anyway(result),
            Action::Promoted { run, result } if run == self.run => self.promoted(result),
            _ => {}
        }
        Reply::none()
    }

    fn rotated(&mut self, result: Result<ploy_core::setup::Rotation, ploy_core::app::AppError>) {
        self.running = false;
        match result {
            Ok(r) => {
                if let Some(rot) = self.rotation.as_mut() {
                    rot.replaced = Some(r.replaced);
                    if r.replaced {
                        rot.candidate = None;
                    }
                }
                self.report = Some(r.report);
            }
            Err(e) => {
                // Nothing was stored, and this candidate cannot be.
                if let Some(rot) = self.rotation.as_mut() {
                    rot.replaced = Some(false);
                    rot.candidate = None;
                }
                self.problem = Some(Notice::from(&e));
            }
        }
    }

    fn stored_anyway(&mut self, result: Result<(), ploy_core::app::AppError>) {
        let Some(rot) = self.rotation.as_mut() else {
            return;
        };
        match result {
            Ok(()) => {
                rot.replaced = Some(true);
                rot.candidate = None;
            }
            // The candidate stays: the admin may try again.
            Err(e) => self.problem = Some(Notice::from(&e)),
        }
    }

    fn promoted(&mut self, result: Result<ploy_core::setup::Promotion, ploy_core::app::AppError>) {
        self.running = false;
        match result {
            Ok(p) => {
                if let Some(view) = self.promotion.as_mut() {
                    view.promoted = Some(p.promoted);
                    view.retire = ploy_core::setup::retire_message(&p);
                }
                self.report = Some(p.report);
            }
            Err(e) => {
                if let Some(view) = self.promotion.as_mut() {
                    view.promoted = Some(false);
                }
                self.problem = Some(Notice::from(&e));
            }
        }
    }

    /// Which of the profile's keys this run tested: the staged one while it is promoted.
    pub fn tested_staged(&self) -> bool {
        self.promotion
            .as_ref()
            .is_some_and(|p| p.promoted != Some(true))
    }
}

impl CheckScreen {
    /// Moves the panel by `how`, given its `total` lines and the `height` that shows.
    pub fn scroll_by(&mut self, how: Scroll, total: usize, height: usize) {
        let last = total.saturating_sub(height);
        let page = height.saturating_sub(1).max(1);
        let now = (self.scroll as usize).min(last);
        let next = match how {
            Scroll::Up => now.saturating_sub(1),
            Scroll::Down => now + 1,
            Scroll::PageUp => now.saturating_sub(page),
            Scroll::PageDown => now + page,
            Scroll::Top => 0,
            Scroll::Bottom => last,
        };
        self.scroll = next.min(last).min(u16::MAX as usize) as u16;
    }
}

#[cfg(test)]
mod tests {
    use ploy_core::check::{StepResult, StepStatus};
    use ploy_core::diagnose::Diagnosis;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    /// A finished test that failed because Okta does not know the key yet.
    fn key_not_registered(demo_okta: bool) -> CheckScreen {
        let mut c = CheckScreen::new("corp", demo_okta);
        c.running = false;
        c.event(CheckEvent::Finished(Box::new(StepResult {
            id: StepId::Token,
            status: StepStatus::Failed,
            ms: 5,
            detail: "invalid_client".into(),
            diagnosis: Some(Diagnosis::for_code(
                code::OKTA_KEY_NOT_REGISTERED,
                "corp",
                Some(Integration::Okta),
            )),
        })));
        c
    }

    fn press(c: &mut CheckScreen, ch: char) -> Reply {
        let ctx = Ctx {
            integration: Some(Integration::Okta),
            host: None,
            panel_total: 0,
            panel_height: 0,
        };
        c.key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE), &ctx)
    }

    #[test]
    fn the_demo_key_is_offered_and_taken_by_one_rule() {
        for demo in [false, true] {
            let mut c = key_not_registered(demo);
            let offered = c
                .bindings()
                .footer
                .iter()
                .any(|(_, what)| *what == "add in demo Okta");
            let taken = matches!(
                press(&mut c, 'p').effects.as_slice(),
                [Effect::PublicKey {
                    action: PublicKeyAction::DemoAdd,
                    ..
                }]
            );
            assert_eq!(offered, demo, "offered in the demo only");
            assert_eq!(taken, offered, "taken exactly when offered");
        }
        // Copy and write are for everyone.
        let mut c = key_not_registered(false);
        assert_eq!(press(&mut c, 'c').effects.len(), 1);
    }
}
