//! An emulated OneTrust tenant (onetrust-wire.md §7, "Emulator checklist"): the client
//! credentials token endpoint and the Access Management users API, validated strictly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::data::{Directory, iso, random_token};
use super::scenario::{Faults, Scenario};

pub const TOKEN_PATH: &str = "/api/access/v1/oauth/token";
pub const USERS_PATH: &str = "/api/access/v2/users";
const SORTS: &[&str] = &[
    "name,asc",
    "name,desc",
    "email,asc",
    "email,desc",
    "organizationname,asc",
    "organizationname,desc",
];

/// What `--credentials-out` publishes for the OneTrust tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credential {
    pub host: String,
    pub client_id: String,
    pub client_secret: String,
}

struct Issued {
    scopes: Vec<&'static str>,
    expires: Instant,
    /// `Some(n)`: the token stops working after n users requests.
    uses_left: Option<u32>,
}

pub struct Tenant {
    client_id: String,
    client_secret: String,
    scopes: Vec<&'static str>,
    people: Directory,
    access: crate::access::Access,
    faults: Faults,
    tokens: Mutex<HashMap<String, Issued>>,
    users_requests: Mutex<u32>,
    tenant_guid: String,
    /// The users API's documented limit ("Default API Rate Limit 1,000 / Minute" per
    /// endpoint, onetrust-wire.md §3.3): requests this minute, and when the minute began.
    minute: Mutex<(u64, u32)>,
    pub stats: Arc<crate::stats::Stats>,
}

/// OneTrust's documented per-endpoint limit, per minute.
pub const REQUESTS_PER_MINUTE: u32 = 1000;

impl Tenant {
    pub fn new(access: crate::access::Access, faults: Faults) -> Self {
        let people = access.people().clone();
        // A credential made as the setup guide asks holds USER alone; real ones often hold
        // more (the spec's example lists ~29 scopes, entitlements-wire §9.3).
        let scopes = if faults.on(Scenario::OneTrustMissingUserScope) {
            vec!["ASSESSMENT", "SCIM", "INVENTORY_READ"]
        } else if faults.on(Scenario::OneTrustExtraScopes) {
            vec!["USER", "ORGANIZATION", "ASSESSMENT", "INTEGRATIONS"]
        } else {
            vec!["USER"]
        };
        Self {
            client_id: random_token(32).to_lowercase(),
            client_secret: random_token(32),
            scopes,
            people,
            access,
            faults,
            tokens: Mutex::default(),
            users_requests: Mutex::new(0),
            minute: Mutex::new((0, 0)),
            stats: Arc::default(),
            tenant_guid: uuid::Uuid::new_v4().to_string(),
        }
    }

    pub fn credential(&self, host: &str) -> Credential {
        Credential {
            host: host.to_string(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        }
    }

    /// Counts a users request against this minute's budget; the seconds to wait when spent.
    fn over_minute_limit(&self) -> Option<u64> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
        let mut m = self.minute.lock().ok()?;
        if now >= m.0 + 60 {
            *m = (now, 0);
        }
        m.1 += 1;
        (m.1 > REQUESTS_PER_MINUTE).then(|| (m.0 + 60).saturating_sub(now).max(1))
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(TOKEN_PATH, post(token))
            .route(USERS_PATH, get(users))
            .with_state(self)
    }
}

fn rate_limited(retry_after: u64, period: &str) -> Response {
    let mut r = (StatusCode::TOO_MANY_REQUESTS, "").into_response();
    let h = r.headers_mut();
    let pairs = [
        ("retry-after", retry_after.to_string()),
        ("ot-period", period.to_string()),
        ("ot-ratelimit-event-id", uuid::Uuid::new_v4().to_string()),
        (
            "ot-request-made",
            if period == "MINUTE" {
                REQUESTS_PER_MINUTE + 1
            } else {
                200_001
            }
            .to_string(),
        ),
        (
            "ot-requests-allowed",
            if period == "MINUTE" {
                REQUESTS_PER_MINUTE
            } else {
                200_000
            }
            .to_string(),
        ),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    r
}

/// OneTrust documents no error body; the emulator sends a Spring-style one clients must not
/// depend on.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or(""),
        "message": message,
    });
    (status, axum::Json(body)).into_response()
}

/// The token request's fields, from either documented encoding.
async fn token_fields(req: Request) -> Result<HashMap<String, String>, Response> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut fields = HashMap::new();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, &())
            .await
            .map_err(|e| error(StatusCode::BAD_REQUEST, &e.body_text()))?;
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or_default().to_string();
            let value = field.text().await.unwrap_or_default();
            fields.insert(name, value);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
            .await
            .map_err(|_| error(StatusCode::BAD_REQUEST, "request body too large"))?;
        fields.extend(url::form_urlencoded::parse(&bytes).into_owned());
    } else {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected multipart/form-data or application/x-www-form-urlencoded",
        ));
    }
    Ok(fields)
}

