//! Setting a profile up: the one workflow both faces call. A `Draft` holds the raw fields
//! however they arrived (wizard, prompts, flags, environment, stdin); `prepare` validates it
//! with one rule per field into a `Validated` profile plus its secret; `save` stores the
//! secret in the keyring and then the profile, under the profiles lock, and rolls the keyring
//! back if the profile cannot be written. `rotate` (in `rotate.rs`) replaces a secret only
//! after the candidate passed a test.

mod change;
mod keys;
mod prune;
mod rotate;
pub mod this_run;
pub use change::{Change, change, key_id_of, rename, secret_present};

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use time::OffsetDateTime;

pub use keys::{
    Promotion, PublicKeys, Staged, generate, promote, public_keys, retire_message, stage,
    staged_key, write_public_key,
};
pub use prune::{Orphans, orphans, prune};
pub use rotate::{Candidate, Rotation, rotate, store_after_failed_test, store_untested};

use crate::app::{AppError, Diagnosed, Services};
use crate::diagnose::{self, Failure, code};
use crate::integration::Integration;
use crate::keys::{KeyInputError, ParsedKey, PrivateKey};
use crate::profile::{self, KeyOrigin, OktaSettings, Profile};
use crate::session::secret_key;
use crate::validate::{
    self, ClientIdError, HostError, KeyIdError, Note, ProfileNameError, ScopesError, SecretError,
};

/// Okta scopes a new profile requests unless told otherwise: the set the vendor guide's step
/// 12 means. Only `okta.users.read` is needed to read users.
pub const DEFAULT_SCOPES: &[&str] = crate::connector::okta::RECOMMENDED_SCOPES;
/// A new Okta profile assumes DPoP: Okta's default for API Services apps since February 2024.
pub const DEFAULT_DPOP: bool = true;

/// The raw fields of a setup. `None` means "not given": an existing profile keeps its value,
/// a new one gets the default, or `InputError::Missing` when there is none.
#[derive(Clone, Default)]
pub struct Draft {
    pub name: String,
    pub host: Option<String>,
    pub client_id: Option<String>,
    /// OneTrust's client secret.
    pub secret: Option<SecretString>,
    /// Okta's private key, already read through `KeySource::load`.
    pub key: Option<ParsedKey>,
    /// A key ID typed beside the key.
    pub key_id: Option<String>,
    /// The key was made here (`keys::generate`), not copied from Okta.
    pub generated: bool,
    pub dpop: Option<bool>,
    pub scopes: Option<String>,
}

impl Draft {
    /// Takes a key made here: its private half for the keyring, its thumbprint as key ID.
    pub fn with_generated(mut self, generated: crate::keys::Generated) -> Self {
        self.key_id = generated.key.kid().map(str::to_string);
        self.key = Some(ParsedKey::from(generated));
        self.generated = true;
        self
    }
}

/// `Debug` shows which fields are set, never the secret.
impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "[set]"))
            .field("key", &self.key)
            .field("key_id", &self.key_id)
            .field("generated", &self.generated)
            .field("dpop", &self.dpop)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// What a setup may do to an existing profile of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A new profile; an existing name is refused (the wizard's "Add").
    Create,
    /// Create it, or update it if it exists (`setup` on the command line).
    CreateOrUpdate,
    /// Change an existing profile (the wizard's "Edit").
    Update,
}

