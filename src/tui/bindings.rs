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
pub const F2: Key = Key::Code(KeyCode::F(2));
pub const DELETE: Key = Key::Code(KeyCode::Delete);

impl Key {
    /// How the key is written in the footer and the help.
    pub fn name(self) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Code(code) => match code {
                KeyCode::Enter => "Enter".into(),
                KeyCode::Esc => "Esc".into(),
                KeyCode::Tab => "Tab".into(),
                KeyCode::BackTab => "Shift-Tab".into(),
                KeyCode::Up => "↑".into(),
                KeyCode::Down => "↓".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::Home => "Home".into(),
                KeyCode::End => "End".into(),
                KeyCode::Delete => "Del".into(),
                KeyCode::F(n) => format!("F{n}"),
                other => format!("{other:?}"),
            },
        }
    }
}

/// One line of a table: the keys and what they do. How the keys are written is derived from
/// the keys themselves, so a label can never name a key the handler does not take.
pub struct Binding<C: 'static> {
    pub keys: &'static [Key],
    /// The footer's short text; `None` keeps the binding to the help overlay.
    pub footer: Option<&'static str>,
    /// The help overlay's text.
    pub help: &'static str,
    pub command: C,
}

/// A binding every screen words the same way; `with` gives it the screen's command.
pub struct Shared {
    pub keys: &'static [Key],
    pub footer: Option<&'static str>,
    pub help: &'static str,
}

impl Shared {
    pub const fn with<C>(&self, command: C) -> Binding<C> {
        Binding {
            keys: self.keys,
            footer: self.footer,
            help: self.help,
            command,
        }
    }
}

/// `?` opens the help on every screen where letters are not typed into a field (F1 always).
pub const HELP: Shared = Shared {
    keys: &[Key::Char('?')],
    footer: Some("help"),
    help: "this help",
};

/// `q` quits on every screen where letters are not typed into a field (Ctrl-C always).
pub const QUIT: Shared = Shared {
    keys: &[Key::Char('q')],
    footer: Some("quit"),
    help: "quit (asks first while a save or an export runs)",
};

/// Esc (or `h`) goes back to the profiles from a screen about one profile.
pub const BACK_HOME: Shared = Shared {
    keys: &[ESC, Key::Char('h')],
    footer: Some("home"),
    help: "back to the profiles",
};

/// A public key on screen: copy it, write it to a file, or (in the demo) add it to the
/// emulated Okta app. The same letters wherever a public key is shown.
pub const COPY_PUBLIC: Shared = Shared {
    keys: &[Key::Char('c')],
    footer: Some("copy key"),
    help: "copy the public key (JWK) to the clipboard (OSC 52: works over SSH where the terminal allows it)",
};

pub const WRITE_PUBLIC: Shared = Shared {
    keys: &[Key::Char('w')],
    footer: Some("write key"),
    help: "write the public key (JWK) to a file in the current directory",
};

pub const DEMO_ADD_PUBLIC: Shared = Shared {
    keys: &[Key::Char('p')],
    footer: Some("add in demo Okta"),
    help: "demo only: add the public key to the emulated Okta app, as its admin would",
};

/// A guide or a panel over the screen taller than its room: PgDn and PgUp move it (they are
/// never typed, so they work in text fields too). The panel marks that there is more, and
/// with which key, rather than the footer.
pub const MORE: Shared = Shared {
    keys: &[PGDN],
    footer: None,
    help: "scroll the guide down",
};

pub const LESS: Shared = Shared {
    keys: &[PGUP],
    footer: None,
    help: "scroll the guide up",
};

/// A public key taller than its panel: ↓ and ↑ move it.
pub const KEY_DOWN: Shared = Shared {
    keys: &[DOWN],
    footer: None,
    help: "scroll the public key down",
};

pub const KEY_UP: Shared = Shared {
    keys: &[UP],
    footer: None,
    help: "scroll the public key up",
};

/// Answering a yes/no question (remove a profile, quit during a save).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

pub const ANSWER_KEYS: &[Binding<Answer>] = &[
    Binding {
        keys: &[Key::Char('y'), Key::Char('Y')],
        footer: Some("yes"),
        help: "yes",
        command: Answer::Yes,
    },
    Binding {
        keys: &[Key::Char('n'), Key::Char('N'), ESC],
        footer: Some("no"),
        help: "no",
        command: Answer::No,
    },
];

