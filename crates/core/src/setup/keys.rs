//! An Okta key's life when ploy-connect makes it: stage a new key beside the current one (the
//! current key keeps working while the admin adds the new public key in Okta), prove it, and
//! only then make it current and forget the old private key.
//!
//! Each key has its own keyring entry. Staging writes the new entry, then the profile;
//! promoting is one write of the profile (which entry is current), then the old entry is
//! deleted. A crash between any two of these leaves either the old state or the new one; the
//! worst left behind is an entry no profile points to, which `profiles prune` removes and the
//! next staging never reads.

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use super::entry;
use crate::app::{AppError, Services};
use crate::check::{self, CheckEvent, Report};
use crate::integration::Integration;
use crate::keys::{self, KeyType, PrivateKey};
use crate::profile::{self, KeyOrigin, Profile, StagedKey};
use crate::session::SecretSource;

/// What `stage` made: the public JWK to add in Okta.
#[derive(Debug, Clone)]
pub struct Staged {
    pub key_id: String,
    pub key_type: KeyType,
    pub public_jwk: serde_json::Value,
    /// The key ID of a staged key this one replaced (it was never promoted).
    pub replaced: Option<String>,
}

/// How a promotion ended.
#[derive(Debug)]
pub struct Promotion {
    /// The staged key's test.
    pub report: Report,
    /// Whether the staged key is now the current one.
    pub promoted: bool,
    /// The staged key's ID.
    pub key_id: String,
    /// The key ID of the key that was current before, when it is known: the one to deactivate
    /// and delete in Okta.
    pub retired: Option<String>,
}

/// The public halves of a profile's keys.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    pub current: Option<serde_json::Value>,
    pub staged: Option<serde_json::Value>,
}

fn okta_only(name: &str, p: &Profile) -> Result<(), AppError> {
    if p.integration == Integration::Okta {
        Ok(())
    } else {
        Err(AppError::Usage(format!(
            "\"{name}\" is a {} profile: keys are for Okta profiles (rotate {name} replaces its secret)",
            p.integration
        )))
    }
}

fn key_error(name: &str) -> impl Fn(keys::KeyError) -> AppError + '_ {
    move |e| AppError::Internal(format!("{name}: {e}"))
}

/// Makes a key pair off the async threads (RSA takes a moment).
/// Writes a public JWK to `path` as line mode prints it (pretty JSON and a newline); where it
/// went, absolute. Not secret, but a file appears whole or not at all, and an existing one is
/// replaced only as a regular file.
pub fn write_public_key(
    path: &std::path::Path,
    jwk: &serde_json::Value,
) -> std::io::Result<std::path::PathBuf> {
    use crate::files::{PendingFile, Replace};
    let text = serde_json::to_string_pretty(jwk).map_err(std::io::Error::other)?;
    let pending = PendingFile::create(path, Replace::Allow)?;
    let mut file = pending.writer()?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes())?;
    drop(file);
    pending.commit()?;
    Ok(crate::files::absolute(path))
}

