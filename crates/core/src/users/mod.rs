//! The normalised user every connector produces, the compact table the TUI browses, and
//! export to CSV or JSON.
//!
//! Export streams page by page, so a 100k-user tenant never sits in memory twice.

pub(crate) mod store;
mod table;
pub mod target;

pub use store::{StoreSnapshot, UserRef, UserStore};
pub use table::{ShownUsers, SortJob, Sorted, UserTable, holders_filter};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde::Serialize;

use crate::entitlements::{Entitlement, Entitlements, Held};
use crate::integration::Integration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Active,
    Inactive,
    Staged,
    Provisioned,
    Recovery,
    LockedOut,
    PasswordExpired,
    Suspended,
    Deprovisioned,
    Unknown,
}

impl UserStatus {
    pub const ALL: [UserStatus; 10] = [
        UserStatus::Active,
        UserStatus::Inactive,
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Recovery,
        UserStatus::LockedOut,
        UserStatus::PasswordExpired,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
        UserStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "ACTIVE",
            UserStatus::Inactive => "INACTIVE",
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub status: UserStatus,
    /// ISO 8601 as the vendor sent it.
    pub created: Option<String>,
    pub last_login: Option<String>,
    pub source: Integration,
    /// Vendor-specific fields worth showing in a details pane.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
    /// Entitlements that come with the user, held directly (OneTrust's access levels); at
    /// most `MAX_INLINE` of them. Okta's are read apart (`connector::okta_access`).
    #[serde(skip)]
    pub access: Vec<Entitlement>,
}

/// The most entitlements a user carries in its own record.
pub const MAX_INLINE: usize = 256;

/// The most text one field of a user keeps, and all of a user's fields together. Real users
/// are a few hundred bytes (an email is at most 254); a hostile server's megabyte names are
/// cut to this with `CUT` at the end, so memory grows with the number of users, never with
/// what a server puts in one.
pub const FIELD_BYTES: usize = 2 * 1024;
pub const USER_BYTES: usize = 8 * 1024;
/// Ends a value that was cut: the admin sees that there was more.
pub const CUT: &str = "…";

impl User {
    /// The user within `FIELD_BYTES` a field and `USER_BYTES` in all (the ID first, so it
    /// keeps what tells users apart): what every connector hands on.
    pub fn bounded(mut self) -> Self {
        let mut left = USER_BYTES;
        let fields = [
            &mut self.id,
            &mut self.login,
            &mut self.email,
            &mut self.name,
            &mut self.first_name,
            &mut self.last_name,
        ]
        .into_iter()
        .chain(self.created.iter_mut())
        .chain(self.last_login.iter_mut())
        .chain(self.extra.0.iter_mut().map(|(_, v)| v));
        for field in fields {
            cut(field, FIELD_BYTES.min(left));
            left = left.saturating_sub(field.len());
        }
        self
    }
}

/// `text` within `max` bytes, `CUT` included, on a character boundary.
pub fn capped(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max.saturating_sub(CUT.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{CUT}", &text[..end]))
}

/// `capped` in place; a cut value gives its room back (the cut-off part may have been a
/// megabyte).
fn cut(text: &mut String, max: usize) {
    if let Cow::Owned(shorter) = capped(text, max) {
        *text = shorter;
    }
}

/// Vendor fields by name, in name order. A short list, not a map: users have two to five,
/// and a map's first node alone (about 550 bytes) would cost more than the fields; pages of
/// thousands of users wait in memory while an export writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras(Vec<(Cow<'static, str>, String)>);

impl Extras {
    /// Sets `key` (replacing an earlier value), keeping the name order.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: String) {
        let key = key.into();
        match self
            .0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key.as_ref()))
        {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<K: Into<Cow<'static, str>>> FromIterator<(K, String)> for Extras {
    fn from_iter<I: IntoIterator<Item = (K, String)>>(iter: I) -> Self {
        let mut e = Extras::default();
        for (k, v) in iter {
            e.insert(k, v);
        }
        e
    }
}

/// As a JSON object, as the map it stands for.
impl Serialize for Extras {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Columns the users table can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Login,
    Status,
    LastLogin,
    Source,
}

impl Column {
    pub const ALL: [Column; 5] = [
        Column::Name,
        Column::Login,
        Column::Status,
        Column::LastLogin,
        Column::Source,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Login => "Email / login",
            Column::Status => "Status",
            Column::LastLogin => "Last login",
            Column::Source => "Source",
        }
    }

    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Json];

    pub fn id(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.id().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown format \"{s}\" (csv or json)"))
    }
}

