//! Identities across sources: every profile's accounts joined person by person, and the flags
//! an access review starts with (issue 19). Both faces and every export read this one model.
//!
//! Accounts are matched on the normalised email (`person_key`: trimmed, Unicode compatibility
//! folded, case folded; the login when the email is missing), never on display names. A
//! profile's accounts are kept lean as they are read (`Part`): 24 bytes of numbers each, a
//! 128-bit digest of the key until the join, and the text elsewhere (`texts`): in memory for a
//! screen, in an unnamed temporary file for an export. The join (`join`) sorts the digests once
//! and groups equal ones: a person is a run of accounts, no map and no string per person.
//!
//! What "active" means and every flag's rule live here, so the TUI, the JSON and the CSV say
//! the same thing about the same person.

mod export;
mod read;
mod texts;

pub use export::{IdentityExporter, summary};
pub use read::{ReadError, ReadProgress, read_profile};
pub use texts::AccountText;

use std::borrow::Cow;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::entitlements::Entitlements;
use crate::integration::Integration;
use crate::users::{User, UserStatus};

/// `--dormant-days`' default: an active account not used for this long is dormant.
pub const DEFAULT_DORMANT_DAYS: u32 = 90;

/// The most accounts one profile keeps (the cap): past it the profile is not read whole, and
/// the view says so.
pub const MAX_ACCOUNTS: usize = 20_000_000;

/// What an access review asks about a person or an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    Dormant,
    LeaverWithAccess,
    NeverLoggedIn,
    Orphan,
}

impl Flag {
    /// In the order every list shows them (by name).
    pub const ALL: [Flag; 4] = [
        Flag::Dormant,
        Flag::LeaverWithAccess,
        Flag::NeverLoggedIn,
        Flag::Orphan,
    ];

    /// The word in exports, `--fail-on` and the filter (`flag:orphan`).
    pub fn id(self) -> &'static str {
        match self {
            Flag::Dormant => "dormant",
            Flag::LeaverWithAccess => "leaver_with_access",
            Flag::NeverLoggedIn => "never_logged_in",
            Flag::Orphan => "orphan",
        }
    }

    /// What it means, in a line (help, the screen's legend).
    pub fn meaning(self) -> &'static str {
        match self {
            Flag::Dormant => "an active account whose last login is older than the dormant days",
            Flag::LeaverWithAccess => {
                "deactivated in an identity provider, still active in another source"
            }
            Flag::NeverLoggedIn => "an active account that never logged in",
            Flag::Orphan => {
                "an active application account whose person is in no identity provider read"
            }
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl FromStr for Flag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase().replace('-', "_");
        Flag::ALL
            .into_iter()
            .find(|f| f.id() == want)
            .ok_or_else(|| {
                let known: Vec<&str> = Flag::ALL.iter().map(|f| f.id()).collect();
                format!("unknown flag \"{}\" ({})", s.trim(), known.join(", "))
            })
    }
}

impl Flag {
    /// The flag a word names: its id, or the one flag whose id starts with it (`leaver`).
    pub fn named(word: &str) -> Option<Flag> {
        let w = word.trim().to_ascii_lowercase().replace('-', "_");
        if w.is_empty() {
            return None;
        }
        if let Some(f) = Flag::ALL.into_iter().find(|f| f.id() == w) {
            return Some(f);
        }
        let mut starts = Flag::ALL.into_iter().filter(|f| f.id().starts_with(&w));
        match (starts.next(), starts.next()) {
            (Some(f), None) => Some(f),
            _ => None,
        }
    }
}

/// What a view filters people by: `flag:orphan` (carries it for sure), `unsure:orphan` (may
/// carry it), `profile:corp` (has an account there), and words that must each be in the
/// person's email, name or login (any account's; accents and case folded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    flags: Flags,
    unsure: Flags,
    profiles: Vec<String>,
    words: Vec<String>,
}

