//! Private keys as Okta's console copies them: a private JWK (JSON) or PEM (PKCS#8, PKCS#1,
//! SEC1). Pasted text is normalised first (line breaks, literal `\n`, quotes); the normalised
//! text is what goes to the keyring. Parsing uses RustCrypto's DER types and jsonwebtoken:
//! no hand-written ASN.1 or crypto.

use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use pkcs8::der::asn1::ObjectIdentifier;
use pkcs8::der::{AnyRef, Decode, Encode};
use serde::Serialize;
use thiserror::Error;

mod generate;
mod source;

pub use generate::{Generated, KeyType, generate, public_jwk};
pub use source::{
    KeyInputError, KeySource, MAX_KEY_BYTES, ParsedKey, expand_path, looks_like_key, read_key_file,
};

use crate::validate::{Checked, Note};

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const MIN_RSA_BITS: usize = 2048;
/// The largest RSA key aws-lc-rs signs with.
pub const MAX_RSA_BITS: usize = 8192;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    #[error("no key was pasted")]
    Empty,
    #[error(
        "this is {0}, not a private key: copy the private key (Okta shows it once, after Generate new key)"
    )]
    PublicOnly(String),
    #[error("this is a key set with {0} keys: copy just the one private key")]
    KeySet(usize),
    #[error("this is a certificate, not a private key")]
    Certificate,
    #[error(
        "this private key is encrypted with a passphrase; export it unencrypted (openssl pkcs8 -topk8 -nocrypt)"
    )]
    Encrypted,
    #[error("this is {0}; Okta accepts RSA (2048 bits or more) or EC P-256/P-384 keys")]
    Unsupported(String),
    #[error("this RSA key has {0} bits; Okta needs 2048 or more")]
    RsaTooSmall(usize),
    #[error(
        "this RSA key has {0} bits; ploy-connect signs with RSA keys of 2048 to {MAX_RSA_BITS} bits (Okta generates 2048)"
    )]
    RsaTooLarge(usize),
    #[error(
        "this RSA key's public exponent is {0}; a key with an exponent below 65537 is refused as weak (make a new key)"
    )]
    RsaWeakExponent(u64),
    #[error("recognised {what}, but it could not be read: {reason}")]
    Malformed { what: String, reason: String },
    #[error("the PEM is cut off: its -----END ...----- line is missing; copy the whole key again")]
    CutOff,
    #[error(
        "this is not a key: expected a PEM block (-----BEGIN PRIVATE KEY-----) or a JWK (JSON with \"kty\"){0}"
    )]
    NotAKey(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyFormat {
    #[serde(rename = "JWK")]
    Jwk,
    #[serde(rename = "PKCS#8 PEM")]
    Pkcs8,
    #[serde(rename = "PKCS#1 PEM")]
    Pkcs1,
    #[serde(rename = "SEC1 PEM")]
    Sec1,
}

impl KeyFormat {
    fn label(self) -> &'static str {
        match self {
            KeyFormat::Jwk => "JWK",
            KeyFormat::Pkcs8 => "PKCS#8 PEM",
            KeyFormat::Pkcs1 => "PKCS#1 PEM",
            KeyFormat::Sec1 => "SEC1 PEM",
        }
    }
}

