//! Users packed for browsing a million of them: a row is 32 bytes of numbers (timestamps as
//! milliseconds, status and source as one byte each) plus its text, kept in two arenas per
//! chunk of 4096 rows instead of a dozen heap strings and a map.
//!
//! The search arena holds each row's name, email and login in lower case (control characters
//! as spaces), back to back, so a filter is one SIMD substring scan per chunk with no second
//! copy. The original text is kept only where it differs from that (most emails and logins do
//! not), with the ID, first and last names, odd timestamps and vendor extras in the text arena,
//! each prefixed by its length.
//!
//! Chunks are shared (`Arc`): a snapshot for a sort or an export on another thread costs a
//! pointer per chunk; a chunk is copied only when it changes while a snapshot holds it (the
//! one filling, or a full one being trimmed).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{User, UserStatus};
use crate::integration::Integration;

const CHUNK_BITS: u32 = 12;
pub(super) const CHUNK_ROWS: usize = 1 << CHUNK_BITS;

/// Between the search fields of a row, and after its last one: never in a needle.
pub(super) const FIELD_END: u8 = 0x1f;
pub(super) const ROW_END: u8 = 0x1e;

const NAME_ORIG: u8 = 1;
const EMAIL_ORIG: u8 = 1 << 1;
const LOGIN_ORIG: u8 = 1 << 2;
const LOGIN_IS_EMAIL: u8 = 1 << 3;
const CREATED_TEXT: u8 = 1 << 4;
const LAST_LOGIN_TEXT: u8 = 1 << 5;
const CREATED_MS: u8 = 1 << 6;
const LAST_LOGIN_MS: u8 = 1 << 7;

/// No timestamp; a timestamp that is not RFC 3339 sorts just after none.
pub(crate) const NO_TIME: i64 = i64::MIN;
pub(crate) const ODD_TIME: i64 = i64::MIN + 1;

#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    /// Where the row's search text starts in the chunk's `search`.
    search: u32,
    /// Where its other fields start in the chunk's `text`.
    text: u32,
    created: i64,
    last_login: i64,
    status: UserStatus,
    source: Integration,
    flags: u8,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Chunk {
    rows: Vec<Row>,
    pub(super) search: Vec<u8>,
    text: Vec<u8>,
}

impl Chunk {
    /// Where row `r`'s search text starts in the search arena.
    pub(super) fn search_start(&self, r: usize) -> usize {
        self.rows
            .get(r)
            .map_or(self.search.len(), |row| row.search as usize)
    }

    pub(super) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Where row `r`'s search text ends (at its `ROW_END`).
    pub(super) fn search_end(&self, r: usize) -> usize {
        self.rows
            .get(r + 1)
            .map_or(self.search.len(), |n| n.search as usize)
            .saturating_sub(1)
    }

    pub(super) fn search_text(&self, r: usize) -> &[u8] {
        let start = self.rows.get(r).map_or(0, |row| row.search as usize);
        self.search.get(start..self.search_end(r)).unwrap_or(&[])
    }

    pub(super) fn status(&self, r: usize) -> UserStatus {
        self.rows
            .get(r)
            .map_or(UserStatus::Unknown, |row| row.status)
    }
}

/// Every user pushed so far, in arrival order; index `i` is the `i`-th user.
#[derive(Debug, Default)]
pub struct UserStore {
    chunks: Vec<Arc<Chunk>>,
    keys: Arc<Vec<String>>,
    key_ids: HashMap<String, u32>,
    len: usize,
}

/// The store as it was: what a sort or an export on another thread reads.
#[derive(Debug, Clone, Default)]
pub struct StoreSnapshot {
    chunks: Vec<Arc<Chunk>>,
    keys: Arc<Vec<String>>,
    len: usize,
}

