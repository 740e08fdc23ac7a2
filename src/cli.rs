//! The command line. Secrets are never flag values: they come from a masked prompt, stdin
//! (`--client-secret-stdin`) or the `PLOY_CONNECT_CLIENT_SECRET` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use ploy_core::users::ExportFormat;
use ploy_emulator::Scenario;

/// What `ploy-connect --help` says after the options besides the reference tables
/// (`docs::help_text`).
const AFTER_HELP: &str = "\
Secrets are stored only in the OS keyring (Secret Service on Linux, Keychain on macOS,
Credential Manager on Windows). Profiles (no secrets) live in profiles.toml in the config dir.
Logs: set PLOY_CONNECT_LOG=debug for more detail; the log file path is shown by `profiles list --verbose`.

Try it without a tenant:
  ploy-connect emulator --credentials-out creds.json    # Ctrl-C stops it
Then, in another terminal:
  host=$(jq -r .onetrust.host creds.json)
  id=$(jq -r .onetrust.client_id creds.json)
  jq -r .onetrust.client_secret creds.json | ploy-connect setup onetrust \\
      --profile demo --host \"$host\" --client-id \"$id\" --client-secret-stdin";

/// What `--version` says: the commit and the day of the build come from build.rs ("unknown"
/// for a build outside a git checkout), so a bug report names the exact build.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PLOY_CONNECT_COMMIT"),
    ", built ",
    env!("PLOY_CONNECT_BUILD_DATE"),
    ")"
);

/// The variable the shell's completion script sets when it asks this binary for candidates
/// (clap_complete's dynamic completion). Ours, not clap's default `COMPLETE`, which another
/// program's environment may hold.
pub const COMPLETE_VAR: &str = "_PLOY_CONNECT_COMPLETE";

/// When a shell asks for completions: answers (subcommands, flags, values, profile names) on
/// standard output and exits; otherwise returns at once.
pub fn complete_if_asked() {
    if std::env::var_os(COMPLETE_VAR).is_none() {
        return;
    }
    // The profiles to offer are those of the config dir the line being completed names.
    let args: Vec<String> = std::env::args().collect();
    let dir = args.windows(2).find_map(|w| match (w[0].as_str(), &w[1]) {
        ("--config-dir", v) => Some(v.clone()),
        (a, _) => a.strip_prefix("--config-dir=").map(str::to_string),
    });
    if let Some(d) = dir {
        let _ = COMPLETION_DIR.set(ploy_core::files::expand_home(std::path::Path::new(&d)));
    }
    clap_complete::CompleteEnv::with_factory(command)
        .var(COMPLETE_VAR)
        .complete();
}

static COMPLETION_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The profile names a completion offers: from the config dir on the line being completed,
/// else `PLOY_CONNECT_CONFIG_DIR`, else the default one. Nothing when it cannot be read.
fn profile_names() -> Vec<clap_complete::CompletionCandidate> {
    let dir = COMPLETION_DIR
        .get()
        .cloned()
        .or_else(|| std::env::var_os("PLOY_CONNECT_CONFIG_DIR").map(PathBuf::from))
        .or_else(ploy_core::profile::ProfileStore::default_dir);
    let Some(dir) = dir else {
        return Vec::new();
    };
    let Ok(all) = ploy_core::profile::ProfileStore::new(dir).load() else {
        return Vec::new();
    };
    all.profiles
        .iter()
        .map(|(name, p)| {
            clap_complete::CompletionCandidate::new(name).help(Some(
                format!("{} at {}", p.integration.display_name(), p.host).into(),
            ))
        })
        .collect()
}

/// Completes an argument that names a stored profile.
fn profiles() -> clap_complete::ArgValueCandidates {
    clap_complete::ArgValueCandidates::new(profile_names)
}

/// The day of the build, YYYY-MM-DD (the man pages' date).
pub const BUILD_DATE: &str = env!("PLOY_CONNECT_BUILD_DATE");

