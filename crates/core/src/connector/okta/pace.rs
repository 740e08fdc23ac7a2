//! Keeping to Okta's rate limits without earning a 429 (entitlements-wire §2.4, §7, §10.8).
//!
//! Okta counts requests per *bucket*, an endpoint family chosen by the most specific path;
//! every answer says the bucket's `X-Rate-Limit-Limit`, what `-Remaining` and when it
//! `-Reset`s (epoch seconds, by the server's clock: measured against the answer's own `Date`,
//! as every official SDK does, never against ours). The numbers are read, never assumed.
//!
//! Per family: at most a few requests in flight; before each one, the remaining count known
//! from the lowest reading of this window (readings can arrive out of order; within a window
//! the remaining count only falls) less every request still out must be above zero, else the
//! request waits for the window's reset. A new window is known by a later reset; the first
//! request after a reset goes alone so the next reading is fresh.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Okta's buckets for what ploy-connect reads, by path: the first entry whose pattern fits
/// wins, so the specific ones come first (`*` is one path segment). [DOC] rl-global-mgmt @
/// 6de7f89f90^ (Workforce: users 600, groups 500, apps 100, most other /api/v1 1,200 a
/// minute); the numbers themselves come from the headers.
const FAMILIES: &[(&str, Family)] = &[
    ("/api/v1/users", Family::Users),
    ("/api/v1/users/*", Family::User),
    ("/api/v1/groups/*", Family::Group),
    ("/api/v1/groups", Family::Groups),
    ("/api/v1/groups/*/**", Family::Groups),
    ("/api/v1/apps/*", Family::App),
    ("/api/v1/apps", Family::Apps),
    ("/api/v1/apps/*/**", Family::Apps),
    ("/oauth2/v1/token", Family::Token),
    ("/api/v1/**", Family::Other),
];

/// A rate-limit bucket as ploy-connect keeps it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `GET /api/v1/users` (both passes).
    Users,
    /// `/api/v1/users/{id}` only.
    User,
    /// `/api/v1/groups` and below (members, roles) but `/api/v1/groups/{id}`.
    Groups,
    Group,
    /// `/api/v1/apps` and below (an app's users and groups) but `/api/v1/apps/{id}`.
    Apps,
    App,
    Token,
    /// "Most other API actions": `/api/v1/iam/…`, `/api/v1/users/{id}/roles`.
    Other,
}

impl Family {
    const ALL: [Family; 8] = [
        Family::Users,
        Family::User,
        Family::Groups,
        Family::Group,
        Family::Apps,
        Family::App,
        Family::Token,
        Family::Other,
    ];

    /// Requests in flight at once: enough to hide a round trip, below the 35 concurrent
    /// requests of the smallest org (§2.4 concurrency) even all together (12 + 8 + 6 + the
    /// users' pages and a token).
    fn in_flight(self) -> u32 {
        match self {
            Family::Users | Family::User | Family::Token => 2,
            Family::Groups | Family::Group => 12,
            Family::Apps | Family::App => 8,
            Family::Other => 6,
        }
    }

    pub fn of(path: &str) -> Family {
        FAMILIES
            .iter()
            .find(|(pattern, _)| fits(pattern, path))
            .map_or(Family::Other, |(_, f)| *f)
    }
}

