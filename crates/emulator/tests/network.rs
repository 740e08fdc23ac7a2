//! The emulator's network and limits: latency on every vendor answer, OneTrust's documented
//! 1,000 requests a minute per endpoint, and the request counts benchmarks read.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ploy_emulator::onetrust::{REQUESTS_PER_MINUTE, USERS_PATH};
use ploy_emulator::{EmulatorConfig, EmulatorThread, Network, Requests, STATS_PATH};

/// One request; the status, the headers (lower-case names) and the body.
fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (status, head.to_lowercase(), body.to_string())
}

#[test]
fn every_vendor_answer_waits_the_latency_and_the_admin_endpoint_does_not() {
    let latency = Duration::from_millis(400);
    let e = EmulatorThread::start(EmulatorConfig {
        network: Network {
            latency,
            ..Network::default()
        },
        ..EmulatorConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let (status, _, _) = get(e.addr, USERS_PATH);
    assert_eq!(status, 401);
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    // The stats count what the client asked for, and answer at once (they are not a vendor).
    let (status, _, body) = get(e.addr, STATS_PATH);
    assert_eq!(status, 200);
    let counts: Requests = serde_json::from_str(&body).unwrap();
    assert_eq!(counts.onetrust.users_requests, 1);
    assert_eq!(counts.okta.users_requests, 0);
}

#[test]
fn onetrust_answers_429_with_its_headers_past_a_thousand_requests_a_minute() {
    let e = EmulatorThread::start(EmulatorConfig::default()).unwrap();
    for i in 0..REQUESTS_PER_MINUTE {
        let (status, _, _) = get(e.addr, USERS_PATH);
        assert_eq!(status, 401, "request {i} is within the limit");
    }
    let (status, head, _) = get(e.addr, USERS_PATH);
    assert_eq!(status, 429);
    for header in [
        "retry-after:",
        "ot-period: minute",
        "ot-ratelimit-event-id:",
        "ot-requests-allowed:",
    ] {
        assert!(head.contains(header), "{header} in {head}");
    }
    let (_, _, body) = get(e.addr, STATS_PATH);
    let counts: Requests = serde_json::from_str(&body).unwrap();
    assert_eq!(counts.onetrust.rate_limited, 1);
}
