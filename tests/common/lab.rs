//! In-process tests: the core's setup, rotation, test run and export over a `MemoryStore`,
//! against the emulator started in the test's own runtime.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;

use ploy_core::app::{AppError, Services};
use ploy_core::check::{self, Report};
use ploy_core::diagnose::Failure;
use ploy_core::integration::Integration;
use ploy_core::keys::KeySource;
use ploy_core::profile::ProfileStore;
use ploy_core::secret::{MemoryStore, SecretStoreError, Vault};
use ploy_core::session::{self, SecretSource};
use ploy_core::setup::{self, Candidate, Draft, Intent, Rotation};
use ploy_core::users::User;
use ploy_emulator::{Credentials, EmulatorConfig, Running, Scenario};

/// One emulator, one config dir, one in-memory vault.
pub struct Lab {
    pub services: Services,
    /// The in-memory keyring, when the lab has one.
    pub memory: Option<Arc<MemoryStore>>,
    pub emulator: Running,
    pub creds: Credentials,
    pub dir: tempfile::TempDir,
}

pub fn scenarios(names: &[&str]) -> Vec<Scenario> {
    names.iter().map(|s| s.parse().expect("scenario")).collect()
}

impl Lab {
    pub async fn new(users: usize, names: &[&str]) -> Lab {
        let memory = Arc::new(MemoryStore::new());
        let mut lab = Self::with_vault(users, names, Vault::new(memory.clone())).await;
        lab.memory = Some(memory);
        lab
    }

    /// A lab whose keyring fails every call.
    pub async fn without_keyring(users: usize) -> Lab {
        let store =
            MemoryStore::failing(SecretStoreError::Unavailable("no D-Bus session bus".into()));
        Self::with_vault(users, &[], Vault::new(Arc::new(store))).await
    }

    pub async fn with_vault(users: usize, names: &[&str], vault: Vault) -> Lab {
        Self::over(users, names, vault, ploy_emulator::Network::default()).await
    }

    /// A lab whose emulator answers over an emulated network.
    pub async fn over(
        users: usize,
        names: &[&str],
        vault: Vault,
        network: ploy_emulator::Network,
    ) -> Lab {
        Self::of(
            vault,
            EmulatorConfig {
                users,
                scenarios: scenarios(names),
                seed: 7,
                network,
                ..EmulatorConfig::default()
            },
        )
        .await
    }

    /// An emulator made as `config` says (shape, rate-limit windows, …).
    pub async fn of(vault: Vault, config: EmulatorConfig) -> Lab {
        let emulator = ploy_emulator::start(SocketAddr::from(([127, 0, 0, 1], 0)), &config)
            .await
            .expect("emulator");
        let dir = tempfile::tempdir().unwrap();
        Lab {
            services: Services {
                store: ProfileStore::new(dir.path()).with_state_dir(dir.path().join("state")),
                vault,
            },
            memory: None,
            creds: emulator.credentials.clone(),
            emulator,
            dir,
        }
    }

    /// The same config dir and vault, another emulator (another org with other keys).
    pub fn services(&self) -> &Services {
        &self.services
    }

    pub fn onetrust_draft(&self, name: &str, secret: &str) -> Draft {
        Draft {
            name: name.into(),
            host: Some(self.creds.onetrust.host.clone()),
            client_id: Some(self.creds.onetrust.client_id.clone()),
            secret: Some(SecretString::from(secret.to_string())),
            ..Draft::default()
        }
    }

    pub fn okta_draft(&self, name: &str, key_text: &str) -> Draft {
        Draft {
            name: name.into(),
            host: Some(self.creds.okta.host.clone()),
            client_id: Some(self.creds.okta.client_id.clone()),
            key: Some(parse_key(key_text)),
            ..Draft::default()
        }
    }

    pub async fn save(&self, integration: Integration, draft: &Draft) -> Result<(), AppError> {
        let v = setup::prepare(&self.services, integration, Intent::CreateOrUpdate, draft).await?;
        setup::save(&self.services, &v).await
    }