/// A usable signing key. `Debug` shows what it is, never its material.
#[derive(Clone)]
pub struct PrivateKey {
    encoding: EncodingKey,
    alg: Algorithm,
    public: Jwk,
    kid: Option<String>,
    format: KeyFormat,
    kind: String,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl PrivateKey {
    /// Normalises and parses pasted or file text.
    pub fn parse(raw: &str) -> Result<Checked<(String, PrivateKey)>, KeyError> {
        let (text, notes) = normalise(raw);
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        let key = if text.starts_with('{') {
            from_jwk_text(&text)?
        } else if text.contains("-----BEGIN") {
            from_pem(&text)?
        } else {
            let hint = if text.starts_with("MII") {
                ": this looks like a PEM body without its -----BEGIN/END----- lines"
            } else {
                ""
            };
            return Err(KeyError::NotAKey(hint.into()));
        };
        Ok(Checked {
            value: (text, key),
            notes,
        })
    }

    /// Uses `kid` for the assertion header (a PEM carries none; the console shows it).
    pub fn with_kid(mut self, kid: Option<String>) -> Self {
        if kid.is_some() {
            self.kid = kid;
        }
        self
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// "RSA 2048 private key (PKCS#8 PEM), kid 3mZ8f1Qa…" — safe to show anywhere.
    pub fn describe(&self) -> String {
        let kid = match &self.kid {
            Some(k) if k.chars().count() > 10 => {
                format!(", kid {}…", k.chars().take(8).collect::<String>())
            }
            Some(k) => format!(", kid {k}"),
            None => ", no kid".into(),
        };
        format!("{} private key ({}){kid}", self.kind, self.format.label())
    }

    /// Signs `claims` with this key; `header` gets this key's `alg` (and `kid` when known).
    pub fn sign<T: Serialize>(&self, mut header: Header, claims: &T) -> Result<String, KeyError> {
        header.alg = self.alg;
        if header.kid.is_none() {
            header.kid = self.kid.clone();
        }
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| KeyError::Malformed {
            what: self.kind.clone(),
            reason: e.to_string(),
        })
    }

    /// RFC 7638 SHA-256 thumbprint of the public key.
    pub fn thumbprint(&self) -> String {
        thumbprint(&self.public)
    }

    /// The RSA 2048 key DPoP proofs are signed with (RS256): what Okta's own SDKs sign with —
    /// Go (RSA 2048), Python (3072), .NET, auth-js and Node all RS256; only Java uses ES256
    /// (entitlements-wire §6, §10.9) — so this is the path production Okta sees every day.
    /// Made once per process, off the network, never stored (the Python SDK keeps its own a
    /// day); the proof's `jwk` carries only its public half.
    pub fn ephemeral_rsa() -> Result<PrivateKey, KeyError> {
        static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
        if let Some(k) = KEY.get() {
            return Ok(k.clone());
        }
        let mut made = generate::generate(generate::KeyType::Rsa2048)?.key;
        // A proof names its key by the `jwk` it carries; a `kid` would say nothing more.
        made.kid = None;
        Ok(KEY.get_or_init(|| made).clone())
    }
}

/// RFC 7638 SHA-256 thumbprint (base64url) of a public JWK.
pub fn thumbprint(jwk: &Jwk) -> String {
    jwk.thumbprint(ThumbprintHash::SHA256).unwrap_or_default()
}

/// CRLF/CR to LF, literal `\n` to newlines (PEM pasted from JSON or env files), surrounding
/// whitespace and quotes removed, PEM bodies re-wrapped. Each change is reported.
pub fn normalise(raw: &str) -> (String, Vec<Note>) {
    let mut notes = Vec::new();
    let mut text = raw.trim().to_string();
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            text = text[1..text.len() - 1].trim().to_string();
            notes.push(Note::Changed("removed surrounding quotes".into()));
        }
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
        notes.push(Note::Changed("changed CR line breaks to LF".into()));
    }
    if text.contains("-----BEGIN") {
        if text.contains("\\n") {
            text = text.replace("\\n", "\n");
            notes.push(Note::Changed("turned literal \\n into line breaks".into()));
        }
        let rewrapped = rewrap_pem(&text);
        if rewrapped != text {
            if !notes.iter().any(|n| n.text().contains("line breaks")) {
                notes.push(Note::Changed("re-wrapped the PEM lines".into()));
            }
            text = rewrapped;
        }
    }
    (text.trim().to_string(), notes)
}

