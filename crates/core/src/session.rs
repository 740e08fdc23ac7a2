//! Opening a profile for use: re-validate its stored settings, fetch its secret from the vault,
//! and build the connector. The connection test's `input` step and the users export both start
//! here, so they fail the same way.

use secrecy::{ExposeSecret, SecretString};

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use futures_util::StreamExt;

use crate::connector::{
    AnyConnector, Connector, ConnectorConfig, ConnectorError, Cursor, UsersPage, onetrust,
};
use crate::diagnose::{Failure, code};
use crate::http::{HttpClient, Notify};
use crate::profile::Profile;
use crate::secret::{SecretKey, SecretKind, SecretStoreError, Vault};
use crate::users::User;
use crate::validate::{self, Hostname};

pub struct Session {
    pub host: Hostname,
    pub connector: AnyConnector,
    pub http: HttpClient,
    /// One line for the `input` step.
    pub summary: String,
}

/// The keyring entry holding `profile`'s secret, bound to the profile's host.
pub fn secret_key(name: &str, profile: &Profile) -> SecretKey {
    entry_key(name, profile, &profile.secret_ref)
}

/// The keyring entry `secret_ref` of profile `name` (its secret, or a staged key), bound to
/// the profile's host: it is read back only while the profile names the host it was stored for.
pub fn entry_key(name: &str, profile: &Profile, secret_ref: &str) -> SecretKey {
    SecretKey::new(
        profile.integration,
        name,
        secret_ref,
        SecretKind::for_integration(profile.integration),
    )
    .for_host(&profile.host)
    .in_backend(profile.secret_store)
}

pub fn store_failure(e: SecretStoreError) -> Failure {
    let code = match e {
        SecretStoreError::HostChanged { .. } => code::SECRET_HOST_CHANGED,
        _ => code::SECRET_STORE_UNAVAILABLE,
    };
    Failure::new(code, e.to_string())
}

/// Where a run takes the profile's secret from: the keyring, or memory (a rotation tests its
/// candidate before anything is replaced).
#[derive(Clone)]
pub enum SecretSource<'a> {
    Vault(&'a Vault),
    Given {
        secret: SecretString,
        /// Named in the `input` step's detail.
        from: &'static str,
    },
}

impl SecretSource<'_> {
    async fn fetch(&self, name: &str, profile: &Profile) -> Result<SecretString, Failure> {
        match self {
            SecretSource::Given { secret, .. } => {
                crate::redact::secret(secret.expose_secret());
                Ok(secret.clone())
            }
            SecretSource::Vault(vault) => vault
                .get(&secret_key(name, profile))
                .await
                .map_err(store_failure)?
                .ok_or_else(|| {
                    // A key made here has no copy anywhere: the fix is a new key, not a paste.
                    let made_here = profile
                        .okta
                        .as_ref()
                        .is_some_and(|o| o.key_origin == crate::profile::KeyOrigin::Generated);
                    let code = if made_here {
                        code::OKTA_MADE_KEY_MISSING
                    } else {
                        code::SECRET_MISSING
                    };
                    Failure::new(
                        code,
                        format!("no secret for \"{name}\" in {}", vault.describe()),
                    )
                }),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            SecretSource::Vault(v) => v.describe(),
            SecretSource::Given { from, .. } => from,
        }
    }
}

pub async fn open(
    name: &str,
    profile: &Profile,
    source: &SecretSource<'_>,
    notify: Option<Notify>,
) -> Result<Session, Failure> {
    let host = validate::hostname(&profile.host, profile.integration)
        .map_err(|e| {
            Failure::new(
                code::HOST_INVALID,
                format!("stored host \"{}\": {e}", profile.host),
            )
        })?
        .value;
    let client_id = validate::client_id(&profile.client_id)
        .map_err(|e| Failure::new(code::INPUT_INVALID, format!("stored client ID: {e}")))?
        .value;
    let secret = source.fetch(name, profile).await?;
    let mut http = HttpClient::new(host.is_loopback())
        .map_err(|e| Failure::new(code::UNEXPECTED_RESPONSE, e.to_string()))?;
    if let Some(n) = notify {
        http = http.with_notify(n);
    }
    let summary_head = format!("{} at {}, client ID {client_id}", profile.integration, host);
    let connector = AnyConnector::new(ConnectorConfig {
        integration: profile.integration,
        host: host.clone(),
        client_id,
        secret,
        http: http.clone(),
        okta: profile.okta.clone(),
    })?;
    let (secret_text, settings) = match &connector {
        AnyConnector::Okta(o) => (o.key_summary(), o.settings_summary()),
        AnyConnector::OneTrust(_) => ("client secret".into(), String::new()),
    };
    let summary = format!(
        "{summary_head}, {secret_text} from {}{settings}",
        source.describe()
    );
    Ok(Session {
        host,
        connector,
        http,
        summary,
    })
}

