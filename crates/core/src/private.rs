//! The files and directories that decide where a secret goes (the config dir, profiles.toml)
//! or that record what ploy-connect did (the state dir, the log, caches). OpenSSH's rule for
//! `~/.ssh`: only their owner may change them, because anyone else who can write there can
//! point a profile at their own listener. They are opened without waiting on a FIFO or a
//! device, so a planted pipe is refused at once instead of hanging every command.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// Keeps this process's memory (secrets, keys, tokens) out of core dumps and away from other
/// processes of the same user: no core file (`RLIMIT_CORE` 0) and not dumpable
/// (`PR_SET_DUMPABLE` 0, which also refuses ptrace by non-root processes). Called first thing
/// in `main`; failures are ignored, since nothing else would be safer.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit with a valid rlimit value has no other preconditions.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: PR_SET_DUMPABLE takes one integer argument; the rest are ignored.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Why another local user could change the file or directory `meta` describes, if they could:
/// someone else owns it, or its group or every user may write to it.
#[cfg(unix)]
pub fn untrusted_because(meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let mode = meta.mode() & 0o7777;
    if meta.uid() != me {
        Some(format!(
            "it belongs to user id {}, not to you (user id {me})",
            meta.uid()
        ))
    } else if mode & 0o002 != 0 {
        Some(format!(
            "every user on this machine may write to it (mode {mode:o})"
        ))
    } else if mode & 0o020 != 0 {
        Some(format!(
            "the other members of its group may write to it (mode {mode:o})"
        ))
    } else {
        None
    }
}

#[cfg(not(unix))]
pub fn untrusted_because(_: &Metadata) -> Option<String> {
    // Windows: the user's profile directory ACL already keeps these private.
    None
}

/// What a path is, in words, when it is not what ploy-connect expected there.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_file() {
        return "a regular file";
    }
    "not a regular file"
}

/// Opens `path` with `options`, never waiting: a FIFO or a device there is opened
/// non-blocking and then refused (`InvalidInput`, naming what it is). With `follow_links`
/// false a symbolic link at `path` is refused too (`O_NOFOLLOW`). Only a regular file is
/// returned, and the checks look at the file opened, not at whatever the name points to later.
pub fn open_regular(
    path: &Path,
    options: &mut OpenOptions,
    follow_links: bool,
) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if !follow_links {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = follow_links;
    let file = options.open(path).map_err(|e| {
        // O_NOFOLLOW on a link fails with ELOOP: say what it is.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link; ploy-connect does not follow links here",
                    path.display()
                ),
            );
        }
        e
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a file ploy-connect wrote",
                path.display(),
                kind_of(&meta)
            ),
        ));
    }
    #[cfg(unix)]
    {
        // Regular files ignore O_NONBLOCK, but a later reader should not inherit it.
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns; failures only leave the flag set.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    Ok(file)
}

/// The text of the small file at `path` (a cache, a state file, a secret file): opened as
/// `open_regular` does, refused when larger than `max` bytes, read to at most that. With
/// `private`, a file anyone but its owner may change is refused too.
pub fn read_small(path: &Path, max: u64, follow_links: bool, private: bool) -> io::Result<String> {
    let file = open_regular(path, OpenOptions::new().read(true), follow_links)?;
    let meta = file.metadata()?;
    if private && let Some(reason) = untrusted_because(&meta) {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, reason));
    }
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {} KiB", max / 1024),
        )
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut text = String::new();
    io::Read::read_to_string(&mut io::Read::take(file, max + 1), &mut text)?;
    if text.len() as u64 > max {
        return Err(too_large());
    }
    Ok(text)
}

/// A problem with a private directory.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("{path} is {kind}, not a directory")]
    NotADirectory {
        path: std::path::PathBuf,
        kind: &'static str,
    },
    #[error("{reason}")]
    Untrusted {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("cannot create {path}: {source}")]
    Create {
        path: std::path::PathBuf,
        source: io::Error,
    },
}

/// Makes `dir` (mode 0700, with its parents) or checks the one there: a directory of this
/// user's that no one else may write.
pub fn ensure_dir(dir: &Path) -> Result<(), DirError> {
    match std::fs::metadata(dir) {
        Ok(meta) => return check_dir(&meta, dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(DirError::Create {
                path: dir.to_path_buf(),
                source,
            });
        }
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| DirError::Create {
        path: dir.to_path_buf(),
        source,
    })?;
    let meta = std::fs::metadata(dir).map_err(|source| DirError::Create {
        path: dir.to_path_buf(),
        source,
    })?;
    check_dir(&meta, dir)
}

/// `dir`'s metadata says it is a directory only this user may change.
pub fn check_dir(meta: &Metadata, dir: &Path) -> Result<(), DirError> {
    if !meta.is_dir() {
        return Err(DirError::NotADirectory {
            path: dir.to_path_buf(),
            kind: kind_of(meta),
        });
    }
    match untrusted_because(meta) {
        Some(reason) => Err(DirError::Untrusted {
            path: dir.to_path_buf(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn group_or_world_writable_is_untrusted_owner_only_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        for (mode, ok) in [
            (0o700, true),
            (0o750, true),
            (0o755, true),
            (0o770, false),
            (0o775, false),
            (0o777, false),
        ] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
            let meta = std::fs::metadata(dir.path()).unwrap();
            assert_eq!(untrusted_because(&meta).is_none(), ok, "mode {mode:o}");
        }
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        for (mode, ok) in [(0o600, true), (0o644, true), (0o660, false), (0o664, false)] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            let meta = std::fs::metadata(&file).unwrap();
            let why = untrusted_because(&meta);
            assert_eq!(why.is_none(), ok, "mode {mode:o}");
            if !ok {
                assert!(why.unwrap().contains("group"), "mode {mode:o}");
            }
        }
    }

    #[test]
    fn fifos_devices_and_links_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Opened for writing with no reader, a FIFO would block forever without O_NONBLOCK
        // (ENXIO instead); for reading it opens and is then refused as not a file.
        let err = open_regular(&fifo, OpenOptions::new().read(true), true).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        assert!(open_regular(&fifo, OpenOptions::new().append(true), true).is_err());
        let err =
            open_regular(Path::new("/dev/null"), OpenOptions::new().read(true), true).unwrap_err();
        assert!(err.to_string().contains("device"), "{err}");
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open_regular(&link, OpenOptions::new().append(true), false).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(open_regular(&link, OpenOptions::new().read(true), true).is_ok());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn after_start_up_the_process_is_not_dumpable() {
        no_core_dumps();
        // SAFETY: PR_GET_DUMPABLE takes no argument.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE) }, 0);
        let mut limit = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit writes into the struct given.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
        assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
    }

    #[test]
    fn a_file_where_a_directory_belongs_is_named_as_such() {
        let err = ensure_dir(Path::new("/dev/null")).unwrap_err();
        assert!(
            err.to_string()
                .contains("/dev/null is a device, not a directory"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("a/b");
        ensure_dir(&made).unwrap();
        let mode = std::fs::metadata(&made).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
