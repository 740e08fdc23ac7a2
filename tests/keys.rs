//! Key parsing against keys made by `openssl` at test time: every accepted format, every
//! rejected one, and a cross-check of the public key against openssl's own reading.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine;
use ploy_core::keys::{KeyError, PrivateKey};

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn have_openssl() -> bool {
    common::tools_available(&["openssl"])
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_accepted_format() {
    if !have_openssl() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    assert!(openssl(
        p,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa8.pem"
        ]
    ));
    assert!(openssl(
        p,
        &["rsa", "-in", "rsa8.pem", "-traditional", "-out", "rsa1.pem"]
    ));
    assert!(openssl(
        p,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:3072",
            "-out",
            "rsa3072.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "p256-sec1.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "p256-sec1.pem",
            "-out",
            "p256-8.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "ecparam",
            "-name",
            "secp384r1",
            "-genkey",
            "-noout",
            "-out",
            "p384-sec1.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "p384-sec1.pem",
            "-out",
            "p384-8.pem"
        ]
    ));

    for (file, starts) in [
        ("rsa8.pem", "RSA 2048 private key (PKCS#8 PEM)"),
        ("rsa1.pem", "RSA 2048 private key (PKCS#1 PEM)"),
        ("rsa3072.pem", "RSA 3072 private key (PKCS#8 PEM)"),
        ("p256-sec1.pem", "EC P-256 private key (SEC1 PEM)"),
        ("p256-8.pem", "EC P-256 private key (PKCS#8 PEM)"),
        ("p384-sec1.pem", "EC P-384 private key (SEC1 PEM)"),
        ("p384-8.pem", "EC P-384 private key (PKCS#8 PEM)"),
    ] {
        let parsed = PrivateKey::parse(&read(p, file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (_, key) = parsed.value;
        assert!(
            key.describe().starts_with(starts),
            "{file}: {}",
            key.describe()
        );
    }

    // The public modulus we derive is the one openssl reads from the same key.
    let out = Command::new("openssl")
        .args(["rsa", "-in", "rsa8.pem", "-noout", "-modulus"])
        .current_dir(p)
        .output()
        .unwrap();
    let hex = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("Modulus=")
        .to_lowercase();
    let key = PrivateKey::parse(&read(p, "rsa8.pem")).unwrap().value.1;
    let jwk = serde_json::to_value(key.public_jwk()).unwrap();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["n"].as_str().unwrap())
        .unwrap();
    let ours: String = n.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(ours.trim_start_matches('0'), hex.trim_start_matches('0'));
    // PKCS#1 and PKCS#8 of the same key give the same public key.
    let one = PrivateKey::parse(&read(p, "rsa1.pem")).unwrap().value.1;
    assert_eq!(one.thumbprint(), key.thumbprint());
    // SEC1 and PKCS#8 of the same EC key too.
    let a = PrivateKey::parse(&read(p, "p256-sec1.pem"))
        .unwrap()
        .value
        .1;
    let b = PrivateKey::parse(&read(p, "p256-8.pem")).unwrap().value.1;
    assert_eq!(a.thumbprint(), b.thumbprint());
}

#[test]
fn every_rejected_format_says_what_it_saw() {
    if !have_openssl() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    assert!(openssl(
        p,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "rsa1024.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "rsa.pem",
            "-passout",
            "pass:secret",
            "-out",
            "enc8.pem"
        ]
    ));
    assert!(openssl(
        p,
        &[
            "rsa",
            "-in",
            "rsa.pem",
            "-traditional",
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            "enc1.pem"
        ]
    ));
    assert!(openssl(
        p,
        &["pkey", "-in", "rsa.pem", "-pubout", "-out", "pub.pem"]
    ));
    assert!(openssl(
        p,
        &[
            "req", "-x509", "-key", "rsa.pem", "-subj", "/CN=test", "-days", "1", "-out",
            "cert.pem"
        ]
    ));
    assert!(openssl(
        p,
        &["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"]
    ));
    assert!(openssl(
        p,
        &[
            "ecparam",
            "-name",
            "secp256k1",
            "-genkey",
            "-noout",
            "-out",
            "k1.pem"
        ]
    ));

    let err = |f: &str| PrivateKey::parse(&read(p, f)).map(|_| ()).unwrap_err();
    assert_eq!(err("rsa1024.pem"), KeyError::RsaTooSmall(1024));
    assert_eq!(err("enc8.pem"), KeyError::Encrypted);
    assert_eq!(err("enc1.pem"), KeyError::Encrypted);
    assert!(matches!(err("pub.pem"), KeyError::PublicOnly(w) if w.contains("PUBLIC KEY")));
    assert_eq!(err("cert.pem"), KeyError::Certificate);
    assert!(matches!(err("ed.pem"), KeyError::Unsupported(w) if w.contains("Ed25519")));
    assert!(matches!(err("k1.pem"), KeyError::Unsupported(w) if w.contains("curve")));
    // A certificate followed by its key: the key is taken.
    let both = format!("{}{}", read(p, "cert.pem"), read(p, "rsa.pem"));
    assert!(PrivateKey::parse(&both).is_ok());
    // The body without its armour is named as such.
    let body: String = read(p, "rsa.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(
        matches!(PrivateKey::parse(&body).unwrap_err(), KeyError::NotAKey(w) if w.contains("without its -----BEGIN"))
    );
}

#[test]
fn a_private_jwk_signs_like_its_pem() {
    // The emulator publishes the same key as PEM and as JWK, the way Okta's console offers both.
    let emulator = ploy_emulator::EmulatorThread::start(Default::default()).unwrap();
    let c = &emulator.credentials.okta;
    let pem = PrivateKey::parse(&c.private_key_pem).unwrap().value.1;
    let jwk = PrivateKey::parse(&c.private_key_jwk).unwrap().value.1;
    assert_eq!(pem.thumbprint(), jwk.thumbprint());
    assert_eq!(jwk.kid(), Some(c.key_id.as_str()));
    assert_eq!(pem.kid(), None, "a PEM carries no kid");
}
