//! One redactor for every path out. Secret values are registered the moment they exist — a
//! client secret or private key passing through the vault, an access token, a client
//! assertion, a DPoP proof — and every text that leaves the program (a diagnosis detail, a
//! printed line, a log line, a screen) goes through `scrub`. It replaces each value, its URL,
//! form and JSON encodings, and any start of it at least `MIN_PREFIX` characters long (a server
//! or an excerpt may cut an echoed secret anywhere).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::RwLock;

/// What replaces a secret.
pub const MARK: &str = "[redacted]";
/// A cut-off start of a secret this long is still redacted.
pub const MIN_PREFIX: usize = 8;
/// Shorter values are too likely to be ordinary text; they are redacted only whole, from 4.
const MIN_WHOLE: usize = 4;
/// Single-use values (proofs, assertions, tokens) kept: only recent ones can be echoed back.
const EPHEMERAL: usize = 32;

/// The values to redact. The program has one (`secret`, `ephemeral` and `scrub` use it);
/// tests may make their own.
#[derive(Default)]
pub struct Registry {
    /// Client secrets and private keys, in every encoding; `true` when a cut-off start of the
    /// value is redacted too.
    lasting: Vec<(String, bool)>,
    /// Tokens, assertions and proofs, newest last.
    ephemeral: VecDeque<String>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    lasting: Vec::new(),
    ephemeral: VecDeque::new(),
});

/// The forms a value takes on the wire or in a body: as is, form- and URL-encoded, and
/// JSON-escaped (including the `\/` some servers write).
fn encodings(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let percent = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let json = serde_json::to_string(value)
        .ok()
        .map(|s| s[1..s.len().saturating_sub(1)].to_string());
    for v in [
        Some(form),
        Some(percent),
        json.clone(),
        json.map(|j| j.replace('/', "\\/")),
    ]
    .into_iter()
    .flatten()
    {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Registers a client secret or a private key for redaction (for the life of the process).
pub fn secret(value: &str) {
    if let Ok(mut r) = REGISTRY.write() {
        r.add_secret(value);
    }
}

/// Registers a single-use value: an access token, a client assertion, a DPoP proof.
pub fn ephemeral(value: &str) {
    if let Ok(mut r) = REGISTRY.write() {
        r.add_ephemeral(value);
    }
}

/// `text` with every registered value, and every cut-off start of one, replaced by `MARK`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    match REGISTRY.read() {
        Ok(r) => r.scrub(text),
        Err(_) => Cow::Borrowed(text),
    }
}

impl Registry {
    pub fn add_secret(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() < MIN_WHOLE {
            return;
        }
        // A key (PEM or JWK) starts like every other key: its start says nothing, so the whole
        // text is redacted only whole, and its random parts — echoed line by line (PEM) or
        // member by member (JWK) — from any cut-off start.
        let structured =
            value.contains('\n') || value.starts_with('{') || value.starts_with("-----");
        let mut parts: Vec<(String, bool)> = encodings(value)
            .into_iter()
            .map(|e| (e, !structured))
            .collect();
        if structured {
            for line in value.lines().map(str::trim) {
                if line.len() >= 16 && !line.starts_with("-----") {
                    parts.extend(encodings(line).into_iter().map(|e| (e, true)));
                }
            }
            if let Ok(serde_json::Value::Object(jwk)) = serde_json::from_str(value) {
                for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                    if let Some(v) = jwk.get(member).and_then(|v| v.as_str()) {
                        parts.extend(encodings(v).into_iter().map(|e| (e, true)));
                    }
                }
            }
        }
        for p in parts {
            if !self.lasting.iter().any(|(v, _)| *v == p.0) {
                self.lasting.push(p);
            }
        }
    }

    pub fn add_ephemeral(&mut self, value: &str) {
        if value.len() < MIN_PREFIX || self.ephemeral.iter().any(|v| v == value) {
            return;
        }
        if self.ephemeral.len() == EPHEMERAL {
            self.ephemeral.pop_front();
        }
        self.ephemeral.push_back(value.to_string());
    }

    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        let values = self
            .lasting
            .iter()
            .map(|(v, cut)| (v, *cut))
            .chain(self.ephemeral.iter().map(|v| (v, true)));
        for (value, cut) in values {
            let changed = if cut {
                scrub_one(&out, value)
            } else {
                out.contains(value.as_str())
                    .then(|| out.replace(value.as_str(), MARK))
            };
            if let Some(changed) = changed {
                out = Cow::Owned(changed);
            }
        }
        out
    }
}

