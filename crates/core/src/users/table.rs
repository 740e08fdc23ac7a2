//! The users table: the store plus what is shown of it, filtered and sorted.
//!
//! Filtering keeps a stack of views, one per filter typed on the way: typing one more
//! character narrows the top view; deleting one goes back to the view below, which is already
//! there. A filter that is neither rescans: a SIMD substring search over each chunk's search
//! text, on every core, without a lower-case copy of anything.
//!
//! Sorting a view keyed by an 8-byte prefix (or the number itself) is quick, but a million rows
//! take longer than a frame, so a large sort is a `SortJob` the face runs on another thread;
//! rows arriving meanwhile wait at the end of the view and are merged in by the next job.

use std::cmp::Ordering;

use memchr::memmem::Finder;

use super::store::{CHUNK_ROWS, Chunk, FIELD_END, ROW_END, StoreSnapshot, UserRef, UserStore};
use super::{Column, User, UserStatus};
use crate::integration::Integration;

/// Sorts up to this many rows at once on the caller's thread (a few milliseconds).
const INLINE_SORT: usize = 20_000;
/// Merging a few new rows into a sorted view is linear: done at once up to this many.
const INLINE_MERGE: usize = 50_000;
/// Filters remembered for going back.
const MAX_LEVELS: usize = 24;
/// A view bigger than this share of all rows is filtered by scanning whole chunks.
const SCAN_SHARE: usize = 8;

#[derive(Debug)]
struct Level {
    /// The filter, in lower case.
    needle: String,
    view: Vec<u32>,
    /// Rows of the store this view has considered (the rest arrived since).
    seen: usize,
    /// `view[..sorted]` is in the table's order; the rest arrived since.
    sorted: usize,
    /// Changes when the view is replaced or `sort_by` asks for another order: a sort of an
    /// older one is stale.
    id: u64,
}

#[derive(Debug, Default)]
pub struct UserTable {
    store: UserStore,
    levels: Vec<Level>,
    filter: String,
    sort: Option<(Column, bool)>,
    /// The sort job that is out, if any: only its result frees the way for the next, so at
    /// most one runs whatever the admin presses meanwhile.
    out: Option<u64>,
    sources: Vec<Integration>,
    widest_status: usize,
    /// What `group:`, `app:`, `role:` and `access:` terms look in.
    entitlements: Option<std::sync::Arc<crate::entitlements::Entitlements>>,
    /// Per catalogue entry, the rows that hold it (ascending), for rows `0..indexed`: "who
    /// holds this?" answered from a list instead of a lookup per row.
    holders: Vec<Vec<u32>>,
    indexed: usize,
}

/// A sort to run away from the UI thread: `run` it anywhere, hand the result to `sorted`.
#[derive(Debug)]
pub struct SortJob {
    job: u64,
    store: StoreSnapshot,
    view: Vec<u32>,
    sorted: usize,
    column: Column,
    ascending: bool,
    level: u64,
}

#[derive(Debug)]
pub struct Sorted {
    job: u64,
    view: Vec<u32>,
    column: Column,
    ascending: bool,
    level: u64,
}

/// What the table shows, as it is now: for writing it out on another thread.
#[derive(Debug, Clone, Default)]
pub struct ShownUsers {
    store: StoreSnapshot,
    view: Vec<u32>,
}

impl ShownUsers {
    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = UserRef<'_>> {
        self.view.iter().filter_map(|&i| self.store.get(i as usize))
    }
}

impl UserTable {
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Whether the users come from more than one source (else a Source column says nothing).
    pub fn mixed_sources(&self) -> bool {
        self.sources.len() > 1
    }

    /// The longest status text among the users.
    pub fn widest_status(&self) -> usize {
        self.widest_status
    }

    fn top(&self) -> Option<&Level> {
        self.levels.last()
    }

    fn view(&self) -> &[u32] {
        self.top().map_or(&[], |l| &l.view)
    }

    pub fn shown(&self) -> usize {
        self.view().len()
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn sort(&self) -> Option<(Column, bool)> {
        self.sort
    }

    /// Whether the shown rows are still being put in order.
    pub fn sorting(&self) -> bool {
        self.out.is_some()
            || self
                .top()
                .is_some_and(|t| self.sort.is_some() && t.sorted < t.view.len())
    }

    /// Where the row with store index `user` is in the view (to keep a selection on it).
    pub fn position_of(&self, user: u32) -> Option<usize> {
        self.view().iter().position(|&i| i == user)
    }

    /// The store index of the `i`-th row of the view.
    pub fn user_at(&self, i: usize) -> Option<u32> {
        self.view().get(i).copied()
    }

    /// The `i`-th row of the view.
    pub fn row(&self, i: usize) -> Option<UserRef<'_>> {
        self.store.get(*self.view().get(i)? as usize)
    }

