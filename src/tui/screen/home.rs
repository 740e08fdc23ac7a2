//! Home: the profiles with their last test, its keys and what they do. The selection is the
//! app's (a save or a reload keeps it on its profile); home moves it.

use std::collections::{BTreeMap, BTreeSet};

use ratatui::crossterm::event::KeyEvent;
use time::OffsetDateTime;

use ploy_core::diagnose::Field;
use ploy_core::profile::{LastTest, Profiles};

use crate::tui::bindings::{Binding, HELP, Shown, Table, lookup};
use crate::tui::bindings::{DELETE, DOWN, END, ENTER, HOME, Key, QUIT, UP};
use crate::tui::msg::{Effect, Go, Reply, RunId, next_run};
use crate::tui::notice::Notice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    First,
    Last,
    Add,
    Test,
    TestAll,
    Users,
    Identities,
    Mark,
    Rotate,
    Edit,
    Remove,
    Quit,
    Help,
}

use Command as C;

pub const KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous profile",
        command: C::Up,
    },
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next profile",
        command: C::Down,
    },
    Binding {
        keys: &[HOME, Key::Char('g')],
        footer: None,
        help: "first profile",
        command: C::First,
    },
    Binding {
        keys: &[END, Key::Char('G')],
        footer: None,
        help: "last profile",
        command: C::Last,
    },
    Binding {
        keys: &[Key::Char('a')],
        footer: Some("add"),
        help: "add a connection (wizard)",
        command: C::Add,
    },
    Binding {
        keys: &[Key::Char('t'), ENTER],
        footer: Some("test"),
        help: "test the selected profile",
        command: C::Test,
    },
    Binding {
        keys: &[Key::Char('T')],
        footer: Some("test all"),
        help: "test every profile at once (as the status command does); each row shows its result",
        command: C::TestAll,
    },
    Binding {
        keys: &[Key::Char('r')],
        footer: Some("rotate"),
        help: "rotate its secret or key (the new one is tested first)",
        command: C::Rotate,
    },
    Binding {
        keys: &[Key::Char('u')],
        footer: Some("users"),
        help: "browse its users",
        command: C::Users,
    },
    Binding {
        keys: &[Key::Char('e')],
        footer: Some("edit"),
        help: "edit the selected profile",
        command: C::Edit,
    },
    Binding {
        keys: &[Key::Char(' ')],
        footer: None,
        help: "mark it for the identities screen (I: the marked, or all)",
        command: C::Mark,
    },
    Binding {
        keys: &[Key::Char('I')],
        footer: Some("identities"),
        help: "identities: people across profiles, leavers and orphans flagged",
        command: C::Identities,
    },
    Binding {
        keys: &[DELETE],
        footer: Some("remove"),
        help: "remove it and its secret (asks first)",
        command: C::Remove,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

pub fn tables() -> Vec<Table> {
    vec![Table::of("home", false, KEYS)]
}

/// Commands that act on the selected profile are offered only when there is one; testing
/// them all, when none is being tested that way already.
pub fn available(c: Command, profiles: &Profiles, tests: &AllTests) -> bool {
    match c {
        C::TestAll => !profiles.profiles.is_empty() && !tests.running(),
        C::Test
        | C::Users
        | C::Identities
        | C::Mark
        | C::Rotate
        | C::Edit
        | C::Remove
        | C::First
        | C::Last => !profiles.profiles.is_empty(),
        _ => true,
    }
}

pub fn bindings(profiles: &Profiles, tests: &AllTests) -> Shown {
    Shown::of(KEYS, |c| available(c, profiles, tests), false)
}

/// A key on home: moves `selected` among `profiles`, starts testing them all, or says where
/// to go.
pub fn key(
    key: KeyEvent,
    profiles: &Profiles,
    selected: &mut usize,
    tests: &mut AllTests,
    marked: &mut BTreeSet<String>,
) -> Reply {
    let Some(cmd) = lookup(KEYS, &key, |c| available(c, profiles, tests)) else {
        return Reply::none();
    };
    if cmd == C::TestAll {
        return Reply::effects(tests.start(profiles.profiles.keys().cloned()));
    }
    let last = profiles.profiles.len().saturating_sub(1);
    let name = profiles.profiles.keys().nth(*selected).cloned();
    let go = match (cmd, name) {
        (C::Quit, _) => Go::Quit,
        (C::Help, _) => Go::Help,
        (C::Add, _) => Go::Add,
        (C::First, _) => return moved(selected, 0),
        (C::Last, _) => return moved(selected, last),
        (C::Down, _) => return moved(selected, (*selected + 1).min(last)),
        (C::Up, _) => return moved(selected, selected.saturating_sub(1)),
        (C::Test, Some(n)) => Go::Test(n),
        (C::Users, Some(n)) => Go::Users(n),
        (C::Identities, _) => Go::Identities,
        (C::Mark, Some(n)) => {
            if !marked.remove(&n) {
                marked.insert(n);
            }
            return Reply::none();
        }
        (C::Rotate, Some(n)) => Go::Rotate(n),
        (C::Edit, Some(n)) => Go::Edit(n, Field::None),
        (C::Remove, Some(n)) => Go::AskRemove(n),
        _ => return Reply::none(),
    };
    Reply::go(go)
}

fn moved(selected: &mut usize, to: usize) -> Reply {
    *selected = to;
    Reply::none()
}

/// Every profile tested at once (`T`), as `status` runs them: each row's run, then its result.
/// A result stays on its row until the profile's stored last test is newer.
#[derive(Debug, Default)]
pub struct AllTests {
    pub rows: BTreeMap<String, RowTest>,
}

#[derive(Debug, Clone)]
pub enum RowTest {
    Running(RunId),
    /// The run's outcome as a last test (a failure on this machine, which a profile does not
    /// keep, included).
    Done(LastTest),
    /// The profile could not be tested (removed meanwhile, unreadable).
    Failed {
        at: OffsetDateTime,
        why: String,
    },
}

impl AllTests {
    /// A run for each of `names`, all at once.
    pub fn start(&mut self, names: impl IntoIterator<Item = String>) -> Vec<Effect> {
        self.rows.clear();
        names
            .into_iter()
            .map(|name| {
                let run = next_run();
                self.rows.insert(name.clone(), RowTest::Running(run));
                Effect::RunCheck { run, name }
            })
            .collect()
    }

    pub fn running(&self) -> bool {
        self.rows.values().any(|r| matches!(r, RowTest::Running(_)))
    }

    /// Whether `run` is one of these tests.
    pub fn owns(&self, run: RunId) -> bool {
        self.rows
            .values()
            .any(|r| matches!(r, RowTest::Running(id) if *id == run))
    }

    /// The run `run` ended; once the last one has, what they came to, in a sentence.
    pub fn finished(&mut self, run: RunId, result: RowTest) -> Option<Notice> {
        let row = self
            .rows
            .values_mut()
            .find(|r| matches!(r, RowTest::Running(id) if *id == run))?;
        *row = result;
        if self.running() {
            return None;
        }
        let failed: Vec<&str> = self
            .rows
            .iter()
            .filter(|(_, r)| !matches!(r, RowTest::Done(t) if t.ok))
            .map(|(n, _)| n.as_str())
            .collect();
        let all = self.rows.len();
        Some(if failed.is_empty() {
            Notice::news(format!("Tested {all} profile(s) at once: all passed."))
        } else {
            Notice::failure(format!(
                "Tested {all} profile(s) at once: {} failed ({}). t on its row shows the steps and the fix.",
                failed.len(),
                failed.join(", ")
            ))
        })
    }

    /// What `name`'s row says of this test, unless its stored last test is newer.
    pub fn row(&self, name: &str, stored: Option<&LastTest>) -> Option<&RowTest> {
        let row = self.rows.get(name)?;
        let at = match row {
            RowTest::Running(_) => return Some(row),
            RowTest::Done(t) => t.at,
            RowTest::Failed { at, .. } => *at,
        };
        match stored {
            Some(s) if s.at > at => None,
            _ => Some(row),
        }
    }
}