#[derive(Debug, Parser)]
#[command(
    name = "ploy-connect",
    version = VERSION,
    about = "Connect an identity source (OneTrust, Okta) to Ploy: store its secret in the OS keyring, prove the connection step by step, and list its users."
)]
pub struct Cli {
    /// Where profiles.toml lives [default: the platform config dir, e.g. ~/.config/ploy-connect]
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PLOY_CONNECT_CONFIG_DIR"
    )]
    pub config_dir: Option<PathBuf>,

    /// Plain line-by-line output and prompts, even on a terminal
    #[arg(long, global = true)]
    pub plain: bool,

    /// Where new secrets go: os (the desktop keyring: Secret Service, Keychain, Credential
    /// Manager) or keyutils (Linux's kernel keyring: no D-Bus needed, kept until the machine
    /// restarts and a few days after last use once logged out). A profile remembers its
    /// keyring; giving this to setup or rotate with a new secret moves it [default: os]
    #[arg(
        long,
        global = true,
        value_name = "STORE",
        env = "PLOY_CONNECT_SECRET_STORE",
        value_parser = parse_backend
    )]
    pub secret_store: Option<ploy_core::secret::Backend>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command line as clap sees it: the derive's, with the emulator's scenarios listed and
/// the global options (`--config-dir`, `--plain`) shown once, in `ploy-connect --help`, rather
/// than in every command's help. Each subcommand gets a hidden copy of them, which clap then
/// does not replace with the visible one, and whose value still reaches the top level.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command()
        .after_help(format!("{}\n\n{AFTER_HELP}", crate::docs::help_text(None)))
        .mut_subcommand("emulator", |c| c.after_help(scenario_help()));
    let cmd = DOCUMENTED.iter().fold(cmd, |cmd, path| {
        let words: Vec<&str> = path.split(' ').collect();
        documented(cmd, &words, path)
    });
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.clone().hide(true))
        .collect();
    with_hidden(cmd, &globals)
}

/// The commands whose `--help` ends with the variables they read and the JSON they print.
const DOCUMENTED: [&str; 10] = [
    "setup",
    "setup onetrust",
    "setup okta",
    "rotate",
    "test",
    "users",
    "identities",
    "status",
    "profiles list",
    "profiles show",
];

/// Gives the command at `words` its reference text (`docs::help_text` of `path`, where a
/// vendor's setup counts as setup).
fn documented(cmd: clap::Command, words: &[&str], path: &str) -> clap::Command {
    match words {
        [] => {
            let doc_path = if path.starts_with("setup") {
                "setup"
            } else {
                path
            };
            let examples = EXAMPLES
                .iter()
                .find(|(p, _)| *p == path)
                .map_or(String::new(), |(_, e)| format!("{e}\n\n"));
            let text = format!(
                "{examples}{}\n\n{GLOBAL_NOTE}",
                crate::docs::help_text(Some(doc_path))
            );
            cmd.after_help(text)
        }
        [first, rest @ ..] => cmd.mut_subcommand(*first, |c| documented(c, rest, path)),
    }
}

/// Examples a command's `--help` starts its reference text with.
const EXAMPLES: &[(&str, &str)] = &[(
    "identities",
    "Examples:
  ploy-connect identities -o identities.csv           # every profile, one row per account
  ploy-connect identities corp acme --format json     # these two profiles, one object a person
  ploy-connect identities --dormant-days 60 --fail-on leaver_with_access,orphan -o review.csv
                                                      # a scheduled check: exit 1 when anyone is flagged

Flags (a person's are the union of their accounts'):
  leaver_with_access  deactivated (DEPROVISIONED) in an identity provider (Okta), active elsewhere
  orphan              active in an application source (OneTrust), in no identity provider read
  dormant             active, last login older than --dormant-days
  never_logged_in     active, never logged in
Active: Okta ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY; OneTrust active. Accounts are
matched on the email (trimmed, Unicode compatibility and case folded; the login when there is
no email), never on names. A profile not read whole is said, and the flags that depend on it
are listed as unsure instead of set.",
)];

