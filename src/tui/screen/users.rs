//! The users screen: a table that fills in the background and is usable while it does.
//! Three key tables: browsing, typing a filter, and the export prompt.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use ploy_core::integration::Integration;
use ploy_core::users::{Column, ExportFormat, User, UserTable};

use crate::tui::input::TextField;
use crate::tui::keys::{
    Binding, DOWN, END, ENTER, ESC, HOME, Key, PGDN, PGUP, Shown, TAB, UP, lookup,
};
use crate::tui::problem::Problem;

/// Rows of screen the table does not get: title, progress, header, footer, borders.
const CHROME_ROWS: u16 = 6;

/// How many table rows fit on a screen of `height`; shared with the view.
pub fn table_rows(height: u16) -> usize {
    height.saturating_sub(CHROME_ROWS).max(1) as usize
}

/// Column widths for a table `width` wide (0 = hidden); shared with the view and mouse clicks.
/// Name and login always get room; status, last login and source follow as space allows.
pub fn column_widths(width: u16) -> [u16; 5] {
    let inner = width.saturating_sub(2);
    let mut fixed = [0u16; 3];
    let mut used = 0;
    for (slot, want) in fixed.iter_mut().zip([16u16, 16, 8]) {
        // Each shown column costs its width plus one space; keep 30 for name and login.
        if inner < used + want + 1 + 30 {
            break;
        }
        *slot = want;
        used += want + 1;
    }
    let rest = inner.saturating_sub(used + 1);
    let name = rest * 9 / 20;
    [name, rest - name, fixed[0], fixed[1], fixed[2]]
}

/// The column under screen column `x` (0 = the table's left border).
pub fn column_at(width: u16, x: u16) -> Option<Column> {
    let mut left = 1;
    for (w, c) in column_widths(width).iter().zip(Column::ALL) {
        if x >= left && x < left + w {
            return Some(c);
        }
        left += w + 1;
    }
    None
}

pub struct ExportPrompt {
    pub format: ExportFormat,
    pub path: TextField,
}

pub enum Outcome {
    Stay,
    Help,
    Back,
    Export { format: ExportFormat, path: PathBuf },
}

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
    Sort,
    Reverse,
    Export,
    Back,
    Help,
    KeepFilter,
    ClearFilter,
    /// Leaves the filter and moves the selection.
    FilterMove(Move),
    SwitchFormat,
    Write,
    CancelExport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Down,
    Up,
    PageDown,
    PageUp,
}

use Command as C;

pub const BROWSE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next user",
        command: C::Down,
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous user",
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
        help: "first user",
        command: C::First,
    },
    Binding {
        keys: &[END, Key::Char('G')],
        footer: None,
        help: "last user",
        command: C::Last,
    },
    Binding {
        keys: &[Key::Char('/')],
        footer: Some("filter"),
        help: "filter by name, email or login",
        command: C::Filter,
    },
    Binding {
        keys: &[Key::Char('s')],
        footer: Some("sort"),
        help: "sort by the next column (or click a header)",
        command: C::Sort,
    },
    Binding {
        keys: &[Key::Char('S')],
        footer: None,
        help: "reverse the sort",
        command: C::Reverse,
    },
    Binding {
        keys: &[ESC],
        footer: Some("close details"),
        help: "close the details",
        command: C::CloseDetails,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("details"),
        help: "details of the selected user",
        command: C::Details,
    },
    Binding {
        keys: &[Key::Char('x')],
        footer: Some("export"),
        help: "export the shown users to CSV or JSON",
        command: C::Export,
    },
    Binding {
        keys: &[ESC, Key::Char('h')],
        footer: Some("back"),
        help: "back to the profiles",
        command: C::Back,
    },
    Binding {
        keys: &[Key::Char('?')],
        footer: Some("help"),
        help: "this help",
        command: C::Help,
    },
];

