//! Home: the profiles with their last test. Its keys, and the remove confirmation's.

use crate::tui::keys::{Binding, DOWN, ENTER, ESC, Key, UP};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    Add,
    Test,
    Users,
    Rotate,
    Edit,
    Remove,
    Quit,
    Help,
    ConfirmRemove,
    KeepProfile,
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
        help: "rotate its secret or key (tested first)",
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
        footer: None,
        help: "edit the selected profile",
        command: C::Edit,
    },
    Binding {
        keys: &[Key::Char('d')],
        footer: Some("remove"),
        help: "remove it and its secret (asks first)",
        command: C::Remove,
    },
    Binding {
        keys: &[Key::Char('?')],
        footer: Some("help"),
        help: "this help",
        command: C::Help,
    },
    Binding {
        keys: &[Key::Char('q'), ESC],
        footer: Some("quit"),
        help: "quit",
        command: C::Quit,
    },
];

/// While "remove this profile?" is asked.
pub const CONFIRM_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[Key::Char('y'), Key::Char('Y')],
        footer: Some("remove"),
        help: "remove the profile and its secret",
        command: C::ConfirmRemove,
    },
    Binding {
        keys: &[Key::Char('n'), ESC],
        footer: Some("keep"),
        help: "keep it",
        command: C::KeepProfile,
    },
];