const ENTITLEMENT_HEADER: [&str; 5] = [
    "entitlement_kind",
    "entitlement_id",
    "entitlement_name",
    "via",
    "organization",
];

/// `extra`: the vendor's other fields as one JSON object (empty when none), so a CSV keeps
/// what the JSON export has while its columns stay the same for every user.
const CSV_HEADER: [&str; 11] = [
    "id",
    "login",
    "email",
    "name",
    "first_name",
    "last_name",
    "status",
    "created",
    "last_login",
    "source",
    "extra",
];

/// How an export treats what the tenant sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Which entitlements columns or fields are written.
    pub entitlements: EntitlementColumns,
    /// CSV cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab
    /// or CR) get a leading `'`, as OWASP recommends for CSV injection.
    pub guard_formulas: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            entitlements: EntitlementColumns::Off,
            guard_formulas: true,
        }
    }
}

/// A CSV cell as written: formula prefixes neutralised, and control characters shown rather
/// than passed on (a CSV piped to a pager or a terminal must not carry escape sequences).
pub(crate) fn csv_cell(value: &str, o: ExportOptions) -> std::borrow::Cow<'_, str> {
    let mut v = std::borrow::Cow::Borrowed(value);
    if o.guard_formulas && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v = std::borrow::Cow::Owned(format!("'{value}"));
    }
    if v.chars().any(crate::text::is_unsafe) {
        v = std::borrow::Cow::Owned(crate::text::for_terminal(&v).into_owned());
    }
    v
}

/// JSON text with the characters a terminal would obey written as `\uXXXX` escapes, which
/// JSON reads back as the same characters: safe anywhere, and lossless.
pub(crate) fn json_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(crate::text::is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if crate::text::is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A user as an exporter reads it: an owned `User` from a page, or a row of the table.
pub trait Record {
    fn id(&self) -> &str;
    fn login(&self) -> &str;
    fn email(&self) -> &str;
    fn name(&self) -> &str;
    fn first_name(&self) -> &str;
    fn last_name(&self) -> &str;
    fn status(&self) -> UserStatus;
    fn created(&self) -> Option<Cow<'_, str>>;
    fn last_login(&self) -> Option<Cow<'_, str>>;
    fn source(&self) -> Integration;
    fn extra(&self) -> BTreeMap<&str, &str>;
    /// Entitlements that came with the user itself.
    fn access(&self) -> &[Entitlement] {
        &[]
    }
}

impl Record for &User {
    fn id(&self) -> &str {
        &self.id
    }
    fn login(&self) -> &str {
        &self.login
    }
    fn email(&self) -> &str {
        &self.email
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn first_name(&self) -> &str {
        &self.first_name
    }
    fn last_name(&self) -> &str {
        &self.last_name
    }
    fn status(&self) -> UserStatus {
        self.status
    }
    fn created(&self) -> Option<Cow<'_, str>> {
        self.created.as_deref().map(Cow::Borrowed)
    }
    fn last_login(&self) -> Option<Cow<'_, str>> {
        self.last_login.as_deref().map(Cow::Borrowed)
    }
    fn source(&self) -> Integration {
        self.source
    }
    fn extra(&self) -> BTreeMap<&str, &str> {
        self.extra.iter().collect()
    }
    fn access(&self) -> &[Entitlement] {
        &self.access
    }
}

