//! The live test screen: six steps as they run, then the diagnosis of a failure. It also shows
//! a rotation's test of the candidate secret, and what became of the candidate.

use std::sync::atomic::{AtomicU64, Ordering};

use ploy_core::check::{CheckEvent, Report, StepId, StepResult, StepStatus};
use ploy_core::diagnose::{Field, code};
use ploy_core::setup::Candidate;

use crate::tui::keys::{Binding, ESC, Key, Shown};
use crate::tui::problem::Problem;

#[derive(Clone)]
pub enum StepState {
    Pending,
    Running,
    Done(StepResult),
}

/// A rotation being tested: the candidate stays in memory until stored or dropped.
pub struct RotationView {
    pub candidate: Option<Candidate>,
    /// `Some(true)` once stored, `Some(false)` when the test failed and nothing was replaced.
    pub replaced: Option<bool>,
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
    /// A failure outside the steps (the profile could not be read, the keyring refused).
    pub problem: Option<Problem>,
    /// The tenant asked to wait: its status and how long.
    pub waiting: Option<(u16, std::time::Duration)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Rerun,
    Users,
    Edit,
    DpopFix,
    StoreAnyway,
    Back,
    Quit,
    Help,
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
        footer: Some("DPoP on + re-test"),
        help: "turn DPoP on and re-test (when Okta requires it)",
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
        keys: &[Key::Char('r')],
        footer: Some("re-run"),
        help: "run the test again",
        command: C::Rerun,
    },
    Binding {
        keys: &[ESC, Key::Char('h')],
        footer: Some("home"),
        help: "back to the profiles",
        command: C::Back,
    },
    Binding {
        keys: &[Key::Char('?')],
        footer: Some("help"),
        help: "this help",
        command: C::Help,
    },
    Binding {
        keys: &[Key::Char('q')],
        footer: Some("quit"),
        help: "quit",
        command: C::Quit,
    },
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
            problem: None,
            waiting: None,
        }
    }

    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find_map(|(_, s)| match s {
            StepState::Done(r) if r.status == StepStatus::Failed => Some(r),
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
            C::Back | C::Help | C::Quit => true,
            _ if self.running => false,
            C::Users => self.passed(),
            C::DpopFix => self.failed_code() == Some(code::OKTA_DPOP_REQUIRED),
            C::StoreAnyway => pending_candidate,
            // A rejected candidate is re-tested by rotating again, not by re-running.
            C::Rerun => !pending_candidate,
            C::Edit => true,
        }
    }

    pub fn keys(&self) -> Shown {
        Shown::of(KEYS, |c| self.available(c), false)
    }
}