impl Query {
    /// The filter's text as terms; an unknown flag is an error naming the known ones.
    pub fn parse(text: &str) -> Result<Query, String> {
        let mut q = Query::default();
        for term in text.split_whitespace() {
            let (key, value) = term.split_once(':').unwrap_or(("", term));
            let flag = || {
                Flag::named(value).ok_or_else(|| {
                    let known: Vec<&str> = Flag::ALL.iter().map(|f| f.id()).collect();
                    format!("no flag \"{value}\" (flag: takes {})", known.join(", "))
                })
            };
            match key.to_ascii_lowercase().as_str() {
                "flag" => q.flags = q.flags.with(flag()?),
                "unsure" => q.unsure = q.unsure.with(flag()?),
                "profile" => q.profiles.push(value.to_string()),
                _ => q.words.push(crate::text::folded(term)),
            }
        }
        Ok(q)
    }

    pub fn is_empty(&self) -> bool {
        *self == Query::default()
    }

    pub fn matches(&self, p: &Person<'_>, buf: &mut Vec<u8>) -> bool {
        if self.flags.without(p.flags) != Flags::default()
            || self.unsure.without(p.unsure) != Flags::default()
        {
            return false;
        }
        if !self
            .profiles
            .iter()
            .all(|name| p.accounts().any(|a| a.profile() == name))
        {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let mut text = String::new();
        for a in p.accounts() {
            let t = a.text(buf);
            for f in [t.email, t.name, t.login] {
                text.push_str(&crate::text::folded(f));
                text.push('\u{1f}');
            }
        }
        self.words.iter().all(|w| text.contains(w.as_str()))
    }

    /// The people who match, in order.
    pub fn filter(&self, ids: &Identities) -> Vec<u32> {
        let mut buf = Vec::new();
        ids.people()
            .filter(|p| self.matches(p, &mut buf))
            .map(|p| p.index as u32)
            .collect()
    }
}

/// A set of flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(u8);

impl Flags {
    pub fn has(self, f: Flag) -> bool {
        self.0 & f.bit() != 0
    }

    pub fn with(self, f: Flag) -> Self {
        Flags(self.0 | f.bit())
    }

    pub fn union(self, other: Flags) -> Self {
        Flags(self.0 | other.0)
    }

    pub fn without(self, other: Flags) -> Self {
        Flags(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// The flags' words, in `Flag::ALL`'s order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Flag::id).collect()
    }

    pub fn of(flags: &[Flag]) -> Self {
        flags.iter().fold(Flags::default(), |s, f| s.with(*f))
    }
}

/// What a source is to a review: an Okta profile is an identity provider (who works here), a
/// OneTrust profile an application source (who has an account in an application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    IdentityProvider,
    Application,
}

impl Role {
    pub fn of(integration: Integration) -> Role {
        match integration {
            Integration::Okta => Role::IdentityProvider,
            Integration::OneTrust => Role::Application,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Role::IdentityProvider => "identity provider",
            Role::Application => "application source",
        }
    }
}

/// Whether an account can sign in or be recovered: Okta `ACTIVE`, `PASSWORD_EXPIRED`,
/// `LOCKED_OUT`, `RECOVERY`; OneTrust `active: true`.
pub fn is_active(source: Integration, status: UserStatus) -> bool {
    match source {
        Integration::Okta => matches!(
            status,
            UserStatus::Active
                | UserStatus::PasswordExpired
                | UserStatus::LockedOut
                | UserStatus::Recovery
        ),
        Integration::OneTrust => status == UserStatus::Active,
    }
}

/// What two accounts must share to be one person: the email, else the login, normalised.
pub fn person_key<'a>(email: &'a str, login: &'a str) -> Cow<'a, str> {
    if email.trim().is_empty() {
        normalise(login)
    } else {
        normalise(email)
    }
}

/// An address as the join compares it: surrounding whitespace dropped, Unicode compatibility
/// forms folded (NFKC: a full-width `＠` is `@`, `ﬁ` is `fi`) and case folded (lower case, `ß`
/// as `ss`, a final sigma as sigma), then NFKC again, since lower-casing can leave a sequence
/// that is not normalised.
pub fn normalise(raw: &str) -> Cow<'_, str> {
    let t = raw.trim();
    if t.is_ascii() {
        if t.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(t.to_ascii_lowercase());
        }
        return Cow::Borrowed(t);
    }
    use unicode_normalization::UnicodeNormalization;
    let folded: String = t.nfkc().flat_map(fold).collect();
    Cow::Owned(folded.nfkc().collect::<String>().trim().to_string())
}

