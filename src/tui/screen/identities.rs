//! The identities screen: every profile read at once, joined person by person in the core,
//! with how many people carry each flag at the top, a filter that takes `flag:orphan`
//! (`unsure:`, `profile:`) and words, and Enter for a person's accounts and what each holds.

use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use ploy_core::app::AppError;
use ploy_core::identities::{Identities, Query, ReadProgress};
use ploy_core::integration::Integration;

use crate::tui::bindings::{
    BACK_HOME, Binding, DOWN, END, ENTER, ESC, HELP, HOME, Key, PGDN, PGUP, QUIT, Shown, Table, UP,
    lookup,
};
use crate::tui::input::TextField;
use crate::tui::msg::{Action, Effect, Go, Reply};
use crate::tui::notice::Notice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    Details,
    CloseDetails,
    Filter,
    KeepFilter,
    ClearFilter,
    Back,
    Help,
    Quit,
}

use Command as C;

pub const BROWSE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next person",
        command: C::Down,
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous person",
        command: C::Up,
    },
    Binding {
        keys: &[PGDN],
        footer: None,
        help: "a screen down",
        command: C::PageDown,
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "a screen up",
        command: C::PageUp,
    },
    Binding {
        keys: &[HOME, Key::Char('g')],
        footer: None,
        help: "first person",
        command: C::First,
    },
    Binding {
        keys: &[END, Key::Char('G')],
        footer: None,
        help: "last person",
        command: C::Last,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("accounts"),
        help: "the person's accounts in each profile and what each holds",
        command: C::Details,
    },
    Binding {
        keys: &[Key::Char('/')],
        footer: Some("filter"),
        help: "filter: flag:orphan (also leaver_with_access, dormant, never_logged_in, or their start), unsure:orphan, profile:NAME, and words in the email, name or login",
        command: C::Filter,
    },
    BACK_HOME.with(C::Back),
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

/// Typing the filter: letters go into it.
pub const FILTER_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[ENTER],
        footer: Some("keep filter"),
        help: "keep the filter and go back to the list",
        command: C::KeepFilter,
    },
    Binding {
        keys: &[ESC],
        footer: Some("clear filter"),
        help: "clear the filter",
        command: C::ClearFilter,
    },
];

/// A person's accounts, over the list.
pub const DETAILS_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "scroll down",
        command: C::Down,
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "scroll up",
        command: C::Up,
    },
    Binding {
        keys: &[ESC, ENTER],
        footer: Some("close"),
        help: "back to the people",
        command: C::CloseDetails,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

pub fn tables() -> Vec<Table> {
    vec![
        Table::of("identities", false, BROWSE_KEYS),
        Table::of("identities filter", true, FILTER_KEYS),
        Table::of("identities accounts", false, DETAILS_KEYS),
    ]
}

/// One profile being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub name: String,
    pub integration: Integration,
    pub read: u64,
    pub total: Option<u64>,
    /// What is being read before the users (Okta's entitlements): "Groups 40/120".
    pub step: Option<String>,
    pub failed: bool,
}

pub struct IdentitiesScreen {
    pub profiles: Vec<Reading>,
    /// Each profile's failure, said under the counts.
    pub failures: Vec<Notice>,
    pub ids: Option<Arc<Identities>>,
    /// The people the filter lets through, by index.
    pub shown: Vec<u32>,
    pub selected: usize,
    pub offset: usize,
    pub filter: Option<TextField>,
    /// The filter in force (kept when typing is done).
    pub applied: String,
    pub filter_error: Option<String>,
    /// The open person's accounts, scrolled this far.
    pub details: Option<usize>,
}

impl IdentitiesScreen {
    pub fn new(profiles: impl IntoIterator<Item = (String, Integration)>) -> Self {
        Self {
            profiles: profiles
                .into_iter()
                .map(|(name, integration)| Reading {
                    name,
                    integration,
                    read: 0,
                    total: None,
                    step: None,
                    failed: false,
                })
                .collect(),
            failures: Vec::new(),
            ids: None,
            shown: Vec::new(),
            selected: 0,
            offset: 0,
            filter: None,
            applied: String::new(),
            filter_error: None,
            details: None,
        }
    }

