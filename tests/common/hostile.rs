//! A small loopback server that misbehaves on purpose, one mode per finding of the attack run:
//! answers that never end, paging that never ends, answers that echo secrets back, escape
//! sequences, a token response that cannot be decoded, and wrong `Retry-After` values. It
//! speaks raw HTTP/1.1 so that it can send exactly what a hostile server would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The OneTrust token endpoint answers 200 and never stops sending.
    EndlessToken,
    /// The OneTrust users API answers 200 and never stops sending.
    EndlessPage,
    /// Okta: every users page links to the same "next" page.
    RepeatedLink,
    /// OneTrust: every page has the same users, all with `userId: null`, and says it is not last.
    NullIds,
    /// OneTrust: distinct users on every page, forever, though the first page said 3 pages.
    EndlessDistinct,
    /// The token endpoint answers 401 with the request it got (form body and headers).
    EchoUnauthorized,
    /// The token works; the users API answers 401 echoing the Authorization header.
    EchoBearer,
    /// The token endpoint's error description carries terminal escape sequences.
    EscapeError,
    /// User names carry terminal escape sequences.
    EscapeNames,
    /// The token endpoint answers 200 with a live token but `token_type` as a list.
    UndecodableToken,
    /// The token endpoint answers 200 with a live token and this raw JSON as `expires_in`.
    OddLifetime(&'static str),
    /// OneTrust: 20 users a page, each with a 1 MB name, over 12 pages of 20 MB.
    HugeNames,
    /// OneTrust: a first page of 32 MiB less a little, all of it users of 3 bytes (`{},`).
    TinyUsers,
    /// Okta: `LONG_LINKS` pages of one new user, each with a new 60 KB next-page link; the
    /// request after those is hung up on.
    LongLinks,
    /// OneTrust: pages of 10 new users, each saying it is not the last, with no totals, until
    /// page 50 says it is the last.
    NotLastForever,
    /// The token endpoint answers 503 twice with `Retry-After: 1`, then works.
    RetryAfterShort,
    /// The token endpoint answers 503 with a `Retry-After` date in the past, then works.
    RetryAfterPast,
    /// The token endpoint's error description forges a passed step on a line of its own and
    /// carries characters that are invisible or break JSON on a terminal (`FORGED`).
    ForgedError,
    /// The token works, but its `token_type` is `FORGED`.
    ForgedTokenType,
    /// Okta with DPoP: a DPoP-bound token (`DPOP_TOKEN`), `DPOP_PAGES` users pages each linking
    /// to the next, then a 401 that echoes the request's Authorization header.
    DpopEchoLate,
}

/// A passed users step, on a line of its own, and characters a terminal or a JSON reader
/// trips on: DEL, NEL (U+0085), a right-to-left override, zero-width space, line separator,
/// soft hyphen, byte-order mark, a tag character.
pub const FORGED: &str = "denied\n  \u{2713} users      1 ms  1000000 users (forged)\u{7f}\u{85}\u{202e}\u{200b}\u{2028}\u{ad}\u{feff}\u{e0041}";
pub const DPOP_TOKEN: &str = "DPOP-BOUND-ACCESS-TOKEN-fedcba9876543210";
/// More pages than any window of recent proofs the redactor ever kept (32).
pub const DPOP_PAGES: u64 = 40;

pub const LIVE_TOKEN: &str = "LIVE-ACCESS-TOKEN-0123456789abcdef";
/// Pages `Mode::LongLinks` sends: 120 MB of links, were they kept whole.
pub const LONG_LINKS: usize = 2000;
pub const ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}";

pub struct Hostile {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU32>,
    _thread: std::thread::JoinHandle<()>,
}

impl Hostile {
    pub fn start(mode: Mode) -> Hostile {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicU32::new(0));
        let count = requests.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                while let Ok((stream, _)) = listener.accept().await {
                    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::spawn(serve(stream, mode, n, addr));
                }
            });
        });
        Hostile {
            addr,
            requests,
            _thread: thread,
        }
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    head: String,
    body: String,
}

async fn read_request(s: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    let line = head.lines().next()?.to_string();
    let mut parts = line.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        head,
        body,
    })
}

async fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) {
    respond_in_parts(s, status, headers, &[body]).await;
}

/// A body written part by part, never put together: the big pages would otherwise cost this
/// (test) process what the client is being tested not to spend.
async fn respond_in_parts(
    s: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    parts: &[&str],
) {
    let length: usize = parts.iter().map(|p| p.len()).sum();
    let mut head =
        format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {length}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes()).await;
    for part in parts {
        if s.write_all(part.as_bytes()).await.is_err() {
            return;
        }
    }
    let _ = s.shutdown().await;
}