    /// Rows `start..end` of the view, for drawing only what is on screen.
    pub fn rows(&self, start: usize, end: usize) -> impl Iterator<Item = UserRef<'_>> {
        let view = self.view();
        let end = end.min(view.len());
        let start = start.min(end);
        view[start..end]
            .iter()
            .filter_map(|&i| self.store.get(i as usize))
    }

    /// The rows shown, in order, as they are now.
    pub fn shown_users(&self) -> ShownUsers {
        ShownUsers {
            store: self.store.snapshot(),
            view: self.view().to_vec(),
        }
    }

    pub fn push(&mut self, batch: Vec<User>) {
        for u in &batch {
            if !self.sources.contains(&u.source) {
                self.sources.push(u.source);
            }
            self.widest_status = self.widest_status.max(u.status.as_str().len());
            self.store.push(u);
        }
        if self.levels.is_empty() {
            let id = fresh_id();
            self.levels.push(Level {
                needle: String::new(),
                view: Vec::new(),
                seen: 0,
                sorted: 0,
                id,
            });
        }
        self.index_holders();
        self.catch_up();
        self.settle();
    }

    /// Files the rows not yet indexed under what they hold: counted first, so each list is
    /// made at its size (a million rows' lists grown by doubling kept up to twice the room).
    fn index_holders(&mut self) {
        let Some(e) = &self.entitlements else {
            return;
        };
        self.holders.resize_with(e.all().len(), Vec::new);
        let mut more = vec![0u32; self.holders.len()];
        for i in self.indexed..self.store.len() {
            let Some(user) = self.store.get(i) else {
                continue;
            };
            e.holds(user.id(), |g| {
                if let Some(n) = more.get_mut(g.entitlement as usize) {
                    *n += 1;
                }
                false
            });
        }
        // Rows that come later (a page after the entitlements) grow the lists as usual.
        let first = self.indexed == 0;
        for (rows, n) in self.holders.iter_mut().zip(&more) {
            if first {
                rows.reserve_exact(*n as usize);
            } else {
                rows.reserve(*n as usize);
            }
        }
        for i in self.indexed..self.store.len() {
            let Some(user) = self.store.get(i) else {
                continue;
            };
            e.holds(user.id(), |g| {
                if let Some(rows) = self.holders.get_mut(g.entitlement as usize) {
                    rows.push(i as u32);
                }
                false
            });
        }
        self.indexed = self.store.len();
    }

    /// The rows that hold what `m`'s terms name: for each term the rows holding any entry it
    /// names (`held:#N` one, `app:sales` every app whose name says so), all terms together.
    fn holders_of(&self, m: &Matcher) -> Hits {
        let len = self.store.len();
        let Some(e) = &self.entitlements else {
            return Hits::of(&[], len);
        };
        let mut terms: Vec<Vec<u32>> = Vec::new();
        if let Some(n) = m.exact {
            terms.push(vec![n]);
        }
        for (kind, needle) in &m.held {
            terms.push(e.matching(*kind, needle));
        }
        let mut all: Option<Hits> = None;
        for entries in terms {
            let rows: Vec<u32> = entries
                .iter()
                .filter_map(|n| self.holders.get(*n as usize))
                .flatten()
                .copied()
                .collect();
            let hits = Hits::of(&rows, len);
            all = Some(match all {
                None => hits,
                Some(before) => before.and(&hits),
            });
        }
        all.unwrap_or_else(|| Hits::of(&[], len))
    }

    /// Adds the rows that arrived since the top view was made, if they match.
    fn catch_up(&mut self) {
        let Some(top) = self.levels.last_mut() else {
            return;
        };
        let len = self.store.len();
        if top.seen < len {
            let m = Matcher::new(&top.needle, self.entitlements.clone());
            let new = (top.seen..len).filter(|&i| m.row(&self.store, i));
            top.view.extend(new.map(|i| i as u32));
            top.seen = len;
        }
    }

    /// The entitlements the filter's terms look in, as they grow while loading: views that
    /// depend on them are made again.
    pub fn set_entitlements(&mut self, e: std::sync::Arc<crate::entitlements::Entitlements>) {
        self.entitlements = Some(e);
        self.holders.clear();
        self.indexed = 0;
        self.index_holders();
        let terms = Terms::parse(&self.filter.to_lowercase());
        if terms.held.is_empty() && terms.exact.is_none() {
            return;
        }
        self.levels.truncate(1);
        let filter = std::mem::take(&mut self.filter);
        if let Some(base) = self.levels.first_mut() {
            base.needle.clear();
        }
        self.set_filter(&filter);
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        let needle = crate::text::folded(filter);
        // Back to the widest view this filter narrows. A term is not narrowed by text that
        // contains it (`held:#12` is not within `held:#1`'s holders): from the full view.
        let termed = needle.contains(':');
        while self.levels.last().is_some_and(|l| {
            !needle.contains(l.needle.as_str())
                || (termed && !l.needle.is_empty() && l.needle != needle)
        }) {
            self.levels.pop();
        }
        if self.levels.is_empty() {
            let id = fresh_id();
            self.levels.push(Level {
                needle: String::new(),
                view: (0..self.store.len() as u32).collect(),
                seen: self.store.len(),
                sorted: 0,
                id,
            });
        }
        self.catch_up();
        let Some(base) = self.levels.last() else {
            return;
        };
        if base.needle != needle {
            let m = Matcher::new(&needle, self.entitlements.clone());
            // A wide view is filtered by scanning whole chunks; a narrow one row by row (and
            // any view by entitlement terms, which look up each row's user).
            let termed_only = m.all && m.status_term.is_none();
            let hits = if termed_only && (m.exact.is_some() || !m.held.is_empty()) {
                // Who holds what: from the index of rows by entitlement.
                Some(self.holders_of(&m))
            } else {
                (m.held.is_empty()
                    && m.exact.is_none()
                    && m.status_term.is_none()
                    && base.view.len() > self.store.len() / SCAN_SHARE)
                    .then(|| m.scan(self.store.chunks()))
            };
            let keep = |i: &u32| match &hits {
                Some(hits) => hits.get(*i as usize),
                None => m.row(&self.store, *i as usize),
            };
            let sorted = base.view[..base.sorted].iter().filter(|i| keep(i)).count();
            let view: Vec<u32> = base.view.iter().copied().filter(|i| keep(i)).collect();
            if self.levels.len() >= MAX_LEVELS {
                self.levels.remove(1);
            }
            let id = fresh_id();
            self.levels.push(Level {
                needle,
                view,
                seen: self.store.len(),
                sorted,
                id,
            });
        }
        self.settle();
    }

    /// Sorts by `column`; the same column again flips the direction.
    pub fn sort_by(&mut self, column: Column) {
        self.sort = match self.sort {
            Some((c, asc)) if c == column => Some((c, !asc)),
            _ => Some((column, true)),
        };
        // Every remembered view is in the old order now: each is sorted again when shown.
        for level in &mut self.levels {
            level.sorted = 0;
            level.id = fresh_id();
        }
        self.settle();
    }

    /// Sorts at once what is quick to sort.
    fn settle(&mut self) {
        let Some(top) = self.top() else {
            return;
        };
        let (len, tail) = (top.view.len(), top.view.len() - top.sorted);
        let quick = len <= INLINE_SORT || (tail <= CHUNK_ROWS && len <= INLINE_MERGE);
        if self.out.is_none()
            && quick
            && let Some(job) = self.sort_job()
        {
            let done = job.run();
            self.sorted(done);
        }
    }

    /// The sort the view needs, if any, to run anywhere; none while another is out.
    pub fn sort_job(&mut self) -> Option<SortJob> {
        if self.out.is_some() {
            return None;
        }
        let (column, ascending) = self.sort?;
        let top = self.top()?;
        if top.sorted >= top.view.len() {
            return None;
        }
        let job = SortJob {
            job: fresh_id(),
            store: self.store.snapshot(),
            view: top.view.clone(),
            sorted: top.sorted,
            column,
            ascending,
            level: top.id,
        };
        self.out = Some(job.job);
        Some(job)
    }

    /// Takes a finished sort. One of a view that has changed since (another filter, another
    /// column, another table) is dropped; a new `sort_job` answers for the view as it is.
    pub fn sorted(&mut self, done: Sorted) {
        if self.out != Some(done.job) {
            return;
        }
        self.out = None;
        if self.sort != Some((done.column, done.ascending)) {
            return;
        }
        let Some(top) = self.levels.last_mut() else {
            return;
        };
        // Rows only ever join a view at its end, so a result covers a prefix of it.
        let n = done.view.len();
        if top.id != done.level || n > top.view.len() || n < top.sorted {
            return;
        }
        let arrived = top.view.split_off(n);
        top.sorted = n;
        top.view = done.view;
        top.view.extend(arrived);
    }
}

