//! `ploy-connect demo`: emulated OneTrust and Okta tenants on loopback, ready-made profiles in a
//! temporary config dir, secrets in memory only. One profile fails on purpose (DPoP off against
//! an app that requires it) so the hints can be seen.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use time::OffsetDateTime;

use crate::connector::okta;
use crate::emulator::{self, EmulatorConfig, Running};
use crate::integration::Integration;
use crate::plain::PlainError;
use crate::profile::{self, OktaSettings, Profile, ProfileStore};
use crate::secret::{MemoryStore, Vault};
use crate::setup;
use crate::tui::Services;

pub struct Demo {
    pub services: Services,
    pub banner: String,
    pub profiles: Vec<String>,
    /// The emulated tenants (their request counters are public for benchmarks).
    pub emulator: Running,
    _dir: tempfile::TempDir,
}

fn profile(
    integration: Integration,
    host: &str,
    client_id: &str,
    okta: Option<OktaSettings>,
) -> Profile {
    let now = OffsetDateTime::now_utc();
    Profile {
        integration,
        host: host.to_string(),
        client_id: client_id.to_string(),
        secret_ref: profile::new_secret_ref(),
        created: now,
        updated: now,
        last_test: None,
        okta,
    }
}

pub async fn prepare(users: usize) -> Result<Demo, PlainError> {
    let dir = tempfile::tempdir().map_err(|e| PlainError::Io {
        what: "cannot create a temporary config dir".into(),
        source: e,
    })?;
    let services = Services {
        store: ProfileStore::new(dir.path()),
        vault: Vault::new(Arc::new(MemoryStore::new())),
    };
    let running = emulator::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        &EmulatorConfig {
            users,
            ..EmulatorConfig::default()
        },
    )
    .await
    .map_err(|e| PlainError::Usage(e.to_string()))?;
    let c = running.credentials.clone();
    let okta_settings = |dpop: bool| OktaSettings {
        key_id: None,
        dpop,
        scopes: okta::RECOMMENDED_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        dpop_nonce: None,
    };
    let demo_profiles = [
        (
            "acme-onetrust",
            profile(
                Integration::OneTrust,
                &c.onetrust.host,
                &c.onetrust.client_id,
                None,
            ),
            c.onetrust.client_secret.clone(),
        ),
        (
            "corp-okta",
            profile(
                Integration::Okta,
                &c.okta.host,
                &c.okta.client_id,
                Some(okta_settings(true)),
            ),
            c.okta.private_key_pem.clone(),
        ),
        (
            "corp-okta-no-dpop",
            profile(
                Integration::Okta,
                &c.okta.host,
                &c.okta.client_id,
                Some(okta_settings(false)),
            ),
            c.okta.private_key_jwk.clone(),
        ),
    ];
    let mut names = Vec::new();
    for (name, p, secret) in demo_profiles {
        setup::save(
            &services.store,
            &services.vault,
            name,
            &p,
            Some(SecretString::from(secret)),
        )
        .await
        .map_err(|e| PlainError::Usage(e.to_string()))?;
        names.push(name.to_string());
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