/// Typing a filter: letters go into it.
pub const FILTER_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[ENTER],
        footer: Some("keep filter"),
        help: "keep the filter and go back to the table",
        command: C::KeepFilter,
    },
    Binding {
        keys: &[ESC],
        footer: Some("clear filter"),
        help: "clear the filter",
        command: C::ClearFilter,
    },
    Binding {
        keys: &[DOWN],
        footer: None,
        help: "keep the filter and move down",
        command: C::FilterMove(Move::Down),
    },
    Binding {
        keys: &[UP],
        footer: None,
        help: "keep the filter and move up",
        command: C::FilterMove(Move::Up),
    },
    Binding {
        keys: &[PGDN],
        footer: None,
        help: "keep the filter and move a screen down",
        command: C::FilterMove(Move::PageDown),
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "keep the filter and move a screen up",
        command: C::FilterMove(Move::PageUp),
    },
];

/// The export prompt: letters go into the file name.
pub const EXPORT_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[TAB],
        footer: Some("format"),
        help: "switch between CSV and JSON",
        command: C::SwitchFormat,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("write"),
        help: "write the file",
        command: C::Write,
    },
    Binding {
        keys: &[ESC],
        footer: Some("cancel"),
        help: "close without writing",
        command: C::CancelExport,
    },
];

pub struct UsersView {
    pub profile: String,
    pub integration: Integration,
    pub table: UserTable,
    pub selected: usize,
    pub offset: usize,
    pub filter: Option<TextField>,
    pub details: bool,
    pub pages: u32,
    pub waits: u32,
    pub waiting: Option<Duration>,
    pub done: bool,
    pub failure: Option<Problem>,
    pub export: Option<ExportPrompt>,
    pub message: Option<String>,
}

impl UsersView {
    pub fn new(profile: &str, integration: Integration) -> Self {
        Self {
            profile: profile.to_string(),
            integration,
            table: UserTable::default(),
            selected: 0,
            offset: 0,
            filter: None,
            details: false,
            pages: 0,
            waits: 0,
            waiting: None,
            done: false,
            failure: None,
            export: None,
            message: None,
        }
    }

    pub fn selected_user(&self) -> Option<&User> {
        self.table.row(self.selected)
    }

    pub fn add_page(&mut self, users: Vec<User>) {
        self.pages += 1;
        self.waiting = None;
        self.table.push(users);
    }

    /// Keeps the selection inside the view and on screen.
    pub fn clamp(&mut self, height: u16) {
        let rows = table_rows(height);
        let shown = self.table.shown();
        self.selected = self.selected.min(shown.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(shown.saturating_sub(rows.min(shown)));
    }

    pub fn click(&mut self, width: u16, x: u16, y: u16, height: u16) {
        // Row 3 is the header (title, progress, border above it).
        const HEADER_ROW: u16 = 3;
        if y == HEADER_ROW {
            if let Some(c) = column_at(width, x) {
                self.table.sort_by(c);
            }
        } else if y > HEADER_ROW {
            self.selected = self.offset + (y - HEADER_ROW - 1) as usize;
            self.clamp(height);
        }
    }

    /// The table of the mode the screen is in.
    pub fn table_keys(&self) -> &'static [Binding<Command>] {
        if self.export.is_some() {
            EXPORT_KEYS
        } else if self.filter.is_some() {
            FILTER_KEYS
        } else {
            BROWSE_KEYS
        }
    }

    /// Whether letters are typed into a field.
    pub fn typing(&self) -> bool {
        self.export.is_some() || self.filter.is_some()
    }

    fn available(&self, cmd: Command) -> bool {
        match cmd {
            C::CloseDetails => self.details,
            C::Back => !self.details,
            C::Reverse => self.table.sort().is_some(),
            _ => true,
        }
    }

    pub fn keys(&self) -> Shown {
        Shown::of(self.table_keys(), |c| self.available(c), self.typing())
    }