/// One character's case folding, beyond what lower-casing does.
fn fold(c: char) -> impl Iterator<Item = char> {
    let special: Option<&'static str> = match c {
        'ß' | 'ẞ' => Some("ss"),
        'ς' => Some("σ"),
        _ => None,
    };
    let (a, b) = match special {
        Some(s) => (Some(s.chars()), None),
        None => (None, Some(c.to_lowercase())),
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// A key's 128-bit digest: what the join sorts. Two different keys share one with a chance
/// of about 10⁻²⁶ among two million accounts.
pub(crate) fn digest(key: &[u8]) -> [u64; 2] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key);
    let b = d.as_ref();
    let word = |i: usize| {
        let mut w = [0u8; 8];
        if let Some(s) = b.get(i..i + 8) {
            w.copy_from_slice(s);
        }
        u64::from_be_bytes(w)
    };
    [word(0), word(8)]
}

// No last login, and one that is not a time (the account did log in, but when is not
// known): the users store's sentinels.
use crate::users::store::{self, NO_TIME, ODD_TIME};

/// Account marks beside its flags.
const MARK_ODD_TEXT: u8 = 1;
const MARK_MILLIS: u8 = 1 << 1;
/// The login is the email (Okta's usually, OneTrust's always): kept once.
const MARK_SAME_LOGIN: u8 = 1 << 2;

/// One account, lean: its text is in the part's `texts`.
#[derive(Debug, Clone, Copy)]
struct Account {
    text: u64,
    last_login: i64,
    entitlements: u32,
    status: UserStatus,
    /// Sure flags in the low four bits, unsure ones in the high four.
    flags: u8,
    marks: u8,
}

/// How far a profile was read: what makes flags sure or not, and what the view says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadState {
    /// Every user was read (no failure, not stopped at the cap).
    pub users_complete: bool,
    /// `None`: the vendor's entitlements come with each user (OneTrust); `Some(false)`: some
    /// kinds were not visible or reading them failed, so counts are partial.
    pub entitlements_complete: Option<bool>,
    /// Why reading stopped: the diagnosis code and its detail.
    pub failure: Option<crate::diagnose::Failure>,
    /// Stopped at `MAX_ACCOUNTS`.
    pub capped: bool,
    /// What the entitlements read said (not visible, active apps only, …).
    pub caveats: Vec<String>,
}

/// One profile's accounts as read, before the join.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub integration: Integration,
    accounts: Vec<Account>,
    /// Each account's key digest, until the join takes them.
    digests: Vec<[u64; 2]>,
    texts: texts::Texts,
    scratch: Vec<u8>,
    pub state: ReadState,
    /// The entitlements and who holds them, kept for a view that shows them (the TUI's
    /// Enter); an export keeps only each account's count.
    pub entitlements: Option<Entitlements>,
}

impl Part {
    /// A part whose text stays in memory (a screen).
    pub fn in_memory(name: &str, integration: Integration) -> Self {
        Self::with(name, integration, texts::Texts::memory())
    }

    /// A part whose text goes to an unnamed temporary file (an export).
    pub fn spilled(name: &str, integration: Integration) -> std::io::Result<Self> {
        Ok(Self::with(name, integration, texts::Texts::spill()?))
    }

