//! `ploy-connect demo`: emulated OneTrust and Okta tenants on loopback, ready-made profiles in a
//! temporary config dir, secrets in memory only. One profile fails on purpose (DPoP off against
//! an app that requires it) so the hints can be seen. The profiles are made with the core's
//! own setup workflow, as a person would make them.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;

use ploy_core::app::{AppError, Services};
use ploy_core::integration::Integration;
use ploy_core::keys::KeySource;
use ploy_core::profile::{ProfileStore, Profiles};
use ploy_core::secret::{MemoryStore, Vault};
use ploy_core::setup::{self, Draft, Intent};
use ploy_core::validate;
use ploy_emulator::{EmulatorConfig, Running};

use crate::tui::msg::{DemoAdded, DemoFull};

pub struct Demo {
    pub services: Services,
    pub banner: String,
    pub profiles: Vec<String>,
    /// The emulated tenants (their request counters are public for benchmarks).
    pub emulator: Running,
    _dir: tempfile::TempDir,
}

impl Demo {
    /// Plays the emulated Okta org's admin: adds a public key made here (for `profile`, which
    /// may not be saved yet) to its app, and says what it did. An app holds two keys at most:
    /// when it is full, a key no profile uses is retired first, and said; when every key it
    /// holds is in use, nothing changes and the answer names the key that would have to go and
    /// the profiles it would stop — the TUI asks, and `retire` is that key once the admin
    /// agreed.
    pub fn okta_admin(&self) -> crate::tui::runner::AddOktaKey {
        let org = Arc::clone(&self.emulator.okta);
        let console_kid = self.emulator.credentials.okta.key_id.clone();
        let host = validate::hostname(&self.emulator.credentials.okta.host, Integration::Okta)
            .map(|h| h.value.to_profile_string())
            .unwrap_or_else(|_| self.emulator.credentials.okta.host.clone());
        let store = self.services.store.clone();
        Arc::new(
            move |jwk: &serde_json::Value, profile: &str, retire: Option<&str>| {
                let ids = org.key_ids();
                let new_kid = jwk.get("kid").and_then(|k| k.as_str()).unwrap_or_default();
                if ids.iter().any(|k| k == new_kid) {
                    return Ok(DemoAdded::Done(format!(
                        "The emulated Okta app already holds the key {new_kid}."
                    )));
                }
                let mut retired = None;
                if ids.len() >= ploy_emulator::okta::MAX_KEYS {
                    let profiles = store.load().map_err(|e| {
                        format!("the demo's Okta admin cannot read the profiles: {e}")
                    })?;
                    let users = |kid: &str| key_users(&profiles, &host, &console_kid, kid);
                    let agreed = retire.filter(|r| ids.iter().any(|k| k == r));
                    let unused = ids.iter().find(|k| users(k).is_empty());
                    let goes = match (agreed, unused) {
                        (Some(kid), _) => kid.to_string(),
                        (None, Some(kid)) => kid.clone(),
                        (None, None) => {
                            // The key whose loss stops the fewest other profiles: in a rotation,
                            // the current key of the profile the new key is for.
                            let kid = ids
                                .iter()
                                .min_by_key(|k| {
                                    let u = users(k);
                                    (u.iter().filter(|n| *n != profile).count(), u.len())
                                })
                                .cloned()
                                .unwrap_or_default();
                            return Ok(DemoAdded::Full(DemoFull {
                                max: ploy_emulator::okta::MAX_KEYS,
                                users: users(&kid),
                                kid,
                            }));
                        }
                    };
                    if org.remove_key(&goes) {
                        retired = Some((users(&goes), goes));
                    }
                }
                let kid = org.add_key(jwk)?;
                let max = ploy_emulator::okta::MAX_KEYS;
                Ok(DemoAdded::Done(match retired {
                    Some((users, old)) if users.is_empty() => format!(
                        "The emulated Okta app now holds the key {kid}. An app holds {max} keys at most: the demo retired {old} first, which no profile uses."
                    ),
                    Some((users, old)) => format!(
                        "The emulated Okta app now holds the key {kid}. The demo retired {old} first, as you agreed: {} no longer connect{}.",
                        users.join(", "),
                        if users.len() == 1 { "s" } else { "" }
                    ),
                    None => format!("The emulated Okta app now holds the key {kid}."),
                }))
            },
        )
    }
}

