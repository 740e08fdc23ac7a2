//! Scenario switches: each makes the emulated tenant misbehave the way a real one can.

use std::fmt;
use std::str::FromStr;

/// Every scenario, with what it does; `emulator --help` lists these.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "onetrust:missing-user-scope",
        "the credential lacks the USER scope (token lists its scopes)",
    ),
    (
        "onetrust:scopes-unlisted",
        "the token response and JWT do not list scopes",
    ),
    (
        "onetrust:scopes-in-jwt",
        "scopes only in the JWT's ot-scopes claim",
    ),
    (
        "onetrust:hyphen-scopes",
        "the token response spells the field ot-scopes",
    ),
    (
        "onetrust:rate-limit",
        "every request gets 429 with Retry-After 3600 (hourly limit)",
    ),
    (
        "onetrust:rate-limit-burst",
        "the first two users requests get 429 with Retry-After 1",
    ),
    ("onetrust:server-error", "the token endpoint answers 500"),
    (
        "onetrust:expire-tokens",
        "each token expires after one users request",
    ),
    (
        "onetrust:reject-tokens",
        "the users API rejects every token with 401",
    ),
    (
        "onetrust:ignore-paging",
        "the users API ignores the page parameter",
    ),
    (
        "onetrust:child-org",
        "the credential belongs to a child organization that sees no users",
    ),
    (
        "onetrust:html",
        "the token endpoint answers 200 with an HTML sign-in page",
    ),
    (
        "okta:dpop-required",
        "the app requires DPoP (the default, like apps made since Feb 2024)",
    ),
    (
        "okta:dpop-off",
        "the app does not require DPoP: tokens are Bearer",
    ),
    (
        "okta:no-admin-role",
        "the app has no admin role: /api/v1/users answers 200 []",
    ),
    (
        "okta:partial-scopes",
        "only okta.groups.read and okta.apps.read are granted",
    ),
    ("okta:no-scopes", "no scope is granted (consent_required)"),
    (
        "okta:no-jwks",
        "the key was generated but the app was not saved: no JWKS",
    ),
    (
        "okta:multi-key",
        "the app has two keys, so assertions need a kid",
    ),
    (
        "okta:rate-limit",
        "2 users requests per second; the first gets 429 E0000047",
    ),
    (
        "okta:resource-nonce",
        "the users API asks for a DPoP nonce (RFC 9449 challenge)",
    ),
    (
        "okta:nonce-stripped",
        "a proxy strips DPoP-Nonce from the token endpoint's challenge",
    ),
    (
        "okta:clock-skew",
        "the org's clock is 10 minutes ahead of this machine's",
    ),
    (
        "okta:secret-app",
        "the app authenticates with a client secret, not a key",
    ),
    ("okta:not-service-app", "the app is not an API Services app"),
    (
        "okta:reject-tokens",
        "the users API answers 401 E0000011 to every token",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scenario(usize);

impl Scenario {
    pub fn name(self) -> &'static str {
        SCENARIOS[self.0].0
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        SCENARIOS
            .iter()
            .position(|(name, _)| *name == s)
            .map(Scenario)
            .ok_or_else(|| {
                let names: Vec<_> = SCENARIOS.iter().map(|(n, _)| *n).collect();
                format!("unknown scenario \"{s}\"; known: {}", names.join(", "))
            })
    }
}

/// The set of scenarios switched on.
#[derive(Debug, Clone, Default)]
pub struct Faults(Vec<Scenario>);

impl Faults {
    pub fn new(list: &[Scenario]) -> Self {
        Self(list.to_vec())
    }

    pub fn on(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.name() == name)
    }
}
