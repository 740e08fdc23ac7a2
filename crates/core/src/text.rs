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

/// Characters a terminal would act on: C0 and C1 controls, DEL, and the bidirectional
/// controls that can make text read differently from what it is. Line breaks and tabs are
/// layout, not commands, and are kept.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as `\u{1b}`.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
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
}
