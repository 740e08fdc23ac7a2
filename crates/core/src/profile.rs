//! Profiles: the non-secret settings of each connection, in one TOML file.
//!
//! The file is replaced atomically (temp file + rename) with mode 0600, under an advisory lock so
//! two ploy-connect processes cannot lose each other's update. A file that cannot be parsed is
//! reported with its path and line and is never overwritten.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use crate::integration::Integration;

/// Bumped when a change to the file would be misread by an older ploy-connect.
pub const SCHEMA_VERSION: u32 = 1;
const FILE_NAME: &str = "profiles.toml";
/// How long a change waits for another ploy-connect holding the profiles lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub integration: Integration,
    /// As produced by `validate::Hostname::to_profile_string`.
    pub host: String,
    pub client_id: String,
    /// Names this profile's keyring entries; random so that two config dirs with the same
    /// profile name never share a secret.
    pub secret_ref: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
    /// When the secret or key in the keyring was last stored: its age is what a rotation
    /// policy asks about. Absent in profiles written before it was recorded.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub secret_stored: Option<OffsetDateTime>,
    /// Kept in the state dir (`ProfileStore::with_state_dir`), never in profiles.toml: a test
    /// is not a change of settings. Read from profiles.toml files written before that.
    #[serde(default, skip_serializing)]
    pub last_test: Option<LastTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub okta: Option<OktaSettings>,
    /// The keyring holding the secret, when not the desktop's (`secret_store = "keyutils"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_store: Option<crate::secret::Backend>,
}

/// Okta's extra settings (the private key itself is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OktaSettings {
    /// The JWK's key ID, when the pasted key did not carry one (a PEM never does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The app requires DPoP-bound tokens (on by default for apps made since February 2024).
    pub dpop: bool,
    pub scopes: Vec<String>,
    /// The token endpoint's last DPoP nonce. Not secret; Okta honours one for three days,
    /// so a warm re-test needs one token request instead of two. Kept in its own cache file
    /// beside profiles.toml (see `NONCES_FILE`), never in it: a server chooses its contents.
    /// Read from profiles.toml files written before that.
    #[serde(default, skip_serializing)]
    pub dpop_nonce: Option<CachedNonce>,
    /// Where the key came from: made here (Okta learns it from the public JWK the admin added)
    /// or copied from Okta's console.
    #[serde(default, skip_serializing_if = "KeyOrigin::is_pasted")]
    pub key_origin: KeyOrigin,
    /// A new key made by `rotate --generate-key`, waiting to be promoted. The current key
    /// keeps working meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<StagedKey>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrigin {
    /// Copied from Okta's console (the guide's way).
    #[default]
    Pasted,
    /// Made by ploy-connect: the private key never left this machine.
    Generated,
}

impl KeyOrigin {
    fn is_pasted(&self) -> bool {
        *self == KeyOrigin::Pasted
    }
}

/// A key beside the current one: in the keyring under its own entry (`secret_ref`), so
/// promoting it is one write of the profile, and a crash on either side of that write leaves
/// one consistent state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedKey {
    pub secret_ref: String,
    pub key_id: String,
    pub key_type: crate::keys::KeyType,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedNonce {
    pub value: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The longest DPoP nonce kept for the next run. Okta's are a few dozen characters; a longer
/// one is still used for the run that received it, never kept.
pub const MAX_NONCE: usize = 256;

impl CachedNonce {
    /// A nonce worth keeping: short, and printable ASCII as RFC 9449's `NQCHAR`s are.
    pub fn keep(value: &str, at: OffsetDateTime) -> Option<CachedNonce> {
        (!value.is_empty()
            && value.len() <= MAX_NONCE
            && value.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| CachedNonce {
            value: value.to_string(),
            at,
        })
    }
}

/// The DPoP nonce cache beside profiles.toml: a cache, so anything wrong with it is ignored.
const NONCES_FILE: &str = "dpop-nonces.toml";
/// Far more than the nonces of any real set of profiles.
const MAX_NONCES_FILE: u64 = 256 << 10;

/// The last tests of one config dir's profiles, in the state dir: `last-test-<store id>.toml`.
const LAST_TESTS_PREFIX: &str = "last-test-";
/// Far more than the results of any real set of profiles.
const MAX_LAST_TESTS_FILE: u64 = 256 << 10;

/// A last test as the state dir keeps it: with the keyring entry it was made with, so a
/// result never lands on a profile recreated (or re-keyed) by a run whose state write failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredTest {
    secret_ref: String,
    #[serde(flatten)]
    test: LastTest,
}

