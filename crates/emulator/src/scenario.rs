//! Scenario switches: each makes an emulated tenant misbehave the way a real one can. Names are
//! parsed once into `Scenario`; the tenants match on the enum, so a misspelt switch cannot
//! silently turn a fault off.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    OneTrustMissingUserScope,
    OneTrustScopesUnlisted,
    OneTrustScopesInJwt,
    OneTrustHyphenScopes,
    OneTrustRateLimit,
    OneTrustRateLimitBurst,
    OneTrustServerError,
    OneTrustExpireTokens,
    OneTrustRejectTokens,
    OneTrustIgnorePaging,
    OneTrustChildOrg,
    OneTrustHtml,
    OneTrustExtraScopes,
    OneTrustTokenForbidden,
    OneTrustTokenNotFound,
    OneTrustRedirect,
    OktaDpopRequired,
    OktaDpopOff,
    OktaNoAdminRole,
    OktaPartialScopes,
    OktaNoScopes,
    OktaNoJwks,
    OktaMultiKey,
    OktaRateLimit,
    OktaResourceNonce,
    OktaNonceStripped,
    OktaClockSkew,
    OktaSecretApp,
    OktaNotServiceApp,
    OktaRejectTokens,
    OktaNoRolesRead,
    OktaManageScopes,
    OktaSuperAdmin,
    OktaRolesForbidden,
    OktaOrgNotFound,
    OktaRedirect,
    OktaRateLimitClockAhead,
    OktaRateLimitClockBehind,
    OktaDpopAlgRefused,
    OktaCustomDomainLinks,
    OktaRoleSeesNoUsers,
}

