//! The one HTTP client: rustls with the platform's trust store (so HTTPS-inspecting corporate
//! proxies work once their root is installed; on Linux `SSL_CERT_FILE` names another), proxy
//! settings from the environment or the system (`Proxies`: one decision, asked by the DNS
//! step too), connect and
//! read timeouts, and polite retries on 429/503 that honour `Retry-After` or
//! `X-Rate-Limit-Reset`. Every body is read with a cap, and all waiting in one command shares
//! one budget. It knows nothing about vendors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use thiserror::Error;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of a body ploy-connect reads. A token, an error or anything else small: 64 KiB.
pub const SMALL_BODY: usize = 64 * 1024;
/// A page of users: OneTrust's 2000 users of a few hundred bytes each fit with room to spare.
pub const PAGE_BODY: usize = 32 * 1024 * 1024;

/// How long and how often to wait when the server asks us to slow down.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// A server asking for a longer wait gets its answer returned instead.
    pub max_wait: Duration,
    /// All waiting in one command together; past it, answers are returned as they are.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(60),
            max_total: Duration::from_secs(120),
        }
    }
}

/// Where a client reports waits (a UI shows them).
pub type Notify = Arc<dyn Fn(HttpNotice) + Send + Sync>;

/// Something a UI may want to show while a request is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpNotice {
    /// The server answered `status` and we are waiting `wait` before retrying.
    Waiting { status: u16, wait: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Dns,
    /// No connection: refused, unreachable, or not accepted in time.
    Connect,
    /// Connected, but the answer did not come (or stopped coming) in time.
    NoAnswer,
    Tls,
    /// The TLS handshake was answered in plain HTTP (an `https://` address of an HTTP server).
    PlainHttp,
    /// The answer was larger than ploy-connect reads.
    TooLarge,
    Other,
}

/// No HTTP answer at all.
#[derive(Debug, Error, Clone)]
#[error("{detail}")]
pub struct TransportError {
    pub kind: TransportKind,
    pub detail: String,
}

/// A complete HTTP answer, with how long it took.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Time of the last attempt.
    pub elapsed: Duration,
    /// Time spent waiting on rate limits before it.
    pub waited: Duration,
    /// The body was longer than the cap for an error answer and was cut there.
    pub truncated: bool,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug, Default)]
struct Waited {
    total: Duration,
    /// When the latest wait ends.
    until: Option<std::time::Instant>,
}

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: RetryPolicy,
    notify: Option<Notify>,
    /// Time waited so far by every clone of this client (one command): waits that overlap
    /// (several pages in flight, each told to wait) count once, as the clock sees them.
    waited: Arc<std::sync::Mutex<Waited>>,
    /// Answers that asked to slow down, by every clone.
    throttled: Arc<AtomicU64>,
    /// Which proxy a request takes; `None`: none ever (loopback).
    proxies: Option<Proxies>,
}

/// The proxy decision of a client: hyper-util's matcher built by `Matcher::from_system`, which
/// is what reqwest's client builder uses when given no proxy of its own (the `*_PROXY` and
/// `NO_PROXY` variables as curl reads them, else the macOS or Windows system settings). Built
/// once with the client, so the DNS step and the requests follow the same settings.
#[derive(Clone)]
pub struct Proxies(Arc<hyper_util::client::proxy::matcher::Matcher>);

impl Proxies {
    pub fn from_system() -> Self {
        Self(Arc::new(
            hyper_util::client::proxy::matcher::Matcher::from_system(),
        ))
    }

    /// Given settings, as the variables would give them: (`HTTPS_PROXY`, `NO_PROXY`).
    pub fn given(https: &str, no_proxy: &str) -> Self {
        Self(Arc::new(
            hyper_util::client::proxy::matcher::Matcher::builder()
                .https(https)
                .no(no_proxy)
                .build(),
        ))
    }

    /// The proxy a request to `url` goes through, as host:port (never its credentials).
    pub fn for_url(&self, url: &url::Url) -> Option<String> {
        let uri: http::Uri = url.as_str().parse().ok()?;
        let proxy = self.0.intercept(&uri)?;
        let uri = proxy.uri();
        let host = uri.host()?;
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        Some(format!("{host}:{port}"))
    }
}

