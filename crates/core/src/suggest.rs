//! Every command ploy-connect suggests ("Run: …" under a diagnosis, the next step after a
//! rotation, a hint in an error) is built here, so that it runs as printed: the same
//! `--config-dir` and `--secret-store` this run was given, and each word (a profile name, a
//! path) quoted for a POSIX shell when it needs it.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::secret::Backend;

pub const PROGRAM: &str = "ploy-connect";

/// What a suggested command must repeat from this run's command line: the options that
/// change where profiles and secrets are looked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    pub config_dir: Option<PathBuf>,
    pub secret_store: Option<Backend>,
}

/// Set once by `main` from the parsed command line; a process has one command line, and
/// every suggestion (many made deep in the core, in an error's words) must agree with it.
static INVOCATION: OnceLock<Invocation> = OnceLock::new();

pub fn set_invocation(invocation: Invocation) {
    let _ = INVOCATION.set(invocation);
}

fn invocation() -> Invocation {
    INVOCATION.get().cloned().unwrap_or_default()
}

/// `word` as a POSIX shell reads it back: unchanged when it is safe, else quoted.
pub fn quote(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
}

/// The options this run's suggestions repeat; `--secret-store` not when the rest of the
/// command names one itself.
fn globals(inv: &Invocation, rest: &str) -> String {
    let mut out = String::new();
    if let Some(dir) = &inv.config_dir {
        out.push_str(" --config-dir ");
        out.push_str(&quote(&dir.to_string_lossy()));
    }
    if let Some(store) = inv.secret_store
        && !rest.contains("--secret-store")
    {
        out.push_str(" --secret-store ");
        out.push_str(store.id());
    }
    out
}

/// `ploy-connect [this run's options] ARGS…`, each argument quoted as needed.
pub fn command(args: &[&str]) -> String {
    command_with(&invocation(), args)
}

fn command_with(inv: &Invocation, args: &[&str]) -> String {
    let rest: Vec<String> = args.iter().map(|a| quote(a)).collect();
    let rest = rest.join(" ");
    format!("{PROGRAM}{} {rest}", globals(inv, &rest))
}

/// A catalogue command (`ploy-connect rotate {profile} --private-key-file KEY`): `{profile}`
/// becomes the quoted name, and every `ploy-connect` in it gets this run's options.
/// Upper-case placeholders (KEY, HOST) stay for the admin to fill in.
pub fn fill(template: &str, profile: &str) -> String {
    fill_with(&invocation(), template, profile)
}

fn fill_with(inv: &Invocation, template: &str, profile: &str) -> String {
    let text = template.replace("{profile}", &quote(profile));
    let starts: Vec<usize> = text
        .match_indices(PROGRAM)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = text[..i].chars().next_back();
            let after = text[i + PROGRAM.len()..].chars().next();
            before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace)
        })
        .collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    for (n, &start) in starts.iter().enumerate() {
        let end = start + PROGRAM.len();
        let segment_end = starts.get(n + 1).copied().unwrap_or(text.len());
        out.push_str(&text[from..end]);
        out.push_str(&globals(inv, &text[end..segment_end]));
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> Invocation {
        Invocation {
            config_dir: Some(PathBuf::from("/tmp/my cfg")),
            secret_store: Some(Backend::Keyutils),
        }
    }

    #[test]
    fn a_command_repeats_this_runs_options_and_quotes_its_words() {
        assert_eq!(
            command_with(&inv(), &["rotate", "bad", "--promote"]),
            "ploy-connect --config-dir '/tmp/my cfg' --secret-store keyutils rotate bad --promote"
        );
        assert_eq!(
            command_with(&Invocation::default(), &["test", "a b"]),
            "ploy-connect test 'a b'"
        );
    }

    #[test]
    fn a_template_gets_them_after_every_program_name() {
        assert_eq!(
            fill_with(
                &inv(),
                "ploy-connect keys show {profile} (the public JWK), then: ploy-connect test {profile}",
                "g3"
            ),
            "ploy-connect --config-dir '/tmp/my cfg' --secret-store keyutils keys show g3 (the public JWK), then: ploy-connect --config-dir '/tmp/my cfg' --secret-store keyutils test g3"
        );
        // A command that names a keyring keeps its own.
        assert_eq!(
            fill_with(&inv(), "ploy-connect setup --secret-store keyutils", "x"),
            "ploy-connect --config-dir '/tmp/my cfg' setup --secret-store keyutils"
        );
        assert_eq!(
            fill_with(
                &Invocation::default(),
                "ploy-connect test {profile}",
                "acme"
            ),
            "ploy-connect test acme"
        );
    }
}