/// Every scenario with its name and what it does; `emulator --help` lists these.
pub const SCENARIOS: &[(Scenario, &str, &str)] = &[
    (
        Scenario::OneTrustMissingUserScope,
        "onetrust:missing-user-scope",
        "the credential lacks the USER scope (token lists its scopes)",
    ),
    (
        Scenario::OneTrustScopesUnlisted,
        "onetrust:scopes-unlisted",
        "the token response and JWT do not list scopes",
    ),
    (
        Scenario::OneTrustScopesInJwt,
        "onetrust:scopes-in-jwt",
        "scopes only in the JWT's ot-scopes claim",
    ),
    (
        Scenario::OneTrustHyphenScopes,
        "onetrust:hyphen-scopes",
        "the token response spells the field ot-scopes",
    ),
    (
        Scenario::OneTrustRateLimit,
        "onetrust:rate-limit",
        "every request gets 429 with Retry-After 3600 (hourly limit)",
    ),
    (
        Scenario::OneTrustRateLimitBurst,
        "onetrust:rate-limit-burst",
        "the first two users requests get 429 with Retry-After 1",
    ),
    (
        Scenario::OneTrustServerError,
        "onetrust:server-error",
        "the token endpoint answers 500",
    ),
    (
        Scenario::OneTrustExpireTokens,
        "onetrust:expire-tokens",
        "each token expires after one users request",
    ),
    (
        Scenario::OneTrustRejectTokens,
        "onetrust:reject-tokens",
        "the users API rejects every token with 401",
    ),
    (
        Scenario::OneTrustIgnorePaging,
        "onetrust:ignore-paging",
        "the users API ignores the page parameter",
    ),
    (
        Scenario::OneTrustChildOrg,
        "onetrust:child-org",
        "the credential belongs to a child organization that sees no users",
    ),
    (
        Scenario::OneTrustHtml,
        "onetrust:html",
        "the token endpoint answers 200 with an HTML sign-in page",
    ),
    (
        Scenario::OneTrustExtraScopes,
        "onetrust:extra-scopes",
        "the credential also holds ORGANIZATION, ASSESSMENT and INTEGRATIONS",
    ),
    (
        Scenario::OneTrustTokenForbidden,
        "onetrust:token-forbidden",
        "the token endpoint answers 403 (as for a credential restricted to other IP addresses)",
    ),
    (
        Scenario::OneTrustTokenNotFound,
        "onetrust:token-not-found",
        "the token endpoint answers 404 (as a host that is not the tenant's may)",
    ),
    (
        Scenario::OneTrustRedirect,
        "onetrust:redirect",
        "the token endpoint answers 307 to another host (a client that followed would repost the secret)",
    ),
    (
        Scenario::OktaDpopRequired,
        "okta:dpop-required",
        "the app requires DPoP (the default, like apps made since Feb 2024)",
    ),
    (
        Scenario::OktaDpopOff,
        "okta:dpop-off",
        "the app does not require DPoP: tokens are Bearer",
    ),
    (
        Scenario::OktaNoAdminRole,
        "okta:no-admin-role",
        "the app has no admin role: /api/v1/users answers 200 []",
    ),
    (
        Scenario::OktaPartialScopes,
        "okta:partial-scopes",
        "only okta.groups.read and okta.apps.read are granted",
    ),
    (
        Scenario::OktaNoScopes,
        "okta:no-scopes",
        "no scope is granted (consent_required)",
    ),
    (
        Scenario::OktaNoJwks,
        "okta:no-jwks",
        "the key was generated but the app was not saved: no JWKS",
    ),
    (
        Scenario::OktaMultiKey,
        "okta:multi-key",
        "the app has two keys, so assertions need a kid",
    ),
    (
        Scenario::OktaRateLimit,
        "okta:rate-limit",
        "2 users requests per second; the first gets 429 E0000047",
    ),
    (
        Scenario::OktaResourceNonce,
        "okta:resource-nonce",
        "the users API asks for a DPoP nonce (RFC 9449 challenge)",
    ),
    (
        Scenario::OktaNonceStripped,
        "okta:nonce-stripped",
        "a proxy strips DPoP-Nonce from the token endpoint's challenge",
    ),
    (
        Scenario::OktaClockSkew,
        "okta:clock-skew",
        "the org's clock is 10 minutes ahead of this machine's",
    ),
    (
        Scenario::OktaSecretApp,
        "okta:secret-app",
        "the app authenticates with a client secret, not a key",
    ),
    (
        Scenario::OktaNotServiceApp,
        "okta:not-service-app",
        "the app is not an API Services app",
    ),
    (
        Scenario::OktaRejectTokens,
        "okta:reject-tokens",
        "the users API answers 401 E0000011 to every token",
    ),
    (
        Scenario::OktaNoRolesRead,
        "okta:no-roles-read",
        "okta.roles.read is not granted: admin roles cannot be read (403)",
    ),
    (
        Scenario::OktaManageScopes,
        "okta:manage-scopes",
        "the app is also granted okta.users.manage and okta.groups.manage",
    ),
    (
        Scenario::OktaSuperAdmin,
        "okta:super-admin",
        "the app holds Super Administrator (what 'Public client app admins' assigns)",
    ),
    (
        Scenario::OktaRolesForbidden,
        "okta:roles-forbidden",
        "the app's role may not view role assignments: its own roles answer 403 E0000006",
    ),
    (
        Scenario::OktaOrgNotFound,
        "okta:org-not-found",
        "a mistyped or deactivated org: every Okta path answers 404 with an HTML page",
    ),
    (
        Scenario::OktaRedirect,
        "okta:redirect",
        "every Okta path answers 301 to another host",
    ),
    (
        Scenario::OktaRateLimitClockAhead,
        "okta:rate-limit-clock-ahead",
        "as okta:rate-limit, with the org's Date and X-Rate-Limit-Reset 10 minutes ahead of this machine",
    ),
    (
        Scenario::OktaRateLimitClockBehind,
        "okta:rate-limit-clock-behind",
        "as okta:rate-limit, with the org's Date and X-Rate-Limit-Reset 10 minutes behind this machine",
    ),
    (
        Scenario::OktaDpopAlgRefused,
        "okta:dpop-alg-refused",
        "the org refuses the DPoP proof's signature algorithm (400 invalid_dpop_proof)",
    ),
    (
        Scenario::OktaCustomDomainLinks,
        "okta:custom-domain-links",
        "the org has a custom domain (localhost) and its next-page links name it",
    ),
    (
        Scenario::OktaRoleSeesNoUsers,
        "okta:role-sees-no-users",
        "the app holds a custom role whose resource set has no users: /api/v1/users answers 200 []",
    ),
];

impl Scenario {
    pub fn name(self) -> &'static str {
        SCENARIOS
            .iter()
            .find(|(s, _, _)| *s == self)
            .map_or("?", |(_, name, _)| name)
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
            .find(|(_, name, _)| *name == s)
            .map(|(scenario, _, _)| *scenario)
            .ok_or_else(|| {
                let names: Vec<_> = SCENARIOS.iter().map(|(_, n, _)| *n).collect();
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

    pub fn on(&self, scenario: Scenario) -> bool {
        self.0.contains(&scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_has_one_name_that_parses_back() {
        for (s, name, what) in SCENARIOS {
            assert_eq!(name.parse::<Scenario>(), Ok(*s));
            assert_eq!(s.name(), *name);
            assert!(!what.is_empty());
        }
        let names: std::collections::HashSet<_> = SCENARIOS.iter().map(|(_, n, _)| n).collect();
        assert_eq!(names.len(), SCENARIOS.len(), "names are unique");
    }

    #[test]
    fn a_typo_is_an_error() {
        let err = "okta:dpop-of".parse::<Scenario>().unwrap_err();
        assert!(err.contains("unknown scenario"), "{err}");
        assert!(
            err.contains("okta:dpop-off"),
            "lists the known names: {err}"
        );
    }
}