impl HttpClient {
    /// `loopback` clients ignore proxy settings: the emulator is on this machine.
    pub fn new(loopback: bool) -> Result<Self, TransportError> {
        Self::with_timeout(loopback, REQUEST_TIMEOUT)
    }

    /// The same with another limit for a whole request (tests of a server that stalls).
    pub fn with_timeout(loopback: bool, request: Duration) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(request)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ploy-connect/", env!("CARGO_PKG_VERSION")));
        let proxies = (!loopback).then(Proxies::from_system);
        if loopback {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| TransportError {
            kind: TransportKind::Other,
            detail: format!("cannot set up HTTPS: {}", error_chain(&e)),
        })?;
        Ok(Self {
            client,
            policy: RetryPolicy::default(),
            notify: None,
            waited: Arc::default(),
            throttled: Arc::default(),
            proxies,
        })
    }

    /// The proxy a request to `url` goes through, if any, as host:port.
    pub fn proxy_for(&self, url: &url::Url) -> Option<String> {
        self.proxies.as_ref()?.for_url(url)
    }

    /// The same client, with the DNS step told `proxies` (tests of that step).
    pub fn with_proxies(mut self, proxies: Proxies) -> Self {
        self.proxies = Some(proxies);
        self
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Where to report rate-limit waits.
    pub fn with_notify(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }

    /// Tells the UI about a wait.
    pub fn notify(&self, notice: HttpNotice) {
        if let Some(n) = &self.notify {
            n(notice);
        }
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// Waited so far in this command.
    pub fn waited(&self) -> Duration {
        self.waited.lock().map_or(Duration::ZERO, |w| w.total)
    }

    /// Waits `wait` if the command's waiting budget allows it, telling the UI; `false` (and no
    /// wait) when it does not.
    pub async fn wait(&self, status: u16, wait: Duration) -> bool {
        if wait > self.policy.max_wait {
            return false;
        }
        // Reserved before sleeping, so waits that start together cannot all pass the check.
        {
            let Ok(mut w) = self.waited.lock() else {
                return false;
            };
            let now = std::time::Instant::now();
            let end = now + wait;
            let from = w.until.map_or(now, |u| u.max(now));
            let added = end.saturating_duration_since(from);
            if w.total + added > self.policy.max_total {
                return false;
            }
            w.total += added;
            w.until = Some(w.until.map_or(end, |u| u.max(end)));
        }
        tracing::info!(
            status,
            wait_ms = wait.as_millis() as u64,
            "server asked to wait"
        );
        self.notify(HttpNotice::Waiting { status, wait });
        tokio::time::sleep(wait).await;
        true
    }

    /// Waits out a rate-limit window the vendor announced before it was spent (its
    /// `X-Rate-Limit-Remaining` reached 0): pacing, not a retry, so it does not draw on the
    /// command's budget (a large export paces many times). One pause is at most `max_wait`
    /// (a window is a minute; a reset further off than that is a clock apart from ours).
    pub async fn pace(&self, wait: Duration) {
        let wait = wait.min(self.policy.max_wait);
        tracing::info!(
            wait_ms = wait.as_millis() as u64,
            "pacing to the rate limit"
        );
        self.notify(HttpNotice::Waiting { status: 200, wait });
        tokio::time::sleep(wait).await;
    }

    /// Sends the request `build` makes, rebuilding it for each retry (a signed request must be
    /// signed afresh: Okta burns an assertion's jti on every attempt), and returns the final
    /// answer whatever its status. A successful answer's body may be at most `limit` bytes;
    /// an error answer's body is cut at `SMALL_BODY`.
    pub async fn send<E: From<TransportError>>(
        &self,
        limit: usize,
        build: impl FnMut() -> Result<reqwest::RequestBuilder, E>,
    ) -> Result<HttpResponse, E> {
        Ok(self.start(limit, build).await?.read().await?)
    }

    /// Like `send`, but returns as soon as the final answer's status and headers are in, its
    /// body still to read: a pager can ask for the next page (its link is in the headers)
    /// while this one's body arrives.
    pub async fn start<E: From<TransportError>>(
        &self,
        limit: usize,
        mut build: impl FnMut() -> Result<reqwest::RequestBuilder, E>,
    ) -> Result<Started, E> {
        let mut attempt = 0;
        let before = self.waited();
        loop {
            let request = build()?.build().map_err(|e| TransportError {
                kind: TransportKind::Other,
                detail: error_chain(&e),
            })?;
            let (method, path) = (request.method().clone(), request.url().path().to_string());
            let started = Instant::now();
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| transport(&e))?;
            let status = response.status().as_u16();
            tracing::debug!(%method, path, status, ms = started.elapsed().as_millis() as u64, "http");
            if matches!(status, 429 | 503) {
                self.throttled.fetch_add(1, Ordering::Relaxed);
            }
            let pending = Started {
                status,
                headers: response.headers().clone(),
                response,
                limit,
                started,
                waited: self.waited().saturating_sub(before),
            };
            if !matches!(status, 429 | 503) || attempt >= self.policy.max_retries {
                return Ok(pending);
            }
            let wait = retry_wait(&pending.headers, attempt);
            if !self.wait(status, wait).await {
                return Ok(pending);
            }
            attempt += 1;
        }
    }

    /// How many answers so far (every clone of this client) asked to slow down (429, 503).
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}

