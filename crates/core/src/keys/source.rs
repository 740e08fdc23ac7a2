//! Where a private key comes from: pasted text, or the path of a file holding it. The one
//! place that tells the two apart and the one place key files are read: regular files only,
//! at most 64 KiB, opened so that a FIFO or a terminal can never block the caller.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

use super::{KeyError, PrivateKey};
use crate::validate::Note;

/// Key files (and pasted keys) larger than this are refused: an RSA 16384 PEM is 12 KiB.
pub const MAX_KEY_BYTES: u64 = 64 * 1024;

/// A key as the admin gave it, before reading or parsing.
#[derive(Clone)]
pub enum KeySource {
    Pasted(SecretString),
    File(PathBuf),
}

/// `Debug` never shows pasted text.
impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Pasted(t) => write!(f, "Pasted({} bytes)", t.expose_secret().len()),
            KeySource::File(p) => write!(f, "File({})", p.display()),
        }
    }
}

/// A key that was read and parsed: ready for the keyring.
#[derive(Clone)]
pub struct ParsedKey {
    /// The normalised text, which is what the keyring stores.
    pub text: SecretString,
    pub key: PrivateKey,
    /// What normalisation changed.
    pub notes: Vec<Note>,
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
}

impl From<super::Generated> for ParsedKey {
    fn from(g: super::Generated) -> Self {
        ParsedKey {
            text: g.pem,
            key: g.key,
            notes: Vec::new(),
            file: None,
        }
    }
}

impl std::fmt::Debug for ParsedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key.describe())
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyInputError {
    /// Not a key, and no file by that name: it may be a secret pasted by mistake, so the
    /// value is never repeated.
    #[error(
        "this is neither a private key nor the path of a file (what was entered is not shown, in case it is a secret)"
    )]
    NeitherKeyNorFile,
    #[error(
        "{path} is {kind}, not a regular file: give the key file itself (or pipe the key to standard input)"
    )]
    NotAFile { path: String, kind: &'static str },
    #[error("{path} is larger than {MAX_KEY_BYTES} bytes: a private key file is much smaller")]
    TooLarge { path: String },
    #[error("the pasted text is larger than {MAX_KEY_BYTES} bytes: a private key is much smaller")]
    PasteTooLarge,
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} is not text: a private key file is PEM or JWK (JSON)")]
    NotText { path: String },
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{path}: {error}")]
    KeyInFile { path: String, error: KeyError },
}

/// Whether text is (the start of) a key rather than a file path: several lines, a PEM marker,
/// or JSON. The one place the two are told apart.
pub fn looks_like_key(text: &str) -> bool {
    let t = text.trim();
    t.contains('\n')
        || t.contains('\r')
        || t.contains("-----")
        || t.trim_start_matches(['"', '\'']).starts_with('{')
}

/// Whether text reads as a path a person typed: only then may an error repeat it (a secret
/// pasted into the wrong field must not be shown back).
fn looks_like_path(text: &str) -> bool {
    let t = text.trim().trim_matches(['"', '\'']);
    t.starts_with('/')
        || t.starts_with('~')
        || t.starts_with('.')
        || t.starts_with("file://")
        || t.get(1..3).is_some_and(|s| s == ":\\" || s == ":/")
}

impl KeySource {
    /// Reads a key field: text that looks like a key is a key; a single line that does not is
    /// a file path (`~` expanded, drag-and-drop quoting and `file://` removed). `None` when
    /// nothing was entered.
    pub fn from_input(raw: &str) -> Option<KeySource> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        Some(if looks_like_key(text) {
            KeySource::Pasted(SecretString::from(raw.to_string()))
        } else {
            KeySource::File(expand_path(text))
        })
    }

    /// A path given as such (`--private-key-file`), with the same clean-up as a typed one.
    pub fn from_path(path: &Path) -> KeySource {
        match path.to_str() {
            Some(text) => KeySource::File(expand_path(text)),
            None => KeySource::File(path.to_path_buf()),
        }
    }

    /// Reads (once) and parses the key.
    pub fn load(&self) -> Result<ParsedKey, KeyInputError> {
        match self {
            KeySource::Pasted(text) => {
                if text.expose_secret().len() as u64 > MAX_KEY_BYTES {
                    return Err(KeyInputError::PasteTooLarge);
                }
                parse(text.expose_secret(), None)
            }
            KeySource::File(path) => {
                let text = read_key_file(path)?;
                parse(&text, Some(path))
            }
        }
    }
}

