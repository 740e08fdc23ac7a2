//! Persisting a validated setup: the one path both faces use. The secret goes to the vault
//! first, so a missing keyring writes nothing; then the profile.

use secrecy::SecretString;
use thiserror::Error;

use crate::profile::{Profile, ProfileError, ProfileStore};
use crate::secret::{SecretStoreError, Vault};
use crate::session;

#[derive(Debug, Error)]
pub enum SaveError {
    #[error(transparent)]
    Secret(#[from] SecretStoreError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// Stores `secret` (when given; else the stored one stays) and writes `profile` as `name`.
pub async fn save(
    store: &ProfileStore,
    vault: &Vault,
    name: &str,
    profile: &Profile,
    secret: Option<SecretString>,
) -> Result<(), SaveError> {
    if let Some(secret) = secret {
        vault
            .set(&session::secret_key(name, profile), secret)
            .await?;
    }
    store.update(|all| {
        all.profiles.insert(name.to_string(), profile.clone());
        Ok::<_, SaveError>(())
    })
}

/// Removes a profile; its secret goes first, so none is ever left behind.
pub async fn remove(store: &ProfileStore, vault: &Vault, name: &str) -> Result<(), SaveError> {
    let profile = store.load()?.get(name)?.clone();
    vault.delete(&session::secret_key(name, &profile)).await?;
    store.update(|all| {
        all.profiles.remove(name);
        Ok::<_, SaveError>(())
    })
}

/// Replaces a profile's secret (and, for Okta, its key ID, which belongs to the old key).
pub async fn rotate(
    store: &ProfileStore,
    vault: &Vault,
    name: &str,
    secret: SecretString,
    key_id: Option<String>,
) -> Result<(), SaveError> {
    let profile = store.load()?.get(name)?.clone();
    vault
        .set(&session::secret_key(name, &profile), secret)
        .await?;
    store.update(|all| {
        if let Some(p) = all.profiles.get_mut(name) {
            p.updated = time::OffsetDateTime::now_utc();
            if let Some(o) = p.okta.as_mut() {
                o.key_id = key_id;
            }
        }
        Ok::<_, SaveError>(())
    })
}
