//! Secret material (client secrets, private keys) lives only here: in the OS keyring, or in
//! memory for the demo and unit tests. Never on disk, never in a log or an error.
//!
//! `SecretStore` is deliberately blocking and tiny; `Vault` is the one async façade everyone
//! uses. It runs each call on a blocking worker with a timeout, because a locked keyring with
//! no prompter can block forever, and serialises calls, because Secret Service daemons do not
//! all cope with concurrent clients.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

use crate::integration::Integration;

const SERVICE: &str = "ploy-connect";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Which secret of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    PrivateKey,
}

impl SecretKind {
    fn id(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::PrivateKey => "private_key",
        }
    }

    fn words(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::PrivateKey => "private key",
        }
    }

    pub fn for_integration(integration: Integration) -> Self {
        match integration {
            Integration::OneTrust => SecretKind::ClientSecret,
            Integration::Okta => SecretKind::PrivateKey,
        }
    }
}

/// Which OS keyring holds a profile's secrets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The desktop's: Secret Service (GNOME Keyring, KeePassXC, …), Keychain, Credential
    /// Manager.
    #[default]
    Os,
    /// Linux's kernel keyring (keyutils): no D-Bus, no desktop; kept until the machine
    /// restarts.
    Keyutils,
}

impl Backend {
    /// The name `--secret-store` and `PLOY_CONNECT_SECRET_STORE` take.
    pub fn id(self) -> &'static str {
        match self {
            Backend::Os => "os",
            Backend::Keyutils => "keyutils",
        }
    }

    /// What a profile records: nothing for the desktop keyring (the default everywhere).
    pub fn recorded(self) -> Option<Backend> {
        (self != Backend::Os).then_some(self)
    }

    pub fn parse(text: &str) -> Result<Backend, String> {
        match text.trim() {
            "os" => Ok(Backend::Os),
            "keyutils" => Ok(Backend::Keyutils),
            other => Err(format!(
                "\"{other}\" is not a secret store: use os (the desktop keyring) or keyutils (Linux's kernel keyring)"
            )),
        }
    }
}

/// One secret in the keyring: its account (unique per profile, the lookup key), the label a
/// keyring browser shows, and the config dir it belongs to.
#[derive(Debug, Clone)]
pub struct SecretKey {
    account: String,
    label: String,
    store: Option<String>,
    /// The host the secret may be sent to (see `Vault::get`).
    host: Option<String>,
    /// The keyring it lives in, when the profile chose one (`Chosen` routes by it).
    backend: Option<Backend>,
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account
    }
}

impl Eq for SecretKey {}

impl std::hash::Hash for SecretKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.account.hash(state);
    }
}

/// The keyring attribute naming the config dir a secret belongs to.
pub const STORE_ATTRIBUTE: &str = "ploy-connect-store";

impl SecretKey {
    pub fn new(
        integration: Integration,
        profile: &str,
        secret_ref: &str,
        kind: SecretKind,
    ) -> Self {
        Self {
            account: format!("{}/{profile}/{}#{secret_ref}", integration.id(), kind.id()),
            label: format!(
                "ploy-connect: {} {} for profile {profile}",
                integration.display_name(),
                kind.words()
            ),
            store: None,
            host: None,
            backend: None,
        }
    }

    /// A key for an account as the keyring lists it (for deleting orphans).
    pub fn from_account(account: &str) -> Self {
        Self {
            account: account.to_string(),
            label: String::new(),
            store: None,
            host: None,
            backend: None,
        }
    }

    /// Marks the secret as belonging to the config dir `store` (see `STORE_ATTRIBUTE`).
    pub fn in_store(mut self, store: Option<&str>) -> Self {
        self.store = store.map(str::to_string);
        self
    }

    /// Binds the secret to `host`: it is stored with it, and read back only for it.
    pub fn for_host(mut self, host: &str) -> Self {
        self.host = Some(host.to_string());
        self
    }