/// An answer whose body has not been read yet.
pub struct Started {
    pub status: u16,
    pub headers: HeaderMap,
    response: reqwest::Response,
    limit: usize,
    started: Instant,
    waited: Duration,
}

impl Started {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Reads the body (capped as `send` does) into a complete answer.
    pub async fn read(self) -> Result<HttpResponse, TransportError> {
        let (body, truncated) = read_body(self.response, self.limit).await?;
        Ok(HttpResponse {
            status: self.status,
            headers: self.headers,
            body,
            elapsed: self.started.elapsed(),
            waited: self.waited,
            truncated,
        })
    }
}

/// Reads a body chunk by chunk, never past the cap: a success over `limit` is an error naming
/// the limit; an error answer keeps its first `SMALL_BODY` bytes.
async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Bytes, bool), TransportError> {
    let success = response.status().is_success();
    let cap = if success { limit } else { SMALL_BODY };
    if let Some(len) = response.content_length()
        && success
        && len > cap as u64
    {
        return Err(too_large(cap));
    }
    // Room for the announced length at once: grown by doubling, a 20 MB body would pass
    // through copies of 16 and 32 MB. Untouched room costs no memory, so a length that lies
    // costs nothing either.
    let announced = response.content_length().unwrap_or(0).min(cap as u64);
    let mut body = BytesMut::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > cap {
            if success {
                return Err(too_large(cap));
            }
            let room = cap - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), false))
}

fn too_large(cap: usize) -> TransportError {
    TransportError {
        kind: TransportKind::TooLarge,
        detail: format!(
            "the answer is larger than {}; ploy-connect stopped reading it",
            human_bytes(cap)
        ),
    }
}

/// "64 KiB", "32 MiB".
pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

impl HttpClient {
    /// One plain GET: proves DNS, TCP and TLS without caring about the status.
    pub async fn probe(&self, url: url::Url) -> Result<u16, TransportError> {
        let r = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        Ok(r.status().as_u16())
    }
}

/// What an answer's rate-limit headers say (Okta's `X-Rate-Limit-*`, entitlements-wire §2.4,
/// §7), with its `Date`: the one reading of them, for the retry after a 429 and the pacing
/// of requests alike. Duplicate headers happen (OKTA-112507): the smallest value counts, as
/// the Python and .NET SDKs take it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateReading {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// When the window resets: epoch seconds by the server's clock.
    pub reset: Option<u64>,
    /// The answer's own `Date`: the server's clock when it answered.
    pub date: Option<SystemTime>,
}