const GLOBAL_NOTE: &str = "Every command also takes --config-dir DIR, --secret-store os|keyutils and --plain (see ploy-connect --help).";

fn parse_backend(text: &str) -> Result<ploy_core::secret::Backend, String> {
    ploy_core::secret::Backend::parse(text)
}

fn with_hidden(cmd: clap::Command, globals: &[clap::Arg]) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    names.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |sub| {
            let mut sub = globals.iter().fold(sub, |sub, a| sub.arg(a.clone()));
            if sub.get_after_help().is_none() {
                sub = sub.after_help(GLOBAL_NOTE);
            }
            with_hidden(sub, globals)
        })
    })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update a profile, store its secret in the OS keyring, then test it (no flags on a terminal: the wizard)
    Setup(SetupArgs),
    /// Test a profile's connection live, step by step (input, dns, tls, token, scopes, users)
    Test(TestArgs),
    /// Replace a profile's secret in the keyring (after rotating it at the vendor), then re-test
    Rotate(RotateArgs),
    /// Export all of a tenant's users as CSV or JSON
    Users(UsersArgs),
    /// Every profile's accounts joined person by person, with leavers, orphans, dormant and never-used accounts flagged (CSV or JSON)
    Identities(IdentitiesArgs),
    /// Test every profile live, at once: one line each, and where secrets are kept (exit 1 if any fails)
    Status(StatusArgs),
    /// List, show or remove profiles
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Okta keys made by ploy-connect: show the public keys to add in Okta
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Try everything against emulated OneTrust and Okta tenants (temporary profiles, secrets in memory)
    Demo(DemoArgs),
    /// Run emulated OneTrust and Okta tenants on loopback (for trying ploy-connect and for tests)
    Emulator(EmulatorArgs),
    /// Print a shell completion script: ploy-connect completions bash > /etc/bash_completion.d/ploy-connect
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): ploy-connect man > ploy-connect.1; man ./ploy-connect.1
    Man {
        /// Write one page per command into DIR instead (ploy-connect.1, ploy-connect-setup.1, …),
        /// as a package installs them under /usr/share/man/man1
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only these profiles [default: all]
    #[arg(value_name = "PROFILE", add = profiles())]
    pub profiles: Vec<String>,
    /// Print one JSON object instead of lines
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any profile passes with a warning
    ///
    /// Each test ends by checking what the credential can do beyond reading; anything broader
    /// than the setup guides ask for (Okta .manage scopes, an admin role beyond read-only,
    /// admin roles that could not be checked, OneTrust scopes beyond USER) is a warning,
    /// counted in the RESULT column and listed by `test NAME`. Without --strict a warning does
    /// not change the exit code; notes never do.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub age: MaxAgeArg,
}

/// How old a secret may get before it is flagged.
#[derive(Debug, Default, Args)]
pub struct MaxAgeArg {
    /// Flag secrets and keys older than this (90d, 12w, 48h) [default: max_secret_age in
    /// profiles.toml, else 90d]
    #[arg(long, value_name = "AGE", value_parser = max_age)]
    pub max_age: Option<ploy_core::age::MaxAge>,
}

fn max_age(text: &str) -> Result<ploy_core::age::MaxAge, String> {
    ploy_core::age::MaxAge::parse(text)
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print the public key(s) of an Okta profile as JSON: {"current": JWK, "staged": JWK|null}
    Show {
        /// The Okta profile
        #[arg(add = profiles())]
        name: String,
        /// Print only the staged key's public JWK (the one to add in Okta before --promote)
        #[arg(long, conflicts_with = "current")]
        staged: bool,
        /// Print only the current key's public JWK
        #[arg(long)]
        current: bool,
    },
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Without one, a terminal opens the setup wizard
    #[command(subcommand)]
    pub integration: Option<SetupIntegration>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Users per emulated tenant (at most 10,000,000)
    #[arg(long, default_value_t = 2500, value_parser = users_count)]
    pub users: usize,
}