/// Reads every page, handing each to `each` in order; stops at the first error of either
/// side, and always ends: see `PageGuard`. The fastest way each vendor allows: OneTrust pages
/// by number, so after the first page (which says how many there are) several are in flight;
/// Okta's next page is named by the last one's `Link` header, so the next request leaves as
/// soon as that header is in, while this page's body is still being read and parsed.
pub async fn for_each_page<E: From<Failure>>(
    connector: &mut AnyConnector,
    mut each: impl FnMut(UsersPage) -> Result<(), E>,
) -> Result<u64, E> {
    read_pages(connector, None, |page, _| each(page)).await
}

/// `for_each_page` for a consumer that takes pages in later (a UI): each page comes with a
/// ticket, and no more than the gate allows are out at once.
pub async fn for_each_page_gated<E: From<Failure>>(
    connector: &mut AnyConnector,
    gate: &Gate,
    each: impl FnMut(UsersPage, PageTicket) -> Result<(), E>,
) -> Result<u64, E> {
    read_pages(connector, Some(gate), each).await
}

async fn read_pages<E: From<Failure>>(
    connector: &mut AnyConnector,
    gate: Option<&Gate>,
    mut each: impl FnMut(UsersPage, PageTicket) -> Result<(), E>,
) -> Result<u64, E> {
    let mut pager = Pager {
        guard: PageGuard::default(),
        seen: 0,
        gate,
    };
    let failed = |e: ConnectorError| E::from(Failure::from(e));
    match connector {
        AnyConnector::Okta(okta) => {
            let mut pending = Some(okta.start_page(None).await.map_err(failed)?);
            while let Some(current) = pending.take() {
                let next = current.next.clone();
                let following = async {
                    match &next {
                        Some(cursor) => Some(okta.start_page(Some(cursor)).await),
                        None => None,
                    }
                };
                // This page goes on as soon as it is read, even while the next request is
                // still waiting (a rate-limit pause can be a minute).
                let mut following = std::pin::pin!(following);
                let mut finish = std::pin::pin!(current.finish());
                let mut early = None;
                let page = loop {
                    tokio::select! {
                        page = &mut finish => break page,
                        next = &mut following, if early.is_none() => early = Some(next),
                    }
                };
                pager.take(page.map_err(failed)?, &mut each).await?;
                let following = match early {
                    Some(next) => next,
                    None => following.await,
                };
                pending = following.transpose().map_err(failed)?;
            }
        }
        AnyConnector::OneTrust(ot) => {
            let first = ot.users_page(None).await.map_err(failed)?;
            let reported = first.total_pages;
            let first_bytes = first.bytes;
            let mut cursor = first.next.clone();
            pager.take(first, &mut each).await?;
            // Pages 1.. of what the first page reported, several at once, in order. Asked to
            // slow down, or a token that died: the rest one at a time, below, where a dead
            // token gets one fresh one before it is a diagnosis.
            if let (Some(total), Some(_)) = (reported, &cursor) {
                let total = u32::try_from(total.min(MAX_PAGES)).unwrap_or(u32::MAX);
                let throttled = ot.http().throttled();
                let mut expired_at = None;
                let mut biggest = first_bytes;
                {
                    // In order, as `buffered` would, but with fewer at once when pages are
                    // big: each costs its body and more while it is parsed.
                    let mut pages = futures_util::stream::FuturesOrdered::new();
                    let mut asked = 1;
                    let mut n = 1;
                    loop {
                        let room = (IN_FLIGHT_BYTES / biggest.max(1)).clamp(1, pages_in_flight());
                        while pages.len() < room && asked < total {
                            pages.push_back(ot.fetch_page(asked));
                            asked += 1;
                        }
                        let Some(fetched) = pages.next().await else {
                            break;
                        };
                        match fetched.map_err(failed)? {
                            onetrust::Fetched::Page(page) => {
                                n += 1;
                                biggest = biggest.max(page.bytes);
                                cursor = page.next.clone();
                                let last = page.next.is_none();
                                pager.take(page, &mut each).await?;
                                if last {
                                    return Ok(pager.seen);
                                }
                                if ot.http().throttled() > throttled {
                                    break;
                                }
                            }
                            onetrust::Fetched::Expired(_) => {
                                expired_at = Some(n);
                                break;
                            }
                        }
                    }
                }
                if let Some(n) = expired_at {
                    ot.forget_token();
                    cursor = Some(Cursor(n.to_string()));
                }
            }
            // A tenant that grew while it was read, or one that never said how many pages:
            // one page at a time until it says it is done.
            while let Some(next) = cursor.take() {
                let page = ot.users_page(Some(&next)).await.map_err(failed)?;
                cursor = page.next.clone();
                pager.take(page, &mut each).await?;
            }
        }
    }
    Ok(pager.seen)
}