    fn with(name: &str, integration: Integration, texts: texts::Texts) -> Self {
        Self {
            name: name.to_string(),
            integration,
            accounts: Vec::new(),
            digests: Vec::new(),
            texts,
            scratch: Vec::new(),
            state: ReadState {
                users_complete: false,
                entitlements_complete: match integration {
                    Integration::Okta => Some(false),
                    Integration::OneTrust => None,
                },
                ..ReadState::default()
            },
            entitlements: None,
        }
    }

    /// What the account at `row` holds, named by the catalogue (nothing when not kept).
    pub fn held(&self, row: usize) -> Vec<crate::entitlements::Held<'_>> {
        let Some(e) = &self.entitlements else {
            return Vec::new();
        };
        let mut buf = Vec::new();
        e.held_by(self.text(row, &mut buf).id)
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Adds `u`, who holds `entitlements`. `false` once the cap is reached (nothing added).
    pub fn push(&mut self, u: &User, entitlements: u32) -> std::io::Result<bool> {
        if self.accounts.len() >= MAX_ACCOUNTS {
            self.state.capped = true;
            return Ok(false);
        }
        let key = person_key(&u.email, &u.login);
        let digest = if key.is_empty() {
            // Nothing to match on: a person of their own, whatever else is empty.
            let own = format!("\0{}\0{}\0{}", self.name, self.accounts.len(), u.id);
            digest(own.as_bytes())
        } else {
            digest(key.as_bytes())
        };
        let (last_login, mut marks, odd) = stamp(u.last_login.as_deref());
        let same = u.login == u.email;
        if same {
            marks |= MARK_SAME_LOGIN;
        }
        let mut fields = [""; 5];
        let mut n = 0;
        let kept = [
            Some(u.id.as_str()),
            (!same).then_some(u.login.as_str()),
            Some(u.email.as_str()),
            Some(u.name.as_str()),
            odd,
        ];
        for f in kept.into_iter().flatten() {
            if let Some(slot) = fields.get_mut(n) {
                *slot = f;
                n += 1;
            }
        }
        let text = self
            .texts
            .put(fields.get(..n).unwrap_or(&[]), &mut self.scratch)?;
        self.accounts.push(Account {
            text,
            last_login,
            entitlements,
            status: u.status,
            flags: 0,
            marks,
        });
        self.digests.push(digest);
        Ok(true)
    }

    /// Done adding: the text is readable from here on.
    pub fn seal(&mut self) -> std::io::Result<()> {
        self.accounts.shrink_to_fit();
        self.digests.shrink_to_fit();
        self.texts.seal()
    }

    /// Bytes this part holds in memory (numbers, digests and in-memory text).
    pub fn bytes(&self) -> usize {
        self.accounts.capacity() * std::mem::size_of::<Account>()
            + self.digests.capacity() * 16
            + self.entitlements.as_ref().map_or(0, Entitlements::bytes)
            + self.texts.bytes()
    }

    fn text<'b>(&self, row: usize, buf: &'b mut Vec<u8>) -> AccountText<'b> {
        let Some(a) = self.accounts.get(row) else {
            buf.clear();
            return AccountText::default();
        };
        let end = self
            .accounts
            .get(row + 1)
            .map_or_else(|| self.texts.end(), |n| n.text);
        self.texts.read(
            a.text,
            end,
            texts::Layout {
                same_login: a.marks & MARK_SAME_LOGIN != 0,
                odd: a.marks & MARK_ODD_TEXT != 0,
            },
            buf,
        )
    }
}

/// A last login as milliseconds, with marks; the text when it does not read back exactly
/// (the users store's reading, `store::timestamp`).
fn stamp(raw: Option<&str>) -> (i64, u8, Option<&str>) {
    let Some(text) = raw else {
        return (NO_TIME, 0, None);
    };
    match store::timestamp(raw) {
        (ms, Some(true)) => (ms, MARK_MILLIS, None),
        (ms, Some(false)) => (ms, 0, None),
        (ms, None) => (ms, MARK_ODD_TEXT, Some(text)),
    }
}