async fn token(State(t): State<Arc<Tenant>>, req: Request) -> Response {
    t.stats
        .token_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if t.faults.on(Scenario::OneTrustRateLimit) {
        return rate_limited(3600, "HOUR");
    }
    if t.faults.on(Scenario::OneTrustServerError) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    if t.faults.on(Scenario::OneTrustRedirect) {
        // To the same port on another name; 307 keeps the method and body, secret included,
        // for a client that follows it.
        let port = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.rsplit(':').next())
            .unwrap_or_default()
            .to_string();
        let to = format!(
            "http://localhost:{port}{}{TOKEN_PATH}",
            crate::okta_self::REDIRECTED_PATH
        );
        let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    // Both are declared for GetOAuthToken without a reason or a body (entitlements-wire §9.4).
    if t.faults.on(Scenario::OneTrustTokenForbidden) {
        return error(StatusCode::FORBIDDEN, "Forbidden");
    }
    if t.faults.on(Scenario::OneTrustTokenNotFound) {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let fields = match token_fields(req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let field = |k: &str| fields.get(k).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return error(StatusCode::BAD_REQUEST, "Invalid grant_type");
    }
    let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "client_id and client_secret are required",
        );
    };
    if id != t.client_id || secret != t.client_secret {
        return error(StatusCode::UNAUTHORIZED, "Invalid client credentials");
    }
    if t.faults.on(Scenario::OneTrustHtml) {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<!doctype html><title>Sign in</title><form>…</form>",
        )
            .into_response();
    }

    let scopes = t.scopes.join(",");
    let hide = t.faults.on(Scenario::OneTrustScopesUnlisted);
    let jti = uuid::Uuid::new_v4().to_string();
    let claims = serde_json::json!({
        "role": "Api Key User",
        "client_id": t.client_id,
        "tenantGuid": t.tenant_guid,
        "ot-scopes": if hide { None } else { Some(&scopes) },
        "scope": ["read"],
        "exp": time::OffsetDateTime::now_utc().unix_timestamp() + 3600,
        "jti": jti,
    });
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    // Looks like OneTrust's RS256 JWT; nobody verifies its signature but this emulator's map.
    let access_token = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64(claims.to_string().as_bytes()),
        b64(random_token(64).as_bytes())
    );
    t.tokens
        .lock()
        .map(|mut m| {
            m.insert(
                access_token.clone(),
                Issued {
                    scopes: t.scopes.clone(),
                    expires: Instant::now() + Duration::from_secs(3600),
                    uses_left: t.faults.on(Scenario::OneTrustExpireTokens).then_some(1),
                },
            )
        })
        .ok();
    let guid = t.tenant_guid.replace('-', "");
    let mut body = serde_json::json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": 3599,
        "scope": "read",
        "email": format!("{guid}@api.onetrust.com"),
        "user_name": format!("{guid}@api.onetrust.com"),
        "tenantGuid": t.tenant_guid,
        "tenantId": 36,
        "orgGroupId": t.tenant_guid,
        "orgGroupGuid": t.tenant_guid,
        "guid": uuid::Uuid::new_v4().to_string(),
        "sessionId": uuid::Uuid::new_v4().to_string(),
        "languageId": 1,
        "role": "Api Key User",
        "jti": jti,
    });
    let listed = !hide && !t.faults.on(Scenario::OneTrustScopesInJwt);
    if listed {
        let key = if t.faults.on(Scenario::OneTrustHyphenScopes) {
            "ot-scopes"
        } else {
            "ot_scopes"
        };
        body[key] = serde_json::Value::String(scopes);
    }
    // RFC 6749 §5.1: a token response must not be cached.
    let mut r = (StatusCode::OK, axum::Json(body)).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

#[derive(Deserialize)]
struct UsersQuery {
    page: Option<String>,
    size: Option<String>,
    sort: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OtUser<'a> {
    user_id: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    full_name: String,
    email: &'a str,
    active: bool,
    internal: bool,
    email_confirmed: bool,
    // The spec types optional fields as plain strings: an unknown one is left out, never null.
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    created_date: String,
    last_modified_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_by: Option<&'a str>,
    default_organization_id: String,
    default_organization_name: &'a str,
    access_levels: Vec<OtAccessLevel>,
}

