//! Okta: an API Services app authenticating with `private_key_jwt` (RFC 7523) at the org
//! authorization server, optionally DPoP-bound (RFC 9449), reading `/api/v1/users`.
//! Facts and pitfalls: shared/docs/okta-wire.md.

use std::time::Duration;

use jsonwebtoken::Header;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Carry, Connector, ConnectorConfig, ConnectorError, Cursor, Endpoint, Limited, Text, TokenInfo,
    UsersPage, VendorAnswer, access_token, auth_param, decode, decode_token, dpop, lifetime,
    scope_list, text,
};
use crate::diagnose::code;
use crate::http::{self, HttpClient, HttpResponse};
use crate::integration::Integration;
use crate::keys::PrivateKey;
use crate::profile::KeyOrigin;
use crate::users::{Extras, User, UserStatus};

mod access;
mod org;
mod pace;
mod privilege;
pub use access::Progress;
pub use org::{OrgRecord, WELL_KNOWN_PATH};

pub const TOKEN_PATH: &str = "/oauth2/v1/token";
pub const USERS_PATH: &str = "/api/v1/users";
pub const PAGE_LIMIT: u32 = 200;
pub const USERS_SCOPE: &str = "okta.users.read";
/// What the users table needs.
pub const DEFAULT_SCOPES: &[&str] = &[USERS_SCOPE];
/// The set the setup guide's step 12 means ("3 scopes"), and okta.roles.read: admin roles are
/// what a review looks at first, and the test checks the app's own with it. Only
/// okta.users.read is needed to read users.
pub const RECOMMENDED_SCOPES: &[&str] = &[
    USERS_SCOPE,
    "okta.groups.read",
    "okta.apps.read",
    "okta.roles.read",
];
/// Why each recommended scope is asked for, as the wizard and setup say it (short enough for a
/// line beside the scope): admin roles are what an access review looks at first, and
/// `okta.roles.read` lets the test read this app's own roles (issue 18).
pub const SCOPE_PURPOSES: &[(&str, &str)] = &[
    (USERS_SCOPE, "users table"),
    ("okta.groups.read", "groups and their members"),
    (
        "okta.apps.read",
        "app assignments; whether the app requires DPoP",
    ),
    (
        "okta.roles.read",
        "admin roles, which a review looks at first; lets the test check this app's own role",
    ),
];

/// Why `scope` is asked for, if it is one of the recommended ones.
pub fn scope_purpose(scope: &str) -> Option<&'static str> {
    SCOPE_PURPOSES
        .iter()
        .find(|(s, _)| *s == scope)
        .map(|(_, why)| *why)
}

/// The default list omits DEPROVISIONED users; a filter returns them ([SPEC] listUsers). Read
/// as a second pass after the default list (entitlements-wire §10.1).
pub const DEPROVISIONED_FILTER: &str = r#"status eq "DEPROVISIONED""#;
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Okta rejects exp > now + 1 h with no skew allowance; 5 minutes leaves room for a fast clock.
const ASSERTION_LIFETIME: i64 = 300;
/// Okta keeps a token-endpoint nonce valid for three days and renews it daily.
const NONCE_MAX_AGE: time::Duration = time::Duration::hours(48);
/// A nonce challenge is answered at most this often per request.
const NONCE_RETRIES: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    Dpop,
}

#[derive(Clone)]
struct Token {
    access: SecretString,
    scheme: Scheme,
    scopes: Vec<String>,
}

/// The latest `X-Rate-Limit-*` reading of the users bucket: what remains, and when the window
/// ends by this machine's monotonic clock — measured on the answer's own `Date`, so a local
/// clock that is off changes nothing (entitlements-wire §7).
#[derive(Default)]
struct RateWindow {
    remaining: Option<u64>,
    reset_at: Option<std::time::Instant>,
}

impl RateWindow {
    fn read(headers: &reqwest::header::HeaderMap) -> Self {
        let r = http::RateReading::of(headers);
        Self {
            remaining: r.remaining,
            reset_at: r.until_reset().map(|left| std::time::Instant::now() + left),
        }
    }
}