/// The most users an emulated tenant holds.
pub const MAX_USERS: usize = 10_000_000;

fn users_count(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number of users"))?;
    if n > MAX_USERS {
        return Err(format!("at most {MAX_USERS} users"));
    }
    Ok(n)
}

#[derive(Debug, Subcommand)]
pub enum SetupIntegration {
    /// OneTrust: OAuth 2.0 client credentials with the USER scope
    #[command(name = "onetrust")]
    OneTrust(OneTrustSetup),
    /// Okta: an API Services app with a private key (private_key_jwt), optional DPoP
    #[command(name = "okta")]
    Okta(OktaSetup),
}

/// What every integration's setup asks for. Missing values are prompted for on a terminal;
/// without one they are required.
#[derive(Debug, Default, Args)]
pub struct CommonSetup {
    /// Profile name (letters, digits, '-', '_', '.'), e.g. acme
    #[arg(long, add = profiles())]
    pub profile: Option<String>,
    /// Tenant hostname, the host you sign in to (OneTrust: acme.my.onetrust.com; Okta: company.okta.com)
    #[arg(long)]
    pub host: Option<String>,
    /// The app's or credential's Client ID
    #[arg(long)]
    pub client_id: Option<String>,
    #[command(flatten)]
    pub test: AfterSave,
}

#[derive(Debug, Args)]
pub struct OneTrustSetup {
    #[command(flatten)]
    pub common: CommonSetup,
    /// Read the client secret from standard input (else PLOY_CONNECT_CLIENT_SECRET, else a prompt)
    #[arg(long)]
    pub client_secret_stdin: bool,
}

#[derive(Debug, Default, Args)]
pub struct OktaSetup {
    #[command(flatten)]
    pub common: CommonSetup,
    #[command(flatten)]
    pub key: KeyInput,
    #[command(flatten)]
    pub generate: GenerateKey,
    /// Require DPoP-bound tokens (Okta's default for API Services apps made since February 2024)
    #[arg(long, conflicts_with = "no_dpop")]
    pub dpop: bool,
    /// The app does not require DPoP
    #[arg(long)]
    pub no_dpop: bool,
    /// Scopes to request, space-separated [default, the recommended set: "okta.users.read
    /// okta.groups.read okta.apps.read okta.roles.read"; the users table needs okta.users.read,
    /// and okta.roles.read lets the test check the app's own admin role]
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
}

/// Where an Okta private key comes from (else PLOY_CONNECT_PRIVATE_KEY, else a prompt).
#[derive(Debug, Default, Args)]
pub struct KeyInput {
    /// The private key as Okta's console copies it: a JWK (JSON) or PEM file (PKCS#8, PKCS#1
    /// or SEC1; RSA of 2048 to 8192 bits, or EC P-256/P-384; unencrypted; at most 64 KiB)
    #[arg(long, value_name = "FILE", conflicts_with = "private_key_stdin")]
    pub private_key_file: Option<PathBuf>,
    /// Read the private key (PEM or JWK) from standard input
    #[arg(long)]
    pub private_key_stdin: bool,
    /// The key's ID (KID), shown under Public keys in Okta; needed when the key is a PEM and
    /// the app has more than one key
    #[arg(long, value_name = "KID")]
    pub key_id: Option<String>,
}

