//! A small text field: the editing keys admins expect, and pastes with any line endings.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextField {
    text: String,
    /// Byte offset, always on a char boundary.
    cursor: usize,
    multiline: bool,
}

/// Fields hold secrets: `Debug` tells only the length.
impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextField({} chars)", self.text.chars().count())
    }
}

impl TextField {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            cursor: text.len(),
            multiline: false,
        }
    }

    /// A field that keeps line breaks (a pasted PEM).
    pub fn multiline() -> Self {
        Self {
            multiline: true,
            ..Self::default()
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Characters before the cursor, for placing the terminal cursor.
    pub fn cursor_chars(&self) -> usize {
        self.text[..self.cursor].chars().count()
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    pub fn clear(&mut self) {
        self.set("");
    }

    /// Inserts pasted text. A single-line field drops line breaks of any kind; a multi-line
    /// field (a key) keeps the text as pasted, and the core normalises it.
    pub fn paste(&mut self, text: &str) {
        let text = if self.multiline {
            text.to_string()
        } else {
            text.split(['\r', '\n']).collect::<Vec<_>>().join("")
        };
        self.text.insert_str(self.cursor, &text);
        self.cursor += text.len();
    }

    /// Applies an editing key; `true` when the text changed.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.clear();
                true
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                false
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.len();
                false
            }
            KeyCode::Char(c) if !ctrl => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                true
            }
            KeyCode::Backspace => match self.text[..self.cursor].chars().next_back() {
                Some(c) => {
                    self.cursor -= c.len_utf8();
                    self.text.remove(self.cursor);
                    true
                }
                None => false,
            },
            KeyCode::Delete if self.cursor < self.text.len() => {
                self.text.remove(self.cursor);
                true
            }
            KeyCode::Left => {
                if let Some(c) = self.text[..self.cursor].chars().next_back() {
                    self.cursor -= c.len_utf8();
                }
                false
            }
            KeyCode::Right => {
                if let Some(c) = self.text[self.cursor..].chars().next() {
                    self.cursor += c.len_utf8();
                }
                false
            }
            KeyCode::Home => {
                self.cursor = 0;
                false
            }
            KeyCode::End => {
                self.cursor = self.text.len();
                false
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn editing_keys() {
        let mut f = TextField::new("héllo");
        assert!(f.handle_key(key(KeyCode::Backspace)));
        f.handle_key(key(KeyCode::Home));
        f.handle_key(key(KeyCode::Right));
        f.handle_key(key(KeyCode::Right));
        f.handle_key(key(KeyCode::Char('X')));
        assert_eq!(f.text(), "héXll");
        assert_eq!(f.cursor_chars(), 3);
        f.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(f.is_empty());
    }

    #[test]
    fn debug_never_shows_the_text() {
        assert_eq!(
            format!("{:?}", TextField::new("hunter2")),
            "TextField(7 chars)"
        );
    }

    #[test]
    fn single_line_fields_drop_line_breaks_and_multi_line_ones_keep_the_paste() {
        let mut m = TextField::multiline();
        m.paste("a\r\nb\rc\n");
        assert_eq!(m.text(), "a\r\nb\rc\n");
        let mut s = TextField::default();
        s.paste("acme.my.onetrust.com\r\n");
        assert_eq!(s.text(), "acme.my.onetrust.com");
        s.clear();
        s.paste("a\rb");
        assert_eq!(s.text(), "ab");
    }
}