/// How many people carry each flag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlagCounts {
    sure: [u64; 4],
    unsure: [u64; 4],
}

impl FlagCounts {
    /// People who carry `f` for sure.
    pub fn of(&self, f: Flag) -> u64 {
        self.sure.get(f as usize).copied().unwrap_or(0)
    }

    /// People who may carry `f`: what was not read could change it.
    pub fn unsure(&self, f: Flag) -> u64 {
        self.unsure.get(f as usize).copied().unwrap_or(0)
    }
}

/// Every profile's accounts, joined person by person, with their flags.
#[derive(Debug)]
pub struct Identities {
    parts: Vec<Part>,
    /// Where each part's accounts start in the global numbering.
    starts: Vec<u32>,
    /// Accounts (global numbers) grouped by person, each group in profile then list order.
    members: Vec<u32>,
    /// Person `p`'s accounts: `members[offsets[p]..offsets[p + 1]]`.
    offsets: Vec<u32>,
    /// Each person's flags: sure in the low four bits, unsure in the high four.
    flags: Vec<u8>,
    counts: FlagCounts,
    pub dormant_days: u32,
    pub now: OffsetDateTime,
}

/// The flags settings a join uses.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub now: OffsetDateTime,
    pub dormant_days: u32,
}

impl Rules {
    pub fn new(now: OffsetDateTime, dormant_days: u32) -> Self {
        Self { now, dormant_days }
    }

    /// Before this (milliseconds since 1970), an active account's last login is dormant.
    fn edge(&self) -> i64 {
        let edge = self.now - time::Duration::days(i64::from(self.dormant_days));
        i64::try_from(edge.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MIN)
    }
}

/// Joins the parts person by person and flags them. Identity providers come first, then the
/// application sources, each in the order given: a person's accounts are listed in that
/// order, and people in the order they first appear (so by their identity-provider account).
pub fn join(mut parts: Vec<Part>, rules: Rules) -> Identities {
    parts.sort_by_key(|p| Role::of(p.integration) != Role::IdentityProvider);
    let mut starts = Vec::with_capacity(parts.len());
    let mut total = 0u32;
    for p in &parts {
        starts.push(total);
        total = total.saturating_add(u32::try_from(p.len()).unwrap_or(u32::MAX));
    }
    // Every digest with its account, sorted: a person is a run of equal digests. The parts'
    // own digests are freed as they are taken.
    let mut keyed: Vec<([u64; 2], u32)> = Vec::with_capacity(total as usize);
    for (p, start) in parts.iter_mut().zip(&starts) {
        let digests = std::mem::take(&mut p.digests);
        keyed.extend(
            digests
                .into_iter()
                .enumerate()
                .map(|(i, d)| (d, start + i as u32)),
        );
    }
    keyed.sort_unstable();
    // A person's number is the order of their first account.
    let mut run_of = vec![0u32; total as usize];
    let mut runs = 0u32;
    let mut last: Option<[u64; 2]> = None;
    for (d, a) in &keyed {
        if last != Some(*d) {
            runs += 1;
            last = Some(*d);
        }
        if let Some(slot) = run_of.get_mut(*a as usize) {
            *slot = runs - 1;
        }
    }
    drop(keyed);
    let mut number = vec![u32::MAX; runs as usize];
    let mut people = 0u32;
    let mut sizes: Vec<u32> = Vec::with_capacity(runs as usize);
    for r in &mut run_of {
        let Some(n) = number.get_mut(*r as usize) else {
            continue;
        };
        if *n == u32::MAX {
            *n = people;
            people += 1;
            sizes.push(0);
        }
        *r = *n;
        if let Some(s) = sizes.get_mut(*n as usize) {
            *s += 1;
        }
    }
    drop(number);
    let mut offsets = Vec::with_capacity(people as usize + 1);
    let mut at = 0u32;
    offsets.push(0);
    for s in &sizes {
        at += s;
        offsets.push(at);
    }
    let mut fill: Vec<u32> = offsets.iter().take(people as usize).copied().collect();
    let mut members = vec![0u32; total as usize];
    for (a, p) in run_of.iter().enumerate() {
        if let Some(slot) = fill.get_mut(*p as usize) {
            if let Some(m) = members.get_mut(*slot as usize) {
                *m = a as u32;
            }
            *slot += 1;
        }
    }
    drop(fill);
    drop(run_of);
    let mut ids = Identities {
        parts,
        starts,
        members,
        offsets,
        flags: vec![0; people as usize],
        counts: FlagCounts::default(),
        dormant_days: rules.dormant_days,
        now: rules.now,
    };
    ids.flag(rules);
    ids
}

