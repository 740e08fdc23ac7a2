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
                    Failure::new(
                        code::SECRET_MISSING,
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
            let mut cursor = first.next.clone();
            pager.take(first, &mut each).await?;
            // Pages 1.. of what the first page reported, several at once, in order. Asked to
            // slow down, or a token that died: the rest one at a time, below, where a dead
            // token gets one fresh one before it is a diagnosis.
            if let (Some(total), Some(_)) = (reported, &cursor) {
                let total = u32::try_from(total.min(MAX_PAGES)).unwrap_or(u32::MAX);
                let throttled = ot.http().throttled();
                let mut expired_at = None;
                {
                    let mut pages = futures_util::stream::iter(1..total)
                        .map(|n| ot.fetch_page(n))
                        .buffered(pages_in_flight());
                    let mut n = 1;
                    while let Some(fetched) = pages.next().await {
                        match fetched.map_err(failed)? {
                            onetrust::Fetched::Page(page) => {
                                n += 1;
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
/// whose users were all read already, or more pages than the tenant said it has (or than any
/// tenant has) stops it with a diagnosis.
#[derive(Default)]
pub struct PageGuard {
    pages: u64,
    /// The pages the tenant said it has, on its first page.
    reported: Option<u64>,
    cursors: HashSet<String>,
    /// Who was seen: two bytes a user, not the tens an exact set costs (a million users in
    /// 2 MiB), so an export's memory stays flat.
    users: SeenUsers,
    /// Small pages in a row with nobody new (each could be the filter's mistake; several in a
    /// row cannot plausibly be).
    small_repeats: u32,
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
            && !self.cursors.insert(next.0.clone())
        {
            return Err(stop(format!(
                "after {n} pages the tenant sent a next-page link it had sent before: it is not paging, so ploy-connect stopped"
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
        Ok(())
    }
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
        }
    }

    fn page(ids: &[&str], next: Option<&str>, total_pages: Option<u64>) -> UsersPage {
        UsersPage {
            users: ids.iter().map(|i| user(i)).collect(),
            next: next.map(|n| Cursor(n.into())),
            total: None,
            total_pages,
            warning: None,
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
}
