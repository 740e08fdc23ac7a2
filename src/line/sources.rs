//! Where a secret or a key comes from in line mode, in one order: an explicit flag (a key
//! file, or `--…-stdin`), then the environment, then a prompt on a terminal. Never a flag
//! value, so secrets stay out of shell history and `ps`.

use secrecy::SecretString;

use ploy_core::app::{AppError, Services};
use ploy_core::integration::Integration;
use ploy_core::keys::KeySource;
use ploy_core::setup::this_run::{self, Given, Settings, ThisRun};

use super::prompt::Prompter;
use crate::cli::{KeyInput, ThisRun as ThisRunArgs};

pub const SECRET_ENV: &str = "PLOY_CONNECT_CLIENT_SECRET";
pub const KEY_ENV: &str = "PLOY_CONNECT_PRIVATE_KEY";

/// A OneTrust client secret: `--client-secret-stdin`, else `PLOY_CONNECT_CLIENT_SECRET`,
/// else a masked prompt when `ask`.
pub fn client_secret(
    p: &mut dyn Prompter,
    from_stdin: bool,
    ask: bool,
    prompt: &str,
) -> Result<Option<SecretString>, AppError> {
    if from_stdin {
        return p.stdin("the client secret").map(Some);
    }
    if let Some(v) = p.env(SECRET_ENV) {
        return Ok(Some(SecretString::from(v)));
    }
    if ask {
        return p.password(prompt).map(Some);
    }
    Ok(None)
}

/// An Okta private key from the flags or the environment (the prompt is the caller's, since
/// it may ask again).
pub fn private_key(p: &mut dyn Prompter, flags: &KeyInput) -> Result<Option<KeySource>, AppError> {
    if let Some(path) = &flags.private_key_file {
        return Ok(Some(KeySource::from_path(path)));
    }
    if flags.private_key_stdin {
        return p
            .stdin("the private key")
            .map(|t| Some(KeySource::Pasted(t)));
    }
    if let Some(v) = p.env(KEY_ENV) {
        return Ok(Some(KeySource::Pasted(SecretString::from(v))));
    }
    Ok(None)
}

/// The secret `test` or `users` got for this run only, in one order: a flag
/// (`--client-secret-stdin`, `--client-secret-file`, `--private-key-file`,
/// `--private-key-stdin`), then the environment variable of the profile's vendor.
fn given_for_run(
    p: &mut dyn Prompter,
    args: &ThisRunArgs,
    integration: Integration,
) -> Result<Option<(Given, &'static str)>, AppError> {
    if args.client_secret_stdin {
        return Ok(Some((
            Given::Secret(p.stdin("the client secret")?),
            "standard input (this run only)",
        )));
    }
    if let Some(path) = &args.client_secret_file {
        return Ok(Some((
            Given::SecretFile(path.clone()),
            "a file (this run only)",
        )));
    }
    if let Some(path) = &args.private_key_file {
        return Ok(Some((
            Given::Key(KeySource::from_path(path)),
            "a file (this run only)",
        )));
    }
    if args.private_key_stdin {
        return Ok(Some((
            Given::Key(KeySource::Pasted(p.stdin("the private key")?)),
            "standard input (this run only)",
        )));
    }
    Ok(match integration {
        Integration::OneTrust => p.env(SECRET_ENV).map(|v| {
            (
                Given::Secret(SecretString::from(v)),
                "PLOY_CONNECT_CLIENT_SECRET (this run only)",
            )
        }),
        Integration::Okta => p.env(KEY_ENV).map(|v| {
            (
                Given::Key(KeySource::Pasted(SecretString::from(v))),
                "PLOY_CONNECT_PRIVATE_KEY (this run only)",
            )
        }),
    })
}

/// What `test` and `users` run with when a secret was given for this run: profile `name` (or
/// the settings given as flags, without one) with that secret. `None`: no secret was given, so
/// the stored profile runs with its stored secret.
pub fn this_run(
    services: &Services,
    p: &mut dyn Prompter,
    name: Option<&str>,
    args: &ThisRunArgs,
) -> Result<Option<ThisRun>, AppError> {
    let integration = match (name, args.vendor) {
        (Some(name), _) => services.store.load()?.get(name)?.integration,
        (None, Some(vendor)) => vendor.into(),
        (None, None) => {
            return Err(AppError::Usage(
                "name a profile, or give --vendor, --host and --client-id".into(),
            ));
        }
    };
    let given = given_for_run(p, args, integration)?;
    match (name, given) {
        (Some(_), None) => Ok(None),
        (Some(name), Some((given, from))) => this_run::stored(services, name, given, from).map(Some),
        (None, Some((given, from))) => {
            let settings = Settings {
                host: args.host.clone(),
                client_id: args.client_id.clone(),
                key_id: args.key_id.clone(),
                dpop: (integration == Integration::Okta).then_some(!args.no_dpop),
                scopes: args.scopes.clone(),
            };
            this_run::from_settings(integration, settings, given, from).map(Some)
        }
        (None, None) => Err(AppError::Usage(match integration {
            Integration::OneTrust => "without a profile, give the client secret: PLOY_CONNECT_CLIENT_SECRET, --client-secret-stdin or --client-secret-file".into(),
            Integration::Okta => "without a profile, give the private key: PLOY_CONNECT_PRIVATE_KEY, --private-key-file or --private-key-stdin".into(),
        })),
    }
}

