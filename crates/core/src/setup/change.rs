//! Changing a saved profile without touching its secret (`profiles set`), renaming it with
//! its keyring entries (`profiles rename`), and the key ID it signs with, for both faces.

use secrecy::{ExposeSecret, SecretString};

use crate::app::{AppError, Services};
use crate::integration::Integration;
use crate::keys::PrivateKey;
use crate::profile::Profile;
use crate::secret::SecretKey;
use crate::validate;

use super::{Draft, InputError, Intent, Validated, entry};

/// The settings `profiles set` may change; `None` keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub host: Option<String>,
    pub dpop: Option<bool>,
    pub scopes: Option<String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self == &Change::default()
    }
}

/// Applies `change` to profile `name` by setup's own rules (the same validation, the same
/// locked save; a host given again re-binds the stored secret to it). The secret stays.
pub async fn change(
    services: &Services,
    name: &str,
    change: &Change,
) -> Result<Validated, AppError> {
    let existing = services.store.load()?.get(name)?.clone();
    let integration = existing.integration;
    if integration != Integration::Okta && (change.dpop.is_some() || change.scopes.is_some()) {
        return Err(AppError::Usage(format!(
            "\"{name}\" is a {integration} profile: DPoP and scopes are Okta settings"
        )));
    }
    if change.is_empty() {
        return Err(AppError::Usage(
            "nothing to change: give --host, --dpop, --no-dpop or --scopes".into(),
        ));
    }
    let draft = Draft {
        name: name.to_string(),
        host: change.host.clone(),
        dpop: change.dpop,
        scopes: change.scopes.clone(),
        ..Draft::default()
    };
    let v = super::prepare(services, integration, Intent::Update, &draft).await?;
    super::save(services, &v).await?;
    Ok(v)
}

/// Renames profile `old` to `new`, its keyring entries with it: each is copied under the new
/// name first, then the profiles file is written, and only then are the old entries deleted. A
/// failure before the file is written deletes the copies, so the profile keeps its old name
/// and secret; an old entry that cannot be deleted afterwards is an orphan `profiles prune`
/// finds, never a lost secret.
pub async fn rename(services: &Services, old: &str, new: &str) -> Result<(), AppError> {
    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let mut all = lock.load()?;
    let profile = all.get(old)?.clone();
    let integration = profile.integration;
    let new =
        validate::profile_name(new).map_err(|e| InputError::from(e).into_app(old, integration))?;
    if all.profiles.contains_key(&new) {
        return Err(InputError::NameTaken(new).into_app(old, integration));
    }
    let store_id = all.store_id();
    let store_err = |e| AppError::store(e, old, Some(integration));
    let mut copied: Vec<(SecretKey, SecretKey)> = Vec::new();
    let mut failed = None;
    for secret_ref in profile.secret_refs() {
        let from = entry(old, &profile, secret_ref);
        let raw = match services.vault.get_raw(&from).await {
            Ok(Some(raw)) => raw,
            Ok(None) => continue,
            Err(e) => {
                failed = Some(store_err(e));
                break;
            }
        };
        let to = entry(&new, &profile, secret_ref).in_store(Some(&store_id));
        if let Err(e) = services.vault.set_raw(&to, raw).await {
            failed = Some(store_err(e));
            break;
        }
        copied.push((from, to));
    }
    if let Some(e) = failed {
        undo(services, old, &copied).await;
        return Err(e);
    }
    all.profiles.remove(old);
    all.profiles.insert(new.clone(), profile);
    if let Err(e) = lock.save(&mut all) {
        undo(services, old, &copied).await;
        return Err(e.into());
    }
    for (from, _) in &copied {
        if let Err(e) = services.vault.delete(from).await {
            tracing::warn!(
                profile = new,
                "the old keyring entry stays (profiles prune): {e}"
            );
        }
    }
    Ok(())
}

/// Deletes the copies a rename made before it failed.
async fn undo(services: &Services, old: &str, copied: &[(SecretKey, SecretKey)]) {
    for (_, to) in copied {
        if let Err(e) = services.vault.delete(to).await {
            tracing::error!(profile = old, "cannot delete a copied keyring entry: {e}");
        }
    }
}

/// The key ID an Okta profile signs with: the one stored beside its key, else the key's own
/// (a JWK's `kid`); `stored` is the key as the keyring gives it.
pub fn key_id_of(profile: &Profile, stored: Option<&SecretString>) -> Option<String> {
    let okta = profile.okta.as_ref()?;
    okta.key_id.clone().or_else(|| {
        let key = PrivateKey::parse(stored?.expose_secret()).ok()?;
        key.value.1.kid().map(str::to_string)
    })
}

/// Whether a profile's secret is in its keyring (read as stored: a secret bound to another
/// host is still there).
pub async fn secret_present(
    services: &Services,
    name: &str,
    profile: &Profile,
) -> Result<bool, crate::secret::SecretStoreError> {
    let key = crate::session::secret_key(name, profile);
    Ok(services.vault.get_raw(&key).await?.is_some())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::profile::ProfileStore;
    use crate::secret::{MemoryStore, SecretStoreError, Vault};

    fn services(dir: &std::path::Path, store: Arc<MemoryStore>) -> Services {
        Services {
            store: ProfileStore::new(dir).with_state_dir(dir.join("state")),
            vault: Vault::new(store),
        }
    }

    async fn saved(services: &Services, name: &str) {
        let draft = Draft {
            name: name.into(),
            host: Some("acme.my.onetrust.com".into()),
            client_id: Some("0123456789abcdef0123456789abcdef".into()),
            secret: Some(SecretString::from("s3cr3t-value-0123456789abcdef")),
            ..Draft::default()
        };
        let v = super::super::prepare(services, Integration::OneTrust, Intent::Create, &draft)
            .await
            .unwrap();
        super::super::save(services, &v).await.unwrap();
    }

    #[tokio::test]
    async fn a_rename_moves_the_secret_and_a_failure_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let memory = Arc::new(MemoryStore::new());
        let s = services(dir.path(), memory.clone());
        saved(&s, "acme").await;
        rename(&s, "acme", "acme-eu").await.unwrap();
        let all = s.store.load().unwrap();
        assert!(all.get("acme").is_err());
        let p = all.get("acme-eu").unwrap();
        assert!(secret_present(&s, "acme-eu", p).await.unwrap());
        let accounts = memory.accounts();
        assert_eq!(accounts.len(), 1, "{accounts:?}");
        assert!(accounts[0].contains("/acme-eu/"), "{accounts:?}");

        // A taken or invalid name is refused before anything moves.
        saved(&s, "other").await;
        let err = rename(&s, "acme-eu", "other").await.unwrap_err();
        assert_eq!(err.exit_code(), crate::app::exit::USAGE, "{err}");
        assert!(rename(&s, "acme-eu", "no way").await.is_err());

        // The keyring fails: the profile keeps its name.
        let broken = services(
            dir.path(),
            Arc::new(MemoryStore::failing(SecretStoreError::Unavailable(
                "x".into(),
            ))),
        );
        assert!(rename(&broken, "acme-eu", "acme-us").await.is_err());
        let all = s.store.load().unwrap();
        assert!(all.get("acme-eu").is_ok() && all.get("acme-us").is_err());
    }
}
