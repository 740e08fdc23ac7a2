//! The setup wizard: one screen per documented step, each field validated as it is typed with
//! the same functions the line mode uses. Nothing is stored until Save on the review screen.

use std::sync::LazyLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;

use super::input::TextField;
use crate::connector::okta;
use crate::diagnose::Field;
use crate::integration::Integration;
use crate::keys::PrivateKey;
use crate::profile::{self, OktaSettings, Profile};
use crate::validate::{self, Note};

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
    LazyLock::new(|| toml::from_str(include_str!("../../assets/wizard.toml")).ok());

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

/// A parsed key field: what the key is (never its material) or why it is not one.
#[derive(Clone)]
pub enum KeyState {
    Empty,
    Ready {
        text: String,
        describe: String,
        has_kid: bool,
        notes: Vec<Note>,
        from_file: Option<String>,
    },
    Invalid(String),
}

/// A pasted key, or the path of a file holding one, as the key box and the rotate screen
/// read it.
pub fn key_input(raw: &str) -> KeyState {
    let raw = raw.trim();
    if raw.is_empty() {
        return KeyState::Empty;
    }
    let looks_like_path = !raw.contains('\n') && !raw.contains("-----") && !raw.starts_with('{');
    let (text, from_file) = if looks_like_path {
        let path = match raw.strip_prefix("~/") {
            Some(rest) => directories::BaseDirs::new()
                .map(|d| d.home_dir().join(rest))
                .unwrap_or_else(|| rest.into()),
            None => raw.into(),
        };
        match std::fs::read_to_string(&path) {
            Ok(t) => (t, Some(raw.to_string())),
            Err(e) => return KeyState::Invalid(format!("cannot read {}: {e}", path.display())),
        }
    } else {
        (raw.to_string(), None)
    };
    match PrivateKey::parse(&text) {
        Ok(c) => {
            let (text, key) = c.value;
            KeyState::Ready {
                text,
                describe: key.describe(),
                has_kid: key.kid().is_some(),
                notes: c.notes,
                from_file,
            }
        }
        Err(e) => KeyState::Invalid(e.to_string()),
    }
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
    pub key: TextField,
    pub key_id: TextField,
    pub dpop: bool,
    pub scopes: Vec<(String, bool)>,
    pub scope_cursor: usize,
    /// Set when editing a saved profile: its name is fixed and its secret may stay as stored.
    pub existing: Option<(String, Profile)>,
    /// Errors are shown once the admin tried to move on.
    pub attempted: bool,
    pub saving: bool,
    pub error: Option<String>,
    /// Names already in use: a new profile must not silently replace one.
    pub taken: Vec<String>,
}

/// What the wizard asks the runtime to do.
pub enum WizardOutcome {
    Stay,
    Cancel,
    Save {
        name: String,
        profile: Box<Profile>,
        secret: Option<SecretString>,
    },
}

