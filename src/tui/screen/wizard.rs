//! The setup wizard: one screen per documented step of the vendor's guide, each field checked
//! as it is typed with the core's rule for it. Save hands a `Draft` to the core's setup
//! workflow; nothing is stored before that.

use std::sync::LazyLock;

use ratatui::crossterm::event::KeyEvent;
use serde::Deserialize;

use ploy_core::app::AppError;
use ploy_core::diagnose::Field;
use ploy_core::integration::Integration;
use ploy_core::profile::Profile;
use ploy_core::setup::{self, Draft, Intent};
use ploy_core::validate::{self, Note};

use crate::tui::bindings::{
    BACKTAB, Binding, COPY_PUBLIC, DEMO_ADD_PUBLIC, DOWN, ENTER, ESC, HELP, KEY_DOWN, KEY_UP, Key,
    LEFT, LESS, MORE, QUIT, RIGHT, Shown, TAB, Table, UP, WRITE_PUBLIC, lookup,
};
use crate::tui::input::TextField;
use crate::tui::keybox::{KeyBox, KeyState};
use crate::tui::keymaker::{self, Made};
use crate::tui::msg::{Action, Effect, Go, PublicKeyAction, PublicKeySource, Reply};
use crate::tui::notice::Notice;
use crate::tui::scroll::{Scroll, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepId {
    Tenant,
    ClientId,
    Secret,
    Key,
    Dpop,
    Scopes,
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldId {
    Name,
    Host,
    ClientId,
    Secret,
    /// Make the key pair here, or paste Okta's.
    KeyChoice,
    /// Editing a profile whose key was made here: its public half, shown (the key stays).
    MadeKey,
    Key,
    KeyId,
    Dpop,
    Scopes,
}

/// Guide text for one step (assets/wizard.toml).
#[derive(Debug, Deserialize)]
pub struct StepText {
    pub id: String,
    pub title: String,
    pub guide: String,
    /// The key step's guide when the key is made here.
    #[serde(default)]
    pub generate_guide: Option<String>,
    /// The key step's guide when editing a profile whose key was made here.
    #[serde(default)]
    pub edit_made_guide: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct IntegrationText {
    pub name: String,
    pub summary: String,
    pub step: Vec<StepText>,
}

#[derive(Debug, Deserialize)]
struct Texts {
    onetrust: IntegrationText,
    okta: IntegrationText,
}

static TEXTS: LazyLock<Option<Texts>> =
    LazyLock::new(|| toml::from_str(include_str!("../../../assets/wizard.toml")).ok());

pub fn texts(integration: Integration) -> Option<&'static IntegrationText> {
    let t = TEXTS.as_ref()?;
    Some(match integration {
        Integration::OneTrust => &t.onetrust,
        Integration::Okta => &t.okta,
    })
}

fn step_id(id: &str) -> Option<StepId> {
    Some(match id {
        "tenant" => StepId::Tenant,
        "client_id" => StepId::ClientId,
        "secret" => StepId::Secret,
        "key" => StepId::Key,
        "dpop" => StepId::Dpop,
        "scopes" => StepId::Scopes,
        "review" => StepId::Review,
        _ => return None,
    })
}

/// What a field's current text amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Ok(Vec<Note>),
    /// Shown as "what is wrong"; blocks the step.
    Err(String),
}

/// What the wizard's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    ChoosePrev,
    ChooseNext,
    Pick(usize),
    Choose,
    Cancel,
    NextField,
    PrevField,
    NextStep,
    Back,
    DpopYes,
    DpopNo,
    DpopToggle,
    ScopeUp,
    ScopeDown,
    ScopeToggle,
    KeyChoiceToggle,
    CopyPublic,
    WritePublic,
    DemoAddPublic,
    /// The public key's panel, when it is taller than its room.
    Scroll(Step),
    /// The guide beside the fields, when it is taller than its room.
    Guide(Step),
    Help,
    Quit,
}

/// How the Okta key is provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// Made here: the private key never leaves the machine (recommended).
    Generate,
    /// Copied from Okta's console, as its guide says.
    Paste,
}