/// A key pair made here instead of one copied from Okta (recommended: the private key never
/// leaves this machine).
#[derive(Debug, Default, Args)]
pub struct GenerateKey {
    /// Make the key pair here: the private key goes straight to the keyring, and the public key
    /// (JWK) is printed to add in Okta (Client Credentials › Add key)
    #[arg(
        long,
        conflicts_with_all = ["private_key_file", "private_key_stdin", "key_id", "json"]
    )]
    pub generate_key: bool,
    /// The kind of key to make
    #[arg(
        long,
        value_enum,
        default_value = "rsa-2048",
        requires = "generate_key"
    )]
    pub key_type: KeyTypeArg,
    /// Also write the public key (JWK) to this file
    #[arg(long, value_name = "FILE", requires = "generate_key")]
    pub public_key_out: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyTypeArg {
    /// RSA 2048 (what Okta itself generates)
    #[default]
    #[value(name = "rsa-2048")]
    Rsa2048,
    /// EC P-256 (smaller, faster signatures)
    #[value(name = "ec-p256")]
    EcP256,
}

impl From<KeyTypeArg> for ploy_core::keys::KeyType {
    fn from(k: KeyTypeArg) -> Self {
        match k {
            KeyTypeArg::Rsa2048 => ploy_core::keys::KeyType::Rsa2048,
            KeyTypeArg::EcP256 => ploy_core::keys::KeyType::EcP256,
        }
    }
}

#[derive(Debug, Default, Args)]
pub struct AfterSave {
    /// Save without testing the connection
    #[arg(long)]
    pub no_test: bool,
    /// Print the test result as JSON
    #[arg(long, conflicts_with = "no_test")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The profile to test (without one, give --vendor, --host and --client-id)
    #[arg(required_unless_present = "vendor", add = profiles())]
    pub profile: Option<String>,
    /// Print one JSON object instead of lines
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the test passes with a warning
    ///
    /// The last step, privileges, checks what the credential can do beyond reading. Anything
    /// broader than the setup guides ask for is a warning — Okta: .manage scopes granted
    /// (okta.write_scopes_granted; found with one extra token request, which also makes one
    /// System Log event), an admin role beyond read-only (okta.admin_role_too_broad), roles
    /// that could not be checked (okta.roles_not_visible); OneTrust: scopes beyond USER
    /// (onetrust.extra_scopes). A warning names what to remove and where in the vendor's
    /// console; the test still passes (exit 0) unless --strict is given. Notes (DPoP not
    /// required, USER can also change users) never fail a run.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub once: ThisRun,
}

