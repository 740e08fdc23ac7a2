//! What every command ends in: one error type with its exit code, and the services both faces
//! share. It belongs to neither face: the line mode prints an `AppError`, the TUI draws it, and
//! both take the exit code from here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::diagnose::{Diagnosis, Failure};
use crate::integration::Integration;
use crate::profile::{ProfileError, ProfileStore};
use crate::secret::{SecretStoreError, Vault};

/// Exit codes, the same in every face.
pub mod exit {
    pub const OK: u8 = 0;
    /// The connection test (or an export) failed; the diagnosis was printed.
    pub const TEST_FAILED: u8 = 1;
    /// Usage or input error.
    pub const USAGE: u8 = 2;
    /// No usable OS keyring.
    pub const SECRET_STORE: u8 = 3;
    /// Something inside ploy-connect or its runtime failed (the emulator cannot bind, ...).
    pub const INTERNAL: u8 = 4;

    /// Every code with what it means to a script, for `--help`, the man page and the README.
    pub const MEANINGS: [(u8, &str); 5] = [
        (OK, "success (for test and status: every test passed)"),
        (
            TEST_FAILED,
            "a connection test or an export failed at the tenant; the diagnosis is printed (with --strict, also a test that passed with a warning)",
        ),
        (USAGE, "usage or input error (the message names it)"),
        (
            SECRET_STORE,
            "no usable OS keyring (the message says how to start one; there is no plain-text fallback)",
        ),
        (INTERNAL, "internal error"),
    ];

    /// The one mapping from a test's outcome to an exit code: passed (no failure code), the
    /// keyring or another local cause, or the vendor's side.
    pub fn of_failure(code: Option<&str>) -> u8 {
        match code {
            None => OK,
            Some(c) if crate::diagnose::is_local(c) => SECRET_STORE,
            Some(_) => TEST_FAILED,
        }
    }
}

/// The `schema_version` of every JSON document ploy-connect prints or writes (`test`,
/// `status`, `profiles`, `setup`, `rotate`, `users`). Bumped when a document changes in a way
/// a script reading the old one would misread; adding a member is not such a change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Keyring-and-profile changes under way. A change stores a secret and then writes the
/// profile; stopping between the two would leave them disagreeing, so whoever ends the
/// program (a quit, a signal) waits for these first.
static COMMITS: AtomicUsize = AtomicUsize::new(0);

/// Held across one keyring-and-profile change.
pub struct Commit(());

impl Drop for Commit {
    fn drop(&mut self) {
        COMMITS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks a keyring-and-profile change as under way until the guard is dropped.
pub fn commit() -> Commit {
    COMMITS.fetch_add(1, Ordering::SeqCst);
    Commit(())
}

/// Waits (at most `limit`) until no keyring-and-profile change is under way.
pub async fn commits_settled(limit: Duration) {
    let started = Instant::now();
    while COMMITS.load(Ordering::SeqCst) > 0 && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Where profiles and secrets live for this run.
#[derive(Clone)]
pub struct Services {
    pub store: ProfileStore,
    pub vault: Vault,
}

impl Services {
    /// Where profile `name`'s secret is kept, as stored now (a setup or rotation may have
    /// moved it): "the Linux kernel keyring (…)".
    pub fn kept_in(&self, name: &str) -> &'static str {
        self.kept_in_all(&[name.to_string()])
    }

    /// Where the secrets of `names` are kept: each keyring once, in the order first used.
    pub fn kept_in_all(&self, names: &[String]) -> &'static str {
        let all = self.store.load().ok();
        let mut kept: Vec<&'static str> = Vec::new();
        for name in names {
            let Some(p) = all.as_ref().and_then(|a| a.profiles.get(name)) else {
                continue;
            };
            let here = self
                .vault
                .describe_key(&crate::session::secret_key(name, p));
            if !kept.contains(&here) {
                kept.push(here);
            }
        }
        match kept.as_slice() {
            [] => self.vault.describe(),
            [one] => one,
            // Rare (profiles in two keyrings); leaked once per run, for a `&'static str`.
            many => Box::leak(many.join("; ").into_boxed_str()),
        }
    }
}

/// A failure with what its diagnosis needs to be worded: the profile and its vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosed {
    pub failure: Failure,
    pub profile: String,
    pub integration: Option<Integration>,
    /// The profile is not saved yet (a setup failed): the fix sets it up.
    pub new_profile: bool,
}

