//! Property tests of every parser that takes outside input: hostnames, key text, `Link` and
//! `WWW-Authenticate` headers, vendor JSON pages, error bodies, profiles files — and the
//! redactor. None may panic on anything; the ones with a normal form must be idempotent.
//! `PROPTEST_CASES` sets the number of cases (CI runs the default; a long run sets more).

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::connector::{Endpoint, VendorAnswer, auth_param, okta, onetrust};
use crate::http::HttpResponse;
use crate::integration::Integration;
use crate::keys::{PrivateKey, normalise};
use crate::validate;

/// Arbitrary JSON, a few levels deep, with the field names the parsers look for.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            Just("content".to_string()),
            Just("userId".to_string()),
            Just("email".to_string()),
            Just("active".to_string()),
            Just("totalPages".to_string()),
            Just("number".to_string()),
            Just("last".to_string()),
            Just("profile".to_string()),
            Just("status".to_string()),
            Just("id".to_string()),
            Just("login".to_string()),
            Just("error".to_string()),
            Just("errorCode".to_string()),
            "[a-zA-Z_]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn response(status: u16, headers: &[(&'static str, String)], body: Vec<u8>) -> HttpResponse {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            map.append(*k, v);
        }
    }
    HttpResponse {
        status,
        headers: map,
        body: body.into(),
        elapsed: std::time::Duration::ZERO,
        waited: std::time::Duration::ZERO,
        truncated: false,
    }
}

