//! The emulated org's own JOSE arithmetic, written from the RFCs and never shared with the
//! client it tests: a bug the two shared would pass every test unseen.

use base64::Engine;
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> aws_lc_rs::digest::Digest {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
}

/// RFC 9449 §4.2 `htu` of the request actually received: scheme and authority as the client
/// addressed us (`Host`), the path percent-decoded (Okta compares decoded paths), no query.
pub fn htu_of_request(host: &str, path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    format!("http://{host}{decoded}")
}

/// RFC 9449 §4.2 `ath`: base64url(SHA-256(ASCII access token)), no padding.
pub fn ath(access_token: &str) -> String {
    b64(sha256(access_token.as_bytes()).as_ref())
}

/// RFC 7638 SHA-256 thumbprint of a public JWK: the required members in lexicographic order,
/// no whitespace. `None` for a key type the org does not take.
pub fn thumbprint(jwk: &Value) -> Option<String> {
    let s = |k: &str| jwk.get(k).and_then(Value::as_str);
    let canonical = match s("kty")? {
        "RSA" => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, s("e")?, s("n")?),
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            s("crv")?,
            s("x")?,
            s("y")?
        ),
        _ => return None,
    };
    Some(b64(sha256(canonical.as_bytes()).as_ref()))
}

/// A JWK carrying any private member must never appear in a proof (RFC 9449 §4.2).
pub fn has_private_members(jwk: &Value) -> bool {
    ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|m| jwk.get(m).is_some())
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

/// The JOSE header of a compact JWS, read from its first segment.
pub fn header(token: &str) -> Option<Value> {
    serde_json::from_slice(&b64_decode(token.split('.').next()?)?).ok()
}

/// The claims of a compact JWS, unverified (to find which key must verify it).
pub fn claims(token: &str) -> Option<Value> {
    serde_json::from_slice(&b64_decode(token.split('.').nth(1)?)?).ok()
}

/// The signature algorithms the org takes (RFC 7518), as named in a JWS header.
pub const ALGS: &[&str] = &["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

/// Why a JWS did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Well formed, but the signature is not the key's.
    Signature,
    /// Not a JWS this org can read (shape, algorithm, key type).
    Unreadable,
}

/// Verifies a compact JWS with a public JWK (RSA `n`/`e`, or EC `crv`/`x`/`y`) using
/// aws-lc-rs directly, and returns its claims. The algorithm is the header's, which must suit
/// the key.
pub fn verify(token: &str, jwk: &Value) -> Result<Value, Rejected> {
    use aws_lc_rs::signature::{self, UnparsedPublicKey};
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejected::Unreadable);
    };
    let alg = header(token)
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_string))
        .ok_or(Rejected::Unreadable)?;
    let sig = b64_decode(s).ok_or(Rejected::Unreadable)?;
    let message = format!("{h}.{p}");
    let field = |k: &str| jwk.get(k).and_then(Value::as_str).and_then(b64_decode);
    let ok = match (alg.as_str(), jwk.get("kty").and_then(Value::as_str)) {
        (rs @ ("RS256" | "RS384" | "RS512"), Some("RSA")) => {
            let params = match rs {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                _ => &signature::RSA_PKCS1_2048_8192_SHA512,
            };
            let (Some(n), Some(e)) = (field("n"), field("e")) else {
                return Err(Rejected::Unreadable);
            };
            signature::RsaPublicKeyComponents { n: &n, e: &e }
                .verify(params, message.as_bytes(), &sig)
                .is_ok()
        }
        (es @ ("ES256" | "ES384" | "ES512"), Some("EC")) => {
            let (params, crv): (&'static signature::EcdsaVerificationAlgorithm, _) = match es {
                "ES256" => (&signature::ECDSA_P256_SHA256_FIXED, "P-256"),
                "ES384" => (&signature::ECDSA_P384_SHA384_FIXED, "P-384"),
                _ => (&signature::ECDSA_P521_SHA512_FIXED, "P-521"),
            };
            if jwk.get("crv").and_then(Value::as_str) != Some(crv) {
                return Err(Rejected::Unreadable);
            }
            let (Some(x), Some(y)) = (field("x"), field("y")) else {
                return Err(Rejected::Unreadable);
            };
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            UnparsedPublicKey::new(params, &point)
                .verify(message.as_bytes(), &sig)
                .is_ok()
        }
        _ => return Err(Rejected::Unreadable),
    };
    if !ok {
        return Err(Rejected::Signature);
    }
    claims(token).ok_or(Rejected::Unreadable)
}

