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
