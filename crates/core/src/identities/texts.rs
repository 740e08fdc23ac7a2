//! Where an account's text (ID, login, email, name) waits until a view or an export asks for
//! it: in memory for a screen, or in an unnamed temporary file for an export, so a million
//! people's text never counts against the export's memory (the page cache holds it, and the
//! file is gone when the process is, however it ends: it never had a name).
//!
//! Each record is the fields back to back, each prefixed by its length (a varint); the join
//! keeps one offset per account, never a `String`.

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Memory is taken a chunk at a time, so the arena never doubles (and never needs twice its
/// size while it grows); a record never straddles two chunks.
const CHUNK_BITS: u32 = 20;
const CHUNK: usize = 1 << CHUNK_BITS;

/// An account's text as read back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountText<'a> {
    pub id: &'a str,
    pub login: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    /// The last login as the vendor wrote it, kept only when it does not read back from its
    /// milliseconds (another offset, or not a time at all).
    pub last_login_text: Option<&'a str>,
}

/// Which fields a record holds besides the ID, email and name.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Layout {
    /// The login is the email, not kept apart.
    pub same_login: bool,
    /// A last-login text follows.
    pub odd: bool,
}

pub(super) enum Texts {
    Memory {
        chunks: Vec<Vec<u8>>,
    },
    Spill {
        out: Option<BufWriter<File>>,
        file: File,
        len: u64,
    },
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Texts::Memory { chunks } => write!(f, "Texts::Memory({} chunks)", chunks.len()),
            Texts::Spill { len, .. } => write!(f, "Texts::Spill({len} bytes)"),
        }
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One record: the fields, each with its length.
fn record(fields: &[&str], out: &mut Vec<u8>) {
    for f in fields {
        varint(out, f.len() as u64);
        out.extend_from_slice(f.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        for (i, &b) in self.0.iter().enumerate().take(10) {
            n |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.0 = self.0.get(i + 1..).unwrap_or(&[]);
                return n;
            }
        }
        self.0 = &[];
        n
    }

    fn text(&mut self) -> &'a str {
        let n = usize::try_from(self.number()).unwrap_or(usize::MAX);
        let (s, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        std::str::from_utf8(s).unwrap_or("")
    }
}

impl Texts {
    pub(super) fn memory() -> Self {
        Texts::Memory { chunks: Vec::new() }
    }

    /// An unnamed temporary file (`O_TMPFILE` where the system has it): nothing to remove.
    pub(super) fn spill() -> io::Result<Self> {
        let file = tempfile::tempfile()?;
        let out = BufWriter::with_capacity(256 * 1024, file.try_clone()?);
        Ok(Texts::Spill {
            out: Some(out),
            file,
            len: 0,
        })
    }

    /// Stores one record; answers where it starts.
    pub(super) fn put(&mut self, fields: &[&str], scratch: &mut Vec<u8>) -> io::Result<u64> {
        scratch.clear();
        record(fields, scratch);
        match self {
            Texts::Memory { chunks } => {
                let fits = chunks
                    .last()
                    .is_some_and(|c| c.len() + scratch.len() <= c.capacity().max(CHUNK));
                if !fits {
                    // A record is at most a user's 8 KiB and its lengths, far below a chunk;
                    // a bigger one gets a chunk of its own.
                    if let Some(full) = chunks.last_mut() {
                        full.shrink_to_fit();
                    }
                    chunks.push(Vec::with_capacity(CHUNK.max(scratch.len())));
                }
                let k = chunks.len().saturating_sub(1);
                let Some(chunk) = chunks.last_mut() else {
                    return Err(io::Error::other("no chunk"));
                };
                let at = ((k as u64) << CHUNK_BITS) | chunk.len() as u64;
                chunk.extend_from_slice(scratch);
                Ok(at)
            }
            Texts::Spill { out, len, .. } => {
                let at = *len;
                let w = out
                    .as_mut()
                    .ok_or_else(|| io::Error::other("texts already sealed"))?;
                w.write_all(scratch)?;
                *len += scratch.len() as u64;
                Ok(at)
            }
        }
    }

