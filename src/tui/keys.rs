//! Key bindings as data. Each screen (and each mode of a screen) has one table; the same table
//! turns a key press into the screen's command, writes the footer and fills the help overlay,
//! so the three cannot drift apart. A binding whose command is not available in the current
//! state is neither handled nor shown.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as bindings name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Char(c) => !ctrl && event.code == KeyCode::Char(c),
            Key::Ctrl(c) => ctrl && event.code == KeyCode::Char(c),
            Key::Code(KeyCode::BackTab) => {
                event.code == KeyCode::BackTab
                    || (event.code == KeyCode::Tab && event.modifiers.contains(KeyModifiers::SHIFT))
            }
            Key::Code(KeyCode::Tab) => {
                event.code == KeyCode::Tab && !event.modifiers.contains(KeyModifiers::SHIFT)
            }
            Key::Code(code) => event.code == code,
        }
    }
}

pub const ENTER: Key = Key::Code(KeyCode::Enter);
pub const ESC: Key = Key::Code(KeyCode::Esc);
pub const TAB: Key = Key::Code(KeyCode::Tab);
pub const BACKTAB: Key = Key::Code(KeyCode::BackTab);
pub const UP: Key = Key::Code(KeyCode::Up);
pub const DOWN: Key = Key::Code(KeyCode::Down);
pub const LEFT: Key = Key::Code(KeyCode::Left);
pub const RIGHT: Key = Key::Code(KeyCode::Right);
pub const PGUP: Key = Key::Code(KeyCode::PageUp);
pub const PGDN: Key = Key::Code(KeyCode::PageDown);
pub const HOME: Key = Key::Code(KeyCode::Home);
pub const END: Key = Key::Code(KeyCode::End);
pub const F1: Key = Key::Code(KeyCode::F(1));

/// One line of a table: the keys, how they are written, what they do.
pub struct Binding<C: 'static> {
    pub keys: &'static [Key],
    /// "t, Enter": how the keys are written in the footer and the help.
    pub label: &'static str,
    /// The footer's short text; `None` keeps the binding to the help overlay.
    pub footer: Option<&'static str>,
    /// The help overlay's text.
    pub help: &'static str,
    pub command: C,
}

/// Finds the command for `event` among the bindings `available` allows.
pub fn lookup<C: Copy>(
    table: &[Binding<C>],
    event: &KeyEvent,
    available: impl Fn(C) -> bool,
) -> Option<C> {
    table
        .iter()
        .find(|b| available(b.command) && b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.command)
}

/// The footer's (key, text) pairs; the footer names a binding's first key only.
pub fn footer<C: Copy>(
    table: &[Binding<C>],
    available: impl Fn(C) -> bool,
) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .filter(|b| available(b.command))
        .filter_map(|b| {
            let first = b.label.split(", ").next().unwrap_or(b.label);
            b.footer.map(|f| (first, f))
        })
        .collect()
}

/// The help overlay's (key, text) pairs.
pub fn help<C: Copy>(
    table: &[Binding<C>],
    available: impl Fn(C) -> bool,
) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .filter(|b| available(b.command))
        .map(|b| (b.label, b.help))
        .collect()
}

/// What a screen's active table offers, for the footer and the help overlay.
pub struct Shown {
    pub footer: Vec<(&'static str, &'static str)>,
    pub help: Vec<(&'static str, &'static str)>,
}

impl Shown {
    pub fn of<C: Copy>(table: &[Binding<C>], available: impl Fn(C) -> bool + Copy) -> Self {
        Shown {
            footer: footer(table, available),
            help: help(table, available),
        }
    }
}