pub struct Okta {
    http: HttpClient,
    base: url::Url,
    client_id: String,
    key: PrivateKey,
    /// The ephemeral RS256 proof key when DPoP is on (`PrivateKey::ephemeral_rsa`).
    dpop_key: Option<PrivateKey>,
    scopes: Vec<String>,
    token_nonce: Option<String>,
    resource_nonce: Option<String>,
    token: Option<Token>,
    rate: RateWindow,
    /// Okta's rate-limit buckets as read so far, shared by this client's siblings so that
    /// requests several at once keep within them together.
    pacer: std::sync::Arc<pace::Pacer>,
    /// Token requests this run (a warm DPoP run needs one, a cold one two).
    pub token_requests: u32,
    /// The key was made here: Okta not knowing it means the admin has not added it yet.
    generated: bool,
    /// The org's own record (`/.well-known/okta-organization`), once asked.
    org: Option<OrgRecord>,
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: String,
    iat: i64,
    exp: i64,
    jti: String,
}

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    /// Any shape: see `lifetime`.
    expires_in: Option<serde_json::Value>,
    scope: Option<String>,
}

impl Okta {
    pub fn new(config: ConnectorConfig) -> Result<Self, ConnectorError> {
        let settings = config.okta.unwrap_or_else(|| crate::profile::OktaSettings {
            key_id: None,
            dpop: true,
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            dpop_nonce: None,
            key_origin: KeyOrigin::Pasted,
            staged: None,
        });
        let key = PrivateKey::parse(config.secret.expose_secret())?
            .value
            .1
            .with_kid(settings.key_id.clone());
        let dpop_key = if settings.dpop {
            Some(PrivateKey::ephemeral_rsa()?)
        } else {
            None
        };
        let token_nonce = settings
            .dpop_nonce
            .filter(|n| OffsetDateTime::now_utc() - n.at < NONCE_MAX_AGE)
            .map(|n| n.value);
        Ok(Self {
            http: config.http,
            base: config.host.base_url(),
            client_id: config.client_id,
            key,
            dpop_key,
            scopes: settings.scopes,
            token_nonce,
            resource_nonce: None,
            token: None,
            rate: RateWindow::default(),
            pacer: Default::default(),
            token_requests: 0,
            generated: settings.key_origin == KeyOrigin::Generated,
            org: None,
        })
    }

    /// Another client for the same org, for requests in parallel: the same keys, token,
    /// nonces and rate-limit buckets.
    pub(crate) fn sibling(&self) -> Okta {
        Okta {
            http: self.http.clone(),
            base: self.base.clone(),
            client_id: self.client_id.clone(),
            key: self.key.clone(),
            dpop_key: self.dpop_key.clone(),
            scopes: self.scopes.clone(),
            token_nonce: self.token_nonce.clone(),
            resource_nonce: self.resource_nonce.clone(),
            token: self.token.clone(),
            rate: RateWindow::default(),
            pacer: std::sync::Arc::clone(&self.pacer),
            token_requests: 0,
            generated: self.generated,
            org: self.org.clone(),
        }
    }

    /// For a key made here, Okta not holding its ID (or no key at all) means one thing: the
    /// admin has not added the public key to the app yet (or not clicked Save).
    fn not_registered(&self, e: ConnectorError) -> ConnectorError {
        // okta-wire.md §3: an unknown kid is "kid is invalid" when the app has several keys;
        // with one key Okta may check the assertion against that key instead, which for a key
        // made here (its kid is its own thumbprint) can only fail as "signature is invalid".
        let wrong_key = matches!(&e, ConnectorError::Answer(a)
            if a.facts().description.is_some_and(|d| d.contains("signature is invalid")));
        let unknown = matches!(e.code(), code::OKTA_KID_INVALID | code::OKTA_NO_JWKS) || wrong_key;
        if self.generated && unknown {
            ConnectorError::Verdict {
                code: code::OKTA_KEY_NOT_REGISTERED,
                detail: e.to_string(),
            }
        } else {
            e
        }
    }

    fn url(&self, path: &str) -> url::Url {
        let mut u = self.base.clone();
        u.set_path(path);
        u
    }

    /// A fresh client assertion: new `jti` every time, because Okta burns it even on the
    /// 400 that asks for a DPoP nonce.
    fn assertion(&self) -> Result<String, ConnectorError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = Assertion {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: self.url(TOKEN_PATH).to_string(),
            iat: now,
            exp: now + ASSERTION_LIFETIME,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(self.key.alg());
        header.typ = Some("JWT".into());
        let assertion = self.key.sign(header, &claims)?;
        crate::redact::token(&assertion);
        Ok(assertion)
    }

