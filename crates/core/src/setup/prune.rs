//! Secrets nothing points to: a keyring entry of this config dir whose profile is gone or now
//! uses another entry (a hand-edited profiles file, a setup killed at the wrong moment by an
//! older ploy-connect). Only entries marked with this config dir's id are ever removed; others
//! may belong to another config dir and are only reported.

use crate::app::{AppError, Services};
use crate::secret::SecretKey;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Orphans {
    /// This config dir's entries that no profile uses: safe to remove.
    pub ours: Vec<String>,
    /// Entries with no config dir mark (made before the mark existed, or elsewhere) that no
    /// profile here uses: listed, never removed.
    pub unmarked: Vec<String>,
}

pub async fn orphans(services: &Services) -> Result<Orphans, AppError> {
    // Under the lock: a stage writes its keyring entry and then the profile while holding it,
    // so an entry seen here without its profile is not one half-way through.
    let lock = services.store.lock().await?;
    let all = lock.load()?;
    let listed = services
        .vault
        .list()
        .await
        .map_err(|e| AppError::store(e, "", None))?;
    drop(lock);
    let used = |account: &str| {
        SecretKey::parse_account(account).is_some_and(|(name, secret_ref)| {
            all.profiles
                .get(name)
                .is_some_and(|p| p.secret_refs().any(|r| r == secret_ref))
        })
    };
    let mut out = Orphans::default();
    for l in listed {
        if used(&l.account) {
            continue;
        }
        match (&l.store, &all.store_id) {
            (Some(s), Some(ours)) if s == ours => out.ours.push(l.account),
            (None, _) => out.unmarked.push(l.account),
            _ => {}
        }
    }
    out.ours.sort();
    out.unmarked.sort();
    Ok(out)
}

/// Removes the given entries (the `ours` of `orphans`), each checked again under the lock:
/// one a profile has come to use since (a key staged meanwhile) is kept.
pub async fn prune(services: &Services, accounts: &[String]) -> Result<(), AppError> {
    let lock = services.store.lock().await?;
    let _commit = crate::app::commit();
    let all = lock.load()?;
    let used = |account: &str| {
        SecretKey::parse_account(account).is_some_and(|(name, secret_ref)| {
            all.profiles
                .get(name)
                .is_some_and(|p| p.secret_refs().any(|r| r == secret_ref))
        })
    };
    for a in accounts.iter().filter(|a| !used(a)) {
        services
            .vault
            .delete(&SecretKey::from_account(a))
            .await
            .map_err(|e| AppError::store(e, "", None))?;
    }
    Ok(())
}