/// A secret for this run only, for jobs and hosts without a keyring: taken from standard
/// input, a file or the environment (PLOY_CONNECT_CLIENT_SECRET, PLOY_CONNECT_PRIVATE_KEY),
/// used, and forgotten. Nothing is written to a keyring or a config file, and the test's result
/// is not recorded on the profile.
#[derive(Debug, Default, Args)]
#[group(id = "this_run")]
#[command(next_help_heading = "This run only (nothing is stored)")]
pub struct ThisRun {
    /// Without a profile: the identity source the settings below are for
    #[arg(long, value_enum, requires_all = ["host", "client_id"], conflicts_with = "profile")]
    pub vendor: Option<VendorArg>,
    /// Without a profile: the tenant hostname (OneTrust) or Okta domain
    #[arg(long, requires = "vendor")]
    pub host: Option<String>,
    /// Without a profile: the client ID
    #[arg(long, requires = "vendor")]
    pub client_id: Option<String>,
    /// OneTrust: read the client secret for this run from standard input
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// OneTrust: read the client secret for this run from this file (a final line break is ignored)
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<PathBuf>,
    /// Okta: the private key for this run (a JWK or PEM file)
    #[arg(long, value_name = "FILE", conflicts_with = "private_key_stdin")]
    pub private_key_file: Option<PathBuf>,
    /// Okta: read the private key for this run from standard input
    #[arg(long)]
    pub private_key_stdin: bool,
    /// Okta, without a profile: the key's ID when the key is a PEM and the app has more than one
    #[arg(long, value_name = "KID", requires = "vendor")]
    pub key_id: Option<String>,
    /// Okta, without a profile: the app does not require DPoP (it does by default)
    #[arg(long, requires = "vendor")]
    pub no_dpop: bool,
    /// Okta, without a profile: the scopes to request [default: the recommended read scopes]
    #[arg(long, value_name = "SCOPES", requires = "vendor")]
    pub scopes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VendorArg {
    #[value(name = "onetrust")]
    OneTrust,
    Okta,
}

impl From<VendorArg> for ploy_core::integration::Integration {
    fn from(v: VendorArg) -> Self {
        match v {
            VendorArg::OneTrust => Self::OneTrust,
            VendorArg::Okta => Self::Okta,
        }
    }
}

/// The new secret is tested before it replaces the stored one; a failing test keeps the
/// current secret and changes nothing.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The profile whose secret or key changed
    #[arg(add = profiles())]
    pub profile: String,
    /// OneTrust: read the new client secret from standard input
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Okta: the new private key
    #[command(flatten)]
    pub key: KeyInput,
    /// Okta, without downtime: stage a new key pair made here beside the current one (which
    /// keeps working); add its public key in Okta, then run rotate --promote
    #[command(flatten)]
    pub generate: GenerateKey,
    /// Okta: test the staged key and, if it passes, make it current and delete the old private
    /// key from the keyring
    #[arg(
        long,
        conflicts_with_all = [
            "generate_key", "private_key_file", "private_key_stdin", "key_id",
            "client_secret_stdin", "force", "no_test"
        ]
    )]
    pub promote: bool,
    /// Store the new secret even if its test fails (for when the vendor is down)
    #[arg(long, conflicts_with_all = ["no_test", "generate_key"])]
    pub force: bool,
    /// Store the new secret without testing it (like --force, without the test)
    #[arg(long, conflicts_with = "generate_key")]
    pub no_test: bool,
    /// Print the test result as JSON
    #[arg(long, conflicts_with = "no_test")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// The profile to read users from (without one, give --vendor, --host and --client-id)
    #[arg(required_unless_present = "vendor", add = profiles())]
    pub profile: Option<String>,
    #[command(flatten)]
    pub once: ThisRun,
    /// The output format [default: the file's extension, .json or .csv; else csv]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Write to this file (replaced only once complete) instead of standard output (- means
    /// standard output)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV: write cells exactly as the tenant sent them, even those a spreadsheet would run as
    /// a formula (starting with = + - @); by default they get a leading ' (OWASP CSV injection)
    #[arg(long)]
    pub keep_formulas: bool,
    /// Skip entitlements (Okta groups, apps and admin roles; OneTrust access levels): no extra
    /// requests, and no entitlement columns or fields
    #[arg(long)]
    pub no_entitlements: bool,
    /// CSV: one row per (user, entitlement) instead of one per user with a count; a user
    /// without any gets a row of their own
    #[arg(long, conflicts_with = "no_entitlements")]
    pub entitlement_rows: bool,
}

#[derive(Debug, Args)]
pub struct IdentitiesArgs {
    /// The profiles to join, read at once [default: every profile]
    #[arg(value_name = "PROFILE", add = profiles())]
    pub profiles: Vec<String>,
    /// The output format [default: the file's extension, .json or .csv; else csv]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Write to this file (replaced only once complete) instead of standard output (- means
    /// standard output)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// An active account whose last login is older than this many days is dormant
    #[arg(long, value_name = "N", default_value_t = ploy_core::identities::DEFAULT_DORMANT_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub dormant_days: u32,
    /// Exit 1 when any person carries one of these flags (leaver_with_access, orphan, dormant,
    /// never_logged_in; comma-separated); the file is written either way
    #[arg(long, value_name = "FLAG[,FLAG]", value_delimiter = ',', value_parser = flag)]
    pub fail_on: Vec<ploy_core::identities::Flag>,
    /// CSV: write cells exactly as the tenants sent them, even those a spreadsheet would run
    /// as a formula (starting with = + - @); by default they get a leading '
    #[arg(long)]
    pub keep_formulas: bool,
}