impl Diagnosed {
    pub fn new(failure: Failure, profile: &str, integration: Option<Integration>) -> Self {
        Self {
            failure,
            profile: profile.to_string(),
            integration,
            new_profile: false,
        }
    }

    pub fn for_new_profile(mut self) -> Self {
        self.new_profile = true;
        self
    }

    pub fn diagnosis(&self) -> Diagnosis {
        if self.new_profile {
            Diagnosis::for_new_profile(self.failure.code, &self.profile, self.integration)
        } else {
            Diagnosis::for_code(self.failure.code, &self.profile, self.integration)
        }
    }
}

/// How a command failed.
#[derive(Debug, Error)]
pub enum AppError {
    /// The command line was misused; the message says how to use it.
    #[error("{0}")]
    Usage(String),
    /// A value did not pass validation (exit 2), explained by its diagnosis.
    #[error("{}", .0.failure.detail)]
    Input(Diagnosed),
    /// The connection or the keyring failed (exit 1, or 3 when the failure is local).
    #[error("{}", .0.failure.detail)]
    Failed(Diagnosed),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// `what` says what was being done ("cannot write /home/ann/x.json"), `files::why` why
    /// it failed, in words.
    #[error("{what}: {}", crate::files::why(.source))]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// ploy-connect itself could not do its job (exit 4).
    #[error("{0}")]
    Internal(String),
    /// Already explained on screen; only the exit code is left.
    #[error("")]
    Reported(u8),
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Usage(_)
            | AppError::Input(_)
            | AppError::Profile(_)
            | AppError::Io { .. } => exit::USAGE,
            AppError::Failed(d) => exit::of_failure(Some(d.failure.code)),
            AppError::Internal(_) => exit::INTERNAL,
            AppError::Reported(c) => *c,
        }
    }

    /// The diagnosis to show, for errors that have one.
    pub fn diagnosed(&self) -> Option<&Diagnosed> {
        match self {
            AppError::Input(d) | AppError::Failed(d) => Some(d),
            _ => None,
        }
    }

    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> AppError {
        let what = what.into();
        move |source| AppError::Io { what, source }
    }

    /// A keyring failure outside a test run.
    pub fn store(e: SecretStoreError, profile: &str, integration: Option<Integration>) -> Self {
        AppError::Failed(Diagnosed::new(
            crate::session::store_failure(e),
            profile,
            integration,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::code;

    #[test]
    fn exit_codes_follow_the_kind_of_failure() {
        let d = |c| Diagnosed::new(Failure::new(c, "x"), "p", None);
        assert_eq!(AppError::Usage("x".into()).exit_code(), 2);
        assert_eq!(AppError::Input(d(code::HOST_INVALID)).exit_code(), 2);
        assert_eq!(AppError::Failed(d(code::SERVER_ERROR)).exit_code(), 1);
        assert_eq!(
            AppError::Failed(d(code::SECRET_STORE_UNAVAILABLE)).exit_code(),
            3
        );
        assert_eq!(AppError::Internal("bind".into()).exit_code(), 4);
    }

    #[test]
    fn a_test_and_an_error_with_the_same_failure_exit_alike() {
        for c in crate::diagnose::catalogue() {
            let d = Diagnosed::new(Failure::new(c, "x"), "p", None);
            assert_eq!(
                exit::of_failure(Some(c)),
                AppError::Failed(d).exit_code(),
                "{c}"
            );
        }
        assert_eq!(exit::of_failure(None), exit::OK);
    }
}
