//! Key pairs made here, so the private half never leaves the machine: aws-lc-rs generates
//! them, the private key goes to the keyring as PKCS#8 PEM, and the admin gets only the public
//! JWK to add to the Okta app ("Add key" under Public keys). The key ID is the RFC 7638
//! thumbprint of the public key, so the same key always has the same ID.

use aws_lc_rs::encoding::AsDer;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{KeyError, PrivateKey};

/// The kinds of key ploy-connect makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    /// What Okta itself generates.
    #[default]
    Rsa2048,
    EcP256,
}

impl KeyType {
    pub const ALL: [KeyType; 2] = [KeyType::Rsa2048, KeyType::EcP256];

    pub fn id(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::EcP256 => "ec-p256",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "RSA 2048",
            KeyType::EcP256 => "EC P-256",
        }
    }
}

/// A key pair just made: the private key as the keyring stores it, the key itself (with its
/// key ID), and the public JWK to give Okta.
#[derive(Clone)]
pub struct Generated {
    pub pem: SecretString,
    pub key: PrivateKey,
    pub public_jwk: serde_json::Value,
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "generated {}", self.key.describe())
    }
}

fn failed(what: &str) -> KeyError {
    KeyError::Malformed {
        what: format!("a new {what} key"),
        reason: "the key could not be generated".into(),
    }
}

/// Makes a key pair of `kind`. RSA 2048 takes a noticeable moment (run it off the UI thread).
pub fn generate(kind: KeyType) -> Result<Generated, KeyError> {
    let der: Vec<u8> = match kind {
        KeyType::Rsa2048 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| failed(kind.words()))?;
            pair.as_der()
                .map_err(|_| failed(kind.words()))?
                .as_ref()
                .to_vec()
        }
        KeyType::EcP256 => {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &rng,
            )
            .map_err(|_| failed(kind.words()))?
            .as_ref()
            .to_vec()
        }
    };
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der));
    crate::redact::secret(&pem);
    let parsed = PrivateKey::parse(&pem)?;
    let (text, key) = parsed.value;
    let kid = key.thumbprint();
    let key = key.with_kid(Some(kid));
    let public_jwk = public_jwk(&key)?;
    Ok(Generated {
        pem: SecretString::from(text),
        key,
        public_jwk,
    })
}

/// The public JWK Okta's "Add key" takes: the public parameters, the key ID, `use` = sig and
/// the algorithm — never a private parameter.
pub fn public_jwk(key: &PrivateKey) -> Result<serde_json::Value, KeyError> {
    let mut jwk = serde_json::to_value(key.public_jwk()).map_err(|e| KeyError::Malformed {
        what: "the public key".into(),
        reason: e.to_string(),
    })?;
    let obj = jwk.as_object_mut().ok_or_else(|| KeyError::Malformed {
        what: "the public key".into(),
        reason: "not a JSON object".into(),
    })?;
    for private in ["d", "p", "q", "dp", "dq", "qi", "oth"] {
        obj.remove(private);
    }
    if let Some(kid) = key.kid() {
        obj.insert("kid".into(), kid.into());
    }
    obj.insert("use".into(), "sig".into());
    obj.insert("alg".into(), format!("{:?}", key.alg()).into());
    Ok(jwk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generated_keys_sign_carry_their_thumbprint_and_publish_no_private_part() {
        for kind in KeyType::ALL {
            let g = generate(kind).unwrap();
            let kid = g.key.kid().unwrap().to_string();
            assert_eq!(kid, g.key.thumbprint(), "{kind:?}");
            assert_eq!(g.public_jwk["kid"], kid);
            assert_eq!(g.public_jwk["use"], "sig");
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(g.public_jwk.get(private).is_none(), "{kind:?} {private}");
            }
            // What the keyring holds parses back to the same key.
            let back = PrivateKey::parse(g.pem.expose_secret()).unwrap().value.1;
            assert_eq!(back.thumbprint(), kid);
            assert!(
                g.pem
                    .expose_secret()
                    .starts_with("-----BEGIN PRIVATE KEY-----")
            );
        }
        let rsa = generate(KeyType::Rsa2048).unwrap();
        assert_eq!(rsa.public_jwk["kty"], "RSA");
        assert_eq!(rsa.public_jwk["alg"], "RS256");
        assert!(rsa.key.describe().starts_with("RSA 2048"));
        let ec = generate(KeyType::EcP256).unwrap();
        assert_eq!(ec.public_jwk["crv"], "P-256");
        assert_eq!(ec.public_jwk["alg"], "ES256");
        assert_ne!(
            generate(KeyType::EcP256).unwrap().key.kid(),
            ec.key.kid(),
            "every key is new"
        );
    }
}
