//! The rotate screen. OneTrust: the new secret is entered here. Okta: either a new key pair is
//! made here and staged beside the current key (which keeps working) until the admin has added
//! its public half in Okta and the test proves it — rotation without downtime — or a new key
//! from Okta is pasted. The core tests before anything is replaced.

use ratatui::crossterm::event::KeyEvent;

use ploy_core::app::AppError;
use ploy_core::integration::Integration;
use ploy_core::profile::Profile;
use ploy_core::setup::{self, Candidate, PublicKeys, Staged};
use ploy_core::validate;

use crate::tui::bindings::{
    BACKTAB, Binding, COPY_PUBLIC, DEMO_ADD_PUBLIC, ENTER, ESC, HELP, KEY_DOWN, KEY_UP, Key, LEFT,
    LESS, MORE, QUIT, RIGHT, Shown, TAB, Table, WRITE_PUBLIC, lookup,
};
use crate::tui::input::TextField;
use crate::tui::keybox::{KeyBox, KeyState};
use crate::tui::keymaker;
use crate::tui::msg::{Action, Effect, Go, PublicKeyAction, PublicKeySource, Reply};
use crate::tui::notice::Notice;
use crate::tui::scroll::{Scroll, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    NextField,
    Submit,
    Cancel,
    ModeToggle,
    /// Stage another new key in place of the staged one.
    Restage,
    CopyPublic,
    WritePublic,
    DemoAddPublic,
    /// The new key's panel, when it is taller than its room.
    Scroll(Step),
    /// The guide beside it, when it is taller than its room.
    Guide(Step),
    Help,
    Quit,
}

use Command as C;

/// Typing a secret, a key or a key ID: letters go into the field.
pub const KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[TAB, BACKTAB],
        footer: Some("next field"),
        help: "the next field (Okta: how the new key comes, the key, its key ID)",
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
    MORE.with(C::Guide(Step::PageDown)),
    LESS.with(C::Guide(Step::PageUp)),
];

/// Okta, choosing how the new key comes (and, when made here, what to do with it). In
/// priority order: the footer drops from the end, keeping help and quit.
pub const MODE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[ENTER],
        footer: Some("go on"),
        help: "make and stage the new key; once it is added in Okta, test it and make it current",
        command: C::Submit,
    },
    COPY_PUBLIC.with(C::CopyPublic),
    Binding {
        keys: &[ESC],
        footer: Some("cancel"),
        help: "back to the profiles; the current key stays (a staged key stays staged)",
        command: C::Cancel,
    },
    DEMO_ADD_PUBLIC.with(C::DemoAddPublic),
    WRITE_PUBLIC.with(C::WritePublic),
    Binding {
        keys: &[Key::Char(' '), LEFT, RIGHT],
        footer: Some("toggle"),
        help: "make the new key here (no downtime) / paste a new key from Okta",
        command: C::ModeToggle,
    },
    Binding {
        keys: &[Key::Char('m')],
        footer: Some("make another"),
        help: "make another new key in place of the staged one (lost, or never added in Okta)",
        command: C::Restage,
    },
    KEY_DOWN.with(C::Scroll(Step::Down)),
    KEY_UP.with(C::Scroll(Step::Up)),
    MORE.with(C::Guide(Step::PageDown)),
    LESS.with(C::Guide(Step::PageUp)),
    Binding {
        keys: &[TAB, BACKTAB],
        footer: None,
        help: "the next field",
        command: C::NextField,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

pub fn tables() -> Vec<Table> {
    vec![
        Table::of("rotate", true, KEYS),
        Table::of("rotate mode", false, MODE_KEYS),
    ]
}

/// How an Okta profile's new key comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Made here and staged: no downtime (recommended).
    Generate,
    /// Pasted from Okta, tested, then it replaces the current key.
    Paste,
}

/// A key staged beside the current one.
#[derive(Debug, Clone)]
pub struct StagedKey {
    pub key_id: String,
    /// Read from the keyring (or just made).
    pub public: Option<serde_json::Value>,
}

pub struct RotateScreen {
    pub profile: String,
    pub integration: Integration,
    pub secret: TextField,
    pub key: KeyBox,
    pub key_id: TextField,
    /// OneTrust: 0 is the secret. Okta: 0 the mode, 1 the key, 2 its key ID.
    pub focus: usize,
    pub mode: Mode,
    pub staged: Option<StagedKey>,
    /// A stage is being made.
    pub staging: bool,
    pub demo_okta: bool,
    pub error: Option<Notice>,
    /// The new key's panel (its public key), when it is taller than its room.
    pub scroll: Scroll,
    /// The guide, when it is taller than its room.
    pub guide_scroll: Scroll,
}

impl RotateScreen {
    pub fn new(name: &str, profile: &Profile, demo_okta: bool) -> Self {
        Self {
            profile: name.to_string(),
            integration: profile.integration,
            secret: TextField::default(),
            key: KeyBox::default(),
            key_id: TextField::default(),
            focus: 0,
            mode: Mode::Generate,
            staged: profile.staged().map(|s| StagedKey {
                key_id: s.key_id.clone(),
                public: None,
            }),
            staging: false,
            demo_okta,
            error: None,
            scroll: Scroll::default(),
            guide_scroll: Scroll::default(),
        }
    }

    fn okta(&self) -> bool {
        self.integration == Integration::Okta
    }

    /// How many fields the current mode has.
    fn fields(&self) -> usize {
        match (self.okta(), self.mode) {
            (false, _) => 1,
            (true, Mode::Generate) => 1,
            (true, Mode::Paste) => 3,
        }
    }

    pub fn on_mode(&self) -> bool {
        self.okta() && self.focus == 0
    }

