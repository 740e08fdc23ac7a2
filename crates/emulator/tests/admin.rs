//! The emulator's own admin endpoint (not Okta's API): tests and the demo play the Okta admin
//! who adds a public key to the app. Spoken to over plain HTTP on loopback, as a script would.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

use std::io::{Read, Write};
use std::net::TcpStream;

use ploy_emulator::okta::ADMIN_KEYS_PATH;
use ploy_emulator::{EmulatorConfig, EmulatorThread};

/// One HTTP/1.1 request; the status and the body.
fn request(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

#[test]
fn keys_are_added_listed_and_removed_over_http() {
    let e = EmulatorThread::start(EmulatorConfig::default()).unwrap();
    let (status, body) = request(e.addr, "GET", ADMIN_KEYS_PATH, "");
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        listed["keys"].as_array().unwrap().len(),
        1,
        "the key Okta made"
    );

    // An EC public key, no kid: its RFC 7638 thumbprint becomes the kid.
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
    let (status, body) = request(e.addr, "POST", ADMIN_KEYS_PATH, jwk);
    assert_eq!(status, 201, "{body}");
    let kid = serde_json::from_str::<serde_json::Value>(&body).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = ploy_emulator::jose::thumbprint(&serde_json::from_str(jwk).unwrap()).unwrap();
    assert_eq!(kid, expected);
    assert_eq!(kid.len(), 43, "a SHA-256 in base64url");
    assert_eq!(e.okta.key_ids().len(), 2);

    // A third is refused, as is a private key.
    let (status, body) = request(e.addr, "POST", ADMIN_KEYS_PATH, jwk);
    assert_eq!(status, 400);
    assert!(body.contains("already has a key"), "{body}");
    let private = jwk.replace(
        "}",
        r#","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
    );
    let (status, body) = request(e.addr, "POST", ADMIN_KEYS_PATH, &private);
    assert_eq!(status, 400);
    assert!(body.contains("private"), "{body}");

    let (status, _) = request(e.addr, "DELETE", &format!("{ADMIN_KEYS_PATH}/{kid}"), "");
    assert_eq!(status, 204);
    let (status, _) = request(e.addr, "DELETE", &format!("{ADMIN_KEYS_PATH}/{kid}"), "");
    assert_eq!(status, 404);
    assert_eq!(e.okta.key_ids().len(), 1);
}