impl RateReading {
    pub fn of(headers: &HeaderMap) -> Self {
        let least = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|v| v.trim().parse::<u64>().ok())
                .min()
        };
        Self {
            limit: least("x-rate-limit-limit"),
            remaining: least("x-rate-limit-remaining"),
            reset: least("x-rate-limit-reset"),
            date: headers
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v.trim()).ok()),
        }
    }

    /// How far off the reset is, measured against the answer's `Date` — the server's clock,
    /// as all five official Okta SDKs measure it — and against this machine's clock only when
    /// the answer has no `Date`. A clock here that is minutes off changes nothing. Zero when
    /// the reset has passed.
    pub fn until_reset(&self) -> Option<Duration> {
        let reset = UNIX_EPOCH + Duration::from_secs(self.reset?);
        let now = self.date.unwrap_or_else(SystemTime::now);
        Some(reset.duration_since(now).unwrap_or_default())
    }
}

/// How long the server asked us to wait, else exponential backoff from one second. A date in
/// the past means "now" (one second); a value that cannot be read is ignored. Okta's reset
/// is waited for as its SDKs do: reset − `Date` + 1 s (the window closes at the end of that
/// second), at least one second (Java's floor).
pub fn retry_wait(headers: &HeaderMap, attempt: u32) -> Duration {
    const MIN: Duration = Duration::from_secs(1);
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let reading = RateReading::of(headers);
    if let Some(v) = text(RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.trim().parse::<u64>() {
            return Duration::from_secs(secs).max(MIN);
        }
        if let Ok(when) = httpdate::parse_http_date(v.trim()) {
            // A date is the server's: measured against its own Date when it sent one.
            let now = reading.date.unwrap_or_else(SystemTime::now);
            return when.duration_since(now).unwrap_or_default().max(MIN);
        }
    }
    if let Some(left) = reading.until_reset() {
        return (left + MIN).max(MIN);
    }
    Duration::from_secs(1 << attempt.min(5))
}

fn transport(e: &reqwest::Error) -> TransportError {
    let mut detail = error_chain(e);
    // reqwest names the URL, which a server chose when it sent a next-page link.
    if let Some(url) = e.url() {
        detail = detail.replace(url.as_str(), &shortened(url.as_str()));
    }
    TransportError {
        kind: classify(e),
        detail,
    }
}

/// A URL as an error quotes it: its first 200 characters.
fn shortened(url: &str) -> String {
    match url.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &url[..end]),
        None => url.to_string(),
    }
}

/// Names the failure by walking the error's causes: TLS errors hide inside `io::Error`s.
fn classify(e: &reqwest::Error) -> TransportKind {
    if e.is_timeout() {
        // Not connected in time, or connected and then no (complete) answer in time.
        return if e.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::NoAnswer
        };
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            // A record that is not TLS at all: "HTTP/1.1 400 …" starts with a byte no TLS
            // record starts with. A certificate problem is something else entirely.
            return match tls {
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                    TransportKind::PlainHttp
                }
                _ => TransportKind::Tls,
            };
        }
        source = err.source();
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::HostUnreachable
                | K::NetworkUnreachable
                | K::AddrNotAvailable => return TransportKind::Connect,
                K::TimedOut => return TransportKind::NoAnswer,
                _ => {}
            }
            // `io::Error::source` skips the error it wraps; TLS errors hide exactly there.
            if let Some(inner) = io.get_ref() {
                source = Some(inner as &(dyn std::error::Error + 'static));
            }
        }
    }
    // hyper-util reports resolver failures only as text.
    let text = error_chain(e);
    if text.contains("dns error") || text.contains("failed to lookup address") {
        TransportKind::Dns
    } else if e.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    }
}

