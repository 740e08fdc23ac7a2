//! Connectors talk to one vendor each: get a token, say which scopes came with it, read users
//! a page at a time. Whatever goes wrong comes back as a `ConnectorError`, and
//! `ConnectorError::code` is the one place such an error becomes a diagnosis code.

pub mod dpop;
pub mod okta;
pub mod onetrust;

use std::future::Future;

use secrecy::SecretString;
use thiserror::Error;

use crate::diagnose::{self, AnswerFacts, Failure, code};
use crate::http::{HttpClient, HttpResponse, TransportError, TransportKind};
use crate::integration::Integration;
use crate::users::User;
use crate::validate::Hostname;

/// Which vendor call an answer came from; the error map matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Users,
    /// Okta's `/.well-known/okta-organization`, asked before any credential is used.
    Org,
}

impl Endpoint {
    pub fn id(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Users => "users",
            Endpoint::Org => "org",
        }
    }
}

/// An HTTP answer that was not what we needed, with the parts a diagnosis can use.
#[derive(Debug, Clone)]
pub struct VendorAnswer {
    pub vendor: Integration,
    pub endpoint: Endpoint,
    pub request: String,
    pub status: u16,
    pub error: Option<String>,
    pub description: Option<String>,
    pub error_code: Option<String>,
    pub www_error: Option<String>,
    pub excerpt: String,
    pub notes: Vec<String>,
}

impl VendorAnswer {
    /// `request` is "METHOD /path" (never a query string or body).
    /// The body is scrubbed before it is cut to an excerpt, so a secret echoed near the cut
    /// cannot survive in part.
    pub fn new(vendor: Integration, endpoint: Endpoint, request: &str, r: &HttpResponse) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_slice(&r.body).ok();
        // Whatever the server sent, a few hundred characters of it at most.
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(|v| v.as_str())
                .map(|v| excerpt(v, QUOTED))
        };
        let www = r.header("www-authenticate");
        let www_error = www.and_then(|h| auth_param(h, "error"));
        let mut notes = Vec::new();
        if (300..400).contains(&r.status) {
            notes.push(redirect_note(r.header("location")));
        }
        if let Some(wait) = r.header("retry-after") {
            let period = r
                .header("ot-period")
                .map(|p| format!(", {} limit", p.to_lowercase()))
                .unwrap_or_default();
            notes.push(format!("asked to wait {} s{period}", excerpt(wait, 40)));
        }
        for id in diagnose::REQUEST_ID_HEADERS {
            if let Some(v) = r.header(id) {
                notes.push(format!("{id}: {}", excerpt(v, 80)));
            }
        }
        if r.waited > std::time::Duration::ZERO {
            notes.push(format!(
                "after waiting {} s in all, ploy-connect stopped waiting",
                r.waited.as_secs()
            ));
        }
        if r.truncated {
            notes.push(format!(
                "the body was cut at {}",
                crate::http::human_bytes(crate::http::SMALL_BODY)
            ));
        }
        Self {
            vendor,
            endpoint,
            request: request.to_string(),
            status: r.status,
            error: field("error"),
            description: field("error_description").or_else(|| {
                www.and_then(|h| auth_param(h, "error_description"))
                    .map(|d| excerpt(&d, QUOTED))
            }),
            error_code: field("errorCode"),
            www_error: www_error.map(|e| excerpt(&e, QUOTED)),
            excerpt: quoted_body(&r.body, 200),
            notes,
        }
    }

    pub fn facts(&self) -> AnswerFacts<'_> {
        AnswerFacts {
            vendor: self.vendor.id(),
            endpoint: self.endpoint.id(),
            status: self.status,
            error: self.error.as_deref(),
            description: self.description.as_deref(),
            error_code: self.error_code.as_deref(),
            www_error: self.www_error.as_deref(),
        }
    }
}

impl std::fmt::Display for VendorAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} from {}", self.status, self.request)?;
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        for n in &self.notes {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}

/// Where a redirect pointed, in a note: its host (and port) only, never the rest of the URL,
/// and that it was not followed — the client follows no redirect, so no credential went there.
pub fn redirect_note(location: Option<&str>) -> String {
    let target = location
        .map(str::trim)
        .and_then(|l| match url::Url::parse(l) {
            Ok(u) => u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            }),
            // A relative Location is another path on this host.
            Err(_) => Some("another path on the same host".to_string()),
        });
    match target {
        Some(t) => format!(
            "redirected to {}; not followed, nothing was sent there",
            excerpt(&t, 260)
        ),
        None => "a redirect without a Location; not followed".to_string(),
    }
}

