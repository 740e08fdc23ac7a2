//! One redactor for every path out. Secret values are registered the moment they exist — a
//! client secret or private key passing through the vault, an access token, a client
//! assertion, a DPoP proof — and every text that leaves the program (a diagnosis detail, a
//! printed line, a log line, a screen) goes through `scrub`.
//!
//! A server, a proxy or an excerpt can echo a value in many shapes, so each value is looked for
//! as it is and in its URL, form, JSON, base64 (at every alignment, so also inside the base64
//! of `client_id:client_secret` that HTTP Basic sends) and hex encodings, in any letter case,
//! with line breaks, spaces or invisible characters anywhere inside it, and also cut off: any
//! start or end of it at least `MIN_PREFIX` characters long.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::RwLock;

use base64::Engine;
use zeroize::Zeroizing;

/// What replaces a secret.
pub const MARK: &str = "[redacted]";
/// A cut-off start or end of a secret this long is still redacted.
pub const MIN_PREFIX: usize = 8;
/// Shorter values are too likely to be ordinary text; they are redacted only whole, from 4.
const MIN_WHOLE: usize = 4;
/// DPoP proofs kept. A proof is single use and only its own request's answer can echo it, and
/// at most a few requests are in flight at once; tokens and assertions are never let go.
const PROOFS: usize = 16;

/// One form of a value, folded (see `fold`) as the text it is looked for in is.
struct Needle {
    folded: Zeroizing<String>,
    /// Where its first `MIN_PREFIX` characters end and its last ones start (bytes), when a
    /// cut-off start or end of it is redacted too: worked out once, not per text scrubbed.
    cut: Option<(usize, usize)>,
}

impl Needle {
    fn new(folded: Zeroizing<String>, cut: bool) -> Self {
        let chars = folded.chars().count();
        let cut = (cut && chars >= MIN_PREFIX).then(|| {
            let at = |n: usize| {
                folded
                    .char_indices()
                    .nth(n)
                    .map_or(folded.len(), |(i, _)| i)
            };
            (at(MIN_PREFIX), at(chars - MIN_PREFIX))
        });
        Self { folded, cut }
    }
}

/// The values to redact. The program has one (`secret`, `token`, `proof` and `scrub` use it);
/// tests may make their own.
#[derive(Default)]
pub struct Registry {
    /// Client secrets, private keys, access tokens and assertions, in every encoding, for the
    /// life of the process: a token stays usable (and echoable) until it expires.
    lasting: Vec<Needle>,
    /// DPoP proofs, newest last, each in its encodings.
    proofs: VecDeque<Vec<Needle>>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    lasting: Vec::new(),
    proofs: VecDeque::new(),
});

/// Characters a value is matched through: a secret split by a line break, a space or an
/// invisible character is still the secret.
fn is_filler(c: char) -> bool {
    c.is_whitespace() || crate::text::is_invisible(c)
}

/// `text` without fillers, ASCII letters in lower case (so `AbC`, `ABC` and `a b\u{200b}c`
/// all read `abc`), and for each byte of the result the byte offset in `text` of the
/// character it came from.
fn fold(text: &str) -> (Zeroizing<String>, Vec<usize>) {
    let mut folded = Zeroizing::new(String::with_capacity(text.len()));
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        if is_filler(c) {
            continue;
        }
        let c = c.to_ascii_lowercase();
        folded.push(c);
        origin.extend(std::iter::repeat_n(at, c.len_utf8()));
    }
    (folded, origin)
}

/// The forms a value takes on the wire or in a body: as is, form- and URL-encoded, and
/// JSON-escaped (including the `\/` some servers write).
fn encodings(value: &str) -> Vec<Zeroizing<String>> {
    let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let percent = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let json = serde_json::to_string(value)
        .ok()
        .map(|s| s[1..s.len().saturating_sub(1)].to_string());
    let slashes = json.as_ref().map(|j| j.replace('/', "\\/"));
    [
        Some(value.to_string()),
        Some(form),
        Some(percent),
        json,
        slashes,
    ]
    .into_iter()
    .flatten()
    .map(Zeroizing::new)
    .collect()
}

/// The value's base64 (standard and URL-safe) as it reads inside any longer base64 text —
/// after 0, 1 or 2 other bytes, so also inside `base64(client_id:client_secret)` — keeping only
/// the characters that depend on the value alone; and its hex.
fn binary_encodings(value: &str) -> Vec<Zeroizing<String>> {
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut bytes = Zeroizing::new(vec![0u8; shift]);
        bytes.extend_from_slice(value.as_bytes());
        let encoded =
            Zeroizing::new(base64::engine::general_purpose::STANDARD_NO_PAD.encode(&*bytes));
        // The first characters also carry the bytes before; the last one, when the value ends
        // mid-group, the bytes after.
        let lead = [0, 2, 3][shift];
        let trail = usize::from(bytes.len() % 3 != 0);
        let Some(core) = encoded.get(lead..encoded.len().saturating_sub(trail)) else {
            continue;
        };
        if core.len() < MIN_PREFIX {
            continue;
        }
        let url_safe = core.replace('+', "-").replace('/', "_");
        out.push(Zeroizing::new(core.to_string()));
        out.push(Zeroizing::new(url_safe));
    }
    let mut hex = Zeroizing::new(String::with_capacity(value.len() * 2));
    for b in value.as_bytes() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out.push(hex);
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Folded needles for `forms`, skipping empty ones and ones already in `into`.
fn add_needles(into: &mut Vec<Needle>, forms: Vec<Zeroizing<String>>, cut: bool) {
    for form in forms {
        let (folded, _) = fold(&form);
        if folded.chars().count() < MIN_WHOLE || into.iter().any(|n| n.folded == folded) {
            continue;
        }
        into.push(Needle::new(folded, cut));
    }
}

