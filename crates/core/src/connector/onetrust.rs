//! OneTrust: OAuth 2.0 client credentials and the Access Management users API
//! (shared/docs/onetrust-wire.md, "Decisions").

use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{
    Connector, ConnectorConfig, ConnectorError, Cursor, Endpoint, Limited, Text, TokenInfo,
    UsersPage, VendorAnswer, access_token, decode, decode_token, lifetime, scope_list, text,
};
use crate::diagnose::code;
use crate::http::{self, HttpClient, HttpResponse};
use crate::integration::Integration;
use crate::users::{Extras, User, UserStatus};

pub const TOKEN_PATH: &str = "/api/access/v1/oauth/token";
pub const USERS_PATH: &str = "/api/access/v2/users";
/// The documented maximum page size.
pub const PAGE_SIZE: u32 = 2000;
const USER_SCOPE: &str = "USER";

pub struct OneTrust {
    http: HttpClient,
    base: url::Url,
    client_id: String,
    secret: SecretString,
    token: Option<Token>,
    page_size: u32,
    pacer: Pacer,
}

/// Keeps the users requests within OneTrust's documented per-endpoint limit ("Default API
/// Rate Limit 1,000 / Minute", onetrust-wire.md §3.3): never more than that many in any
/// minute, however many pages are in flight. A burst below the limit is not slowed at all.
struct Pacer {
    per_minute: usize,
    sent: std::sync::Mutex<std::collections::VecDeque<std::time::Instant>>,
}

/// The documented limit.
pub const REQUESTS_PER_MINUTE: usize = 1000;

