//! The one HTTP client: rustls with the platform's trust store (so HTTPS-inspecting corporate
//! proxies work once their root is installed), proxy settings from the environment, connect and
//! read timeouts, and polite retries on 429/503 that honour `Retry-After` or
//! `X-Rate-Limit-Reset`. It knows nothing about vendors.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long and how often to wait when the server asks us to slow down.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// A server asking for a longer wait gets its answer returned instead.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Something a UI may want to show while a request is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpNotice {
    /// The server answered `status` and we are waiting `wait` before retrying.
    Waiting { status: u16, wait: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Dns,
    Connect,
    Timeout,
    Tls,
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
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text, cut to `max` characters, for a diagnosis detail line.
    pub fn body_excerpt(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.chars().count() <= max {
            text.to_string()
        } else {
            let cut: String = text.chars().take(max).collect();
            format!("{cut}…")
        }
    }
}

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: RetryPolicy,
    notices: Option<UnboundedSender<HttpNotice>>,
}

impl HttpClient {
    /// `loopback` clients ignore proxy settings: the emulator is on this machine.
    pub fn new(loopback: bool) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ploy-connect/", env!("CARGO_PKG_VERSION")));
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
            notices: None,
        })
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Where to report rate-limit waits.
    pub fn with_notices(mut self, tx: UnboundedSender<HttpNotice>) -> Self {
        self.notices = Some(tx);
        self
    }

    /// Tells the UI about a wait the caller decided on (e.g. a spent rate-limit window).
    pub fn notify(&self, notice: HttpNotice) {
        if let Some(tx) = &self.notices {
            let _ = tx.send(notice);
        }
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `build` makes, rebuilding it for each retry (a signed request must be
    /// signed afresh: Okta burns an assertion's jti on every attempt), and returns the final
    /// answer whatever its status.
    pub async fn send<E: From<TransportError>>(
        &self,
        mut build: impl FnMut() -> Result<reqwest::RequestBuilder, E>,
    ) -> Result<HttpResponse, E> {
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
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
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| transport(&e))?;
            let elapsed = started.elapsed();
            tracing::debug!(%method, path, status, ms = elapsed.as_millis() as u64, "http");
            let answer = HttpResponse {
                status,
                headers,
                body,
                elapsed,
                waited,
            };
            if !matches!(status, 429 | 503) || attempt >= self.policy.max_retries {
                return Ok(answer);
            }
            let wait = retry_wait(&answer.headers, attempt);
            if wait > self.policy.max_wait {
                return Ok(answer);
            }
            tracing::info!(
                status,
                wait_ms = wait.as_millis() as u64,
                "server asked to wait"
            );
            self.notify(HttpNotice::Waiting { status, wait });
            tokio::time::sleep(wait).await;
            waited += wait;
            attempt += 1;
        }
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

/// The proxy the environment sets for `url`, shown without credentials; `None` when the
/// request goes direct.
pub fn proxy_for(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    let env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    let no_proxy = env(&["NO_PROXY", "no_proxy"]).unwrap_or_default();
    let bypass = no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    });
    if bypass {
        return None;
    }
    let proxy = match url.scheme() {
        "https" => env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
        _ => env(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]),
    }?;
    let shown = url::Url::parse(&proxy)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| "from the environment".into());
    Some(shown)
}

/// How long the server asked us to wait, else exponential backoff from one second.
pub fn retry_wait(headers: &HeaderMap, attempt: u32) -> Duration {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(v) = text(RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.trim().parse::<u64>() {
            return Duration::from_secs(secs);
        }
        if let Ok(when) = httpdate::parse_http_date(v.trim()) {
            return when.duration_since(SystemTime::now()).unwrap_or_default();
        }
    }
    if let Some(reset) = text("x-rate-limit-reset").and_then(|v| v.trim().parse::<u64>().ok()) {
        // Okta's reset is epoch seconds; +1 s because the window closes at the end of that second.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Duration::from_secs(reset.saturating_sub(now) + 1);
    }
    Duration::from_secs(1 << attempt.min(5))
}

fn transport(e: &reqwest::Error) -> TransportError {
    TransportError {
        kind: classify(e),
        detail: error_chain(e),
    }
}

/// Names the failure by walking the error's causes: TLS errors hide inside `io::Error`s.
fn classify(e: &reqwest::Error) -> TransportKind {
    if e.is_timeout() {
        return TransportKind::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<rustls::Error>() {
            return TransportKind::Tls;
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
                K::TimedOut => return TransportKind::Timeout,
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
    fn backoff_without_headers() {
        let h = HeaderMap::new();
        assert_eq!(retry_wait(&h, 0), Duration::from_secs(1));
        assert_eq!(retry_wait(&h, 2), Duration::from_secs(4));
    }
}