fn parse(text: &str, file: Option<&Path>) -> Result<ParsedKey, KeyInputError> {
    let checked = PrivateKey::parse(text).map_err(|error| match file {
        Some(p) => KeyInputError::KeyInFile {
            path: p.display().to_string(),
            error,
        },
        None => KeyInputError::Key(error),
    })?;
    let (text, key) = checked.value;
    Ok(ParsedKey {
        text: SecretString::from(text),
        key,
        notes: checked.notes,
        file: file.map(Path::to_path_buf),
    })
}

/// `~/x`, `'/a b/x'` (drag and drop), `/a\ b/x`, `file:///a%20b/x` → a plain path.
pub fn expand_path(raw: &str) -> PathBuf {
    let mut text = raw.trim().to_string();
    for q in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            text = text[1..text.len() - 1].to_string();
        }
    }
    if let Some(rest) = text.strip_prefix("file://") {
        text = percent_encoding::percent_decode_str(rest)
            .decode_utf8_lossy()
            .into_owned();
    }
    if cfg!(unix) {
        text = text.replace("\\ ", " ");
    }
    crate::files::expand_home(Path::new(&text))
}

use crate::private::kind_of;

/// Reads a key file: regular files only, at most `MAX_KEY_BYTES`. Opened non-blocking and
/// checked on the open handle, so a FIFO, a terminal or `/dev/zero` is refused at once and a
/// file swapped after the check is still the one read.
pub fn read_key_file(path: &Path) -> Result<String, KeyInputError> {
    let shown = || path.display().to_string();
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidFilename => {
            KeyInputError::NeitherKeyNorFile
        }
        // Whatever else went wrong, the text is only repeated if it reads as a path.
        _ if !looks_like_path(&shown()) => KeyInputError::NeitherKeyNorFile,
        _ => KeyInputError::Unreadable {
            path: shown(),
            reason: e.to_string(),
        },
    })?;
    let meta = file.metadata().map_err(|e| KeyInputError::Unreadable {
        path: shown(),
        reason: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(KeyInputError::NotAFile {
            path: shown(),
            kind: kind_of(&meta),
        });
    }
    if meta.len() > MAX_KEY_BYTES {
        return Err(KeyInputError::TooLarge { path: shown() });
    }
    let mut bytes = Vec::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| KeyInputError::Unreadable {
            path: shown(),
            reason: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_KEY_BYTES {
        return Err(KeyInputError::TooLarge { path: shown() });
    }
    String::from_utf8(bytes).map_err(|_| KeyInputError::NotText { path: shown() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_pastes_are_told_apart() {
        assert!(KeySource::from_input("  ").is_none());
        assert!(matches!(
            KeySource::from_input("-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----"),
            Some(KeySource::Pasted(_))
        ));
        assert!(matches!(
            KeySource::from_input(r#"{"kty":"RSA"}"#),
            Some(KeySource::Pasted(_))
        ));
        assert!(matches!(
            KeySource::from_input("'/tmp/my keys/okta.pem'"),
            Some(KeySource::File(p)) if p == Path::new("/tmp/my keys/okta.pem")
        ));
        assert!(matches!(
            KeySource::from_input("file:///tmp/a%20b.pem"),
            Some(KeySource::File(p)) if p == Path::new("/tmp/a b.pem")
        ));
    }

    #[test]
    fn home_is_expanded() {
        let home = directories::BaseDirs::new()
            .unwrap()
            .home_dir()
            .to_path_buf();
        assert_eq!(expand_path("~/k.pem"), home.join("k.pem"));
    }

    #[test]
    fn a_missing_file_is_not_echoed() {
        let secret = "sedCsfdA8x9Qp2LmNo";
        let err = KeySource::from_input(secret).unwrap().load().unwrap_err();
        assert_eq!(err, KeyInputError::NeitherKeyNorFile);
        assert!(!err.to_string().contains(secret));
    }

    /// Reads on a thread, so a read that blocks fails the test instead of hanging it.
    fn read_soon(path: &Path) -> Result<String, KeyInputError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let _ = tx.send(read_key_file(&path));
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the read did not block")
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_fifos_are_refused_at_once() {
        for (path, kind) in [("/dev/zero", "a device"), ("/", "a directory")] {
            let err = read_soon(Path::new(path)).unwrap_err();
            assert!(
                matches!(&err, KeyInputError::NotAFile { kind: k, .. } if *k == kind),
                "{path}: {err}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_soon(&fifo).unwrap_err();
        assert!(matches!(err, KeyInputError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'A'; MAX_KEY_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read_key_file(&big),
            Err(KeyInputError::TooLarge { .. })
        ));
    }
}
