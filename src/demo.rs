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
use ploy_core::profile::ProfileStore;
use ploy_core::secret::{MemoryStore, Vault};
use ploy_core::setup::{self, Draft, Intent};
use ploy_emulator::{EmulatorConfig, Running};

pub struct Demo {
    pub services: Services,
    pub banner: String,
    pub profiles: Vec<String>,
    /// The emulated tenants (their request counters are public for benchmarks).
    pub emulator: Running,
    _dir: tempfile::TempDir,
}

impl Demo {
    /// Plays the emulated Okta org's admin: adds a public key made here to its app, and says
    /// what it did. If the app already holds two keys, the oldest key made here is retired
    /// first, and the message says so (the demo's own profiles keep the org's first key).
    pub fn okta_admin(&self) -> crate::tui::runner::AddOktaKey {
        let org = Arc::clone(&self.emulator.okta);
        let console_kid = self.emulator.credentials.okta.key_id.clone();
        Arc::new(move |jwk: &serde_json::Value| {
            let ids = org.key_ids();
            let mut retired = None;
            if ids.len() >= ploy_emulator::okta::MAX_KEYS
                && let Some(oldest) = ids.iter().find(|k| **k != console_kid)
                && org.remove_key(oldest)
            {
                retired = Some(oldest.clone());
            }
            let kid = org.add_key(jwk)?;
            Ok(match retired {
                Some(old) => format!(
                    "The emulated Okta app now holds the key {kid}. An app holds two keys at most, so the demo retired {old} first, as an admin would."
                ),
                None => format!("The emulated Okta app now holds the key {kid}."),
            })
        })
    }
}

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
            "DEMO: emulated tenants on {}; nothing is kept",
            running.addr
        ),
        services,
        profiles: names,
        _dir: dir,
        emulator: running,
    })
}