/// Entitlements read apart from the users (Okta's groups, apps and roles); `None` for a
/// vendor whose users carry their own (OneTrust's access levels come with each user).
pub async fn read_entitlements(
    connector: &mut AnyConnector,
    progress: &mut (dyn FnMut(crate::connector::okta::Progress) + Send),
) -> Result<Option<crate::entitlements::Entitlements>, Failure> {
    match connector {
        AnyConnector::Okta(okta) => Ok(Some(
            okta.entitlements(progress).await.map_err(Failure::from)?,
        )),
        AnyConnector::OneTrust(_) => Ok(None),
    }
}

/// Reads Okta's entitlements on a client of its own, so they come in beside the users pages
/// (another rate-limit bucket) instead of after them. The same keys and buckets as the
/// connector it was made from.
pub struct EntitlementReader(Box<crate::connector::okta::Okta>);

/// A reader for the vendor whose entitlements are read apart (Okta); `None` for OneTrust.
pub fn entitlement_reader(connector: &AnyConnector) -> Option<EntitlementReader> {
    match connector {
        AnyConnector::Okta(okta) => Some(EntitlementReader(Box::new(okta.sibling()))),
        AnyConnector::OneTrust(_) => None,
    }
}

impl EntitlementReader {
    pub async fn read(
        mut self,
        progress: &mut (dyn FnMut(crate::connector::okta::Progress) + Send),
    ) -> Result<crate::entitlements::Entitlements, Failure> {
        self.0.entitlements(progress).await.map_err(Failure::from)
    }
}

/// How many OneTrust pages are asked for at once: enough to hide most of the network's
/// round trip (six pages at once: about five times faster than one at a time over a 100 ms
/// round trip), few enough to stay polite; `PLOY_CONNECT_PAGES_IN_FLIGHT` overrides it (1 to 16).
pub fn pages_in_flight() -> usize {
    std::env::var("PLOY_CONNECT_PAGES_IN_FLIGHT")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=16).contains(n))
        .unwrap_or(DEFAULT_PAGES_IN_FLIGHT)
}

pub const DEFAULT_PAGES_IN_FLIGHT: usize = 6;

/// The most page bodies read at once may add up to, judged by the biggest page so far: real
/// pages of 2000 users are about a megabyte, so all six fit; a server sending 20 MB pages
/// gets them read one at a time.
const IN_FLIGHT_BYTES: usize = 16 << 20;

/// Hands pages over after the guard has seen them.
struct Pager<'g> {
    guard: PageGuard,
    seen: u64,
    gate: Option<&'g Gate>,
}

impl Pager<'_> {
    async fn take<E: From<Failure>>(
        &mut self,
        page: UsersPage,
        each: &mut impl FnMut(UsersPage, PageTicket) -> Result<(), E>,
    ) -> Result<(), E> {
        self.guard.check(&page).map_err(E::from)?;
        self.seen += page.users.len() as u64;
        let ticket = match self.gate {
            Some(gate) => gate.ticket().await,
            None => PageTicket::default(),
        };
        each(page, ticket)
    }
}

/// Pages handed on but not yet taken in, at most so many: a consumer slower than the network
/// (a UI drawing between pages) slows the reading instead of piling pages up in memory.
#[derive(Debug, Clone)]
pub struct Gate(std::sync::Arc<tokio::sync::Semaphore>);

impl Gate {
    pub fn new(pages: usize) -> Self {
        Self(std::sync::Arc::new(tokio::sync::Semaphore::new(
            pages.max(1),
        )))
    }

