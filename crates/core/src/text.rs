//! Text on its way to a terminal. Anything from outside — a server's error, a user's name, a
//! hand-edited profile field, a typed key ID — may carry escape sequences that retitle the
//! window, clear the screen or write the clipboard. `safe` is the one door out: it scrubs
//! registered secrets and shows control characters as visible escapes instead of obeying them.

use std::borrow::Cow;

use time::OffsetDateTime;

/// A time as RFC 3339, for files and `--json`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// "just now", "5 min ago", "2 h ago", "3 days ago": a time as an admin scans a list.
pub fn ago(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let s = (now - then).whole_seconds();
    match s {
        ..=-60 => "in the future (check the clock)".into(),
        -59..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        86_400..=172_799 => "1 day ago".into(),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// Characters that show nothing, or change how the text around them reads: format characters
/// (zero-width spaces and joiners, the soft hyphen, the byte-order mark, word joiners, the
/// bidirectional controls, tag characters) and the line and paragraph separators.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
        | '\u{890}'..='\u{891}' | '\u{8e2}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// Characters a terminal would act on or that hide what text says: C0 and C1 controls, DEL,
/// and the invisible characters. Line breaks and tabs are layout, not commands, and are kept.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible(c)
}

/// `text` with every unsafe character written as `\u{1b}`.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    shown(text, is_unsafe)
}

/// `text` with every character that `escape` picks written as `\u{1b}`.
fn shown(text: &str, escape: fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What may be printed, logged or drawn: secrets scrubbed, control characters defused.
pub fn safe(text: &str) -> String {
    for_terminal(&crate::redact::scrub(text)).into_owned()
}

/// `safe` for a field that must stay on its line (a step's detail, a table cell): a line break
/// in it is shown too, so a server's text can never start a line of its own.
pub fn safe_line(text: &str) -> String {
    shown(&crate::redact::scrub(text), |c| c == '\n' || is_unsafe(c)).into_owned()
}

/// A JSON document for standard output: every string scrubbed, and escaped by the encoder
/// alone — besides what JSON requires, DEL, C1 controls and invisible characters as `\uXXXX`
/// — so the document stays valid and is harmless on a terminal as it is.
pub fn json(value: &serde_json::Value) -> String {
    encode(value, serde_json::ser::CompactFormatter)
}

/// `json`, indented.
pub fn json_pretty(value: &serde_json::Value) -> String {
    encode(value, serde_json::ser::PrettyFormatter::new())
}

fn encode(value: &serde_json::Value, formatter: impl serde_json::ser::Formatter) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Escaping(formatter));
    let written = serde::Serialize::serialize(&scrubbed(value), &mut ser);
    match written.map(|()| String::from_utf8(out)) {
        Ok(Ok(text)) => text,
        // Writing to memory cannot fail and the encoder writes UTF-8.
        _ => "null".into(),
    }
}

/// `value` with every string (keys too) scrubbed of secrets.
fn scrubbed(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(crate::redact::scrub(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(scrubbed).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (crate::redact::scrub(k).into_owned(), scrubbed(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A formatter that writes unsafe characters in strings as `\uXXXX` escapes and otherwise
/// lays out as the one it wraps.
struct Escaping<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        for evil in [
            "\u{1b}]0;pwned\u{7}",
            "\u{1b}[2J",
            "\u{1b}]52;c;ZXZpbA==\u{7}",
            "a\rb",
            "\u{9b}31m",
            "\u{202e}txt.exe",
            "zero\u{200b}width\u{feff}\u{ad}soft",
            "line\u{2028}separator",
            "tag\u{e0041}\u{e007f}",
            "del\u{7f}nel\u{85}",
        ] {
            let out = for_terminal(evil);
            assert!(!out.chars().any(is_unsafe), "{out:?}");
            assert!(out.contains("\\u{"), "{out}");
        }
        assert_eq!(
            for_terminal("plain ✓ text\nline two\tcol"),
            "plain ✓ text\nline two\tcol"
        );
    }

    #[test]
    fn a_single_line_field_shows_its_line_breaks() {
        let forged = "denied\n  \u{2713} users      1 ms  1 users";
        let out = safe_line(forged);
        assert!(!out.contains('\n'), "{out}");
        assert!(out.contains("denied\\u{a}"), "{out}");
    }

    #[test]
    fn json_stays_json_and_is_harmless_on_a_terminal() {
        let hostile = "a\u{7f}b\u{85}c\u{202e}d\u{200b}e\u{2028}f\u{e0041}g\u{1b}[2J\n\"h";
        let value = serde_json::json!({ "detail": hostile, "list": [hostile] });
        for text in [json(&value), json_pretty(&value)] {
            let back: serde_json::Value = serde_json::from_str(&text).expect(&text);
            assert_eq!(back, value, "{text}");
            assert!(!text.chars().any(is_unsafe), "{text:?}");
            assert!(
                text.contains("\\u007f") && text.contains("\\udb40\\udc41"),
                "{text}"
            );
        }
        assert!(json_pretty(&value).contains("\n  \"detail\""));
    }
}

/// `n` with thousands separators, as every count is shown ("2,429").
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Text as a search compares it: compatibility-decomposed (NFKD), combining marks dropped,
/// lower case — so "sparck" finds "Spärck" and "ﬁnance" finds "finance".
pub fn folded(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod folding_tests {
    #[test]
    fn counts_and_folds() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(2_429), "2,429");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
        assert_eq!(super::folded("Spärck Jones"), "sparck jones");
        assert_eq!(super::folded("ÅNGSTRÖM"), "angstrom");
    }
}