use Command as C;

/// Picking the identity source.
pub const CHOOSER_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous choice",
        command: C::ChoosePrev,
    },
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: Some("choose"),
        help: "next choice",
        command: C::ChooseNext,
    },
    Binding {
        keys: &[Key::Char('1')],
        footer: None,
        help: "OneTrust",
        command: C::Pick(0),
    },
    Binding {
        keys: &[Key::Char('2')],
        footer: None,
        help: "Okta",
        command: C::Pick(1),
    },
    Binding {
        keys: &[ENTER, TAB],
        footer: Some("next"),
        help: "continue with the selected source",
        command: C::Choose,
    },
    Binding {
        keys: &[ESC],
        footer: Some("cancel"),
        help: "back to the profiles",
        command: C::Cancel,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

const NEXT_FIELD: Binding<Command> = Binding {
    keys: &[TAB],
    footer: Some("next field"),
    help: "next field (or the next step from the last one)",
    command: C::NextField,
};
const PREV_FIELD: Binding<Command> = Binding {
    keys: &[BACKTAB],
    footer: None,
    help: "previous field (or the previous step)",
    command: C::PrevField,
};
const NEXT_STEP: Binding<Command> = Binding {
    keys: &[ENTER],
    footer: Some("next step"),
    help: "next step",
    command: C::NextStep,
};
const BACK: Binding<Command> = Binding {
    keys: &[ESC],
    footer: Some("back"),
    help: "previous step (from the first: back to the choice of source)",
    command: C::Back,
};
const HELP_Q: Binding<Command> = HELP.with(C::Help);
const QUIT_Q: Binding<Command> = QUIT.with(C::Quit);

const GUIDE_DOWN: Binding<Command> = MORE.with(C::Guide(Step::PageDown));
const GUIDE_UP: Binding<Command> = LESS.with(C::Guide(Step::PageUp));

/// A text field has the focus: letters are typed into it.
pub const TEXT_KEYS: &[Binding<Command>] = &[
    NEXT_FIELD, PREV_FIELD, NEXT_STEP, BACK, GUIDE_DOWN, GUIDE_UP,
];

/// The DPoP question has the focus.
pub const DPOP_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[Key::Char('y')],
        footer: Some("yes"),
        help: "the app requires DPoP",
        command: C::DpopYes,
    },
    Binding {
        keys: &[Key::Char('n')],
        footer: Some("no"),
        help: "the app does not require DPoP",
        command: C::DpopNo,
    },
    Binding {
        keys: &[Key::Char(' '), LEFT, RIGHT, UP, DOWN],
        footer: None,
        help: "switch yes / no",
        command: C::DpopToggle,
    },
    NEXT_STEP,
    BACK,
    PREV_FIELD,
    GUIDE_DOWN,
    GUIDE_UP,
    HELP_Q,
    QUIT_Q,
];

/// The choice between a key made here and one pasted from Okta has the focus.
/// (In priority order: the footer drops from the end, keeping help and quit.)
pub const KEY_CHOICE_KEYS: &[Binding<Command>] = &[
    NEXT_STEP,
    COPY_PUBLIC.with(C::CopyPublic),
    BACK,
    Binding {
        keys: &[Key::Char(' '), LEFT, RIGHT],
        footer: Some("toggle"),
        help: "make the key here / paste a key from Okta",
        command: C::KeyChoiceToggle,
    },
    DEMO_ADD_PUBLIC.with(C::DemoAddPublic),
    WRITE_PUBLIC.with(C::WritePublic),
    KEY_DOWN.with(C::Scroll(Step::Down)),
    KEY_UP.with(C::Scroll(Step::Up)),
    GUIDE_DOWN,
    GUIDE_UP,
    NEXT_FIELD,
    PREV_FIELD,
    HELP_Q,
    QUIT_Q,
];