    async fn ticket(&self) -> PageTicket {
        PageTicket {
            _permit: self.0.clone().acquire_owned().await.ok(),
        }
    }
}

/// Goes with a page from a gated reader; dropping it (the page taken in) lets the next one come.
#[derive(Debug, Default)]
pub struct PageTicket {
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// No tenant has more pages than this (Okta: 200 users a page, so 20 million users).
pub const MAX_PAGES: u64 = 100_000;

/// Makes sure paging ends whatever the tenant sends: a next-page cursor seen before, a page
/// whose users were all read already, more pages or users than the tenant said it has (or
/// more pages than any tenant has), or short pages that say more follow where the vendor's
/// pages are full but the last, stop it with a diagnosis. What it keeps is fixed per page
/// and per user, never the size of what the tenant sent.
#[derive(Default)]
pub struct PageGuard {
    pages: u64,
    /// The pages and the users the tenant said it has, on its first page.
    reported: Option<u64>,
    reported_users: Option<u64>,
    users_read: u64,
    biggest_page: u64,
    /// The next-page cursors seen, as SHA-256 digests: 32 bytes each, however long the link
    /// (a hostile Okta `Link` can be 60 KB, tens of thousands of times).
    cursors: HashSet<[u8; 32]>,
    /// Who was seen: two bytes a user, not the tens an exact set costs (a million users in
    /// 2 MiB), so an export's memory stays flat.
    users: SeenUsers,
    /// Small pages in a row with nobody new (each could be the filter's mistake; several in a
    /// row cannot plausibly be).
    small_repeats: u32,
    /// Short pages in a row that said more follow.
    short_pages: u32,
}

/// A Bloom filter of user identities, grown in generations of `GENERATION` users: it never
/// forgets anyone seen; it may think someone new was seen (about 1 in 2000 once a generation
/// is full, and less before; summed over generations for tens of millions), so a page is
/// judged "nobody new" at once when it has at least `JUDGED` users (a chance below 1e-50),
/// and after `SMALL_REPEATS` such pages in a row when they are smaller.
#[derive(Default)]
struct SeenUsers {
    generations: Vec<Vec<u64>>,
    in_last: usize,
}

const GENERATION: usize = 1 << 20;
/// Bits per user in a generation, and hashes per user (near optimal for 16 bits).
const BITS_PER_USER: usize = 16;
const HASHES: u64 = 11;
const JUDGED: usize = 16;
const SMALL_REPEATS: u32 = 3;
/// Short pages that say more follow, in a row, before that is a contradiction: one can be a
/// page read while users were deleted (Spring counts and reads with two queries); a run of
/// them is a server that never says "last".
const SHORT_PAGES: u32 = 4;

impl SeenUsers {
    fn bits(h: u64) -> impl Iterator<Item = usize> {
        // Mixed first (SplitMix64's finaliser), so any input spreads over the whole filter.
        let mut h = h ^ (h >> 30);
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
        let (a, b) = (h, h.rotate_left(32) | 1);
        let size = (GENERATION * BITS_PER_USER) as u64;
        (0..HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % size) as usize)
    }

    fn contains(&self, h: u64) -> bool {
        self.generations
            .iter()
            .any(|g| Self::bits(h).all(|bit| g[bit / 64] & (1 << (bit % 64)) != 0))
    }

    /// Whether `h` was new (as far as the filter can tell); remembers it either way.
    fn insert(&mut self, h: u64) -> bool {
        if self.contains(h) {
            return false;
        }
        if self.generations.is_empty() || self.in_last == GENERATION {
            self.generations
                .push(vec![0u64; GENERATION * BITS_PER_USER / 64]);
            self.in_last = 0;
        }
        if let Some(g) = self.generations.last_mut() {
            for bit in Self::bits(h) {
                g[bit / 64] |= 1 << (bit % 64);
            }
        }
        self.in_last += 1;
        true
    }
}