impl SortJob {
    pub fn run(self) -> Sorted {
        let SortJob {
            job,
            store,
            mut view,
            sorted,
            column,
            ascending,
            level,
        } = self;
        let order = Order {
            store: &store,
            column,
            ascending,
        };
        let mut tail: Vec<(u64, u32)> = view[sorted..].iter().map(|&i| (order.key(i), i)).collect();
        tail.sort_unstable_by(|a, b| order.cmp(a, b));
        if sorted == 0 {
            view = tail.into_iter().map(|(_, i)| i).collect();
        } else {
            let mut merged = Vec::with_capacity(view.len());
            let mut head = view[..sorted].iter().map(|&i| (order.key(i), i)).peekable();
            let mut tail = tail.into_iter().peekable();
            loop {
                let next = match (head.peek(), tail.peek()) {
                    (Some(h), Some(t)) if order.cmp(h, t) != Ordering::Greater => head.next(),
                    (_, Some(_)) => tail.next(),
                    (Some(_), None) => head.next(),
                    (None, None) => break,
                };
                if let Some((_, i)) = next {
                    merged.push(i);
                }
            }
            view = merged;
        }
        Sorted {
            job,
            view,
            column,
            ascending,
            level,
        }
    }
}

/// Compares rows by a column: first by a number that orders like the column (a text's first
/// eight bytes), then by the whole text, then by arrival.
struct Order<'a> {
    store: &'a StoreSnapshot,
    column: Column,
    ascending: bool,
}

