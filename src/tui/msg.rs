//! The messages of the Elm loop: `Action`s come in (keys, task results), `Effect`s go out (work
//! for the runner), and a screen's update answers with a `Reply` — its effects, and where the
//! app goes next (`Go`), one navigation type for every screen.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use ploy_core::app::AppError;
use ploy_core::check::{CheckEvent, Report};
use ploy_core::diagnose::Field;
use ploy_core::files::Replace;
use ploy_core::integration::Integration;
use ploy_core::keys::{Generated, KeyInputError, KeySource, KeyType, ParsedKey};
use ploy_core::profile::Profiles;
use ploy_core::session::PageTicket;
use ploy_core::setup::{Candidate, Draft, Intent, Promotion, PublicKeys, Rotation, Staged};
use std::sync::Arc;

use ploy_core::entitlements::Entitlements;
use ploy_core::users::{ExportFormat, ShownUsers, SortJob, Sorted, User};

use super::keybox::ReadKey;
use super::notice::Notice;

/// Tells one test run from another, so a run left behind never writes into a newer one.
pub type RunId = u64;

static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

/// A new run's id, unique in the session.
pub fn next_run() -> RunId {
    NEXT_RUN.fetch_add(1, Ordering::Relaxed)
}

/// Everything that can happen to the app.
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Click {
        x: u16,
        y: u16,
    },
    Resize(u16, u16),
    Tick,
    Profiles(Result<Profiles, AppError>),
    Saved {
        name: String,
        result: Result<(), AppError>,
    },
    Removed {
        name: String,
        result: Result<(), AppError>,
    },
    KeyRead {
        generation: u64,
        result: Result<Box<ParsedKey>, KeyInputError>,
    },
    Check {
        run: RunId,
        event: CheckEvent,
    },
    CheckDone {
        run: RunId,
        report: Box<Report>,
    },
    CheckFailed {
        run: RunId,
        error: AppError,
    },
    Rotated {
        run: RunId,
        result: Result<Rotation, AppError>,
    },
    StoredAnyway {
        run: RunId,
        result: Result<(), AppError>,
    },
    /// A page of users; its ticket, dropped once the page is in the table, lets the next come.
    UsersPage(Vec<User>, PageTicket),
    UsersWait(Duration),
    UsersDone(Result<u64, AppError>),
    /// The users table put in order away from the UI thread.
    UsersSorted(Sorted),
    /// How far reading entitlements has got (Okta's, after the users).
    EntitlementsProgress(ploy_core::connector::okta::Progress),
    /// Entitlements read apart from the users (`None`: the vendor's come with the users).
    EntitlementsDone(Result<Option<Box<Entitlements>>, AppError>),
    /// An export was written (what it holds, where) or why not.
    Exported(Result<Written, ExportFailure>),
    /// How far profile `profile` (its place in the identities screen's list) has been read.
    IdentitiesRead {
        profile: usize,
        progress: ploy_core::identities::ReadProgress,
    },
    /// A profile of the identities screen could not be read whole (its diagnosis).
    IdentitiesFailed {
        profile: usize,
        error: AppError,
    },
    /// Every profile read (whole or not) and joined.
    IdentitiesJoined(Arc<ploy_core::identities::Identities>),
    /// Whether the keyring answers, asked when the wizard opens.
    KeyringProbed(Result<(), AppError>),
    /// A key pair made for the wizard.
    KeyGenerated {
        generation: u64,
        result: Result<Box<Generated>, AppError>,
    },
    /// A public key copied, written or added in the demo, or why not.
    PublicKeyDone(Result<PublicKeyDone, PublicKeyError>),
    /// Text sent to the clipboard (`what` it was), or why not.
    Copied {
        what: &'static str,
        result: Result<(), String>,
    },
    /// A profile's public key, read from the keyring, for `action`.
    PublicKeyReady {
        action: PublicKeyAction,
        jwk: serde_json::Value,
        profile: String,
    },
    /// A new key staged beside the current one.
    Staged {
        name: String,
        result: Result<Staged, AppError>,
    },
    Promoted {
        run: RunId,
        result: Result<Promotion, AppError>,
    },
    /// A profile's public keys, read from the keyring.
    PublicKeys {
        name: String,
        result: Result<PublicKeys, AppError>,
    },
    /// The demo's emulated Okta app is full of keys in use: `jwk` goes in only if a key goes
    /// out, which stops the profiles using it. Asked, never done silently.
    DemoOktaFull {
        jwk: serde_json::Value,
        profile: String,
        full: DemoFull,
    },
    Quit,
}