pub async fn generate(kind: KeyType) -> Result<keys::Generated, AppError> {
    tokio::task::spawn_blocking(move || keys::generate(kind))
        .await
        .map_err(|e| AppError::Internal(format!("key generation stopped: {e}")))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Stages a new key pair of `kind` for profile `name`: its private half into the keyring
/// under a new entry, the profile told of it. The current key is untouched.
pub async fn stage(services: &Services, name: &str, kind: KeyType) -> Result<Staged, AppError> {
    okta_only(
        name,
        &super::rotate::load_where_bound(services, name).await?,
    )?;
    let generated = generate(kind).await?;
    let key_id = generated
        .key
        .kid()
        .map(str::to_string)
        .unwrap_or_else(|| generated.key.thumbprint());
    let public_jwk = generated.public_jwk.clone();

    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let store_id = all.store_id();
    let current = all.get(name)?.clone();
    okta_only(name, &current)?;
    let secret_ref = profile::new_secret_ref();
    let new_entry = entry(name, &current, &secret_ref).in_store(Some(&store_id));
    let store_err = |e| AppError::store(e, name, Some(Integration::Okta));
    services
        .vault
        .set(&new_entry, generated.pem)
        .await
        .map_err(store_err)?;
    let previous = all
        .profiles
        .get_mut(name)
        .and_then(|p| p.okta.as_mut())
        .and_then(|o| {
            o.staged.replace(StagedKey {
                secret_ref: secret_ref.clone(),
                key_id: key_id.clone(),
                key_type: kind,
                created: OffsetDateTime::now_utc(),
            })
        });
    if let Err(e) = lock.save(&mut all) {
        if let Err(u) = services.vault.delete(&new_entry).await {
            tracing::error!(profile = name, "cannot remove the new key's entry: {u}");
        }
        return Err(e.into());
    }
    // The replaced staged key was never in use: forget it. So is any entry of this profile a
    // stage killed half-way left behind: under the lock, what the profile does not point to
    // is nobody's.
    if let Some(old) = &previous
        && let Err(e) = services
            .vault
            .delete(&entry(name, &current, &old.secret_ref))
            .await
    {
        tracing::warn!(profile = name, "cannot remove the replaced staged key: {e}");
    }
    if let Some(p) = all.profiles.get(name) {
        forget_leftovers(services, name, p, &store_id).await;
    }
    tracing::info!(profile = name, kid = key_id, "key staged");
    Ok(Staged {
        key_id,
        key_type: kind,
        public_jwk,
        replaced: previous.map(|p| p.key_id),
    })
}

/// Deletes this config dir's keyring entries of profile `name` that it no longer points to.
/// Called under the profiles lock; best effort (a leftover is only ever an orphan).
async fn forget_leftovers(services: &Services, name: &str, p: &Profile, store_id: &str) {
    let Ok(listed) = services.vault.list().await else {
        return;
    };
    for l in listed {
        let ours = l.store.as_deref() == Some(store_id);
        let stray = crate::secret::SecretKey::parse_account(&l.account)
            .is_some_and(|(n, r)| n == name && !p.secret_refs().any(|used| used == r));
        if ours
            && stray
            && let Err(e) = services
                .vault
                .delete(&crate::secret::SecretKey::from_account(&l.account))
                .await
        {
            tracing::warn!(profile = name, "cannot remove a leftover key entry: {e}");
        }
    }
}

/// The staged key of profile `name`, or why there is none to promote: asked before a face says
/// it is testing one.
pub fn staged_key<'a>(name: &str, p: &'a Profile) -> Result<&'a StagedKey, AppError> {
    okta_only(name, p)?;
    p.staged().ok_or_else(|| {
        AppError::Usage(format!(
            "\"{name}\" has no staged key to test: make one first with {}",
            crate::suggest::command(&["rotate", name, "--generate-key"])
        ))
    })
}

/// After a promotion: which old key to retire in Okta — named when known, else told apart
/// from the new one — the same words in both faces.
pub fn retire_message(p: &Promotion) -> String {
    match &p.retired {
        Some(old) => format!("Now retire the old key (key ID {old}) in Okta."),
        None => format!(
            "Now retire the old key in Okta (the one whose key ID is not {}).",
            p.key_id
        ),
    }
}