impl Order<'_> {
    fn key(&self, i: u32) -> u64 {
        let Some(u) = self.store.get(i as usize) else {
            return 0;
        };
        match self.column {
            Column::Name => prefix(u.folded_name()),
            Column::Login => prefix(u.folded_login()),
            Column::Status => u.status() as u64,
            Column::LastLogin => (u.last_login_ms() as u64) ^ (1 << 63),
            Column::Source => prefix(u.source().id()),
        }
    }

    fn cmp(&self, a: &(u64, u32), b: &(u64, u32)) -> Ordering {
        let mut o = a.0.cmp(&b.0);
        // Only text longer than its key can tie on the key and still differ.
        if o == Ordering::Equal && matches!(self.column, Column::Name | Column::Login) {
            o = self.text(a.1).cmp(self.text(b.1));
        }
        let o = o.then(a.1.cmp(&b.1));
        if self.ascending { o } else { o.reverse() }
    }

    fn text(&self, i: u32) -> &str {
        let Some(u) = self.store.get(i as usize) else {
            return "";
        };
        match self.column {
            Column::Login => u.folded_login(),
            _ => u.folded_name(),
        }
    }
}

/// Unique across tables: a sort of a table since closed never fits a new one.
fn fresh_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn prefix(text: &str) -> u64 {
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(text.bytes()) {
        *k = b;
    }
    u64::from_be_bytes(key)
}

/// A filter's words: `status:`, `group:`, `app:`, `role:` and `access:` terms, and the plain
/// text left over.
struct Terms {
    plain: String,
    status: Option<String>,
    held: Vec<(crate::entitlements::Kind, String)>,
    /// `held:#N`: holders of catalogue entry N exactly (the entitlements view's Enter).
    exact: Option<u32>,
}

/// The filter term that shows exactly the holders of catalogue entry `entitlement`.
pub fn holders_filter(entitlement: u32) -> String {
    format!("held:#{entitlement}")
}