    /// A OneTrust profile with `secret`.
    pub async fn onetrust(&self, name: &str, secret: &str) {
        self.save(Integration::OneTrust, &self.onetrust_draft(name, secret))
            .await
            .expect("setup onetrust");
    }

    /// An Okta profile with the org's PEM key, changed by `tweak`.
    pub async fn okta(&self, name: &str, tweak: impl FnOnce(&mut Draft)) {
        let mut d = self.okta_draft(name, &self.creds.okta.private_key_pem);
        tweak(&mut d);
        self.save(Integration::Okta, &d).await.expect("setup okta");
    }

    pub async fn test(&self, name: &str) -> Report {
        check::run_and_remember(&self.services, name, None)
            .await
            .expect("run")
            .report
    }

    /// Runs the test and asserts it failed at `step` with `code`; returns the JSON report.
    pub async fn expect_failure(&self, name: &str, step: &str, code: &str) -> serde_json::Value {
        let report = self.test(name).await;
        let json = report.to_json();
        super::assert_failed_at(&json, step, code);
        json
    }

    pub async fn rotate(&self, name: &str, candidate: Candidate, force: bool) -> Rotation {
        setup::rotate(&self.services, name, candidate, force, None)
            .await
            .expect("rotate")
    }

    /// Stored profile `name`.
    pub fn profile(&self, name: &str) -> ploy_core::profile::Profile {
        self.services
            .store
            .load()
            .unwrap()
            .get(name)
            .unwrap()
            .clone()
    }

    /// Every user, as an export reads them.
    pub async fn export(&self, name: &str) -> Result<Vec<User>, Failure> {
        let profile = self.profile(name);
        let source = SecretSource::Vault(&self.services.vault);
        let mut s = session::open(name, &profile, &source, None).await?;
        let mut all = Vec::new();
        session::for_each_page(&mut s.connector, |page| {
            all.extend(page.users);
            Ok::<_, Failure>(())
        })
        .await?;
        Ok(all)
    }

    /// Entitlements read apart from the users (Okta), as an export reads them.
    pub async fn entitlements(
        &self,
        name: &str,
    ) -> Result<Option<ploy_core::entitlements::Entitlements>, Failure> {
        let profile = self.profile(name);
        let source = SecretSource::Vault(&self.services.vault);
        let mut s = session::open(name, &profile, &source, None).await?;
        session::read_entitlements(&mut s.connector, &mut |_| {}).await
    }

    /// The stored secret of `name`, for checking what a rotation left.
    pub async fn stored_secret(&self, name: &str) -> Option<String> {
        let profile = self.profile(name);
        self.services
            .vault
            .get(&session::secret_key(name, &profile))
            .await
            .unwrap()
            .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_string())
    }

    /// The host the stored secret of `name` is bound to, read as stored.
    pub async fn stored_secret_raw_host(&self, name: &str) -> String {
        let profile = self.profile(name);
        let key = ploy_core::secret::SecretKey::new(
            profile.integration,
            name,
            &profile.secret_ref,
            ploy_core::secret::SecretKind::for_integration(profile.integration),
        );
        let raw = self.services.vault.get_raw(&key).await.unwrap().unwrap();
        let text = secrecy::ExposeSecret::expose_secret(&raw).to_string();
        let first = text.lines().next().unwrap().to_string();
        first.rsplit(' ').next().unwrap().to_string()
    }
}

pub fn parse_key(text: &str) -> ploy_core::keys::ParsedKey {
    KeySource::Pasted(SecretString::from(text.to_string()))
        .load()
        .expect("key")
}

pub fn key_candidate(text: &str) -> Candidate {
    Candidate::Key {
        key: Box::new(parse_key(text)),
        key_id: None,
    }
}

pub fn step<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    super::step(report, id)["detail"].as_str().unwrap_or("")
}
