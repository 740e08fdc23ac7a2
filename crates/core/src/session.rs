//! Opening a profile for use: re-validate its stored settings, fetch its secret from the vault,
//! and build the connector. The connection test's `input` step and the users export both start
//! here, so they fail the same way.

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc::UnboundedSender;

use crate::connector::{AnyConnector, Connector, ConnectorConfig, Cursor, UsersPage};
use crate::diagnose::{Failure, code};
use crate::http::{HttpClient, HttpNotice};
use crate::profile::Profile;
use crate::secret::{SecretKey, SecretKind, SecretStoreError, Vault};
use crate::validate::{self, Hostname};

pub struct Session {
    pub host: Hostname,
    pub connector: AnyConnector,
    pub http: HttpClient,
    pub redactor: Redactor,
    /// One line for the `input` step.
    pub summary: String,
}

/// The keyring entry holding `profile`'s secret.
pub fn secret_key(name: &str, profile: &Profile) -> SecretKey {
    SecretKey::new(
        profile.integration,
        name,
        &profile.secret_ref,
        SecretKind::for_integration(profile.integration),
    )
}

pub fn store_failure(e: SecretStoreError) -> Failure {
    Failure::new(code::SECRET_STORE_UNAVAILABLE, e.to_string())
}

/// Where a run takes the profile's secret from: the keyring, or memory (a rotation tests its
/// candidate before anything is replaced).
#[derive(Clone)]
pub enum SecretSource<'a> {
    Vault(&'a Vault),
    Given {
        secret: SecretString,
        /// Named in the `input` step's detail.
        from: &'static str,
    },
}

impl SecretSource<'_> {
    async fn fetch(&self, name: &str, profile: &Profile) -> Result<SecretString, Failure> {
        match self {
            SecretSource::Given { secret, .. } => Ok(secret.clone()),
            SecretSource::Vault(vault) => vault
                .get(&secret_key(name, profile))
                .await
                .map_err(store_failure)?
                .ok_or_else(|| {
                    Failure::new(
                        code::SECRET_MISSING,
                        format!("no secret for \"{name}\" in {}", vault.describe()),
                    )
                }),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            SecretSource::Vault(v) => v.describe(),
            SecretSource::Given { from, .. } => from,
        }
    }
}

pub async fn open(
    name: &str,
    profile: &Profile,
    source: &SecretSource<'_>,
    notices: Option<UnboundedSender<HttpNotice>>,
) -> Result<Session, Failure> {
    let host = validate::hostname(&profile.host, profile.integration)
        .map_err(|e| {
            Failure::new(
                code::HOST_INVALID,
                format!("stored host \"{}\": {e}", profile.host),
            )
        })?
        .value;
    let client_id = validate::client_id(&profile.client_id)
        .map_err(|e| Failure::new(code::INPUT_INVALID, format!("stored client ID: {e}")))?
        .value;
    let secret = source.fetch(name, profile).await?;
    let mut http = HttpClient::new(host.is_loopback())
        .map_err(|e| Failure::new(code::UNEXPECTED_RESPONSE, e.to_string()))?;
    if let Some(tx) = notices {
        http = http.with_notices(tx);
    }
    let redactor = Redactor::new(&secret);
    let summary_head = format!("{} at {}, client ID {client_id}", profile.integration, host);
    let connector = AnyConnector::new(ConnectorConfig {
        integration: profile.integration,
        host: host.clone(),
        client_id,
        secret,
        http: http.clone(),
        okta: profile.okta.clone(),
    })?;
    let (secret_text, settings) = match &connector {
        AnyConnector::Okta(o) => (o.key_summary(), o.settings_summary()),
        AnyConnector::OneTrust(_) => ("client secret".into(), String::new()),
    };
    let summary = format!(
        "{summary_head}, {secret_text} from {}{settings}",
        source.describe()
    );
    Ok(Session {
        host,
        connector,
        http,
        redactor,
        summary,
    })
}

/// Reads every page, handing each to `each`; stops at the first error of either side.
pub async fn for_each_page<E: From<Failure>>(
    connector: &mut AnyConnector,
    mut each: impl FnMut(UsersPage) -> Result<(), E>,
) -> Result<u64, E> {
    let mut cursor: Option<Cursor> = None;
    let mut seen = 0u64;
    loop {
        let page = connector
            .users_page(cursor.as_ref())
            .await
            .map_err(|e| E::from(Failure::from(e)))?;
        seen += page.users.len() as u64;
        let next = page.next.clone();
        each(page)?;
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(seen),
        }
    }
}

/// Scrubs a secret out of text that came from elsewhere (a server could echo a request).
#[derive(Clone)]
pub struct Redactor(SecretString);

impl Redactor {
    pub fn new(secret: &SecretString) -> Self {
        Self(secret.clone())
    }

    pub fn scrub(&self, text: &str) -> String {
        let secret = self.0.expose_secret();
        if secret.len() < 4 {
            return text.to_string();
        }
        text.replace(secret, "[redacted]")
    }
}