    /// The staged key's public half, when it is known.
    pub fn staged_public(&self) -> Option<&serde_json::Value> {
        self.staged.as_ref().and_then(|s| s.public.as_ref())
    }

    fn table(&self) -> &'static [Binding<Command>] {
        if self.on_mode() { MODE_KEYS } else { KEYS }
    }

    fn available(&self, cmd: Command) -> bool {
        let shown = self.mode == Mode::Generate && self.staged_public().is_some();
        match cmd {
            C::NextField => self.fields() > 1,
            C::CopyPublic | C::WritePublic => shown,
            C::DemoAddPublic => shown && self.demo_okta,
            C::Submit => !self.staging,
            C::Restage => self.mode == Mode::Generate && self.staged.is_some() && !self.staging,
            C::Scroll(_) => self.scroll.overflows(),
            C::Guide(_) => self.guide_scroll.overflows(),
            _ => true,
        }
    }

    pub fn bindings(&self) -> Shown {
        Shown::of(self.table(), |c| self.available(c), !self.on_mode())
    }

    pub fn paste(&mut self, text: &str) -> Reply {
        match (self.okta(), self.focus) {
            (false, _) => {
                self.secret.clear();
                self.secret.paste(text);
            }
            (true, 1) => return self.key.paste(text).into(),
            (true, 2) => self.key_id.paste(text),
            (true, _) => {}
        }
        Reply::none()
    }

    /// A result for this screen: a key read, a key staged, the staged key's public half.
    pub fn update(&mut self, action: Action) -> Reply {
        match action {
            Action::KeyRead { generation, result } => self.key.read(generation, result),
            Action::Staged { name, result } if name == self.profile => {
                return self.staged(result);
            }
            Action::PublicKeys { name, result } if name == self.profile => self.public_keys(result),
            _ => {}
        }
        Reply::none()
    }

    fn staged(&mut self, result: Result<Staged, AppError>) -> Reply {
        self.staging = false;
        match result {
            Ok(st) => {
                let replaced = st
                    .replaced
                    .map(|old| {
                        format!(" It replaces the staged key {old}, which was never in use.")
                    })
                    .unwrap_or_default();
                self.staged = Some(StagedKey {
                    key_id: st.key_id,
                    public: Some(st.public_jwk),
                });
                Reply::none().say(Notice::news(format!(
                    "Staged; the current key keeps working. Add the new public key in Okta, then press Enter.{replaced}"
                )))
            }
            Err(e) => {
                self.error = Some(Notice::from(&e));
                Reply::none()
            }
        }
    }

    fn public_keys(&mut self, result: Result<PublicKeys, AppError>) {
        match result {
            Ok(keys) => {
                if let (Some(st), Some(public)) = (self.staged.as_mut(), keys.staged) {
                    st.public = Some(public);
                }
            }
            Err(e) => self.error = Some(Notice::from(&e)),
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Reply {
        let cmd = lookup(self.table(), &key, |c| self.available(c));
        match cmd {
            Some(C::Cancel) => Reply::go(Go::Home),
            Some(C::Help) => Reply::go(Go::Help),
            Some(C::Quit) => Reply::go(Go::Quit),
            Some(C::NextField) => {
                self.focus = (self.focus + 1) % self.fields();
                Reply::none()
            }
            Some(C::ModeToggle) => {
                self.mode = match self.mode {
                    Mode::Generate => Mode::Paste,
                    Mode::Paste => Mode::Generate,
                };
                self.error = None;
                self.guide_scroll.reset();
                Reply::none()
            }
            Some(C::Scroll(step)) => {
                self.scroll.step(step);
                Reply::none()
            }
            Some(C::Guide(step)) => {
                self.guide_scroll.step(step);
                Reply::none()
            }
            Some(C::CopyPublic) => self.public_key(PublicKeyAction::Copy),
            Some(C::WritePublic) => self.public_key(PublicKeyAction::Write),
            Some(C::DemoAddPublic) => self.public_key(PublicKeyAction::DemoAdd),
            Some(C::Restage) => {
                self.error = None;
                self.stage()
            }
            Some(C::Submit) if self.okta() && self.mode == Mode::Generate => {
                self.error = None;
                if self.staged.is_some() {
                    Reply::go(Go::Promote(self.profile.clone()))
                } else {
                    self.stage()
                }
            }
            Some(C::Submit) => match self.candidate() {
                Ok(c) => {
                    self.error = None;
                    Reply::go(Go::Rotation(self.profile.clone(), c))
                }
                Err(e) => {
                    self.error = Some(Notice::failure(e));
                    Reply::none()
                }
            },
            None => self.type_key(key),
        }
    }

    fn type_key(&mut self, key: KeyEvent) -> Reply {
        match (self.okta(), self.focus) {
            (false, _) => {
                self.secret.handle_key(key);
            }
            (true, 1) => return self.key.key(key).into(),
            (true, 2) => {
                self.key_id.handle_key(key);
            }
            (true, _) => {}
        }
        Reply::none()
    }

    /// Makes and stages a new key pair.
    fn stage(&mut self) -> Reply {
        self.staging = true;
        Reply::effect(Effect::StageKey {
            name: self.profile.clone(),
            kind: keymaker::KIND,
        })
    }

    fn public_key(&self, action: PublicKeyAction) -> Reply {
        match self.staged_public() {
            Some(jwk) => Reply::effect(Effect::PublicKey {
                action,
                key: PublicKeySource::Known(jwk.clone()),
                profile: self.profile.clone(),
            }),
            None => Reply::none(),
        }
    }

    /// A pasted candidate, checked with the same rules as everywhere else.
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
