//! `setup onetrust` and `setup okta` in line mode: gather the fields (flags, environment,
//! standard input, prompts), hand the draft to the core's setup workflow, save, then test.

use std::io::IsTerminal;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::diagnose;
use ploy_core::integration::Integration;
use ploy_core::keys::{KeySource, KeyType, ParsedKey};
use ploy_core::profile::Profile;
use ploy_core::setup::{self, Draft, InputError, Intent, SetupField};
use ploy_core::validate;

use super::print;
use super::prompt::Prompter;
use super::sources;
use crate::cli::{CommonSetup, KeyInput, OktaSetup};

/// What differs between the integrations' setups.
pub enum Kind {
    OneTrust { secret_stdin: bool },
    Okta(Box<OktaSetup>),
}

impl Kind {
    fn integration(&self) -> Integration {
        match self {
            Kind::OneTrust { .. } => Integration::OneTrust,
            Kind::Okta(_) => Integration::Okta,
        }
    }

    /// Once a secret comes from stdin, nothing else can be asked there.
    fn takes_stdin(&self) -> bool {
        match self {
            Kind::OneTrust { secret_stdin } => *secret_stdin,
            Kind::Okta(o) => o.key.private_key_stdin,
        }
    }
}

/// How a missing field is given without a terminal.
fn flag_of(field: SetupField, integration: Integration) -> &'static str {
    match (field, integration) {
        (SetupField::Name, _) => "--profile",
        (SetupField::Host, _) => "--host",
        (SetupField::ClientId, _) => "--client-id",
        (SetupField::Secret, Integration::OneTrust) => {
            "the client secret (--client-secret-stdin or PLOY_CONNECT_CLIENT_SECRET)"
        }
        (SetupField::Secret, Integration::Okta) => {
            "the private key (--private-key-file, --private-key-stdin or PLOY_CONNECT_PRIVATE_KEY)"
        }
        (SetupField::KeyId, _) => "--key-id",
        (SetupField::Dpop, _) => "--dpop or --no-dpop",
        (SetupField::Scopes, _) => "--scopes",
    }
}

fn missing(fields: &[SetupField], integration: Integration) -> AppError {
    let names: Vec<_> = fields.iter().map(|f| flag_of(*f, integration)).collect();
    AppError::Usage(format!(
        "missing {} (no terminal to ask on); see: {}",
        names.join(", "),
        ploy_core::suggest::command(&["setup", integration.id(), "--help"])
    ))
}

/// Asks for a field on a terminal with the core's rule for it.
fn ask(
    p: &mut dyn Prompter,
    prompt: &str,
    initial: Option<&str>,
    rule: impl Fn(&str) -> Result<(), String>,
) -> Result<String, AppError> {
    p.text(prompt, initial, &rule)
}