    /// "RSA 2048 private key (PKCS#8 PEM), kid abc…" for the input step.
    pub fn key_summary(&self) -> String {
        self.key.describe()
    }

    /// "; DPoP on; scopes okta.users.read" for the input step.
    pub fn settings_summary(&self) -> String {
        format!(
            "; DPoP {}; scopes {}",
            if self.dpop_key.is_some() { "on" } else { "off" },
            self.scopes.join(" ")
        )
    }

    pub(crate) fn answer(
        &self,
        endpoint: Endpoint,
        method: &str,
        path: &str,
        r: &HttpResponse,
    ) -> ConnectorError {
        ConnectorError::Answer(Box::new(VendorAnswer::new(
            Integration::Okta,
            endpoint,
            &format!("{method} {path}"),
            r,
        )))
    }

    /// Asks the token endpoint for `scope` (space-separated), answering its nonce challenge.
    async fn request_token(&mut self, scope: &str) -> Result<HttpResponse, ConnectorError> {
        let url = self.url(TOKEN_PATH);
        let client = self.http.inner().clone();
        let scope = scope.to_string();
        let mut challenges = 0;
        loop {
            let nonce = self.token_nonce.clone();
            let mut sent = 0;
            let r = self
                .http
                .send(http::SMALL_BODY, || {
                    sent += 1;
                    let form = [
                        ("grant_type", "client_credentials".to_string()),
                        ("scope", scope.clone()),
                        ("client_assertion_type", JWT_BEARER.to_string()),
                        ("client_assertion", self.assertion()?),
                    ];
                    let mut req = client
                        .post(url.clone())
                        .header(ACCEPT, "application/json")
                        .form(&form);
                    if let Some(k) = &self.dpop_key {
                        req = req.header(
                            "DPoP",
                            dpop::proof(k, "POST", &url, nonce.as_deref(), None)?,
                        );
                    }
                    Ok::<_, ConnectorError>(req)
                })
                .await?;
            self.token_requests += sent;
            let fresh = r.header("dpop-nonce").map(str::to_string);
            if fresh.is_some() {
                self.token_nonce = fresh.clone();
            }
            let asks_nonce =
                r.status == 400 && oauth_error(&r).as_deref() == Some("use_dpop_nonce");
            // Without a new nonce (a proxy may strip DPoP-Nonce) retrying cannot help.
            if asks_nonce && fresh.is_some() && fresh != nonce && challenges < NONCE_RETRIES {
                challenges += 1;
                continue;
            }
            return Ok(r);
        }
    }

    /// Waits out a spent rate-limit window before the next call: never hammer, and do not
    /// earn the 429 the headers announced. The pause is at most a minute; should the window
    /// still be spent then (clocks apart), the 429's own wait applies.
    async fn respect_rate_limit(&self) {
        let (Some(0), Some(reset_at)) = (self.rate.remaining, self.rate.reset_at) else {
            return;
        };
        // +1 s: the window closes at the end of the reset's second (as the SDKs wait).
        let wait =
            reset_at.saturating_duration_since(std::time::Instant::now()) + Duration::from_secs(1);
        self.http.pace(wait).await;
    }