/// Editing a profile whose key was made here: its public key is shown, to copy or write.
pub const MADE_KEY_KEYS: &[Binding<Command>] = &[
    NEXT_STEP,
    COPY_PUBLIC.with(C::CopyPublic),
    BACK,
    DEMO_ADD_PUBLIC.with(C::DemoAddPublic),
    WRITE_PUBLIC.with(C::WritePublic),
    KEY_DOWN.with(C::Scroll(Step::Down)),
    KEY_UP.with(C::Scroll(Step::Up)),
    GUIDE_DOWN,
    GUIDE_UP,
    NEXT_FIELD,
    PREV_FIELD,
    HELP_Q,
    QUIT_Q,
];

/// The scope list has the focus.
pub const SCOPE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous scope",
        command: C::ScopeUp,
    },
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next scope",
        command: C::ScopeDown,
    },
    Binding {
        keys: &[Key::Char(' ')],
        footer: Some("toggle"),
        help: "request the scope, or not",
        command: C::ScopeToggle,
    },
    NEXT_STEP,
    BACK,
    PREV_FIELD,
    GUIDE_DOWN,
    GUIDE_UP,
    HELP_Q,
    QUIT_Q,
];

/// The review step.
pub const REVIEW_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[ENTER],
        footer: Some("save and test"),
        help: "save (the secret goes to the OS keyring), then test the connection",
        command: C::NextStep,
    },
    BACK,
    GUIDE_DOWN,
    GUIDE_UP,
    HELP_Q,
    QUIT_Q,
];

pub fn tables() -> Vec<Table> {
    vec![
        Table::of("wizard chooser", false, CHOOSER_KEYS),
        Table::of("wizard text field", true, TEXT_KEYS),
        Table::of("wizard DPoP", false, DPOP_KEYS),
        Table::of("wizard scopes", false, SCOPE_KEYS),
        Table::of("wizard review", false, REVIEW_KEYS),
        Table::of("wizard key choice", false, KEY_CHOICE_KEYS),
        Table::of("wizard key made here", false, MADE_KEY_KEYS),
    ]
}

pub struct Wizard {
    pub integration: Option<Integration>,
    pub choice: usize,
    pub step: usize,
    pub focus: usize,
    pub name: TextField,
    pub host: TextField,
    pub client_id: TextField,
    pub secret: TextField,
    pub key: KeyBox,
    pub key_id: TextField,
    pub dpop: bool,
    pub scopes: Vec<(String, bool)>,
    pub scope_cursor: usize,
    /// Set when editing a saved profile: its name is fixed and its secret may stay as stored.
    pub existing: Option<(String, Profile)>,
    /// Errors are shown once the admin tried to move on.
    pub attempted: bool,
    pub saving: bool,
    pub error: Option<Notice>,
    /// The keyring did not answer when the wizard opened: said before any secret is typed.
    pub keyring: Option<Notice>,
    /// Names already in use: a new profile must not silently replace one.
    pub taken: Vec<String>,
    pub key_choice: KeyChoice,
    /// The key pair made here, until the profile is saved.
    pub made: Made,
    /// Editing a profile whose key was made here: its public key, once read from the keyring
    /// (or why it could not be).
    pub made_public: Option<Result<serde_json::Value, String>>,
    /// The demo's Okta takes keys (`p`).
    pub demo_okta: bool,
    /// The key step's panel (the public key), when it is taller than its room.
    pub key_scroll: Scroll,
    /// The step's guide, when it is taller than its room.
    pub guide_scroll: Scroll,
}

impl Wizard {
    pub fn new(integration: Option<Integration>) -> Self {
        let scopes = setup::DEFAULT_SCOPES
            .iter()
            .map(|s| (s.to_string(), true))
            .collect();
        Self {
            integration,
            choice: 0,
            step: 0,
            focus: 0,
            name: TextField::default(),
            host: TextField::default(),
            client_id: TextField::default(),
            secret: TextField::default(),
            key: KeyBox::default(),
            key_id: TextField::default(),
            dpop: setup::DEFAULT_DPOP,
            scopes,
            scope_cursor: 0,
            existing: None,
            attempted: false,
            saving: false,
            error: None,
            keyring: None,
            taken: Vec::new(),
            key_choice: KeyChoice::Generate,
            made: Made::None,
            made_public: None,
            demo_okta: false,
            key_scroll: Scroll::default(),
            guide_scroll: Scroll::default(),
        }
    }