proptest! {
    #[test]
    fn hostnames_never_panic_and_a_valid_one_validates_to_itself(raw in "\\PC{0,60}") {
        for integration in Integration::ALL {
            if let Ok(c) = validate::hostname(&raw, integration) {
                let stored = c.value.to_profile_string();
                prop_assert!(!stored.chars().any(|ch| ch.is_whitespace() || ch.is_control()));
                let again = validate::hostname(&stored, integration);
                prop_assert!(again.is_ok(), "{stored:?} from {raw:?}");
                prop_assert_eq!(again.map(|a| a.value).ok(), Some(c.value));
            }
        }
    }

    #[test]
    fn hostnames_of_host_like_text_never_panic(
        raw in "(https?://)?[a-zA-Z0-9\\-\\.\u{ad}\u{200b}:\\[\\]@]{0,40}(/[a-z]{0,5})?"
    ) {
        let _ = validate::hostname(&raw, Integration::OneTrust);
        let _ = validate::hostname(&raw, Integration::Okta);
    }

    #[test]
    fn key_text_never_panics_and_normalising_is_idempotent(raw in "\\PC{0,300}") {
        let _ = PrivateKey::parse(&raw);
        let (once, _) = normalise(&raw);
        let (twice, _) = normalise(&once);
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn pem_like_text_never_panics(
        body in "[A-Za-z0-9+/=\\n ]{0,400}",
        label in prop_oneof![Just("PRIVATE KEY"), Just("RSA PRIVATE KEY"), Just("EC PRIVATE KEY"), Just("CERTIFICATE")],
        end in any::<bool>(),
    ) {
        let text = format!(
            "-----BEGIN {label}-----\n{body}\n{}",
            if end { format!("-----END {label}-----") } else { String::new() }
        );
        let _ = PrivateKey::parse(&text);
    }

    #[test]
    fn link_headers_never_panic_and_next_is_taken_from_them(links in prop::collection::vec("[ -~]{0,80}", 0..4)) {
        let headers: Vec<_> = links.iter().map(|l| ("link", l.clone())).collect();
        let r = response(200, &headers, Vec::new());
        if let Some(next) = okta::next_link_in(&r.headers) {
            prop_assert!(links.iter().any(|l| l.contains(next.as_str())));
        }
    }

    #[test]
    fn www_authenticate_never_panics(h in "[ -~]{0,120}", name in "[a-z_]{1,12}") {
        let _ = auth_param(&h, &name);
    }

    #[test]
    fn vendor_pages_never_panic(v in json()) {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        if let Ok(page) = serde_json::from_slice::<onetrust::Page>(&bytes) {
            for u in page.content {
                let _ = onetrust::normalise(u);
            }
        }
        if let Ok(list) = serde_json::from_slice::<Vec<okta::OktaUser>>(&bytes) {
            for u in list {
                let _ = okta::normalise(u);
            }
        }
    }

    #[test]
    fn error_bodies_never_panic(
        status in 100u16..600,
        body in prop::collection::vec(any::<u8>(), 0..300),
        www in "[ -~]{0,100}",
        retry in "[ -~]{0,20}",
    ) {
        let r = response(status, &[("www-authenticate", www), ("retry-after", retry)], body);
        for vendor in Integration::ALL {
            let a = VendorAnswer::new(vendor, Endpoint::Users, "GET /x", &r);
            let _ = a.to_string();
            let _ = crate::connector::ConnectorError::Answer(Box::new(a)).code();
        }
        let _ = crate::http::retry_wait(&r.headers, 3);
    }

    #[test]
    fn profiles_files_never_panic(text in "\\PC{0,400}") {
        let _ = crate::profile::parse(&text, std::path::Path::new("profiles.toml"));
    }

    #[test]
    fn profile_like_toml_never_panics(
        name in "[a-z\\-\\.\"\\\\]{0,12}",
        host in "\\PC{0,30}",
        version in 0u32..4,
    ) {
        let text = format!(
            "schema_version = {version}\n[profiles.\"{name}\"]\nintegration = \"okta\"\nhost = {host:?}\nclient_id = \"x\"\nsecret_ref = \"r\"\ncreated = \"2026-01-01T00:00:00Z\"\nupdated = \"2026-01-01T00:00:00Z\"\n"
        );
        let _ = crate::profile::parse(&text, std::path::Path::new("profiles.toml"));
    }

    #[test]
    fn the_redactor_leaves_no_secret_and_no_start_of_one(
        secret in "[A-Za-z0-9+/=_\\-]{8,40}",
        before in "\\PC{0,40}",
        after in "\\PC{0,40}",
        cut in 8usize..40,
    ) {
        let mut registry = crate::redact::Registry::default();
        registry.add_secret(&secret);
        let cut = cut.min(secret.len());
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for text in [
            format!("{before}{secret}{after}"),
            format!("{before}{form}{after}"),
            format!("{before}{}", &secret[..cut]),
        ] {
            let out = registry.scrub(&text);
            prop_assert!(!out.contains(&secret[..8]), "{text:?} -> {out:?}");
        }
    }

    #[test]
    fn the_redactor_sees_through_ends_case_base64_hex_and_splits(
        secret in "[A-Za-z0-9+/=_\\-]{12,40}",
        client_id in "[a-z0-9]{0,12}",
        before in "[ a-z:]{0,20}",
        split in prop_oneof![Just("\n"), Just(" "), Just("\u{200b}"), Just("\r\n"), Just("\u{feff}")],
        at in 1usize..11,
    ) {
        use base64::Engine;
        use base64::engine::general_purpose::STANDARD;
        let mut registry = crate::redact::Registry::default();
        registry.add_secret(&secret);
        let hex: String = secret.bytes().map(|b| format!("{b:02X}")).collect();
        let basic = STANDARD.encode(format!("{client_id}:{secret}"));
        let end = &secret[secret.len() - 8..];
        for (text, leak) in [
            (format!("{before}…{end}"), end.to_string()),
            (format!("{before}{}", secret.to_uppercase()), secret.to_uppercase()),
            (format!("{before}{}", secret.to_lowercase()), secret.to_lowercase()),
            (format!("{before}{hex}"), hex.clone()),
            (format!("{before}{}", STANDARD.encode(&secret)), STANDARD.encode(&secret)),
            (format!("{before}{basic}"), basic.clone()),
            (format!("{before}{}{split}{}", &secret[..at], &secret[at..]), secret.clone()),
        ] {
            let out = registry.scrub(&text);
            prop_assert!(!out.contains(&leak), "{text:?} -> {out:?}");
            prop_assert!(out.contains(crate::redact::MARK), "{text:?} -> {out:?}");
        }
    }
}