/// Replaces `value` and its starts of `MIN_PREFIX` or more characters; `None` if none found.
fn scrub_one(text: &str, value: &str) -> Option<String> {
    if value.len() < MIN_PREFIX {
        return text.contains(value).then(|| text.replace(value, MARK));
    }
    let head = prefix(value, MIN_PREFIX)?;
    if !text.contains(head) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // How much of the value matches here (at least the head).
        let matched = after
            .char_indices()
            .zip(value.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, c), _)| i + c.len_utf8());
        out.push_str(MARK);
        rest = &after[matched.max(head.len())..];
    }
    out.push_str(rest);
    Some(out)
}

/// The first `n` characters of `s`, if it has that many.
fn prefix(s: &str, n: usize) -> Option<&str> {
    s.char_indices()
        .nth(n)
        .map(|(i, _)| &s[..i])
        .or_else(|| (s.chars().count() == n).then_some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_common_start_is_not_redacted_but_its_random_parts_are() {
        let mut r = Registry::default();
        let jwk = r#"{"alg":"RS256","d":"c2VjcmV0LWV4cG9uZW50LXRoYXQtbXVzdC1uZXZlci1zaG93","e":"AQAB","kty":"RSA"}"#;
        r.add_secret(jwk);
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";
        r.add_secret(pem);
        // A public JWK and a PEM header are not secrets.
        let public = r#"{"alg":"RS256","e":"AQAB","kty":"RSA","n":"xyz"}"#;
        assert_eq!(r.scrub(public), public);
        let hint = "expected a PEM block (-----BEGIN PRIVATE KEY-----)";
        assert_eq!(r.scrub(hint), hint);
        // The private parts are, even cut off.
        assert_eq!(r.scrub("d=c2VjcmV0LWV4cG9u…"), "d=[redacted]…");
        assert_eq!(r.scrub("MIIEvQIBADANBgkqhkiG9w0"), "[redacted]");
        assert!(r.scrub(jwk).contains(MARK));
    }

    #[test]
    fn a_secret_its_encodings_and_its_cut_off_start_are_redacted() {
        let s = "Ab+/Cd3fEf9h==Zq";
        secret(s);
        for echoed in [
            format!("client_secret={s}&grant_type=x"),
            "client_secret=Ab%2B%2FCd3fEf9h%3D%3DZq".to_string(),
            format!("{{\"client_secret\":\"{}\"}}", s.replace('/', "\\/")),
            // Cut at an excerpt boundary.
            "…grant_type=client_credentials&client_secret=Ab+/Cd3fE…".to_string(),
        ] {
            let out = scrub(&echoed);
            assert!(!out.contains("Cd3fE"), "{echoed} -> {out}");
            assert!(out.contains(MARK), "{out}");
        }
        assert_eq!(scrub("nothing here"), "nothing here");
    }

    #[test]
    fn a_key_is_redacted_line_by_line_and_member_by_member() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSu\n-----END PRIVATE KEY-----";
        secret(pem);
        let out =
            scrub("echo: VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSu");
        assert!(!out.contains("VJTUt9Us8c"), "{out}");
        let jwk = r#"{"kty":"RSA","d":"Zd1pTakenFromTheJwkPrivateMember","n":"AQAB"}"#;
        secret(jwk);
        assert!(!scrub("d=Zd1pTakenFromTheJwk").contains("Zd1pTaken"));
    }

    #[test]
    fn tokens_and_proofs_are_redacted_while_recent() {
        let token = "eyJraWQiOiJ0b2tlbiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
        ephemeral(token);
        let header = format!("Authorization: Bearer {token}");
        assert_eq!(scrub(&header), format!("Authorization: Bearer {MARK}"));
        for i in 0..EPHEMERAL {
            ephemeral(&format!("proof-number-{i:04}-xxxxxxxx"));
        }
        assert!(
            scrub(token).contains("eyJraWQi"),
            "the oldest one was let go"
        );
    }

    #[test]
    fn short_values_are_redacted_only_whole() {
        secret("abcde");
        assert_eq!(scrub("x abcde y"), format!("x {MARK} y"));
        secret("xy");
        assert_eq!(
            scrub("xyz"),
            "xyz",
            "two characters are too common to redact"
        );
    }
}