/// "a: b: c" from an error and its causes, without repeats.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_wins() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        h.insert("x-rate-limit-reset", HeaderValue::from_static("1"));
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(7));
    }

    fn okta_429(reset: u64, date: SystemTime) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-rate-limit-reset",
            HeaderValue::from_str(&reset.to_string()).unwrap(),
        );
        h.insert(
            reqwest::header::DATE,
            HeaderValue::from_str(&httpdate::fmt_http_date(date)).unwrap(),
        );
        h
    }

    /// Issue 18: the wait is the reset less the answer's own Date, plus a second — whatever
    /// this machine's clock says. Ten minutes off either way still waits two seconds.
    #[test]
    fn an_okta_reset_is_measured_against_the_answers_date() {
        for skew in [-600i64, 0, 600] {
            let ours = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let secs = (ours as i64 + skew) as u64;
            let date = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(
                retry_wait(&okta_429(secs + 1, date), 0),
                Duration::from_secs(2),
                "server clock {skew:+} s from ours"
            );
        }
        // Duplicate resets: the earliest counts.
        let now = SystemTime::now();
        let secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let mut h = okta_429(secs + 30, UNIX_EPOCH + Duration::from_secs(secs));
        h.append(
            "x-rate-limit-reset",
            HeaderValue::from_str(&(secs + 3).to_string()).unwrap(),
        );
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(4));
        // A reset the Date says has passed: the floor, a second.
        let h = okta_429(secs - 5, UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(1));
    }

    #[test]
    fn okta_reset_is_epoch_seconds() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut h = HeaderMap::new();
        h.insert(
            "x-rate-limit-reset",
            HeaderValue::from_str(&(now + 5).to_string()).unwrap(),
        );
        let w = retry_wait(&h, 0);
        assert!(
            w >= Duration::from_secs(5) && w <= Duration::from_secs(6),
            "{w:?}"
        );
    }

    #[test]
    fn past_zero_and_unreadable_retry_after_are_sane() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("0"));
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(1));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_wait(&h, 0),
            Duration::from_secs(1),
            "a date in the past"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon-ish"));
        assert_eq!(
            retry_wait(&h, 2),
            Duration::from_secs(4),
            "unreadable: backoff"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("-5"));
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn waiting_has_one_budget_per_command() {
        let c = HttpClient::new(true).unwrap().with_policy(RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_millis(50),
            max_total: Duration::from_millis(80),
        });
        let clone = c.clone();
        assert!(c.wait(503, Duration::from_millis(40)).await);
        assert!(
            !clone.wait(503, Duration::from_millis(60)).await,
            "longer than one wait may be"
        );
        assert!(
            !clone.wait(503, Duration::from_millis(45)).await,
            "over the shared budget"
        );
        assert!(c.wait(503, Duration::from_millis(30)).await);
    }

    #[tokio::test]
    async fn waits_that_overlap_count_once_and_cannot_all_pass_the_check() {
        let c = HttpClient::new(true).unwrap().with_policy(RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_millis(50),
            max_total: Duration::from_millis(80),
        });
        // Six pages in flight, each told to wait at the same moment: one wait on the clock.
        let waits = (0..6).map(|_| c.wait(429, Duration::from_millis(50)));
        let all = futures_util::future::join_all(waits).await;
        assert!(all.iter().all(|&waited| waited), "{all:?}");
        assert!(c.waited() < Duration::from_millis(60), "{:?}", c.waited());
        assert!(
            !c.wait(429, Duration::from_millis(40)).await,
            "then the budget is spent"
        );
    }

    /// A server that answers the headers, then one byte, then nothing.
    async fn stalling_server() -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
                        .await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_failed_request_quotes_a_long_url_in_part() {
        // Hangs up on every request without an answer.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                drop(s);
            }
        });
        let c = HttpClient::new(true).unwrap();
        let url = format!("http://{addr}/api/v1/users?after={}", "a".repeat(60_000));
        let err = c
            .send::<TransportError>(SMALL_BODY, || Ok(c.inner().get(&url)))
            .await
            .unwrap_err();
        assert!(err.detail.len() < 1000, "{} bytes", err.detail.len());
        assert!(err.detail.contains("after=aaa"), "{}", err.detail);
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_is_no_answer_not_no_connection() {
        let addr = stalling_server().await;
        let c = HttpClient::with_timeout(true, Duration::from_millis(300)).unwrap();
        let url = format!("http://{addr}/");
        let err = c
            .send::<TransportError>(SMALL_BODY, || Ok(c.inner().get(&url)))
            .await
            .unwrap_err();
        assert_eq!(err.kind, TransportKind::NoAnswer, "{err}");
    }

    #[test]
    fn backoff_without_headers() {
        let h = HeaderMap::new();
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(1));
        assert_eq!(retry_wait(&h, 2), Duration::from_secs(4));
    }
}
