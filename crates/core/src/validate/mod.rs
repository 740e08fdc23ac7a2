//! Turns what an admin typed or pasted into values the rest of the program can trust.
//!
//! Every function here is pure: no network, no disk. Each accepted value comes back with the
//! list of changes made to it, so the UI can say "removed https://" instead of silently
//! rewriting input.

mod host;

use thiserror::Error;

pub use host::{HostError, Hostname, Scheme, hostname, other_onetrust_environments};

/// What validation changed or wants the admin to know, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The input was changed; the text says how ("removed https:// — enter just the host").
    Changed(String),
    /// Accepted, but worth a second look.
    Warning(String),
}

impl Note {
    pub fn text(&self) -> &str {
        match self {
            Note::Changed(t) | Note::Warning(t) => t,
        }
    }
}

/// A value that passed validation plus what validation had to say about it.
#[derive(Debug, Clone)]
pub struct Checked<T> {
    pub value: T,
    pub notes: Vec<Note>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClientIdError {
    #[error("enter the client ID")]
    Empty,
    #[error("a client ID cannot contain spaces")]
    Whitespace,
    #[error("the client ID has characters that cannot be part of one")]
    BadCharacters,
    #[error("that is too long for a client ID ({0} characters)")]
    TooLong(usize),
}

/// Trims and checks a client ID; IDs are printable ASCII without spaces.
pub fn client_id(raw: &str) -> Result<Checked<String>, ClientIdError> {
    let text = raw.trim().trim_matches(|c| c == '"' || c == '\'');
    let mut notes = Vec::new();
    if text.len() != raw.len() {
        notes.push(Note::Changed("removed surrounding spaces or quotes".into()));
    }
    if text.is_empty() {
        return Err(ClientIdError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(ClientIdError::Whitespace);
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ClientIdError::BadCharacters);
    }
    if text.len() > 256 {
        return Err(ClientIdError::TooLong(text.len()));
    }
    Ok(Checked {
        value: text.to_string(),
        notes,
    })
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SecretError {
    #[error("the client secret is empty")]
    Empty,
    #[error("the client secret contains spaces or line breaks inside it; paste it again")]
    Whitespace,
    #[error("the client secret has characters that cannot be part of one")]
    BadCharacters,
}

/// Trims a pasted client secret. The value itself never appears in an error or note.
pub fn client_secret(raw: &str) -> Result<Checked<secrecy::SecretString>, SecretError> {
    let text = raw.trim();
    let mut notes = Vec::new();
    if text.len() != raw.len() {
        notes.push(Note::Changed(
            "removed surrounding spaces or line breaks".into(),
        ));
    }
    if text.is_empty() {
        return Err(SecretError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(SecretError::Whitespace);
    }
    if text.chars().any(char::is_control) {
        return Err(SecretError::BadCharacters);
    }
    Ok(Checked {
        value: secrecy::SecretString::from(text.to_string()),
        notes,
    })
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyIdError {
    #[error("a key ID (KID) cannot contain spaces or control characters")]
    BadCharacters,
    #[error("that is too long for a key ID ({0} characters; at most {MAX_KEY_ID})")]
    TooLong(usize),
}

const MAX_KEY_ID: usize = 256;

/// A key ID as typed or pasted: trimmed, empty meaning "none". Key IDs end up in JWT headers
/// and on screen, so they stay printable ASCII.
pub fn key_id(raw: &str) -> Result<Option<String>, KeyIdError> {
    let text = raw.trim().trim_matches(|c| c == '"' || c == '\'');
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_KEY_ID {
        return Err(KeyIdError::TooLong(text.chars().count()));
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(KeyIdError::BadCharacters);
    }
    Ok(Some(text.to_string()))
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ScopesError {
    #[error("\"{0}\" is not an Okta API scope (they look like okta.users.read)")]
    NotAScope(String),
    #[error("the users table needs okta.users.read; add it to the scopes")]
    MissingUsersRead,
}

/// Space- or comma-separated `okta.*` scopes; `okta.users.read` is required.
pub fn okta_scopes(raw: &str) -> Result<Vec<String>, ScopesError> {
    let mut out: Vec<String> = Vec::new();
    for s in raw
        .split([' ', ',', '\n', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let parts: Vec<_> = s.split('.').collect();
        let ok = parts.len() == 3
            && parts[0] == "okta"
            && !parts[1].is_empty()
            && parts[1].chars().all(|c| c.is_ascii_alphanumeric())
            && matches!(parts[2], "read" | "manage");
        if !ok {
            return Err(ScopesError::NotAScope(s.to_string()));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    if !out
        .iter()
        .any(|s| s == "okta.users.read" || s == "okta.users.manage")
    {
        return Err(ScopesError::MissingUsersRead);
    }
    Ok(out)
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProfileNameError {
    #[error("enter a profile name, for example acme")]
    Empty,
    #[error(
        "\"{0}\" cannot be a profile name: use letters, digits, '-', '_' or '.', starting with a letter or digit (at most 64)"
    )]
    Invalid(String),
}

/// Profile names end up in keyring entries and file names, so they stay simple.
pub fn profile_name(raw: &str) -> Result<String, ProfileNameError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ProfileNameError::Empty);
    }
    let ok = text.len() <= 64
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(text.to_string())
    } else {
        Err(ProfileNameError::Invalid(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn client_id_is_trimmed_and_checked() {
        let c = client_id("  \"3d8efc3b94ed49628482eb2ab5e3bc8g\"\n").unwrap();
        assert_eq!(c.value, "3d8efc3b94ed49628482eb2ab5e3bc8g");
        assert_eq!(c.notes.len(), 1);
        assert_eq!(client_id(" ").err(), Some(ClientIdError::Empty));
        assert_eq!(client_id("a b").err(), Some(ClientIdError::Whitespace));
        assert_eq!(client_id("abé").err(), Some(ClientIdError::BadCharacters));
    }

    #[test]
    fn secret_errors_never_contain_the_secret() {
        let c = client_secret(" s3cr3t-value\r\n").unwrap();
        assert_eq!(c.value.expose_secret(), "s3cr3t-value");
        let err = client_secret("s3cr3t value").unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(matches!(client_secret("\n"), Err(SecretError::Empty)));
    }

    #[test]
    fn scopes() {
        assert_eq!(
            okta_scopes("okta.users.read, okta.groups.read okta.users.read").unwrap(),
            vec!["okta.users.read", "okta.groups.read"]
        );
        assert_eq!(
            okta_scopes("okta.groups.read"),
            Err(ScopesError::MissingUsersRead)
        );
        assert!(matches!(
            okta_scopes("users.read"),
            Err(ScopesError::NotAScope(_))
        ));
        assert!(matches!(
            okta_scopes("okta.users.write"),
            Err(ScopesError::NotAScope(_))
        ));
    }

    #[test]
    fn key_ids() {
        assert_eq!(key_id("  ").unwrap(), None);
        assert_eq!(key_id(" \"abc-1\" ").unwrap().as_deref(), Some("abc-1"));
        assert_eq!(key_id("a b"), Err(KeyIdError::BadCharacters));
        assert_eq!(key_id("a\u{1b}]0;x"), Err(KeyIdError::BadCharacters));
        assert_eq!(key_id(&"k".repeat(257)), Err(KeyIdError::TooLong(257)));
    }

    #[test]
    fn profile_names() {
        assert_eq!(profile_name(" acme ").unwrap(), "acme");
        assert!(profile_name("corp-prod_2.eu").is_ok());
        assert!(profile_name("").is_err());
        assert!(profile_name("-x").is_err());
        assert!(profile_name("a/b").is_err());
        assert!(profile_name(&"a".repeat(65)).is_err());
    }
}