impl Terms {
    fn parse(needle: &str) -> Terms {
        use crate::entitlements::Kind;
        let mut plain = Vec::new();
        let mut status = None;
        let mut held = Vec::new();
        let mut exact = None;
        for word in needle.split_whitespace() {
            if let Some(n) = word.strip_prefix("held:#").and_then(|n| n.parse().ok()) {
                exact = Some(n);
                continue;
            }
            let kind = word.split_once(':').and_then(|(k, v)| {
                let kind = match k {
                    "status" => None,
                    "group" => Some(Kind::Group),
                    "app" => Some(Kind::App),
                    "role" => Some(Kind::Role),
                    "access" | "level" => Some(Kind::AccessLevel),
                    _ => return None,
                };
                Some((kind, v))
            });
            match kind {
                Some((None, v)) => status = Some(v.to_string()),
                Some((Some(k), v)) => held.push((k, v.to_string())),
                None => plain.push(word),
            }
        }
        Terms {
            plain: plain.join(" "),
            status,
            held,
            exact,
        }
    }
}

/// Whether a row matches a filter: its name, email or login contains the plain text (any
/// case, diacritics folded), or its status starts with it (`active` is not `INACTIVE`); and
/// every term holds (`status:deprovisioned`, `group:finance` — a group whose name contains
/// "finance").
struct Matcher {
    finder: Option<Finder<'static>>,
    statuses: Vec<UserStatus>,
    all: bool,
    status_term: Option<Vec<UserStatus>>,
    held: Vec<(crate::entitlements::Kind, String)>,
    exact: Option<u32>,
    entitlements: Option<std::sync::Arc<crate::entitlements::Entitlements>>,
}

impl Matcher {
    fn new(
        needle: &str,
        entitlements: Option<std::sync::Arc<crate::entitlements::Entitlements>>,
    ) -> Self {
        let terms = Terms::parse(needle);
        let needle = terms.plain.as_str();
        // A separator in a needle would match across fields: nothing holds one.
        let impossible = needle.bytes().any(|b| b == FIELD_END || b == ROW_END);
        let statuses_starting = |text: &str| -> Vec<UserStatus> {
            UserStatus::ALL
                .into_iter()
                .filter(|s| s.as_str().to_lowercase().starts_with(text))
                .collect()
        };
        Self {
            finder: (!impossible).then(|| Finder::new(needle.as_bytes()).into_owned()),
            statuses: statuses_starting(needle),
            all: needle.is_empty(),
            status_term: terms.status.as_deref().map(statuses_starting),
            held: terms.held,
            exact: terms.exact,
            entitlements,
        }
    }

    fn status(&self, s: UserStatus) -> bool {
        self.statuses.contains(&s)
    }

    fn terms_hold(&self, store: &UserStore, i: usize) -> bool {
        if self.status_term.is_none() && self.held.is_empty() && self.exact.is_none() {
            return true;
        }
        let Some(user) = store.get(i) else {
            return false;
        };
        if let Some(s) = &self.status_term
            && !s.contains(&user.status())
        {
            return false;
        }
        if let Some(n) = self.exact
            && !self
                .entitlements
                .as_ref()
                .is_some_and(|e| e.holds(user.id(), |g| g.entitlement == n))
        {
            return false;
        }
        self.held.iter().all(|(kind, needle)| {
            self.entitlements
                .as_ref()
                .is_some_and(|e| e.user_matches(user.id(), *kind, needle))
        })
    }

    fn row(&self, store: &UserStore, i: usize) -> bool {
        if !self.terms_hold(store, i) {
            return false;
        }
        if self.all {
            return true;
        }
        let (chunk, r) = (&store.chunks()[i / CHUNK_ROWS], i % CHUNK_ROWS);
        self.status(chunk.status(r))
            || self
                .finder
                .as_ref()
                .is_some_and(|f| f.find(chunk.search_text(r)).is_some())
    }

    /// Every row that matches, as a bit set, scanning whole chunks on every core.
    fn scan(&self, chunks: &[std::sync::Arc<Chunk>]) -> Hits {
        let per_chunk = CHUNK_ROWS / 64;
        let mut bits = vec![0u64; chunks.len() * per_chunk];
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let share = chunks.len().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (chunks, bits) in chunks.chunks(share).zip(bits.chunks_mut(share * per_chunk)) {
                s.spawn(move || {
                    for (chunk, bits) in chunks.iter().zip(bits.chunks_mut(per_chunk)) {
                        self.scan_chunk(chunk, bits);
                    }
                });
            }
        });
        Hits { bits }
    }

    fn scan_chunk(&self, chunk: &Chunk, bits: &mut [u64]) {
        let mut set = |r: usize| {
            if let Some(w) = bits.get_mut(r / 64) {
                *w |= 1 << (r % 64);
            }
        };
        if self.all {
            (0..chunk.rows()).for_each(&mut set);
            return;
        }
        if !self.statuses.is_empty() {
            (0..chunk.rows())
                .filter(|&r| self.status(chunk.status(r)))
                .for_each(&mut set);
        }
        let Some(finder) = &self.finder else {
            return;
        };
        // Hits come in order, so the row of each is found by walking on, not searching.
        let (mut at, mut r) = (0, 0);
        while let Some(found) = chunk.search.get(at..).and_then(|h| finder.find(h)) {
            let hit = at + found;
            while r + 1 < chunk.rows() && chunk.search_start(r + 1) <= hit {
                r += 1;
            }
            set(r);
            // On to the next row: one hit is enough.
            at = chunk.search_end(r) + 1;
        }
    }
}