/// `setup` without a vendor: on a terminal, ask which one; without one, say how to name it.
pub async fn choose_and_run(services: &Services, p: &mut dyn Prompter) -> Result<u8, AppError> {
    if !p.interactive() {
        return Err(AppError::Usage(format!(
            "choose what to set up: {} | {}",
            ploy_core::suggest::command(&["setup", "onetrust"]),
            ploy_core::suggest::command(&["setup", "okta"])
        )));
    }
    probe_keyring(services, None, None).await?;
    let names: Vec<&str> = Integration::ALL.iter().map(|i| i.display_name()).collect();
    let kind = match Integration::ALL.get(p.choose("What do you want to connect?", &names, 0)?) {
        Some(Integration::Okta) => Kind::Okta(Box::default()),
        _ => Kind::OneTrust {
            secret_stdin: false,
        },
    };
    run(services, p, CommonSetup::default(), kind).await
}

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    common: CommonSetup,
    kind: Kind,
) -> Result<u8, AppError> {
    let integration = kind.integration();
    let prompts = p.interactive() && !kind.takes_stdin();
    if prompts {
        // Before anything is typed: without a keyring the secret could not be kept anyway.
        probe_keyring(services, Some(integration), common.profile.as_deref()).await?;
    }

    let generate = matches!(&kind, Kind::Okta(o) if o.generate.generate_key);
    // A name this setup cannot take (another vendor's profile, or one a new key would break)
    // is asked again on a terminal, as an invalid one is.
    let name_rule = |s: &str| -> Result<(), String> {
        let n = setup::check_name(s, Intent::CreateOrUpdate, &[]).map_err(|e| e.to_string())?;
        let existing = services
            .store
            .load()
            .ok()
            .and_then(|a| a.profiles.get(&n).cloned());
        setup::check_existing(&n, integration, Intent::CreateOrUpdate, existing.as_ref())
            .map_err(|e| e.to_string())?;
        match existing {
            Some(_) if generate => Err(generate_over_existing(&n)),
            _ => Ok(()),
        }
    };
    let name = match common.profile {
        Some(n) if prompts => match name_rule(&n) {
            Ok(()) => n,
            Err(e) => {
                errln!("✗ {e}");
                ask(p, "Profile name", None, name_rule)?
            }
        },
        Some(n) => n,
        None if prompts => ask(p, "Profile name", None, name_rule)?,
        None => {
            let mut fields = vec![SetupField::Name];
            if common.host.is_none() {
                fields.push(SetupField::Host);
            }
            if common.client_id.is_none() {
                fields.push(SetupField::ClientId);
            }
            return Err(missing(&fields, integration));
        }
    };
    let name = setup::check_name(&name, Intent::CreateOrUpdate, &[])
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let existing = services.store.load()?.profiles.get(&name).cloned();
    // Fail before asking anything more.
    setup::check_existing(
        &name,
        integration,
        Intent::CreateOrUpdate,
        existing.as_ref(),
    )
    .map_err(|e| e.into_app(&name, integration))?;

    let example = integration.example_host();
    let host = match common.host {
        Some(h) => Some(h),
        None if prompts => Some(ask(
            p,
            &format!("Tenant hostname (e.g. {example})"),
            existing.as_ref().map(|e| e.host.as_str()),
            move |s| {
                validate::hostname(s, integration)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?),
        None => None,
    };
    let client_id = match common.client_id {
        Some(c) => Some(c),
        None if prompts => Some(ask(
            p,
            "Client ID",
            existing.as_ref().map(|e| e.client_id.as_str()),
            |s| {
                validate::client_id(s)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?),
        None => None,
    };
    // Re-running setup on an existing profile may keep its stored secret.
    let ask_secret = prompts && existing.is_none();
    // A key made here: its public half, to add in Okta.
    let mut public = None;
    let mut draft = Draft {
        name: name.clone(),
        host,
        client_id,
        ..Draft::default()
    };
    match &kind {
        Kind::OneTrust { secret_stdin } => {
            draft.secret = sources::client_secret(
                p,
                *secret_stdin,
                ask_secret,
                "Client secret (input hidden)",
            )?;
        }
        Kind::Okta(o) if o.generate.generate_key => {
            if existing.is_some() {
                return Err(AppError::Usage(generate_over_existing(&name)));
            }
            super::keys::check_public_out(o.generate.public_key_out.as_deref())?;
            let kind: KeyType = o.generate.key_type.into();
            let generated = setup::generate(kind).await?;
            public = Some(generated.public_jwk.clone());
            draft = draft.with_generated(generated);
            okta_fields(p, o, existing.as_ref(), &mut draft, prompts)?;
        }
        Kind::Okta(o) => {
            draft.key = read_key(p, &o.key, ask_secret, &name, existing.is_none())?;
            okta_fields(p, o, existing.as_ref(), &mut draft, prompts)?;
        }
    }
    let missing_fields = draft.missing(integration, existing.as_ref());
    if !missing_fields.is_empty() {
        return Err(missing(&missing_fields, integration));
    }

    let v = setup::prepare(services, integration, Intent::CreateOrUpdate, &draft).await?;
    // A key's notes were shown when it was read.
    let key_notes = integration == Integration::Okta;
    print::notes(
        v.notes
            .iter()
            .filter(|(f, _)| !(key_notes && *f == SetupField::Secret))
            .map(|(_, n)| n),
    );
    setup::save(services, &v).await?;
    errln!(
        "Saved profile \"{name}\" ({integration} at {}); the {} is in {}.",
        v.profile.host,
        secret_word(integration),
        services.kept_in(&name)
    );
    if let (Some(jwk), Kind::Okta(o)) = (&public, &kind) {
        super::keys::announce(jwk, o.generate.public_key_out.as_deref())?;
    }
    if common.test.no_test {
        return Ok(exit::OK);
    }
    if public.is_some() {
        // Standard output carries the public key alone (it pipes), and a test before the key
        // is in Okta can only fail. On a terminal, ask.
        let piped = !std::io::stdout().is_terminal();
        if piped
            || (p.interactive()
                && !p.confirm(
                    "Added and saved the public key in Okta? Test the connection now",
                    true,
                )?)
        {
            errln!(
                "Test it once the key is in Okta: {}",
                ploy_core::suggest::command(&["test", &name])
            );
            return Ok(exit::OK);
        }
    }
    Ok(super::test::run_stored(services, &name, common.test.json)
        .await?
        .exit_code())
}

/// Why a key made here cannot go to an existing profile, and what does it without downtime.
fn generate_over_existing(name: &str) -> String {
    format!(
        "\"{name}\" exists: a new key now would stop it working until Okta has it. Pick another name, or replace its key without downtime: {}",
        ploy_core::suggest::command(&["rotate", name, "--generate-key"])
    )
}

/// Probes the keyring the secret will go to: the one chosen for this run, else the one the
/// profile `name` (if it exists) keeps its secret in, else the default.
async fn probe_keyring(
    services: &Services,
    integration: Option<Integration>,
    name: Option<&str>,
) -> Result<(), AppError> {
    let kept = name.and_then(|n| services.store.load().ok()?.profiles.get(n)?.secret_store);
    services
        .vault
        .probe_for(services.vault.chosen().or(kept))
        .await
        .map_err(|e| AppError::store(e, "", integration))
}

pub fn secret_word(integration: Integration) -> &'static str {
    match integration {
        Integration::OneTrust => "client secret",
        Integration::Okta => "private key",
    }
}

/// An Okta key from the flags, the environment, or the terminal. A key typed or pasted on a
/// terminal that cannot be used is asked for again (three tries) instead of ending the setup.
pub fn read_key(
    p: &mut dyn Prompter,
    flags: &KeyInput,
    ask: bool,
    profile: &str,
    new_profile: bool,
) -> Result<Option<ParsedKey>, AppError> {
    const TRIES: usize = 3;
    let invalid = |e: ploy_core::keys::KeyInputError| match new_profile {
        true => InputError::Key(e).into_app_new(profile, Integration::Okta),
        false => InputError::Key(e).into_app(profile, Integration::Okta),
    };
    let shown = |k: ParsedKey| {
        print::notes(&k.notes);
        errln!("  key: {}", k.key.describe());
        Some(k)
    };
    if let Some(source) = sources::private_key(p, flags)? {
        return source.load().map(shown).map_err(invalid);
    }
    if !ask {
        return Ok(None);
    }
    for attempt in 1..=TRIES {
        let text = p.paste(
            "Private key: paste it (PEM or JWK, as Okta's \"Copy to clipboard\" gives it; not shown), or type a file path and press Enter.",
        )?;
        let Some(source) = KeySource::from_input(secrecy::ExposeSecret::expose_secret(&text))
        else {
            continue;
        };
        match source.load() {
            Ok(k) => return Ok(shown(k)),
            Err(e) if attempt < TRIES => {
                errln!(
                    "✗ {e}\n  Try again ({} of {TRIES}), or press Esc to stop.",
                    attempt + 1
                );
            }
            Err(e) => return Err(invalid(e)),
        }
    }
    Ok(None)
}

/// DPoP, scopes and key ID: flags first; a new profile is asked on a terminal.
fn okta_fields(
    p: &mut dyn Prompter,
    flags: &OktaSetup,
    existing: Option<&Profile>,
    draft: &mut Draft,
    prompts: bool,
) -> Result<(), AppError> {
    let new = existing.is_none();
    draft.dpop = if flags.dpop {
        Some(true)
    } else if flags.no_dpop {
        Some(false)
    } else if prompts && new {
        // The question stays short: a prompt that wraps is drawn again on each redraw.
        errln!("  {}", diagnose::note("okta.dpop_where"));
        Some(p.confirm(diagnose::note("okta.dpop_question"), setup::DEFAULT_DPOP)?)
    } else {
        None
    };
    draft.scopes = match &flags.scopes {
        Some(s) => Some(s.clone()),
        None if prompts && new => {
            errln!("  Scopes: the users table needs okta.users.read; recommended set:");
            for scope in setup::DEFAULT_SCOPES {
                let why = ploy_core::connector::okta::scope_purpose(scope).unwrap_or_default();
                errln!("    {scope}: {why}");
            }
            Some(ask(
                p,
                "Scopes to request",
                Some(&setup::DEFAULT_SCOPES.join(" ")),
                |s| {
                    validate::okta_scopes(s)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                },
            )?)
        }
        None => None,
    };
    draft.key_id = match &flags.key.key_id {
        Some(k) => Some(k.clone()),
        // A PEM carries no key ID; the admin may have it from Okta's Public keys list.
        None if prompts && draft.key.as_ref().is_some_and(|k| k.key.kid().is_none()) => {
            let typed = ask(
                p,
                "Key ID (KID) from Okta's Public keys list (Enter to skip if the app has one key)",
                Some(""),
                |s| validate::key_id(s).map(|_| ()).map_err(|e| e.to_string()),
            )?;
            Some(typed)
        }
        None => None,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::net::SocketAddr;
    use std::sync::Arc;

    use ploy_core::profile::ProfileStore;
    use ploy_core::secret::{MemoryStore, Vault};

    use super::*;
    use crate::line::sources::tests::Script;

    fn services(dir: &std::path::Path) -> Services {
        Services {
            store: ProfileStore::new(dir).with_state_dir(dir.join("state")),
            vault: Vault::new(Arc::new(MemoryStore::new())),
        }
    }

    /// `setup` with no vendor on a terminal asks which one; a key that cannot be used is asked
    /// for again instead of ending the setup after everything else was typed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn setup_asks_the_vendor_and_asks_again_for_a_rejected_key() {
        let emulator = ploy_emulator::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            &ploy_emulator::EmulatorConfig::default(),
        )
        .await
        .unwrap();
        let c = emulator.credentials.okta.clone();
        let cut: String = c
            .private_key_pem
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n");
        let dir = tempfile::tempdir().unwrap();
        let services = services(dir.path());
        let mut script = Script {
            interactive: true,
            answers: VecDeque::from(
                [
                    "1", // Okta
                    "corp",
                    c.host.as_str(),
                    c.client_id.as_str(),
                    "sedCsfd-a-client-secret-pasted-by-mistake",
                    cut.as_str(),
                    c.private_key_pem.as_str(),
                    if c.dpop { "y" } else { "n" },
                    "okta.users.read",
                    "",
                ]
                .map(String::from),
            ),
            ..Script::default()
        };
        let code = choose_and_run(&services, &mut script).await.unwrap();
        assert_eq!(code, exit::OK, "asked: {:?}", script.asked);
        assert_eq!(script.asked[0], "What do you want to connect?");
        let key_prompts = script
            .asked
            .iter()
            .filter(|a| a.starts_with("Private key"))
            .count();
        assert_eq!(key_prompts, 3, "two rejected keys, then the good one");
        let saved = services.store.load().unwrap();
        assert_eq!(saved.get("corp").unwrap().integration, Integration::Okta);
    }

    /// Three unusable keys end the setup; the fix sets the profile up, as it was never saved.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_rejected_keys_end_with_a_fix_for_a_new_profile() {
        let dir = tempfile::tempdir().unwrap();
        let services = services(dir.path());
        let mut script = Script {
            interactive: true,
            answers: VecDeque::from(
                [
                    "corp",
                    "corp.okta.com",
                    "0oa1b2c3d4e5f6g7h8i9",
                    "-----BEGIN PRIVATE KEY-----\nMIIE",
                    "-----BEGIN PRIVATE KEY-----\nMIIE",
                    "-----BEGIN PRIVATE KEY-----\nMIIE",
                ]
                .map(String::from),
            ),
            ..Script::default()
        };
        let err = run(
            &services,
            &mut script,
            CommonSetup::default(),
            Kind::Okta(Box::default()),
        )
        .await
        .unwrap_err();
        let d = err.diagnosed().unwrap();
        assert!(d.failure.detail.contains("cut off"), "{}", d.failure.detail);
        let run = d.diagnosis().run.unwrap_or_default();
        assert!(run.contains("setup okta"), "{run}");
        assert!(!run.contains("rotate"), "{run}");
        assert!(services.store.load().unwrap().profiles.is_empty());
    }

    /// Item 7 (issue 20): on a terminal, a name this setup cannot take (here another vendor's
    /// profile) is asked again, as an invalid one is, instead of ending the setup.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_taken_name_is_asked_again_on_a_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let services = services(dir.path());
        let draft = Draft {
            name: "acme".into(),
            host: Some("acme.my.onetrust.com".into()),
            client_id: Some("0123456789abcdef0123456789abcdef".into()),
            secret: Some(secrecy::SecretString::from("s3cr3t-value-0123456789abcdef")),
            ..Draft::default()
        };
        let v = setup::prepare(&services, Integration::OneTrust, Intent::Create, &draft)
            .await
            .unwrap();
        setup::save(&services, &v).await.unwrap();
        let generated = ploy_core::keys::generate(KeyType::EcP256).unwrap();
        let mut script = Script {
            interactive: true,
            answers: VecDeque::from(
                [
                    "corp",
                    "corp.okta.com",
                    "0oa1b2c3d4e5f6g7h8i9",
                    secrecy::ExposeSecret::expose_secret(&generated.pem),
                    "y",
                    "okta.users.read",
                    "",
                ]
                .map(String::from),
            ),
            ..Script::default()
        };
        let common = CommonSetup {
            profile: Some("acme".into()),
            test: crate::cli::AfterSave {
                no_test: true,
                json: false,
            },
            ..CommonSetup::default()
        };
        let code = run(&services, &mut script, common, Kind::Okta(Box::default()))
            .await
            .unwrap();
        assert_eq!(code, exit::OK, "asked: {:?}", script.asked);
        assert_eq!(script.asked[0], "Profile name", "{:?}", script.asked);
        let saved = services.store.load().unwrap();
        assert_eq!(saved.get("corp").unwrap().integration, Integration::Okta);
        assert_eq!(
            saved.get("acme").unwrap().integration,
            Integration::OneTrust
        );
    }
}
