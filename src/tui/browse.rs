//! The users screen: a table that fills in the background and is usable while it does.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::TextField;
use crate::diagnose::Diagnosis;
use crate::integration::Integration;
use crate::users::{Column, ExportFormat, User, UserTable};

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

pub enum BrowseOutcome {
    Stay,
    Back,
    Export { format: ExportFormat, path: PathBuf },
}

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
    pub failure: Option<(Diagnosis, String)>,
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

    pub fn handle_key(&mut self, key: KeyEvent, height: u16) -> BrowseOutcome {
        if let Some(prompt) = &mut self.export {
            match key.code {
                KeyCode::Esc => self.export = None,
                KeyCode::Tab => {
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
                KeyCode::Enter if !prompt.path.text().trim().is_empty() => {
                    let out = BrowseOutcome::Export {
                        format: prompt.format,
                        path: PathBuf::from(prompt.path.text().trim()),
                    };
                    self.export = None;
                    return out;
                }
                _ => {
                    prompt.path.handle_key(key);
                }
            }
            return BrowseOutcome::Stay;
        }
        if let Some(filter) = &mut self.filter {
            match key.code {
                KeyCode::Esc => {
                    self.filter = None;
                    self.table.set_filter("");
                }
                KeyCode::Enter => self.filter = None,
                KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                    self.filter = None;
                    return self.handle_key(key, height);
                }
                _ => {
                    if filter.handle_key(key) {
                        let text = filter.text().to_string();
                        self.table.set_filter(&text);
                        self.selected = 0;
                        self.offset = 0;
                    }
                }
            }
            self.clamp(height);
            return BrowseOutcome::Stay;
        }
        let page = table_rows(height);
        match key.code {
            KeyCode::Esc if self.details => self.details = false,
            KeyCode::Esc | KeyCode::Char('h') => return BrowseOutcome::Back,
            KeyCode::Down | KeyCode::Char('j') => self.selected += 1,
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected += page,
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => {
                self.selected = self.table.shown().saturating_sub(1)
            }
            KeyCode::Enter => self.details = !self.details,
            KeyCode::Char('/') => {
                self.filter = Some(TextField::new(self.table.filter()));
            }
            KeyCode::Char('s') => {
                let next = match self.table.sort() {
                    Some((c, _)) => c.next(),
                    None => Column::Name,
                };
                self.table.sort_by(next);
            }
            KeyCode::Char('S') => {
                if let Some((c, _)) = self.table.sort() {
                    self.table.sort_by(c);
                }
            }
            KeyCode::Char('x') => {
                self.export = Some(ExportPrompt {
                    format: ExportFormat::Csv,
                    path: TextField::new(&format!("users-{}.csv", self.profile)),
                });
            }
            _ => {}
        }
        self.clamp(height);
        BrowseOutcome::Stay
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
