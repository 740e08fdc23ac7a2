//! `rotate NAME`: the new secret or key is tested from memory first; only a passing test (or
//! `--force`) replaces what the keyring holds.

use tokio::sync::mpsc;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::integration::Integration;
use ploy_core::setup::{self, Candidate};
use ploy_core::suggest;

use super::prompt::Prompter;
use super::setup::{read_key, secret_word};
use super::sources;
use super::test::{print_outcome, print_steps};
use crate::cli::RotateArgs;

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    args: RotateArgs,
) -> Result<u8, AppError> {
    let profile = services.store.load()?.get(&args.profile)?.clone();
    let integration = profile.integration;
    let name = args.profile.as_str();
    if args.promote {
        // Nothing staged is said before anything about testing it.
        setup::staged_key(name, &profile)?;
        return promote(services, name, args.json).await;
    }
    if args.generate.generate_key {
        return stage(services, name, &args).await;
    }
    let key_flags = args.key.private_key_file.is_some()
        || args.key.private_key_stdin
        || args.key.key_id.is_some();
    let what = secret_word(integration);
    let candidate = match integration {
        Integration::OneTrust if key_flags => {
            return Err(AppError::Usage(format!(
                "\"{name}\" is a OneTrust profile: use --client-secret-stdin, not private key flags"
            )));
        }
        Integration::Okta if args.client_secret_stdin => {
            return Err(AppError::Usage(format!(
                "\"{name}\" is an Okta profile: use --private-key-file or --private-key-stdin"
            )));
        }
        Integration::OneTrust => {
            let ask = p.interactive() && !args.client_secret_stdin;
            sources::client_secret(
                p,
                args.client_secret_stdin,
                ask,
                "New client secret (input hidden)",
            )?
            .map(Candidate::Secret)
        }
        Integration::Okta => {
            let ask = p.interactive() && !args.key.private_key_stdin;
            read_key(p, &args.key, ask, name, false)?.map(|key| Candidate::Key {
                key: Box::new(key),
                key_id: args.key.key_id.clone(),
            })
        }
    };
    let Some(candidate) = candidate else {
        return Err(AppError::Usage(format!(
            "missing {} (no terminal to ask on)",
            match integration {
                Integration::OneTrust =>
                    "the client secret (--client-secret-stdin or PLOY_CONNECT_CLIENT_SECRET)",
                Integration::Okta =>
                    "the private key (--private-key-file, --private-key-stdin or PLOY_CONNECT_PRIVATE_KEY)",
            }
        )));
    };
    if args.no_test {
        setup::store_untested(services, name, candidate).await?;
        errln!(
            "Replaced the {what} of \"{name}\" in {} without testing it.",
            services.kept_in(name)
        );
        return Ok(exit::OK);
    }
    if !args.json {
        outln!(
            "Testing the new {what} of \"{name}\" ({integration} at {}) before storing it",
            profile.host
        );
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let rotate = async {
        let r = setup::rotate(services, name, candidate, args.force, Some(&tx)).await;
        drop(tx);
        r
    };
    let (rotation, ()) = tokio::join!(rotate, print_steps(rx, args.json));
    let rotation = rotation?;
    print_outcome(&rotation.report, args.json);
    if rotation.replaced {
        errln!(
            "Replaced the {what} of \"{name}\" in {}.",
            services.kept_in(name)
        );
    } else {
        errln!(
            "{} To store it anyway (the vendor is down), run again with --force.",
            setup::kept_message(integration)
        );
    }
    Ok(rotation.report.exit_code())
}

/// `rotate --generate-key`: a new key pair beside the current one, which keeps working.
async fn stage(services: &Services, name: &str, args: &RotateArgs) -> Result<u8, AppError> {
    super::keys::check_public_out(args.generate.public_key_out.as_deref())?;
    let staged = setup::stage(services, name, args.generate.key_type.into()).await?;
    if let Some(old) = &staged.replaced {
        errln!("Replaced the key staged before (key ID {old}), which was never in use.");
    }
    errln!(
        "Staged a new {} key for \"{name}\"; the current key keeps working.",
        staged.key_type.words()
    );
    super::keys::announce(&staged.public_jwk, args.generate.public_key_out.as_deref())?;
    errln!(
        "Then make it current: {}",
        suggest::command(&["rotate", name, "--promote"])
    );
    Ok(exit::OK)
}

/// `rotate --promote`: the staged key is tested; only a pass makes it current.
async fn promote(services: &Services, name: &str, json: bool) -> Result<u8, AppError> {
    if !json {
        outln!("Testing the staged key of \"{name}\" before it replaces the current one");
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let run = async {
        let r = setup::promote(services, name, Some(&tx)).await;
        drop(tx);
        r
    };
    let (promotion, ()) = tokio::join!(run, print_steps(rx, json));
    let promotion = promotion?;
    print_outcome(&promotion.report, json);
    if promotion.promoted {
        errln!(
            "The new key (key ID {}) is in use; the old private key was deleted from {}.",
            promotion.key_id,
            services.kept_in(name)
        );
        errln!("{}", setup::retire_message(&promotion));
        errln!("{}", ploy_core::diagnose::note("okta.retire_steps"));
    } else {
        // The diagnosis above says what to do next (for a key Okta does not know yet: add
        // the staged key, then promote again).
        errln!(
            "Nothing changed: the current key is still in use, and the staged key is kept for another try."
        );
    }
    Ok(promotion.report.exit_code())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;

    use secrecy::{ExposeSecret, SecretString};

    use ploy_core::profile::ProfileStore;
    use ploy_core::secret::{MemoryStore, Vault};
    use ploy_core::session::secret_key;
    use ploy_core::setup::{Draft, Intent};

    use super::*;
    use crate::cli::KeyInput;
    use crate::line::sources::tests::Script;

    fn args(force: bool) -> RotateArgs {
        RotateArgs {
            profile: "acme".into(),
            client_secret_stdin: true,
            key: KeyInput {
                private_key_file: None,
                private_key_stdin: false,
                key_id: None,
            },
            generate: Default::default(),
            promote: false,
            force,
            no_test: false,
            json: false,
        }
    }

    /// The line face's `rotate` over a memory vault: a failing secret is not stored, exit 1;
    /// `--force` stores it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn line_mode_keeps_the_secret_when_the_new_one_fails() {
        let emulator = ploy_emulator::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            &ploy_emulator::EmulatorConfig::default(),
        )
        .await
        .unwrap();
        let c = emulator.credentials.onetrust.clone();
        let dir = tempfile::tempdir().unwrap();
        let services = Services {
            store: ProfileStore::new(dir.path()).with_state_dir(dir.path().join("state")),
            vault: Vault::new(Arc::new(MemoryStore::new())),
        };
        let draft = Draft {
            name: "acme".into(),
            host: Some(c.host.clone()),
            client_id: Some(c.client_id.clone()),
            secret: Some(SecretString::from(c.client_secret.clone())),
            ..Draft::default()
        };
        let v = setup::prepare(&services, Integration::OneTrust, Intent::Create, &draft)
            .await
            .unwrap();
        setup::save(&services, &v).await.unwrap();
        let stored = || async {
            let p = services.store.load().unwrap().get("acme").unwrap().clone();
            services
                .vault
                .get(&secret_key("acme", &p))
                .await
                .unwrap()
                .unwrap()
                .expose_secret()
                .to_string()
        };

        let mut wrong = Script {
            stdin: Some("a-wrong-new-secret".into()),
            ..Script::default()
        };
        assert_eq!(run(&services, &mut wrong, args(false)).await.unwrap(), 1);
        assert_eq!(stored().await, c.client_secret, "nothing was replaced");

        let mut forced = Script {
            stdin: Some("a-wrong-new-secret".into()),
            ..Script::default()
        };
        assert_eq!(run(&services, &mut forced, args(true)).await.unwrap(), 1);
        assert_eq!(stored().await, "a-wrong-new-secret", "--force stores it");
    }
}