/// An RSA 2048 key pair as Okta's console hands it out: the private key as PKCS#8 PEM and as
/// a private JWK, and the public JWK the app registers.
pub struct ConsoleKey {
    pub kid: String,
    pub private_pem: String,
    pub private_jwk: String,
    pub public_jwk: Value,
}

impl ConsoleKey {
    pub fn generate(kid: &str) -> Result<Self, String> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        use pkcs8::der::Decode;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| "RSA key generation failed".to_string())?;
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
            .map_err(|_| "RSA key encoding failed".to_string())?;
        let private_pem = pem::encode_config(
            &pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        // The public half straight from aws-lc-rs, not from parsing our own PEM.
        let public = pair.public_key();
        let n = b64(public.modulus().big_endian_without_leading_zero());
        let e = b64(public.exponent().big_endian_without_leading_zero());
        let public_jwk =
            json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": n, "e": e});
        // The private members, as the console's JWK view shows them.
        let info = pkcs8::PrivateKeyInfo::from_der(der.as_ref()).map_err(|e| e.to_string())?;
        let rsa = pkcs1::RsaPrivateKey::from_der(info.private_key).map_err(|e| e.to_string())?;
        let private_jwk = json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": n, "e": e,
            "d": b64(rsa.private_exponent.as_bytes()),
            "p": b64(rsa.prime1.as_bytes()),
            "q": b64(rsa.prime2.as_bytes()),
            "dp": b64(rsa.exponent1.as_bytes()),
            "dq": b64(rsa.exponent2.as_bytes()),
            "qi": b64(rsa.coefficient.as_bytes()),
        });
        Ok(Self {
            kid: kid.to_string(),
            private_pem,
            private_jwk: private_jwk.to_string(),
            public_jwk,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ath_is_rfc9449() {
        // RFC 9449 §7.1 example.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn thumbprint_is_rfc7638() {
        // RFC 7638 §3.1 example.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    #[test]
    fn a_signature_verifies_only_with_its_own_key_and_intact() {
        use aws_lc_rs::signature::KeyPair as _;
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let doc = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .unwrap();
        let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            doc.as_ref(),
        )
        .unwrap();
        let point = pair.public_key().as_ref();
        let jwk =
            json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..])});
        let signing_input = format!(
            "{}.{}",
            b64(br#"{"alg":"ES256","typ":"dpop+jwt"}"#),
            b64(br#"{"htm":"GET"}"#)
        );
        let sig = pair.sign(&rng, signing_input.as_bytes()).unwrap();
        let token = format!("{signing_input}.{}", b64(sig.as_ref()));
        assert_eq!(verify(&token, &jwk).unwrap()["htm"], "GET");
        let tampered = token.replace(&b64(br#"{"htm":"GET"}"#), &b64(br#"{"htm":"PUT"}"#));
        assert_eq!(verify(&tampered, &jwk), Err(Rejected::Signature));
        let rsa = ConsoleKey::generate("k").unwrap().public_jwk;
        assert_eq!(
            verify(&token, &rsa),
            Err(Rejected::Unreadable),
            "ES256 with an RSA key"
        );
    }

    #[test]
    fn htu_is_the_decoded_request_path() {
        assert_eq!(
            htu_of_request("127.0.0.1:8080", "/api/v1/users/a%40b.com"),
            "http://127.0.0.1:8080/api/v1/users/a@b.com"
        );
    }
}
