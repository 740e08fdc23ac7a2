//! Profiles: the non-secret settings of each connection, in one TOML file.
//!
//! The file is replaced atomically (temp file + rename) with mode 0600, under an advisory lock so
//! two ploy-connect processes cannot lose each other's update. A file that cannot be parsed is
//! reported with its path and line and is never overwritten.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use crate::integration::Integration;

/// Bumped when a change to the file would be misread by an older ploy-connect.
pub const SCHEMA_VERSION: u32 = 1;
const FILE_NAME: &str = "profiles.toml";

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_test: Option<LastTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub okta: Option<OktaSettings>,
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
    /// so a warm re-test needs one token request instead of two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_nonce: Option<CachedNonce>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedNonce {
    pub value: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
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
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profiles {
    pub schema_version: u32,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl Profiles {
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
    #[error("no profile named \"{0}\" (see: ploy-connect profiles list)")]
    NotFound(String),
}

/// The profiles file in one config directory.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
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
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Profiles {
                    schema_version: SCHEMA_VERSION,
                    profiles: BTreeMap::new(),
                });
            }
            Err(source) => {
                return Err(ProfileError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        parse(&text, &path)
    }

    /// Load, change, save — under the lock, so concurrent updates are serialised.
    pub fn update<T, E>(&self, change: impl FnOnce(&mut Profiles) -> Result<T, E>) -> Result<T, E>
    where
        E: From<ProfileError>,
    {
        self.ensure_dir()?;
        let _lock = self.lock()?;
        let mut profiles = self.load()?;
        let out = change(&mut profiles)?;
        profiles.schema_version = SCHEMA_VERSION;
        self.write(&profiles)?;
        Ok(out)
    }

    fn ensure_dir(&self) -> Result<(), ProfileError> {
        if self.dir.is_dir() {
            return Ok(());
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|source| ProfileError::Io {
                action: "create",
                path: self.dir.clone(),
                source,
            })
    }

    fn lock(&self) -> Result<File, ProfileError> {
        let path = self.dir.join(".profiles.lock");
        let io = |source| ProfileError::Io {
            action: "lock",
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        file.lock().map_err(io)?;
        Ok(file)
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
        let mut builder = tempfile::Builder::new();
        builder.prefix(".profiles.").suffix(".tmp");
        // Windows: the user's profile directory ACL already keeps the file private.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
        let mut tmp = builder.tempfile_in(&self.dir).map_err(|e| io("write", e))?;
        tmp.write_all(HEADER.as_bytes())
            .and_then(|()| tmp.write_all(text.as_bytes()))
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| io("write", e))?;
        tmp.persist(&path).map_err(|e| io("replace", e.error))?;
        Ok(())
    }
}

const HEADER: &str =
    "# ploy-connect profiles. Secrets are not here: they live in the OS keyring.\n\n";

fn parse(text: &str, path: &Path) -> Result<Profiles, ProfileError> {
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
            last_test: None,
            okta: None,
        }
    }

    #[test]
    fn round_trip_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path().join("cfg"));
        assert!(store.load().unwrap().profiles.is_empty());
        store
            .update(|p| {
                p.profiles
                    .insert("acme".into(), sample("acme.my.onetrust.com"));
                Ok::<_, ProfileError>(())
            })
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

    #[test]
    fn corrupt_file_names_line_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let bad = "schema_version = 1\n\n[profiles.acme]\nhost = \n";
        fs::write(store.path(), bad).unwrap();
        let err = store.load().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("profiles.toml"), "{text}");
        assert!(text.contains("line 4"), "{text}");
        let result = store.update(|p| {
            p.profiles.insert("x".into(), sample("h"));
            Ok::<_, ProfileError>(())
        });
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

    #[test]
    fn failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let r: Result<(), ProfileError> = store.update(|_| Err(ProfileError::NotFound("x".into())));
        assert!(r.is_err());
        assert!(!store.path().exists());
    }
}
