//! Home: the profiles with their last test, its keys and what they do. The selection is the
//! app's (a save or a reload keeps it on its profile); home moves it.

use ratatui::crossterm::event::KeyEvent;

use ploy_core::diagnose::Field;
use ploy_core::profile::Profiles;

use crate::tui::bindings::{Binding, HELP, Shown, Table, lookup};
use crate::tui::bindings::{DELETE, DOWN, END, ENTER, HOME, Key, QUIT, UP};
use crate::tui::msg::{Go, Reply};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    First,
    Last,
    Add,
    Test,
    Users,
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

/// Commands that act on the selected profile are offered only when there is one.
pub fn available(c: Command, profiles: &Profiles) -> bool {
    !matches!(
        c,
        C::Test | C::Users | C::Rotate | C::Edit | C::Remove | C::First | C::Last
    ) || !profiles.profiles.is_empty()
}

pub fn bindings(profiles: &Profiles) -> Shown {
    Shown::of(KEYS, |c| available(c, profiles), false)
}

/// A key on home: moves `selected` among `profiles`, or says where to go.
pub fn key(key: KeyEvent, profiles: &Profiles, selected: &mut usize) -> Reply {
    let Some(cmd) = lookup(KEYS, &key, |c| available(c, profiles)) else {
        return Reply::none();
    };
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