/// The most profiles one person's accounts are judged across at once without allocating.
const INLINE_PROFILES: usize = 16;

impl Identities {
    fn locate(&self, global: u32) -> (usize, usize) {
        let p = self
            .starts
            .partition_point(|s| *s <= global)
            .saturating_sub(1);
        let start = self.starts.get(p).copied().unwrap_or(0);
        (p, (global - start) as usize)
    }

    /// Computes every account's and person's flags.
    fn flag(&mut self, rules: Rules) {
        let edge = rules.edge();
        let idp_read = self
            .parts
            .iter()
            .any(|p| Role::of(p.integration) == Role::IdentityProvider);
        // An orphan is judged against every identity provider read: one not read whole could
        // hold the person, so an orphan is then unsure.
        let idp_whole = self
            .parts
            .iter()
            .filter(|p| Role::of(p.integration) == Role::IdentityProvider)
            .all(|p| p.state.users_complete);
        let mut counts = FlagCounts::default();
        let people = self.flags.len();
        let mut left_in: Vec<usize> = Vec::with_capacity(INLINE_PROFILES);
        for person in 0..people {
            let (from, to) = (
                self.offsets.get(person).copied().unwrap_or(0) as usize,
                self.offsets.get(person + 1).copied().unwrap_or(0) as usize,
            );
            // Profiles where this person is deactivated in an identity provider: accounts
            // there, at least one DEPROVISIONED and none active.
            left_in.clear();
            let mut in_idp = false;
            let mut i = from;
            while i < to {
                let Some((p, _)) = self.members.get(i).map(|g| self.locate(*g)) else {
                    break;
                };
                let mut j = i;
                let (mut gone, mut active) = (false, false);
                while j < to {
                    let Some(&g) = self.members.get(j) else { break };
                    let (q, row) = self.locate(g);
                    if q != p {
                        break;
                    }
                    if let Some(part) = self.parts.get(q)
                        && let Some(a) = part.accounts.get(row)
                        && Role::of(part.integration) == Role::IdentityProvider
                    {
                        in_idp = true;
                        gone |= a.status == UserStatus::Deprovisioned;
                        active |= is_active(part.integration, a.status);
                    }
                    j += 1;
                }
                if gone && !active {
                    left_in.push(p);
                }
                i = j.max(i + 1);
            }
            let mut person_flags = 0u8;
            for k in from..to {
                let Some(&g) = self.members.get(k) else { break };
                let (p, row) = self.locate(g);
                let Some(part) = self.parts.get_mut(p) else {
                    continue;
                };
                let integration = part.integration;
                let Some(a) = part.accounts.get_mut(row) else {
                    continue;
                };
                let (mut sure, mut unsure) = (Flags::default(), Flags::default());
                if is_active(integration, a.status) {
                    match a.last_login {
                        NO_TIME => sure = sure.with(Flag::NeverLoggedIn),
                        ODD_TIME => unsure = unsure.with(Flag::Dormant),
                        t if t < edge => sure = sure.with(Flag::Dormant),
                        _ => {}
                    }
                    if left_in.iter().any(|q| *q != p) {
                        sure = sure.with(Flag::LeaverWithAccess);
                    }
                    if Role::of(integration) == Role::Application && idp_read && !in_idp {
                        if idp_whole {
                            sure = sure.with(Flag::Orphan);
                        } else {
                            unsure = unsure.with(Flag::Orphan);
                        }
                    }
                }
                a.flags = sure.0 | (unsure.without(sure).0 << 4);
                person_flags |= a.flags;
            }
            let sure = Flags(person_flags & 0x0f);
            let unsure = Flags(person_flags >> 4).without(sure);
            if let Some(f) = self.flags.get_mut(person) {
                *f = sure.0 | (unsure.0 << 4);
            }
            for f in sure.iter() {
                if let Some(c) = counts.sure.get_mut(f as usize) {
                    *c += 1;
                }
            }
            for f in unsure.iter() {
                if let Some(c) = counts.unsure.get_mut(f as usize) {
                    *c += 1;
                }
            }
        }
        self.counts = counts;
    }