    /// Done writing: what is buffered goes to the file, so reads see it.
    pub(super) fn seal(&mut self) -> io::Result<()> {
        match self {
            Texts::Memory { chunks } => {
                if let Some(c) = chunks.last_mut() {
                    c.shrink_to_fit();
                }
                Ok(())
            }
            Texts::Spill { out, .. } => match out.take() {
                Some(mut w) => w.flush(),
                None => Ok(()),
            },
        }
    }

    /// Where the last record ends: the file's length, or "read to the chunk's end" in memory.
    pub(super) fn end(&self) -> u64 {
        match self {
            Texts::Memory { .. } => u64::MAX,
            Texts::Spill { len, .. } => *len,
        }
    }

    /// Bytes held in memory (what a screen reports; a spilled store holds none).
    pub(super) fn bytes(&self) -> usize {
        match self {
            Texts::Memory { chunks } => chunks.iter().map(Vec::capacity).sum(),
            Texts::Spill { .. } => 0,
        }
    }

    /// The record at `at`, `end` being where the next one starts (or the end), read into
    /// `buf`; `odd` says whether it carries a last-login text.
    pub(super) fn read<'b>(
        &self,
        at: u64,
        end: u64,
        layout: Layout,
        buf: &'b mut Vec<u8>,
    ) -> AccountText<'b> {
        buf.clear();
        match self {
            Texts::Memory { chunks } => {
                let k = (at >> CHUNK_BITS) as usize;
                let pos = (at & (CHUNK as u64 - 1)) as usize;
                if let Some(bytes) = chunks.get(k).and_then(|c| c.get(pos..)) {
                    // The record ends where the next one starts, in the same chunk.
                    let n = if end >> CHUNK_BITS == at >> CHUNK_BITS && end > at {
                        (end - at) as usize
                    } else {
                        bytes.len()
                    };
                    buf.extend_from_slice(bytes.get(..n.min(bytes.len())).unwrap_or(bytes));
                }
            }
            Texts::Spill { file, .. } => {
                let n = usize::try_from(end.saturating_sub(at)).unwrap_or(0);
                buf.resize(n, 0);
                if read_at(file, buf, at).is_err() {
                    buf.clear();
                }
            }
        }
        let mut r = Reader(buf.as_slice());
        let id = r.text();
        let login = (!layout.same_login).then(|| r.text());
        let (email, name) = (r.text(), r.text());
        let login = login.unwrap_or(email);
        let last_login_text = layout.odd.then(|| r.text());
        AccountText {
            id,
            login,
            email,
            name,
            last_login_text,
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let n = file.seek_read(&mut buf[done..], at)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
        at += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(mut t: Texts) {
        let mut scratch = Vec::new();
        let mut at = Vec::new();
        let long = "é".repeat(3000);
        for i in 0..3000 {
            let name = if i == 7 {
                long.clone()
            } else {
                format!("Name {i}")
            };
            let odd = i % 5 == 0;
            let mut fields = vec![
                format!("id{i}"),
                format!("L{i}"),
                format!("e{i}@x.test"),
                name,
            ];
            if odd {
                fields.push("yesterday".into());
            }
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            at.push(t.put(&refs, &mut scratch).unwrap());
        }
        t.seal().unwrap();
        let end = |i: usize| at.get(i + 1).copied().unwrap_or(t.end());
        let mut buf = Vec::new();
        for i in (0..3000).rev() {
            let layout = Layout {
                same_login: false,
                odd: i % 5 == 0,
            };
            let got = t.read(at[i], end(i), layout, &mut buf);
            assert_eq!(got.id, format!("id{i}"));
            assert_eq!(got.email, format!("e{i}@x.test"));
            if i == 7 {
                assert_eq!(got.name.len(), 6000);
            }
            assert_eq!(got.last_login_text.is_some(), i % 5 == 0);
        }
    }

    #[test]
    fn records_read_back_from_memory_and_from_the_unnamed_file() {
        round_trip(Texts::memory());
        round_trip(Texts::spill().unwrap());
    }
}
