//! Files ploy-connect writes for the admin (exports): they appear under their name only when
//! complete, and a half-written temporary file is removed even when the process is stopped
//! by a signal.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files not yet committed, so a signal handler can remove them before exiting.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn forget(path: &Path) {
    if let Ok(mut list) = PENDING.lock() {
        list.retain(|p| p != path);
    }
}

/// Temporary directories (the demo's config dir) to remove on the way out.
static TEMP_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes `dir` if the program is stopped before its owner can.
pub fn remove_on_exit(dir: &Path) {
    if let Ok(mut list) = TEMP_DIRS.lock() {
        list.push(dir.to_path_buf());
    }
}

/// Removes every temporary file and directory still pending; for the signal handler (and the
/// end of `main`), just before exit.
pub fn remove_pending() {
    if let Ok(mut list) = PENDING.lock() {
        for p in list.drain(..) {
            let _ = std::fs::remove_file(p);
        }
    }
    if let Ok(mut list) = TEMP_DIRS.lock() {
        for d in list.drain(..) {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A file that appears under its name only when complete: written to a temporary file beside
/// it, then renamed. An export that fails halfway leaves any previous file alone.
pub struct PendingFile {
    tmp: Option<tempfile::NamedTempFile>,
    path: PathBuf,
    replace: Replace,
}

/// Whether a file already at the target may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Like a shell's `>`: what the line mode's `-o` does.
    Allow,
    /// The file must not exist; checked first, and again atomically when the file appears.
    Never,
}

/// `~` and `~/x` as a shell would expand them: a path given as `--output=~/x.json`, or typed
/// into a prompt, reaches us with the tilde still in it.
pub fn expand_home(path: &Path) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    let Some(text) = path.to_str() else {
        return path.to_path_buf();
    };
    if text == "~" {
        return home().unwrap_or_else(|| path.to_path_buf());
    }
    match (text.strip_prefix("~/"), home()) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => path.to_path_buf(),
    }
}

/// What went wrong with a file, in words an admin acts on: never a bare "(os error 2)", and
/// never the name of a temporary file (its error is worded before it leaves `PendingFile`).
/// Our own errors (`check_target`, an existing file) keep their words.
pub fn why(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // Ours already say it with the file's name ("… already exists", "… is a directory").
    let ours = e.raw_os_error().is_none() && !is_wrapped(e);
    if ours && let Some(inner) = e.get_ref() {
        return inner.to_string();
    }
    let words = match e.kind() {
        K::NotFound => "its folder does not exist",
        K::PermissionDenied => "permission denied (you may not write there)",
        K::AlreadyExists => "a file of that name already exists",
        K::StorageFull => "the disk is full",
        K::QuotaExceeded => "your disk quota is used up",
        K::ReadOnlyFilesystem => "the file system is read-only",
        K::NotADirectory => "a part of the path is a file, not a folder",
        K::IsADirectory => "it is a folder",
        K::FileTooLarge => "the file is larger than the file system allows",
        K::InvalidFilename => "the name is not a valid file name",
        _ => {
            let text = e.to_string();
            let end = [" (os error", " at path "]
                .iter()
                .filter_map(|m| text.find(m))
                .min();
            return match end {
                Some(i) => text[..i].to_string(),
                None => text,
            };
        }
    };
    words.to_string()
}

/// tempfile's errors carry the temporary's path ("… at path …"): its words are not ours.
fn is_wrapped(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.to_string().contains(" at path "))
}

/// The same error, worded (`why`) and kept of its kind, for errors that would name a
/// temporary file.
fn worded(e: &std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), why(e))
}

/// `path` made absolute against the working directory, to tell the admin where a file went.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Refuses to replace anything but a regular file: renaming over a symbolic link would drop
/// the link (an attacker's `-o` target, or the admin's own), and a device or a pipe is not a
/// file to replace (`/dev/full` must not become one).
pub fn check_target(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let t = meta.file_type();
    let what = if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        return Ok(());
    } else {
        "a device, pipe or socket"
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}; ploy-connect only replaces regular files (give a file name, or - for standard output)",
            path.display()
        ),
    ))
}

