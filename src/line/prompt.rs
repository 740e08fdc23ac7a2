//! Everything line mode asks of the outside world, behind one trait (as GitHub CLI's
//! `Prompter`): prompts on a terminal, the environment, standard input. Commands resolve each
//! value in one order — flags, then the environment, then standard input, then a prompt —
//! and the tests check that order with a scripted `Prompter`.

use std::io::{self, IsTerminal, Read};

use secrecy::SecretString;
use secrecy::zeroize::Zeroizing;

use ploy_core::app::AppError;

/// Standard input holding a secret or a key is read up to this much; more is an error, never
/// a silent cut.
pub const MAX_STDIN: u64 = 1 << 20;

pub trait Prompter {
    /// A person can answer prompts (stdin and stderr are terminals).
    fn interactive(&self) -> bool;
    /// An environment variable, when set and not empty.
    fn env(&self, name: &str) -> Option<String>;
    /// All of standard input, at most `MAX_STDIN` bytes.
    fn stdin(&mut self, what: &str) -> Result<SecretString, AppError>;
    /// A line of text, checked as it is typed.
    fn text(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, AppError>;
    /// A line typed without echo.
    fn password(&mut self, prompt: &str) -> Result<SecretString, AppError>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, AppError>;
    /// A multi-line paste (or a file path) read without echo.
    fn paste(&mut self, prompt: &str) -> Result<SecretString, AppError>;
    fn choose(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize, AppError>;
}

/// The real thing: dialoguer on stderr, the process environment and stdin.
pub struct Terminal {
    interactive: bool,
}

impl Terminal {
    pub fn new() -> Self {
        Self {
            interactive: io::stdin().is_terminal() && io::stderr().is_terminal(),
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

fn cancelled(e: dialoguer::Error) -> AppError {
    AppError::Usage(format!("prompt cancelled: {e}"))
}

/// Reads `reader` to the end, refusing more than `limit` bytes.
pub fn read_capped(mut reader: impl Read, limit: u64, what: &str) -> Result<String, AppError> {
    // A secret passes through here: one buffer, never grown (a move would leave a copy in
    // freed memory), zeroed when dropped.
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_add(1),
    ));
    (&mut reader)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(AppError::io(format!(
            "cannot read {what} from standard input"
        )))?;
    if bytes.len() as u64 > limit {
        return Err(AppError::Usage(format!(
            "{what} on standard input is larger than {} KiB; nothing was stored",
            limit / 1024
        )));
    }
    String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
        drop(Zeroizing::new(e.into_bytes()));
        AppError::Usage(format!("{what} on standard input is not text"))
    })
}

impl Prompter for Terminal {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn stdin(&mut self, what: &str) -> Result<SecretString, AppError> {
        read_capped(io::stdin().lock(), MAX_STDIN, what).map(SecretString::from)
    }

    fn text(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, AppError> {
        // Emptiness is the check's to judge (an optional key ID may be left empty).
        let mut input = dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .allow_empty(true);
        if let Some(i) = initial {
            input = input.with_initial_text(i);
        }
        input
            .validate_with(|s: &String| check(s))
            .interact_text()
            .map_err(cancelled)
    }

    fn password(&mut self, prompt: &str) -> Result<SecretString, AppError> {
        dialoguer::Password::new()
            .with_prompt(prompt)
            .interact()
            .map(SecretString::from)
            .map_err(cancelled)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, AppError> {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(default)
            .interact()
            .map_err(cancelled)
    }

    fn paste(&mut self, prompt: &str) -> Result<SecretString, AppError> {
        errln!("{prompt}");
        read_hidden_paste()
            .map(SecretString::from)
            .map_err(AppError::io("cannot read the private key"))
    }

    fn choose(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize, AppError> {
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .map_err(cancelled)
    }
}

/// Reads a multi-line paste without echo. Bracketed paste delivers it whole; a terminal
/// without it sends line breaks as Enter, which only ends the input once the key is complete.
/// A single line (a file path, or a one-line JWK) ends at Enter — or, pasted, at once: an
/// admin who pasted a path should not have to find out that Enter is still wanted. The Enter
/// a terminal may send right after a paste is then swallowed, not left for the next prompt.
fn read_hidden_paste() -> io::Result<String> {
    use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

    let _raw = crate::terminal::Guard::enter(crate::terminal::Mode::Paste)?;
    // Room for the largest key up front, so the pasted text is never moved (and copied), and
    // zeroed if the paste is cancelled.
    let room = usize::try_from(ploy_core::keys::MAX_KEY_BYTES).unwrap_or(0);
    let mut text = Zeroizing::new(String::with_capacity(room.saturating_add(64)));
    loop {
        match event::read()? {
            // Line breaks stay as the terminal sent them: the core normalises keys (and says so).
            Event::Paste(p) => {
                text.push_str(&p);
                if !ploy_core::keys::looks_like_key(&text) && !text.trim().is_empty() {
                    swallow_enter()?;
                    break;
                }
            }
            Event::Key(k) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
                KeyCode::Esc => {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                }
                KeyCode::Enter => {
                    // One line that is not a key (a path) ends at Enter; a key at its end.
                    let path = !text.trim().is_empty() && !ploy_core::keys::looks_like_key(&text);
                    if path || key_looks_complete(&text) {
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
        if text.len() as u64 > ploy_core::keys::MAX_KEY_BYTES {
            break;
        }
        eprint!("\r  {} characters received", text.chars().count());
    }
    eprint!("\r\n");
    Ok(std::mem::take(&mut *text))
}

/// Drops an Enter that arrives right behind a paste (the copied text's own line break).
fn swallow_enter() -> io::Result<()> {
    use ratatui::crossterm::event::{self, Event, KeyCode};
    // Only what is already queued behind the paste; a key typed later is not waited for.
    if event::poll(std::time::Duration::from_millis(30))?
        && let Event::Key(k) = event::read()?
        && k.code != KeyCode::Enter
    {
        tracing::debug!("a key right after a paste was dropped");
    }
    Ok(())
}

/// A pasted key is complete at its PEM footer or when its JSON braces balance.
fn key_looks_complete(text: &str) -> bool {
    let t = text.trim();
    if t.contains("-----BEGIN") {
        return t.ends_with("-----") && t.contains("-----END");
    }
    t.starts_with('{') && t.matches('{').count() == t.matches('}').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_over_its_cap_is_an_error_not_a_cut() {
        let big = vec![b'a'; 2048];
        let err = read_capped(&big[..], 1024, "the secret").unwrap_err();
        assert!(err.to_string().contains("larger than 1 KiB"), "{err}");
        assert_eq!(read_capped(&b"abc"[..], 1024, "x").unwrap(), "abc");
    }

    #[test]
    fn a_key_is_complete_at_its_footer_or_closing_brace() {
        assert!(key_looks_complete(
            "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n"
        ));
        assert!(!key_looks_complete("-----BEGIN PRIVATE KEY-----\nAA\n"));
        assert!(key_looks_complete(r#"{"kty":"RSA","n":"x"}"#));
        assert!(!key_looks_complete(r#"{"kty":"RSA","#));
    }
}
