//! A secret for one run only: `test` or `users` in a CI job, or on a host with no keyring.
//! A stored profile, or settings given as flags, is tested or read with a secret that is
//! checked as setup checks it, used, and forgotten: nothing goes to a keyring, to
//! profiles.toml, or into the profile's last result.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::{Draft, InputError, Intent};
use crate::app::{AppError, Services};
use crate::integration::Integration;
use crate::keys::KeySource;
use crate::profile::Profile;
use crate::session::SecretSource;
use crate::validate;

/// What a run without a profile is called in its diagnoses.
pub const NAME: &str = "this-run";

/// A secret file is a client secret, not a document.
const MAX_SECRET_FILE: u64 = 64 << 10;

/// The secret as it was given.
pub enum Given {
    /// A OneTrust client secret (standard input or the environment).
    Secret(SecretString),
    /// A file holding a OneTrust client secret.
    SecretFile(PathBuf),
    /// An Okta private key (a file, standard input or the environment).
    Key(KeySource),
}

/// The settings of a run without a profile.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub host: Option<String>,
    pub client_id: Option<String>,
    pub key_id: Option<String>,
    pub dpop: Option<bool>,
    pub scopes: Option<String>,
}

/// A profile and the secret it runs with this once.
pub struct ThisRun {
    pub name: String,
    pub profile: Profile,
    pub secret: SecretString,
    /// Where the secret came from, for the `input` step ("the environment (…)").
    pub from: &'static str,
    /// No profile of that name is stored: a diagnosis suggests setting one up.
    pub unsaved: bool,
}

impl ThisRun {
    pub fn source(&self) -> SecretSource<'static> {
        SecretSource::Given {
            secret: self.secret.clone(),
            from: self.from,
        }
    }
}

/// Stored profile `name`, with `given` instead of its stored secret.
pub fn stored(
    services: &Services,
    name: &str,
    given: Given,
    from: &'static str,
) -> Result<ThisRun, AppError> {
    let profile = services.store.load()?.get(name)?.clone();
    let integration = profile.integration;
    let secret = checked(integration, given).map_err(|e| e.into_app(name, integration))?;
    Ok(ThisRun {
        name: name.to_string(),
        profile,
        secret,
        from,
        unsaved: false,
    })
}

/// A profile made from `settings` for this run, never saved.
pub fn from_settings(
    integration: Integration,
    settings: Settings,
    given: Given,
    from: &'static str,
) -> Result<ThisRun, AppError> {
    let invalid = |e: InputError| e.into_app_new(NAME, integration);
    let mut draft = Draft {
        name: NAME.to_string(),
        host: settings.host,
        client_id: settings.client_id,
        key_id: settings.key_id,
        dpop: settings.dpop,
        scopes: settings.scopes,
        ..Draft::default()
    };
    match integration {
        Integration::OneTrust => {
            draft.secret = Some(checked(integration, given).map_err(invalid)?);
        }
        Integration::Okta => {
            let Given::Key(source) = given else {
                return Err(invalid(
                    checked(integration, given)
                        .err()
                        .unwrap_or(InputError::Missing(vec![super::SetupField::Secret])),
                ));
            };
            draft.key = Some(source.load().map_err(|e| invalid(e.into()))?);
        }
    }
    let v = draft
        .validate(
            integration,
            Intent::Create,
            None,
            None,
            OffsetDateTime::now_utc(),
        )
        .map_err(invalid)?;
    let secret = v
        .secret
        .ok_or_else(|| invalid(InputError::Missing(vec![super::SetupField::Secret])))?;
    Ok(ThisRun {
        name: NAME.to_string(),
        profile: v.profile,
        secret,
        from,
        unsaved: true,
    })
}

/// `given` checked by setup's rules for `integration`.
fn checked(integration: Integration, given: Given) -> Result<SecretString, InputError> {
    match (integration, given) {
        (Integration::OneTrust, Given::Secret(raw)) => {
            Ok(validate::client_secret(raw.expose_secret())?.value)
        }
        (Integration::OneTrust, Given::SecretFile(path)) => {
            let raw = read_secret_file(&path)?;
            Ok(validate::client_secret(raw.expose_secret())?.value)
        }
        (Integration::Okta, Given::Key(source)) => Ok(source.load()?.text),
        (Integration::OneTrust, Given::Key(_)) => Err(InputError::Given(
            "a OneTrust profile takes a client secret (PLOY_CONNECT_CLIENT_SECRET, --client-secret-stdin or --client-secret-file), not a private key".into(),
        )),
        (Integration::Okta, _) => Err(InputError::Given(
            "an Okta profile takes a private key (PLOY_CONNECT_PRIVATE_KEY, --private-key-file or --private-key-stdin), not a client secret".into(),
        )),
    }
}

/// A client secret file: a regular file (a link is followed, as secret mounts use them), read
/// without waiting on a FIFO, at most `MAX_SECRET_FILE`.
fn read_secret_file(path: &std::path::Path) -> Result<SecretString, InputError> {
    let unreadable = |reason: String| {
        InputError::Given(format!(
            "cannot read the client secret from {}: {reason}",
            path.display()
        ))
    };
    // A link is followed: secret mounts (Kubernetes, CI) are links.
    let text = crate::private::read_small(path, MAX_SECRET_FILE, true, false)
        .map_err(|e| unreadable(e.to_string()))?;
    Ok(SecretString::from(text))
}