    /// Edits a saved profile, opening the step of `field`.
    pub fn edit(name: &str, profile: &Profile, field: Field) -> Self {
        let mut w = Self::new(Some(profile.integration));
        w.name.set(name);
        w.host.set(&profile.host);
        w.client_id.set(&profile.client_id);
        if let Some(o) = &profile.okta {
            w.dpop = o.dpop;
            w.key_id.set(o.key_id.as_deref().unwrap_or(""));
            let mut all: Vec<(String, bool)> = setup::DEFAULT_SCOPES
                .iter()
                .map(|s| (s.to_string(), o.scopes.iter().any(|x| x == s)))
                .collect();
            for s in &o.scopes {
                if !all.iter().any(|(x, _)| x == s) {
                    all.push((s.clone(), true));
                }
            }
            w.scopes = all;
        }
        w.existing = Some((name.to_string(), profile.clone()));
        let target = match field {
            Field::Host => StepId::Tenant,
            Field::ClientId => StepId::ClientId,
            Field::Secret => match profile.integration {
                Integration::OneTrust => StepId::Secret,
                Integration::Okta => StepId::Key,
            },
            Field::Dpop => StepId::Dpop,
            Field::Scopes => StepId::Scopes,
            // Nothing in particular: from the start, as the steps were first walked.
            Field::None => StepId::Tenant,
        };
        w.step = w.steps().iter().position(|s| *s == target).unwrap_or(0);
        w
    }

    /// Editing a profile whose key was made here: the key stays, shown as made here (a new
    /// one comes through rotate, which keeps the old one working until the new one is proven).
    pub fn edits_made_key(&self) -> bool {
        self.existing.as_ref().is_some_and(|(_, p)| {
            p.okta
                .as_ref()
                .is_some_and(|o| o.key_origin == ploy_core::profile::KeyOrigin::Generated)
        })
    }

    /// Whether anything typed, pasted or made here would be lost by leaving now.
    pub fn dirty(&self) -> bool {
        let key_typed = !self.key.field.is_empty();
        match &self.existing {
            Some((_, p)) => {
                let okta_changed = p.okta.as_ref().is_some_and(|o| {
                    // The list shows the recommended scopes first: order is no change.
                    let chosen: std::collections::BTreeSet<&str> = self
                        .scopes
                        .iter()
                        .filter(|(_, on)| *on)
                        .map(|(s, _)| s.as_str())
                        .collect();
                    let stored: std::collections::BTreeSet<&str> =
                        o.scopes.iter().map(String::as_str).collect();
                    o.dpop != self.dpop
                        || o.key_id.as_deref().unwrap_or("") != self.key_id.text()
                        || chosen != stored
                });
                self.host.text() != p.host
                    || self.client_id.text() != p.client_id
                    || !self.secret.is_empty()
                    || key_typed
                    || okta_changed
            }
            // Back at the choice of source, what was typed is still held.
            None => {
                !self.name.is_empty()
                    || !self.host.is_empty()
                    || !self.client_id.is_empty()
                    || !self.secret.is_empty()
                    || !self.key_id.is_empty()
                    || key_typed
                    // Its public half may already be in Okta.
                    || self.made.ready().is_some()
            }
        }
    }

    pub fn steps(&self) -> Vec<StepId> {
        self.integration
            .and_then(texts)
            .map(|t| t.step.iter().filter_map(|s| step_id(&s.id)).collect())
            .unwrap_or_default()
    }

    pub fn current(&self) -> Option<StepId> {
        self.steps().get(self.step).copied()
    }