    /// Keeps the secret in `backend`, whatever the run's default is.
    pub fn in_backend(mut self, backend: Option<Backend>) -> Self {
        self.backend = backend;
        self
    }

    pub fn backend(&self) -> Option<Backend> {
        self.backend
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// "ploy-connect: Okta private key for profile corp".
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn store(&self) -> Option<&str> {
        self.store.as_deref()
    }

    pub fn service() -> &'static str {
        SERVICE
    }

    /// The profile name and secret reference an account was made from.
    pub fn parse_account(account: &str) -> Option<(&str, &str)> {
        let (path, secret_ref) = account.split_once('#')?;
        let mut parts = path.split('/');
        let (_integration, profile, _kind) = (parts.next()?, parts.next()?, parts.next()?);
        Some((profile, secret_ref))
    }
}

/// A secret the keyring holds, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub account: String,
    /// The config dir it belongs to, when it was stored with one.
    pub store: Option<String>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SecretStoreError {
    /// No keyring service at all (no D-Bus session, no Secret Service provider).
    #[error("no keyring service answered ({0})")]
    Unavailable(String),
    /// A keyring exists but refused access (locked, or no default collection).
    #[error("the OS keyring is locked or refused access: {0}")]
    Locked(String),
    #[error("the OS keyring did not answer within {} s (is it waiting for an unlock prompt?)", .0.as_secs())]
    Timeout(Duration),
    #[error("the OS keyring failed: {0}")]
    Failed(String),
    /// The secret was stored for another host than the profile now names: it is not sent.
    #[error(
        "the secret was stored for {stored_for}, but the profile now names {now}; ploy-connect does not send a secret to a host it was not stored for"
    )]
    HostChanged { stored_for: String, now: String },
}

/// How a stored value names the host its secret was stored for: a first line the secret
/// itself can never start with (hosts have no line breaks, secrets no such prefix).
const BOUND_PREFIX: &str = "ploy-connect bound to host: ";

/// `secret` as stored for `host`.
fn seal(host: &str, secret: &SecretString) -> SecretString {
    SecretString::from(format!("{BOUND_PREFIX}{host}\n{}", secret.expose_secret()))
}

/// A stored value: the host it is bound to (`None` for one stored before binding existed)
/// and the secret.
pub fn unseal(stored: &SecretString) -> (Option<String>, SecretString) {
    match stored
        .expose_secret()
        .strip_prefix(BOUND_PREFIX)
        .and_then(|rest| rest.split_once('\n'))
    {
        Some((host, secret)) => (Some(host.to_string()), SecretString::from(secret)),
        None => (None, stored.clone()),
    }
}

/// A place secrets can be kept. Implementations must never log or format secret values.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError>;
    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError>;
    /// Every ploy-connect secret held.
    fn list(&self) -> Result<Vec<Listed>, SecretStoreError>;
    /// What to tell the admin about where secrets went.
    fn describe(&self) -> &'static str;
    /// Where `key`'s secret goes, when stores differ by key (`Chosen`).
    fn describe_key(&self, _key: &SecretKey) -> &'static str {
        self.describe()
    }
    /// Whether the store that would keep `key` answers (see `Vault::probe`).
    fn probe(&self, _key: &SecretKey) -> Result<(), SecretStoreError> {
        self.list().map(|_| ())
    }
}

/// The OS keyring via the `keyring` crate: Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows.
#[derive(Debug, Default)]
pub struct KeyringStore;

impl KeyringStore {
    fn entry(key: &SecretKey) -> Result<keyring::Entry, SecretStoreError> {
        keyring::Entry::new(SERVICE, key.account()).map_err(|e| match e {
            keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
                // The start-up error already says what is wrong; do not wrap it twice.
                Err(init) => map_error(init),
                Ok(()) => SecretStoreError::Unavailable("no default credential store".into()),
            },
            other => map_error(&other),
        })
    }
}

