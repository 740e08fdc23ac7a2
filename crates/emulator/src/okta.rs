//! An emulated Okta org with one API Services app, implementing okta-wire.md's "Emulator
//! checklist": assertion verification against the app's JWKS, exact `aud`, `exp` window with no
//! leeway, single-use `jti` (burned even on the nonce challenge), DPoP proof validation
//! (`typ`, `alg`, signature, `htm`, `htu`, `iat` window, replay, `ath`, `cnf.jkt`), nonces,
//! scope grants, the admin role, `Link` paging, `X-Rate-Limit-*` and `X-Okta-Request-Id`.
//! Error strings are Okta's own (shared/reference/okta/*-error-codes.json).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::access::Access;
use super::data::{Directory, Person, iso, random_token};
use super::jose::{self, ConsoleKey};
use super::scenario::{Faults, Scenario};

const TOKEN_PATH: &str = "/oauth2/v1/token";
const USERS_PATH: &str = "/api/v1/users";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DPOP_ALGS: &str = "RS256 RS384 RS512 ES256 ES384 ES512";
/// The admin granted these on the app's "Okta API Scopes" tab (the recommended set).
const ALL_GRANTS: &[&str] = &[
    "okta.users.read",
    "okta.groups.read",
    "okta.apps.read",
    "okta.roles.read",
];
const MAX_PAGE: usize = 200;
/// An API Services app holds at most this many active public keys.
pub const MAX_KEYS: usize = 2;
/// Not Okta's API: the emulator's own admin endpoint (loopback only), for tests and the demo
/// to play the admin who adds a public key in the Admin Console.
pub const ADMIN_KEYS_PATH: &str = "/emulator/admin/okta/keys";

/// What `--credentials-out` publishes for the Okta org's default app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credential {
    pub host: String,
    pub client_id: String,
    pub private_key_pem: String,
    pub private_key_jwk: String,
    pub key_id: String,
    pub dpop: bool,
}

struct RegisteredKey {
    kid: String,
    /// The public JWK the app holds.
    public: Value,
}

struct Issued {
    scopes: Vec<String>,
    jkt: Option<String>,
    expires: i64,
}

struct RateWindow {
    started: i64,
    used: u32,
    /// Every request counted in this bucket, all windows together (for benchmarks' floors).
    total: u64,
    limit: u32,
}

pub struct Org {
    base: String,
    client_id: String,
    credential: Credential,
    /// The app's active public keys (at most `MAX_KEYS`); the admin endpoint adds and removes.
    keys: Mutex<Vec<RegisteredKey>>,
    grants: Vec<&'static str>,
    people: Directory,
    pub(crate) access: Access,
    /// Seconds in a rate-limit window (60 as Okta's; benchmarks compress time).
    window: i64,
    /// Okta IDs of the people an admin-role call may name, made on first use.
    role_people: std::sync::OnceLock<HashMap<String, usize>>,
    faults: Faults,
    /// Seconds the org's clock is ahead of ours (clock-skew scenario).
    clock_offset: i64,
    /// Seconds the org's `Date` and `X-Rate-Limit-Reset` are ahead of ours beyond that (the
    /// rate-limit clock scenarios: only the headers are skewed, so the test reaches the users).
    rate_clock_offset: i64,
    /// The org's ID, as its `/.well-known/okta-organization` says.
    pub(crate) org_id: String,
    /// The org's custom domain (`localhost` at the same port), when it has one.
    alternate: Option<String>,
    /// The `alg` of every DPoP proof received.
    proof_algs: Mutex<HashSet<String>>,
    used_assertions: Mutex<HashSet<String>>,
    used_proofs: Mutex<HashSet<String>>,
    /// Every token-endpoint nonce issued, with when; valid for three days.
    nonces: Mutex<Vec<(String, i64)>>,
    resource_nonce: String,
    tokens: Mutex<HashMap<String, Issued>>,
    /// One window per rate-limit bucket.
    rate: Mutex<HashMap<&'static str, RateWindow>>,
    pub stats: Arc<crate::stats::Stats>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn registered(key: &ConsoleKey) -> Result<RegisteredKey, String> {
    Ok(RegisteredKey {
        kid: key.kid.clone(),
        public: key.public_jwk.clone(),
    })
}

impl Org {
    pub fn new(
        host: &str,
        people: Directory,
        access: Access,
        faults: Faults,
        window: i64,
    ) -> Result<Self, String> {
        let key = ConsoleKey::generate(&random_token(20))?;
        let mut keys = vec![registered(&key)?];
        if faults.on(Scenario::OktaMultiKey) {
            keys.push(registered(&ConsoleKey::generate(&random_token(20))?)?);
        }
        if faults.on(Scenario::OktaNoJwks) {
            keys.clear();
        }
        let grants = if faults.on(Scenario::OktaNoScopes) {
            vec![]
        } else if faults.on(Scenario::OktaManageScopes) {
            [ALL_GRANTS, &["okta.users.manage", "okta.groups.manage"]].concat()
        } else if faults.on(Scenario::OktaPartialScopes) {
            vec!["okta.groups.read", "okta.apps.read"]
        } else if faults.on(Scenario::OktaNoRolesRead) {
            ALL_GRANTS
                .iter()
                .copied()
                .filter(|s| *s != "okta.roles.read")
                .collect()
        } else {
            ALL_GRANTS.to_vec()
        };
        let client_id = format!("0oa{}", random_token(17));
        let base = format!("http://{host}");
        let port = host.rsplit(':').next().unwrap_or_default();
        let alternate = faults
            .on(Scenario::OktaCustomDomainLinks)
            .then(|| format!("http://localhost:{port}"));
        let rate_clock_offset = if faults.on(Scenario::OktaRateLimitClockAhead) {
            600
        } else if faults.on(Scenario::OktaRateLimitClockBehind) {
            -600
        } else {
            0
        };
        Ok(Self {
            credential: Credential {
                host: host.to_string(),
                client_id: client_id.clone(),
                private_key_pem: key.private_pem.clone(),
                private_key_jwk: key.private_jwk.clone(),
                key_id: key.kid.clone(),
                dpop: !faults.on(Scenario::OktaDpopOff),
            },
            base,
            client_id,
            keys: Mutex::new(keys),
            grants,
            people,
            access,
            window: window.max(1),
            role_people: std::sync::OnceLock::new(),
            clock_offset: if faults.on(Scenario::OktaClockSkew) {
                600
            } else {
                0
            },
            rate_clock_offset,
            org_id: format!("00o{}", random_token(17)),
            alternate,
            proof_algs: Mutex::default(),
            faults,
            used_assertions: Mutex::default(),
            used_proofs: Mutex::default(),
            nonces: Mutex::new(vec![(random_token(32), now())]),
            resource_nonce: random_token(32),
            tokens: Mutex::default(),
            rate: Mutex::default(),
            stats: Arc::default(),
        })
    }