impl UserStore {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, u: &User) {
        if self
            .chunks
            .last()
            .is_none_or(|c| c.rows.len() >= CHUNK_ROWS)
        {
            if let Some(full) = self.chunks.last_mut() {
                let full = Arc::make_mut(full);
                full.search.shrink_to_fit();
                full.text.shrink_to_fit();
            }
            self.chunks.push(Arc::new(Chunk {
                rows: Vec::with_capacity(CHUNK_ROWS),
                ..Chunk::default()
            }));
        }
        let extras: Vec<(u32, &str)> = u.extra.iter().map(|(k, v)| (self.key_id(k), v)).collect();
        let Some(chunk) = self.chunks.last_mut() else {
            return;
        };
        pack(Arc::make_mut(chunk), u, &extras);
        self.len += 1;
    }

    fn key_id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let keys = Arc::make_mut(&mut self.keys);
        let id = u32::try_from(keys.len()).unwrap_or(u32::MAX);
        keys.push(key.to_string());
        self.key_ids.insert(key.to_string(), id);
        id
    }

    pub fn get(&self, i: usize) -> Option<UserRef<'_>> {
        get(&self.chunks, &self.keys, i)
    }

    pub(super) fn chunks(&self) -> &[Arc<Chunk>] {
        &self.chunks
    }

    pub fn snapshot(&self) -> StoreSnapshot {
        StoreSnapshot {
            chunks: self.chunks.clone(),
            keys: self.keys.clone(),
            len: self.len,
        }
    }
}

impl StoreSnapshot {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<UserRef<'_>> {
        get(&self.chunks, &self.keys, i)
    }
}

fn get<'a>(chunks: &'a [Arc<Chunk>], keys: &'a [String], i: usize) -> Option<UserRef<'a>> {
    let chunk = chunks.get(i >> CHUNK_BITS)?;
    let r = i & (CHUNK_ROWS - 1);
    let row = chunk.rows.get(r)?;
    Some(UserRef {
        chunk,
        row,
        r,
        keys,
    })
}

/// Lower case for matching, with control characters as spaces so a field never holds a
/// separator.
fn folded(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| !b.is_ascii_uppercase() && !b.is_ascii_control() && b.is_ascii())
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        crate::text::folded(text)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    )
}

fn pack(chunk: &mut Chunk, u: &User, extras: &[(u32, &str)]) {
    let mut flags = 0u8;
    let search = chunk.search.len() as u32;
    let text = chunk.text.len() as u32;
    let (name, email, login) = (folded(&u.name), folded(&u.email), folded(&u.login));
    for (field, folded, flag) in [(&u.name, &name, NAME_ORIG), (&u.email, &email, EMAIL_ORIG)] {
        chunk.search.extend_from_slice(folded.as_bytes());
        chunk.search.push(FIELD_END);
        if **folded != **field {
            flags |= flag;
        }
    }
    if u.login == u.email {
        flags |= LOGIN_IS_EMAIL;
    } else {
        chunk.search.extend_from_slice(login.as_bytes());
        if *login != *u.login {
            flags |= LOGIN_ORIG;
        }
    }
    chunk.search.push(ROW_END);

    let t = &mut chunk.text;
    put(t, &u.id);
    put(t, &u.first_name);
    put(t, &u.last_name);
    for (flag, original) in [
        (NAME_ORIG, &u.name),
        (EMAIL_ORIG, &u.email),
        (LOGIN_ORIG, &u.login),
    ] {
        if flags & flag != 0 {
            put(t, original);
        }
    }
    let (created, exact) = timestamp(u.created.as_deref());
    flags |= exact.map_or(0, |ms| if ms { CREATED_MS } else { 0 });
    if exact.is_none() && u.created.is_some() {
        flags |= CREATED_TEXT;
        put(t, u.created.as_deref().unwrap_or(""));
    }
    let (last_login, exact) = timestamp(u.last_login.as_deref());
    flags |= exact.map_or(0, |ms| if ms { LAST_LOGIN_MS } else { 0 });
    if exact.is_none() && u.last_login.is_some() {
        flags |= LAST_LOGIN_TEXT;
        put(t, u.last_login.as_deref().unwrap_or(""));
    }
    varint(t, extras.len() as u64);
    for (key, value) in extras {
        varint(t, u64::from(*key));
        put(t, value);
    }
    chunk.rows.push(Row {
        search,
        text,
        created,
        last_login,
        status: u.status,
        source: u.source,
        flags,
    });
}

/// The time in milliseconds, and whether the text is exactly how that time is written back
/// (`Some(with milliseconds)`); otherwise the text is kept too.
pub(crate) fn timestamp(raw: Option<&str>) -> (i64, Option<bool>) {
    use time::format_description::well_known::Rfc3339;
    let Some(raw) = raw else {
        return (NO_TIME, None);
    };
    let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) else {
        return (ODD_TIME, None);
    };
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(ODD_TIME);
    let exact = [true, false]
        .into_iter()
        .find(|&with_ms| rfc3339(ms, with_ms).as_deref() == Some(raw));
    (ms, exact)
}