    /// People.
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    /// Accounts, every profile's.
    pub fn accounts(&self) -> usize {
        self.members.len()
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    pub fn counts(&self) -> FlagCounts {
        self.counts
    }

    /// Person `p`, if there is one.
    pub fn person(&self, p: usize) -> Option<Person<'_>> {
        let flags = *self.flags.get(p)?;
        let from = *self.offsets.get(p)? as usize;
        let to = *self.offsets.get(p + 1)? as usize;
        Some(Person {
            ids: self,
            index: p,
            members: self.members.get(from..to)?,
            flags: Flags(flags & 0x0f),
            unsure: Flags(flags >> 4),
        })
    }

    pub fn people(&self) -> impl Iterator<Item = Person<'_>> {
        (0..self.len()).filter_map(|p| self.person(p))
    }

    /// What the view and every export say before anyone is trusted: profiles not read whole,
    /// flags that could not be judged, entitlements not all visible.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let idps: Vec<&Part> = self
            .parts
            .iter()
            .filter(|p| Role::of(p.integration) == Role::IdentityProvider)
            .collect();
        if idps.is_empty() {
            out.push(
                "no identity provider (Okta profile) was read: orphans and leavers cannot be told"
                    .to_string(),
            );
        }
        for p in &self.parts {
            if !p.state.users_complete {
                let why = match (&p.state.failure, p.state.capped) {
                    (Some(f), _) => format!("reading failed ({})", f.code),
                    (None, true) => format!(
                        "stopped at {} accounts",
                        crate::text::thousands(MAX_ACCOUNTS as u64)
                    ),
                    (None, false) => "reading stopped".to_string(),
                };
                let depends = match Role::of(p.integration) {
                    Role::IdentityProvider => "orphans are unsure and leavers may be missing",
                    Role::Application => "flags of its accounts not read are missing",
                };
                out.push(format!("{}: not all users read ({why}): {depends}", p.name));
            }
            if p.state.entitlements_complete == Some(false) && p.state.users_complete {
                out.push(format!(
                    "{}: entitlements not all read: counts are partial",
                    p.name
                ));
            }
        }
        // What was read narrowly comes last: what was not read at all matters more.
        for p in &self.parts {
            for c in &p.state.caveats {
                out.push(format!("{}: {c}", p.name));
            }
        }
        out
    }

    /// Whether everything asked for was read: no flag is unsure for want of data.
    pub fn complete(&self) -> bool {
        self.parts
            .iter()
            .all(|p| p.state.users_complete && p.state.entitlements_complete != Some(false))
    }
}

/// One person across the profiles.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    ids: &'a Identities,
    pub index: usize,
    members: &'a [u32],
    /// Sure flags: the union of the accounts'.
    pub flags: Flags,
    /// Flags that could not be judged for want of data (never also in `flags`).
    pub unsure: Flags,
}