    /// One users request up to its headers (the body is read by `PendingPage::finish`),
    /// answering Okta's resource nonce challenge once.
    pub(crate) async fn get_users(
        &mut self,
        url: &url::Url,
    ) -> Result<http::Started, ConnectorError> {
        let client = self.http.inner().clone();
        let mut challenged = false;
        // The users list's own bucket; every other list is paced by `pace` in its own.
        let users_list = url.path() == USERS_PATH;
        loop {
            if users_list {
                self.respect_rate_limit().await;
            }
            let Some(token) = &self.token else {
                return Err(ConnectorError::Unexpected("no access token".into()));
            };
            let (scheme, access) = (token.scheme, token.access.clone());
            let nonce = self.resource_nonce.clone();
            let dpop_key = self.dpop_key.as_ref().filter(|_| scheme == Scheme::Dpop);
            let r = self
                .http
                .start(http::PAGE_BODY, || {
                    let mut req = client.get(url.clone()).header(ACCEPT, "application/json");
                    match dpop_key {
                        Some(k) => {
                            let proof = dpop::proof(
                                k,
                                "GET",
                                url,
                                nonce.as_deref(),
                                Some(access.expose_secret()),
                            )?;
                            req = req
                                .header(AUTHORIZATION, format!("DPoP {}", access.expose_secret()))
                                .header("DPoP", proof);
                        }
                        None => {
                            req = req.header(
                                AUTHORIZATION,
                                format!("Bearer {}", access.expose_secret()),
                            );
                        }
                    }
                    Ok::<_, ConnectorError>(req)
                })
                .await?;
            if users_list {
                self.rate = RateWindow::read(&r.headers);
            }
            let fresh = r.header("dpop-nonce").map(str::to_string);
            if fresh.is_some() {
                self.resource_nonce = fresh.clone();
            }
            let asks_nonce = r.status == 401
                && r.header("www-authenticate")
                    .and_then(|h| auth_param(h, "error"))
                    .as_deref()
                    == Some("use_dpop_nonce");
            if asks_nonce && fresh.is_some() && !challenged {
                challenged = true;
                continue;
            }
            return Ok(r);
        }
    }

    /// The URL of the page after `cursor` (the first page without one); a next-page link is
    /// followed only within the org, so the token is never sent elsewhere.
    /// The first page of the users the default list leaves out (DEPROVISIONED).
    pub fn deactivated_start(&self) -> Cursor {
        let mut u = self.url(USERS_PATH);
        u.query_pairs_mut()
            .append_pair("limit", &PAGE_LIMIT.to_string())
            .append_pair("filter", DEPROVISIONED_FILTER);
        Cursor(u.to_string())
    }

    pub(crate) fn page_url(&self, cursor: Option<&Cursor>) -> Result<url::Url, ConnectorError> {
        match cursor {
            None => {
                let mut u = self.url(USERS_PATH);
                u.set_query(Some(&format!("limit={PAGE_LIMIT}")));
                Ok(u)
            }
            Some(c) => self.follow(&c.0),
        }
    }

    /// Asks for the page after `cursor` and returns once its headers are in: the next-page
    /// link is known, so the next request can leave while this page's body arrives.
    pub async fn start_page(
        &mut self,
        cursor: Option<&Cursor>,
    ) -> Result<PendingPage, ConnectorError> {
        let url = self.page_url(cursor)?;
        if self.token.is_none() {
            self.authenticate().await?;
        }
        let mut r = self.get_users(&url).await?;
        if r.status == 401 {
            let answer = r.read().await?;
            if okta_error_code(&answer).as_deref() != Some("E0000011") {
                return Err(self.answer(Endpoint::Users, "GET", USERS_PATH, &answer));
            }
            // Tokens live an hour; a long export outlives one. Mint once more.
            self.authenticate().await?;
            r = self.get_users(&url).await?;
        }
        if r.status != 200 {
            let answer = r.read().await?;
            return Err(self.answer(Endpoint::Users, "GET", USERS_PATH, &answer));
        }
        let default_pass = !url.query_pairs().any(|(k, _)| k == "filter");
        let next = next_link_in(&r.headers)
            .map(Cursor)
            .or_else(|| default_pass.then(|| self.deactivated_start()));
        Ok(PendingPage {
            next,
            first: cursor.is_none(),
            started: r,
        })
    }
}

/// A page whose headers are in and whose body is still arriving.
pub struct PendingPage {
    pub next: Option<Cursor>,
    first: bool,
    started: http::Started,
}

impl PendingPage {
    /// Reads and parses the body; needs nothing of the connector, so it runs beside the next
    /// request.
    pub async fn finish(self) -> Result<UsersPage, ConnectorError> {
        let r = self.started.read().await?;
        let list: Limited<OktaUser, { PAGE_LIMIT as usize }> =
            decode(&r, "the users API", "a list of users")?;
        let list = list.0;
        if self.first && list.is_empty() {
            return Err(ConnectorError::Verdict {
                code: code::OKTA_NO_ADMIN_ROLE,
                detail: "GET /api/v1/users answered 200 with an empty list: Okta does this when the app has no admin role".into(),
            });
        }
        Ok(UsersPage {
            users: list.into_iter().map(normalise).collect(),
            next: self.next,
            total: None,
            total_pages: None,
            warning: None,
            full_page: None,
            bytes: r.body.len(),
        })
    }
}