impl<C> Binding<C> {
    /// "↑ k": every key of the binding.
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The footer names the first key only.
    pub fn first_key(&self) -> String {
        self.keys.first().map(|k| k.name()).unwrap_or_default()
    }
}

/// A key table as the rules that span screens see it (a letter means one thing everywhere,
/// help and quit are offered outside text fields): each screen registers its tables
/// (`screen::tables`), so a new one is checked with the others.
pub struct Table {
    pub name: &'static str,
    /// Letters go into a text field while this table is active.
    pub typing: bool,
    /// Each binding's keys, footer and help.
    pub rows: Vec<(&'static [Key], Option<&'static str>, &'static str)>,
}

impl Table {
    pub fn of<C>(name: &'static str, typing: bool, table: &[Binding<C>]) -> Self {
        Table {
            name,
            typing,
            rows: table.iter().map(|b| (b.keys, b.footer, b.help)).collect(),
        }
    }
}

/// What every screen shares, checked before the screen's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Quit,
    Help,
    /// The status message whole, in a panel.
    Message,
}

pub const GLOBAL_KEYS: &[Binding<Global>] = &[
    Binding {
        keys: &[Key::Ctrl('c')],
        footer: None,
        help: "quit, from anywhere",
        command: Global::Quit,
    },
    Binding {
        keys: &[F1],
        footer: None,
        help: "this help, from anywhere (also ? outside a text field)",
        command: Global::Help,
    },
    Binding {
        keys: &[F2],
        footer: None,
        help: "the status message whole, in a panel, from anywhere",
        command: Global::Message,
    },
];

/// In a panel over the screen (the help, the whole status message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Scroll(crate::tui::scroll::Step),
    Close,
}

pub const OVERLAY_KEYS: &[Binding<Overlay>] = {
    use crate::tui::scroll::Step;
    &[
        Binding {
            keys: &[DOWN, Key::Char('j')],
            footer: None,
            help: "scroll down",
            command: Overlay::Scroll(Step::Down),
        },
        Binding {
            keys: &[UP, Key::Char('k')],
            footer: None,
            help: "scroll up",
            command: Overlay::Scroll(Step::Up),
        },
        Binding {
            keys: &[PGDN, Key::Char(' ')],
            footer: None,
            help: "a page down",
            command: Overlay::Scroll(Step::PageDown),
        },
        Binding {
            keys: &[PGUP],
            footer: None,
            help: "a page up",
            command: Overlay::Scroll(Step::PageUp),
        },
        Binding {
            keys: &[HOME, Key::Char('g')],
            footer: None,
            help: "top",
            command: Overlay::Scroll(Step::Top),
        },
        Binding {
            keys: &[END, Key::Char('G')],
            footer: None,
            help: "end",
            command: Overlay::Scroll(Step::Bottom),
        },
        Binding {
            keys: &[ESC],
            footer: Some("close"),
            help: "close (so does any other key)",
            command: Overlay::Close,
        },
    ]
};

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
) -> Vec<(String, &'static str)> {
    table
        .iter()
        .filter(|b| available(b.command))
        .filter_map(|b| b.footer.map(|f| (b.first_key(), f)))
        .collect()
}

/// The help overlay's (key, text) pairs: the table's, then the global keys.
pub fn help<C: Copy>(
    table: &[Binding<C>],
    available: impl Fn(C) -> bool,
) -> Vec<(String, &'static str)> {
    table
        .iter()
        .filter(|b| available(b.command))
        .map(|b| (b.label(), b.help))
        .chain(GLOBAL_KEYS.iter().map(|b| (b.label(), b.help)))
        .collect()
}

/// What a screen's active table offers, for the footer and the help overlay.
pub struct Shown {
    pub footer: Vec<(String, &'static str)>,
    pub help: Vec<(String, &'static str)>,
}

impl Shown {
    /// `typing`: letters go into a field, so the footer points at F1 for help.
    pub fn of<C: Copy>(
        table: &[Binding<C>],
        available: impl Fn(C) -> bool + Copy,
        typing: bool,
    ) -> Self {
        let mut footer = footer(table, available);
        if typing {
            footer.push((F1.name(), "help"));
        }
        Shown {
            footer,
            help: help(table, available),
        }
    }
}