/// Tests the staged key of profile `name`; only a passing test makes it current, then the old
/// private key is deleted from the keyring. A failing test changes nothing.
pub async fn promote(
    services: &Services,
    name: &str,
    events: Option<&UnboundedSender<CheckEvent>>,
) -> Result<Promotion, AppError> {
    let stored = services.store.load()?.get(name)?.clone();
    let staged = staged_key(name, &stored)?.clone();
    let store_err = |e| AppError::store(e, name, Some(Integration::Okta));
    let secret = services
        .vault
        .get(&entry(name, &stored, &staged.secret_ref))
        .await
        .map_err(store_err)?
        .ok_or_else(|| {
            AppError::Usage(format!(
                "the staged key of \"{name}\" is not in the keyring any more; stage a new one with {}",
                crate::suggest::command(&["rotate", name, "--generate-key"])
            ))
        })?;
    let mut candidate = stored.clone();
    if let Some(o) = candidate.okta.as_mut() {
        o.key_id = Some(staged.key_id.clone());
        o.key_origin = KeyOrigin::Generated;
    }
    let source = SecretSource::Given {
        secret,
        from: "the keyring (the staged key)",
    };
    let report = check::run_doing(
        name,
        &candidate,
        &source,
        events,
        crate::diagnose::Doing::Promote,
    )
    .await;
    if !report.ok {
        return Ok(Promotion {
            report,
            promoted: false,
            key_id: staged.key_id,
            retired: None,
        });
    }
    let retired = current_key_id(services, name, &stored).await;

    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let now = OffsetDateTime::now_utc();
    let Some(p) = all.profiles.get_mut(name) else {
        return Err(profile::ProfileError::NotFound(name.to_string()).into());
    };
    // Tested against the profile as it was: if its staged or its current key changed
    // meanwhile (another stage, a pasted rotation), promoting now would retire the wrong key.
    let current_changed = p.secret_ref != stored.secret_ref
        || p.okta.as_ref().and_then(|o| o.key_id.as_ref())
            != stored.okta.as_ref().and_then(|o| o.key_id.as_ref());
    if p.staged().map(|s| &s.secret_ref) != Some(&staged.secret_ref) || current_changed {
        return Err(AppError::Usage(format!(
            "the keys of \"{name}\" changed while the staged key was being tested; nothing was promoted, run rotate {name} --promote again"
        )));
    }
    let old_ref = std::mem::replace(&mut p.secret_ref, staged.secret_ref.clone());
    if let Some(o) = p.okta.as_mut() {
        o.key_id = Some(staged.key_id.clone());
        o.key_origin = KeyOrigin::Generated;
        o.staged = None;
    }
    p.updated = now;
    p.secret_stored = Some(now);
    check::record(p, &report);
    let promoted = p.clone();
    lock.save(&mut all)?;
    // The profile points at the new key now; the old entry is only a leftover.
    if let Err(e) = services
        .vault
        .delete(&entry(name, &promoted, &old_ref))
        .await
    {
        tracing::warn!(profile = name, "cannot delete the old private key: {e}");
    }
    tracing::info!(profile = name, kid = staged.key_id, "staged key promoted");
    Ok(Promotion {
        report,
        promoted: true,
        key_id: staged.key_id,
        retired,
    })
}

/// The ID Okta shows for the current key, when ploy-connect can know it: the stored key ID,
/// the JWK's own, or — for a key made here — its thumbprint.
async fn current_key_id(services: &Services, name: &str, p: &Profile) -> Option<String> {
    let o = p.okta.as_ref()?;
    if let Some(kid) = &o.key_id {
        return Some(kid.clone());
    }
    let secret = services
        .vault
        .get(&entry(name, p, &p.secret_ref))
        .await
        .ok()??;
    let key = PrivateKey::parse(secret.expose_secret()).ok()?.value.1;
    key.kid().map(str::to_string)
}

/// The public JWKs of profile `name`'s current and staged keys, from the keyring.
pub async fn public_keys(services: &Services, name: &str) -> Result<PublicKeys, AppError> {
    let p = services.store.load()?.get(name)?.clone();
    okta_only(name, &p)?;
    let store_err = |e| AppError::store(e, name, Some(Integration::Okta));
    let public = |secret: Option<SecretString>, kid: Option<String>| -> Result<_, AppError> {
        let Some(secret) = secret else {
            return Ok(None);
        };
        let key = PrivateKey::parse(secret.expose_secret())
            .map_err(key_error(name))?
            .value
            .1
            .with_kid(kid);
        keys::public_jwk(&key).map(Some).map_err(key_error(name))
    };
    let current = services
        .vault
        .get(&entry(name, &p, &p.secret_ref))
        .await
        .map_err(store_err)?;
    let kid = p.okta.as_ref().and_then(|o| o.key_id.clone());
    let mut out = PublicKeys {
        current: public(current, kid)?,
        staged: None,
    };
    if let Some(s) = p.staged() {
        let staged = services
            .vault
            .get(&entry(name, &p, &s.secret_ref))
            .await
            .map_err(store_err)?;
        out.staged = public(staged, Some(s.key_id.clone()))?;
    }
    Ok(out)
}