    pub fn fields(&self, step: StepId) -> Vec<FieldId> {
        match step {
            StepId::Tenant if self.existing.is_some() => vec![FieldId::Host],
            StepId::Tenant => vec![FieldId::Name, FieldId::Host],
            StepId::ClientId => vec![FieldId::ClientId],
            StepId::Secret => vec![FieldId::Secret],
            // Editing a key made here: it stays (a new one goes through rotate, which keeps
            // the old one working until the new one is proven).
            StepId::Key if self.edits_made_key() => vec![FieldId::MadeKey],
            // Editing a pasted key: another one is pasted.
            StepId::Key if self.existing.is_some() => vec![FieldId::Key, FieldId::KeyId],
            StepId::Key if self.key_choice == KeyChoice::Generate => vec![FieldId::KeyChoice],
            StepId::Key => vec![FieldId::KeyChoice, FieldId::Key, FieldId::KeyId],
            StepId::Dpop => vec![FieldId::Dpop],
            StepId::Scopes => vec![FieldId::Scopes],
            StepId::Review => vec![],
        }
    }

    pub fn focused(&self) -> Option<FieldId> {
        self.current()
            .and_then(|s| self.fields(s).get(self.focus).copied())
    }

    fn intent(&self) -> Intent {
        if self.existing.is_some() {
            Intent::Update
        } else {
            Intent::Create
        }
    }

    fn keeps_secret(&self) -> bool {
        self.existing.is_some()
    }