    /// The effect that reads them.
    pub fn fetch(&self) -> Effect {
        Effect::FetchIdentities(self.profiles.iter().map(|p| p.name.clone()).collect())
    }

    pub fn done(&self) -> bool {
        self.ids.is_some()
    }

    fn table(&self) -> &'static [Binding<Command>] {
        if self.filter.is_some() {
            FILTER_KEYS
        } else if self.details.is_some() {
            DETAILS_KEYS
        } else {
            BROWSE_KEYS
        }
    }

    fn available(&self, c: Command) -> bool {
        match c {
            C::Details => self.selected_person().is_some(),
            C::Filter => self.done(),
            _ => true,
        }
    }

    pub fn bindings(&self) -> Shown {
        Shown::of(self.table(), |c| self.available(c), self.filter.is_some())
    }

    /// The selected person's index, if any is shown.
    pub fn selected_person(&self) -> Option<usize> {
        self.shown.get(self.selected).map(|p| *p as usize)
    }

    pub fn key(&mut self, key: KeyEvent, rows: usize) -> Reply {
        let Some(cmd) = lookup(self.table(), &key, |c| self.available(c)) else {
            if let Some(f) = &mut self.filter
                && f.handle_key(key)
            {
                self.refilter();
            }
            return Reply::none();
        };
        let last = self.shown.len().saturating_sub(1);
        match cmd {
            C::Quit => return Reply::go(Go::Quit),
            C::Help => return Reply::go(Go::Help),
            C::Back => return Reply::effect(Effect::StopUsers).and_go(Go::Home),
            C::Details => self.details = Some(0),
            C::CloseDetails => self.details = None,
            C::Down if self.details.is_some() => {
                self.details = self.details.map(|d| d + 1);
            }
            C::Up if self.details.is_some() => {
                self.details = self.details.map(|d| d.saturating_sub(1));
            }
            C::Down => self.select(self.selected + 1, rows),
            C::Up => self.select(self.selected.saturating_sub(1), rows),
            C::PageDown => self.select(self.selected + rows.max(1), rows),
            C::PageUp => self.select(self.selected.saturating_sub(rows.max(1)), rows),
            C::First => self.select(0, rows),
            C::Last => self.select(last, rows),
            C::Filter => self.filter = Some(TextField::new(&self.applied)),
            C::KeepFilter => self.filter = None,
            C::ClearFilter => {
                self.filter = None;
                self.applied.clear();
                self.refilter();
            }
        }
        Reply::none()
    }

    pub fn paste(&mut self, text: &str) -> Reply {
        if let Some(f) = &mut self.filter {
            f.paste(text);
            self.refilter();
        }
        Reply::none()
    }

    fn select(&mut self, to: usize, rows: usize) {
        self.selected = to.min(self.shown.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if rows > 0 && self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    /// The filter as typed, applied; a term that names no flag says so and keeps the list.
    fn refilter(&mut self) {
        if let Some(f) = &self.filter {
            self.applied = f.text().to_string();
        }
        let Some(ids) = &self.ids else { return };
        match Query::parse(&self.applied) {
            Ok(q) => {
                self.filter_error = None;
                self.shown = if q.is_empty() {
                    (0..ids.len() as u32).collect()
                } else {
                    q.filter(ids)
                };
                self.selected = 0;
                self.offset = 0;
            }
            Err(e) => self.filter_error = Some(e),
        }
    }

    pub fn update(&mut self, action: Action) -> Reply {
        match action {
            Action::IdentitiesRead { profile, progress } => {
                if let Some(r) = self.profiles.get_mut(profile) {
                    match progress {
                        ReadProgress::Entitlements { kind, done, total } => {
                            r.step = Some(format!("{} {done}/{total}", kind.plural()));
                        }
                        ReadProgress::Users { read, total } => {
                            r.step = None;
                            r.read = read;
                            r.total = total;
                        }
                    }
                }
            }
            Action::IdentitiesFailed { profile, error } => {
                if let Some(r) = self.profiles.get_mut(profile) {
                    r.failed = true;
                }
                self.failures.push(notice_of(&error));
            }
            Action::IdentitiesJoined(ids) => {
                self.ids = Some(ids);
                self.refilter();
            }
            _ => {}
        }
        Reply::none()
    }
}

fn notice_of(e: &AppError) -> Notice {
    Notice::from(e)
}
