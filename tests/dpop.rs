//! A DPoP proof checked independently of the code that made it: jsonwebtoken's verifier for
//! the signature, and `ath` and the RFC 7638 thumbprint recomputed by hand from the spec.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

use base64::Engine;
use jsonwebtoken::{DecodingKey, Validation};
use ploy_core::connector::dpop;
use ploy_core::keys::PrivateKey;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> aws_lc_rs::digest::Digest {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
}

#[test]
fn a_resource_proof_verifies_and_binds_to_the_token() {
    // The proof key the connector signs with: RS256, as Okta's own SDKs sign (issue 18).
    let key = PrivateKey::ephemeral_rsa().unwrap();
    let url = url::Url::parse("https://corp.okta.com/api/v1/users/a%40b.com?limit=200").unwrap();
    let token = "eyJraWQiOiJ4In0.eyJzdWIiOiIxIn0.c2ln";
    let proof = dpop::proof(&key, "GET", &url, Some("n0nce"), Some(token)).unwrap();

    let header = jsonwebtoken::decode_header(&proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert!(header.kid.is_none());
    let jwk = header.jwk.expect("jwk in the header");
    let raw = serde_json::to_value(&jwk).unwrap();
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(
            raw.get(private).is_none(),
            "private member {private} in the proof"
        );
    }

    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.required_spec_claims.clear();
    let claims: serde_json::Value =
        jsonwebtoken::decode(&proof, &DecodingKey::from_jwk(&jwk).unwrap(), &v)
            .expect("signature verifies with the embedded key")
            .claims;
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], "https://corp.okta.com/api/v1/users/a@b.com");
    assert_eq!(claims["nonce"], "n0nce");
    assert!(claims["jti"].as_str().unwrap().len() >= 16);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - claims["iat"].as_i64().unwrap()).abs() <= 2);
    assert_eq!(claims["ath"], b64(sha256(token.as_bytes()).as_ref()));

    // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        raw["e"].as_str().unwrap(),
        raw["n"].as_str().unwrap()
    );
    assert_eq!(key.thumbprint(), b64(sha256(canonical.as_bytes()).as_ref()));

    let again = dpop::proof(&key, "GET", &url, None, None).unwrap();
    let again: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(&again).unwrap();
    assert_ne!(again["jti"], claims["jti"], "a fresh jti per proof");
    assert!(again.get("nonce").is_none() && again.get("ath").is_none());
}