/// Canonical PEM: header line, base64 in 64-character lines, footer line. Blocks with
/// RFC 1421 headers (`Proc-Type:`) are left alone so encryption is still recognised.
fn rewrap_pem(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after_begin = &rest[begin + 11..];
        let Some(label_end) = after_begin.find("-----") else {
            break;
        };
        let label = &after_begin[..label_end];
        let body_start = begin + 11 + label_end + 5;
        let footer = format!("-----END {label}-----");
        let Some(end) = rest[body_start..].find(&footer) else {
            break;
        };
        let body = &rest[body_start..body_start + end];
        if body.contains(':') {
            out.push_str(&rest[begin..body_start + end + footer.len()]);
        } else {
            let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            out.push_str(&format!("-----BEGIN {label}-----\n"));
            for chunk in b64.as_bytes().chunks(64) {
                out.push_str(&String::from_utf8_lossy(chunk));
                out.push('\n');
            }
            out.push_str(&footer);
        }
        out.push('\n');
        rest = &rest[body_start + end + footer.len()..];
    }
    if out.is_empty() {
        text.to_string()
    } else {
        out.trim_end().to_string()
    }
}

fn malformed(what: &str, reason: impl std::fmt::Display) -> KeyError {
    KeyError::Malformed {
        what: what.into(),
        reason: reason.to_string(),
    }
}

fn from_pem(text: &str) -> Result<PrivateKey, KeyError> {
    if text.contains("ENCRYPTED") {
        return Err(KeyError::Encrypted);
    }
    if !text.contains("-----END") {
        return Err(KeyError::CutOff);
    }
    let blocks = pem::parse_many(text).map_err(|e| malformed("a PEM block", e))?;
    let private: Vec<_> = blocks
        .iter()
        .filter(|b| b.tag().ends_with("PRIVATE KEY"))
        .collect();
    let block = match private.as_slice() {
        [one] => *one,
        [] => {
            let tags: Vec<_> = blocks.iter().map(|b| b.tag().to_string()).collect();
            return Err(match tags.first().map(String::as_str) {
                Some("CERTIFICATE") => KeyError::Certificate,
                Some(t) if t.contains("PUBLIC KEY") => KeyError::PublicOnly(format!("a {t} PEM")),
                Some(t) => KeyError::NotAKey(format!(" (found a PEM block \"{t}\")")),
                None => KeyError::NotAKey(String::new()),
            });
        }
        many => {
            return Err(KeyError::NotAKey(format!(
                " (found {} private keys; paste one)",
                many.len()
            )));
        }
    };
    let der = block.contents();
    match block.tag() {
        "PRIVATE KEY" => from_pkcs8(der),
        "RSA PRIVATE KEY" => rsa_from_pkcs1(der, KeyFormat::Pkcs1, None),
        "EC PRIVATE KEY" => ec_from_sec1(der, KeyFormat::Sec1, None),
        other => Err(KeyError::Unsupported(format!("a \"{other}\" PEM"))),
    }
}

fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| malformed("a PKCS#8 key", e))?;
    match info.algorithm.oid {
        OID_RSA => rsa_from_pkcs1(info.private_key, KeyFormat::Pkcs8, None),
        OID_EC => {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| malformed("a PKCS#8 EC key", e))?;
            let (alg, kind) = curve_alg(curve)?;
            build(
                EncodingKey::from_ec_der(der),
                alg,
                kind,
                KeyFormat::Pkcs8,
                None,
            )
        }
        OID_ED25519 => Err(KeyError::Unsupported("an Ed25519 key".into())),
        other => Err(KeyError::Unsupported(format!("a key of algorithm {other}"))),
    }
}

fn curve_alg(curve: ObjectIdentifier) -> Result<(Algorithm, String), KeyError> {
    match curve {
        OID_P256 => Ok((Algorithm::ES256, "EC P-256".into())),
        OID_P384 => Ok((Algorithm::ES384, "EC P-384".into())),
        other => Err(KeyError::Unsupported(format!("an EC key on curve {other}"))),
    }
}