/// The outcome of the most recent connection test, shown on the home screen and by `profiles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastTest {
    pub ok: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_seen: Option<usize>,
    /// All users, when the vendor says (OneTrust).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_total: Option<u64>,
    /// Deactivated users the test counted apart ("12", or "200+" past a page), Okta only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_deactivated: Option<String>,
}

impl LastTest {
    /// "passed 5 min ago, 250 users" or "failed 2 h ago: This app requires DPoP — set DPoP to
    /// yes": what both faces show, with the diagnosis title in the profile's vendor's words.
    pub fn summary(&self, name: &str, integration: Integration, now: OffsetDateTime) -> String {
        let when = crate::text::ago(now, self.at);
        if self.ok {
            let deactivated = match self.users_deactivated.as_deref() {
                Some(d) => format!(" + {} deactivated", crate::text::safe(d)),
                None => String::new(),
            };
            match (self.users_total, self.users_seen) {
                (Some(n), _) => format!("passed {when}, {n} users{deactivated}"),
                (None, Some(n)) => {
                    format!("passed {when}, {n} users on the first page{deactivated}")
                }
                (None, None) => format!("passed {when}"),
            }
        } else {
            let title = self
                .code
                .as_deref()
                .map(|c| crate::diagnose::Diagnosis::for_code(c, name, Some(integration)).title);
            format!("failed {when}: {}", title.as_deref().unwrap_or("unknown"))
        }
    }
}

impl Profile {
    /// Every keyring entry this profile points to: its secret, and a staged key.
    pub fn secret_refs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.secret_ref.as_str()).chain(
            self.okta
                .as_ref()
                .and_then(|o| o.staged.as_ref())
                .map(|s| s.secret_ref.as_str()),
        )
    }

    /// The staged key, if any.
    pub fn staged(&self) -> Option<&StagedKey> {
        self.okta.as_ref().and_then(|o| o.staged.as_ref())
    }

    /// The last test in words, or "never tested".
    pub fn last_test_summary(&self, name: &str, now: OffsetDateTime) -> String {
        self.last_test.as_ref().map_or_else(
            || "never tested".to_string(),
            |t| t.summary(name, self.integration, now),
        )
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profiles {
    pub schema_version: u32,
    /// Names this config dir in the keyring's entries, so `profiles prune` only ever touches
    /// secrets made from here. Written on the first save.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// The config dir `store_id` was made for. A profiles file copied elsewhere carries the
    /// original's id; where this does not match, the copy gets an id of its own, so `prune`
    /// in the copy never takes the original's secrets for its orphans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_dir: Option<String>,
    /// How old a secret may get before it is flagged ("90d"); see `age::MaxAge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_secret_age: Option<crate::age::AgeSetting>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl Profiles {
    /// The configured age limit (parsed when the file was read); a value that does not parse
    /// is an error naming it.
    pub fn max_age(&self) -> Result<crate::age::MaxAge, ProfileError> {
        match &self.max_secret_age {
            None => Ok(crate::age::MaxAge::default()),
            Some(setting) => setting.get().map_err(ProfileError::Setting),
        }
    }

    /// This config dir's id in the keyring, made on first use.
    pub fn store_id(&mut self) -> String {
        self.store_id.get_or_insert_with(new_secret_ref).clone()
    }

    pub fn get(&self, name: &str) -> Result<&Profile, ProfileError> {
        self.profiles
            .get(name)
            .ok_or_else(|| ProfileError::NotFound(name.to_string()))
    }
}

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a valid profiles file (line {line}, column {column}): {message}\nFix the file or move it aside; ploy-connect will not overwrite it."
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path} was written by a newer ploy-connect (schema {found}, this one reads up to {SCHEMA_VERSION}); upgrade ploy-connect"
    )]
    NewerSchema { path: PathBuf, found: u32 },
    #[error(
        "no profile named \"{0}\" (see: {list})",
        list = crate::suggest::command(&["profiles", "list"])
    )]
    NotFound(String),
    #[error(
        "another ploy-connect is changing the profiles (waited {secs} s for {path}); try again once it is done"
    )]
    LockTimeout { path: PathBuf, secs: u64 },
    #[error(
        "refusing the profiles {what} {path}: {reason}. Another local user could change where your secrets are sent. Fix: make it yours and private (chown \"$USER\" and chmod 700 for the directory, 600 for the file), or use another --config-dir"
    )]
    Untrusted {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
    #[error(
        "the config dir {path} is {kind}, not a directory; give --config-dir a directory (it is made if missing)"
    )]
    NotADirectory { path: PathBuf, kind: &'static str },
    #[error("{path} is larger than 1 MiB: it is not a profiles file ploy-connect wrote")]
    TooLarge { path: PathBuf },
    #[error("max_secret_age in the profiles file: {0}")]
    Setting(String),
}