fn flag(text: &str) -> Result<ploy_core::identities::Flag, String> {
    text.parse()
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// One line per profile, with its last test result
    #[command(visible_alias = "ls")]
    List {
        /// Print one JSON object (its "profiles" array) instead of lines
        #[arg(long)]
        json: bool,
        /// Also print where files and secrets are kept
        #[arg(long)]
        verbose: bool,
        #[command(flatten)]
        age: MaxAgeArg,
    },
    /// A profile's settings and whether its secret is in the keyring
    Show {
        /// The profile to show
        #[arg(add = profiles())]
        name: String,
        /// Print one JSON object instead of lines
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        age: MaxAgeArg,
    },
    /// Change a profile's settings; its secret stays (rotate replaces that)
    Set(ProfileSet),
    /// Rename a profile; its secret moves to the new name in the keyring
    #[command(visible_alias = "mv")]
    Rename {
        /// The profile's name now
        #[arg(add = profiles())]
        old: String,
        /// Its new name (letters, digits, '-', '_', '.')
        new: String,
    },
    /// Remove a profile and delete its secret from the keyring
    #[command(visible_alias = "rm")]
    Remove {
        /// The profile to remove
        #[arg(add = profiles())]
        name: String,
        /// Do not ask for confirmation (needed without a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Find keyring secrets of this config dir that no profile uses any more, and remove them
    Prune {
        /// Remove without asking (needed without a terminal)
        #[arg(long)]
        yes: bool,
    },
}

/// What `profiles set` changes; what is not given stays as it is.
#[derive(Debug, Args)]
pub struct ProfileSet {
    /// The profile to change
    #[arg(add = profiles())]
    pub name: String,
    /// The tenant hostname (the stored secret is bound to it: a host typed here is confirmed)
    #[arg(long)]
    pub host: Option<String>,
    /// Okta: require DPoP-bound tokens
    #[arg(long, conflicts_with = "no_dpop")]
    pub dpop: bool,
    /// Okta: the app does not require DPoP
    #[arg(long)]
    pub no_dpop: bool,
    /// Okta: the scopes to request, space-separated (okta.users.read is required)
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Loopback address to listen on; port 0 picks a free one
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: SocketAddr,
    /// Write the tenants' hosts and credentials here (JSON) once listening
    #[arg(long, value_name = "FILE")]
    pub credentials_out: Option<PathBuf>,
    /// Users per tenant (at most 10,000,000)
    #[arg(long, default_value_t = 250, value_parser = users_count)]
    pub users: usize,
    /// Make a tenant misbehave; repeatable. See the list below.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<Scenario>,
    /// Seed for the generated users
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Add a network's round trip to every answer: MS, or MS,JITTER (e.g. 100,10: 90 to 110 ms)
    #[arg(long, value_name = "MS[,JITTER]", default_value = "0", value_parser = latency)]
    pub latency: (std::time::Duration, std::time::Duration),
    /// Limit how fast answers arrive, in megabits per second (1 to 100000, e.g. 100)
    #[arg(long, value_name = "MBIT", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub bandwidth: Option<u64>,
}

fn latency(text: &str) -> Result<(std::time::Duration, std::time::Duration), String> {
    let ms = |t: &str| {
        t.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= 60_000)
            .map(std::time::Duration::from_millis)
            .ok_or_else(|| format!("\"{t}\" is not a number of milliseconds (0 to 60000)"))
    };
    match text.split_once(',') {
        Some((l, j)) => {
            let (l, j) = (ms(l)?, ms(j)?);
            if j > l {
                return Err(format!(
                    "the jitter ({j:?}) cannot exceed the latency ({l:?})"
                ));
            }
            Ok((l, j))
        }
        None => Ok((ms(text)?, std::time::Duration::ZERO)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// One row per user (identities: per account), with a header; cells a spreadsheet would
    /// run are defused
    Csv,
    /// One JSON object: schema_version and the "users" array (identities: "identities", one
    /// object a person)
    Json,
}

impl From<FormatArg> for ExportFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Json => ExportFormat::Json,
        }
    }
}