impl Wizard {
    pub fn new(integration: Option<Integration>) -> Self {
        let scopes = okta::RECOMMENDED_SCOPES
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
            key: TextField::multiline(),
            key_id: TextField::default(),
            dpop: true,
            scopes,
            scope_cursor: 0,
            existing: None,
            attempted: false,
            saving: false,
            error: None,
            taken: Vec::new(),
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
            let mut all: Vec<(String, bool)> = okta::RECOMMENDED_SCOPES
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
            Field::None => StepId::Review,
        };
        w.step = w.steps().iter().position(|s| *s == target).unwrap_or(0);
        w
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
            StepId::Key => vec![FieldId::Key, FieldId::KeyId],
            StepId::Dpop => vec![FieldId::Dpop],
            StepId::Scopes => vec![FieldId::Scopes],
            StepId::Review => vec![],
        }
    }

    pub fn focused(&self) -> Option<FieldId> {
        self.current()
            .and_then(|s| self.fields(s).get(self.focus).copied())
    }

    fn keeps_secret(&self) -> bool {
        self.existing.is_some()
    }

    pub fn key_state(&self) -> KeyState {
        key_input(self.key.text())
    }

    pub fn check(&self, field: FieldId) -> Check {
        let integration = self.integration.unwrap_or(Integration::OneTrust);
        let ok = |notes| Check::Ok(notes);
        match field {
            FieldId::Name => match validate::profile_name(self.name.text()) {
                Ok(n) if self.taken.contains(&n) => Check::Err(format!(
                    "a profile named \"{n}\" exists: pick another name, or edit it from the profiles list (e)"
                )),
                Ok(_) => ok(vec![]),
                Err(e) => Check::Err(e.to_string()),
            },
            FieldId::Host => match validate::hostname(self.host.text(), integration) {
                Ok(c) => ok(c.notes),
                Err(e) => Check::Err(e.to_string()),
            },
            FieldId::ClientId => match validate::client_id(self.client_id.text()) {
                Ok(c) => ok(c.notes),
                Err(e) => Check::Err(e.to_string()),
            },
            FieldId::Secret if self.secret.is_empty() && self.keeps_secret() => {
                ok(vec![Note::Warning("empty: the stored secret stays".into())])
            }
            FieldId::Secret => match validate::client_secret(self.secret.text()) {
                Ok(c) => ok(c.notes),
                Err(e) => Check::Err(e.to_string()),
            },
            FieldId::Key => match self.key_state() {
                KeyState::Empty if self.keeps_secret() => {
                    ok(vec![Note::Warning("empty: the stored key stays".into())])
                }
                KeyState::Empty => Check::Err(
                    "paste the private key, or type the path of a file holding it".into(),
                ),
                KeyState::Ready { notes, .. } => ok(notes),
                KeyState::Invalid(e) => Check::Err(e),
            },
            FieldId::KeyId => ok(vec![]),
            FieldId::Dpop => ok(vec![]),
            FieldId::Scopes => match validate::okta_scopes(&self.scope_text()) {
                Ok(_) => ok(vec![]),
                Err(e) => Check::Err(e.to_string()),
            },
        }
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
            self.step = (self.step + 1).min(self.steps().len().saturating_sub(1));
            self.focus = 0;
            self.attempted = false;
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
        true
    }

    pub fn paste(&mut self, text: &str) {
        match self.focused() {
            Some(FieldId::Name) => self.name.paste(text),
            Some(FieldId::Host) => self.host.paste(text),
            Some(FieldId::ClientId) => self.client_id.paste(text),
            Some(FieldId::Secret) => self.secret.paste(text),
            Some(FieldId::Key) => {
                // A paste replaces whatever partial key was there.
                self.key.clear();
                self.key.paste(text);
            }
            Some(FieldId::KeyId) => self.key_id.paste(text),
            _ => {}
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> WizardOutcome {
        let Some(integration) = self.integration else {
            return self.choose(key);
        };
        let Some(step) = self.current() else {
            return WizardOutcome::Cancel;
        };
        let fields = self.fields(step);
        let shift_tab = key.code == KeyCode::BackTab
            || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
        match key.code {
            KeyCode::Esc => {
                if !self.prev_step() {
                    if self.existing.is_none() {
                        self.integration = None;
                    } else {
                        return WizardOutcome::Cancel;
                    }
                }
            }
            _ if shift_tab => {
                if self.focus > 0 {
                    self.focus -= 1;
                } else {
                    self.prev_step();
                }
            }
            KeyCode::Tab => {
                if self.focus + 1 < fields.len() {
                    self.focus += 1;
                } else {
                    self.next_step();
                }
            }
            KeyCode::Enter if step == StepId::Review => return self.save(integration),
            KeyCode::Enter => self.next_step(),
            _ => self.edit_field(key),
        }
        WizardOutcome::Stay
    }

    fn choose(&mut self, key: KeyEvent) -> WizardOutcome {
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.choice = 0,
            KeyCode::Down | KeyCode::Char('j') => self.choice = 1,
            KeyCode::Char('1') => self.choice = 0,
            KeyCode::Char('2') => self.choice = 1,
            KeyCode::Enter | KeyCode::Tab => {
                self.integration = Some(if self.choice == 0 {
                    Integration::OneTrust
                } else {
                    Integration::Okta
                });
                self.step = 0;
                self.focus = 0;
            }
            KeyCode::Esc => return WizardOutcome::Cancel,
            _ => {}
        }
        WizardOutcome::Stay
    }

    fn edit_field(&mut self, key: KeyEvent) {
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
            Some(FieldId::Key) => {
                self.key.handle_key(key);
            }
            Some(FieldId::KeyId) => {
                self.key_id.handle_key(key);
            }
            Some(FieldId::Dpop) => match key.code {
                KeyCode::Char('y') => self.dpop = true,
                KeyCode::Char('n') => self.dpop = false,
                KeyCode::Char(' ')
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Up
                | KeyCode::Down => self.dpop = !self.dpop,
                _ => {}
            },
            Some(FieldId::Scopes) => match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    self.scope_cursor = self.scope_cursor.saturating_sub(1)
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.scope_cursor =
                        (self.scope_cursor + 1).min(self.scopes.len().saturating_sub(1))
                }
                KeyCode::Char(' ') | KeyCode::Char('x') => {
                    if let Some(s) = self.scopes.get_mut(self.scope_cursor) {
                        s.1 = !s.1;
                    }
                }
                _ => {}
            },
            None => {}
        }
    }

    /// Builds the profile and secret from validated fields.
    fn save(&mut self, integration: Integration) -> WizardOutcome {
        let all_ok = self
            .steps()
            .iter()
            .flat_map(|s| self.fields(*s))
            .all(|f| matches!(self.check(f), Check::Ok(_)));
        let host = validate::hostname(self.host.text(), integration);
        let client_id = validate::client_id(self.client_id.text());
        let (Ok(host), Ok(client_id), true) = (host, client_id, all_ok) else {
            self.error = Some("some fields are not valid yet: go back with Esc".into());
            return WizardOutcome::Stay;
        };
        let name = match &self.existing {
            Some((n, _)) => n.clone(),
            None => match validate::profile_name(self.name.text()) {
                Ok(n) => n,
                Err(e) => {
                    self.error = Some(e.to_string());
                    return WizardOutcome::Stay;
                }
            },
        };
        let (secret, key_has_kid) = match integration {
            Integration::OneTrust => (
                validate::client_secret(self.secret.text())
                    .ok()
                    .map(|c| c.value),
                false,
            ),
            Integration::Okta => match self.key_state() {
                KeyState::Ready { text, has_kid, .. } => (Some(SecretString::from(text)), has_kid),
                _ => (None, false),
            },
        };
        let previous = self.existing.as_ref().map(|(_, p)| p);
        let okta = (integration == Integration::Okta).then(|| OktaSettings {
            key_id: Some(self.key_id.text().trim().to_string())
                .filter(|k| !k.is_empty() && !key_has_kid),
            dpop: self.dpop,
            scopes: validate::okta_scopes(&self.scope_text()).unwrap_or_default(),
            dpop_nonce: previous
                .and_then(|p| p.okta.as_ref())
                .and_then(|o| o.dpop_nonce.clone()),
        });
        let now = OffsetDateTime::now_utc();
        let profile = Profile {
            integration,
            host: host.value.to_profile_string(),
            client_id: client_id.value,
            secret_ref: previous.map_or_else(profile::new_secret_ref, |p| p.secret_ref.clone()),
            created: previous.map_or(now, |p| p.created),
            updated: now,
            last_test: None,
            okta,
        };
        self.saving = true;
        self.error = None;
        WizardOutcome::Save {
            name,
            profile: Box::new(profile),
            secret,
        }
    }
}