impl PageGuard {
    pub fn check(&mut self, page: &UsersPage) -> Result<(), Failure> {
        self.pages += 1;
        let n = self.pages;
        let stop = |why: String| Failure::new(code::UNEXPECTED_RESPONSE, why);
        if n == 1 {
            self.reported = page.total_pages;
            self.reported_users = page.total;
        }
        // The reported count, plus one for a tenant that grew while we read it.
        let ceiling = self
            .reported
            .map_or(MAX_PAGES, |t| t.saturating_add(1).min(MAX_PAGES));
        if n > ceiling {
            return Err(stop(match self.reported {
                Some(t) => format!(
                    "the tenant said it has {t} pages of users but sent page {n}: stopped reading so the export cannot run forever"
                ),
                None => format!(
                    "more than {MAX_PAGES} pages of users: stopped reading so the export cannot run forever"
                ),
            }));
        }
        if let Some(next) = &page.next
            && !self.cursors.insert(fingerprint(&next.0))
        {
            return Err(stop(format!(
                "after {n} pages the tenant sent a next-page link it had sent before: it is not paging, so ploy-connect stopped"
            )));
        }
        let len = page.users.len() as u64;
        self.users_read += len;
        self.biggest_page = self.biggest_page.max(len);
        // The reported count, plus a page for a tenant that grew while we read it.
        if let Some(t) = self.reported_users
            && self.users_read > t.saturating_add(self.biggest_page)
        {
            return Err(stop(format!(
                "the tenant said it has {t} users but sent {} by page {n}: stopped reading so the export cannot run forever",
                self.users_read
            )));
        }
        let mut new = 0usize;
        for u in &page.users {
            if self.users.insert(identity(u)) {
                new += 1;
            }
        }
        // An empty last page is how Okta ends a list; anything else must bring someone new
        // (judged on pages big enough for the filter's word to be certain).
        let nobody_new = new == 0 && (!page.users.is_empty() || page.next.is_some());
        self.small_repeats = if nobody_new {
            self.small_repeats + 1
        } else {
            0
        };
        let judged = page.users.len() >= JUDGED
            || page.users.is_empty()
            || self.small_repeats >= SMALL_REPEATS;
        if judged && nobody_new {
            return Err(stop(format!(
                "page {n} has no user that was not on an earlier page: the tenant ignores paging, so ploy-connect stopped"
            )));
        }
        let short = page
            .full_page
            .filter(|&full| page.next.is_some() && len < full);
        self.short_pages = if short.is_some() {
            self.short_pages + 1
        } else {
            0
        };
        if let Some(full) = short
            && self.short_pages > SHORT_PAGES
        {
            return Err(stop(format!(
                "page {n} holds {len} users, fewer than a full page of {full}, yet says more follow ({} such pages in a row): the tenant never says which page is the last, so ploy-connect stopped",
                self.short_pages
            )));
        }
        Ok(())
    }
}

/// A next-page cursor's SHA-256 digest (aws-lc-rs, the crate's one source of hashes).
fn fingerprint(cursor: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cursor.as_bytes());
    let mut out = [0; 32];
    out.iter_mut()
        .zip(digest.as_ref())
        .for_each(|(o, d)| *o = *d);
    out
}