    pub fn handle_key(&mut self, key: KeyEvent, height: u16) -> Outcome {
        match lookup(self.table_keys(), &key, |c| self.available(c)) {
            Some(cmd) => self.command(cmd, height),
            None => {
                self.type_key(key);
                self.clamp(height);
                Outcome::Stay
            }
        }
    }

    fn type_key(&mut self, key: KeyEvent) {
        if let Some(prompt) = &mut self.export {
            prompt.path.handle_key(key);
        } else if let Some(filter) = &mut self.filter
            && filter.handle_key(key)
        {
            let text = filter.text().to_string();
            self.table.set_filter(&text);
            self.selected = 0;
            self.offset = 0;
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(prompt) = &mut self.export {
            prompt.path.paste(text);
        } else if let Some(f) = &mut self.filter {
            f.paste(text);
            let t = f.text().to_string();
            self.table.set_filter(&t);
        }
    }

    pub fn command(&mut self, cmd: Command, height: u16) -> Outcome {
        let page = table_rows(height);
        match cmd {
            C::Help => return Outcome::Help,
            C::Back => return Outcome::Back,
            C::Down => self.selected += 1,
            C::Up => self.selected = self.selected.saturating_sub(1),
            C::PageDown => self.selected += page,
            C::PageUp => self.selected = self.selected.saturating_sub(page),
            C::First => self.selected = 0,
            C::Last => self.selected = self.table.shown().saturating_sub(1),
            C::Details => self.details = !self.details,
            C::CloseDetails => self.details = false,
            C::Filter => self.filter = Some(TextField::new(self.table.filter())),
            C::Sort => {
                let next = match self.table.sort() {
                    Some((c, _)) => c.next(),
                    None => Column::Name,
                };
                self.table.sort_by(next);
            }
            C::Reverse => {
                if let Some((c, _)) = self.table.sort() {
                    self.table.sort_by(c);
                }
            }
            C::Export => {
                self.export = Some(ExportPrompt {
                    format: ExportFormat::Csv,
                    path: TextField::new(&format!("users-{}.csv", self.profile)),
                });
            }
            C::KeepFilter => self.filter = None,
            C::ClearFilter => {
                self.filter = None;
                self.table.set_filter("");
            }
            C::FilterMove(m) => {
                self.filter = None;
                let next = match m {
                    Move::Down => C::Down,
                    Move::Up => C::Up,
                    Move::PageDown => C::PageDown,
                    Move::PageUp => C::PageUp,
                };
                return self.command(next, height);
            }
            C::SwitchFormat => {
                if let Some(prompt) = &mut self.export {
                    prompt.format = match prompt.format {
                        ExportFormat::Csv => ExportFormat::Json,
                        ExportFormat::Json => ExportFormat::Csv,
                    };
                    let path = prompt.path.text().to_string();
                    let swapped = match prompt.format {
                        ExportFormat::Csv => path.replace(".json", ".csv"),
                        ExportFormat::Json => path.replace(".csv", ".json"),
                    };
                    prompt.path.set(&swapped);
                }
            }
            C::Write => {
                if let Some(prompt) = &self.export
                    && !prompt.path.text().trim().is_empty()
                {
                    let out = Outcome::Export {
                        format: prompt.format,
                        path: PathBuf::from(prompt.path.text().trim()),
                    };
                    self.export = None;
                    return out;
                }
            }
            C::CancelExport => self.export = None,
        }
        self.clamp(height);
        Outcome::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_width_and_clicks_find_them() {
        let w = column_widths(80);
        assert_eq!(w.iter().sum::<u16>() + 4 + 2, 80);
        let narrow = column_widths(48);
        assert!(narrow[0] >= 12 && narrow[1] >= 12, "{narrow:?}");
        assert_eq!(narrow[4], 0, "source is the first to go");
        assert_eq!(column_at(80, 1), Some(Column::Name));
        assert_eq!(column_at(80, 79), None);
        let status_x = 1 + w[0] + 1 + w[1] + 1;
        assert_eq!(column_at(80, status_x), Some(Column::Status));
    }
}