/// Milliseconds since 1970 as RFC 3339 in UTC (`2025-09-18T09:30:00.000Z`).
pub(crate) fn rfc3339(ms: i64, with_ms: bool) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Some(if with_ms {
        format!("{base}.{:03}Z", t.millisecond())
    } else {
        format!("{base}Z")
    })
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

fn put(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads what `put` and `varint` wrote.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        for (i, &b) in self.bytes.iter().enumerate().take(10) {
            n |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return n;
            }
        }
        self.bytes = &[];
        n
    }

    fn text(&mut self) -> &'a str {
        let n = usize::try_from(self.number()).unwrap_or(usize::MAX);
        let (s, rest) = self.bytes.split_at(n.min(self.bytes.len()));
        self.bytes = rest;
        std::str::from_utf8(s).unwrap_or("")
    }
}

/// One user in the store, read in place.
#[derive(Debug, Clone, Copy)]
pub struct UserRef<'a> {
    chunk: &'a Chunk,
    row: &'a Row,
    /// The row's place in its chunk.
    r: usize,
    keys: &'a [String],
}

/// The text fields of a row, decoded in one pass.
struct Fields<'a> {
    id: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    name: Option<&'a str>,
    email: Option<&'a str>,
    login: Option<&'a str>,
    created: Option<&'a str>,
    last_login: Option<&'a str>,
    extras: Reader<'a>,
}

impl<'a> UserRef<'a> {
    fn flag(&self, f: u8) -> bool {
        self.row.flags & f != 0
    }

    /// Name, email and login as matched: lower case.
    fn folded(&self) -> [&'a str; 3] {
        let mut parts = self.chunk.search_text(self.r).split(|&b| b == FIELD_END);
        let mut next = || std::str::from_utf8(parts.next().unwrap_or(&[])).unwrap_or("");
        let (name, email) = (next(), next());
        let login = if self.flag(LOGIN_IS_EMAIL) {
            email
        } else {
            next()
        };
        [name, email, login]
    }