fn oauth_error(r: &HttpResponse) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()?
        .get("error")?
        .as_str()
        .map(str::to_string)
}

impl Connector for Okta {
    async fn authenticate(&mut self) -> Result<TokenInfo, ConnectorError> {
        // Is this an Okta org at all? Asked before any credential leaves this machine.
        self.know_org().await?;
        let before = self.token_requests;
        let r = self.request_token(&self.scopes.join(" ")).await?;
        if r.status != 200 {
            return Err(self.not_registered(self.answer(Endpoint::Token, "POST", TOKEN_PATH, &r)));
        }
        let body: TokenResponse = decode_token(&r)?;
        let access = access_token(body.access_token)?;
        let scheme = match body
            .token_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("dpop") => Scheme::Dpop,
            _ => Scheme::Bearer,
        };
        let requests = self.token_requests - before;
        let mut detail = match scheme {
            Scheme::Dpop => "DPoP-bound token".to_string(),
            Scheme::Bearer => "bearer token".to_string(),
        };
        if let Some(org) = self.org_summary() {
            detail = format!("{org}: {detail}");
        }
        if let Some(s) = lifetime(body.expires_in.as_ref()) {
            detail.push_str(&format!(", valid {} min", s / 60));
        }
        detail.push_str(&format!(
            "; {requests} token request{}",
            if requests == 1 { "" } else { "s" }
        ));
        if scheme == Scheme::Bearer && self.dpop_key.is_some() {
            detail.push_str(" — note: ");
            detail.push_str(crate::diagnose::note("okta.dpop_not_required"));
        }
        self.token = Some(Token {
            access: SecretString::from(access),
            scheme,
            scopes: body
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        });
        Ok(TokenInfo { detail })
    }

    fn check_scopes(&self) -> Result<String, ConnectorError> {
        let granted = self
            .token
            .as_ref()
            .map(|t| t.scopes.clone())
            .unwrap_or_default();
        let not_granted: Vec<_> = self
            .scopes
            .iter()
            .filter(|s| !crate::privilege::satisfies(&granted, s))
            .cloned()
            .collect();
        // okta.users.manage includes reading (the privilege step warns about it).
        if !crate::privilege::satisfies(&granted, USERS_SCOPE) {
            return Err(ConnectorError::Verdict {
                code: code::OKTA_MISSING_SCOPE,
                detail: format!(
                    "{USERS_SCOPE} was not granted (granted: {})",
                    scope_list(&granted)
                ),
            });
        }
        let mut detail = format!("granted: {}", granted.join(", "));
        if !not_granted.is_empty() {
            detail.push_str(&format!(
                "; not granted: {} (not needed to read users)",
                not_granted.join(", ")
            ));
        }
        Ok(detail)
    }

    async fn users_page(&mut self, cursor: Option<&Cursor>) -> Result<UsersPage, ConnectorError> {
        match self.start_page(cursor).await?.finish().await {
            Err(e) if cursor.is_none() => Err(self.explain_empty(e).await),
            page => page,
        }
    }

    fn carry_over(&self) -> Carry {
        Carry {
            dpop_nonce: self.token_nonce.clone(),
        }
    }
}

fn okta_error_code(r: &HttpResponse) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()?
        .get("errorCode")?
        .as_str()
        .map(str::to_string)
}