impl Record for UserRef<'_> {
    fn id(&self) -> &str {
        UserRef::id(self)
    }
    fn login(&self) -> &str {
        UserRef::login(self)
    }
    fn email(&self) -> &str {
        UserRef::email(self)
    }
    fn name(&self) -> &str {
        UserRef::name(self)
    }
    fn first_name(&self) -> &str {
        UserRef::first_name(self)
    }
    fn last_name(&self) -> &str {
        UserRef::last_name(self)
    }
    fn status(&self) -> UserStatus {
        UserRef::status(self)
    }
    fn created(&self) -> Option<Cow<'_, str>> {
        UserRef::created(self)
    }
    fn last_login(&self) -> Option<Cow<'_, str>> {
        UserRef::last_login(self)
    }
    fn source(&self) -> Integration {
        UserRef::source(self)
    }
    fn extra(&self) -> BTreeMap<&str, &str> {
        UserRef::extra(self)
    }
}

/// The JSON form of a user: the same document `User` serialises to.
#[derive(Serialize)]
struct JsonUser<'a> {
    id: &'a str,
    login: &'a str,
    email: &'a str,
    name: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    status: UserStatus,
    created: Option<Cow<'a, str>>,
    last_login: Option<Cow<'a, str>>,
    source: Integration,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<&'a str, &'a str>,
    /// Absent when entitlements were not read (`--no-entitlements`).
    #[serde(skip_serializing_if = "Option::is_none")]
    entitlements: Option<Vec<Held<'a>>>,
}

impl<'a> JsonUser<'a> {
    fn of(u: &'a impl Record) -> Self {
        Self {
            id: u.id(),
            login: u.login(),
            email: u.email(),
            name: u.name(),
            first_name: u.first_name(),
            last_name: u.last_name(),
            status: u.status(),
            created: u.created(),
            last_login: u.last_login(),
            source: u.source(),
            extra: u.extra(),
            entitlements: None,
        }
    }
}

/// A user's entitlements for an export: those that came with it, then those read apart.
fn held_of<'a>(u: &'a impl Record, read: Option<&'a Entitlements>) -> Vec<Held<'a>> {
    let mut held: Vec<Held<'a>> = u.access().iter().map(Held::direct).collect();
    if let Some(e) = read {
        held.extend(e.held_by(u.id()));
    }
    held
}

/// What an export writes besides the users' own fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntitlementColumns {
    /// None: entitlements were not read.
    #[default]
    Off,
    /// JSON: an `entitlements` array a user; CSV: one row a user with an `entitlements` count.
    PerUser,
    /// CSV: one row a (user, entitlement), a user without any on one row of their own.
    PerGrant,
}

pub struct Exporter<W: Write> {
    format: ExportFormat,
    options: ExportOptions,
    csv: Option<csv::Writer<W>>,
    raw: Option<W>,
    written: u64,
}

impl<W: Write> Exporter<W> {
    pub fn new(format: ExportFormat, out: W) -> std::io::Result<Self> {
        Self::with_options(format, out, ExportOptions::default())
    }

