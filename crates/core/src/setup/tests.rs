use super::*;
use crate::keys::KeySource;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
}

/// A fresh RSA key as a private JWK carrying `kid`, and the same key as PKCS#8 PEM.
fn keys(kid: &str) -> (ParsedKey, ParsedKey) {
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine;
    use pkcs8::der::Decode;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
    let info = pkcs8::PrivateKeyInfo::from_der(der.as_ref()).unwrap();
    let k = pkcs1::RsaPrivateKey::from_der(info.private_key).unwrap();
    let b = |x: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(x);
    let jwk = serde_json::json!({
        "kty": "RSA", "kid": kid, "n": b(k.modulus.as_bytes()), "e": b(k.public_exponent.as_bytes()),
        "d": b(k.private_exponent.as_bytes()), "p": b(k.prime1.as_bytes()), "q": b(k.prime2.as_bytes()),
        "dp": b(k.exponent1.as_bytes()), "dq": b(k.exponent2.as_bytes()), "qi": b(k.coefficient.as_bytes()),
    })
    .to_string();
    let load = |t: String| KeySource::Pasted(SecretString::from(t)).load().unwrap();
    (load(jwk), load(pem))
}

fn okta_draft(key: ParsedKey, key_id: Option<&str>) -> Draft {
    Draft {
        name: "corp".into(),
        host: Some("corp.okta.com".into()),
        client_id: Some("0oa123".into()),
        key: Some(key),
        key_id: key_id.map(str::to_string),
        ..Draft::default()
    }
}

fn validate(d: &Draft, integration: Integration) -> Result<Validated, InputError> {
    d.validate(integration, Intent::CreateOrUpdate, None, None, now())
}

#[test]
fn a_jwk_kid_and_a_different_typed_kid_is_an_error_naming_both() {
    let (jwk, _) = keys("kid-A");
    let err = validate(&okta_draft(jwk, Some("kid-B")), Integration::Okta).unwrap_err();
    assert_eq!(
        err,
        InputError::KeyIdConflict {
            key: "kid-A".into(),
            typed: "kid-B".into()
        }
    );
    let text = err.to_string();
    assert!(text.contains("kid-A") && text.contains("kid-B"), "{text}");
    assert_eq!(err.code(), code::INPUT_INVALID);
    assert_eq!(err.field(), SetupField::KeyId);
}

#[test]
fn the_same_kid_typed_again_or_a_pem_with_a_kid_is_accepted() {
    let (jwk, pem) = keys("kid-A");
    let v = validate(&okta_draft(jwk, Some("kid-A")), Integration::Okta).unwrap();
    assert_eq!(v.profile.okta.unwrap().key_id, None, "the key names itself");
    let v = validate(&okta_draft(pem, Some(" kid-B ")), Integration::Okta).unwrap();
    assert_eq!(v.profile.okta.unwrap().key_id.as_deref(), Some("kid-B"));
}

#[test]
fn defaults_are_the_recommended_scopes_and_dpop() {
    let (_, pem) = keys("k");
    let v = validate(&okta_draft(pem, None), Integration::Okta).unwrap();
    let okta = v.profile.okta.unwrap();
    assert_eq!(okta.scopes, DEFAULT_SCOPES);
    assert_eq!(
        okta.scopes.len(),
        4,
        "users, groups, apps and roles: what a review reads"
    );
    assert!(okta.dpop);
    assert!(v.key_summary.unwrap().starts_with("RSA 2048 private key"));
}