#[cfg(test)]
pub mod tests {
    use std::collections::{HashMap, VecDeque};
    use std::path::{Path, PathBuf};

    use secrecy::ExposeSecret;

    use super::*;

    /// A scripted outside world: the environment, stdin and the answers a person would type.
    #[derive(Default)]
    pub struct Script {
        pub interactive: bool,
        pub env: HashMap<String, String>,
        pub stdin: Option<String>,
        pub answers: VecDeque<String>,
        pub asked: Vec<String>,
    }

    impl Prompter for Script {
        fn interactive(&self) -> bool {
            self.interactive
        }
        fn env(&self, name: &str) -> Option<String> {
            self.env.get(name).cloned()
        }
        fn stdin(&mut self, _what: &str) -> Result<SecretString, AppError> {
            self.stdin
                .take()
                .map(SecretString::from)
                .ok_or_else(|| AppError::Usage("stdin read twice".into()))
        }
        fn text(
            &mut self,
            prompt: &str,
            _initial: Option<&str>,
            check: &dyn Fn(&str) -> Result<(), String>,
        ) -> Result<String, AppError> {
            self.asked.push(prompt.to_string());
            let a = self.answers.pop_front().unwrap_or_default();
            check(&a).map_err(AppError::Usage)?;
            Ok(a)
        }
        fn password(&mut self, prompt: &str) -> Result<SecretString, AppError> {
            self.asked.push(prompt.to_string());
            Ok(SecretString::from(
                self.answers.pop_front().unwrap_or_default(),
            ))
        }
        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, AppError> {
            self.asked.push(prompt.to_string());
            Ok(self.answers.pop_front().map_or(default, |a| a == "y"))
        }
        fn paste(&mut self, prompt: &str) -> Result<SecretString, AppError> {
            self.asked.push(prompt.to_string());
            Ok(SecretString::from(
                self.answers.pop_front().unwrap_or_default(),
            ))
        }
        fn choose(&mut self, prompt: &str, _: &[&str], default: usize) -> Result<usize, AppError> {
            self.asked.push(prompt.to_string());
            Ok(self
                .answers
                .pop_front()
                .and_then(|a| a.parse().ok())
                .unwrap_or(default))
        }
    }

    fn secret(s: &mut Script, from_stdin: bool, ask: bool) -> Option<String> {
        client_secret(s, from_stdin, ask, "Client secret")
            .unwrap()
            .map(|v| v.expose_secret().to_string())
    }

    #[test]
    fn a_client_secret_comes_from_the_flag_then_the_environment_then_a_prompt() {
        let mut s = Script {
            interactive: true,
            env: HashMap::from([(SECRET_ENV.to_string(), "from-env".to_string())]),
            stdin: Some("from-stdin".into()),
            answers: VecDeque::from(["typed".to_string()]),
            ..Script::default()
        };
        assert_eq!(secret(&mut s, true, true).as_deref(), Some("from-stdin"));
        assert_eq!(secret(&mut s, false, true).as_deref(), Some("from-env"));
        s.env.clear();
        assert_eq!(secret(&mut s, false, true).as_deref(), Some("typed"));
        assert_eq!(
            s.asked,
            ["Client secret"],
            "asked only when nothing else gave it"
        );
        assert_eq!(
            secret(&mut s, false, false),
            None,
            "never asked without a terminal"
        );
    }

    #[test]
    fn a_key_comes_from_the_file_flag_then_stdin_then_the_environment() {
        let mut s = Script {
            env: HashMap::from([(KEY_ENV.to_string(), "env-key".to_string())]),
            stdin: Some("stdin-key".into()),
            ..Script::default()
        };
        let file = KeyInput {
            private_key_file: Some(PathBuf::from("/k.pem")),
            private_key_stdin: false,
            key_id: None,
        };
        assert!(
            matches!(private_key(&mut s, &file).unwrap(), Some(KeySource::File(p)) if p == Path::new("/k.pem"))
        );
        let stdin = KeyInput {
            private_key_file: None,
            private_key_stdin: true,
            key_id: None,
        };
        assert!(
            matches!(private_key(&mut s, &stdin).unwrap(), Some(KeySource::Pasted(t)) if t.expose_secret() == "stdin-key")
        );
        let none = KeyInput {
            private_key_file: None,
            private_key_stdin: false,
            key_id: None,
        };
        assert!(
            matches!(private_key(&mut s, &none).unwrap(), Some(KeySource::Pasted(t)) if t.expose_secret() == "env-key")
        );
        s.env.clear();
        assert!(private_key(&mut s, &none).unwrap().is_none());
    }
}