/// The Secret Service takes a label (what Seahorse shows) and attributes (the config dir).
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn write(_: keyring::Entry, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError> {
    let modifiers = HashMap::from([("label", key.label())]);
    let entry = keyring_core::Entry::new_with_modifiers(SERVICE, key.account(), &modifiers)
        .map_err(|e| map_error(&e))?;
    entry
        .set_password(value.expose_secret())
        .map_err(|e| map_error(&e))?;
    if let Some(store) = key.store() {
        let attributes = HashMap::from([(STORE_ATTRIBUTE, store)]);
        entry
            .update_attributes(&attributes)
            .map_err(|e| map_error(&e))?;
    }
    Ok(())
}

/// Other stores keep the account name only.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn write(
    entry: keyring::Entry,
    _: &SecretKey,
    value: &SecretString,
) -> Result<(), SecretStoreError> {
    entry
        .set_password(value.expose_secret())
        .map_err(|e| map_error(&e))
}

/// Keyring errors can carry the stored bytes (`BadEncoding`, `BadDataFormat`): only the
/// kind of failure is kept.
fn map_error(e: &keyring::Error) -> SecretStoreError {
    use keyring::Error as K;
    match e {
        K::PlatformFailure(inner) => SecretStoreError::Unavailable(inner.to_string()),
        K::NoStorageAccess(inner) => SecretStoreError::Locked(inner.to_string()),
        K::NoDefaultStore => SecretStoreError::Unavailable("no default credential store".into()),
        K::BadEncoding(_) | K::BadDataFormat(..) => {
            SecretStoreError::Failed("the stored value is not in the expected format".into())
        }
        K::NoEntry => SecretStoreError::Failed("no such entry".into()),
        K::TooLong(attr, limit) => SecretStoreError::Failed(format!(
            "{attr} is longer than the keyring allows ({limit})"
        )),
        K::Ambiguous(_) => SecretStoreError::Failed("more than one matching entry".into()),
        other => SecretStoreError::Failed(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        match Self::entry(key)?.get_password() {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(&e)),
        }
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError> {
        // Creating the entry initialises the platform store.
        let entry = Self::entry(key)?;
        write(entry, key, value)
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        match Self::entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(&e)),
        }
    }

    fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
        // Initialises the platform store, as `Entry::new` would.
        if let Err(e) = keyring::Entry::store_status() {
            return Err(map_error(e));
        }
        let spec = HashMap::from([("service", SERVICE)]);
        let found = keyring_core::Entry::search(&spec).map_err(|e| map_error(&e))?;
        let mut out = Vec::new();
        for entry in found {
            let Ok(attributes) = entry.get_attributes() else {
                continue;
            };
            if let Some(account) = attributes.get("username") {
                out.push(Listed {
                    account: account.clone(),
                    store: attributes.get(STORE_ATTRIBUTE).cloned(),
                });
            }
        }
        Ok(out)
    }

    fn describe(&self) -> &'static str {
        KEYRING_DESCRIPTION
    }
}

/// Where `KeyringStore` keeps secrets, in the words the platform's keyring app uses.
#[cfg(target_os = "macos")]
const KEYRING_DESCRIPTION: &str = "the OS keyring (macOS Keychain, login keychain)";
#[cfg(target_os = "windows")]
const KEYRING_DESCRIPTION: &str = "the OS keyring (Windows Credential Manager)";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const KEYRING_DESCRIPTION: &str =
    "the OS keyring (Secret Service, the default collection — \"Login\" in Seahorse)";

/// Linux's kernel keyring through keyring-core's keyutils store: the secret is a `user` key in
/// the session keyring, linked to the user's persistent keyring so that a later login (another
/// SSH session, the next CI step) finds it. The kernel drops it at a restart, and the
/// persistent keyring after a few idle days while the user is logged out.
#[cfg(target_os = "linux")]
pub struct KeyutilsStore {
    store: std::sync::Arc<linux_keyutils_keyring_store::Store>,
}