#[test]
fn a_new_profile_names_what_is_missing_and_an_update_keeps_what_is_stored() {
    let d = Draft {
        name: "acme".into(),
        ..Draft::default()
    };
    assert_eq!(
        validate(&d, Integration::OneTrust).unwrap_err(),
        InputError::Missing(vec![
            SetupField::Host,
            SetupField::ClientId,
            SetupField::Secret
        ])
    );
    let full = Draft {
        name: "acme".into(),
        host: Some("https://Acme.my.onetrust.com/".into()),
        client_id: Some(" abc ".into()),
        secret: Some(SecretString::from("s3cret\n".to_string())),
        ..Draft::default()
    };
    let v = validate(&full, Integration::OneTrust).unwrap();
    assert_eq!(v.profile.host, "acme.my.onetrust.com");
    assert_eq!(v.profile.client_id, "abc");
    assert_eq!(v.secret.as_ref().unwrap().expose_secret(), "s3cret");
    assert!(v.notes.iter().any(|(f, _)| *f == SetupField::Host));

    let only_id = Draft {
        name: "acme".into(),
        client_id: Some("other".into()),
        ..Draft::default()
    };
    let u = only_id
        .validate(
            Integration::OneTrust,
            Intent::CreateOrUpdate,
            Some(&v.profile),
            None,
            now(),
        )
        .unwrap();
    assert_eq!(u.profile.host, "acme.my.onetrust.com");
    assert_eq!(u.profile.secret_ref, v.profile.secret_ref);
    assert!(u.secret.is_none(), "the stored secret stays");
}

#[test]
fn intents_guard_existing_names_and_vendors() {
    let (_, pem) = keys("k");
    let okta = validate(&okta_draft(pem.clone(), None), Integration::Okta).unwrap();
    let err = okta_draft(pem.clone(), None)
        .validate(
            Integration::Okta,
            Intent::Create,
            Some(&okta.profile),
            None,
            now(),
        )
        .unwrap_err();
    assert_eq!(err, InputError::NameTaken("corp".into()));
    let ot = Draft {
        name: "corp".into(),
        secret: Some(SecretString::from("x".to_string())),
        ..Draft::default()
    };
    let err = ot
        .validate(
            Integration::OneTrust,
            Intent::CreateOrUpdate,
            Some(&okta.profile),
            None,
            now(),
        )
        .unwrap_err();
    assert!(matches!(err, InputError::WrongIntegration { .. }), "{err}");
    assert!(matches!(
        check_name("corp", Intent::Create, &["corp".to_string()]),
        Err(InputError::NameTaken(_))
    ));
    assert!(check_name("corp", Intent::Update, &["corp".to_string()]).is_ok());
}

#[test]
fn a_key_id_alone_must_agree_with_the_stored_key() {
    let (_, pem) = keys("k");
    let stored = validate(&okta_draft(pem, None), Integration::Okta).unwrap();
    let d = Draft {
        name: "corp".into(),
        key_id: Some("new-kid".into()),
        ..Draft::default()
    };
    let v = |stored_kid| {
        d.validate(
            Integration::Okta,
            Intent::CreateOrUpdate,
            Some(&stored.profile),
            stored_kid,
            now(),
        )
    };
    assert_eq!(
        v(None).unwrap().profile.okta.unwrap().key_id.as_deref(),
        Some("new-kid"),
        "a PEM takes the typed key ID (Okta shows a different one)"
    );
    assert!(matches!(
        v(Some("jwk-kid")),
        Err(InputError::KeyIdConflict { .. })
    ));
}

#[test]
fn bad_values_map_to_their_codes() {
    let d = Draft {
        name: "acme".into(),
        host: Some("admin@acme.my.onetrust.com".into()),
        client_id: Some("x".into()),
        secret: Some(SecretString::from("s".to_string())),
        ..Draft::default()
    };
    let err = validate(&d, Integration::OneTrust).unwrap_err();
    assert_eq!(err.code(), code::HOST_INVALID);
    assert_eq!(err.field(), SetupField::Host);
}

#[test]
fn a_public_key_file_is_the_pretty_jwk_and_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("okta-public-key.json");
    let jwk = serde_json::json!({"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"});
    let written = super::write_public_key(&path, &jwk).unwrap();
    assert!(written.is_absolute());
    let text = std::fs::read_to_string(&written).unwrap();
    assert_eq!(
        text,
        format!("{}\n", serde_json::to_string_pretty(&jwk).unwrap())
    );
    // Written again, it replaces the file it wrote.
    super::write_public_key(&path, &jwk).unwrap();
}
