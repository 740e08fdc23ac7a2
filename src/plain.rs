//! Line mode: dialoguer prompts when a person is at a terminal, flags/env/stdin otherwise, one
//! line per step. Same core, same diagnoses and same exit codes as the TUI.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::check::{self, CheckEvent, Report, StepResult, StepStatus};
use crate::cli::{CommonSetup, KeyInput, OktaSetup, ProfilesCommand, RotateArgs, UsersArgs};
use crate::connector::okta;
use crate::diagnose::{self, Diagnosis, Failure, code};
use crate::http::HttpNotice;
use crate::integration::Integration;
use crate::keys::PrivateKey;
use crate::profile::{self, OktaSettings, Profile, ProfileError, ProfileStore};
use crate::secret::{SecretStoreError, Vault};
use crate::session;
use crate::setup::{self, SaveError};
use crate::users::{Exporter, PendingFile};
use crate::validate::{self, Note};

pub const SECRET_ENV: &str = "PLOY_CONNECT_CLIENT_SECRET";
const MAX_STDIN: u64 = 1 << 20;

/// Exit codes shared by every face of the program.
pub mod exit {
    pub const OK: u8 = 0;
    pub const TEST_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const SECRET_STORE: u8 = 3;
}

#[derive(Debug, Error)]
pub enum PlainError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("{}", Diagnosis::for_code(code::SECRET_STORE_UNAVAILABLE, "", None).title)]
    SecretStore(#[from] SecretStoreError),
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    /// Already explained on screen; only the exit code is left.
    #[error("")]
    Reported(u8),
}

impl From<SaveError> for PlainError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Secret(e) => PlainError::SecretStore(e),
            SaveError::Profile(e) => PlainError::Profile(e),
        }
    }
}

impl PlainError {
    pub fn exit_code(&self) -> u8 {
        match self {
            PlainError::SecretStore(_) => exit::SECRET_STORE,
            PlainError::Reported(c) => *c,
            PlainError::Usage(_) | PlainError::Profile(_) | PlainError::Io { .. } => exit::USAGE,
        }
    }