#[cfg(target_os = "linux")]
impl KeyutilsStore {
    pub fn new() -> Result<Self, SecretStoreError> {
        linux_keyutils_keyring_store::Store::new()
            .map(|store| Self { store })
            .map_err(|e| map_error(&e))
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring_core::Entry, SecretStoreError> {
        use keyring_core::api::CredentialStoreApi;
        self.store
            .build(SERVICE, key.account(), None)
            .map_err(|e| keyutils_error(&e))
    }
}

/// Gives this process a session keyring of its own when it has none (a CI job, a service, a
/// shell started without PAM's `pam_keyinit`), as `keyctl session -` does: the kernel's
/// fallback, the user's shared session keyring, refuses the searches the keyutils store makes.
/// Keys still outlive the process through the persistent keyring the store links them to.
/// Credentials are per thread and inherited: call it in `main` before any thread starts.
#[cfg(target_os = "linux")]
pub fn ensure_session_keyring() {
    const KEYCTL_GET_KEYRING_ID: libc::c_long = 0;
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    const KEY_SPEC_USER_SESSION_KEYRING: libc::c_long = -5;
    let id = |spec: libc::c_long| {
        // SAFETY: KEYCTL_GET_KEYRING_ID takes two integers and only reads.
        unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_GET_KEYRING_ID, spec, 0) }
    };
    let session = id(KEY_SPEC_SESSION_KEYRING);
    if session < 0 || session == id(KEY_SPEC_USER_SESSION_KEYRING) {
        // SAFETY: a null name asks for a new anonymous session keyring.
        unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_JOIN_SESSION_KEYRING,
                std::ptr::null::<libc::c_char>(),
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn ensure_session_keyring() {}

/// keyutils answers "no such key" for a keyring it may not use as well: a refused keyring
/// (a container's seccomp profile, no session keyring) must not read as a missing secret.
#[cfg(target_os = "linux")]
fn keyutils_error(e: &keyring::Error) -> SecretStoreError {
    match e {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            SecretStoreError::Unavailable(format!("Linux kernel keyring: {inner}"))
        }
        other => map_error(other),
    }
}

#[cfg(target_os = "linux")]
impl SecretStore for KeyutilsStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyutils_error(&e)),
        }
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError> {
        self.entry(key)?
            .set_password(value.expose_secret())
            .map_err(|e| keyutils_error(&e))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyutils_error(&e)),
        }
    }

    /// The kernel keyring cannot be searched by service: nothing is listed, so `prune`
    /// never removes anything there.
    fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
        Ok(Vec::new())
    }

    /// Reads an entry that is never written: "none" means the keyring answers.
    fn probe(&self, _key: &SecretKey) -> Result<(), SecretStoreError> {
        self.get(&SecretKey::from_account("probe/keyring-answers"))
            .map(|_| ())
    }

    fn describe(&self) -> &'static str {
        keyutils_description()
    }
}

/// The kernel keyring, with its lifetime on this machine in plain words.
pub fn keyutils_description() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let idle = std::fs::read_to_string("/proc/sys/kernel/keys/persistent_keyring_expiry")
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .map_or_else(
                || "a few days".to_string(),
                |secs| match secs / 86_400 {
                    0 => format!("{} hours", secs / 3600),
                    1 => "1 day".to_string(),
                    d => format!("{d} days"),
                },
            );
        format!(
            "the Linux kernel keyring (keyutils; kept until this machine restarts, and for {idle} after its last use once you are logged out)"
        )
    })
}

/// The store each key asks for (`SecretKey::in_backend`), else the run's default: the
/// desktop keyring unless `--secret-store` or `PLOY_CONNECT_SECRET_STORE` says otherwise.
pub struct Chosen {
    os: std::sync::Arc<dyn SecretStore>,
    keyutils: Result<std::sync::Arc<dyn SecretStore>, SecretStoreError>,
    default: Backend,
}