/// `emulator --help` lists the scenarios from the one table that defines them.
pub fn scenario_help() -> String {
    let mut s = String::from("Scenarios:\n");
    for (_, name, what) in ploy_emulator::SCENARIOS {
        s.push_str(&format!("  {name:<30} {what}\n"));
    }
    s
}

/// Which full-screen start a person at a terminal gets for this command line; `None` means
/// line mode. Decided from what clap parsed, not from a list of flags kept by hand: a command
/// that names anything at all beyond the global options (a profile, a key to make, a file to
/// write) is a script's or an admin's precise request, and line mode does exactly that.
pub fn tui_start(cmd: &clap::Command, m: &clap::ArgMatches) -> Option<TuiStart> {
    let Some((name, sub)) = m.subcommand() else {
        return Some(TuiStart::Home);
    };
    if name != "setup" {
        return None;
    }
    let setup = cmd.find_subcommand(name)?;
    let Some((vendor, vm)) = sub.subcommand() else {
        return Some(TuiStart::Wizard(None));
    };
    let vcmd = setup.find_subcommand(vendor)?;
    let given = vcmd
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .any(|a| {
            matches!(
                vm.value_source(a.get_id().as_str()),
                Some(
                    clap::parser::ValueSource::CommandLine | clap::parser::ValueSource::EnvVariable
                )
            )
        });
    if given {
        return None;
    }
    let integration = match vendor {
        "okta" => ploy_core::integration::Integration::Okta,
        _ => ploy_core::integration::Integration::OneTrust,
    };
    Some(TuiStart::Wizard(Some(integration)))
}

/// Where the full-screen face opens (the TUI's own `Start`, which this module cannot name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuiStart {
    Home,
    Wizard(Option<ploy_core::integration::Integration>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use ploy_core::integration::Integration;

    fn start(args: &[&str]) -> Option<TuiStart> {
        let cmd = command();
        let m = cmd
            .clone()
            .try_get_matches_from(std::iter::once("ploy-connect").chain(args.iter().copied()))
            .unwrap();
        tui_start(&cmd, &m)
    }

    /// Only a bare command line opens the full-screen face; any flag of a vendor's setup,
    /// whichever it is, is a request line mode carries out.
    #[test]
    fn the_face_comes_from_what_was_parsed() {
        assert_eq!(start(&[]), Some(TuiStart::Home));
        assert_eq!(start(&["--plain"]), Some(TuiStart::Home));
        assert_eq!(start(&["setup"]), Some(TuiStart::Wizard(None)));
        assert_eq!(
            start(&["--config-dir", "cfg", "setup", "okta"]),
            Some(TuiStart::Wizard(Some(Integration::Okta)))
        );
        assert_eq!(
            start(&["setup", "onetrust", "--secret-store", "keyutils"]),
            Some(TuiStart::Wizard(Some(Integration::OneTrust)))
        );
        for line in [
            &["setup", "okta", "--generate-key"][..],
            &[
                "setup",
                "okta",
                "--generate-key",
                "--key-type",
                "ec-p256",
                "--public-key-out",
                "F",
            ],
            &["setup", "okta", "--generate-key", "--public-key-out", "F"],
            &["setup", "okta", "--no-dpop"],
            &["setup", "okta", "--scopes", "okta.users.read"],
            &["setup", "okta", "--private-key-stdin"],
            &["setup", "okta", "--profile", "corp"],
            &["setup", "okta", "--no-test"],
            &["setup", "onetrust", "--client-secret-stdin"],
            &["setup", "onetrust", "--json"],
            &["test", "acme"],
            &["status"],
            &["profiles", "list"],
        ] {
            assert_eq!(start(line), None, "{line:?}");
        }
    }
}