    /// The key table for what has the focus now.
    pub fn table(&self) -> &'static [Binding<Command>] {
        if self.integration.is_none() {
            return CHOOSER_KEYS;
        }
        match self.focused() {
            Some(FieldId::Dpop) => DPOP_KEYS,
            Some(FieldId::Scopes) => SCOPE_KEYS,
            Some(FieldId::KeyChoice) => KEY_CHOICE_KEYS,
            Some(FieldId::MadeKey) => MADE_KEY_KEYS,
            Some(_) => TEXT_KEYS,
            None => REVIEW_KEYS,
        }
    }

    /// Whether a text field has the focus (letters are typed, not commands).
    pub fn typing(&self) -> bool {
        self.integration.is_some()
            && matches!(
                self.focused(),
                Some(
                    FieldId::Name
                        | FieldId::Host
                        | FieldId::ClientId
                        | FieldId::Secret
                        | FieldId::Key
                        | FieldId::KeyId
                )
            )
    }

    pub fn bindings(&self) -> Shown {
        Shown::of(self.table(), |c| self.available(c), self.typing())
    }

    fn available(&self, cmd: Command) -> bool {
        let made = (self.makes_key() && self.made.ready().is_some())
            || (self.focused() == Some(FieldId::MadeKey) && self.shown_public().is_some());
        match cmd {
            C::CopyPublic | C::WritePublic => made,
            C::DemoAddPublic => made && self.demo_okta,
            C::Scroll(_) => self.key_scroll.overflows(),
            C::Guide(_) => self.guide_scroll.overflows(),
            _ => true,
        }
    }

    /// The key step is shown with "make it here" chosen and no key made: the pair is made as
    /// it is shown, once.
    fn make_key_pair(&mut self, mut reply: Reply) -> Reply {
        let here = self.current() == Some(StepId::Key) && self.makes_key();
        if here
            && matches!(self.made, Made::None)
            && let Some(generation) = self.made.start()
        {
            reply.effects.push(Effect::GenerateKey {
                generation,
                kind: keymaker::KIND,
            });
        }
        reply
    }

    /// A result for the wizard: a key read, a key pair made, whether the keyring answers.
    pub fn update(&mut self, action: Action) -> Reply {
        match action {
            Action::KeyRead { generation, result } => self.key.read(generation, result),
            Action::KeyGenerated { generation, result } => {
                self.made
                    .done(generation, result.map_err(|e| e.to_string()));
            }
            Action::KeyringProbed(result) => {
                self.keyring = result.err().map(|e| Notice::from(&e));
            }
            Action::PublicKeys { name, result }
                if self.existing.as_ref().is_some_and(|(n, _)| *n == name) =>
            {
                self.made_public = Some(match result {
                    Ok(keys) => keys.current.ok_or_else(|| {
                        ploy_core::diagnose::Diagnosis::for_code(
                            ploy_core::diagnose::code::OKTA_MADE_KEY_MISSING,
                            &name,
                            Some(Integration::Okta),
                        )
                        .title
                    }),
                    Err(e) => Err(e.to_string()),
                });
            }
            _ => {}
        }
        Reply::none()
    }

    /// The save failed: the wizard stays, with why.
    pub fn save_failed(&mut self, e: &AppError) {
        self.saving = false;
        self.error = Some(Notice::from(e));
    }

    pub fn check(&self, field: FieldId) -> Check {
        let integration = self.integration.unwrap_or(Integration::OneTrust);
        let ok = |notes| Check::Ok(notes);
        let err = |e: &dyn std::fmt::Display| Check::Err(e.to_string());
        match field {
            FieldId::Name => {
                match setup::check_name(self.name.text(), self.intent(), &self.taken) {
                    Ok(_) => ok(vec![]),
                    Err(e) => err(&e),
                }
            }
            FieldId::Host => match validate::hostname(self.host.text(), integration) {
                Ok(c) => ok(c.notes),
                Err(e) => err(&e),
            },
            FieldId::ClientId => match validate::client_id(self.client_id.text()) {
                Ok(c) => ok(c.notes),
                Err(e) => err(&e),
            },
            FieldId::Secret if self.secret.is_empty() && self.keeps_secret() => {
                ok(vec![Note::Warning("empty: the stored secret stays".into())])
            }
            FieldId::Secret => match validate::client_secret(self.secret.text()) {
                Ok(c) => ok(c.notes),
                Err(e) => err(&e),
            },
            FieldId::KeyChoice => match (self.key_choice, &self.made) {
                (KeyChoice::Paste, _) => ok(vec![]),
                (KeyChoice::Generate, Made::Ready(_)) => ok(vec![]),
                (KeyChoice::Generate, Made::Failed(e)) => Check::Err(e.clone()),
                (KeyChoice::Generate, _) => Check::Err("making the key pair…".into()),
            },
            FieldId::Key => match &self.key.state {
                KeyState::Empty if self.keeps_secret() => {
                    ok(vec![Note::Warning("empty: the stored key stays".into())])
                }
                KeyState::Empty => Check::Err(
                    "paste the private key, or type the path of a file holding it".into(),
                ),
                KeyState::Reading => Check::Err("reading the key…".into()),
                KeyState::Ready(k) => ok(k.notes.clone()),
                KeyState::Invalid(e) => err(e),
            },
            FieldId::KeyId => {
                match setup::resolve_key_id(
                    self.key.parsed().map(|k| &k.key),
                    Some(self.key_id.text()),
                ) {
                    Ok(_) => ok(vec![]),
                    Err(e) => err(&e),
                }
            }
            FieldId::Dpop | FieldId::MadeKey => ok(vec![]),
            FieldId::Scopes => match validate::okta_scopes(&self.scope_text()) {
                Ok(_) => ok(vec![]),
                Err(e) => err(&e),
            },
        }
    }

    /// What will be stored for a field whose text the core rewrites ("HTTPS://Acme.x/login"
    /// is stored as "acme.x"), when that differs from the text.
    pub fn stored_value(&self, field: FieldId) -> Option<String> {
        let integration = self.integration.unwrap_or(Integration::OneTrust);
        let (text, stored) = match field {
            FieldId::Host => (
                self.host.text(),
                validate::hostname(self.host.text(), integration)
                    .ok()?
                    .value
                    .to_profile_string(),
            ),
            FieldId::ClientId => (
                self.client_id.text(),
                validate::client_id(self.client_id.text()).ok()?.value,
            ),
            _ => return None,
        };
        (stored != text).then_some(stored)
    }

    /// Leaving a field: its text becomes what will be stored, so the review and a return to
    /// the field show the value that is saved, not the one typed.
    fn settle(&mut self, field: Option<FieldId>) {
        let Some(field) = field else { return };
        if let Some(value) = self.stored_value(field) {
            match field {
                FieldId::Host => self.host.set(&value),
                FieldId::ClientId => self.client_id.set(&value),
                _ => {}
            }
        }
    }

    /// Whether the key is being made here (a new Okta profile that chose so).
    pub fn makes_key(&self) -> bool {
        self.integration == Some(Integration::Okta)
            && self.existing.is_none()
            && self.key_choice == KeyChoice::Generate
    }

    pub fn scope_text(&self) -> String {
        self.scopes
            .iter()
            .filter(|(_, on)| *on)
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn step_valid(&self) -> bool {
        self.current()
            .map(|s| {
                self.fields(s)
                    .iter()
                    .all(|f| matches!(self.check(*f), Check::Ok(_)))
            })
            .unwrap_or(false)
    }

    fn next_step(&mut self) {
        if self.step_valid() {
            for field in self.current().map(|s| self.fields(s)).unwrap_or_default() {
                self.settle(Some(field));
            }
            self.step = (self.step + 1).min(self.steps().len().saturating_sub(1));
            self.focus = 0;
            self.attempted = false;
            self.guide_scroll.reset();
            self.key_scroll.reset();
        } else {
            self.attempted = true;
        }
    }

    fn prev_step(&mut self) -> bool {
        if self.step == 0 {
            return false;
        }
        self.step -= 1;
        self.focus = 0;
        self.attempted = false;
        self.guide_scroll.reset();
        self.key_scroll.reset();
        true
    }

    pub fn paste(&mut self, text: &str) -> Reply {
        let reply = self.paste_text(text);
        self.make_key_pair(reply)
    }

    fn paste_text(&mut self, text: &str) -> Reply {
        // A key pasted while "make it here" is offered: the admin chose to paste.
        if self.focused() == Some(FieldId::KeyChoice) {
            self.key_choice = KeyChoice::Paste;
            if let Some(step) = self.current() {
                self.focus = self
                    .fields(step)
                    .iter()
                    .position(|f| *f == FieldId::Key)
                    .unwrap_or(0);
            }
        }
        match self.focused() {
            Some(FieldId::Name) => self.name.paste(text),
            Some(FieldId::Host) => self.host.paste(text),
            Some(FieldId::ClientId) => self.client_id.paste(text),
            Some(FieldId::Secret) => self.secret.paste(text),
            Some(FieldId::Key) => return self.key.paste(text).into(),
            Some(FieldId::KeyId) => self.key_id.paste(text),
            _ => {}
        }
        Reply::none()
    }

    /// A key press: a command from the active table, else typing into the focused field.
    pub fn key(&mut self, key: KeyEvent) -> Reply {
        let reply = match lookup(self.table(), &key, |c| self.available(c)) {
            Some(cmd) => self.command(cmd),
            None => self.type_key(key),
        };
        self.make_key_pair(reply)
    }

    fn command(&mut self, cmd: Command) -> Reply {
        match cmd {
            C::Help => return Reply::go(Go::Help),
            C::Quit => return Reply::go(Go::Quit),
            C::ChoosePrev => self.choice = 0,
            C::ChooseNext => self.choice = 1,
            C::Pick(i) => self.choice = i.min(1),
            C::Choose => {
                self.integration = Some(Integration::ALL[self.choice.min(1)]);
                self.step = 0;
                self.focus = 0;
            }
            C::Cancel => return Reply::go(Go::Home),
            C::Back => {
                if !self.prev_step() {
                    if self.existing.is_none() {
                        self.integration = None;
                    } else {
                        return Reply::go(Go::Home);
                    }
                }
            }
            C::PrevField => {
                self.settle(self.focused());
                if self.focus > 0 {
                    self.focus -= 1;
                } else {
                    self.prev_step();
                }
            }
            C::NextField => {
                self.settle(self.focused());
                let count = self.current().map_or(0, |s| self.fields(s).len());
                if self.focus + 1 < count {
                    self.focus += 1;
                } else {
                    self.next_step();
                }
            }
            C::NextStep if self.current() == Some(StepId::Review) => return self.save(),
            C::NextStep => self.next_step(),
            C::DpopYes => self.dpop = true,
            C::DpopNo => self.dpop = false,
            C::DpopToggle => self.dpop = !self.dpop,
            C::ScopeUp => self.scope_cursor = self.scope_cursor.saturating_sub(1),
            C::ScopeDown => {
                self.scope_cursor = (self.scope_cursor + 1).min(self.scopes.len().saturating_sub(1))
            }
            C::ScopeToggle => {
                if let Some(s) = self.scopes.get_mut(self.scope_cursor) {
                    s.1 = !s.1;
                }
            }
            C::KeyChoiceToggle => {
                self.key_choice = match self.key_choice {
                    KeyChoice::Generate => KeyChoice::Paste,
                    KeyChoice::Paste => KeyChoice::Generate,
                };
                // If a made key failed, choosing "make it here" again tries again.
                if self.key_choice == KeyChoice::Generate && matches!(self.made, Made::Failed(_)) {
                    self.made = Made::None;
                }
            }
            C::Scroll(step) => self.key_scroll.step(step),
            C::Guide(step) => self.guide_scroll.step(step),
            C::CopyPublic => return self.public_key(PublicKeyAction::Copy),
            C::WritePublic => return self.public_key(PublicKeyAction::Write),
            C::DemoAddPublic => return self.public_key(PublicKeyAction::DemoAdd),
        }
        Reply::none()
    }

    /// The public key shown: of the pair made in this wizard, or of the edited profile's key
    /// made here.
    pub fn shown_public(&self) -> Option<&serde_json::Value> {
        match &self.made_public {
            Some(Ok(jwk)) if self.edits_made_key() => Some(jwk),
            _ => self.made.public(),
        }
    }

    /// The public key shown; a file written is named after the profile.
    fn public_key(&self, action: PublicKeyAction) -> Reply {
        match self.shown_public() {
            Some(jwk) => Reply::effect(Effect::PublicKey {
                action,
                key: PublicKeySource::Known(jwk.clone()),
                profile: match &self.existing {
                    Some((n, _)) => n.clone(),
                    None => self.name.text().to_string(),
                },
            }),
            None => Reply::none(),
        }
    }

    fn type_key(&mut self, key: KeyEvent) -> Reply {
        match self.focused() {
            Some(FieldId::Name) => {
                self.name.handle_key(key);
            }
            Some(FieldId::Host) => {
                self.host.handle_key(key);
            }
            Some(FieldId::ClientId) => {
                self.client_id.handle_key(key);
            }
            Some(FieldId::Secret) => {
                self.secret.handle_key(key);
            }
            Some(FieldId::Key) => return self.key.key(key).into(),
            Some(FieldId::KeyId) => {
                self.key_id.handle_key(key);
            }
            _ => {}
        }
        Reply::none()
    }

    /// The fields as typed, for the core's setup workflow.
    pub fn draft(&self) -> Draft {
        let integration = self.integration.unwrap_or(Integration::OneTrust);
        let name = match &self.existing {
            Some((n, _)) => n.clone(),
            None => self.name.text().to_string(),
        };
        let okta = integration == Integration::Okta;
        let made_here = self.makes_key();
        let draft = Draft {
            name,
            host: Some(self.host.text().to_string()),
            client_id: Some(self.client_id.text().to_string()),
            secret: (!okta && !self.secret.is_empty())
                .then(|| secrecy::SecretString::from(self.secret.text().to_string())),
            key: (!made_here).then(|| self.key.parsed().cloned()).flatten(),
            key_id: (okta && !made_here).then(|| self.key_id.text().to_string()),
            generated: false,
            dpop: okta.then_some(self.dpop),
            scopes: okta.then(|| self.scope_text()),
        };
        match self.made.ready() {
            Some(g) if made_here => draft.with_generated(g.clone()),
            _ => draft,
        }
    }

    fn save(&mut self) -> Reply {
        let Some(integration) = self.integration else {
            return Reply::none();
        };
        let all_ok = self
            .steps()
            .iter()
            .flat_map(|s| self.fields(*s))
            .all(|f| matches!(self.check(f), Check::Ok(_)));
        if !all_ok {
            self.error = Some(Notice::failure(
                "some fields are not valid yet: go back with Esc",
            ));
            return Reply::none();
        }
        self.saving = true;
        self.error = None;
        Reply::effect(Effect::Save {
            integration,
            intent: self.intent(),
            draft: Box::new(self.draft()),
        })
    }
}
