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

/// Removes every temporary file still pending; for the signal handler, just before exit.
pub fn remove_pending() {
    if let Ok(mut list) = PENDING.lock() {
        for p in list.drain(..) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A file that appears under its name only when complete: written to a temporary file beside
/// it, then renamed. An export that fails halfway leaves any previous file alone.
pub struct PendingFile {
    tmp: Option<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl PendingFile {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".ploy-connect-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        if let Ok(mut list) = PENDING.lock() {
            list.push(tmp.path().to_path_buf());
        }
        Ok(Self {
            tmp: Some(tmp),
            path: path.to_path_buf(),
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
        let tmp = self
            .tmp
            .take()
            .ok_or_else(|| std::io::Error::other("already committed"))?;
        let tmp_path = tmp.path().to_path_buf();
        let result = tmp.persist(&self.path).map(|_| ()).map_err(|e| e.error);
        forget(&tmp_path);
        result
    }
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

    #[test]
    fn a_pending_file_appears_only_on_commit_and_signals_can_remove_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let p = PendingFile::create(&target).unwrap();
        std::io::Write::write_all(&mut p.writer().unwrap(), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        let p = PendingFile::create(&target).unwrap();
        let tmp = p.tmp.as_ref().unwrap().path().to_path_buf();
        assert!(tmp.exists());
        remove_pending();
        assert!(!tmp.exists(), "the signal path removes it");
        drop(p);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
