//! Rotation is transactional: the candidate secret or key is tested from memory first, and
//! only a passing test replaces what the keyring holds. `force` stores it regardless, for when
//! the vendor is down.

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use super::{InputError, resolve_key_id};
use crate::app::{AppError, Services};
use crate::check::{self, CheckEvent, Report};
use crate::integration::Integration;
use crate::keys::ParsedKey;
use crate::profile::Profile;
use crate::session::{SecretSource, secret_key};
use crate::validate;

/// The new secret or key.
#[derive(Clone)]
pub enum Candidate {
    Secret(SecretString),
    Key {
        key: Box<ParsedKey>,
        /// A key ID entered beside it.
        key_id: Option<String>,
    },
}

/// How a rotation ended.
#[derive(Debug)]
pub struct Rotation {
    /// The candidate's test.
    pub report: Report,
    /// Whether the keyring now holds the candidate.
    pub replaced: bool,
}

/// A candidate checked against its profile: the secret to store and the profile as it will be
/// with it (a new key's ID replaces the old key's).
struct Checked {
    profile: Profile,
    secret: SecretString,
}

fn check_candidate(
    name: &str,
    profile: &Profile,
    candidate: Candidate,
) -> Result<Checked, AppError> {
    let integration = profile.integration;
    let input = |e: InputError| e.into_app(name, integration);
    let (secret, key_id) = match (integration, candidate) {
        (Integration::OneTrust, Candidate::Secret(raw)) => {
            let s = validate::client_secret(raw.expose_secret()).map_err(|e| input(e.into()))?;
            (s.value, None)
        }
        (Integration::Okta, Candidate::Key { key, key_id }) => {
            let id = resolve_key_id(Some(&key.key), key_id.as_deref()).map_err(input)?;
            (key.text.clone(), id)
        }
        (Integration::OneTrust, Candidate::Key { .. }) => {
            return Err(AppError::Usage(format!(
                "\"{name}\" is a OneTrust profile: give a new client secret, not a private key"
            )));
        }
        (Integration::Okta, Candidate::Secret(_)) => {
            return Err(AppError::Usage(format!(
                "\"{name}\" is an Okta profile: give a new private key, not a secret"
            )));
        }
    };
    let mut profile = profile.clone();
    if let Some(o) = profile.okta.as_mut() {
        o.key_id = key_id;
        // A pasted key came from Okta: its kid problems are kid problems, not "not added yet".
        o.key_origin = crate::profile::KeyOrigin::Pasted;
    }
    Ok(Checked { profile, secret })
}

/// Tests `candidate` for profile `name`, then replaces the stored secret if the test passed
/// (or `force`). A failed test changes nothing at all.
pub async fn rotate(
    services: &Services,
    name: &str,
    candidate: Candidate,
    force: bool,
    events: Option<&UnboundedSender<CheckEvent>>,
) -> Result<Rotation, AppError> {
    let stored = load_where_bound(services, name).await?;
    let checked = check_candidate(name, &stored, candidate)?;
    let source = SecretSource::Given {
        secret: checked.secret.clone(),
        from: "memory (not stored yet)",
    };
    let report = check::run_doing(
        name,
        &checked.profile,
        &source,
        events,
        crate::diagnose::Doing::Rotate,
    )
    .await;
    if !report.ok && !force {
        return Ok(Rotation {
            report,
            replaced: false,
        });
    }
    replace(services, name, &stored, &checked, Some(&report)).await?;
    Ok(Rotation {
        report,
        replaced: true,
    })
}

/// Stores a candidate whose test failed because the admin chose to (the vendor is down), with
/// that test as the profile's last result — what `rotate --force` does in one step.
pub async fn store_after_failed_test(
    services: &Services,
    name: &str,
    candidate: Candidate,
    report: &Report,
) -> Result<(), AppError> {
    let stored = load_where_bound(services, name).await?;
    let checked = check_candidate(name, &stored, candidate)?;
    replace(services, name, &stored, &checked, Some(report)).await
}

/// Replaces the stored secret without a test (`rotate --no-test`).
pub async fn store_untested(
    services: &Services,
    name: &str,
    candidate: Candidate,
) -> Result<(), AppError> {
    let stored = load_where_bound(services, name).await?;
    let checked = check_candidate(name, &stored, candidate)?;
    replace(services, name, &stored, &checked, None).await
}

/// Profile `name`, refused while it names another host than its stored secret was stored for:
/// a new secret is not sent to a host the admin has not confirmed (`secret.host_changed`).
/// A missing secret is no objection: rotating is how one is stored again.
pub(crate) async fn load_where_bound(services: &Services, name: &str) -> Result<Profile, AppError> {
    let stored = services.store.load()?.get(name)?.clone();
    if let Err(e @ crate::secret::SecretStoreError::HostChanged { .. }) =
        services.vault.get(&secret_key(name, &stored)).await
    {
        return Err(AppError::store(e, name, Some(stored.integration)));
    }
    Ok(stored)
}

/// Stores the checked candidate and its profile changes under the profiles lock; the old
/// secret is put back if the profile cannot be written.
async fn replace(
    services: &Services,
    name: &str,
    stored: &Profile,
    checked: &Checked,
    report: Option<&Report>,
) -> Result<(), AppError> {
    let integration = stored.integration;
    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let mut current = all.get(name)?.clone();
    if current.secret_ref != stored.secret_ref || current.integration != integration {
        return Err(AppError::Usage(format!(
            "profile \"{name}\" was replaced while its new secret was being tested; nothing was stored, run rotate again"
        )));
    }
    if let Some(chosen) = services.vault.chosen() {
        // `--secret-store` with a new secret moves the profile to that keyring.
        current.secret_store = crate::secret::Backend::recorded(chosen);
    }
    let store_id = all.store_id();
    let key = secret_key(name, &current).in_store(Some(&store_id));
    let store_err = |e| AppError::store(e, name, Some(integration));
    let previous = services.vault.get_raw(&key).await.map_err(store_err)?;
    services
        .vault
        .set(&key, checked.secret.clone())
        .await
        .map_err(store_err)?;
    if let Some(p) = all.profiles.get_mut(name) {
        p.updated = OffsetDateTime::now_utc();
        p.secret_stored = Some(p.updated);
        p.secret_store = current.secret_store;
        if let (Some(o), Some(new)) = (p.okta.as_mut(), checked.profile.okta.as_ref()) {
            o.key_id = new.key_id.clone();
            o.key_origin = new.key_origin;
        }
        match report {
            Some(r) => check::record(p, r),
            // Untested: the last result belonged to the old secret.
            None => p.last_test = None,
        }
    }
    if let Err(e) = lock.save(&mut all) {
        let undo = match previous {
            Some(old) => services.vault.set_raw(&key, old).await,
            None => services.vault.delete(&key).await,
        };
        if let Err(u) = undo {
            tracing::error!(profile = name, "cannot roll the keyring entry back: {u}");
        }
        return Err(e.into());
    }
    Ok(())
}