    fn fields(&self) -> Fields<'a> {
        let mut r = Reader {
            bytes: self.chunk.text.get(self.row.text as usize..).unwrap_or(&[]),
        };
        let (id, first_name, last_name) = (r.text(), r.text(), r.text());
        let mut optional = |flag| self.flag(flag).then(|| r.text());
        let name = optional(NAME_ORIG);
        let email = optional(EMAIL_ORIG);
        let login = optional(LOGIN_ORIG);
        let created = optional(CREATED_TEXT);
        let last_login = optional(LAST_LOGIN_TEXT);
        Fields {
            id,
            first_name,
            last_name,
            name,
            email,
            login,
            created,
            last_login,
            extras: r,
        }
    }

    pub fn id(&self) -> &'a str {
        self.fields().id
    }

    pub fn first_name(&self) -> &'a str {
        self.fields().first_name
    }

    pub fn last_name(&self) -> &'a str {
        self.fields().last_name
    }

    pub fn name(&self) -> &'a str {
        self.fields().name.unwrap_or(self.folded()[0])
    }

    pub fn email(&self) -> &'a str {
        self.fields().email.unwrap_or(self.folded()[1])
    }

    pub fn login(&self) -> &'a str {
        if self.flag(LOGIN_IS_EMAIL) {
            return self.email();
        }
        self.fields().login.unwrap_or(self.folded()[2])
    }

    /// The name and the login in lower case: what sorting compares.
    pub(super) fn folded_name(&self) -> &'a str {
        self.folded()[0]
    }

    pub(super) fn folded_login(&self) -> &'a str {
        self.folded()[2]
    }

    pub fn status(&self) -> UserStatus {
        self.row.status
    }

    pub fn source(&self) -> Integration {
        self.row.source
    }

    /// Milliseconds since 1970 (for sorting); `i64::MIN` when there is none.
    pub(super) fn last_login_ms(&self) -> i64 {
        self.row.last_login
    }

    /// As the vendor sent it.
    pub fn created(&self) -> Option<Cow<'a, str>> {
        self.time(self.row.created, CREATED_TEXT, CREATED_MS, |f| f.created)
    }

    pub fn last_login(&self) -> Option<Cow<'a, str>> {
        self.time(self.row.last_login, LAST_LOGIN_TEXT, LAST_LOGIN_MS, |f| {
            f.last_login
        })
    }

    /// The last login as the admin reads it (`display_time`), from the stored milliseconds
    /// rather than written out and parsed again: the table shows it on every frame.
    pub fn last_login_shown(&self) -> Option<String> {
        match self.row.last_login {
            NO_TIME => None,
            ODD_TIME => self.fields().last_login.map(super::display_time),
            ms => super::display_millis(ms),
        }
    }

    fn time(
        &self,
        ms: i64,
        text: u8,
        with_ms: u8,
        field: impl Fn(&Fields<'a>) -> Option<&'a str>,
    ) -> Option<Cow<'a, str>> {
        if self.flag(text) {
            return field(&self.fields()).map(Cow::Borrowed);
        }
        if ms == NO_TIME {
            return None;
        }
        rfc3339(ms, self.flag(with_ms)).map(Cow::Owned)
    }

    /// Vendor extras, by name.
    pub fn extra(&self) -> BTreeMap<&'a str, &'a str> {
        let mut r = self.fields().extras;
        let n = r.number();
        (0..n)
            .map_while(|_| {
                let key = usize::try_from(r.number()).ok()?;
                let value = r.text();
                Some((self.keys.get(key).map_or("", String::as_str), value))
            })
            .collect()
    }

    pub fn to_user(&self) -> User {
        User {
            id: self.id().to_string(),
            login: self.login().to_string(),
            email: self.email().to_string(),
            name: self.name().to_string(),
            first_name: self.first_name().to_string(),
            last_name: self.last_name().to_string(),
            status: self.status(),
            created: self.created().map(Cow::into_owned),
            last_login: self.last_login().map(Cow::into_owned),
            source: self.source(),
            extra: self
                .extra()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            access: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn user(i: usize) -> User {
        User {
            id: format!("00u{i}"),
            login: format!("Person.{i}@Example.test"),
            email: format!("person.{i}@example.test"),
            name: format!("Person {i}"),
            first_name: "Person".into(),
            last_name: i.to_string(),
            status: UserStatus::Active,
            created: Some("2024-01-02T03:04:05.678Z".into()),
            last_login: None,
            source: Integration::Okta,
            extra: Default::default(),
            access: Vec::new(),
        }
    }

    #[test]
    fn every_field_reads_back_as_it_was_pushed() {
        let odd = [
            User {
                login: "same@x.test".into(),
                email: "same@x.test".into(),
                name: "Ünïcode\u{1b}[31m NAME".into(),
                created: Some("2024-01-02T05:04:05+02:00".into()),
                last_login: Some("yesterday".into()),
                extra: [("okta status", "ACTIVE".to_string())]
                    .into_iter()
                    .collect(),
                status: UserStatus::LockedOut,
                source: Integration::OneTrust,
                ..user(1)
            },
            User {
                last_login: Some("2025-09-18T09:30:00Z".into()),
                created: None,
                name: String::new(),
                ..user(2)
            },
        ];
        let mut store = UserStore::default();
        let many: Vec<User> = (0..CHUNK_ROWS + 10).map(user).collect();
        for u in odd.iter().chain(&many) {
            store.push(u);
        }
        assert_eq!(store.len(), CHUNK_ROWS + 12);
        for (i, u) in odd.iter().chain(&many).enumerate() {
            let row = store.get(i).unwrap();
            assert_eq!(&row.to_user(), u, "row {i}");
            assert_eq!(
                row.last_login_shown(),
                u.last_login.as_deref().map(super::super::display_time),
                "row {i}"
            );
        }
        assert!(store.get(CHUNK_ROWS + 12).is_none());
        let first = store.get(0).unwrap();
        assert_eq!(
            first.folded()[0],
            "unicode [31m name",
            "diacritics folded for search"
        );
    }

    #[test]
    fn a_snapshot_keeps_what_it_saw() {
        let mut store = UserStore::default();
        store.push(&user(0));
        let snap = store.snapshot();
        store.push(&user(1));
        assert_eq!(snap.len(), 1);
        assert!(snap.get(1).is_none());
        assert_eq!(snap.get(0).unwrap().id(), "00u0");
        assert_eq!(store.get(1).unwrap().id(), "00u1");
    }
}
