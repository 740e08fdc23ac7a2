//! The rotate screen: the new secret (OneTrust) or key (Okta) is entered here; the core tests
//! it before it replaces anything.

use ratatui::crossterm::event::KeyEvent;

use ploy_core::integration::Integration;
use ploy_core::setup::{self, Candidate};
use ploy_core::validate;

use crate::tui::input::TextField;
use crate::tui::keybox::{KeyBox, KeyState, ReadKey};
use crate::tui::keys::{BACKTAB, Binding, ENTER, ESC, Shown, TAB, lookup};
use crate::tui::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    NextField,
    Submit,
    Cancel,
}

use Command as C;

pub const KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[TAB, BACKTAB],
        footer: Some("key ID"),
        help: "the key ID field (Okta)",
        command: C::NextField,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("test, then store"),
        help: "test the new secret; only a passing test replaces the stored one",
        command: C::Submit,
    },
    Binding {
        keys: &[ESC],
        footer: Some("cancel"),
        help: "back to the profiles; nothing changes",
        command: C::Cancel,
    },
];

pub enum Outcome {
    Stay,
    Help,
    Cancel,
    ReadKey(ReadKey),
    Rotate(Candidate),
}

pub struct RotateView {
    pub profile: String,
    pub integration: Integration,
    pub secret: TextField,
    pub key: KeyBox,
    pub key_id: TextField,
    pub focus: usize,
    pub error: Option<Problem>,
}

impl RotateView {
    pub fn new(profile: &str, integration: Integration) -> Self {
        Self {
            profile: profile.to_string(),
            integration,
            secret: TextField::default(),
            key: KeyBox::default(),
            key_id: TextField::default(),
            focus: 0,
            error: None,
        }
    }

    fn available(&self, cmd: Command) -> bool {
        cmd != C::NextField || self.integration == Integration::Okta
    }

    pub fn keys(&self) -> Shown {
        Shown::of(KEYS, |c| self.available(c), true)
    }

    pub fn paste(&mut self, text: &str) -> Outcome {
        match (self.integration, self.focus) {
            (Integration::OneTrust, _) => {
                self.secret.clear();
                self.secret.paste(text);
            }
            (Integration::Okta, 0) => {
                return self.key.paste(text).map_or(Outcome::Stay, Outcome::ReadKey);
            }
            (Integration::Okta, _) => self.key_id.paste(text),
        }
        Outcome::Stay
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Outcome {
        let cmd = lookup(KEYS, &key, |c| self.available(c));
        match cmd {
            Some(C::Cancel) => Outcome::Cancel,
            Some(C::NextField) => {
                self.focus = (self.focus + 1) % 2;
                Outcome::Stay
            }
            Some(C::Submit) => match self.candidate() {
                Ok(c) => {
                    self.error = None;
                    Outcome::Rotate(c)
                }
                Err(e) => {
                    self.error = Some(Problem::message(e));
                    Outcome::Stay
                }
            },
            None => match (self.integration, self.focus) {
                (Integration::OneTrust, _) => {
                    self.secret.handle_key(key);
                    Outcome::Stay
                }
                (Integration::Okta, 0) => self.key.key(key).map_or(Outcome::Stay, Outcome::ReadKey),
                (Integration::Okta, _) => {
                    self.key_id.handle_key(key);
                    Outcome::Stay
                }
            },
        }
    }

    /// The candidate, checked with the same rules as everywhere else.
    pub fn candidate(&self) -> Result<Candidate, String> {
        match self.integration {
            Integration::OneTrust => validate::client_secret(self.secret.text())
                .map(|c| Candidate::Secret(c.value))
                .map_err(|e| e.to_string()),
            Integration::Okta => match &self.key.state {
                KeyState::Ready(k) => {
                    // The same key ID rule as everywhere: checked before anything runs.
                    setup::resolve_key_id(Some(&k.key), Some(self.key_id.text()))
                        .map_err(|e| e.to_string())?;
                    Ok(Candidate::Key {
                        key: k.clone(),
                        key_id: Some(self.key_id.text().to_string()),
                    })
                }
                KeyState::Invalid(e) => Err(e.to_string()),
                KeyState::Reading => Err("reading the key…".into()),
                KeyState::Empty => {
                    Err("paste the new private key, or type the path of a file holding it".into())
                }
            },
        }
    }
}
