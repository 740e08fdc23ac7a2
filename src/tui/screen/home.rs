//! Home: the profiles with their last test, and its keys.

use crate::tui::keys::{Binding, HELP};
use crate::tui::keys::{DELETE, DOWN, END, ENTER, HOME, Key, QUIT, UP};

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