fn rsa_from_pkcs1(
    der: &[u8],
    format: KeyFormat,
    kid: Option<String>,
) -> Result<PrivateKey, KeyError> {
    let key = pkcs1::RsaPrivateKey::from_der(der).map_err(|e| malformed("an RSA key", e))?;
    let modulus = key.modulus.as_bytes();
    let bits = modulus.len() * 8 - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        return Err(KeyError::RsaTooSmall(bits));
    }
    if bits > MAX_RSA_BITS {
        return Err(KeyError::RsaTooLarge(bits));
    }
    let exponent = key
        .public_exponent
        .as_bytes()
        .iter()
        .try_fold(0u64, |acc, b| {
            acc.checked_mul(256).map(|v| v + u64::from(*b))
        });
    match exponent {
        Some(e) if e < 65_537 => return Err(KeyError::RsaWeakExponent(e)),
        _ => {}
    }
    build(
        EncodingKey::from_rsa_der(der),
        Algorithm::RS256,
        format!("RSA {bits}"),
        format,
        kid,
    )
}

/// SEC1 → PKCS#8, which is what the signer takes.
fn ec_from_sec1(
    der: &[u8],
    format: KeyFormat,
    kid: Option<String>,
) -> Result<PrivateKey, KeyError> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|e| malformed("an EC key", e))?;
    let curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .ok_or_else(|| malformed("an EC key", "it does not name its curve"))?;
    let (alg, kind) = curve_alg(curve)?;
    let info = pkcs8::PrivateKeyInfo {
        algorithm: pkcs8::AlgorithmIdentifierRef {
            oid: OID_EC,
            parameters: Some(AnyRef::from(&curve)),
        },
        private_key: der,
        public_key: None,
    };
    let pkcs8 = info.to_der().map_err(|e| malformed("an EC key", e))?;
    build(EncodingKey::from_ec_der(&pkcs8), alg, kind, format, kid)
}

/// Derives the public JWK and signs once, so a key that cannot sign is refused now, not at
/// the first request.
fn build(
    encoding: EncodingKey,
    alg: Algorithm,
    kind: String,
    format: KeyFormat,
    kid: Option<String>,
) -> Result<PrivateKey, KeyError> {
    let public = Jwk::from_encoding_key(&encoding, alg).map_err(|e| malformed(&kind, e))?;
    let key = PrivateKey {
        encoding,
        alg,
        public,
        kid,
        format,
        kind,
    };
    key.sign(Header::new(alg), &serde_json::json!({"probe": true}))?;
    Ok(key)
}

fn from_jwk_text(text: &str) -> Result<PrivateKey, KeyError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed("JSON", e))?;
    let jwk = match value.get("keys").and_then(|k| k.as_array()) {
        Some(keys) if keys.len() == 1 => &keys[0],
        Some(keys) => return Err(KeyError::KeySet(keys.len())),
        None => &value,
    };
    let field = |name: &str| jwk.get(name).and_then(|v| v.as_str());
    let bytes = |name: &str| -> Result<Vec<u8>, KeyError> {
        let v = field(name).ok_or_else(|| malformed("a JWK", format!("\"{name}\" is missing")))?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(v.trim_end_matches('='))
            .map_err(|e| malformed("a JWK", format!("\"{name}\" is not base64url: {e}")))
    };
    let kid = field("kid").map(str::to_string);
    let kty = field("kty").ok_or_else(|| KeyError::NotAKey(" (JSON without \"kty\")".into()))?;
    if field("d").is_none() && kty != "oct" {
        return Err(KeyError::PublicOnly(format!(
            "a public {kty} JWK (no \"d\")"
        )));
    }
    match kty {
        "RSA" => {
            let parts: Vec<Vec<u8>> = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
                .iter()
                .map(|n| bytes(n))
                .collect::<Result<_, _>>()?;
            fn uint(b: &[u8]) -> Result<pkcs1::UintRef<'_>, KeyError> {
                pkcs1::UintRef::new(b).map_err(|e| malformed("an RSA JWK", e))
            }
            // n = p·q, so its size follows from theirs; when it does not, a member was
            // damaged on the way (a character lost in copying), and its "size" means nothing.
            let (n, p, q) = (bit_len(&parts[0]), bit_len(&parts[3]), bit_len(&parts[4]));
            if n + 1 < p + q || n > p + q {
                return Err(malformed(
                    "an RSA JWK",
                    format!(
                        "its modulus \"n\" ({n} bits) does not match its primes \"p\" and \"q\" ({p} and {q} bits): the key is damaged; copy the whole JWK again"
                    ),
                ));
            }
            let key = pkcs1::RsaPrivateKey {
                modulus: uint(&parts[0])?,
                public_exponent: uint(&parts[1])?,
                private_exponent: uint(&parts[2])?,
                prime1: uint(&parts[3])?,
                prime2: uint(&parts[4])?,
                exponent1: uint(&parts[5])?,
                exponent2: uint(&parts[6])?,
                coefficient: uint(&parts[7])?,
                other_prime_infos: None,
            };
            let der = key.to_der().map_err(|e| malformed("an RSA JWK", e))?;
            rsa_from_pkcs1(&der, KeyFormat::Jwk, kid)
        }
        "EC" => {
            let curve = match field("crv") {
                Some("P-256") => OID_P256,
                Some("P-384") => OID_P384,
                Some(other) => {
                    return Err(KeyError::Unsupported(format!("an EC key on curve {other}")));
                }
                None => return Err(malformed("an EC JWK", "\"crv\" is missing")),
            };
            let (d, x, y) = (bytes("d")?, bytes("x")?, bytes("y")?);
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let sec1 = sec1::EcPrivateKey {
                private_key: &d,
                parameters: Some(sec1::EcParameters::NamedCurve(curve)),
                public_key: Some(&point),
            };
            let der = sec1.to_der().map_err(|e| malformed("an EC JWK", e))?;
            ec_from_sec1(&der, KeyFormat::Jwk, kid)
        }
        "oct" => Err(KeyError::Unsupported(
            "a shared secret (\"oct\" JWK)".into(),
        )),
        other => Err(KeyError::Unsupported(format!("a \"{other}\" JWK"))),
    }
}

