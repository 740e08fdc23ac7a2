//! The private-key box of the wizard and the rotate screen. Its text is read and parsed once
//! per change, by the core's `KeySource`, on a task (`Effect::ReadKey`), never while drawing;
//! the result is cached here and only ever shown as what the key is, never its material.

use std::sync::atomic::{AtomicU64, Ordering};

use ploy_core::keys::{KeyInputError, KeySource, ParsedKey};

use super::input::TextField;

/// What the box's current text amounts to.
#[derive(Clone)]
pub enum KeyState {
    Empty,
    /// Being read and parsed on a task.
    Reading,
    Ready(Box<ParsedKey>),
    Invalid(KeyInputError),
}

pub struct KeyBox {
    pub field: TextField,
    /// Bumped on every change, so a late answer for older text is dropped.
    pub generation: u64,
    pub state: KeyState,
    /// The text arrived by paste: never shown, even when it is one line.
    pub pasted: bool,
}

impl Default for KeyBox {
    fn default() -> Self {
        Self {
            field: TextField::multiline(),
            generation: 0,
            state: KeyState::Empty,
            pasted: false,
        }
    }
}

/// Generations are unique across every key box of the session, so an answer can only ever
/// land in the box (and the text) that asked for it.
static GENERATION: AtomicU64 = AtomicU64::new(1);

/// A read to run: the text's generation and where the key comes from.
pub struct ReadKey {
    pub generation: u64,
    pub source: KeySource,
}

impl KeyBox {
    /// The text changed: forget the old result and ask for a read of the new text.
    fn changed(&mut self) -> Option<ReadKey> {
        self.generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        match KeySource::from_input(self.field.text()) {
            None => {
                self.state = KeyState::Empty;
                self.pasted = false;
                None
            }
            Some(source) => {
                self.state = KeyState::Reading;
                Some(ReadKey {
                    generation: self.generation,
                    source,
                })
            }
        }
    }

    /// A paste replaces whatever partial key was there.
    pub fn paste(&mut self, text: &str) -> Option<ReadKey> {
        self.field.clear();
        self.field.paste(text);
        self.pasted = true;
        self.changed()
    }

    /// An editing key; a read when the text changed.
    pub fn key(&mut self, key: ratatui::crossterm::event::KeyEvent) -> Option<ReadKey> {
        if self.field.handle_key(key) {
            if self.field.is_empty() {
                self.pasted = false;
            }
            self.changed()
        } else {
            None
        }
    }

    /// The answer of a read; stale answers are ignored.
    pub fn read(&mut self, generation: u64, result: Result<Box<ParsedKey>, KeyInputError>) {
        if generation != self.generation {
            return;
        }
        self.state = match result {
            Ok(k) => KeyState::Ready(k),
            Err(e) => KeyState::Invalid(e),
        };
    }

    pub fn parsed(&self) -> Option<&ParsedKey> {
        match &self.state {
            KeyState::Ready(k) => Some(k),
            _ => None,
        }
    }

    /// The text may be shown: typed by hand on one line (a path). Pasted text and anything
    /// that looks like key material stays hidden.
    pub fn showable(&self) -> bool {
        !self.pasted && !ploy_core::keys::looks_like_key(self.field.text())
    }

    /// The text's length, for "n lines pasted (hidden)".
    pub fn lines(&self) -> usize {
        self.field.text().lines().count()
    }
}