    /// What to print on stderr.
    pub fn message(&self) -> Option<String> {
        match self {
            PlainError::Reported(_) => None,
            PlainError::SecretStore(e) => {
                let d = Diagnosis::for_code(code::SECRET_STORE_UNAVAILABLE, "", None);
                Some(format!("{}: {e}\n{}\nFix: {}", d.title, d.why, d.hint))
            }
            other => Some(other.to_string()),
        }
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> PlainError {
    let what = what.into();
    move |source| PlainError::Io { what, source }
}

/// Everything a command needs.
pub struct Ctx {
    pub store: ProfileStore,
    pub vault: Vault,
    /// A person can answer prompts (stdin and stderr are terminals).
    pub interactive: bool,
}

impl Ctx {
    pub fn new(store: ProfileStore, vault: Vault) -> Self {
        let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
        Self {
            store,
            vault,
            interactive,
        }
    }
}

fn print_notes(notes: &[Note]) {
    for n in notes {
        match n {
            Note::Changed(t) => eprintln!("  note: {t}"),
            Note::Warning(t) => eprintln!("  warning: {t}"),
        }
    }
}

/// A validation failure at input time: explained with the diagnosis, exit 2.
fn input_error(
    code: &'static str,
    detail: impl std::fmt::Display,
    profile: &str,
    integration: Integration,
) -> PlainError {
    let d = Diagnosis::for_code(code, profile, Some(integration));
    eprintln!("✗ {detail}\n  {} [{}]\n  Fix: {}", d.title, d.code, d.hint);
    PlainError::Reported(exit::USAGE)
}

/// Asks for a value on a terminal, validating as the admin types.
fn ask(
    prompt: &str,
    initial: Option<&str>,
    check: impl Fn(&str) -> Result<(), String> + 'static,
) -> Result<String, PlainError> {
    let mut input = dialoguer::Input::<String>::new().with_prompt(prompt);
    if let Some(i) = initial {
        input = input.with_initial_text(i);
    }
    input
        .validate_with(move |s: &String| check(s))
        .interact_text()
        .map_err(|e| PlainError::Usage(format!("prompt cancelled: {e}")))
}

/// Reads standard input once, capped.
fn read_stdin(what: &str) -> Result<String, PlainError> {
    let mut text = String::new();
    io::stdin()
        .take(MAX_STDIN)
        .read_to_string(&mut text)
        .map_err(io_err(format!("cannot read {what} from standard input")))?;
    Ok(text)
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn prompt_error(e: dialoguer::Error) -> PlainError {
    PlainError::Usage(format!("prompt cancelled: {e}"))
}

/// A OneTrust client secret from stdin, the environment or a masked prompt, in that order.
fn read_client_secret(
    from_stdin: bool,
    interactive: bool,
    prompt: &str,
) -> Result<Option<SecretString>, PlainError> {
    if from_stdin {
        return Ok(Some(SecretString::from(read_stdin("the secret")?)));
    }
    if let Some(v) = env_value(SECRET_ENV) {
        return Ok(Some(SecretString::from(v)));
    }
    if interactive {
        let v = dialoguer::Password::new()
            .with_prompt(prompt)
            .interact()
            .map_err(prompt_error)?;
        return Ok(Some(SecretString::from(v)));
    }
    Ok(None)
}

/// An Okta private key from a file, stdin, the environment, or the terminal (a path, or the
/// key pasted line by line without echo).
fn read_private_key(key: &KeyInput, interactive: bool) -> Result<Option<SecretString>, PlainError> {
    if let Some(path) = &key.private_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(io_err(format!("cannot read {}", path.display())))?;
        return Ok(Some(SecretString::from(text)));
    }
    if key.private_key_stdin {
        return Ok(Some(SecretString::from(read_stdin("the private key")?)));
    }
    if let Some(v) = env_value(KEY_ENV) {
        return Ok(Some(SecretString::from(v)));
    }
    if !interactive {
        return Ok(None);
    }
    eprintln!(
        "Private key: paste it (PEM or JWK, as Okta's \"Copy to clipboard\" gives it; not shown), or type a file path and press Enter."
    );
    let text = read_hidden_paste().map_err(io_err("cannot read the private key"))?;
    let trimmed = text.trim();
    let is_path =
        !trimmed.contains('\n') && !trimmed.contains("-----") && !trimmed.starts_with('{');
    if is_path && !trimmed.is_empty() {
        let file =
            std::fs::read_to_string(trimmed).map_err(io_err(format!("cannot read {trimmed}")))?;
        return Ok(Some(SecretString::from(file)));
    }
    Ok(Some(SecretString::from(text)))
}

/// Reads a multi-line paste without echo. Bracketed paste delivers it whole; a terminal without
/// it sends line breaks as Enter, which only ends the input once the key is complete.
fn read_hidden_paste() -> io::Result<String> {
    use ratatui::crossterm::event::{
        self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyCode, KeyEventKind,
        KeyModifiers,
    };
    use ratatui::crossterm::{execute, terminal};

    struct Raw;
    impl Drop for Raw {
        fn drop(&mut self) {
            let _ = execute!(io::stderr(), DisableBracketedPaste);
            let _ = terminal::disable_raw_mode();
        }
    }
    terminal::enable_raw_mode()?;
    let _raw = Raw;
    execute!(io::stderr(), EnableBracketedPaste)?;
    let mut text = String::new();
    loop {
        match event::read()? {
            Event::Paste(p) => text.push_str(&p.replace("\r\n", "\n").replace('\r', "\n")),
            Event::Key(k) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
                KeyCode::Esc => {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
                KeyCode::Enter => {
                    let t = text.trim();
                    if key_looks_complete(&text)
                        || (!t.is_empty() && !t.contains("-----") && !t.starts_with('{'))
                    {
                        break;
                    }
                    text.push('\n');
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            },
            _ => {}
        }
        if key_looks_complete(&text) {
            break;
        }
        eprint!("\r  {} characters received", text.chars().count());
    }
    eprint!("\r\n");
    Ok(text)
}

/// A pasted key is complete at its PEM footer or when its JSON braces balance.
fn key_looks_complete(text: &str) -> bool {
    let t = text.trim();
    if t.contains("-----BEGIN") {
        return t.ends_with("-----") && t.contains("-----END");
    }
    t.starts_with('{') && t.matches('{').count() == t.matches('}').count()
}

const SECRET_SOURCES: &str =
    "the client secret (--client-secret-stdin or PLOY_CONNECT_CLIENT_SECRET)";
const KEY_SOURCES: &str =
    "the private key (--private-key-file, --private-key-stdin or PLOY_CONNECT_PRIVATE_KEY)";
pub const KEY_ENV: &str = "PLOY_CONNECT_PRIVATE_KEY";

/// What differs between the integrations' setups.
pub enum SetupKind {
    OneTrust { secret_stdin: bool },
    Okta(Box<OktaSetup>),
}

/// A secret that passed validation, ready for the keyring.
struct CheckedSecret {
    value: SecretString,
    key_has_kid: bool,
}

/// Validates secret text for `integration`; prints what normalisation did.
fn check_secret(
    integration: Integration,
    raw: &SecretString,
    key_id: Option<&str>,
    profile: &str,
) -> Result<CheckedSecret, PlainError> {
    match integration {
        Integration::OneTrust => {
            let checked = validate::client_secret(raw.expose_secret())
                .map_err(|e| input_error(code::INPUT_INVALID, e, profile, integration))?;
            print_notes(&checked.notes);
            Ok(CheckedSecret {
                value: checked.value,
                key_has_kid: false,
            })
        }
        Integration::Okta => {
            let checked = PrivateKey::parse(raw.expose_secret())
                .map_err(|e| input_error(code::OKTA_INVALID_KEY, e, profile, integration))?;
            print_notes(&checked.notes);
            let (text, key) = checked.value;
            let key_has_kid = key.kid().is_some();
            let key = key.with_kid(key_id.map(str::to_string));
            eprintln!("  key: {}", key.describe());
            Ok(CheckedSecret {
                value: SecretString::from(text),
                key_has_kid,
            })
        }
    }
}

/// `setup onetrust` and `setup okta`.
pub async fn setup(ctx: &Ctx, common: CommonSetup, kind: SetupKind) -> Result<u8, PlainError> {
    let integration = match &kind {
        SetupKind::OneTrust { .. } => Integration::OneTrust,
        SetupKind::Okta(_) => Integration::Okta,
    };
    // Prompts read stdin; once a secret comes from stdin nothing else can.
    let stdin_taken = match &kind {
        SetupKind::OneTrust { secret_stdin } => *secret_stdin,
        SetupKind::Okta(o) => o.key.private_key_stdin,
    };
    let prompts = ctx.interactive && !stdin_taken;
    let mut missing = Vec::new();

    let name = match common.profile {
        Some(n) => Some(n),
        None if prompts => Some(ask("Profile name", None, |s| {
            validate::profile_name(s)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?),
        None => {
            missing.push("--profile");
            None
        }
    };
    let name = match name.as_deref().map(validate::profile_name) {
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return Err(PlainError::Usage(e.to_string())),
        None => None,
    };
    let existing = match &name {
        Some(n) => ctx.store.load()?.profiles.get(n).cloned(),
        None => None,
    };
    if let (Some(n), Some(p)) = (&name, &existing)
        && p.integration != integration
    {
        return Err(PlainError::Usage(format!(
            "profile \"{n}\" is a {} profile; pick another name or remove it first (ploy-connect profiles remove {n})",
            p.integration
        )));
    }

    let example = integration.example_host();
    let host = match common.host {
        Some(h) => Some(h),
        None if prompts => Some(ask(
            &format!("Tenant hostname (e.g. {example})"),
            existing.as_ref().map(|p| p.host.as_str()),
            move |s| {
                validate::hostname(s, integration)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?),
        None => existing.as_ref().map(|p| p.host.clone()),
    };
    if host.is_none() {
        missing.push("--host");
    }
    let client_id = match common.client_id {
        Some(c) => Some(c),
        None if prompts => Some(ask(
            "Client ID",
            existing.as_ref().map(|p| p.client_id.as_str()),
            |s| {
                validate::client_id(s)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?),
        None => existing.as_ref().map(|p| p.client_id.clone()),
    };
    if client_id.is_none() {
        missing.push("--client-id");
    }
    // Re-running setup on an existing profile may keep its stored secret.
    let ask_secret = prompts && existing.is_none();
    let raw_secret = match &kind {
        SetupKind::OneTrust { secret_stdin } => {
            read_client_secret(*secret_stdin, ask_secret, "Client secret (input hidden)")?
        }
        SetupKind::Okta(o) => read_private_key(&o.key, ask_secret)?,
    };
    if raw_secret.is_none() && existing.is_none() {
        missing.push(match integration {
            Integration::OneTrust => SECRET_SOURCES,
            Integration::Okta => KEY_SOURCES,
        });
    }
    let (Some(name), Some(host), Some(client_id), true) =
        (name, host, client_id, missing.is_empty())
    else {
        return Err(PlainError::Usage(format!(
            "missing {} (no terminal to ask on); see: ploy-connect setup {} --help",
            missing.join(", "),
            integration.id()
        )));
    };

    let host = validate::hostname(&host, integration)
        .map_err(|e| input_error(code::HOST_INVALID, e, &name, integration))?;
    print_notes(&host.notes);
    let client_id = validate::client_id(&client_id)
        .map_err(|e| input_error(code::INPUT_INVALID, e, &name, integration))?;
    print_notes(&client_id.notes);
    let okta_flags = match &kind {
        SetupKind::Okta(o) => Some(o.as_ref()),
        SetupKind::OneTrust { .. } => None,
    };
    let key_id = okta_flags.and_then(|o| o.key.key_id.clone());
    let secret = match &raw_secret {
        Some(raw) => Some(check_secret(integration, raw, key_id.as_deref(), &name)?),
        None => None,
    };
    let okta = match okta_flags {
        None => None,
        Some(flags) => Some(okta_settings(
            flags,
            existing.as_ref().and_then(|p| p.okta.as_ref()),
            secret.as_ref().map(|s| s.key_has_kid),
            prompts,
        )?),
    };

    let now = OffsetDateTime::now_utc();
    let profile = Profile {
        integration,
        host: host.value.to_profile_string(),
        client_id: client_id.value,
        secret_ref: existing
            .as_ref()
            .map_or_else(profile::new_secret_ref, |p| p.secret_ref.clone()),
        created: existing.as_ref().map_or(now, |p| p.created),
        updated: now,
        last_test: None,
        okta,
    };
    setup::save(
        &ctx.store,
        &ctx.vault,
        &name,
        &profile,
        secret.map(|s| s.value),
    )
    .await?;
    eprintln!(
        "Saved profile \"{name}\" ({integration} at {}); the {} is in {}.",
        profile.host,
        match integration {
            Integration::OneTrust => "client secret",
            Integration::Okta => "private key",
        },
        ctx.vault.describe()
    );
    if common.test.no_test {
        return Ok(exit::OK);
    }
    test(ctx, &name, common.test.json).await
}

/// Okta's DPoP, scopes and key ID from flags, the previous profile, or prompts.
fn okta_settings(
    flags: &OktaSetup,
    previous: Option<&OktaSettings>,
    key_has_kid: Option<bool>,
    prompts: bool,
) -> Result<OktaSettings, PlainError> {
    let dpop = if flags.dpop {
        true
    } else if flags.no_dpop {
        false
    } else if let Some(p) = previous {
        p.dpop
    } else if prompts {
        dialoguer::Confirm::new()
            .with_prompt(diagnose::note("okta.dpop_question"))
            .default(true)
            .interact()
            .map_err(prompt_error)?
    } else {
        true
    };
    let default_scopes = previous
        .map(|p| p.scopes.join(" "))
        .unwrap_or_else(|| okta::DEFAULT_SCOPES.join(" "));
    let scopes_text = match &flags.scopes {
        Some(s) => s.clone(),
        None if prompts && previous.is_none() => {
            eprintln!(
                "  Scopes: the users table needs okta.users.read; recommended set: {}",
                okta::RECOMMENDED_SCOPES.join(" ")
            );
            ask("Scopes to request", Some(&default_scopes), |s| {
                validate::okta_scopes(s)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })?
        }
        None => default_scopes,
    };
    let scopes =
        validate::okta_scopes(&scopes_text).map_err(|e| PlainError::Usage(e.to_string()))?;
    // A new key replaces the old key ID; a PEM without one may get it from a prompt.
    let key_id = match (&flags.key.key_id, key_has_kid) {
        (Some(k), _) => Some(k.trim().to_string()).filter(|k| !k.is_empty()),
        (None, Some(true)) => None,
        (None, Some(false)) if prompts => {
            let k: String = dialoguer::Input::new()
                .with_prompt("Key ID (KID) from Okta's Public keys list (Enter to skip if the app has one key)")
                .allow_empty(true)
                .interact_text()
                .map_err(prompt_error)?;
            Some(k.trim().to_string()).filter(|k| !k.is_empty())
        }
        (None, Some(false)) => None,
        (None, None) => previous.and_then(|p| p.key_id.clone()),
    };
    Ok(OktaSettings {
        key_id,
        dpop,
        scopes,
        dpop_nonce: previous.and_then(|p| p.dpop_nonce.clone()),
    })
}

/// `rotate`: a new client secret (OneTrust) or private key (Okta), then a re-test.
pub async fn rotate(ctx: &Ctx, args: RotateArgs) -> Result<u8, PlainError> {
    let all = ctx.store.load()?;
    let profile = all.get(&args.profile)?.clone();
    let integration = profile.integration;
    let key_flags = args.key.private_key_file.is_some()
        || args.key.private_key_stdin
        || args.key.key_id.is_some();
    let raw = match integration {
        Integration::OneTrust if key_flags => {
            return Err(PlainError::Usage(format!(
                "\"{}\" is a OneTrust profile: use --client-secret-stdin, not private key flags",
                args.profile
            )));
        }
        Integration::Okta if args.client_secret_stdin => {
            return Err(PlainError::Usage(format!(
                "\"{}\" is an Okta profile: use --private-key-file or --private-key-stdin",
                args.profile
            )));
        }
        Integration::OneTrust => read_client_secret(
            args.client_secret_stdin,
            ctx.interactive && !args.client_secret_stdin,
            "New client secret (input hidden)",
        )?,
        Integration::Okta => {
            read_private_key(&args.key, ctx.interactive && !args.key.private_key_stdin)?
        }
    }
    .ok_or_else(|| {
        PlainError::Usage(format!(
            "missing {} (no terminal to ask on)",
            match integration {
                Integration::OneTrust => SECRET_SOURCES,
                Integration::Okta => KEY_SOURCES,
            }
        ))
    })?;
    let checked = check_secret(integration, &raw, args.key.key_id.as_deref(), &args.profile)?;
    setup::rotate(
        &ctx.store,
        &ctx.vault,
        &args.profile,
        checked.value,
        args.key.key_id.clone(),
    )
    .await?;
    eprintln!(
        "Replaced the {} of \"{}\" in {}.",
        match integration {
            Integration::OneTrust => "client secret",
            Integration::Okta => "private key",
        },
        args.profile,
        ctx.vault.describe()
    );
    if args.test.no_test {
        return Ok(exit::OK);
    }
    test(ctx, &args.profile, args.test.json).await
}

/// `test`: streams one line per step, or prints one JSON object.
pub async fn test(ctx: &Ctx, name: &str, json: bool) -> Result<u8, PlainError> {
    let profile = ctx.store.load()?.get(name)?.clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    if !json {
        println!(
            "Testing \"{name}\" ({} at {})",
            profile.integration, profile.host
        );
    }
    let printer = async {
        while let Some(event) = rx.recv().await {
            if let CheckEvent::Finished(step) = event
                && !json
            {
                print_step(&step);
            }
        }
    };
    let run = async {
        let report = check::run(name, &profile, &ctx.vault, Some(&tx)).await;
        drop(tx);
        report
    };
    let (report, ()) = tokio::join!(run, printer);
    if let Err(e) = check::remember(&ctx.store, &report) {
        eprintln!("warning: the result was not saved on the profile: {e}");
    }
    tracing::info!(profile = name, ok = report.ok, code = ?report.failure().and_then(|s| s.diagnosis.as_ref()).map(|d| d.code.clone()), "test finished");
    if json {
        println!("{}", report.to_json());
    } else if report.ok {
        println!("Connection OK: {} users seen.", report.users_seen);
    } else {
        println!("Connection test failed.");
    }
    Ok(report_exit(&report))
}

fn report_exit(report: &Report) -> u8 {
    match report.failure().and_then(|s| s.diagnosis.as_ref()) {
        None => exit::OK,
        Some(d) if d.code == code::SECRET_STORE_UNAVAILABLE => exit::SECRET_STORE,
        Some(_) => exit::TEST_FAILED,
    }
}

fn print_step(step: &StepResult) {
    let mark = match step.status {
        StepStatus::Passed => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "–",
    };
    let ms = if step.status == StepStatus::Skipped {
        String::new()
    } else {
        format!("{} ms", step.ms)
    };
    println!("  {mark} {:<7}{ms:>8}  {}", step.id.id(), step.detail);
    if let Some(d) = &step.diagnosis {
        print_diagnosis(d);
    }
}

fn print_diagnosis(d: &Diagnosis) {
    println!("      {}  [{}]", d.title, d.code);
    if !d.why.is_empty() {
        println!("      Why: {}", d.why);
    }
    println!("      Fix: {}", d.hint);
    if !d.step.is_empty() {
        println!("      Guide: {}", d.step);
    }
}

/// A failure outside a test run (users export): printed like a failed step.
fn report_failure(f: &Failure, profile: &str, integration: Integration) -> PlainError {
    let d = Diagnosis::for_code(f.code, profile, Some(integration));
    eprintln!("✗ {}", f.detail);
    eprintln!("  {}  [{}]\n  Fix: {}", d.title, d.code, d.hint);
    PlainError::Reported(if f.code == code::SECRET_STORE_UNAVAILABLE {
        exit::SECRET_STORE
    } else {
        exit::TEST_FAILED
    })
}

/// `users`: streams every page to CSV/JSON; a file is replaced only when complete.
pub async fn users(ctx: &Ctx, args: UsersArgs) -> Result<u8, PlainError> {
    let profile = ctx.store.load()?.get(&args.profile)?.clone();
    let (notice_tx, mut notice_rx) = mpsc::unbounded_channel();
    let mut session = session::open(&args.profile, &profile, &ctx.vault, Some(notice_tx))
        .await
        .map_err(|f| report_failure(&f, &args.profile, profile.integration))?;
    let progress = io::stderr().is_terminal();
    let waits = tokio::spawn(async move {
        while let Some(HttpNotice::Waiting { status, wait }) = notice_rx.recv().await {
            eprintln!(
                "  the tenant answered {status}; waiting {} s as it asked",
                wait.as_secs()
            );
        }
    });

    let (sink, pending): (Box<dyn Write + Send>, Option<PendingFile>) = match &args.output {
        None => (Box::new(io::BufWriter::new(io::stdout())), None),
        Some(path) => {
            let pending = PendingFile::create(path)
                .map_err(io_err(format!("cannot write next to {}", path.display())))?;
            let file = pending
                .writer()
                .map_err(io_err(format!("cannot write {}", path.display())))?;
            (Box::new(io::BufWriter::new(file)), Some(pending))
        }
    };
    let mut exporter = Exporter::new(args.format, sink).map_err(io_err("cannot write users"))?;
    /// Why an export stopped: the tenant, or our own output.
    enum Stop {
        Source(Failure),
        Write(io::Error),
    }
    impl From<Failure> for Stop {
        fn from(f: Failure) -> Self {
            Stop::Source(f)
        }
    }
    let mut pages = 0u32;
    let result = session::for_each_page(&mut session.connector, |page| {
        pages += 1;
        exporter.write(&page.users).map_err(Stop::Write)?;
        if progress {
            eprint!("\r  page {pages}, {} users", exporter.written());
        }
        if let Some(w) = &page.warning {
            eprintln!("\n  warning: {w}");
        }
        Ok(())
    })
    .await;
    if progress {
        eprintln!();
    }
    drop(session);
    let _ = waits.await;
    let count = match result {
        Ok(n) => n,
        Err(Stop::Source(f)) => {
            return Err(report_failure(&f, &args.profile, profile.integration));
        }
        // A reader that stopped early (`| head`) is not an error.
        Err(Stop::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Err(Stop::Write(e)) => {
            return Err(PlainError::Io {
                what: "cannot write users".into(),
                source: e,
            });
        }
    };
    match exporter.finish().and_then(|mut w| w.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        other => other.map_err(io_err("cannot write users"))?,
    }
    if let (Some(pending), Some(path)) = (pending, &args.output) {
        pending
            .commit()
            .map_err(io_err(format!("cannot replace {}", path.display())))?;
        eprintln!("Wrote {count} users to {}.", path.display());
    }
    Ok(exit::OK)
}

/// `profiles …`.
pub async fn profiles(
    ctx: &Ctx,
    cmd: ProfilesCommand,
    log_file: Option<&Path>,
) -> Result<u8, PlainError> {
    match cmd {
        ProfilesCommand::List { json, verbose } => {
            let all = ctx.store.load()?;
            if json {
                let list: Vec<_> = all
                    .profiles
                    .iter()
                    .map(|(n, p)| profile_json(n, p))
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else if all.profiles.is_empty() {
                println!("No profiles yet. Create one: ploy-connect setup onetrust");
            } else {
                println!("{:<20} {:<9} {:<34} LAST TEST", "NAME", "SOURCE", "HOST");
                for (n, p) in &all.profiles {
                    println!(
                        "{:<20} {:<9} {:<34} {}",
                        n,
                        p.integration.id(),
                        p.host,
                        last_test_text(p)
                    );
                }
            }
            if verbose {
                eprintln!("profiles file: {}", ctx.store.path().display());
                eprintln!(
                    "secrets: {} (service \"ploy-connect\")",
                    ctx.vault.describe()
                );
                match log_file {
                    Some(p) => eprintln!("log file: {}", p.display()),
                    None => eprintln!("log file: none"),
                }
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Show { name, json } => {
            let all = ctx.store.load()?;
            let p = all.get(&name)?;
            let key = session::secret_key(&name, p);
            let secret = match ctx.vault.get(&key).await {
                Ok(Some(_)) => "stored".to_string(),
                Ok(None) => "missing (ploy-connect rotate NAME stores it)".replace("NAME", &name),
                Err(e) => format!("unknown: {e}"),
            };
            if json {
                let mut v = profile_json(&name, p);
                v["secret"] = secret.into();
                v["keyring_account"] = key.account().into();
                println!("{v}");
            } else {
                println!("name:        {name}");
                println!("integration: {}", p.integration);
                println!("host:        {}", p.host);
                println!("client ID:   {}", p.client_id);
                println!(
                    "secret:      {secret} ({}: {})",
                    ctx.vault.describe(),
                    key.account()
                );
                println!("updated:     {}", rfc3339(p.updated));
                println!("last test:   {}", last_test_text(p));
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Remove { name, yes } => {
            // Fail on an unknown name before asking anything.
            ctx.store.load()?.get(&name)?;
            if !yes && ctx.interactive {
                let sure = dialoguer::Confirm::new()
                    .with_prompt(format!(
                        "Remove profile \"{name}\" and delete its secret from the keyring?"
                    ))
                    .default(false)
                    .interact()
                    .map_err(|e| PlainError::Usage(format!("prompt cancelled: {e}")))?;
                if !sure {
                    eprintln!("Nothing removed.");
                    return Ok(exit::OK);
                }
            }
            setup::remove(&ctx.store, &ctx.vault, &name).await?;
            eprintln!("Removed profile \"{name}\" and its secret.");
            Ok(exit::OK)
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn last_test_text(p: &Profile) -> String {
    match &p.last_test {
        None => "never".into(),
        Some(t) if t.ok => format!("passed {}", rfc3339(t.at)),
        Some(t) => format!(
            "failed {} ({})",
            rfc3339(t.at),
            t.code.as_deref().unwrap_or("?")
        ),
    }
}

fn profile_json(name: &str, p: &Profile) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "integration": p.integration.id(),
        "host": p.host,
        "client_id": p.client_id,
        "updated": rfc3339(p.updated),
        "last_test": p.last_test.as_ref().map(|t| serde_json::json!({
            "ok": t.ok,
            "at": rfc3339(t.at),
            "code": t.code,
            "users_seen": t.users_seen,
        })),
    })
}

/// `emulator`: serves until Ctrl-C or SIGTERM.
pub async fn emulator(args: crate::cli::EmulatorArgs) -> Result<u8, PlainError> {
    use crate::emulator::{EmulatorConfig, start, write_credentials};
    let config = EmulatorConfig {
        users: args.users,
        scenarios: args.scenarios.clone(),
        seed: args.seed,
    };
    let running = start(args.bind, &config)
        .await
        .map_err(|e| PlainError::Usage(e.to_string()))?;
    if let Some(path) = &args.credentials_out {
        write_credentials(path, &running.credentials)
            .map_err(|e| PlainError::Usage(e.to_string()))?;
    }
    // Whoever started us may stop reading stdout after the first line; that must not stop us.
    let mut out = io::stdout().lock();
    let mut lines = vec![
        format!("ploy-connect emulator listening on http://{}", running.addr),
        format!(
            "  OneTrust tenant and Okta org: host {}, {} users each",
            running.credentials.onetrust.host, args.users
        ),
    ];
    if let Some(path) = &args.credentials_out {
        lines.push(format!("  credentials: {}", path.display()));
    }
    lines.extend(args.scenarios.iter().map(|s| format!("  scenario: {s}")));
    lines.push("Press Ctrl-C to stop.".into());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);
    shutdown_signal().await;
    running.stop().await;
    Ok(exit::OK)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