/// The most characters of one thing a server sent that an error quotes.
pub const QUOTED: usize = 300;

/// The start of a body a server sent, at most `max` characters, secrets scrubbed. Only the
/// start is decoded and scrubbed: the redactor's work grows with its input, and a body can be
/// 32 MiB. A secret cut off at that start is still caught by its first characters.
pub fn quoted_body(body: &[u8], max: usize) -> String {
    let head = &body[..body.len().min(max * 4 + 64)];
    excerpt(&crate::redact::scrub(&String::from_utf8_lossy(head)), max)
}

/// `text` trimmed and cut to `max` characters, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// Decodes a 200 answer's JSON body; anything else is the vendor breaking its contract.
/// `source` and `expected` word the error: "the users API answered 200 but not with a page".
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    r: &HttpResponse,
    source: &str,
    expected: &str,
) -> Result<T, ConnectorError> {
    serde_json::from_slice(&r.body).map_err(|e| {
        // serde's message can quote a value whole ("invalid type: string \"…\"").
        let e = excerpt(&e.to_string(), QUOTED);
        ConnectorError::Unexpected(format!(
            "{source} answered 200 but not with {expected} ({e}): {}",
            quoted_body(&r.body, 120)
        ))
    })
}

/// Decodes a 200 token response. Its body holds a live access token, so a failure names only
/// where the body went wrong — never a value from it (serde's messages can quote values).
pub(crate) fn decode_token<T: serde::de::DeserializeOwned>(
    r: &HttpResponse,
) -> Result<T, ConnectorError> {
    serde_json::from_slice(&r.body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "is not JSON"
            }
            _ => "has a field of the wrong type or shape",
        };
        ConnectorError::Unexpected(format!(
            "the token endpoint answered 200 but its body {what} (line {}, column {}); the body is not shown because it may hold a token",
            e.line(),
            e.column()
        ))
    })
}

/// A JSON list read to at most `MAX` items: a page with more than a page can hold is refused
/// while it is read, before millions of tiny items are built (a 32 MiB body of `{}`s is
/// eleven million users).
#[derive(Debug)]
pub(crate) struct Limited<T, const MAX: usize>(pub(crate) Vec<T>);

impl<T, const MAX: usize> IntoIterator for Limited<T, MAX> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T, const MAX: usize> Default for Limited<T, MAX> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: serde::Deserialize<'de>, const MAX: usize> serde::Deserialize<'de>
    for Limited<T, MAX>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<T, const MAX: usize>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for Items<T, MAX> {
            type Value = Limited<T, MAX>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a list of at most {MAX} entries")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
                while let Some(item) = seq.next_element()? {
                    if items.len() == MAX {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX} entries in one list, more than a page holds"
                        )));
                    }
                    items.push(item);
                }
                Ok(Limited(items))
            }
        }
        d.deserialize_seq(Items(std::marker::PhantomData))
    }
}

/// A text field of a vendor's user, read with at most `users::FIELD_BYTES` of it kept: a
/// megabyte name costs its bytes in the body, never a second copy while the page is parsed.
#[derive(Debug, Default)]
pub(crate) struct Text(pub(crate) String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Text;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(
                    crate::users::capped(v, crate::users::FIELD_BYTES).into_owned(),
                ))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// The text of an optional field.
pub(crate) fn text(t: Option<Text>) -> Option<String> {
    t.map(|t| t.0)
}

/// The longest token lifetime shown as such (OneTrust's longest is a year).
const LONGEST_LIFETIME: u64 = 10 * 365 * 86_400;

/// A token response's `expires_in` in seconds, however it came: a number or a numeric string
/// ("3600"), an absurd one clamped to ten years. A negative or unreadable one says nothing
/// (`None`): the field only words the token step, so it is never a reason to refuse a token
/// the server issued.
pub(crate) fn lifetime(value: Option<&serde_json::Value>) -> Option<u64> {
    let secs = match value? {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| (secs.min(LONGEST_LIFETIME as f64)) as u64)
}

/// "a, b, c", or "none" for an empty grant: how both vendors' scope details read.
pub(crate) fn scope_list(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "none".into()
    } else {
        scopes.join(", ")
    }
}

/// The access token of a token response, which must not be empty; registered for redaction
/// before anything else can happen to it.
pub(crate) fn access_token(token: Option<String>) -> Result<String, ConnectorError> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
        ConnectorError::Unexpected("the token response has no access_token".into())
    })?;
    crate::redact::token(&token);
    Ok(token)
}