/// A megabyte of one letter, made once.
fn megabyte_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| "n".repeat(1 << 20))
}

/// 64 KiB of three-byte users (`{},`), made once.
fn tiny_users() -> &'static str {
    static USERS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    USERS.get_or_init(|| "{},".repeat(64 * 1024 / 3))
}

/// 200 with no length, then bytes until the client hangs up.
async fn endless(s: &mut TcpStream) {
    let _ = s
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"access_token\":\"")
        .await;
    let chunk = vec![b'a'; 64 * 1024];
    while s.write_all(&chunk).await.is_ok() {}
}

fn json(v: serde_json::Value) -> (Vec<(&'static str, String)>, String) {
    (
        vec![("content-type", "application/json".to_string())],
        v.to_string(),
    )
}

fn token_ok() -> (Vec<(&'static str, String)>, String) {
    json(serde_json::json!({
        "access_token": LIVE_TOKEN, "token_type": "bearer", "expires_in": 3600,
        "ot_scopes": "USER", "scope": "okta.users.read",
    }))
}

fn page_number(query: &str) -> u64 {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn serve(mut s: TcpStream, mode: Mode, n: u32, addr: SocketAddr) {
    let Some(req) = read_request(&mut s).await else {
        return;
    };
    let token = req.method == "POST" && req.path.ends_with("/token");
    let users = req.method == "GET" && req.path.contains("users");
    match mode {
        Mode::EndlessToken if token => return endless(&mut s).await,
        Mode::EndlessPage if users => return endless(&mut s).await,
        Mode::EchoUnauthorized if token => {
            let body = format!(
                "{{\"error\":\"invalid_client\",\"request\":\"{}\",\"headers\":{:?}}}",
                req.body, req.head
            );
            return respond(&mut s, "401 Unauthorized", &[], &body).await;
        }
        Mode::EchoBearer if users => {
            let auth = req
                .head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization"))
                .unwrap_or_default()
                .to_string();
            return respond(&mut s, "401 Unauthorized", &[], &format!("rejected {auth}")).await;
        }
        Mode::EscapeError if token => {
            // Raw bytes, not JSON escapes: what a hostile server can put in an error body.
            let body = format!("invalid client {ESCAPES} try again");
            return respond(&mut s, "401 Unauthorized", &[], &body).await;
        }
        Mode::UndecodableToken if token => {
            let (h, b) = json(
                serde_json::json!({"access_token": LIVE_TOKEN, "token_type": ["bearer"], "expires_in": 3600}),
            );
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::OddLifetime(raw) if token => {
            let body = format!(
                r#"{{"access_token":"{LIVE_TOKEN}","token_type":"bearer","expires_in":{raw},"ot_scopes":"USER"}}"#
            );
            let h = [("content-type", "application/json".to_string())];
            return respond(&mut s, "200 OK", &h, &body).await;
        }
        Mode::HugeNames if users => {
            let page = page_number(&req.query);
            let heads: Vec<String> = (0..20)
                .map(|i| {
                    let comma = if i > 0 { "," } else { "" };
                    format!(r#"{comma}{{"userId":"u{page}-{i}","email":"u{page}-{i}@x.test","fullName":""#)
                })
                .collect();
            let tail = format!(
                r#"],"number":{page},"size":20,"totalPages":12,"totalElements":240,"last":{}}}"#,
                page == 11
            );
            let mut parts = vec![r#"{"content":["#];
            for head in &heads {
                parts.extend([head.as_str(), megabyte_name(), r#""}"#]);
            }
            parts.push(&tail);
            let h = [("content-type", "application/json".to_string())];
            return respond_in_parts(&mut s, "200 OK", &h, &parts).await;
        }
        Mode::TinyUsers if users => {
            // 32 MiB less a little.
            let mut parts = vec![r#"{"content":["#];
            parts.extend(std::iter::repeat_n(tiny_users(), 32 * 16 - 1));
            parts.push(r#"{}],"number":0,"totalPages":3,"last":false}"#);
            let h = [("content-type", "application/json".to_string())];
            return respond_in_parts(&mut s, "200 OK", &h, &parts).await;
        }
        Mode::LongLinks if users => {
            // The page number leads the cursor: `after=<n>x<padding>`.
            let page: usize = req
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("after="))
                .and_then(|v| v.split('x').next()?.parse().ok())
                .unwrap_or(0);
            if page >= LONG_LINKS {
                return; // hung up on, unanswered
            }
            let (mut h, b) = json(serde_json::json!([{
                "id": format!("00u{page}"), "status": "ACTIVE",
                "profile": {"login": format!("u{page}@x.test"), "email": format!("u{page}@x.test")}
            }]));
            let padding = "a".repeat(60_000);
            h.push((
                "link",
                format!(
                    "<http://{addr}/api/v1/users?after={}x{padding}&limit=200>; rel=\"next\"",
                    page + 1
                ),
            ));
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::NotLastForever if users => {
            let page = page_number(&req.query);
            let users: Vec<_> = (0..10)
                .map(|i| serde_json::json!({"userId": format!("u{page}-{i}"), "email": format!("u{page}-{i}@x.test")}))
                .collect();
            let (h, b) = json(serde_json::json!({
                "content": users, "number": page, "last": page >= 50,
            }));
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::RetryAfterShort if token && n <= 2 => {
            return respond(
                &mut s,
                "503 Service Unavailable",
                &[("retry-after", "1".into())],
                "",
            )
            .await;
        }
        Mode::ForgedError if token => {
            // Raw text, as `EscapeError`: a JSON body would carry the line break escaped.
            let body = format!("invalid client {FORGED}");
            return respond(&mut s, "401 Unauthorized", &[], &body).await;
        }
        Mode::ForgedTokenType if token => {
            let (h, b) = json(serde_json::json!({
                "access_token": LIVE_TOKEN, "token_type": FORGED, "expires_in": 3600,
                "ot_scopes": "USER",
            }));
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::DpopEchoLate if token => {
            let (h, b) = json(serde_json::json!({
                "access_token": DPOP_TOKEN, "token_type": "DPoP", "expires_in": 3600,
                "scope": "okta.users.read",
            }));
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::DpopEchoLate if users => {
            let after: u64 = req
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("after="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if after >= DPOP_PAGES {
                let auth = req
                    .head
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("authorization"))
                    .unwrap_or_default()
                    .to_string();
                let body = format!("rejected {auth}");
                return respond(&mut s, "401 Unauthorized", &[], &body).await;
            }
            let (mut h, b) = json(serde_json::json!([{
                "id": format!("00u{after}"), "status": "ACTIVE",
                "profile": {"login": format!("u{after}@x.test"), "email": format!("u{after}@x.test")}
            }]));
            let next = after + 1;
            h.push((
                "link",
                format!("<http://{addr}/api/v1/users?after={next}&limit=200>; rel=\"next\""),
            ));
            return respond(&mut s, "200 OK", &h, &b).await;
        }
        Mode::RetryAfterPast if token && n == 1 => {
            let past = ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".to_string());
            return respond(&mut s, "503 Service Unavailable", &[past], "").await;
        }
        _ => {}
    }
    if token {
        let (h, b) = token_ok();
        return respond(&mut s, "200 OK", &h, &b).await;
    }
    // An Okta client asks whether this is an org before it sends a credential.
    if req.path == "/.well-known/okta-organization" {
        let (h, b) = json(serde_json::json!({
            "id": "00ohostile", "pipeline": "idx",
            "_links": {"organization": {"href": format!("http://{addr}")}},
        }));
        return respond(&mut s, "200 OK", &h, &b).await;
    }
    if !users {
        return respond(&mut s, "200 OK", &[], "ok").await;
    }
    let page = page_number(&req.query);
    let (headers, body) = match mode {
        Mode::RepeatedLink => {
            let (mut h, b) = json(serde_json::json!([{
                "id": "00u1", "status": "ACTIVE", "profile": {"login": "a@x.test", "email": "a@x.test"}
            }]));
            h.push((
                "link",
                format!("<http://{addr}/api/v1/users?after=same&limit=200>; rel=\"next\""),
            ));
            (h, b)
        }
        Mode::NullIds => json(serde_json::json!({
            "content": [{"userId": null, "email": "same@x.test", "firstName": "Same"}],
            "number": page, "totalPages": 1_000_000, "last": false, "totalElements": 1_000_000,
        })),
        // Says 3 pages on the first page, then stops saying and never says "last".
        Mode::EndlessDistinct if page == 0 => json(serde_json::json!({
            "content": [{"userId": "u0", "email": "u0@x.test"}],
            "number": 0, "totalPages": 3, "last": false, "totalElements": 3,
        })),
        Mode::EndlessDistinct => json(serde_json::json!({
            "content": [{"userId": format!("u{page}"), "email": format!("u{page}@x.test")}],
            "number": page, "last": false,
        })),
        Mode::EscapeNames => json(serde_json::json!({
            "content": [{"userId": "u1", "email": "e@x.test", "firstName": ESCAPES, "fullName": format!("Eve {ESCAPES}")}],
            "number": page, "totalPages": 1, "last": true, "totalElements": 1,
        })),
        _ => json(serde_json::json!({
            "content": [{"userId": "u1", "email": "u1@x.test"}],
            "number": page, "totalPages": 1, "last": true, "totalElements": 1,
        })),
    };
    respond(&mut s, "200 OK", &headers, &body).await;
}