impl<'a> Person<'a> {
    pub fn accounts(&self) -> impl Iterator<Item = AccountRef<'a>> + 'a {
        let ids = self.ids;
        self.members.iter().filter_map(move |g| {
            let (p, row) = ids.locate(*g);
            let part = ids.parts.get(p)?;
            let a = part.accounts.get(row)?;
            Some(AccountRef {
                part,
                row,
                account: *a,
                dormant_days: ids.dormant_days,
            })
        })
    }

    pub fn account_count(&self) -> usize {
        self.members.len()
    }

    /// The account whose email and name stand for the person: the first in an identity
    /// provider, else the first.
    pub fn lead(&self) -> Option<AccountRef<'a>> {
        self.accounts()
            .find(|a| Role::of(a.part.integration) == Role::IdentityProvider)
            .or_else(|| self.accounts().next())
    }

    /// The person's address as matched (normalised) and name, read into `buf`.
    pub fn email_and_name(&self, buf: &mut Vec<u8>) -> (String, String) {
        match self.lead() {
            Some(a) => {
                let t = a.text(buf);
                (
                    person_key(t.email, t.login).into_owned(),
                    t.name.to_string(),
                )
            }
            None => (String::new(), String::new()),
        }
    }

    /// Whether the person carries `f`, for sure or, with `unsure`, maybe.
    pub fn carries(&self, f: Flag, unsure: bool) -> bool {
        self.flags.has(f) || (unsure && self.unsure.has(f))
    }
}

/// One account of a person.
#[derive(Debug, Clone, Copy)]
pub struct AccountRef<'a> {
    part: &'a Part,
    row: usize,
    account: Account,
    dormant_days: u32,
}

impl<'a> AccountRef<'a> {
    pub fn profile(&self) -> &'a str {
        &self.part.name
    }

    pub fn integration(&self) -> Integration {
        self.part.integration
    }

    pub fn role(&self) -> Role {
        Role::of(self.part.integration)
    }

    pub fn status(&self) -> UserStatus {
        self.account.status
    }

    pub fn active(&self) -> bool {
        is_active(self.part.integration, self.account.status)
    }

    pub fn entitlements(&self) -> u32 {
        self.account.entitlements
    }

    pub fn flags(&self) -> Flags {
        Flags(self.account.flags & 0x0f)
    }

    pub fn unsure(&self) -> Flags {
        Flags(self.account.flags >> 4)
    }

    pub fn dormant_days(&self) -> u32 {
        self.dormant_days
    }

    /// The account's row in its profile's list.
    pub fn row(&self) -> usize {
        self.row
    }

    /// The part it came from.
    pub fn part(&self) -> &'a Part {
        self.part
    }

    /// What it holds, when the entitlements were kept (a view).
    pub fn held(&self) -> Vec<crate::entitlements::Held<'a>> {
        self.part.held(self.row)
    }

    pub fn text<'b>(&self, buf: &'b mut Vec<u8>) -> AccountText<'b> {
        self.part.text(self.row, buf)
    }

    /// The last login as RFC 3339, as the vendor wrote it when it was not in UTC.
    pub fn last_login(&self, buf: &mut Vec<u8>) -> Option<String> {
        if self.account.marks & MARK_ODD_TEXT != 0 {
            return self.text(buf).last_login_text.map(str::to_string);
        }
        match self.account.last_login {
            NO_TIME => None,
            ms => store::rfc3339(ms, self.account.marks & MARK_MILLIS != 0),
        }
    }

    /// Milliseconds since 1970, when the last login is a time.
    pub fn last_login_ms(&self) -> Option<i64> {
        match self.account.last_login {
            NO_TIME | ODD_TIME => None,
            ms => Some(ms),
        }
    }
}

#[cfg(test)]
mod tests;