/// The value of `name="..."` (or `name=token`) in a WWW-Authenticate header.
pub fn auth_param(header: &str, name: &str) -> Option<String> {
    let mut rest = header;
    while let Some(pos) = rest.find(name) {
        let before_ok = pos == 0
            || rest[..pos]
                .chars()
                .next_back()
                .is_some_and(|c| c == ' ' || c == ',');
        let after = &rest[pos + name.len()..];
        if before_ok && let Some(value) = after.trim_start().strip_prefix('=') {
            let value = value.trim_start();
            return Some(match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or_default().to_string(),
                None => value
                    .split([',', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        rest = after;
    }
    None
}

#[derive(Debug, Error, Clone)]
pub enum ConnectorError {
    #[error("{0}")]
    Transport(#[from] TransportError),
    #[error("{0}")]
    Answer(Box<VendorAnswer>),
    /// The connector itself knows what is wrong (a missing scope, an empty first page).
    #[error("{detail}")]
    Verdict { code: &'static str, detail: String },
    /// The stored private key cannot be used.
    #[error("{0}")]
    InvalidKey(#[from] crate::keys::KeyError),
    /// The answer broke the vendor's documented contract.
    #[error("{0}")]
    Unexpected(String),
}

impl ConnectorError {
    /// The diagnosis code for this error: the only place errors are mapped to codes.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectorError::Transport(t) => match t.kind {
                TransportKind::Dns => code::HOST_NOT_FOUND,
                TransportKind::Connect => code::HOST_UNREACHABLE,
                TransportKind::NoAnswer => code::HOST_NO_ANSWER,
                TransportKind::Tls => code::TLS_FAILED,
                TransportKind::PlainHttp => code::TLS_PLAIN_HTTP,
                TransportKind::TooLarge | TransportKind::Other => code::UNEXPECTED_RESPONSE,
            },
            ConnectorError::Answer(a) => {
                diagnose::code_for_answer(&a.facts()).unwrap_or(code::UNEXPECTED_RESPONSE)
            }
            ConnectorError::Verdict { code, .. } => code,
            ConnectorError::InvalidKey(_) => code::OKTA_INVALID_KEY,
            ConnectorError::Unexpected(_) => code::UNEXPECTED_RESPONSE,
        }
    }
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

/// Where the next page starts; opaque to everyone but the connector that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub String);

#[derive(Debug, Clone)]
pub struct UsersPage {
    pub users: Vec<User>,
    pub next: Option<Cursor>,
    /// All users in the tenant, when the vendor says.
    pub total: Option<u64>,
    /// All pages, when the vendor says (OneTrust).
    pub total_pages: Option<u64>,
    /// Something worth telling the admin about this page (e.g. "no users visible").
    pub warning: Option<String>,
    /// How many users every page but the last holds, where the vendor's paging promises that
    /// (OneTrust's Spring pages): a shorter page that says more follow contradicts itself.
    /// `None` where short pages are normal (Okta's list may hold fewer than its `limit`).
    pub full_page: Option<u64>,
    /// The size of the answer it came in: how much reading several at once may cost.
    pub bytes: usize,
}

/// What the token step found.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub detail: String,
}

/// One vendor's API. Futures are `Send` so a UI can run them on a background task.
pub trait Connector: Send {
    fn authenticate(&mut self) -> impl Future<Output = Result<TokenInfo, ConnectorError>> + Send;

    /// Whether the token carries what the users call needs; `Ok` with a detail line when it does
    /// or when the vendor does not say.
    fn check_scopes(&self) -> Result<String, ConnectorError>;

    fn users_page(
        &mut self,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<UsersPage, ConnectorError>> + Send;

    /// State worth keeping on the profile after a run (Okta's token-endpoint DPoP nonce).
    fn carry_over(&self) -> Carry {
        Carry::default()
    }
}

/// Non-secret state a connector hands back for the next run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carry {
    pub dpop_nonce: Option<String>,
}

/// What a connector needs to start.
pub struct ConnectorConfig {
    pub integration: Integration,
    pub host: Hostname,
    pub client_id: String,
    pub secret: SecretString,
    pub http: HttpClient,
    /// Present for Okta profiles.
    pub okta: Option<crate::profile::OktaSettings>,
}

/// A connector for either vendor, chosen at run time.
pub enum AnyConnector {
    OneTrust(Box<onetrust::OneTrust>),
    Okta(Box<okta::Okta>),
}

impl AnyConnector {
    pub fn new(config: ConnectorConfig) -> Result<Self, ConnectorError> {
        Ok(match config.integration {
            Integration::OneTrust => {
                AnyConnector::OneTrust(Box::new(onetrust::OneTrust::new(config)))
            }
            Integration::Okta => AnyConnector::Okta(Box::new(okta::Okta::new(config)?)),
        })
    }

    /// What the credential can do beyond reading (the test's `privileges` step): warnings and
    /// notes, and the step's detail line. Never a failure: what could not be checked is said.
    pub async fn privileges(&mut self) -> (crate::privilege::Privileges, String) {
        match self {
            AnyConnector::OneTrust(c) => c.privileges(),
            AnyConnector::Okta(c) => c.privileges().await,
        }
    }

    /// Where the users a default list leaves out begin, for a vendor that leaves some out
    /// (Okta's DEPROVISIONED users).
    pub fn deactivated_start(&self) -> Option<Cursor> {
        match self {
            AnyConnector::OneTrust(_) => None,
            AnyConnector::Okta(c) => Some(c.deactivated_start()),
        }
    }
}

impl Connector for AnyConnector {
    async fn authenticate(&mut self) -> Result<TokenInfo, ConnectorError> {
        match self {
            AnyConnector::OneTrust(c) => c.authenticate().await,
            AnyConnector::Okta(c) => c.authenticate().await,
        }
    }

    fn check_scopes(&self) -> Result<String, ConnectorError> {
        match self {
            AnyConnector::OneTrust(c) => c.check_scopes(),
            AnyConnector::Okta(c) => c.check_scopes(),
        }
    }

    async fn users_page(&mut self, cursor: Option<&Cursor>) -> Result<UsersPage, ConnectorError> {
        match self {
            AnyConnector::OneTrust(c) => c.users_page(cursor).await,
            AnyConnector::Okta(c) => c.users_page(cursor).await,
        }
    }

    fn carry_over(&self) -> Carry {
        match self {
            AnyConnector::OneTrust(c) => c.carry_over(),
            AnyConnector::Okta(c) => c.carry_over(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lifetime_is_read_however_it_comes_and_never_refused() {
        let v = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        assert_eq!(lifetime(Some(&v("3600"))), Some(3600));
        assert_eq!(lifetime(Some(&v(r#""3600""#))), Some(3600));
        assert_eq!(lifetime(Some(&v(r#"" 31535999 ""#))), Some(31_535_999));
        assert_eq!(lifetime(Some(&v("1e20"))), Some(LONGEST_LIFETIME));
        assert_eq!(lifetime(Some(&v(r#""1e20""#))), Some(LONGEST_LIFETIME));
        assert_eq!(lifetime(Some(&v("-5"))), None);
        assert_eq!(lifetime(Some(&v(r#""soon""#))), None);
        assert_eq!(lifetime(Some(&v("[3600]"))), None);
        assert_eq!(lifetime(None), None);
    }

    #[test]
    fn a_body_that_is_not_a_page_is_quoted_in_part() {
        let long = "x".repeat(60_000);
        let r = HttpResponse {
            status: 200,
            headers: Default::default(),
            body: format!(r#"{{"number":"{long}"}}"#).into(),
            elapsed: Default::default(),
            waited: Default::default(),
            truncated: false,
        };
        let Err(e) = decode::<onetrust::Page>(&r, "the users API", "a page") else {
            panic!("not a page")
        };
        assert!(e.to_string().len() < 1000, "{} bytes", e.to_string().len());
    }

    #[test]
    fn a_list_longer_than_a_page_is_refused_while_it_is_read() {
        let ok: Limited<u8, 3> = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(ok.0, vec![1, 2, 3]);
        let e = serde_json::from_str::<Limited<u8, 3>>("[1,2,3,4]").unwrap_err();
        assert!(e.to_string().contains("more than 3 entries"), "{e}");
    }

    #[test]
    fn www_authenticate_params() {
        let h = r#"Bearer authorization_uri="http://x/oauth2/v1/authorize", realm="http://x", scope="okta.users.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.""#;
        assert_eq!(
            auth_param(h, "error").as_deref(),
            Some("insufficient_scope")
        );
        assert_eq!(auth_param(h, "scope").as_deref(), Some("okta.users.read"));
        assert_eq!(
            auth_param("DPoP error=use_dpop_nonce", "error").as_deref(),
            Some("use_dpop_nonce")
        );
        assert_eq!(auth_param("Bearer realm=\"x\"", "error"), None);
    }
}