    pub fn with_options(
        format: ExportFormat,
        out: W,
        options: ExportOptions,
    ) -> std::io::Result<Self> {
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                let extra: &[&str] = match options.entitlements {
                    EntitlementColumns::Off => &[],
                    EntitlementColumns::PerUser => &["entitlements"],
                    EntitlementColumns::PerGrant => &ENTITLEMENT_HEADER,
                };
                w.write_record(CSV_HEADER.iter().chain(extra))
                    .map_err(csv_io)?;
                Ok(Self {
                    format,
                    options,
                    csv: Some(w),
                    raw: None,
                    written: 0,
                })
            }
            ExportFormat::Json => {
                // An object, not a bare array, so the document can say its version; the
                // users still stream one by one.
                let mut out = out;
                write!(
                    out,
                    "{{\"schema_version\": {}, \"users\": [",
                    crate::app::JSON_SCHEMA_VERSION
                )?;
                Ok(Self {
                    format,
                    options,
                    csv: None,
                    raw: Some(out),
                    written: 0,
                })
            }
        }
    }

    pub fn write<R: Record>(&mut self, users: impl IntoIterator<Item = R>) -> std::io::Result<()> {
        self.write_with(users, None)
    }

    /// `write`, with the entitlements read apart from the users (Okta's) when there are any.
    pub fn write_with<R: Record>(
        &mut self,
        users: impl IntoIterator<Item = R>,
        read: Option<&Entitlements>,
    ) -> std::io::Result<()> {
        let o = self.options;
        if let Some(w) = &mut self.csv {
            for u in users {
                let (created, last_login) = (u.created(), u.last_login());
                let extra = extra_json(&u)?;
                let cells = [
                    csv_cell(u.id(), o),
                    csv_cell(u.login(), o),
                    csv_cell(u.email(), o),
                    csv_cell(u.name(), o),
                    csv_cell(u.first_name(), o),
                    csv_cell(u.last_name(), o),
                    csv_cell(u.status().as_str(), o),
                    csv_cell(created.as_deref().unwrap_or(""), o),
                    csv_cell(last_login.as_deref().unwrap_or(""), o),
                    csv_cell(u.source().id(), o),
                    csv_cell(&extra, o),
                ];
                let base = cells.iter().map(|c| c.as_bytes());
                match o.entitlements {
                    EntitlementColumns::Off => w.write_record(base).map_err(csv_io)?,
                    EntitlementColumns::PerUser => {
                        let n = held_of(&u, read).len().to_string();
                        w.write_record(base.chain([n.as_bytes()])).map_err(csv_io)?;
                    }
                    EntitlementColumns::PerGrant => {
                        let held = held_of(&u, read);
                        if held.is_empty() {
                            w.write_record(base.chain([&b""[..]; ENTITLEMENT_HEADER.len()]))
                                .map_err(csv_io)?;
                        }
                        for h in held {
                            let more = [
                                csv_cell(h.kind.id(), o),
                                csv_cell(h.id, o),
                                csv_cell(h.name, o),
                                csv_cell(h.via.unwrap_or(""), o),
                                csv_cell(h.organization.unwrap_or(""), o),
                            ];
                            w.write_record(cells.iter().chain(more.iter()).map(|c| c.as_bytes()))
                                .map_err(csv_io)?;
                        }
                    }
                }
                self.written += 1;
            }
        } else if let Some(out) = &mut self.raw {
            for u in users {
                out.write_all(if self.written == 0 { b"\n  " } else { b",\n  " })?;
                let mut doc = JsonUser::of(&u);
                if o.entitlements != EntitlementColumns::Off {
                    doc.entitlements = Some(held_of(&u, read));
                }
                let text = serde_json::to_string(&doc)?;
                out.write_all(json_safe(&text).as_bytes())?;
                self.written += 1;
            }
        }
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Closes the document and hands back the writer.
    pub fn finish(self) -> std::io::Result<W> {
        match self.format {
            ExportFormat::Csv => self
                .csv
                .ok_or_else(|| std::io::Error::other("exporter already finished"))?
                .into_inner()
                .map_err(|e| std::io::Error::new(e.error().kind(), e.to_string())),
            ExportFormat::Json => {
                let mut out = self
                    .raw
                    .ok_or_else(|| std::io::Error::other("exporter already finished"))?;
                out.write_all(if self.written == 0 {
                    b"]}\n"
                } else {
                    b"\n]}\n"
                })?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// A user's other vendor fields for a CSV cell: a JSON object, or nothing when there are none.
fn extra_json<R: Record>(u: &R) -> std::io::Result<String> {
    let extra = u.extra();
    if extra.is_empty() {
        return Ok(String::new());
    }
    Ok(serde_json::to_string(&extra)?)
}

/// Writes `rows` as one complete file at `path` (a failed write leaves any previous file);
/// answers where the file is, as an absolute path.
pub fn write_users_file<R: Record>(
    path: &std::path::Path,
    format: ExportFormat,
    rows: impl IntoIterator<Item = R>,
    replace: crate::files::Replace,
    entitlements: Option<&Entitlements>,
) -> std::io::Result<std::path::PathBuf> {
    let pending = crate::files::PendingFile::create(path, replace)?;
    let options = ExportOptions {
        entitlements: if entitlements.is_some() {
            EntitlementColumns::PerUser
        } else {
            EntitlementColumns::Off
        },
        ..ExportOptions::default()
    };
    let mut out =
        Exporter::with_options(format, std::io::BufWriter::new(pending.writer()?), options)?;
    out.write_with(rows, entitlements)?;
    out.finish()?.flush()?;
    pending.commit()?;
    Ok(crate::files::absolute(path))
}

/// What an export says when it is done, in both faces.
pub fn written(count: usize, path: &std::path::Path) -> String {
    format!("Wrote {count} users to {}.", path.display())
}

/// A vendor timestamp as the admin reads it: "2025-09-18 09:30 UTC" (minutes, with the zone).
/// Text that is not RFC 3339 is shown as it came.
pub fn display_time(raw: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(t) => shown_utc(t),
        Err(_) => raw.to_string(),
    }
}

fn shown_utc(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `display_time` of a time already parsed into milliseconds since 1970.
fn display_millis(ms: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(shown_utc)
}

/// Keeps the I/O error's kind (a closed pipe must stay `BrokenPipe`).
pub(crate) fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain user for the users tests (the table's vary it).
    pub(crate) fn user(i: u32) -> User {
        User {
            id: format!("id{i}"),
            login: format!("u{i}@x.test"),
            email: format!("u{i}@x.test"),
            name: format!("User, {i}"),
            first_name: "User".into(),
            last_name: i.to_string(),
            status: UserStatus::Active,
            created: None,
            last_login: Some("2026-01-01T00:00:00Z".into()),
            source: Integration::OneTrust,
            extra: Extras::default(),
            access: Vec::new(),
        }
    }

    #[test]
    fn a_user_is_bounded_per_field_and_in_all_with_a_visible_cut() {
        let real = user(1);
        assert_eq!(real.clone().bounded(), real, "real users are never cut");

        let huge = "é".repeat(1 << 19); // a megabyte, in two-byte characters
        let mut u = user(2);
        u.name = huge.clone();
        let b = u.clone().bounded();
        assert!(b.name.len() <= FIELD_BYTES, "{}", b.name.len());
        assert!(b.name.ends_with(CUT) && huge.starts_with(b.name.trim_end_matches(CUT)));
        assert_eq!((b.id.as_str(), b.email.as_str()), ("id2", "u2@x.test"));

        u.id = "i".repeat(5000);
        u.login = huge.clone();
        u.email = huge.clone();
        u.first_name = huge.clone();
        u.created = Some(huge.clone());
        u.extra.insert("organization", huge.clone());
        let b = u.bounded();
        assert!(b.id.starts_with("iii") && b.id.ends_with(CUT));
        let total = [
            &b.id,
            &b.login,
            &b.email,
            &b.name,
            &b.first_name,
            &b.last_name,
        ]
        .iter()
        .map(|f| f.len())
        .sum::<usize>()
            + b.created.as_ref().map_or(0, String::len)
            + b.extra.iter().map(|(_, v)| v.len()).sum::<usize>();
        assert!(total <= USER_BYTES + 4 * CUT.len(), "{total}");
        assert!(b.first_name.ends_with(CUT), "{}", b.first_name);
    }

    #[test]
    fn csv_quotes_and_streams() {
        let mut e = Exporter::new(ExportFormat::Csv, Vec::new()).unwrap();
        e.write(&[user(1)]).unwrap();
        e.write(&[user(2)]).unwrap();
        assert_eq!(e.written(), 2);
        let out = String::from_utf8(e.finish().unwrap()).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("id,login,email"));
        assert!(lines[1].contains("\"User, 1\""), "{}", lines[1]);
    }

    #[test]
    fn csv_formulas_are_neutralised_unless_asked_not_to() {
        let mut u = user(1);
        u.name = "=HYPERLINK(\"http://evil\")".into();
        u.first_name = "+1".into();
        u.last_name = "@SUM(A1)".into();
        u.login = "-2".into();
        let text = |o| {
            let mut e = Exporter::with_options(ExportFormat::Csv, Vec::new(), o).unwrap();
            e.write(std::slice::from_ref(&u)).unwrap();
            String::from_utf8(e.finish().unwrap()).unwrap()
        };
        let guarded = text(ExportOptions::default());
        let row = csv::Reader::from_reader(guarded.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&row[3], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(&row[4], "'+1");
        assert_eq!(&row[5], "'@SUM(A1)");
        assert_eq!(&row[1], "'-2");
        let raw = text(ExportOptions {
            entitlements: EntitlementColumns::Off,
            guard_formulas: false,
        });
        let row = csv::Reader::from_reader(raw.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&row[3], "=HYPERLINK(\"http://evil\")", "{raw}");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_obey_and_reads_back_the_same() {
        let mut u = user(1);
        u.name = "a\u{1b}]0;x\u{7}b\u{9b}c\u{202e}d".into();
        let mut e = Exporter::new(ExportFormat::Json, Vec::new()).unwrap();
        e.write(std::slice::from_ref(&u)).unwrap();
        let out = String::from_utf8(e.finish().unwrap()).unwrap();
        assert!(!out.chars().any(crate::text::is_unsafe), "{out:?}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["users"][0]["name"], u.name.as_str(), "lossless");
    }

    #[test]
    fn extras_keep_name_order_replace_and_serialise_as_an_object() {
        let mut e = Extras::default();
        e.insert("zone", "b".into());
        e.insert("alpha", "a".into());
        e.insert(String::from("zone"), "c".into());
        assert_eq!(
            e.iter().collect::<Vec<_>>(),
            [("alpha", "a"), ("zone", "c")]
        );
        assert_eq!(e.get("zone"), Some("c"));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"alpha":"a","zone":"c"}"#
        );
    }

    #[test]
    fn csv_keeps_the_vendor_fields_json_has_in_one_column() {
        let mut with = user(1);
        with.extra.insert("department", "Finance".into());
        with.extra.insert("title", "Analyst".into());
        let mut e = Exporter::new(ExportFormat::Csv, Vec::new()).unwrap();
        e.write(&[with.clone(), user(2)]).unwrap();
        let out = e.finish().unwrap();
        let mut r = csv::Reader::from_reader(&out[..]);
        let header = r.headers().unwrap().clone();
        let at = header
            .iter()
            .position(|h| h == "extra")
            .expect("an extra column");
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        let cell: serde_json::Value = serde_json::from_str(&rows[0][at]).unwrap();
        let mut j = Exporter::new(ExportFormat::Json, Vec::new()).unwrap();
        j.write(&[with]).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&j.finish().unwrap()).unwrap();
        assert_eq!(
            cell, doc["users"][0]["extra"],
            "the same fields as the JSON"
        );
        assert_eq!(&rows[1][at], "", "none: empty");
    }

    #[test]
    fn json_is_one_versioned_object_with_the_users_array() {
        for n in [0u32, 1, 3] {
            let mut e = Exporter::new(ExportFormat::Json, Vec::new()).unwrap();
            for i in 0..n {
                e.write(&[user(i)]).unwrap();
            }
            let out = e.finish().unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["schema_version"], crate::app::JSON_SCHEMA_VERSION);
            assert_eq!(v["users"].as_array().unwrap().len(), n as usize);
            assert_eq!(v.as_object().unwrap().len(), 2);
        }
    }
}