/// `*` matches one segment, `**` one or more.
fn fits(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut s = path.trim_end_matches('/').split('/');
    loop {
        match (p.next(), s.next()) {
            (None, None) => return true,
            (Some("**"), Some(x)) => return !x.is_empty(),
            (Some("*"), Some(x)) if !x.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// The lowest remaining count read in the current window, and that window's reset
    /// (server epoch seconds).
    remaining: Option<u64>,
    reset: Option<u64>,
    /// When the current window ends, by our clock.
    reset_at: Option<Instant>,
    /// Requests sent and not yet answered.
    out: u32,
    /// Requests sent since the last reading (they are not in it).
    in_flight_max: u32,
    /// A reset has passed: one request alone, until its answer reads the new window.
    probing: bool,
}

#[derive(Debug, Default)]
struct Bucket {
    state: Mutex<State>,
    changed: Notify,
}

/// The buckets of one org, shared by everything that reads it in one run (the users pages
/// and the entitlement reads).
#[derive(Debug)]
pub struct Pacer {
    buckets: Vec<(Family, Bucket)>,
    /// Requests that waited for a window (for the figures).
    paced: std::sync::atomic::AtomicU64,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer {
            buckets: Family::ALL
                .iter()
                .map(|f| {
                    let b = Bucket::default();
                    if let Ok(mut s) = b.state.lock() {
                        s.in_flight_max = f.in_flight();
                    }
                    (*f, b)
                })
                .collect(),
            paced: Default::default(),
        }
    }
}

/// A request's place in its bucket; `read` it with the answer's headers (dropping it without,
/// on a transport error, frees the place).
#[must_use]
pub struct Permit {
    pacer: Arc<Pacer>,
    family: Family,
    read: bool,
}

enum Next {
    Go,
    Until(Instant),
    Wait,
}

impl Pacer {
    fn bucket(&self, f: Family) -> Option<&Bucket> {
        self.buckets.iter().find(|(x, _)| *x == f).map(|(_, b)| b)
    }

    /// Waits until a request to `path` may leave without spending more than its bucket has.
    pub async fn acquire(self: &Arc<Self>, path: &str) -> Permit {
        let family = Family::of(path);
        let permit = Permit {
            pacer: self.clone(),
            family,
            read: false,
        };
        let Some(bucket) = self.bucket(family) else {
            return permit;
        };
        let mut counted = false;
        loop {
            let notified = bucket.changed.notified();
            let next = match bucket.state.lock() {
                Err(_) => Next::Go,
                Ok(mut s) => {
                    let now = Instant::now();
                    if let Some(at) = s.reset_at
                        && now >= at
                        && s.remaining.is_some()
                    {
                        // The window we knew has ended: the next reading starts a new one.
                        s.remaining = None;
                        s.reset_at = None;
                        s.probing = true;
                    }
                    if s.out >= s.in_flight_max {
                        Next::Wait
                    } else {
                        match s.remaining {
                            // Unknown (the first request, or the first after a reset): one
                            // at a time until an answer tells.
                            None if s.out == 0 => Next::Go,
                            None => Next::Wait,
                            Some(r) if r > u64::from(s.out) => Next::Go,
                            Some(_) => match s.reset_at {
                                Some(at) => Next::Until(at),
                                None => Next::Wait,
                            },
                        }
                    }
                    .inspect_go(|| {
                        s.out += 1;
                    })
                }
            };
            match next {
                Next::Go => return permit,
                Next::Until(at) => {
                    if !counted {
                        counted = true;
                        self.paced
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = notified => {}
                    }
                }
                Next::Wait => notified.await,
            }
        }
    }

    /// Requests that had to wait for a window to reset.
    #[cfg(test)]
    pub fn paced(&self) -> u64 {
        self.paced.load(std::sync::atomic::Ordering::Relaxed)
    }
}

trait InspectGo {
    fn inspect_go(self, f: impl FnOnce()) -> Self;
}

impl InspectGo for Next {
    fn inspect_go(self, f: impl FnOnce()) -> Self {
        if matches!(self, Next::Go) {
            f();
        }
        self
    }
}

/// (limit, remaining, reset) and the answer's `Date`, as the server sent them: the one
/// reading of these headers (`http::RateReading`, shared with the retry after a 429).
fn reading(headers: &HeaderMap) -> Option<(u64, u64, u64, Option<SystemTime>)> {
    let r = crate::http::RateReading::of(headers);
    Some((r.limit?, r.remaining?, r.reset?, r.date))
}

/// The longest a window is believed to last: a reset further off is a clock gone wrong, and
/// waiting for it would stall the run (a 429, should one come, carries its own wait).
const MAX_WINDOW: Duration = Duration::from_secs(120);

impl Permit {
    /// Takes the answer's reading into its bucket.
    pub fn read(mut self, headers: &HeaderMap) {
        self.read = true;
        self.settle(Some(headers));
    }

    fn settle(&self, headers: Option<&HeaderMap>) {
        let Some(bucket) = self.pacer.bucket(self.family) else {
            return;
        };
        if let Ok(mut s) = bucket.state.lock() {
            s.out = s.out.saturating_sub(1);
            if let Some((limit, remaining, reset, date)) = headers.and_then(reading) {
                // A concurrency violation says 0 and 0 (§2.4): fewer at once from now on.
                if limit == 0 && remaining == 0 {
                    s.in_flight_max = (s.in_flight_max / 2).max(1);
                } else {
                    let newer = s.reset.is_none_or(|r| reset > r);
                    if newer {
                        s.reset = Some(reset);
                        s.remaining = Some(remaining);
                    } else if reset == s.reset.unwrap_or(0) {
                        s.remaining = Some(s.remaining.map_or(remaining, |r| r.min(remaining)));
                    }
                    if newer || s.reset_at.is_none() {
                        // How far the reset is, by the server's own clock; without a Date,
                        // by ours.
                        let now_server = date.unwrap_or_else(SystemTime::now);
                        let reset_time = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
                        let left = reset_time
                            .duration_since(now_server)
                            .unwrap_or_default()
                            .min(MAX_WINDOW);
                        s.reset_at = Some(Instant::now() + left);
                    }
                    s.probing = false;
                }
            }
        }
        bucket.changed.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.read {
            self.settle(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_in_the_documented_buckets() {
        for (path, f) in [
            ("/api/v1/users", Family::Users),
            ("/api/v1/users/00u1", Family::User),
            ("/api/v1/users/00u1/roles", Family::Other),
            ("/api/v1/groups", Family::Groups),
            ("/api/v1/groups/00g1", Family::Group),
            ("/api/v1/groups/00g1/users", Family::Groups),
            ("/api/v1/groups/00g1/roles", Family::Groups),
            ("/api/v1/apps", Family::Apps),
            ("/api/v1/apps/0oa1/users", Family::Apps),
            ("/api/v1/apps/0oa1/groups", Family::Apps),
            ("/api/v1/iam/assignees/users", Family::Other),
        ] {
            assert_eq!(Family::of(path), f, "{path}");
        }
    }

    fn headers(limit: u64, remaining: u64, reset: u64, date: SystemTime) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", limit.into());
        h.insert("x-rate-limit-remaining", remaining.into());
        h.insert("x-rate-limit-reset", reset.into());
        h.insert(
            reqwest::header::DATE,
            httpdate::fmt_http_date(date).parse().unwrap(),
        );
        h
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_window_is_waited_out_by_the_servers_clock() {
        let pacer = Arc::new(Pacer::default());
        // The server's clock is an hour behind ours: only Date tells how far the reset is.
        let server_now = SystemTime::now() - Duration::from_secs(3600);
        let epoch = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        let p = pacer.acquire("/api/v1/apps").await;
        p.read(&headers(3, 2, epoch(server_now) + 10, server_now));
        let a = pacer.acquire("/api/v1/apps/1/users").await;
        let b = pacer.acquire("/api/v1/apps/2/users").await;
        let start = Instant::now();
        let third = tokio::spawn({
            let pacer = pacer.clone();
            async move { pacer.acquire("/api/v1/apps/3/users").await }
        });
        a.read(&headers(3, 1, epoch(server_now) + 10, server_now));
        b.read(&headers(3, 0, epoch(server_now) + 10, server_now));
        let c = third.await.unwrap();
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(9) && waited <= Duration::from_secs(11),
            "waited {waited:?} for the window, not an hour"
        );
        assert_eq!(pacer.paced(), 1);
        drop(c);
    }

    #[tokio::test(start_paused = true)]
    async fn an_old_reading_arriving_late_does_not_raise_the_count() {
        let pacer = Arc::new(Pacer::default());
        let now = SystemTime::now();
        let reset = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        let first = pacer.acquire("/api/v1/groups").await;
        first.read(&headers(10, 2, reset, now));
        let a = pacer.acquire("/api/v1/groups/g/users").await;
        let b = pacer.acquire("/api/v1/groups/h/users").await;
        // b was counted first by the server (remaining 0), a's older reading (1) comes later.
        b.read(&headers(10, 0, reset, now));
        a.read(&headers(10, 1, reset, now));
        let start = Instant::now();
        let _c = pacer.acquire("/api/v1/groups/i/users").await;
        assert!(
            start.elapsed() >= Duration::from_secs(29),
            "the window was spent"
        );
    }
}