/// The profiles that sign with the emulated Okta app's key `kid` (`host` is the emulated
/// org): as their current key, or a staged key waiting for it. A profile without a key ID
/// uses the key Okta made for the app (`console_kid`), which the demo's own profiles were
/// made from.
fn key_users(profiles: &Profiles, host: &str, console_kid: &str, kid: &str) -> Vec<String> {
    profiles
        .profiles
        .iter()
        .filter(|(_, p)| p.integration == Integration::Okta && p.host == host)
        .filter(|(_, p)| {
            p.okta.as_ref().is_some_and(|o| {
                o.key_id.as_deref().unwrap_or(console_kid) == kid
                    || o.staged.as_ref().is_some_and(|s| s.key_id == kid)
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The demo's Okta and OneTrust profiles of the same emulator, whose people overlap as real
/// tenants' do (leavers still active in OneTrust, orphans, addresses in another case): the
/// TUI opens with them marked, so Identities (`I`) shows every flag.
pub const OVERLAPPING: [&str; 2] = ["corp-okta", "acme-onetrust"];

pub async fn prepare(users: usize) -> Result<Demo, AppError> {
    let dir = tempfile::Builder::new()
        .prefix("ploy-connect-demo-")
        .tempdir()
        .map_err(AppError::io("cannot create a temporary config dir"))?;
    // A demo stopped by a signal must not leave its config dir behind.
    ploy_core::files::remove_on_exit(dir.path());
    let services = Services {
        // Its last tests stay in its own dir: the real state dir never hears of the demo.
        store: ProfileStore::new(dir.path()).with_state_dir(dir.path().join("state")),
        vault: Vault::new(Arc::new(MemoryStore::new())),
    };
    let running = ploy_emulator::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        &EmulatorConfig {
            users,
            ..EmulatorConfig::default()
        },
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let c = running.credentials.clone();
    let key = |text: &str| {
        KeySource::Pasted(SecretString::from(text.to_string()))
            .load()
            .map_err(|e| AppError::Internal(format!("the emulator's key: {e}")))
    };
    let drafts = [
        (
            Integration::OneTrust,
            Draft {
                name: "acme-onetrust".into(),
                host: Some(c.onetrust.host.clone()),
                client_id: Some(c.onetrust.client_id.clone()),
                secret: Some(SecretString::from(c.onetrust.client_secret.clone())),
                ..Draft::default()
            },
        ),
        (
            Integration::Okta,
            Draft {
                name: "corp-okta".into(),
                host: Some(c.okta.host.clone()),
                client_id: Some(c.okta.client_id.clone()),
                key: Some(key(&c.okta.private_key_pem)?),
                dpop: Some(true),
                ..Draft::default()
            },
        ),
        (
            Integration::Okta,
            Draft {
                name: "corp-okta-no-dpop".into(),
                host: Some(c.okta.host.clone()),
                client_id: Some(c.okta.client_id.clone()),
                key: Some(key(&c.okta.private_key_jwk)?),
                dpop: Some(false),
                ..Draft::default()
            },
        ),
    ];
    let mut names = Vec::new();
    for (integration, draft) in drafts {
        let v = setup::prepare(&services, integration, Intent::Create, &draft).await?;
        setup::save(&services, &v).await?;
        names.push(draft.name);
    }
    Ok(Demo {
        banner: format!(
            "DEMO: nothing is kept; emulated tenants on {}",
            running.addr
        ),
        services,
        profiles: names,
        _dir: dir,
        emulator: running,
    })
}