/// The fields of a setup, for messages and for a face to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupField {
    Name,
    Host,
    ClientId,
    /// The client secret (OneTrust) or the private key (Okta).
    Secret,
    KeyId,
    Dpop,
    Scopes,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InputError {
    #[error("missing: {}", missing_text(.0))]
    Missing(Vec<SetupField>),
    #[error("{0}")]
    Name(#[from] ProfileNameError),
    #[error(
        "a profile named \"{0}\" exists: pick another name, or change that profile ({set})",
        set = crate::suggest::command(&["profiles", "set", .0, "--help"])
    )]
    NameTaken(String),
    #[error(
        "profile \"{name}\" is a {existing} profile; pick another name or remove it first ({remove})",
        remove = crate::suggest::command(&["profiles", "remove", name])
    )]
    WrongIntegration { name: String, existing: Integration },
    #[error("{0}")]
    Host(#[from] HostError),
    #[error("{0}")]
    ClientId(#[from] ClientIdError),
    #[error("{0}")]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Key(#[from] KeyInputError),
    #[error("{0}")]
    KeyId(#[from] KeyIdError),
    #[error(
        "the key carries the key ID \"{key}\" but \"{typed}\" was entered: leave the key ID empty, or use the key whose ID Okta shows"
    )]
    KeyIdConflict { key: String, typed: String },
    #[error("{0}")]
    Scopes(#[from] ScopesError),
    /// A secret given for one run that cannot be used (`this_run`).
    #[error("{0}")]
    Given(String),
}

fn missing_text(fields: &[SetupField]) -> String {
    fields
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl InputError {
    /// The diagnosis code the faces explain this with.
    pub fn code(&self) -> &'static str {
        match self {
            InputError::Host(_) => code::HOST_INVALID,
            InputError::Key(_) => code::OKTA_INVALID_KEY,
            InputError::Scopes(ScopesError::MissingUsersRead) => code::OKTA_SCOPES_WITHOUT_USERS,
            InputError::Scopes(ScopesError::NotAScope(_)) => code::OKTA_SCOPE_UNKNOWN,
            _ => code::INPUT_INVALID,
        }
    }

    /// Which field is wrong.
    pub fn field(&self) -> SetupField {
        match self {
            InputError::Missing(f) => f.first().copied().unwrap_or(SetupField::Name),
            InputError::Name(_)
            | InputError::NameTaken(_)
            | InputError::WrongIntegration { .. } => SetupField::Name,
            InputError::Host(_) => SetupField::Host,
            InputError::ClientId(_) => SetupField::ClientId,
            InputError::Secret(_) | InputError::Key(_) | InputError::Given(_) => SetupField::Secret,
            InputError::KeyId(_) | InputError::KeyIdConflict { .. } => SetupField::KeyId,
            InputError::Scopes(_) => SetupField::Scopes,
        }
    }

    pub fn into_app(self, profile: &str, integration: Integration) -> AppError {
        AppError::Input(Diagnosed::new(
            Failure::new(self.code(), self.to_string()),
            profile,
            Some(integration),
        ))
    }

    /// The same for a profile that is not saved yet: its fix says how to set it up.
    pub fn into_app_new(self, profile: &str, integration: Integration) -> AppError {
        AppError::Input(
            Diagnosed::new(
                Failure::new(self.code(), self.to_string()),
                profile,
                Some(integration),
            )
            .for_new_profile(),
        )
    }
}

/// A setup that passed validation: the profile to write and the secret to store with it.
#[derive(Debug, Clone)]
pub struct Validated {
    pub name: String,
    pub intent: Intent,
    pub profile: Profile,
    /// `None` keeps the stored secret.
    pub secret: Option<SecretString>,
    /// What validation changed or warns about, field by field, for the face to show.
    pub notes: Vec<(SetupField, Note)>,
    /// "RSA 2048 private key (PKCS#8 PEM), kid …" when a new key was given.
    pub key_summary: Option<String>,
    /// The key ID was set to something other than what was stored (a key ID adopted alone).
    pub key_id_changed: bool,
    /// The admin entered the host (not kept from the stored profile): the stored secret may
    /// then be bound to it, which is how a changed host is confirmed.
    pub host_entered: bool,
}

/// Whether a setup of `integration` may touch `existing`, the profile of that name if any.
pub fn check_existing(
    name: &str,
    integration: Integration,
    intent: Intent,
    existing: Option<&Profile>,
) -> Result<(), InputError> {
    match (intent, existing) {
        (Intent::Create, Some(_)) => Err(InputError::NameTaken(name.to_string())),
        (_, Some(p)) if p.integration != integration => Err(InputError::WrongIntegration {
            name: name.to_string(),
            existing: p.integration,
        }),
        _ => Ok(()),
    }
}

/// A profile name, for a new profile when `taken` holds the names in use.
pub fn check_name(raw: &str, intent: Intent, taken: &[String]) -> Result<String, InputError> {
    let name = validate::profile_name(raw)?;
    if intent == Intent::Create && taken.contains(&name) {
        return Err(InputError::NameTaken(name));
    }
    Ok(name)
}

/// The key ID a profile stores beside `key`. A key that carries its own ID and a typed one
/// that differs is an error naming both; a PEM (which carries none) takes the typed one.
pub fn resolve_key_id(
    key: Option<&PrivateKey>,
    typed: Option<&str>,
) -> Result<Option<String>, InputError> {
    let typed = match typed {
        Some(t) => validate::key_id(t)?,
        None => None,
    };
    match (key.and_then(PrivateKey::kid), typed) {
        (Some(own), Some(typed)) if own != typed => Err(InputError::KeyIdConflict {
            key: own.to_string(),
            typed,
        }),
        // The key names itself; storing the same ID again would only be a second copy.
        (Some(_), _) => Ok(None),
        (None, typed) => Ok(typed),
    }
}

impl Draft {
    /// The fields a new profile still needs.
    pub fn missing(&self, integration: Integration, existing: Option<&Profile>) -> Vec<SetupField> {
        if existing.is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.host.is_none() {
            out.push(SetupField::Host);
        }
        if self.client_id.is_none() {
            out.push(SetupField::ClientId);
        }
        let secret_given = match integration {
            Integration::OneTrust => self.secret.is_some(),
            Integration::Okta => self.key.is_some(),
        };
        if !secret_given {
            out.push(SetupField::Secret);
        }
        out
    }

    /// Validates every field with its one rule. `existing` is the profile of that name, if
    /// any; `stored_kid` is the key ID inside the stored key, when only a key ID changes.
    pub fn validate(
        &self,
        integration: Integration,
        intent: Intent,
        existing: Option<&Profile>,
        stored_kid: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Validated, InputError> {
        let name = validate::profile_name(&self.name)?;
        check_existing(&name, integration, intent, existing)?;
        let missing = self.missing(integration, existing);
        if !missing.is_empty() {
            return Err(InputError::Missing(missing));
        }
        let mut notes = Vec::new();
        let mut note = |field, list: Vec<Note>| notes.extend(list.into_iter().map(|n| (field, n)));

        let host = match (&self.host, existing) {
            (Some(raw), _) => {
                let h = validate::hostname(raw, integration)?;
                note(SetupField::Host, h.notes);
                h.value.to_profile_string()
            }
            (None, Some(p)) => p.host.clone(),
            (None, None) => return Err(InputError::Missing(vec![SetupField::Host])),
        };
        let client_id = match (&self.client_id, existing) {
            (Some(raw), _) => {
                let c = validate::client_id(raw)?;
                note(SetupField::ClientId, c.notes);
                c.value
            }
            (None, Some(p)) => p.client_id.clone(),
            (None, None) => return Err(InputError::Missing(vec![SetupField::ClientId])),
        };
        let mut key_summary = None;
        let (secret, okta) = match integration {
            Integration::OneTrust => {
                let secret = match &self.secret {
                    Some(raw) => {
                        let s = validate::client_secret(raw.expose_secret())?;
                        note(SetupField::Secret, s.notes);
                        Some(s.value)
                    }
                    None => None,
                };
                (secret, None)
            }
            Integration::Okta => {
                let previous = existing.and_then(|p| p.okta.as_ref());
                let key_id = match (&self.key, &self.key_id) {
                    // A key made here is kept as PEM, which cannot carry its ID: store it.
                    (Some(k), _) if self.generated => {
                        key_summary = Some(k.key.describe());
                        k.key.kid().map(str::to_string)
                    }
                    (Some(k), typed) => {
                        note(SetupField::Secret, k.notes.clone());
                        key_summary = Some(k.key.describe());
                        resolve_key_id(Some(&k.key), typed.as_deref())?
                    }
                    // Only the key ID changes: it must agree with the key already stored.
                    (None, Some(typed)) => match (stored_kid, validate::key_id(typed)?) {
                        (Some(own), Some(t)) if own != t => {
                            return Err(InputError::KeyIdConflict {
                                key: own.to_string(),
                                typed: t,
                            });
                        }
                        (Some(_), _) => None,
                        (None, t) => t,
                    },
                    (None, None) => previous.and_then(|p| p.key_id.clone()),
                };
                let scopes = match (&self.scopes, previous) {
                    (Some(raw), _) => validate::okta_scopes(raw)?,
                    (None, Some(p)) => p.scopes.clone(),
                    (None, None) => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
                };
                let okta = OktaSettings {
                    key_id,
                    dpop: self
                        .dpop
                        .or(previous.map(|p| p.dpop))
                        .unwrap_or(DEFAULT_DPOP),
                    scopes,
                    dpop_nonce: previous.and_then(|p| p.dpop_nonce.clone()),
                    key_origin: match (&self.key, previous) {
                        (Some(_), _) if self.generated => KeyOrigin::Generated,
                        (Some(_), _) => KeyOrigin::Pasted,
                        (None, Some(p)) => p.key_origin,
                        (None, None) => KeyOrigin::Pasted,
                    },
                    staged: previous.and_then(|p| p.staged.clone()),
                };
                (self.key.as_ref().map(|k| k.text.clone()), Some(okta))
            }
        };
        let key_id_changed = match (&okta, existing.and_then(|p| p.okta.as_ref())) {
            (Some(new), Some(old)) => new.key_id != old.key_id,
            _ => true,
        };
        let profile = Profile {
            integration,
            host,
            client_id,
            secret_ref: existing.map_or_else(profile::new_secret_ref, |p| p.secret_ref.clone()),
            created: existing.map_or(now, |p| p.created),
            updated: now,
            secret_stored: if secret.is_some() {
                Some(now)
            } else {
                existing.and_then(|p| p.secret_stored)
            },
            last_test: None,
            okta,
            secret_store: existing.and_then(|p| p.secret_store),
        };
        Ok(Validated {
            name,
            intent,
            profile,
            secret,
            notes,
            key_summary,
            key_id_changed,
            host_entered: self.host.is_some(),
        })
    }
}

/// Validates `draft` against what is stored: the existing profile of that name and, when only
/// a key ID changes, the key in the keyring.
pub async fn prepare(
    services: &Services,
    integration: Integration,
    intent: Intent,
    draft: &Draft,
) -> Result<Validated, AppError> {
    let name = draft.name.trim();
    let existing = services.store.load()?.profiles.get(name).cloned();
    // Only a key ID that changes, without a new key, needs the stored key to check against.
    let typed = draft
        .key_id
        .as_deref()
        .and_then(|t| validate::key_id(t).ok().flatten());
    let stored_kid = match (&existing, &draft.key, typed) {
        (Some(p), None, Some(t))
            if p.integration == Integration::Okta
                && p.okta.as_ref().and_then(|o| o.key_id.as_deref()) != Some(t.as_str()) =>
        {
            stored_key_id(services, name, p).await?
        }
        _ => None,
    };
    draft
        .validate(
            integration,
            intent,
            existing.as_ref(),
            stored_kid.as_deref(),
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| match existing {
            Some(_) => e.into_app(name, integration),
            None => e.into_app_new(name, integration),
        })
}

/// The key ID inside a profile's stored key (a JWK carries one; a PEM does not).
async fn stored_key_id(
    services: &Services,
    name: &str,
    profile: &Profile,
) -> Result<Option<String>, AppError> {
    let stored = services
        .vault
        .get(&secret_key(name, profile))
        .await
        .map_err(|e| AppError::store(e, name, Some(profile.integration)))?;
    Ok(stored
        .and_then(|s| PrivateKey::parse(s.expose_secret()).ok())
        .and_then(|k| k.value.1.kid().map(str::to_string)))
}

/// Stores the secret (if any) and then the profile, as one step under the profiles lock: a
/// concurrent setup of the same profile waits, and finds and reuses this one's keyring entry.
/// If the profile cannot be written, the keyring entry is put back as it was.
pub async fn save(services: &Services, v: &Validated) -> Result<(), AppError> {
    let integration = v.profile.integration;
    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let existing = all.profiles.get(&v.name).cloned();
    let input = |e: InputError| e.into_app(&v.name, integration);
    if v.intent == Intent::Update && existing.is_none() {
        return Err(profile::ProfileError::NotFound(v.name.clone()).into());
    }
    check_existing(&v.name, integration, v.intent, existing.as_ref()).map_err(input)?;
    let mut profile = v.profile.clone();
    if let Some(e) = &existing {
        // Another setup may have created it since `prepare`: share its keyring entry. A key
        // staged meanwhile stays staged.
        profile.secret_ref = e.secret_ref.clone();
        profile.created = e.created;
        if let (Some(o), Some(prev)) = (profile.okta.as_mut(), e.okta.as_ref()) {
            o.staged = prev.staged.clone();
            // No new key: what belongs to the stored key is taken as it is now (a promotion may
            // have changed it since `prepare`), unless the key ID itself was set.
            if v.secret.is_none() {
                o.key_origin = prev.key_origin;
                if !v.key_id_changed {
                    o.key_id = prev.key_id.clone();
                }
            }
        }
        if v.secret.is_none() {
            profile.secret_stored = e.secret_stored;
        }
    }
    if let Some(chosen) = services.vault.chosen()
        && (v.secret.is_some() || existing.is_none())
    {
        // A secret entered now goes to the keyring the admin chose (`--secret-store`); the
        // profile records it, so that later runs look there whatever their default.
        profile.secret_store = crate::secret::Backend::recorded(chosen);
    }
    let store_id = all.store_id();
    let key = secret_key(&v.name, &profile).in_store(Some(&store_id));
    let is_new = existing.is_none();
    let store_err = |e| match AppError::store(e, &v.name, Some(integration)) {
        // Nothing was saved: the fix sets the profile up rather than changing it.
        AppError::Failed(d) if is_new => AppError::Failed(d.for_new_profile()),
        other => other,
    };
    let previous = match (&v.secret, &existing) {
        (Some(_), Some(_)) => services.vault.get_raw(&key).await.map_err(store_err)?,
        _ => None,
    };
    let mut rebound = Vec::new();
    match (&v.secret, &existing) {
        (Some(secret), _) => services
            .vault
            .set(&key, secret.clone())
            .await
            .map_err(store_err)?,
        (None, None) => {
            return Err(input(InputError::Missing(vec![SetupField::Secret])));
        }
        (None, Some(old)) if v.host_entered => {
            rebound = rebind(services, &v.name, old, &profile)
                .await
                .map_err(store_err)?;
        }
        (None, Some(_)) => {}
    }
    all.profiles.insert(v.name.clone(), profile);
    if let Err(e) = lock.save(&mut all) {
        let mut undo: Vec<_> = rebound;
        if v.secret.is_some() {
            undo.push((key, previous));
        }
        for (key, old) in undo {
            let undone = match old {
                Some(old) => services.vault.set_raw(&key, old).await,
                None => services.vault.delete(&key).await,
            };
            if let Err(u) = undone {
                tracing::error!(profile = v.name, "cannot roll the keyring entry back: {u}");
            }
        }
        return Err(e.into());
    }
    Ok(())
}

/// A setup that names the host again confirms it: the profile's stored secret, and a staged
/// key, are bound to `new`'s host, whatever host they were stored for (`secret.host_changed`
/// says to do exactly this). Returns each entry's value as it was, for a rollback.
async fn rebind(
    services: &Services,
    name: &str,
    old: &Profile,
    new: &Profile,
) -> Result<Vec<(crate::secret::SecretKey, Option<SecretString>)>, crate::secret::SecretStoreError>
{
    let mut was = Vec::new();
    for secret_ref in old.secret_refs() {
        // Read as stored (`get_raw` checks no binding: the one being replaced may name any
        // host), from the keyring the profile keeps it in.
        let Some(raw) = services
            .vault
            .get_raw(&entry(name, old, secret_ref))
            .await?
        else {
            continue;
        };
        let secret = crate::secret::unseal(&raw).1;
        services
            .vault
            .set(&entry(name, new, secret_ref), secret)
            .await?;
        was.push((entry(name, new, secret_ref), Some(raw)));
    }
    Ok(was)
}

/// The question both faces ask before `remove` (each adds how to answer).
pub fn remove_question(name: &str) -> String {
    format!("Remove profile \"{name}\" and delete its secret from the keyring?")
}

/// What both faces say once `remove` is done.
pub fn removed_message(name: &str) -> String {
    format!("Removed profile \"{name}\" and its secret.")
}

/// Removes a profile and its secret: the secret first, so none is ever left behind.
pub async fn remove(services: &Services, name: &str) -> Result<(), AppError> {
    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let profile = all.get(name)?.clone();
    // The staged key first: a failure between the two never leaves a profile without the key
    // that works.
    let refs: Vec<&str> = profile.secret_refs().collect();
    for secret_ref in refs.iter().rev() {
        services
            .vault
            .delete(&entry(name, &profile, secret_ref))
            .await
            .map_err(|e| AppError::store(e, name, Some(profile.integration)))?;
    }
    all.profiles.remove(name);
    lock.save(&mut all)?;
    Ok(())
}

use crate::session::entry_key as entry;

/// What to tell the admin when a rotation's candidate failed and nothing was replaced: an
/// Okta profile keeps its key, a OneTrust profile its secret.
pub fn kept_message(integration: Integration) -> &'static str {
    match integration {
        Integration::OneTrust => diagnose::note("rotate.kept"),
        Integration::Okta => diagnose::note("rotate.kept_key"),
    }
}

#[cfg(test)]
mod tests;
