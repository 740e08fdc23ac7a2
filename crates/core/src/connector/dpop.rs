//! DPoP proofs (RFC 9449) as Okta checks them (okta-wire.md §2).

use base64::Engine;
use jsonwebtoken::Header;
use serde::Serialize;

use crate::keys::{KeyError, PrivateKey};

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    htm: &'a str,
    htu: String,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
}

/// A proof for one request. Each call has a fresh `jti`; `access_token` adds `ath` (resource
/// calls); the header carries only the public JWK.
pub fn proof(
    key: &PrivateKey,
    method: &str,
    url: &url::Url,
    nonce: Option<&str>,
    access_token: Option<&str>,
) -> Result<String, KeyError> {
    let mut header = Header::new(key.alg());
    header.typ = Some("dpop+jwt".into());
    header.jwk = Some(key.public_jwk().clone());
    let claims = Claims {
        jti: uuid::Uuid::new_v4().to_string(),
        htm: method,
        htu: htu(url),
        iat: time::OffsetDateTime::now_utc().unix_timestamp(),
        nonce,
        ath: access_token.map(ath),
    };
    let proof = key.sign(header, &claims)?;
    crate::redact::proof(&proof);
    Ok(proof)
}

/// Scheme, authority and path — no query or fragment — with the path percent-decoded, because
/// Okta compares `htu` with the decoded path (okta-sdk-python #541).
pub fn htu(url: &url::Url) -> String {
    let path = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy();
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => String::new(),
    };
    format!("{}://{authority}{path}", url.scheme())
}

/// base64url(SHA-256(token)), no padding.
pub fn ath(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_drops_query_and_decodes_the_path() {
        let u =
            url::Url::parse("https://corp.okta.com/api/v1/users/a%40b.com?limit=200#x").unwrap();
        assert_eq!(htu(&u), "https://corp.okta.com/api/v1/users/a@b.com");
        let u = url::Url::parse("http://127.0.0.1:8080/oauth2/v1/token").unwrap();
        assert_eq!(htu(&u), "http://127.0.0.1:8080/oauth2/v1/token");
    }

    #[test]
    fn ath_is_rfc9449() {
        // RFC 9449 §7.1 example.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
