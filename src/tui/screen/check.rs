//! The live test screen: six steps as they run, then the diagnosis of a failure. It also shows
//! a rotation's test of the candidate secret, and what became of the candidate.

use std::sync::atomic::{AtomicU64, Ordering};

use ploy_core::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use ploy_core::diagnose::{Field, code};
use ploy_core::setup::Candidate;

use crate::tui::keys::{
    BACK_HOME, Binding, COPY_PUBLIC, DEMO_ADD_PUBLIC, DOWN, END, HELP, HOME, Key, PGDN, PGUP, QUIT,
    Shown, UP, WRITE_PUBLIC,
};
use crate::tui::problem::Problem;

#[derive(Clone)]
pub enum StepState {
    Pending,
    Running,
    Done(Box<StepResult>),
}

/// A rotation being tested: the candidate stays in memory until stored or dropped.
pub struct RotationView {
    pub candidate: Option<Candidate>,
    /// `Some(true)` once stored, `Some(false)` when the test failed and nothing was replaced.
    pub replaced: Option<bool>,
}

/// A staged key being tested before it becomes the current one.
pub struct PromotionView {
    pub key_id: String,
    /// `Some(true)` once it is current, `Some(false)` when its test failed and nothing changed.
    pub promoted: Option<bool>,
    /// The key to retire in Okta, when known.
    pub retired: Option<String>,
}

/// Tells one test run from another, so a run left behind never writes into a newer one.
pub type RunId = u64;

static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

pub struct CheckView {
    pub run: RunId,
    pub profile: String,
    pub steps: Vec<(StepId, StepState)>,
    pub running: bool,
    pub report: Option<Report>,
    pub rotation: Option<RotationView>,
    pub promotion: Option<PromotionView>,
    /// A failure outside the steps (the profile could not be read, the keyring refused).
    pub problem: Option<Problem>,
    /// The tenant asked to wait: its status and how long.
    pub waiting: Option<(u16, std::time::Duration)>,
    /// The first line of the panel under the steps that is shown (the view keeps it in range).
    pub scroll: u16,
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
    Binding {
        keys: &[Key::Char('r')],
        footer: Some("rotate"),
        help: "rotate the secret or key (the new one is tested first)",
        command: C::Rotate,
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
    BACK_HOME.with(C::Back),
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

impl CheckView {
    pub fn new(profile: &str) -> Self {
        Self {
            run: NEXT_RUN.fetch_add(1, Ordering::Relaxed),
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
        }
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

    pub fn available(&self, cmd: Command) -> bool {
        let pending_candidate = self
            .rotation
            .as_ref()
            .is_some_and(|r| r.replaced == Some(false) && r.candidate.is_some());
        match cmd {
            C::Back | C::Help | C::Quit | C::Scroll(_) => true,
            _ if self.running => false,
            C::Users => self.passed(),
            C::DpopFix => self.failed_code() == Some(code::OKTA_DPOP_REQUIRED),
            C::StoreAnyway => pending_candidate,
            // A rejected candidate is re-tested by rotating again, not by re-running.
            C::Rerun => !pending_candidate,
            C::Edit | C::Rotate => true,
            // The key Okta does not know yet: hand its public half over from here.
            C::CopyPublic | C::WritePublic | C::DemoAddPublic => {
                self.failed_code() == Some(code::OKTA_KEY_NOT_REGISTERED)
            }
        }
    }

    pub fn keys(&self, demo_okta: bool) -> Shown {
        Shown::of(
            KEYS,
            |c| self.available(c) && (c != C::DemoAddPublic || demo_okta),
            false,
        )
    }

    /// Which of the profile's keys this run tested: the staged one while it is promoted.
    pub fn tested_staged(&self) -> bool {
        self.promotion
            .as_ref()
            .is_some_and(|p| p.promoted != Some(true))
    }
}

impl CheckView {
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