/// What to do with a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyAction {
    /// To the clipboard, through the terminal (OSC 52).
    Copy,
    /// To a file in the working directory.
    Write,
    /// Demo only: into the emulated Okta app.
    DemoAdd,
}

/// Which public key: one in hand, or a profile's from the keyring.
#[derive(Debug, Clone)]
pub enum PublicKeySource {
    Known(serde_json::Value),
    Stored { name: String, staged: bool },
}

/// What became of a public key handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyDone {
    /// Sent to the terminal's clipboard; whether it arrived, only the terminal knows.
    Copied,
    /// Written to this file (absolute).
    Wrote(PathBuf),
    /// The demo's emulated Okta took it; what its admin did, in words.
    Added(String),
}

impl std::fmt::Display for PublicKeyDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicKeyDone::Copied => f.write_str(
                "Sent the public key to the clipboard (OSC 52). If nothing was copied, the terminal does not allow it: press w to write it to a file.",
            ),
            PublicKeyDone::Wrote(path) => {
                write!(f, "Wrote the public key to {}.", path.display())
            }
            PublicKeyDone::Added(what) => f.write_str(what),
        }
    }
}

/// What the demo's Okta admin did with a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoAdded {
    /// Added (and which key went, if one had to); in words.
    Done(String),
    /// The app is full and every key it holds is in use. Nothing was changed.
    Full(DemoFull),
}

/// The demo's emulated Okta app holds `max` keys, all in use: adding one means retiring `kid`,
/// which the profiles `users` sign with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFull {
    pub max: usize,
    pub kid: String,
    pub users: Vec<String>,
}

/// Why a public key was not handed over.
#[derive(Debug)]
pub enum PublicKeyError {
    Copy(std::io::Error),
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The keyring holds no such key (`staged`: the staged one was asked for).
    Missing {
        staged: bool,
    },
    Keyring(AppError),
    /// Only the demo has an Okta to add keys to.
    NoDemo,
    /// The demo's emulated Okta refused it.
    Demo(String),
}

impl std::fmt::Display for PublicKeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicKeyError::Copy(e) => {
                write!(f, "cannot copy: {e}; press w to write the key to a file")
            }
            PublicKeyError::Write { path, source } => {
                write!(f, "Cannot write {}: {source}", path.display())
            }
            PublicKeyError::Missing { staged: true } => f.write_str("no staged key"),
            PublicKeyError::Missing { staged: false } => f.write_str("no key in the keyring"),
            PublicKeyError::Keyring(e) => write!(f, "{e}"),
            PublicKeyError::NoDemo => f.write_str("only the demo has an Okta to add keys to"),
            PublicKeyError::Demo(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for PublicKeyError {}

/// What an export wrote, for the status line's one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub users: u64,
    pub deactivated: u64,
    /// `None`: written without entitlements.
    pub grants: Option<u64>,
    pub caveats: Vec<String>,
    pub path: PathBuf,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&ploy_core::entitlements::export_summary(
            self.users,
            self.deactivated,
            self.grants,
            &self.caveats,
            &self.path.display().to_string(),
        ))
    }
}

/// Why an export was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFailure {
    /// The file exists (and was not to be replaced): Enter again replaces it.
    pub exists: bool,
    pub message: String,
}

/// Work for the runtime.
pub enum Effect {
    LoadProfiles,
    /// Validate a draft with the core's setup workflow, then store it.
    Save {
        integration: Integration,
        intent: Intent,
        draft: Box<Draft>,
    },
    /// Test a candidate secret, storing it only if it passes.
    Rotate {
        run: RunId,
        name: String,
        candidate: Candidate,
    },
    /// Store a candidate whose test failed, because the admin chose to.
    StoreAnyway {
        run: RunId,
        name: String,
        candidate: Candidate,
        report: Box<Report>,
    },
    Remove(String),
    RunCheck {
        run: RunId,
        name: String,
    },
    ReadKey {
        generation: u64,
        source: KeySource,
    },
    FetchUsers(String),
    /// Read these profiles at once and join them person by person (the identities screen).
    FetchIdentities(Vec<String>),
    StopUsers,
    /// Sort a large users table on another thread.
    Sort(SortJob),
    Export {
        rows: ShownUsers,
        format: ExportFormat,
        path: PathBuf,
        replace: Replace,
        /// Written with each user when the export has them.
        entitlements: Option<Arc<Entitlements>>,
    },
    /// Ask the keyring whether it answers, before the admin types a secret for it: the
    /// profile's own keyring when it names one (`secret_store`), else this run's.
    ProbeKeyring(Option<ploy_core::secret::Backend>),
    GenerateKey {
        generation: u64,
        kind: KeyType,
    },
    PublicKey {
        action: PublicKeyAction,
        key: PublicKeySource,
        /// Names the file written.
        profile: String,
    },
    StageKey {
        name: String,
        kind: KeyType,
    },
    Promote {
        run: RunId,
        name: String,
    },
    LoadPublicKeys(String),
    /// Demo only: add `jwk` to the emulated Okta app, retiring `retire` first (the admin said
    /// yes to it).
    DemoRetireAndAdd {
        jwk: serde_json::Value,
        profile: String,
        retire: String,
    },
    /// Text to the clipboard, through the terminal (OSC 52): `what` names it in the news.
    Copy {
        text: String,
        what: &'static str,
    },
}