/// The bits of a big-endian unsigned number.
fn bit_len(bytes: &[u8]) -> usize {
    let bytes = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    bytes
        .first()
        .map_or(0, |b| bytes.len() * 8 - b.leading_zeros() as usize)
}

/// Whether a JWK holds only public members (for checking proofs we receive).
pub fn is_public_only(jwk: &Jwk) -> bool {
    let text = serde_json::to_value(jwk).unwrap_or_default();
    ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .all(|m| text.get(m).is_none())
        && !matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_pasted_pem() {
        let raw = "  \"-----BEGIN PRIVATE KEY-----\\nMIIB\\nAAAA\\n-----END PRIVATE KEY-----\"  ";
        let (text, notes) = normalise(raw);
        assert_eq!(
            text,
            "-----BEGIN PRIVATE KEY-----\nMIIBAAAA\n-----END PRIVATE KEY-----"
        );
        assert!(notes.iter().any(|n| n.text().contains("quotes")));
        assert!(notes.iter().any(|n| n.text().contains("literal")));

        let (text, notes) =
            normalise("-----BEGIN PRIVATE KEY-----\r\nMIIB\rAAAA\r\n-----END PRIVATE KEY-----\r\n");
        assert_eq!(
            text,
            "-----BEGIN PRIVATE KEY-----\nMIIBAAAA\n-----END PRIVATE KEY-----"
        );
        assert!(notes.iter().any(|n| n.text().contains("CR")));

        // Pasted into a one-line field: spaces instead of line breaks.
        let (text, _) =
            normalise("-----BEGIN PRIVATE KEY----- MIIB AAAA -----END PRIVATE KEY-----");
        assert_eq!(
            text,
            "-----BEGIN PRIVATE KEY-----\nMIIBAAAA\n-----END PRIVATE KEY-----"
        );
    }

    #[test]
    fn rejections_say_what_was_recognised() {
        assert_eq!(PrivateKey::parse("  ").unwrap_err(), KeyError::Empty);
        assert!(matches!(
            PrivateKey::parse("hello").unwrap_err(),
            KeyError::NotAKey(_)
        ));
        assert!(matches!(
            PrivateKey::parse(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).unwrap_err(),
            KeyError::PublicOnly(_)
        ));
        assert_eq!(
            PrivateKey::parse(r#"{"keys":[{"kty":"RSA"},{"kty":"RSA"}]}"#).unwrap_err(),
            KeyError::KeySet(2)
        );
        assert!(matches!(
            PrivateKey::parse(r#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap_err(),
            KeyError::Unsupported(_)
        ));
        assert_eq!(
            PrivateKey::parse(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----"
            )
            .unwrap_err(),
            KeyError::Encrypted
        );
        assert_eq!(
            PrivateKey::parse("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
                .unwrap_err(),
            KeyError::Certificate
        );
        assert!(matches!(
            PrivateKey::parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .unwrap_err(),
            KeyError::Malformed { .. }
        ));
    }

    /// An RSA private key structure with a modulus of `bits` and exponent `e` (not a working
    /// key: the checks run before any arithmetic).
    fn rsa_der(bits: usize, e: u8) -> Vec<u8> {
        let mut n = vec![0xC5u8; bits / 8];
        n[0] = 0xC5;
        let one = [1u8];
        let exp = [e];
        pkcs1::RsaPrivateKey {
            modulus: pkcs1::UintRef::new(&n).unwrap(),
            public_exponent: pkcs1::UintRef::new(&exp).unwrap(),
            private_exponent: pkcs1::UintRef::new(&one).unwrap(),
            prime1: pkcs1::UintRef::new(&one).unwrap(),
            prime2: pkcs1::UintRef::new(&one).unwrap(),
            exponent1: pkcs1::UintRef::new(&one).unwrap(),
            exponent2: pkcs1::UintRef::new(&one).unwrap(),
            coefficient: pkcs1::UintRef::new(&one).unwrap(),
            other_prime_infos: None,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn rsa_keys_too_large_or_with_a_weak_exponent_are_refused_in_plain_words() {
        let err = rsa_from_pkcs1(&rsa_der(16384, 1), KeyFormat::Pkcs1, None).unwrap_err();
        assert_eq!(err, KeyError::RsaTooLarge(16384));
        assert!(err.to_string().contains("2048 to 8192 bits"), "{err}");
        let err = rsa_from_pkcs1(&rsa_der(2048, 3), KeyFormat::Pkcs1, None).unwrap_err();
        assert_eq!(err, KeyError::RsaWeakExponent(3));
    }

    #[test]
    fn a_damaged_rsa_jwk_says_it_is_damaged_not_a_nonsense_size() {
        let der = rsa_der(2048, 1);
        let key = pkcs1::RsaPrivateKey::from_der(&der).unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let prime = vec![0xC5u8; 128]; // 1024 bits each: together the modulus's 2048
        let jwk = |n: &[u8]| {
            serde_json::json!({
                "kty": "RSA", "n": b64(n), "e": "AQAB", "d": b64(&prime),
                "p": b64(&prime), "q": b64(&prime), "dp": b64(&prime), "dq": b64(&prime),
                "qi": b64(&prime),
            })
            .to_string()
        };
        let n = key.modulus.as_bytes();
        // Seven bytes lost in copying: 1992 bits.
        let err = PrivateKey::parse(&jwk(&n[7..])).unwrap_err();
        assert!(
            matches!(&err, KeyError::Malformed { .. }) && err.to_string().contains("damaged"),
            "{err}"
        );
        assert!(!err.to_string().contains("Okta needs 2048"), "{err}");
        // Sizes that fit get as far as the arithmetic (these numbers are no key).
        let err = PrivateKey::parse(&jwk(n)).unwrap_err();
        assert!(!err.to_string().contains("damaged"), "{err}");
    }

    #[test]
    fn ephemeral_dpop_keys_are_rs256_and_public_in_the_jwk() {
        let k = PrivateKey::ephemeral_rsa().unwrap();
        assert_eq!(k.alg(), Algorithm::RS256);
        assert!(is_public_only(k.public_jwk()));
        assert_eq!(k.thumbprint().len(), 43);
        let text = format!("{k:?}");
        assert!(text.starts_with("RSA 2048 private key"), "{text}");
        // One per process: the second run of a process signs with the same key.
        assert_eq!(
            PrivateKey::ephemeral_rsa().unwrap().thumbprint(),
            k.thumbprint()
        );
    }
}