/// The `rel="next"` target among all `Link` headers (Okta sends one header per link).
pub(crate) fn next_link_in(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let mut parts = link.split(';');
            let target = parts.next()?.trim();
            let is_next = parts.any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
            is_next.then(|| {
                target
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaUser {
    id: Option<Text>,
    status: Option<Text>,
    created: Option<Text>,
    activated: Option<Text>,
    status_changed: Option<Text>,
    last_login: Option<Text>,
    last_updated: Option<Text>,
    password_changed: Option<Text>,
    #[serde(default)]
    profile: OktaProfile,
    #[serde(rename = "type")]
    user_type: Option<OktaType>,
    credentials: Option<OktaCredentials>,
}

/// The parts of a user's `type` and `credentials` shown; the rest is skipped unread, not
/// kept as JSON values.
#[derive(Deserialize)]
struct OktaType {
    id: Option<Text>,
}

#[derive(Deserialize)]
struct OktaCredentials {
    provider: Option<OktaProvider>,
}

#[derive(Deserialize)]
struct OktaProvider {
    #[serde(rename = "type")]
    kind: Option<Text>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OktaProfile {
    login: Option<Text>,
    email: Option<Text>,
    first_name: Option<Text>,
    last_name: Option<Text>,
    display_name: Option<Text>,
}

fn status(s: Option<&str>) -> UserStatus {
    match s {
        Some("ACTIVE") => UserStatus::Active,
        Some("STAGED") => UserStatus::Staged,
        Some("PROVISIONED") => UserStatus::Provisioned,
        Some("RECOVERY") => UserStatus::Recovery,
        Some("LOCKED_OUT") => UserStatus::LockedOut,
        Some("PASSWORD_EXPIRED") => UserStatus::PasswordExpired,
        Some("SUSPENDED") => UserStatus::Suspended,
        Some("DEPROVISIONED") => UserStatus::Deprovisioned,
        _ => UserStatus::Unknown,
    }
}

pub(crate) fn normalise(u: OktaUser) -> User {
    let p = u.profile;
    let first = text(p.first_name).unwrap_or_default();
    let last = text(p.last_name).unwrap_or_default();
    let name = text(p.display_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{first} {last}").trim().to_string());
    let mut extra = Extras::default();
    for (k, v) in [
        ("activated", u.activated),
        ("status changed", u.status_changed),
        ("last updated", u.last_updated),
        ("password changed", u.password_changed),
    ] {
        if let Some(v) = text(v) {
            extra.insert(k, v);
        }
    }
    if let Some(t) = text(u.user_type.and_then(|t| t.id)) {
        extra.insert("user type", t);
    }
    if let Some(p) = text(u.credentials.and_then(|c| c.provider?.kind)) {
        extra.insert("credential provider", p);
    }
    let raw_status = text(u.status);
    let status = status(raw_status.as_deref());
    if status == UserStatus::Unknown
        && let Some(s) = raw_status
    {
        extra.insert("okta status", s);
    }
    let login = text(p.login).unwrap_or_default();
    User {
        id: text(u.id).unwrap_or_default(),
        email: text(p.email).unwrap_or_else(|| login.clone()),
        login,
        name,
        first_name: first,
        last_name: last,
        status,
        created: text(u.created),
        last_login: text(u.last_login),
        source: Integration::Okta,
        extra,
        access: Vec::new(),
    }
    .bounded()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_eight_statuses() {
        for s in [
            "ACTIVE",
            "DEPROVISIONED",
            "LOCKED_OUT",
            "PASSWORD_EXPIRED",
            "PROVISIONED",
            "RECOVERY",
            "STAGED",
            "SUSPENDED",
        ] {
            assert_eq!(status(Some(s)).as_str(), s);
        }
        assert_eq!(status(Some("ACTIVATING")), UserStatus::Unknown);
    }

    #[test]
    fn the_documented_user_normalises() {
        let u: OktaUser = serde_json::from_str(r#"{"id":"00usfdsyqnIjEmHNm4x6","status":"STAGED","created":"2020-08-27T18:16:00.000Z","activated":null,"statusChanged":null,"lastLogin":null,"lastUpdated":"2020-08-27T18:16:00.000Z","passwordChanged":"2020-08-27T18:16:00.000Z","type":{"id":"otyc04qb2rUDcq2YA4x6"},"profile":{"firstName":"John","lastName":"Doe-Activate","mobilePhone":null,"secondEmail":null,"login":"John.Doe-Activate@example.com","email":"John.Doe-Activate@example.com"},"credentials":{"password":{},"emails":[{"value":"John.Doe-Activate@example.com","status":"VERIFIED","type":"PRIMARY"}],"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://test.okta.com/api/v1/users/00usfdsyqnIjEmHNm4x6"}}}"#).unwrap();
        let n = normalise(u);
        assert_eq!(n.status, UserStatus::Staged);
        assert_eq!(n.name, "John Doe-Activate");
        assert_eq!(n.login, "John.Doe-Activate@example.com");
        assert_eq!(n.extra.get("user type"), Some("otyc04qb2rUDcq2YA4x6"));
        assert!(n.last_login.is_none());
    }
}
