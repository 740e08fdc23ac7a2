//! Request counts of a tenant, for tests and benchmarks (what the client asked for).

use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub struct Stats {
    pub token_requests: AtomicU32,
    pub users_requests: AtomicU32,
    pub rate_limited: AtomicU32,
    /// Groups, apps and roles requests (Okta).
    pub entitlement_requests: AtomicU32,
    /// Requests that followed a redirect the tenant answered with (`okta:redirect`).
    pub redirects_followed: AtomicU32,
    /// Requests sent to the org's custom domain rather than the host asked first.
    pub other_host_requests: AtomicU32,
    /// Requests that presented a token carrying a `.manage` scope (a probe token must never
    /// be used).
    pub manage_token_uses: AtomicU32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    pub token_requests: u32,
    pub users_requests: u32,
    pub rate_limited: u32,
    #[serde(default)]
    pub entitlement_requests: u32,
    #[serde(default)]
    pub redirects_followed: u32,
    #[serde(default)]
    pub other_host_requests: u32,
    #[serde(default)]
    pub manage_token_uses: u32,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            token_requests: self.token_requests.load(Ordering::Relaxed),
            users_requests: self.users_requests.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            entitlement_requests: self.entitlement_requests.load(Ordering::Relaxed),
            redirects_followed: self.redirects_followed.load(Ordering::Relaxed),
            other_host_requests: self.other_host_requests.load(Ordering::Relaxed),
            manage_token_uses: self.manage_token_uses.load(Ordering::Relaxed),
        }
    }
}