struct Hits {
    bits: Vec<u64>,
}

impl Hits {
    fn of(rows: &[u32], len: usize) -> Self {
        let mut bits = vec![0u64; len.div_ceil(64)];
        for &r in rows {
            if let Some(w) = bits.get_mut(r as usize / 64) {
                *w |= 1 << (r % 64);
            }
        }
        Hits { bits }
    }

    fn and(mut self, other: &Hits) -> Self {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= b;
        }
        self
    }

    fn get(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(i: u32) -> User {
        User {
            status: if i % 7 == 3 {
                UserStatus::LockedOut
            } else {
                UserStatus::Active
            },
            last_login: Some(format!("2026-01-{:02}T00:00:00Z", 1 + i % 28)),
            ..crate::users::tests::user(i)
        }
    }

    fn ids(t: &UserTable) -> Vec<String> {
        t.shown_users().iter().map(|u| u.id().to_string()).collect()
    }

    /// What the table must show, computed the slow, obvious way.
    fn expected(users: &[User], filter: &str, sort: Option<(Column, bool)>) -> Vec<String> {
        let f = crate::text::folded;
        let needle = f(filter).split_whitespace().collect::<Vec<_>>().join(" ");
        let mut shown: Vec<(usize, &User)> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                [&u.name, &u.email, &u.login]
                    .iter()
                    .any(|x| f(x).contains(&needle))
                    || u.status.as_str().to_lowercase().starts_with(&needle)
            })
            .collect();
        if let Some((c, asc)) = sort {
            shown.sort_by(|(ia, a), (ib, b)| {
                let o = match c {
                    Column::Name => f(&a.name).cmp(&f(&b.name)),
                    Column::Login => f(&a.login).cmp(&f(&b.login)),
                    Column::Status => a.status.cmp(&b.status),
                    Column::LastLogin => a.last_login.cmp(&b.last_login),
                    Column::Source => a.source.id().cmp(b.source.id()),
                }
                .then(ia.cmp(ib));
                if asc { o } else { o.reverse() }
            });
        }
        shown.into_iter().map(|(_, u)| u.id.clone()).collect()
    }

    #[test]
    fn terms_look_in_entitlements_and_statuses_match_whole_words() {
        use crate::entitlements::{Entitlement, Entitlements, Kind};
        let mut users: Vec<User> = (0..6).map(user).collect();
        users[1].status = UserStatus::Inactive;
        users[2].status = UserStatus::Deprovisioned;
        users[3].name = "Karen Spärck Jones".into();
        let mut t = UserTable::default();
        t.push(users.clone());
        t.set_filter("active");
        assert!(!ids(&t).contains(&users[1].id), "active is not INACTIVE");
        t.set_filter("sparck");
        assert_eq!(ids(&t), vec![users[3].id.clone()], "diacritics folded");
        t.set_filter("status:deprovisioned");
        assert_eq!(ids(&t), vec![users[2].id.clone()]);
        t.set_filter("group:fin");
        assert!(ids(&t).is_empty(), "no entitlements yet");
        let mut e = Entitlements::default();
        let g = e
            .intern(Entitlement {
                kind: Kind::Group,
                id: "00g1".into(),
                name: "Finance".into(),
                organization: None,
                detail: None,
            })
            .unwrap();
        e.grant(&users[4].id, g, None);
        e.grant(&users[2].id, g, None);
        t.set_entitlements(std::sync::Arc::new(e));
        assert_eq!(ids(&t).len(), 2, "the view is made again when they arrive");
        t.set_filter("group:fin status:deprovisioned");
        assert_eq!(ids(&t), vec![users[2].id.clone()]);
        t.set_filter("");
        assert_eq!(ids(&t).len(), 6);
    }

    #[test]
    fn table_filters_sorts_and_narrows() {
        let mut t = UserTable::default();
        t.push((0..10).map(user).collect());
        t.set_filter("U1");
        assert_eq!(t.shown(), 1, "case-insensitive substring");
        t.set_filter("");
        assert_eq!(t.shown(), 10);
        t.set_filter("user");
        t.set_filter("user, 9");
        assert_eq!(t.shown(), 1, "narrowed within the shown rows");
        t.set_filter("user");
        t.sort_by(Column::Name);
        t.sort_by(Column::Name);
        assert_eq!(
            t.row(0).unwrap().id(),
            "id9",
            "second press sorts descending"
        );
        // Users arriving later join the filtered, sorted view.
        t.set_filter("u1");
        t.push(vec![user(11), user(12), user(20)]);
        assert_eq!(ids(&t), ["id12", "id11", "id1"]);
        t.set_filter("locked");
        assert_eq!(ids(&t), ["id3"], "the status matches too");
    }

    #[test]
    fn big_tables_sort_off_the_callers_thread_and_take_late_rows() {
        let users: Vec<User> = (0..30_000).map(|i| user((i * 7919) % 30_011)).collect();
        let mut t = UserTable::default();
        t.push(users[..25_000].to_vec());
        t.sort_by(Column::Name);
        let job = t.sort_job().expect("a job for 25000 rows");
        assert!(t.sort_job().is_none(), "one job at a time");
        // Rows that arrive while it runs are not lost.
        t.push(users[25_000..].to_vec());
        t.sorted(job.run());
        while let Some(job) = t.sort_job() {
            t.sorted(job.run());
        }
        assert_eq!(ids(&t), expected(&users, "", Some((Column::Name, true))));
        // A job for a view that changed meanwhile is dropped, not applied.
        t.sort_by(Column::LastLogin);
        let stale = t.sort_job().expect("job");
        t.set_filter("9");
        t.sorted(stale.run());
        while let Some(job) = t.sort_job() {
            t.sorted(job.run());
        }
        assert_eq!(
            ids(&t),
            expected(&users, "9", Some((Column::LastLogin, true)))
        );
    }

    #[test]
    fn sorts_pressed_while_one_runs_never_duplicate_or_lose_rows() {
        let users: Vec<User> = (0..40_000).map(|i| user((i * 7919) % 40_009)).collect();
        let mut t = UserTable::default();
        t.push(users[..25_000].to_vec());
        t.sort_by(Column::Name);
        let first = t.sort_job().expect("a job");
        // The admin presses `s` twice more while it runs, and pages keep arriving.
        t.sort_by(Column::Login);
        assert!(
            t.sort_job().is_none(),
            "one job at a time, even for another column"
        );
        t.push(users[25_000..30_000].to_vec());
        t.sort_by(Column::Status);
        t.push(users[30_000..].to_vec());
        // A result from another table (or long gone) is not ours.
        let mut other = UserTable::default();
        other.push(users[..25_000].to_vec());
        other.sort_by(Column::Status);
        let foreign = other.sort_job().expect("job");
        t.sorted(foreign.run());
        assert!(t.sorting());
        t.sorted(first.run());
        while let Some(job) = t.sort_job() {
            t.sorted(job.run());
        }
        assert!(!t.sorting());
        assert_eq!(ids(&t), expected(&users, "", Some((Column::Status, true))));
    }

    #[test]
    fn every_filter_path_agrees_with_the_obvious_answer() {
        let users: Vec<User> = (0..3 * CHUNK_ROWS as u32 + 5).map(user).collect();
        let mut t = UserTable::default();
        t.push(users.clone());
        // Narrowing, scanning, widening back, a jump sideways, with and without a sort.
        for (filter, sort) in [
            ("1", None),
            ("12", None),
            ("12@", None),
            ("1", None),
            ("", Some(Column::Name)),
            ("3", None),
            ("34", None),
            ("lock", None),
            ("USER, 1", None),
            ("user, 12", Some(Column::Status)),
            ("user, 1", None),
            ("", None),
            ("zzz", None),
        ] {
            if let Some(c) = sort {
                t.sort_by(c);
                while let Some(job) = t.sort_job() {
                    t.sorted(job.run());
                }
            }
            t.set_filter(filter);
            while let Some(job) = t.sort_job() {
                t.sorted(job.run());
            }
            assert_eq!(ids(&t), expected(&users, filter, t.sort()), "{filter:?}");
        }
    }
}