/// The profiles file in one config directory, and what the state dir keeps for it.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    /// Where last tests are kept; `None`: nowhere (they are not remembered).
    state: Option<PathBuf>,
}

impl ProfileStore {
    /// The profiles in `dir`, with last tests in the platform state dir.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            state: default_state_dir(),
        }
    }

    /// The same with last tests kept in `state` (a temporary config dir keeps them beside it,
    /// so it leaves nothing in the real state dir).
    pub fn with_state_dir(mut self, state: impl Into<PathBuf>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Where this config dir's last tests are kept, once it has a store id.
    pub fn last_tests_path(&self, profiles: &Profiles) -> Option<PathBuf> {
        let id = profiles.store_id.as_deref()?;
        // The id names a file: only what new_secret_ref makes is used as one.
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(
            self.state
                .as_ref()?
                .join(format!("{LAST_TESTS_PREFIX}{id}.toml")),
        )
    }

    /// The platform config dir (`~/.config/ploy-connect` on Linux).
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("com", "Ploy", "ploy-connect")
            .map(|d| d.config_dir().to_path_buf())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads all profiles; a missing file is an empty set.
    pub fn load(&self) -> Result<Profiles, ProfileError> {
        let path = self.path();
        let read = |source| ProfileError::Io {
            action: "read",
            path: path.clone(),
            source,
        };
        match fs::metadata(&self.dir) {
            Ok(meta) => trusted_dir(&meta, &self.dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(read(e)),
        }
        // A link is followed (dotfile managers link profiles.toml), but the file it reaches
        // must be ours and private like any other; a FIFO or a device is refused at once.
        let file = match crate::private::open_regular(&path, OpenOptions::new().read(true), true) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Profiles {
                    schema_version: SCHEMA_VERSION,
                    store_id: None,
                    store_dir: None,
                    max_secret_age: None,
                    profiles: BTreeMap::new(),
                });
            }
            Err(e) => return Err(read(e)),
        };
        // The checks look at the file opened, not at whatever the name points to later.
        let meta = file.metadata().map_err(read)?;
        trusted(&meta, &path, "file")?;
        if meta.len() > MAX_FILE {
            return Err(ProfileError::TooLarge { path });
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_FILE + 1), &mut text)
            .map_err(read)?;
        if text.len() as u64 > MAX_FILE {
            return Err(ProfileError::TooLarge { path });
        }
        let mut profiles = parse(&text, &path)?;
        if let (Some(made_for), Some(here)) = (&profiles.store_dir, self.canonical_dir())
            && *made_for != here
        {
            // A copy (or a move): the id names the original's secrets, not this dir's.
            profiles.store_id = None;
            profiles.store_dir = None;
        }
        for (name, stored) in self.read_last_tests(&profiles) {
            if let Some(p) = profiles.profiles.get_mut(&name)
                && p.secret_ref == stored.secret_ref
            {
                p.last_test = Some(stored.test);
            }
        }
        for (name, nonce) in self.read_nonces() {
            if let Some(okta) = profiles
                .profiles
                .get_mut(&name)
                .and_then(|p| p.okta.as_mut())
                && let Some(kept) = CachedNonce::keep(&nonce.value, nonce.at)
            {
                okta.dpop_nonce = Some(kept);
            }
        }
        Ok(profiles)
    }

    /// This config dir's absolute path with links resolved, as `store_dir` records it.
    fn canonical_dir(&self) -> Option<String> {
        fs::canonicalize(&self.dir)
            .ok()
            .and_then(|p| p.to_str().map(str::to_string))
    }

    /// The cached DPoP nonces by profile; empty when the cache is missing or unusable.
    fn read_nonces(&self) -> BTreeMap<String, CachedNonce> {
        read_cache(&self.dir.join(NONCES_FILE), MAX_NONCES_FILE).unwrap_or_default()
    }

    /// The last tests kept in the state dir; empty when there are none or the file or its
    /// directory is not one this user alone may change.
    fn read_last_tests(&self, profiles: &Profiles) -> BTreeMap<String, StoredTest> {
        let read = || -> Option<BTreeMap<String, StoredTest>> {
            let path = self.last_tests_path(profiles)?;
            let dir = path.parent()?;
            crate::private::check_dir(&fs::metadata(dir).ok()?, dir).ok()?;
            read_cache(&path, MAX_LAST_TESTS_FILE)
        };
        read().unwrap_or_default()
    }

    /// Replaces the state dir's last tests of this config dir with those `profiles` hold.
    fn write_last_tests(&self, profiles: &Profiles) -> Result<(), ProfileError> {
        let Some(path) = self.last_tests_path(profiles) else {
            return Ok(());
        };
        let io = |action, source| ProfileError::Io {
            action,
            path: path.clone(),
            source,
        };
        let tests: BTreeMap<&String, StoredTest> = profiles
            .profiles
            .iter()
            .filter_map(|(name, p)| {
                let test = p.last_test.clone()?;
                Some((
                    name,
                    StoredTest {
                        secret_ref: p.secret_ref.clone(),
                        test,
                    },
                ))
            })
            .collect();
        let Some(dir) = path.parent() else {
            return Ok(());
        };
        if tests.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("remove", e)),
                _ => Ok(()),
            };
        }
        crate::private::ensure_dir(dir).map_err(ProfileError::from)?;
        let prefix = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| format!(".{s}."))
            .unwrap_or_default();
        // Written only under this config dir's lock: any found now were left by a kill.
        remove_temporaries(dir, |n| n.starts_with(&prefix));
        let text =
            toml::to_string(&tests).map_err(|e| io("serialise", std::io::Error::other(e)))?;
        write_private(dir, &path, &prefix, &text).map_err(|e| io("write", e))
    }

    /// Load, change, and keep only what the state dir and the caches hold (last tests, DPoP
    /// nonces) — under the lock, like `update`, but profiles.toml is not rewritten: a test
    /// changes no setting. A file without a store id yet is saved once to get one.
    pub async fn update_state<T, E>(
        &self,
        change: impl FnOnce(&mut Profiles) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<ProfileError>,
    {
        let lock = self.lock().await?;
        let mut profiles = lock.load()?;
        let out = change(&mut profiles)?;
        // Saving writes the nonce cache too.
        if profiles.store_id.is_none() {
            lock.save(&mut profiles)?;
        } else {
            self.write_nonces(&profiles);
        }
        self.write_last_tests(&profiles)?;
        Ok(out)
    }

    /// Replaces the nonce cache with the nonces `profiles` hold (best effort: it is a cache).
    fn write_nonces(&self, profiles: &Profiles) {
        let nonces: BTreeMap<&String, &CachedNonce> = profiles
            .profiles
            .iter()
            .filter_map(|(name, p)| Some((name, p.okta.as_ref()?.dpop_nonce.as_ref()?)))
            .filter(|(_, n)| CachedNonce::keep(&n.value, n.at).is_some())
            .collect();
        let path = self.dir.join(NONCES_FILE);
        if nonces.is_empty() {
            let _ = fs::remove_file(&path);
            return;
        }
        let written = toml::to_string(&nonces)
            .map_err(std::io::Error::other)
            .and_then(|text| write_private(&self.dir, &path, ".dpop-nonces.", &text));
        if let Err(e) = written {
            tracing::debug!("cannot cache the DPoP nonces: {e}");
        }
    }

    /// Load, change, save — under the lock, so concurrent updates are serialised.
    pub async fn update<T, E>(
        &self,
        change: impl FnOnce(&mut Profiles) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<ProfileError>,
    {
        let lock = self.lock().await?;
        let mut profiles = lock.load()?;
        let out = change(&mut profiles)?;
        lock.save(&mut profiles)?;
        Ok(out)
    }

    /// Takes the profiles lock, waiting at most `LOCK_WAIT` for another ploy-connect to finish.
    /// Hold it across a whole load–change–save (and any keyring write that belongs to it).
    pub async fn lock(&self) -> Result<ProfileLock, ProfileError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.lock_blocking(LOCK_WAIT))
            .await
            .map_err(|e| ProfileError::Io {
                action: "lock",
                path: self.lock_path(),
                source: std::io::Error::other(e.to_string()),
            })?
    }

    /// The same, for callers outside a runtime.
    pub fn lock_blocking(&self, wait: Duration) -> Result<ProfileLock, ProfileError> {
        self.ensure_dir()?;
        let path = self.lock_path();
        let io = |source| ProfileError::Io {
            action: "lock",
            path: path.clone(),
            source,
        };
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Never follow a link planted where the lock file goes, nor wait on a FIFO there.
        let file = crate::private::open_regular(&path, &mut options, false).map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    self.remove_stale_temporaries();
                    return Ok(ProfileLock {
                        _file: file,
                        store: self.clone(),
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(ProfileError::LockTimeout {
                        path,
                        secs: wait.as_secs(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }

    /// Temporary files are written only under the lock, so any found by the holder were left
    /// by a ploy-connect that was killed while writing.
    fn remove_stale_temporaries(&self) {
        remove_temporaries(&self.dir, |n| {
            n.starts_with(".profiles.") || n.starts_with(".dpop-nonces.")
        });
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(".profiles.lock")
    }

    fn ensure_dir(&self) -> Result<(), ProfileError> {
        crate::private::ensure_dir(&self.dir).map_err(ProfileError::from)
    }

    fn write(&self, profiles: &Profiles) -> Result<(), ProfileError> {
        let path = self.path();
        let io = |action, source| ProfileError::Io {
            action,
            path: path.clone(),
            source,
        };
        let text = toml::to_string_pretty(profiles)
            .map_err(|e| io("serialise", std::io::Error::other(e)))?;
        write_private(&self.dir, &path, ".profiles.", &format!("{HEADER}{text}"))
            .map_err(|e| io("write", e))?;
        self.write_nonces(profiles);
        // The settings are saved; a state dir that cannot take the results loses only those.
        if let Err(e) = self.write_last_tests(profiles) {
            tracing::warn!("cannot keep the last test results: {e}");
        }
        Ok(())
    }
}

/// The profiles file, locked: nobody else changes it until this is dropped.
pub struct ProfileLock {
    _file: File,
    store: ProfileStore,
}

impl ProfileLock {
    pub fn load(&self) -> Result<Profiles, ProfileError> {
        self.store.load()
    }

    pub fn save(&self, profiles: &mut Profiles) -> Result<(), ProfileError> {
        profiles.schema_version = SCHEMA_VERSION;
        if profiles.store_id.is_none() {
            profiles.store_id = Some(new_secret_ref());
        }
        if profiles.store_dir.is_none() {
            profiles.store_dir = self.store.canonical_dir();
        }
        self.store.write(profiles)
    }
}

/// The platform state dir (`~/.local/state/ploy-connect` on Linux): the log and last tests.
pub fn default_state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("com", "Ploy", "ploy-connect")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Removes the regular files in `dir` named `.…tmp` that `ours` claims: temporaries a killed
/// ploy-connect left.
fn remove_temporaries(dir: &Path, ours: impl Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let claimed = name
            .to_str()
            .is_some_and(|n| ours(n) && n.ends_with(".tmp"));
        if claimed && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A profiles file larger than this is not one ploy-connect wrote (a profile is a few hundred
/// bytes).
const MAX_FILE: u64 = 1 << 20;

/// Another local user who can write the config dir or the profiles file can point a profile at
/// their own listener and receive its secret at the next test: such a dir or file is refused.
fn trusted(meta: &std::fs::Metadata, path: &Path, what: &'static str) -> Result<(), ProfileError> {
    match crate::private::untrusted_because(meta) {
        None => Ok(()),
        Some(reason) => Err(ProfileError::Untrusted {
            path: path.to_path_buf(),
            what,
            reason,
        }),
    }
}

fn trusted_dir(meta: &std::fs::Metadata, dir: &Path) -> Result<(), ProfileError> {
    crate::private::check_dir(meta, dir).map_err(ProfileError::from)
}

impl From<crate::private::DirError> for ProfileError {
    fn from(e: crate::private::DirError) -> Self {
        use crate::private::DirError;
        match e {
            DirError::Untrusted { path, reason } => ProfileError::Untrusted {
                path,
                what: "directory",
                reason,
            },
            DirError::NotADirectory { path, kind } => ProfileError::NotADirectory { path, kind },
            DirError::Create { path, source } => ProfileError::Io {
                action: "create",
                path,
                source,
            },
        }
    }
}

/// A cache or state file beside the profiles: private, small, and TOML; `None` when it is
/// missing or anything about it is off (it is never a reason to fail).
fn read_cache<T: serde::de::DeserializeOwned>(path: &Path, max: u64) -> Option<T> {
    let text = crate::private::read_small(path, max, false, true).ok()?;
    toml::from_str(&text).ok()
}

/// Replaces `path` (in `dir`) with `text`, atomically: a temporary file (mode 0600, named
/// `prefix…tmp`) renamed over it once complete and synced.
fn write_private(dir: &Path, path: &Path, prefix: &str, text: &str) -> std::io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    // Windows: the user's profile directory ACL already keeps the file private.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

const HEADER: &str =
    "# ploy-connect profiles. Secrets are not here: they live in the OS keyring.\n\n";

pub(crate) fn parse(text: &str, path: &Path) -> Result<Profiles, ProfileError> {
    // Read the version first so a newer file is reported as such, not as a parse error.
    #[derive(Deserialize)]
    struct VersionOnly {
        schema_version: Option<u32>,
    }
    let parse_error = |e: toml::de::Error| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ProfileError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    };
    let version: VersionOnly = toml::from_str(text).map_err(parse_error)?;
    match version.schema_version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(ProfileError::NewerSchema {
                path: path.to_path_buf(),
                found: v,
            });
        }
        None => {
            return Err(ProfileError::Parse {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: "missing schema_version".into(),
            });
        }
        Some(_) => {}
    }
    toml::from_str(text).map_err(parse_error)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A new keyring reference for a new profile.
pub fn new_secret_ref() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name_host: &str) -> Profile {
        let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        Profile {
            integration: Integration::OneTrust,
            host: name_host.into(),
            client_id: "abc".into(),
            secret_ref: "ref".into(),
            created: now,
            updated: now,
            secret_stored: None,
            last_test: None,
            okta: None,
            secret_store: None,
        }
    }

    #[tokio::test]
    async fn round_trip_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path().join("cfg"));
        assert!(store.load().unwrap().profiles.is_empty());
        store
            .update(|p| {
                p.profiles
                    .insert("acme".into(), sample("acme.my.onetrust.com"));
                Ok::<_, ProfileError>(())
            })
            .await
            .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.get("acme").unwrap(), &sample("acme.my.onetrust.com"));
        assert_eq!(loaded.schema_version, SCHEMA_VERSION);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn corrupt_file_names_line_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let bad = "schema_version = 1\n\n[profiles.acme]\nhost = \n";
        fs::write(store.path(), bad).unwrap();
        let err = store.load().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("profiles.toml"), "{text}");
        assert!(text.contains("line 4"), "{text}");
        let result = store
            .update(|p| {
                p.profiles.insert("x".into(), sample("h"));
                Ok::<_, ProfileError>(())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(store.path()).unwrap(), bad);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        fs::write(
            store.path(),
            "schema_version = 99\n[profiles.a]\nfuture = 1\n",
        )
        .unwrap();
        assert!(matches!(
            store.load(),
            Err(ProfileError::NewerSchema { found: 99, .. })
        ));
    }

    #[tokio::test]
    async fn failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let r: Result<(), ProfileError> = store
            .update(|_| Err(ProfileError::NotFound("x".into())))
            .await;
        assert!(r.is_err());
        assert!(!store.path().exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_dir_or_file_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, ProfileError::Untrusted { .. }), "{err}");
        assert!(err.to_string().contains("every user"), "{err}");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(store.path(), "schema_version = 1\n").unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            store.load(),
            Err(ProfileError::Untrusted { what: "file", .. })
        ));
        // A group member could rewrite the host as well as anyone (OpenSSH's rule).
        for mode in [0o660, 0o664] {
            fs::set_permissions(store.path(), fs::Permissions::from_mode(mode)).unwrap();
            let err = store.load().unwrap_err();
            assert!(
                err.to_string().contains("group may write"),
                "{mode:o}: {err}"
            );
        }
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o600)).unwrap();
        for mode in [0o770, 0o775] {
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(mode)).unwrap();
            assert!(
                matches!(
                    store.load(),
                    Err(ProfileError::Untrusted {
                        what: "directory",
                        ..
                    })
                ),
                "{mode:o}"
            );
        }
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        assert!(store.load().is_ok());
        // Only root can make a file someone else's; the check itself runs everywhere.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(store.path(), Some(65534), None).unwrap();
            let err = store.load().unwrap_err();
            assert!(
                err.to_string().contains("belongs to user id 65534"),
                "{err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_at_the_profiles_or_lock_path_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        for path in [store.path(), store.lock_path()] {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        }
        // Without O_NONBLOCK both would wait for a writer or a reader forever.
        assert!(store.load().unwrap_err().to_string().contains("FIFO"));
        assert!(store.lock_blocking(Duration::ZERO).is_err());
    }

    #[test]
    fn a_config_dir_that_is_a_device_is_not_called_world_writable() {
        let store = ProfileStore::new("/dev/null");
        for err in [
            store.load().unwrap_err(),
            store.lock_blocking(Duration::ZERO).err().unwrap(),
        ] {
            let text = err.to_string();
            assert!(text.contains("is a device, not a directory"), "{text}");
            assert!(!text.contains("every user"), "{text}");
        }
    }

    fn okta_sample() -> Profile {
        let mut p = sample("dev-1.okta.com");
        p.integration = Integration::Okta;
        p.okta = Some(OktaSettings {
            key_id: None,
            dpop: true,
            scopes: vec!["okta.users.read".into()],
            dpop_nonce: None,
            key_origin: KeyOrigin::Pasted,
            staged: None,
        });
        p
    }

    #[tokio::test]
    async fn dpop_nonces_stay_out_of_the_profiles_file_and_a_hostile_one_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let at = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        let huge = "n".repeat(300 << 10);
        store
            .update(|all| {
                for (name, nonce) in [("good", "abcDEF123-_~.+/="), ("huge", huge.as_str())] {
                    let mut p = okta_sample();
                    p.okta.as_mut().unwrap().dpop_nonce = Some(CachedNonce {
                        value: nonce.into(),
                        at,
                    });
                    all.profiles.insert(name.into(), p);
                }
                Ok::<_, ProfileError>(())
            })
            .await
            .unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(
            !text.contains("abcDEF123") && !text.contains("nnnn"),
            "{text}"
        );
        let cache = fs::read_to_string(dir.path().join(NONCES_FILE)).unwrap();
        assert!(cache.contains("abcDEF123") && cache.len() < 1000, "{cache}");
        let loaded = store.load().unwrap();
        let nonce = |n: &str| loaded.get(n).unwrap().okta.clone().unwrap().dpop_nonce;
        assert_eq!(nonce("good").unwrap().value, "abcDEF123-_~.+/=");
        assert_eq!(nonce("huge"), None);
        // A cache that is junk is only a cache: every command still reads its profiles.
        fs::write(dir.path().join(NONCES_FILE), vec![b'x'; 2 << 20]).unwrap();
        assert_eq!(store.load().unwrap().profiles.len(), 2);
        assert!(CachedNonce::keep("with space", at).is_none());
        assert!(CachedNonce::keep("line\nbreak", at).is_none());
    }

    #[tokio::test]
    async fn temporaries_a_killed_save_left_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let left = dir.path().join(".profiles.AbC123.tmp");
        fs::write(&left, "half a profiles file").unwrap();
        store.update(|_| Ok::<_, ProfileError>(())).await.unwrap();
        assert!(!left.exists());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn a_huge_profiles_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        fs::write(store.path(), vec![b'#'; (MAX_FILE + 1) as usize]).unwrap();
        assert!(matches!(store.load(), Err(ProfileError::TooLarge { .. })));
    }

    #[test]
    fn a_held_lock_times_out_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let _held = store.lock_blocking(Duration::ZERO).unwrap();
        let err = store
            .lock_blocking(Duration::from_millis(100))
            .err()
            .unwrap();
        assert!(matches!(err, ProfileError::LockTimeout { .. }), "{err}");
        assert!(err.to_string().contains("another ploy-connect"), "{err}");
    }

    #[tokio::test]
    async fn a_last_test_from_an_older_profiles_toml_is_read_and_moves_to_the_state_dir() {
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join("state");
        let store = ProfileStore::new(home.path().join("cfg")).with_state_dir(&state);
        fs::create_dir_all(store.dir()).unwrap();
        fs::write(
            store.path(),
            "schema_version = 1\nstore_id = \"0123abcd\"\n\n[profiles.acme]\nintegration = \"onetrust\"\nhost = \"acme.my.onetrust.com\"\nclient_id = \"abc\"\nsecret_ref = \"ref\"\ncreated = \"2026-01-01T00:00:00Z\"\nupdated = \"2026-01-01T00:00:00Z\"\n\n[profiles.acme.last_test]\nok = false\nat = \"2026-01-02T00:00:00Z\"\ncode = \"onetrust.invalid_client\"\n",
        )
        .unwrap();
        let last = |s: &ProfileStore| s.load().unwrap().get("acme").unwrap().last_test.clone();
        let old = last(&store).unwrap();
        assert_eq!(old.code.as_deref(), Some("onetrust.invalid_client"));
        store.update(|_| Ok::<_, ProfileError>(())).await.unwrap();
        assert!(
            !fs::read_to_string(store.path())
                .unwrap()
                .contains("last_test")
        );
        assert!(state.join("last-test-0123abcd.toml").is_file());
        assert_eq!(last(&store), Some(old));
        // A result kept for another secret (the profile was made again meanwhile) is not its.
        let text = fs::read_to_string(state.join("last-test-0123abcd.toml")).unwrap();
        fs::write(
            state.join("last-test-0123abcd.toml"),
            text.replace("\"ref\"", "\"other\""),
        )
        .unwrap();
        assert_eq!(last(&store), None);
    }

    #[cfg(unix)]
    #[test]
    fn last_tests_are_not_read_through_a_link_or_from_a_shared_state_dir() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join("state");
        fs::create_dir(&state).unwrap();
        let store = ProfileStore::new(home.path().join("cfg")).with_state_dir(&state);
        fs::create_dir_all(store.dir()).unwrap();
        fs::write(
            store.path(),
            "schema_version = 1\nstore_id = \"abc\"\n\n[profiles.acme]\nintegration = \"onetrust\"\nhost = \"acme.my.onetrust.com\"\nclient_id = \"abc\"\nsecret_ref = \"ref\"\ncreated = \"2026-01-01T00:00:00Z\"\nupdated = \"2026-01-01T00:00:00Z\"\n",
        )
        .unwrap();
        let planted = home.path().join("planted.toml");
        fs::write(
            &planted,
            "[acme]\nsecret_ref = \"ref\"\nok = true\nat = \"2026-01-02T00:00:00Z\"\n",
        )
        .unwrap();
        let kept = state.join("last-test-abc.toml");
        std::os::unix::fs::symlink(&planted, &kept).unwrap();
        let last = || store.load().unwrap().get("acme").unwrap().last_test.clone();
        assert_eq!(last(), None, "followed a link");
        fs::remove_file(&kept).unwrap();
        fs::copy(&planted, &kept).unwrap();
        assert!(last().is_some());
        fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(last(), None, "trusted a state dir anyone may write");
        // An id that is not one ploy-connect made never names a file.
        let mut odd = store.load().unwrap();
        odd.store_id = Some("../../etc/x".into());
        assert_eq!(store.last_tests_path(&odd), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_lock_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(".profiles.lock")).unwrap();
        let store = ProfileStore::new(dir.path());
        assert!(store.lock_blocking(Duration::ZERO).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