/// `accessLevels` item (`PublicOrgUserDetailsResponse`): a role in an organization.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OtAccessLevel {
    organization_id: String,
    organization_name: &'static str,
    role_id: String,
    role_name: &'static str,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct OtPage<'a> {
    content: Vec<OtUser<'a>>,
    empty: bool,
    first: bool,
    last: bool,
    number: Option<usize>,
    number_of_elements: usize,
    size: usize,
    total_elements: usize,
    total_pages: usize,
    sort: OtSort,
}

#[derive(serde::Serialize)]
struct OtSort {
    empty: bool,
    sorted: bool,
    unsorted: bool,
}

async fn users(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Query(q): Query<UsersQuery>,
) -> Response {
    if t.faults.on(Scenario::OneTrustRateLimit) {
        return rate_limited(3600, "HOUR");
    }
    t.stats
        .users_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(retry) = t.over_minute_limit() {
        t.stats
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return rate_limited(retry, "MINUTE");
    }
    let request_no = t
        .users_requests
        .lock()
        .map(|mut n| {
            *n += 1;
            *n
        })
        .unwrap_or(0);
    if t.faults.on(Scenario::OneTrustRateLimitBurst) && request_no <= 2 {
        return rate_limited(1, "MINUTE");
    }
    let Some(token) = bearer(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing authentication",
        );
    };
    let scopes = {
        let Ok(mut tokens) = t.tokens.lock() else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "lock");
        };
        let valid = tokens
            .get_mut(token)
            .filter(|i| i.expires > Instant::now() && i.uses_left != Some(0));
        match valid {
            Some(issued) if !t.faults.on(Scenario::OneTrustRejectTokens) => {
                if let Some(n) = issued.uses_left.as_mut() {
                    *n -= 1;
                }
                issued.scopes.clone()
            }
            _ => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "Invalid or missing authentication",
                );
            }
        }
    };
    if !scopes.contains(&"USER") {
        return error(StatusCode::FORBIDDEN, "Insufficient permissions");
    }
    let parse = |v: &Option<String>, default: i64| match v {
        None => Some(default),
        Some(s) => s.parse::<i64>().ok(),
    };
    let (Some(page), Some(size)) = (parse(&q.page, 0), parse(&q.size, 20)) else {
        return error(StatusCode::BAD_REQUEST, "page and size must be integers");
    };
    if page < 0 || !(1..=2000).contains(&size) {
        return error(
            StatusCode::BAD_REQUEST,
            "page must be >= 0 and size 1..2000",
        );
    }
    let sort = q.sort.as_deref().unwrap_or("name,asc");
    if !SORTS.contains(&sort) {
        return error(StatusCode::BAD_REQUEST, "Invalid sort");
    }
    let page = if t.faults.on(Scenario::OneTrustIgnorePaging) {
        0
    } else {
        page as usize
    };
    let size = size as usize;
    let total = if t.faults.on(Scenario::OneTrustChildOrg) {
        0
    } else {
        t.people.len()
    };
    let total_pages = total.div_ceil(size);
    let start = page.saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let accounts: Vec<_> = (start..end).map(|i| t.people.onetrust(i)).collect();
    let content: Vec<OtUser> = accounts
        .iter()
        .map(|a| OtUser {
            user_id: &a.id,
            first_name: a.first,
            last_name: a.last,
            full_name: format!("{} {}", a.first, a.last),
            email: &a.email,
            active: a.active,
            internal: a.internal,
            email_confirmed: a.email_confirmed,
            external_id: None,
            created_date: iso(a.created),
            last_modified_date: iso(a.modified),
            last_login_date: a.last_login.map(iso),
            expiration_date_time: a.expiration.map(iso),
            disabled_date_time: a.disabled.map(iso),
            disabled_by: a.disabled_by,
            default_organization_id: t.access.organization_id(a.default_org),
            default_organization_name: crate::access::ORGS
                .get(a.default_org)
                .copied()
                .unwrap_or_default(),
            access_levels: t
                .access
                .access_levels_of(a.index)
                .into_iter()
                .map(|l| OtAccessLevel {
                    organization_id: l.organization_id,
                    organization_name: l.organization_name,
                    role_id: l.role_id,
                    role_name: l.role_name,
                })
                .collect(),
        })
        .collect();
    let ignores_paging = t.faults.on(Scenario::OneTrustIgnorePaging);
    let count = content.len();
    // Written straight from typed rows: a million users are 500 of these pages.
    let body = OtPage {
        content,
        empty: count == 0,
        first: page == 0,
        // A server that ignores paging also misreports where it is.
        last: !ignores_paging && page + 1 >= total_pages,
        number: (!ignores_paging).then_some(page),
        number_of_elements: count,
        size,
        total_elements: total,
        total_pages,
        sort: OtSort {
            empty: false,
            sorted: true,
            unsorted: false,
        },
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}