/// A temporary file of ours is `.ploy-connect-<pid>-<random>.tmp`: the process id says
/// whether the process writing it is still alive.
const TMP_PREFIX: &str = ".ploy-connect-";
const TMP_SUFFIX: &str = ".tmp";
/// Files from before the name carried a process id are removed once they are this old.
const STALE_UNNAMED: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the temporary files in `dir` that a ploy-connect killed mid-export (SIGKILL, an
/// abort, a power cut) left behind: ours (this user's regular files) whose process is gone.
/// Best effort: anything unclear is left alone.
pub fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(middle) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TMP_PREFIX))
            .and_then(|n| n.strip_suffix(TMP_SUFFIX))
        else {
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() || crate::private::untrusted_because(&meta).is_some() {
            continue;
        }
        let stale = match middle
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        {
            Some(pid) => !process_alive(pid),
            None => meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age > STALE_UNNAMED),
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` exists (any user's: a live one is never robbed of its file).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_alive(_: u32) -> bool {
    true
}

impl PendingFile {
    pub fn create(path: &Path, replace: Replace) -> std::io::Result<Self> {
        check_target(path)?;
        if replace == Replace::Never && std::fs::symlink_metadata(path).is_ok() {
            return Err(exists(path));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        remove_stale(&dir);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{TMP_PREFIX}{}-", std::process::id()))
            .suffix(TMP_SUFFIX)
            .tempfile_in(dir)
            // tempfile names the temporary in its error; the admin knows only the target.
            .map_err(|e| worded(&e))?;
        if let Ok(mut list) = PENDING.lock() {
            list.push(tmp.path().to_path_buf());
        }
        Ok(Self {
            tmp: Some(tmp),
            path: path.to_path_buf(),
            replace,
        })
    }

    /// A handle to write the content through.
    pub fn writer(&self) -> std::io::Result<std::fs::File> {
        match &self.tmp {
            Some(t) => t.reopen(),
            None => Err(std::io::Error::other("already committed")),
        }
    }

    /// Where the file will appear.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn commit(mut self) -> std::io::Result<()> {
        // Checked again: the target may have been swapped while the export ran.
        check_target(&self.path)?;
        let tmp = self
            .tmp
            .take()
            .ok_or_else(|| std::io::Error::other("already committed"))?;
        let tmp_path = tmp.path().to_path_buf();
        let result = match self.replace {
            Replace::Allow => tmp
                .persist(&self.path)
                .map(|_| ())
                .map_err(|e| worded(&e.error)),
            Replace::Never => {
                tmp.persist_noclobber(&self.path)
                    .map(|_| ())
                    .map_err(|e| match e.error.kind() {
                        std::io::ErrorKind::AlreadyExists => exists(&self.path),
                        _ => worded(&e.error),
                    })
            }
        };
        forget(&tmp_path);
        result
    }
}

fn exists(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{} already exists", absolute(path).display()),
    )
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(t) = self.tmp.take() {
            forget(t.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn files_left_by_a_killed_export_are_removed_by_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        // No process has this id (above any pid_max); this process is alive.
        let dead = dir.path().join(".ploy-connect-2147483646-abc123.tmp");
        let alive = dir
            .path()
            .join(format!(".ploy-connect-{}-live01.tmp", std::process::id()));
        let other = dir.path().join("users.csv");
        for f in [&dead, &alive, &other] {
            std::fs::write(f, "partial").unwrap();
        }
        let p = PendingFile::create(&dir.path().join("out.csv"), Replace::Allow).unwrap();
        assert!(!dead.exists(), "a dead process's file stays");
        assert!(alive.exists() && other.exists());
        let name = p
            .tmp
            .as_ref()
            .unwrap()
            .path()
            .file_name()
            .unwrap()
            .to_owned();
        let name = name.to_str().unwrap();
        assert!(
            name.starts_with(&format!(".ploy-connect-{}-", std::process::id())),
            "{name}"
        );
    }

    #[test]
    fn a_file_that_must_not_be_replaced_is_left_alone_even_if_it_appears_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let err = PendingFile::create(&target, Replace::Never).err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        // Created after the check: the rename refuses, atomically.
        let late = dir.path().join("late.csv");
        let p = PendingFile::create(&late, Replace::Never).unwrap();
        std::fs::write(&late, "someone else's").unwrap();
        let err = p.commit().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&late).unwrap(), "someone else's");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn links_devices_and_directories_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for target in [link.as_path(), Path::new("/dev/full"), dir.path()] {
            let err = PendingFile::create(target, Replace::Allow).err().unwrap();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_pending_file_appears_only_on_commit_and_signals_can_remove_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let p = PendingFile::create(&target, Replace::Allow).unwrap();
        std::io::Write::write_all(&mut p.writer().unwrap(), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        let p = PendingFile::create(&target, Replace::Allow).unwrap();
        let tmp = p.tmp.as_ref().unwrap().path().to_path_buf();
        assert!(tmp.exists());
        remove_pending();
        assert!(!tmp.exists(), "the signal path removes it");
        drop(p);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