impl Chosen {
    /// The platform's stores; keyutils only on Linux.
    pub fn platform(default: Backend) -> Self {
        #[cfg(target_os = "linux")]
        let keyutils = KeyutilsStore::new().map(|s| Arc::new(s) as Arc<dyn SecretStore>);
        #[cfg(not(target_os = "linux"))]
        let keyutils = Err(SecretStoreError::Unavailable(
            "the kernel keyring (keyutils) exists only on Linux".into(),
        ));
        Self::new(Arc::new(KeyringStore), keyutils, default)
    }

    pub fn new(
        os: Arc<dyn SecretStore>,
        keyutils: Result<Arc<dyn SecretStore>, SecretStoreError>,
        default: Backend,
    ) -> Self {
        Self {
            os,
            keyutils,
            default,
        }
    }

    fn pick(&self, backend: Option<Backend>) -> Result<&dyn SecretStore, SecretStoreError> {
        match backend.unwrap_or(self.default) {
            Backend::Os => Ok(self.os.as_ref()),
            Backend::Keyutils => self.keyutils.as_deref().map_err(Clone::clone),
        }
    }
}

impl SecretStore for Chosen {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        self.pick(key.backend)?.get(key)
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError> {
        self.pick(key.backend)?.set(key, value)
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        self.pick(key.backend)?.delete(key)
    }

    fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
        self.pick(None)?.list()
    }

    fn probe(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        self.pick(key.backend)?.probe(key)
    }

    fn describe(&self) -> &'static str {
        self.describe_key(&SecretKey::from_account(""))
    }

    fn describe_key(&self, key: &SecretKey) -> &'static str {
        match key.backend.unwrap_or(self.default) {
            Backend::Os => self.os.describe(),
            Backend::Keyutils => keyutils_description(),
        }
    }
}

/// Secrets held in this process only: the demo and unit tests.
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<SecretKey, SecretString>>,
    failure: Option<SecretStoreError>,
}

type Secrets = HashMap<SecretKey, SecretString>;

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose every call fails, to exercise the "no keyring" paths.
    pub fn failing(error: SecretStoreError) -> Self {
        Self {
            secrets: Mutex::default(),
            failure: Some(error),
        }
    }

    /// The accounts held, for tests.
    pub fn accounts(&self) -> Vec<String> {
        self.secrets
            .lock()
            .map(|m| m.keys().map(|k| k.account().to_string()).collect())
            .unwrap_or_default()
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, Secrets>, SecretStoreError> {
        if let Some(e) = &self.failure {
            return Err(e.clone());
        }
        self.secrets
            .lock()
            .map_err(|_| SecretStoreError::Failed("memory store poisoned".into()))
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        Ok(self.map()?.get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretStoreError> {
        let mut map = self.map()?;
        // Like a keyring: an update keeps the entry's attributes unless new ones are given.
        let key = match (key.store(), map.get_key_value(key)) {
            (None, Some((old, _))) => old.clone(),
            _ => key.clone(),
        };
        map.insert(key, value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        self.map()?.remove(key);
        Ok(())
    }

    fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
        Ok(self
            .map()?
            .keys()
            .map(|k| Listed {
                account: k.account().to_string(),
                store: k.store().map(str::to_string),
            })
            .collect())
    }

    fn describe(&self) -> &'static str {
        "memory only (this process; nothing is kept)"
    }
}

/// The async face of a `SecretStore`.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
    serial: Arc<tokio::sync::Mutex<()>>,
    /// The keyring the admin chose for this run's new secrets, if they chose one.
    backend: Option<Backend>,
}