/// Registers a client secret or a private key for redaction (for the life of the process).
pub fn secret(value: &str) {
    if let Ok(mut r) = REGISTRY.write() {
        r.add_secret(value);
    }
}

/// Registers an access token or a client assertion for the life of the process: it is never
/// let go, because it may be echoed as long as it is in use.
pub fn token(value: &str) {
    if let Ok(mut r) = REGISTRY.write() {
        r.add_token(value);
    }
}

/// Registers a DPoP proof: single use, kept while its request can still be answered.
pub fn proof(value: &str) {
    if let Ok(mut r) = REGISTRY.write() {
        r.add_proof(value);
    }
}

/// `text` with every registered value, in any of its shapes, replaced by `MARK`.
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
        // member by member (JWK) — also when cut off.
        let structured =
            value.contains('\n') || value.starts_with('{') || value.starts_with("-----");
        add_needles(&mut self.lasting, encodings(value), !structured);
        if !structured {
            add_needles(&mut self.lasting, binary_encodings(value), true);
            return;
        }
        for line in value.lines().map(str::trim) {
            if line.len() >= 16 && !line.starts_with("-----") {
                add_needles(&mut self.lasting, encodings(line), true);
            }
        }
        if let Ok(serde_json::Value::Object(mut jwk)) = serde_json::from_str(value) {
            for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                if let Some(serde_json::Value::String(v)) = jwk.get_mut(member) {
                    let v = Zeroizing::new(std::mem::take(v));
                    add_needles(&mut self.lasting, encodings(&v), true);
                }
            }
        }
    }

    pub fn add_token(&mut self, value: &str) {
        if value.len() < MIN_PREFIX {
            return;
        }
        add_needles(&mut self.lasting, encodings(value), true);
        add_needles(&mut self.lasting, binary_encodings(value), true);
    }

    pub fn add_proof(&mut self, value: &str) {
        if value.len() < MIN_PREFIX {
            return;
        }
        let mut needles = Vec::new();
        add_needles(&mut needles, encodings(value), true);
        if self
            .proofs
            .iter()
            .any(|p| p.first().map(|n| &n.folded) == needles.first().map(|n| &n.folded))
        {
            return;
        }
        if self.proofs.len() == PROOFS {
            self.proofs.pop_front();
        }
        self.proofs.push_back(needles);
    }

    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.lasting.is_empty() && self.proofs.is_empty() {
            return Cow::Borrowed(text);
        }
        let (hay, origin) = fold(text);
        let mut found = Vec::new();
        for needle in self.lasting.iter().chain(self.proofs.iter().flatten()) {
            find(&hay, needle, &mut found);
        }
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        // Back to `text`: from the first matched character to the end of the last one, the
        // fillers between them included.
        let mut spans: Vec<(usize, usize)> = found
            .into_iter()
            .map(|(start, end)| {
                let last = origin[end - 1];
                let width = text[last..].chars().next().map_or(1, char::len_utf8);
                (origin[start], last + width)
            })
            .collect();
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, end) in spans {
            if end <= copied {
                continue;
            }
            if start >= copied {
                out.push_str(&text[copied..start]);
                out.push_str(MARK);
            }
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// Adds to `found` the byte ranges of `hay` (folded) where `needle` occurs whole or, when it
/// may be cut, where a start or an end of it at least `MIN_PREFIX` characters long does.
fn find(hay: &str, needle: &Needle, found: &mut Vec<(usize, usize)>) {
    let value = needle.folded.as_str();
    let Some((head_len, tail_at)) = needle.cut else {
        for (at, _) in hay.match_indices(value) {
            found.push((at, at + value.len()));
        }
        return;
    };
    for (at, _) in hay.match_indices(&value[..head_len]) {
        let same = common(hay[at..].bytes(), value.bytes());
        let mut end = at + same;
        while !hay.is_char_boundary(end) {
            end -= 1;
        }
        found.push((at, end));
    }
    let tail = &value[tail_at..];
    for (at, _) in hay.match_indices(tail) {
        let end = at + tail.len();
        let same = common(hay[..end].bytes().rev(), value.bytes().rev());
        let mut start = end - same;
        while !hay.is_char_boundary(start) {
            start += 1;
        }
        found.push((start, end));
    }
}

/// How many leading items two sequences share.
fn common(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> usize {
    a.zip(b).take_while(|(x, y)| x == y).count()
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
    fn tokens_stay_redacted_for_the_whole_run_and_only_old_proofs_go() {
        let live = "eyJraWQiOiJ0b2tlbiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
        token(live);
        let header = format!("Authorization: Bearer {live}");
        assert_eq!(scrub(&header), format!("Authorization: Bearer {MARK}"));
        // A long DPoP export: a proof per page, far more than any window of recent values.
        let first_proof = "proof-number-first-xxxxxxxxxxxxxxxx";
        proof(first_proof);
        for i in 0..(PROOFS * 10) {
            proof(&format!("proof-number-{i:04}-xxxxxxxxxxxxxxxx"));
        }
        assert_eq!(
            scrub(&format!("DPoP {live}")),
            format!("DPoP {MARK}"),
            "the token still in use was let go"
        );
        assert_eq!(scrub("proof-number-0159-xxxxxxxxxxxxxxxx"), MARK);
        let r = REGISTRY.read().unwrap();
        assert_eq!(r.proofs.len(), PROOFS, "proofs are bounded");
        assert!(
            !r.proofs
                .iter()
                .flatten()
                .any(|n| n.folded.as_str() == first_proof),
            "a proof whose request is long done is let go"
        );
    }

    /// A registry holding only `s`, as a client secret.
    fn with_secret(s: &str) -> Registry {
        let mut r = Registry::default();
        r.add_secret(s);
        r
    }

    fn assert_redacted(r: &Registry, text: &str, leak: &str) {
        let out = r.scrub(text);
        assert!(
            !out.to_ascii_lowercase()
                .contains(&leak.to_ascii_lowercase()),
            "{text:?} -> {out:?}"
        );
        assert!(out.contains(MARK), "{text:?} -> {out:?}");
    }

    const S: &str = "Qz7vLp2XwR9tKm4BnC8d";

    #[test]
    fn the_end_of_a_secret_is_redacted() {
        let r = with_secret(S);
        assert_redacted(&r, "secret was …2XwR9tKm4BnC8d (cut)", "Km4BnC8d");
        assert_redacted(&r, "ends in tKm4BnC8d", "Km4BnC8d");
        // Too short to tell from ordinary text.
        assert_eq!(r.scrub("ends in nC8d"), "ends in nC8d");
    }

    #[test]
    fn a_secret_in_another_letter_case_is_redacted() {
        let r = with_secret(S);
        assert_redacted(&r, &S.to_uppercase(), &S[..8]);
        assert_redacted(&r, &format!("x {} y", S.to_lowercase()), &S[..8]);
    }

    #[test]
    fn a_secret_in_base64_is_redacted_also_inside_http_basic() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let r = with_secret(S);
        for client_id in ["", "a", "ab", "client-id", "0oa1b2c3d4e5f6"] {
            let basic = if client_id.is_empty() {
                STANDARD.encode(S)
            } else {
                STANDARD.encode(format!("{client_id}:{S}"))
            };
            let header = format!("Authorization: Basic {basic}");
            let out = r.scrub(&header);
            assert!(out.contains(MARK), "{client_id:?}: {out}");
            // What is left is the client ID's part and at most a character or two of the
            // secret's ends, plus padding.
            let left = out.replace(MARK, "").replace("Authorization: Basic ", "");
            assert!(
                left.len() <= client_id.len() * 4 / 3 + 6,
                "{client_id:?}: {out}"
            );
        }
        assert_redacted(
            &r,
            &URL_SAFE_NO_PAD.encode(S),
            &URL_SAFE_NO_PAD.encode(S)[..10],
        );
    }

    #[test]
    fn a_secret_in_hex_is_redacted() {
        let r = with_secret(S);
        let hex: String = S.bytes().map(|b| format!("{b:02x}")).collect();
        assert_redacted(&r, &format!("body: {hex}"), &hex[..10]);
        assert_redacted(&r, &format!("body: {}", hex.to_uppercase()), &hex[..10]);
    }

    #[test]
    fn a_secret_split_by_line_breaks_spaces_or_invisible_characters_is_redacted() {
        let r = with_secret(S);
        for split in [
            format!("{}\n{}", &S[..6], &S[6..]),
            format!("{}\r\n{}", &S[..10], &S[10..]),
            format!("{} {} {}", &S[..4], &S[4..12], &S[12..]),
            format!("{}\u{200b}{}\u{feff}{}", &S[..3], &S[3..9], &S[9..]),
            format!("{}\u{ad}{}", &S[..7], &S[7..]),
        ] {
            let echo = format!("echo: {split} end");
            let out = r.scrub(&echo);
            assert_eq!(out, format!("echo: {MARK} end"), "{split:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let r = with_secret(S);
        let text = "Connection OK: 3 users. ✓ token 12 ms  \u{200b} αβγ";
        assert_eq!(r.scrub(text), text);
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