    pub fn credential(&self) -> Credential {
        self.credential.clone()
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(TOKEN_PATH, post(token))
            .route(USERS_PATH, get(users))
            .merge(super::okta_access::routes())
            .merge(super::okta_self::routes())
            .route(ADMIN_KEYS_PATH, get(admin_list_keys).post(admin_add_key))
            .route(
                &format!("{ADMIN_KEYS_PATH}/{{kid}}"),
                axum::routing::delete(admin_remove_key),
            )
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&self),
                super::okta_self::host_faults,
            ))
            .with_state(self)
    }

    /// Adds a public JWK to the app, as an Okta admin does with "Add key" (and Save). Returns
    /// the key's ID: its own `kid`, else its RFC 7638 thumbprint.
    pub fn add_key(&self, jwk: &Value) -> Result<String, String> {
        let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
        if !matches!(kty, "RSA" | "EC") {
            return Err("the key must be an RSA or EC public JWK".into());
        }
        if jwk.get("d").is_some() {
            return Err("this is a private key: add only the public key".into());
        }
        if jwk
            .get("use")
            .and_then(Value::as_str)
            .is_some_and(|u| u != "sig")
        {
            return Err("the key's use must be sig".into());
        }
        let kid = match jwk.get("kid").and_then(Value::as_str) {
            Some(k) => k.to_string(),
            None => jose::thumbprint(jwk).ok_or("the public key is incomplete")?,
        };
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| "the app's keys are unavailable")?;
        if keys.iter().any(|k| k.kid == kid) {
            return Err(format!("the app already has a key with kid {kid}"));
        }
        if keys.len() >= MAX_KEYS {
            return Err(format!(
                "the app already has {MAX_KEYS} active keys: deactivate and delete one first"
            ));
        }
        let mut public = jwk.clone();
        public["kid"] = kid.clone().into();
        keys.push(RegisteredKey {
            kid: kid.clone(),
            public,
        });
        Ok(kid)
    }

    /// Deactivates and deletes the key `kid`; whether there was one.
    pub fn remove_key(&self, kid: &str) -> bool {
        self.keys.lock().is_ok_and(|mut keys| {
            let before = keys.len();
            keys.retain(|k| k.kid != kid);
            keys.len() != before
        })
    }

    /// The IDs of the app's active keys.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys
            .lock()
            .map(|keys| keys.iter().map(|k| k.kid.clone()).collect())
            .unwrap_or_default()
    }

    fn clock(&self) -> i64 {
        now() + self.clock_offset
    }

    /// The org's own clock as its headers say it (`Date`, `X-Rate-Limit-Reset`).
    pub(crate) fn now(&self) -> i64 {
        self.clock() + self.rate_clock_offset
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The org's custom domain, when it has one (`okta:custom-domain-links`).
    pub(crate) fn alternate(&self) -> Option<&str> {
        self.alternate.as_deref()
    }

    /// Where next-page links point: the custom domain when the org answers with it.
    pub(crate) fn link_base(&self) -> &str {
        self.alternate.as_deref().unwrap_or(&self.base)
    }

    /// The `alg` of every DPoP proof received so far.
    pub fn proof_algs(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .proof_algs
            .lock()
            .map(|a| a.iter().cloned().collect())
            .unwrap_or_default();
        all.sort();
        all
    }

    /// Whether the app requires DPoP (`dpop_bound_access_tokens`).
    pub(crate) fn dpop_required(&self) -> bool {
        !self.faults.on(Scenario::OktaDpopOff)
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The app's active public keys, as its record's `jwks` lists them.
    pub(crate) fn public_keys(&self) -> Vec<Value> {
        self.keys
            .lock()
            .map(|keys| keys.iter().map(|k| k.public.clone()).collect())
            .unwrap_or_default()
    }

    fn current_nonce(&self) -> String {
        self.nonces
            .lock()
            .ok()
            .and_then(|n| n.last().map(|(v, _)| v.clone()))
            .unwrap_or_default()
    }

    fn nonce_valid(&self, nonce: &str) -> bool {
        let oldest = now() - 3 * 86_400;
        self.nonces
            .lock()
            .map(|n| n.iter().any(|(v, at)| v == nonce && *at >= oldest))
            .unwrap_or(false)
    }

    /// The users bucket's window: 2 requests a second in the rate-limit scenario, else
    /// Okta-like numbers.
    fn rate_headers(&self, counted: bool) -> (u32, u32, i64) {
        let tight = [
            Scenario::OktaRateLimit,
            Scenario::OktaRateLimitClockAhead,
            Scenario::OktaRateLimitClockBehind,
        ];
        if tight.iter().any(|s| self.faults.on(*s)) {
            self.bucket("users", 2, 1, counted)
        } else {
            self.bucket("users", 600, self.window, counted)
        }
    }

    /// Counts a request in `name`'s window of `limit` requests a `window` seconds: the headers'
    /// (limit, remaining, reset). Okta's buckets are per endpoint family (entitlements-wire
    /// §2.4); each has its own counter.
    pub(crate) fn bucket(
        &self,
        name: &'static str,
        limit: u32,
        window: i64,
        counted: bool,
    ) -> (u32, u32, i64) {
        let Ok(mut buckets) = self.rate.lock() else {
            return (limit, limit, now() + window);
        };
        let t = now();
        let w = buckets.entry(name).or_insert(RateWindow {
            started: t,
            used: 0,
            total: 0,
            limit,
        });
        if t >= w.started + window {
            w.started = t;
            w.used = 0;
        }
        if counted {
            w.used += 1;
            w.total += 1;
        }
        (
            limit,
            limit.saturating_sub(w.used),
            w.started + window + self.clock_offset + self.rate_clock_offset,
        )
    }

    /// Per rate-limit bucket: its limit a window and every request counted in it so far.
    pub fn bucket_totals(&self) -> Vec<(&'static str, u32, u64)> {
        let mut all: Vec<_> = self
            .rate
            .lock()
            .map(|b| b.iter().map(|(n, w)| (*n, w.limit, w.total)).collect())
            .unwrap_or_default();
        all.sort();
        all
    }

    /// Whether the last request counted in `name` went over its limit.
    pub(crate) fn over(&self, name: &'static str, limit: u32) -> bool {
        self.rate
            .lock()
            .map(|b| b.get(name).is_some_and(|w| w.used > limit))
            .unwrap_or(false)
    }

    /// Seconds in a rate-limit window.
    pub fn window(&self) -> i64 {
        self.window
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The index of a person an admin-role call may name (role holders and admin-group
    /// members), by Okta ID.
    pub(crate) fn role_person(&self, id: &str) -> Option<usize> {
        self.role_people
            .get_or_init(|| {
                let admins = self.access.members(1);
                self.access
                    .role_assignees()
                    .chain((0..admins.len()).filter_map(|k| admins.get(k)))
                    .map(|i| (self.people.okta_id(i), i))
                    .collect()
            })
            .get(id)
            .copied()
    }
}

fn request_id() -> String {
    random_token(27)
}

pub(crate) fn with_common_headers(mut r: Response, rate: (u32, u32, i64)) -> Response {
    let h = r.headers_mut();
    let pairs = [
        ("x-okta-request-id", request_id()),
        ("x-rate-limit-limit", rate.0.to_string()),
        ("x-rate-limit-remaining", rate.1.to_string()),
        ("x-rate-limit-reset", rate.2.to_string()),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    r
}

/// An OAuth error from the token endpoint.
fn oauth(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    r
}

fn invalid_client(description: &str) -> Response {
    oauth(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

fn invalid_proof(description: &str) -> Response {
    oauth(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
}

#[derive(Deserialize)]
struct ProofClaims {
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    jti: Option<String>,
    nonce: Option<String>,
    ath: Option<String>,
}

/// A proof that passed every check but the nonce.
struct Proof {
    jkt: String,
    nonce: Option<String>,
    ath: Option<String>,
}

impl Org {
    /// RFC 9449 §4.3 checks, with Okta's error descriptions.
    fn check_proof(&self, proof: &str, method: &str, htu: &str) -> Result<Proof, &'static str> {
        let header = jose::header(proof).ok_or("The DPoP proof JWT cannot be parsed.")?;
        let text = |k: &str| header.get(k).and_then(Value::as_str);
        if text("typ") != Some("dpop+jwt") {
            return Err("'typ' must be 'dpop+jwt' in the DPoP proof JWT.");
        }
        if let (Some(alg), Ok(mut seen)) = (text("alg"), self.proof_algs.lock()) {
            seen.insert(alg.to_string());
        }
        if !text("alg").is_some_and(|a| jose::ALGS.contains(&a))
            || self.faults.on(Scenario::OktaDpopAlgRefused)
        {
            return Err("The DPoP proof JWT signature algorithm is invalid.");
        }
        let jwk = header
            .get("jwk")
            .cloned()
            .ok_or("The DPoP proof JWT is invalid.")?;
        if jose::has_private_members(&jwk) {
            return Err("The DPoP proof JWT is invalid.");
        }
        let jkt = jose::thumbprint(&jwk).ok_or("The DPoP proof JWT is invalid.")?;
        let claims: ProofClaims = jose::verify(proof, &jwk)
            .map_err(|r| match r {
                jose::Rejected::Signature => "The DPoP proof JWT signature is invalid.",
                jose::Rejected::Unreadable => "The DPoP proof JWT cannot be parsed.",
            })
            .and_then(|c| {
                serde_json::from_value(c).map_err(|_| "The DPoP proof JWT cannot be parsed.")
            })?;
        if claims.htm.as_deref() != Some(method) {
            return Err("'htm' claim in the DPoP proof JWT is invalid.");
        }
        if claims.htu.as_deref() != Some(htu) {
            return Err("'htu' claim in the DPoP proof JWT is invalid.");
        }
        let iat = claims
            .iat
            .ok_or("'iat' claim in the DPoP proof JWT is invalid.")?;
        let t = self.clock();
        if iat > t + 5 {
            return Err("The DPoP proof JWT is issued in the future.");
        }
        if iat < t - 300 {
            return Err("The DPoP proof JWT is issued more than five minutes in the past.");
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or("'jti' claim in the DPoP proof JWT is invalid.")?;
        let fresh = self
            .used_proofs
            .lock()
            .map(|mut used| used.insert(jti))
            .unwrap_or(false);
        if !fresh {
            return Err("The DPoP proof JWT has already been used.");
        }
        Ok(Proof {
            jkt,
            nonce: claims.nonce,
            ath: claims.ath,
        })
    }

    /// RFC 7523 client authentication, with Okta's error descriptions.
    fn check_assertion(&self, assertion: &str) -> Result<(), &'static str> {
        let header =
            jose::header(assertion).ok_or("The parsing of the client_assertion failed.")?;
        if !header
            .get("alg")
            .and_then(Value::as_str)
            .is_some_and(|a| jose::ALGS.contains(&a))
        {
            return Err("The client_assertion JWT signature algorithm is invalid.");
        }
        let peek = jose::claims(assertion).ok_or("The parsing of the client_assertion failed.")?;
        if peek.get("iss").and_then(Value::as_str) != Some(self.client_id.as_str()) {
            return Err("The issuer claim for client_assertion is not a valid client_id.");
        }
        if peek.get("sub").and_then(Value::as_str) != Some(self.client_id.as_str()) {
            return Err("The subject claim for client_assertion is not a valid client_id.");
        }
        if self.faults.on(Scenario::OktaSecretApp) {
            return Err(
                "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
            );
        }
        if self.faults.on(Scenario::OktaNotServiceApp) {
            return Err(
                "Only clients with 'application_type' of 'service' may use the client_credentials 'grant_type' with the Org Authorization Server.",
            );
        }
        let public = {
            let keys = self
                .keys
                .lock()
                .map_err(|_| "The client JWKSet is invalid.")?;
            if keys.is_empty() {
                return Err(
                    "The client does not have a JWKSet configured, but the client_assertion requires one.",
                );
            }
            let kid = header.get("kid").and_then(Value::as_str);
            match (kid, keys.as_slice()) {
                (Some(kid), keys) => keys.iter().find(|k| k.kid == kid),
                (None, [only]) => Some(only),
                (None, _) => None,
            }
            .ok_or("The client_assertion JWT kid is invalid.")?
            .public
            .clone()
        };
        let claims = jose::verify(assertion, &public).map_err(|r| match r {
            jose::Rejected::Signature => "The client_assertion signature is invalid.",
            jose::Rejected::Unreadable => "The parsing of the client_assertion failed.",
        })?;
        let aud = format!("{}{TOKEN_PATH}", self.base);
        if claims.get("aud").and_then(Value::as_str) != Some(aud.as_str()) {
            return Err(
                "The audience claim for client_assertion must be the endpoint invoked for the request.",
            );
        }
        let t = self.clock();
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or("The client_assertion must contain the 'exp' claim as seconds since epoch.")?;
        if exp <= t {
            return Err("The client_assertion token is expired.");
        }
        if exp > t + 3600 {
            return Err("The client_assertion token has an expiration too far into the future.");
        }
        if claims
            .get("iat")
            .and_then(Value::as_i64)
            .is_some_and(|iat| iat > t)
        {
            return Err("The client_assertion token must be issued before the current time.");
        }
        if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
            let fresh = self
                .used_assertions
                .lock()
                .map(|mut used| used.insert(jti.to_string()))
                .unwrap_or(false);
            if !fresh {
                return Err("The client_assertion token has already been used.");
            }
        }
        Ok(())
    }
}

/// The `htu` a proof for this request must carry, from the URL the client actually called.
pub(crate) fn request_htu(headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    jose::htu_of_request(host, uri.path())
}

async fn token(
    State(org): State<Arc<Org>>,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    org.stats.token_requests.fetch_add(1, Ordering::Relaxed);
    let rate = org.rate_headers(false);
    let htu = request_htu(&headers, &uri);
    let response = token_response(&org, query, &headers, &body, &htu);
    with_date(&org, with_common_headers(response, rate))
}

fn token_response(
    org: &Org,
    query: Option<String>,
    headers: &HeaderMap,
    body: &[u8],
    htu: &str,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let from_query: HashMap<String, String> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if ["client_assertion", "client_secret", "client_id"]
        .iter()
        .any(|k| from_query.contains_key(*k))
    {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Client credentials cannot be supplied via query parameters.",
        );
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request must be application/x-www-form-urlencoded.",
        );
    }
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        );
    }
    let basic = headers.contains_key(header::AUTHORIZATION);
    match (
        field("client_assertion"),
        field("client_secret").is_some() || basic,
    ) {
        (Some(_), true) => {
            return oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
            );
        }
        (None, true) => {
            return invalid_client(
                "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
            );
        }
        (None, false) => return invalid_client("No client credentials found."),
        (Some(_), false) => {}
    }
    if field("client_assertion_type") != Some(JWT_BEARER) {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The client_assertion_type is invalid.",
        );
    }
    if let Err(description) = org.check_assertion(field("client_assertion").unwrap_or_default()) {
        return invalid_client(description);
    }

    let mut jkt = None;
    let mut nonce_header = None;
    if org.dpop_required() {
        let proofs: Vec<_> = headers.get_all("dpop").iter().collect();
        let proof = match proofs.as_slice() {
            [] => return invalid_proof("The DPoP proof JWT header is missing."),
            [one] => one.to_str().unwrap_or_default(),
            _ => return invalid_proof("Multiple DPoP proof JWT headers are not allowed."),
        };
        let checked = match org.check_proof(proof, "POST", htu) {
            Ok(p) => p,
            Err(description) => return invalid_proof(description),
        };
        let current = org.current_nonce();
        if !checked.nonce.as_deref().is_some_and(|n| org.nonce_valid(n)) {
            let mut r = oauth(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            );
            // A proxy that strips the header is what this scenario emulates.
            if !org.faults.on(Scenario::OktaNonceStripped)
                && let Ok(v) = HeaderValue::from_str(&current)
            {
                r.headers_mut().insert("dpop-nonce", v);
            }
            return r;
        }
        jkt = Some(checked.jkt);
        nonce_header = Some(current);
    }

    let requested: Vec<String> = field("scope")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if requested.is_empty() {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "No scopes were requested.",
        );
    }
    let granted: Vec<String> = requested
        .iter()
        .filter(|s| org.grants.contains(&s.as_str()))
        .cloned()
        .collect();
    if granted.is_empty() {
        return oauth(
            StatusCode::BAD_REQUEST,
            "consent_required",
            "You are not allowed any of the requested scopes.",
        );
    }
    let iat = org.clock();
    let claims = json!({
        "ver": 1, "jti": format!("AT.{}", random_token(40)), "iss": org.base, "aud": org.base,
        "sub": org.client_id, "cid": org.client_id, "iat": iat, "exp": iat + 3600,
        "scp": granted, "cnf": jkt.as_ref().map(|j| json!({"jkt": j})),
    });
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let access = format!(
        "{}.{}.{}",
        b64(br#"{"kid":"emulator","typ":"application/okta-internal-at+jwt","alg":"RS256"}"#),
        b64(claims.to_string().as_bytes()),
        b64(random_token(64).as_bytes())
    );
    if let Ok(mut t) = org.tokens.lock() {
        t.insert(
            access.clone(),
            Issued {
                scopes: granted.clone(),
                jkt: jkt.clone(),
                expires: iat + 3600,
            },
        );
    }
    let mut r = (
        StatusCode::OK,
        axum::Json(json!({
            "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
            "expires_in": 3600,
            "access_token": access,
            "scope": granted.join(" "),
        })),
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if let Some(n) = nonce_header.and_then(|n| HeaderValue::from_str(&n).ok()) {
        h.insert("dpop-nonce", n);
    }
    r
}

/// A resource error: status plus WWW-Authenticate, empty body (okta-wire.md §2/§3).
fn challenge(
    org: &Org,
    status: StatusCode,
    scheme: &str,
    error: &str,
    description: &str,
) -> Response {
    let algs = if scheme == "DPoP" {
        format!("algs=\"{DPOP_ALGS}\", ")
    } else {
        String::new()
    };
    let value = format!(
        "{scheme} {algs}authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"okta.users.read\", error=\"{error}\", error_description=\"{description}\", resource=\"{USERS_PATH}\"",
        base = org.base
    );
    let mut r = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// Okta's management error shape.
pub(crate) fn okta_error(status: StatusCode, code: &str, summary: &str, causes: Value) -> Response {
    (
        status,
        axum::Json(json!({
            "errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": format!("oae{}", random_token(22)), "errorCauses": causes,
        })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct UsersQuery {
    limit: Option<String>,
    after: Option<String>,
    filter: Option<String>,
    search: Option<String>,
}

/// One `prop eq "value"` term of a `filter`.
struct Term {
    property: &'static str,
    value: String,
}

/// A `filter` as the spec allows it (`listUsers`): `eq` terms on the listed properties joined
/// by `or` or by `and` (not both, no `not`), values in double quotes, names and values
/// case-sensitive. Anything else is Okta's "Invalid search criteria."
struct Filter {
    any: bool,
    terms: Vec<Term>,
}

const FILTER_PROPERTIES: &[&str] = &[
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
];

impl Filter {
    fn parse(text: &str) -> Option<Filter> {
        let has_or = text.contains(" or ");
        let has_and = text.contains(" and ");
        if has_or && has_and {
            return None;
        }
        let joiner = if has_or { " or " } else { " and " };
        let terms = text
            .split(joiner)
            .map(|t| {
                let mut parts = t.trim().splitn(3, ' ');
                let (name, op, value) = (parts.next()?, parts.next()?, parts.next()?);
                let property = FILTER_PROPERTIES.iter().find(|p| **p == name)?;
                let value = value.strip_prefix('"')?.strip_suffix('"')?;
                (op == "eq" && !value.contains('"')).then(|| Term {
                    property,
                    value: value.to_string(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Filter { any: has_or, terms })
    }

    fn matches(&self, user: &Value) -> bool {
        let hit = |t: &Term| {
            let field = match t.property.split_once('.') {
                Some((_, p)) => user.get("profile").and_then(|v| v.get(p)),
                None => user.get(t.property),
            };
            field.and_then(Value::as_str) == Some(t.value.as_str())
        };
        if self.any {
            self.terms.iter().any(hit)
        } else {
            self.terms.iter().all(hit)
        }
    }
}

async fn users(
    State(org): State<Arc<Org>>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<UsersQuery>,
) -> Response {
    let n = org.stats.users_requests.fetch_add(1, Ordering::Relaxed) + 1;
    let rate = org.rate_headers(true);
    let forced = [
        Scenario::OktaRateLimit,
        Scenario::OktaRateLimitClockAhead,
        Scenario::OktaRateLimitClockBehind,
    ]
    .iter()
    .any(|s| org.faults.on(*s))
        && n == 1;
    if forced || rate.1 == 0 && org.over("users", rate.0) {
        org.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
        // The window ends a second after this answer, by the org's own clock.
        let reset = if forced { org.now() + 1 } else { rate.2 };
        let r = okta_error(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            json!([]),
        );
        return with_date(&org, with_common_headers(r, (rate.0, 0, reset)));
    }
    let htu = request_htu(&headers, &uri);
    with_date(
        &org,
        with_common_headers(users_response(&org, &headers, q, &htu), rate),
    )
}

/// The answer's `Date` by the org's clock: what its rate-limit resets are measured against
/// (entitlements-wire §7). Hyper adds its own only where none is set.
pub(crate) fn with_date(org: &Org, mut r: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&super::okta_access::httpdate(org)) {
        r.headers_mut().insert(header::DATE, v);
    }
    r
}

/// Checks the token, its DPoP binding and proof, and that it carries `scope` (or its
/// `.manage` sibling): the answer Okta gives when it does not.
// The error is the handler's own answer, returned at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn authorize(
    org: &Org,
    headers: &HeaderMap,
    htu: &str,
    scope: &str,
) -> Result<(), Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (scheme, token) = auth.split_once(' ').unwrap_or(("", ""));
    let issued = org.tokens.lock().ok().and_then(|t| {
        t.get(token.trim())
            .map(|i| (i.scopes.clone(), i.jkt.clone(), i.expires))
    });
    let rejecting = org.faults.on(Scenario::OktaRejectTokens);
    let Some((scopes, jkt, _)) = issued.filter(|i| i.2 > org.clock() && !rejecting) else {
        return Err(okta_error(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
            json!([]),
        ));
    };
    if scopes.iter().any(|s| s.ends_with(".manage")) {
        org.stats.manage_token_uses.fetch_add(1, Ordering::Relaxed);
    }
    let scheme_name = if jkt.is_some() { "DPoP" } else { "Bearer" };
    match (&jkt, scheme.to_ascii_lowercase().as_str()) {
        (Some(_), "dpop") | (None, "bearer") => {}
        (Some(_), _) => {
            return Err(challenge(
                org,
                StatusCode::BAD_REQUEST,
                "DPoP",
                "invalid_request",
                "The resource request must use the DPoP authentication scheme when using a DPoP bound token.",
            ));
        }
        (None, _) => {
            return Err(challenge(
                org,
                StatusCode::UNAUTHORIZED,
                "Bearer",
                "invalid_token",
                "The presented access_token is not DPoP bound.",
            ));
        }
    }
    if let Some(jkt) = &jkt {
        let Some(proof) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
            return Err(challenge(
                org,
                StatusCode::BAD_REQUEST,
                "DPoP",
                "invalid_request",
                "The resource request requires a DPoP proof.",
            ));
        };
        let checked = match org.check_proof(proof, "GET", htu) {
            Ok(p) => p,
            Err(d) => {
                return Err(challenge(
                    org,
                    StatusCode::BAD_REQUEST,
                    "DPoP",
                    "invalid_dpop_proof",
                    d,
                ));
            }
        };
        if checked.ath.as_deref() != Some(jose::ath(token.trim()).as_str()) {
            return Err(challenge(
                org,
                StatusCode::BAD_REQUEST,
                "DPoP",
                "invalid_dpop_proof",
                "'ath' claim in the DPoP proof does not match the presented access_token.",
            ));
        }
        if &checked.jkt != jkt {
            return Err(challenge(
                org,
                StatusCode::BAD_REQUEST,
                "DPoP",
                "invalid_dpop_proof",
                "The access_token is not bound to the provided DPoP proof.",
            ));
        }
        if org.faults.on(Scenario::OktaResourceNonce)
            && checked.nonce.as_deref() != Some(org.resource_nonce.as_str())
        {
            let mut r = challenge(
                org,
                StatusCode::UNAUTHORIZED,
                "DPoP",
                "use_dpop_nonce",
                "Resource server requires nonce in DPoP proof",
            );
            if let Ok(v) = HeaderValue::from_str(&org.resource_nonce) {
                r.headers_mut().insert("dpop-nonce", v);
            }
            return Err(r);
        }
    }
    let manage = scope.replace(".read", ".manage");
    if !scopes.iter().any(|s| *s == scope || *s == manage) {
        return Err(challenge(
            org,
            StatusCode::FORBIDDEN,
            scheme_name,
            "insufficient_scope",
            "The access token provided does not contain the required scopes.",
        ));
    }
    Ok(())
}

fn users_response(org: &Org, headers: &HeaderMap, q: UsersQuery, htu: &str) -> Response {
    if let Err(r) = authorize(org, headers, htu, "okta.users.read") {
        return r;
    }
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => MAX_PAGE,
        Some(Ok(l)) if l >= 1 => l.min(MAX_PAGE),
        Some(_) => {
            return okta_error(
                StatusCode::BAD_REQUEST,
                "E0000029",
                "Invalid paging request.",
                json!([{"errorSummary": "Invalid limit."}]),
            );
        }
    };
    let start = match q.after.as_deref().map(decode_cursor) {
        None => 0,
        Some(Some(i)) => i,
        Some(None) => {
            return okta_error(
                StatusCode::BAD_REQUEST,
                "E0000029",
                "Invalid paging request.",
                json!([{"errorSummary": "Invalid cursor."}]),
            );
        }
    };
    if q.search.is_some() {
        // Not emulated: the client reads every user with `filter` (entitlements-wire §10).
        return okta_error(
            StatusCode::BAD_REQUEST,
            "E0000031",
            "Invalid search criteria.",
            json!([]),
        );
    }
    let filter = match q.filter.as_deref().map(Filter::parse) {
        None => None,
        Some(Some(f)) => Some(f),
        Some(None) => {
            return okta_error(
                StatusCode::BAD_REQUEST,
                "E0000031",
                "Invalid search criteria.",
                json!([]),
            );
        }
    };
    // The list omits DEPROVISIONED users unless a filter or search asks for them; a filter
    // returns whoever matches, DEPROVISIONED included ([SPEC] listUsers).
    // Made from the cursor's index on: a page costs its own users, however deep it is.
    let sees_none =
        org.faults.on(Scenario::OktaNoAdminRole) || org.faults.on(Scenario::OktaRoleSeesNoUsers);
    let visible: Vec<(usize, Value)> = if sees_none {
        Vec::new()
    } else {
        (start..org.people.len())
            .filter(|i| filter.is_some() || org.people.okta_status(*i) != "DEPROVISIONED")
            .map(|i| (i, okta_user(org, &org.people.person(i))))
            .filter(|(_, u)| filter.as_ref().is_none_or(|f| f.matches(u)))
            .take(limit + 1)
            .collect()
    };
    let more = visible.len() > limit;
    let page: Vec<&Value> = visible.iter().take(limit).map(|(_, u)| u).collect();
    let mut r = (StatusCode::OK, axum::Json(page)).into_response();
    let filter_query = q
        .filter
        .as_deref()
        .map(|f| {
            let encoded: String = url::form_urlencoded::byte_serialize(f.as_bytes()).collect();
            format!("&filter={encoded}")
        })
        .unwrap_or_default();
    let mut links = vec![format!(
        "<{}{USERS_PATH}?limit={limit}{filter_query}>; rel=\"self\"",
        org.link_base()
    )];
    if more && let Some((next, _)) = visible.get(limit) {
        links.push(format!(
            "<{}{USERS_PATH}?after={}&limit={limit}{filter_query}>; rel=\"next\"",
            org.link_base(),
            encode_cursor(*next)
        ));
    }
    for l in links {
        if let Ok(v) = HeaderValue::from_str(&l) {
            r.headers_mut().append(header::LINK, v);
        }
    }
    r
}

/// Okta cursors are opaque and are not user ids.
pub(crate) fn encode_cursor(index: usize) -> String {
    format!(
        "000u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(index.to_string())
    )
}

pub(crate) fn decode_cursor(c: &str) -> Option<usize> {
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.strip_prefix("000u")?)
        .ok()?;
    String::from_utf8(b).ok()?.parse().ok()
}

/// The user at `index` as the users API shows it.
pub(crate) fn user_json(org: &Org, index: usize) -> Value {
    okta_user(org, &org.people.person(index))
}

fn okta_user(org: &Org, p: &Person) -> Value {
    let id = super::data::okta_user_id(&p.id);
    // A deactivated user keeps `activated` and `lastLogin`; `statusChanged` is when it was
    // deactivated, the same instant as `lastUpdated` (entitlements-wire §1.3). A STAGED or
    // PROVISIONED user was never activated: those dates are null, as in okta-wire §5's record.
    let changed = p.deactivated.or(p.activated);
    let updated = changed.unwrap_or(p.created);
    json!({
        "id": id,
        "status": p.okta_status,
        "created": iso(p.created),
        "activated": p.activated.map(iso),
        "statusChanged": changed.map(iso),
        "lastLogin": p.last_login.map(iso),
        "lastUpdated": iso(updated),
        "passwordChanged": p.activated.map(iso),
        "type": {"id": "otyemulatordefault0"},
        "profile": {
            "firstName": p.first, "lastName": p.last, "mobilePhone": null, "secondEmail": null,
            "login": p.okta_email, "email": p.okta_email,
        },
        "credentials": {"password": {}, "emails": [{"value": p.okta_email, "status": "VERIFIED", "type": "PRIMARY"}],
                        "provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": format!("{}{USERS_PATH}/{id}", org.base)}},
    })
}

async fn admin_list_keys(State(org): State<Arc<Org>>) -> Response {
    let keys: Vec<Value> = org
        .keys
        .lock()
        .map(|keys| keys.iter().map(|k| k.public.clone()).collect())
        .unwrap_or_default();
    axum::Json(json!({ "keys": keys })).into_response()
}

async fn admin_add_key(State(org): State<Arc<Org>>, body: axum::body::Bytes) -> Response {
    let added = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("not JSON: {e}"))
        .and_then(|jwk| org.add_key(&jwk));
    match added {
        Ok(kid) => (StatusCode::CREATED, axum::Json(json!({ "kid": kid }))).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))).into_response(),
    }
}

async fn admin_remove_key(
    State(org): State<Arc<Org>>,
    axum::extract::Path(kid): axum::extract::Path<String>,
) -> Response {
    if org.remove_key(&kid) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