impl Pacer {
    async fn wait(&self) {
        const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);
        loop {
            let wait = {
                let Ok(mut sent) = self.sent.lock() else {
                    return;
                };
                let now = std::time::Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= MINUTE)
                {
                    sent.pop_front();
                }
                if sent.len() < self.per_minute {
                    sent.push_back(now);
                    return;
                }
                sent.front()
                    .map_or(MINUTE, |t| MINUTE.saturating_sub(now.duration_since(*t)))
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// What one page request came back with.
pub enum Fetched {
    Page(UsersPage),
    /// 401: the token expired (lifetimes go down to an hour); the answer, for a diagnosis if
    /// a fresh token does not help.
    Expired(Box<HttpResponse>),
}

struct Token {
    access: SecretString,
    /// `None` when neither the response nor the JWT says.
    scopes: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    /// Any shape: see `lifetime`.
    expires_in: Option<serde_json::Value>,
    ot_scopes: Option<String>,
    #[serde(rename = "ot-scopes")]
    ot_scopes_dash: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    #[serde(default)]
    pub(crate) content: Limited<OtUser, { PAGE_SIZE as usize }>,
    last: Option<bool>,
    number: Option<u32>,
    /// The page size the server used.
    size: Option<u32>,
    total_pages: Option<u32>,
    total_elements: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OtUser {
    user_id: Option<Text>,
    first_name: Option<Text>,
    last_name: Option<Text>,
    full_name: Option<Text>,
    email: Option<Text>,
    active: Option<bool>,
    internal: Option<bool>,
    email_confirmed: Option<bool>,
    external_id: Option<Text>,
    created_date: Option<Text>,
    last_login_date: Option<Text>,
    disabled_date_time: Option<Text>,
    expiration_date_time: Option<Text>,
    disabled_by: Option<Text>,
    default_organization_name: Option<Text>,
    /// Role-per-organization pairs (`PublicOrgUserDetailsResponse.accessLevels`, `uniqueItems`).
    #[serde(default)]
    access_levels: Option<super::Limited<OtAccessLevel, { crate::users::MAX_INLINE }>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OtAccessLevel {
    organization_id: Option<Text>,
    organization_name: Option<Text>,
    role_id: Option<Text>,
    role_name: Option<Text>,
}

/// An access level as an entitlement: its ID names the role in the organization, so the same
/// role in two organizations is two entitlements (a review certifies each).
fn access_level(l: OtAccessLevel) -> Option<crate::entitlements::Entitlement> {
    let role_id = text(l.role_id)?;
    let org_id = text(l.organization_id).unwrap_or_default();
    let role = text(l.role_name).unwrap_or_else(|| role_id.clone());
    Some(crate::entitlements::Entitlement {
        kind: crate::entitlements::Kind::AccessLevel,
        id: format!("{org_id}/{role_id}"),
        name: role,
        organization: Some(text(l.organization_name).unwrap_or(org_id)),
        detail: None,
    })
}

impl OneTrust {
    pub fn new(config: ConnectorConfig) -> Self {
        Self {
            http: config.http,
            base: config.host.base_url(),
            client_id: config.client_id,
            secret: config.secret,
            token: None,
            page_size: PAGE_SIZE,
            pacer: Pacer {
                per_minute: REQUESTS_PER_MINUTE,
                sent: std::sync::Mutex::default(),
            },
        }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The token was found dead: the next page mints a fresh one first.
    pub fn forget_token(&mut self) {
        self.token = None;
    }

    /// One page by number; takes `&self`, so several can be in flight at once.
    pub async fn fetch_page(&self, page: u32) -> Result<Fetched, ConnectorError> {
        self.pacer.wait().await;
        let r = self.get_users(page).await?;
        if r.status == 401 {
            return Ok(Fetched::Expired(Box::new(r)));
        }
        if r.status != 200 {
            return Err(answer(Endpoint::Users, "GET", USERS_PATH, &r));
        }
        // Parsed as a task of its own: with several pages in flight, reading one page's JSON
        // must not hold up the others' requests on this task. Not on the blocking pool: its
        // many threads would each keep an allocator arena of freed pages (RSS, not heap).
        let page_size = self.page_size;
        tokio::spawn(async move { parse_page(&r, page, page_size) })
            .await
            .map_err(|e| {
                ConnectorError::Unexpected(format!("reading a page of users stopped: {e}"))
            })?
            .map(Fetched::Page)
    }

    fn url(&self, path: &str) -> url::Url {
        let mut u = self.base.clone();
        u.set_path(path);
        u
    }

    async fn fetch_token(&mut self) -> Result<TokenInfo, ConnectorError> {
        let url = self.url(TOKEN_PATH);
        let client = self.http.inner().clone();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose_secret()),
        ];
        let r = self
            .http
            .send(http::SMALL_BODY, || {
                Ok::<_, ConnectorError>(
                    client
                        .post(url.clone())
                        .header(ACCEPT, "application/json")
                        .form(&form),
                )
            })
            .await?;
        if r.status != 200 {
            let mut e = answer(Endpoint::Token, "POST", TOKEN_PATH, &r);
            if r.status == 404
                && let ConnectorError::Answer(a) = &mut e
            {
                a.notes.push(environment_hint(&self.base));
            }
            return Err(e);
        }
        let body: TokenResponse = decode_token(&r)?;
        let access = access_token(body.access_token)?;
        let scopes = body
            .ot_scopes
            .or(body.ot_scopes_dash)
            .or_else(|| scopes_from_jwt(&access))
            .map(|s| split_scopes(&s));
        let lifetime = lifetime(body.expires_in.as_ref())
            .map(|s| format!(", valid {}", human_duration(s)))
            .unwrap_or_default();
        let detail = format!(
            "{} token issued in {} ms{lifetime}",
            body.token_type
                .as_deref()
                .unwrap_or("bearer")
                .to_lowercase(),
            r.elapsed.as_millis()
        );
        self.token = Some(Token {
            access: SecretString::from(access),
            scopes,
        });
        Ok(TokenInfo { detail })
    }

    async fn get_users(&self, page: u32) -> Result<HttpResponse, ConnectorError> {
        let url = self.url(USERS_PATH);
        let client = self.http.inner().clone();
        let bearer = format!(
            "Bearer {}",
            self.token
                .as_ref()
                .map(|t| t.access.expose_secret())
                .unwrap_or_default()
        );
        let query = [
            ("page", page.to_string()),
            ("size", self.page_size.to_string()),
            ("sort", "email,asc".to_string()),
        ];
        self.http
            .send(http::PAGE_BODY, || {
                Ok(client
                    .get(url.clone())
                    .query(&query)
                    .header(ACCEPT, "application/json")
                    .header(AUTHORIZATION, &bearer))
            })
            .await
    }
}

/// A token endpoint that answers 404: which host was asked, and — when it is one of OneTrust's
/// environment hosts — the others, where a tenant hosted elsewhere lives (inferred: OneTrust
/// gives no reason for a 404, entitlements-wire §9.4).
fn environment_hint(base: &url::Url) -> String {
    let host = base.host_str().unwrap_or_default();
    match crate::validate::other_onetrust_environments(host) {
        Some(others) => format!(
            "inferred: {host} may not be this tenant's environment; the others are {}",
            others.join(", ")
        ),
        None => format!("inferred: {host} may not be this tenant's host"),
    }
}

fn answer(endpoint: Endpoint, method: &str, path: &str, r: &HttpResponse) -> ConnectorError {
    ConnectorError::Answer(Box::new(VendorAnswer::new(
        Integration::OneTrust,
        endpoint,
        &format!("{method} {path}"),
        r,
    )))
}

/// The privilege step (entitlements-wire §9.3): scopes are fixed on the credential and the
/// token lists them, so nothing is asked for. Every scope beyond USER is a warning; USER
/// itself can change users (there is no read-only user scope), said once as a note.
impl OneTrust {
    pub fn privileges(&self) -> (crate::privilege::Privileges, String) {
        let mut p = crate::privilege::Privileges::default();
        let Some(scopes) = self.token.as_ref().and_then(|t| t.scopes.as_ref()) else {
            return (
                p,
                "the token does not list its scopes: nothing beyond USER could be checked".into(),
            );
        };
        let extra: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !s.eq_ignore_ascii_case(USER_SCOPE))
            .collect();
        if scopes.iter().any(|s| s.eq_ignore_ascii_case(USER_SCOPE)) {
            p.note("onetrust.user_scope_writes", "");
        }
        let detail = if extra.is_empty() {
            "the credential holds USER only".to_string()
        } else {
            let listed = super::excerpt(&extra.join(", "), super::QUOTED);
            p.warn(
                crate::privilege::code::ONETRUST_EXTRA_SCOPES,
                format!("the credential also holds {listed}"),
            );
            format!("USER and {} more: {listed}", extra.len())
        };
        (p, detail)
    }
}

impl Connector for OneTrust {
    async fn authenticate(&mut self) -> Result<TokenInfo, ConnectorError> {
        self.fetch_token().await
    }

    fn check_scopes(&self) -> Result<String, ConnectorError> {
        match self.token.as_ref().and_then(|t| t.scopes.as_ref()) {
            None => Ok("the token does not list its scopes; the users call will tell".into()),
            Some(scopes) if scopes.iter().any(|s| s.eq_ignore_ascii_case(USER_SCOPE)) => {
                Ok(format!("USER granted ({} scopes in all)", scopes.len()))
            }
            Some(scopes) => Err(ConnectorError::Verdict {
                code: code::ONETRUST_MISSING_USER_SCOPE,
                detail: format!(
                    "USER is not among the granted scopes ({})",
                    scope_list(scopes)
                ),
            }),
        }
    }

    async fn users_page(&mut self, cursor: Option<&Cursor>) -> Result<UsersPage, ConnectorError> {
        let page: u32 = match cursor {
            None => 0,
            Some(c) => c.0.parse().map_err(|_| {
                ConnectorError::Unexpected(format!("not a OneTrust page cursor: {}", c.0))
            })?,
        };
        if self.token.is_none() {
            self.fetch_token().await?;
        }
        if let Fetched::Page(p) = self.fetch_page(page).await? {
            return Ok(p);
        }
        // Tokens expire (lifetimes go down to one hour): mint a new one once, then give up.
        self.fetch_token().await?;
        match self.fetch_page(page).await? {
            Fetched::Page(p) => Ok(p),
            Fetched::Expired(r) => Err(answer(Endpoint::Users, "GET", USERS_PATH, &r)),
        }
    }
}

/// Page `page` of users from its answer; `page_size` is what was asked for.
fn parse_page(r: &HttpResponse, page: u32, page_size: u32) -> Result<UsersPage, ConnectorError> {
    let body: Page = decode(r, "the users API", "a page of users")?;
    if let Some(n) = body.number
        && n != page
    {
        return Err(ConnectorError::Unexpected(format!(
            "asked for page {page} of users but got page {n}: the server ignores paging"
        )));
    }
    let count = body.content.0.len() as u32;
    if count > page_size {
        return Err(ConnectorError::Unexpected(format!(
            "page {page} of users holds {count} users though at most {page_size} were asked for: the server ignores the page size"
        )));
    }
    let done = body.last == Some(true)
        || count == 0
        || body.total_pages.is_some_and(|t| page + 1 >= t)
        || (body.last.is_none() && body.total_pages.is_none() && count < page_size);
    if page == 0 && count == 0 {
        return Err(ConnectorError::Verdict {
            code: code::ONETRUST_NO_USERS,
            detail:
                "GET /api/access/v2/users answered with no users at all: the credential sees nobody"
                    .into(),
        });
    }
    Ok(UsersPage {
        users: body.content.0.into_iter().map(normalise).collect(),
        next: (!done).then(|| Cursor((page + 1).to_string())),
        total: body.total_elements,
        total_pages: body.total_pages.map(u64::from),
        warning: None,
        // A server may use a smaller size than asked for (it says which); never a larger one.
        full_page: Some(u64::from(
            body.size
                .filter(|s| (1..=page_size).contains(s))
                .unwrap_or(page_size),
        )),
        bytes: r.body.len(),
    })
}

pub(crate) fn normalise(u: OtUser) -> User {
    let first = text(u.first_name).unwrap_or_default();
    let last = text(u.last_name).unwrap_or_default();
    let name = text(u.full_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{first} {last}").trim().to_string());
    let email = text(u.email).unwrap_or_default();
    let mut extra = Extras::default();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    if let Some(v) = u.internal {
        extra.insert("internal", yes_no(v));
    }
    if let Some(v) = u.email_confirmed {
        extra.insert("email confirmed", yes_no(v));
    }
    for (k, v) in [
        ("external id", u.external_id),
        ("organization", u.default_organization_name),
        ("disabled", u.disabled_date_time),
        ("disabled by", u.disabled_by),
        ("expires", u.expiration_date_time),
    ] {
        if let Some(v) = text(v).filter(|v| !v.is_empty()) {
            extra.insert(k, v);
        }
    }
    User {
        id: text(u.user_id).unwrap_or_default(),
        login: email.clone(),
        email,
        name,
        first_name: first,
        last_name: last,
        status: match u.active {
            Some(true) => UserStatus::Active,
            Some(false) => UserStatus::Inactive,
            None => UserStatus::Unknown,
        },
        created: text(u.created_date),
        last_login: text(u.last_login_date),
        source: Integration::OneTrust,
        extra,
        access: u
            .access_levels
            .map(|l| l.into_iter().filter_map(access_level).collect())
            .unwrap_or_default(),
    }
    .bounded()
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// OneTrust tokens are JWTs carrying `ot-scopes`; read it without verifying (we are the
/// client, the server verifies). Anything unexpected means "unknown".
fn scopes_from_jwt(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    ["ot-scopes", "ot_scopes"]
        .iter()
        .find_map(|k| claims.get(*k)?.as_str().map(str::to_string))
}

fn human_duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 * 2 => format!("{} days", s / 86_400),
        s if s >= 7_200 => format!("{} h", s / 3_600),
        s if s >= 120 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_from_a_jwt_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"ot-scopes":"ASSESSMENT,USER","scope":["read"]}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig");
        assert_eq!(scopes_from_jwt(&token).as_deref(), Some("ASSESSMENT,USER"));
        assert_eq!(scopes_from_jwt("opaque"), None);
        assert_eq!(split_scopes("A, B,,C"), vec!["A", "B", "C"]);
    }

    #[test]
    fn optional_fields_may_be_null_or_missing() {
        for text in [
            r#"{"userId":"u1","email":"a@x.test","externalId":null,"lastLoginDate":null,"disabledDateTime":null}"#,
            r#"{"userId":"u1","email":"a@x.test"}"#,
        ] {
            let n = normalise(serde_json::from_str::<OtUser>(text).unwrap());
            assert_eq!(n.last_login, None, "{text}");
            assert!(!n.extra.contains_key("external id"), "{text}");
        }
    }

    #[test]
    fn user_normalisation() {
        let u: OtUser = serde_json::from_str(
            r#"{"userId":"u1","firstName":"Ada","lastName":"Lovelace","email":"ada@x.test","active":false,"internal":true}"#,
        )
        .unwrap();
        let n = normalise(u);
        assert_eq!(n.name, "Ada Lovelace");
        assert_eq!(n.status, UserStatus::Inactive);
        assert_eq!(n.extra.get("internal"), Some("yes"));
        assert_eq!(n.login, "ada@x.test");
    }
}