impl Vault {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: DEFAULT_TIMEOUT,
            serial: Arc::default(),
            backend: None,
        }
    }

    /// The platform's keyrings; `chosen` is `--secret-store`, when given: where new secrets
    /// go, and where a profile that does not name its keyring is looked up.
    pub fn platform(chosen: Option<Backend>) -> Self {
        Self::new(Arc::new(Chosen::platform(chosen.unwrap_or_default()))).choosing(chosen)
    }

    /// This vault's stores, with `chosen` as the admin's choice of keyring for new secrets.
    pub fn choosing(mut self, chosen: Option<Backend>) -> Self {
        self.backend = chosen;
        self
    }

    /// The keyring the admin chose for this run (`--secret-store`), if they chose one.
    pub fn chosen(&self) -> Option<Backend> {
        self.backend
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn describe(&self) -> &'static str {
        self.store.describe()
    }

    /// Where `key`'s secret is kept.
    pub fn describe_key(&self, key: &SecretKey) -> &'static str {
        self.store.describe_key(key)
    }

    /// Every secret that passes through the vault is registered for redaction.
    ///
    /// A key made `for_host` reads back only for the host the secret was stored for: an edit
    /// of the profile's host (by anyone) can never redirect the secret silently. A secret
    /// stored before ploy-connect bound secrets is bound now, to the host it is first read
    /// for.
    pub async fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        let Some(stored) = self.get_raw(key).await? else {
            return Ok(None);
        };
        let (bound, secret) = unseal(&stored);
        crate::redact::secret(secret.expose_secret());
        match (bound, &key.host) {
            (Some(bound), Some(now)) if bound != *now => Err(SecretStoreError::HostChanged {
                stored_for: bound,
                now: now.clone(),
            }),
            (None, Some(host)) => {
                let sealed = seal(host, &secret);
                if let Err(e) = self.call(key, move |s, k| s.set(k, &sealed)).await {
                    tracing::warn!("cannot bind a stored secret to its host: {e}");
                }
                Ok(Some(secret))
            }
            _ => Ok(Some(secret)),
        }
    }

    /// Stores `value`, bound to the key's host when it names one.
    pub async fn set(&self, key: &SecretKey, value: SecretString) -> Result<(), SecretStoreError> {
        crate::redact::secret(value.expose_secret());
        let stored = match &key.host {
            Some(host) => seal(host, &value),
            None => value,
        };
        self.set_raw(key, stored).await
    }

    /// The value exactly as stored (host binding included), to put back after a failed change.
    pub async fn get_raw(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
        let value = self.call(key, |s, k| s.get(k)).await?;
        if let Some(v) = &value {
            crate::redact::secret(unseal(v).1.expose_secret());
        }
        Ok(value)
    }

    /// Puts back a value read with `get_raw`.
    pub async fn set_raw(
        &self,
        key: &SecretKey,
        value: SecretString,
    ) -> Result<(), SecretStoreError> {
        self.call(key, move |s, k| s.set(k, &value)).await
    }

    pub async fn delete(&self, key: &SecretKey) -> Result<(), SecretStoreError> {
        self.call(key, |s, k| s.delete(k)).await
    }

    pub async fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
        self.call(&SecretKey::from_account(""), |s, _| s.list())
            .await
    }

    /// Whether the keyring answers at all: asked before an admin types a secret for it.
    /// Only "no keyring" answers count: a store that cannot list may still store.
    pub async fn probe(&self) -> Result<(), SecretStoreError> {
        self.probe_for(None).await
    }

    /// `probe` of the keyring `backend` (a profile's own), or of this run's default.
    pub async fn probe_for(&self, backend: Option<Backend>) -> Result<(), SecretStoreError> {
        let key = SecretKey::from_account("").in_backend(backend);
        match self.call(&key, |s, k| s.probe(k)).await {
            Err(
                e @ (SecretStoreError::Unavailable(_)
                | SecretStoreError::Locked(_)
                | SecretStoreError::Timeout(_)),
            ) => Err(e),
            _ => Ok(()),
        }
    }

    async fn call<T: Send + 'static>(
        &self,
        key: &SecretKey,
        op: impl FnOnce(&dyn SecretStore, &SecretKey) -> Result<T, SecretStoreError> + Send + 'static,
    ) -> Result<T, SecretStoreError> {
        let _turn = self.serial.lock().await;
        let store = Arc::clone(&self.store);
        let key = key.clone();
        let task = tokio::task::spawn_blocking(move || op(store.as_ref(), &key));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(SecretStoreError::Failed(format!(
                "keyring worker stopped: {join}"
            ))),
            // The worker may stay blocked; the caller exits soon after and does not wait for it.
            Err(_) => Err(SecretStoreError::Timeout(self.timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::new(
            Integration::OneTrust,
            "acme",
            "r1",
            SecretKind::ClientSecret,
        )
    }

    #[tokio::test]
    async fn memory_round_trip() {
        let vault = Vault::new(Arc::new(MemoryStore::new()));
        assert!(vault.get(&key()).await.unwrap().is_none());
        vault.set(&key(), SecretString::from("v1")).await.unwrap();
        assert_eq!(
            vault.get(&key()).await.unwrap().unwrap().expose_secret(),
            "v1"
        );
        vault.delete(&key()).await.unwrap();
        vault.delete(&key()).await.unwrap();
        assert!(vault.get(&key()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_secret_reads_back_only_for_the_host_it_was_stored_for() {
        let store = Arc::new(MemoryStore::new());
        let vault = Vault::new(store.clone());
        let for_host = |h: &str| key().for_host(h);
        vault
            .set(
                &for_host("acme.my.onetrust.com"),
                SecretString::from("s3cr3t-value"),
            )
            .await
            .unwrap();
        let got = vault.get(&for_host("acme.my.onetrust.com")).await.unwrap();
        assert_eq!(got.unwrap().expose_secret(), "s3cr3t-value");
        let err = vault
            .get(&for_host("attacker.example.com"))
            .await
            .unwrap_err();
        let SecretStoreError::HostChanged { stored_for, now } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(stored_for, "acme.my.onetrust.com");
        assert_eq!(now, "attacker.example.com");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        // The binding is in the stored value, so it survives whatever changes the profile.
        let raw = store.get(&key()).unwrap().unwrap();
        assert!(
            raw.expose_secret().starts_with(BOUND_PREFIX),
            "stored unbound"
        );
        // A secret stored before binding existed is bound to the first host it is read for.
        store
            .set(&key(), &SecretString::from("legacy-secret"))
            .unwrap();
        let got = vault.get(&for_host("acme.my.onetrust.com")).await.unwrap();
        assert_eq!(got.unwrap().expose_secret(), "legacy-secret");
        assert!(matches!(
            vault.get(&for_host("attacker.example.com")).await,
            Err(SecretStoreError::HostChanged { .. })
        ));
    }

    /// Blocks like a keyring waiting for an unlock prompt, until the test releases it.
    struct Hangs(Mutex<std::sync::mpsc::Receiver<()>>);
    impl SecretStore for Hangs {
        fn get(&self, _: &SecretKey) -> Result<Option<SecretString>, SecretStoreError> {
            let _ = self.0.lock().map(|rx| rx.recv());
            Ok(None)
        }
        fn set(&self, _: &SecretKey, _: &SecretString) -> Result<(), SecretStoreError> {
            Ok(())
        }
        fn delete(&self, _: &SecretKey) -> Result<(), SecretStoreError> {
            Ok(())
        }
        fn list(&self) -> Result<Vec<Listed>, SecretStoreError> {
            Ok(Vec::new())
        }
        fn describe(&self) -> &'static str {
            "hangs"
        }
    }

    #[tokio::test]
    async fn a_hanging_keyring_times_out() {
        let (release, rx) = std::sync::mpsc::channel();
        let vault =
            Vault::new(Arc::new(Hangs(Mutex::new(rx)))).with_timeout(Duration::from_millis(50));
        assert_eq!(
            vault.get(&key()).await.unwrap_err(),
            SecretStoreError::Timeout(Duration::from_millis(50))
        );
        drop(release);
    }

    #[test]
    fn key_names_profile_and_kind_and_reads_as_a_sentence() {
        assert_eq!(key().account(), "onetrust/acme/client_secret#r1");
        assert_eq!(
            key().label(),
            "ploy-connect: OneTrust client secret for profile acme"
        );
        assert_eq!(
            SecretKey::parse_account(key().account()),
            Some(("acme", "r1"))
        );
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = SecretString::from("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
