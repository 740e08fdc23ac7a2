//! Logs go to a file, never to the screen (a TUI owns the screen; scripts own stdout).
//! `PLOY_CONNECT_LOG` sets the filter (default `info`). Every line passes the one redactor on
//! its way to the file, so nothing secret is logged even by mistake.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// A bare level ("debug") applies to ploy-connect only: dependencies' traces could include
/// request headers. A full directive list is taken as written.
fn filter_spec(env: Option<&str>) -> String {
    // The test runs, HTTP calls and rotations are logged by the core, not by the faces.
    let ours = |level: &str| {
        OUR_CRATES
            .iter()
            .map(|c| format!("{c}={level}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    match env.map(str::trim) {
        None | Some("") => format!("warn,{}", ours("info")),
        Some(s) if s.contains('=') || s.contains(',') => s.into(),
        Some(level) => format!("warn,{}", ours(level)),
    }
}

/// A bare level (PLOY_CONNECT_LOG=debug) applies to these; others stay at warn.
const OUR_CRATES: [&str; 3] = ["ploy_connect", "ploy_core", "ploy_emulator"];

/// Starts logging to the platform state dir; returns the file, or `None` if it cannot be
/// opened (logging is never a reason to fail).
pub fn init() -> Option<PathBuf> {
    let dir = ploy_core::profile::default_state_dir()?;
    let (path, file) = open_log(&dir)?;
    let filter = EnvFilter::new(filter_spec(
        std::env::var("PLOY_CONNECT_LOG").ok().as_deref(),
    ));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(SafeFile(file)))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(path)
}

/// Opens (or makes) the log in `dir`: a private dir of this user's, and a regular file there
/// that is not a link (appending through a planted link would write into another file) and
/// that no one else may change; a FIFO is refused at once instead of hanging every command.
fn open_log(dir: &Path) -> Option<(PathBuf, std::fs::File)> {
    ploy_core::private::ensure_dir(dir).ok()?;
    let path = dir.join("ploy-connect.log");
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = ploy_core::private::open_regular(&path, &mut options, false).ok()?;
    if ploy_core::private::untrusted_because(&file.metadata().ok()?).is_some() {
        return None;
    }
    Some((path, file))
}

/// The log file, written through `ploy_core::text::safe`.
struct SafeFile(std::fs::File);

impl Write for SafeFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(ploy_core::text::safe(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn the_log_never_follows_a_link_waits_on_a_fifo_or_trusts_a_shared_dir() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("state");
        let (path, _) = super::open_log(&dir).unwrap();
        assert_eq!(path, dir.join("ploy-connect.log"));
        std::fs::remove_file(&path).unwrap();

        let victim = home.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(super::open_log(&dir).is_none(), "followed a link");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        std::fs::remove_file(&path).unwrap();

        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(super::open_log(&dir).is_none(), "opened a FIFO");
        std::fs::remove_file(&path).unwrap();

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            super::open_log(&dir).is_none(),
            "trusted a dir anyone may write"
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            super::open_log(&dir).is_none(),
            "trusted a log anyone may write"
        );
    }

    #[test]
    fn bare_levels_stay_in_our_crates() {
        assert_eq!(
            super::filter_spec(None),
            "warn,ploy_connect=info,ploy_core=info,ploy_emulator=info"
        );
        assert_eq!(
            super::filter_spec(Some("trace")),
            "warn,ploy_connect=trace,ploy_core=trace,ploy_emulator=trace"
        );
        assert_eq!(super::filter_spec(Some("hyper=debug")), "hyper=debug");
    }
}