/// A user's identity for the guard: the vendor's ID, else everything that names them.
fn identity(u: &User) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    if u.id.is_empty() {
        (&u.login, &u.email, &u.name, &u.created).hash(&mut h);
    } else {
        u.id.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Cursor;
    use crate::integration::Integration;
    use crate::users::UserStatus;

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            login: String::new(),
            email: String::new(),
            name: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            status: UserStatus::Active,
            created: None,
            last_login: None,
            source: Integration::Okta,
            extra: Default::default(),
            access: Vec::new(),
        }
    }

    fn page(ids: &[&str], next: Option<&str>, total_pages: Option<u64>) -> UsersPage {
        UsersPage {
            users: ids.iter().map(|i| user(i)).collect(),
            next: next.map(|n| Cursor(n.into())),
            total: None,
            total_pages,
            warning: None,
            full_page: None,
            bytes: 0,
        }
    }

    #[test]
    fn the_seen_filter_never_forgets_and_rarely_imagines() {
        let mut seen = SeenUsers::default();
        for i in 0..200_000u64 {
            assert!(seen.insert(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        }
        assert!((0..200_000u64).all(|i| seen.contains(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))));
        let imagined = (1..=100_000u64)
            .filter(|i| seen.contains(i.wrapping_mul(0xD1B5_4A32_D192_ED03)))
            .count();
        assert!(imagined < 100, "{imagined} of 100000 imagined");
    }

    #[test]
    fn a_repeated_cursor_stops() {
        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("c1"), None)).unwrap();
        g.check(&page(&["b"], Some("c2"), None)).unwrap();
        let f = g.check(&page(&["c"], Some("c1"), None)).unwrap_err();
        assert!(f.detail.contains("sent before"), "{}", f.detail);
    }

    #[test]
    fn a_page_of_users_already_read_stops_even_without_ids() {
        let mut g = PageGuard::default();
        let no_id = |name: &str| {
            let mut u = user("");
            u.email = format!("{name}@x.test");
            u
        };
        // Judged only on pages big enough for the filter's "seen" to be certain.
        let p = |next: &str| UsersPage {
            users: (0..JUDGED).map(|i| no_id(&format!("u{i}"))).collect(),
            next: Some(Cursor(next.into())),
            total: None,
            total_pages: None,
            warning: None,
            full_page: None,
            bytes: 0,
        };
        g.check(&p("1")).unwrap();
        let f = g.check(&p("2")).unwrap_err();
        assert!(f.detail.contains("ignores paging"), "{}", f.detail);
    }

    #[test]
    fn more_pages_than_reported_stop_and_an_empty_last_page_is_fine() {
        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("1"), Some(2))).unwrap();
        g.check(&page(&["b"], Some("2"), Some(2))).unwrap();
        g.check(&page(&["c"], Some("3"), Some(2))).unwrap();
        let f = g.check(&page(&["d"], Some("4"), Some(2))).unwrap_err();
        assert!(f.detail.contains("said it has 2 pages"), "{}", f.detail);

        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("1"), None)).unwrap();
        g.check(&page(&[], None, None)).unwrap();
    }

    #[test]
    fn cursors_are_kept_as_digests_whatever_their_length() {
        let mut g = PageGuard::default();
        let link = |i: usize| format!("http://x/api/v1/users?after={i}{}", "a".repeat(60_000));
        for i in 0..50 {
            g.check(&page(&[&format!("u{i}")], Some(&link(i)), None))
                .unwrap();
        }
        assert_eq!(g.cursors.len(), 50);
        assert_eq!(
            std::mem::size_of_val(g.cursors.iter().next().unwrap()),
            32,
            "a digest, not the link"
        );
        let f = g.check(&page(&["u50"], Some(&link(7)), None)).unwrap_err();
        assert!(
            f.detail.contains("sent before") && f.detail.len() < 300,
            "{}",
            f.detail
        );
    }

    #[test]
    fn short_pages_that_say_more_follow_stop_after_a_few() {
        let short = |i: usize, next: Option<&str>| UsersPage {
            full_page: Some(2000),
            ..page(&[&format!("u{i}")], next, None)
        };
        let mut g = PageGuard::default();
        for i in 0..SHORT_PAGES as usize {
            g.check(&short(i, Some(&i.to_string()))).unwrap();
        }
        let f = g.check(&short(99, Some("99"))).unwrap_err();
        assert_eq!(f.code, code::UNEXPECTED_RESPONSE);
        assert!(
            f.detail.contains("fewer than a full page of 2000"),
            "{}",
            f.detail
        );

        // A short last page ends a list; a full page between short ones starts the count anew.
        let mut g = PageGuard::default();
        for i in 0..3 * SHORT_PAGES as usize {
            let p = if i % SHORT_PAGES as usize == 0 {
                UsersPage {
                    full_page: Some(1),
                    ..page(&[&format!("u{i}")], Some(&i.to_string()), None)
                }
            } else {
                short(i, Some(&i.to_string()))
            };
            g.check(&p).unwrap();
        }
        g.check(&short(1000, None)).unwrap();
        // Okta's pages may be short anywhere: no full page is promised.
        let mut g = PageGuard::default();
        for i in 0..20 {
            g.check(&page(&[&format!("u{i}")], Some(&i.to_string()), None))
                .unwrap();
        }
    }

    #[test]
    fn more_users_than_reported_stop_with_a_page_of_growth_allowed() {
        let p = |from: usize, next: &str| UsersPage {
            total: Some(4),
            ..page(
                &[&format!("u{from}"), &format!("u{}", from + 1)],
                Some(next),
                None,
            )
        };
        let mut g = PageGuard::default();
        g.check(&p(0, "1")).unwrap();
        g.check(&p(2, "2")).unwrap();
        g.check(&p(4, "3")).unwrap(); // grew by a page while read
        let f = g.check(&p(6, "4")).unwrap_err();
        assert!(
            f.detail.contains("said it has 4 users but sent 8"),
            "{}",
            f.detail
        );
    }
}