impl From<ReadKey> for Effect {
    fn from(r: ReadKey) -> Self {
        Effect::ReadKey {
            generation: r.generation,
            source: r.source,
        }
    }
}

/// Work in flight that quitting would cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Save,
    Export,
}

impl Effect {
    /// Work that changes something on disk or in the keyring: quitting asks while it runs.
    pub fn work(&self) -> Option<Work> {
        match self {
            Effect::Save { .. }
            | Effect::Rotate { .. }
            | Effect::StoreAnyway { .. }
            | Effect::StageKey { .. }
            | Effect::Promote { .. }
            | Effect::Remove(_) => Some(Work::Save),
            Effect::Export { .. } => Some(Work::Export),
            _ => None,
        }
    }
}

impl Action {
    /// The work this action reports the end of.
    pub fn ends(&self) -> Option<Work> {
        match self {
            Action::Saved { .. }
            | Action::Rotated { .. }
            | Action::StoredAnyway { .. }
            | Action::Staged { .. }
            | Action::Promoted { .. }
            | Action::Removed { .. } => Some(Work::Save),
            Action::Exported(_) => Some(Work::Export),
            _ => None,
        }
    }

    /// A result after which the profiles are read again, whatever screen is shown: a test
    /// or a change ran, so a last test or a stored key may be new.
    pub fn reloads_profiles(&self) -> bool {
        matches!(
            self,
            Action::CheckDone { .. }
                | Action::CheckFailed { .. }
                | Action::Rotated { .. }
                | Action::StoredAnyway { .. }
                | Action::Promoted { .. }
                | Action::Staged { .. }
                | Action::Removed { .. }
        )
    }
}

/// Where the app goes after a screen's update.
#[derive(Clone)]
pub enum Go {
    Help,
    /// Quits, or asks first while work would be cut short.
    Quit,
    Home,
    /// The wizard for a new profile.
    Add,
    /// Asks before removing this profile.
    AskRemove(String),
    Test(String),
    Users(String),
    /// Every profile's accounts, person by person.
    Identities,
    Rotate(String),
    Edit(String, Field),
    /// Tests the staged key; it becomes current only if it passes.
    Promote(String),
    /// Tests a candidate secret or key; it replaces the stored one only if it passes.
    Rotation(String, Candidate),
    /// Asks before a candidate that failed its test is stored over the profile's secret.
    AskStoreAnyway(String),
}

impl Go {
    /// Whether it opens another screen (rather than a question or the help over this one).
    pub fn opens_screen(&self) -> bool {
        !matches!(
            self,
            Go::Help | Go::Quit | Go::AskRemove(_) | Go::AskStoreAnyway(_)
        )
    }
}

/// A screen's answer to a message: work for the runner, where to go, and what the status
/// line says.
#[derive(Default)]
pub struct Reply {
    pub effects: Vec<Effect>,
    pub go: Option<Go>,
    pub say: Option<Notice>,
}

impl Reply {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn go(go: Go) -> Self {
        Self {
            go: Some(go),
            ..Self::default()
        }
    }

    pub fn effect(effect: impl Into<Effect>) -> Self {
        Self {
            effects: vec![effect.into()],
            ..Self::default()
        }
    }

    pub fn effects(effects: Vec<Effect>) -> Self {
        Self {
            effects,
            ..Self::default()
        }
    }

    pub fn say(mut self, notice: Notice) -> Self {
        self.say = Some(notice);
        self
    }

    pub fn and_go(mut self, go: Go) -> Self {
        self.go = Some(go);
        self
    }
}

impl From<Option<ReadKey>> for Reply {
    fn from(read: Option<ReadKey>) -> Self {
        Reply::effects(read.map(Effect::from).into_iter().collect())
    }
}
