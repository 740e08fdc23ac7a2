//! Text as the screens show it: made safe (`txt`, `fit`), wrapped with hanging indents, and a
//! diagnosis in the core's order (title, fix with the key that does it, why, guide step, and
//! last what the tenant actually answered). Pure, so the views draw these lines and the test
//! screen counts them to scroll.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use ploy_core::diagnose::{Diagnosis, Face, Part};

use super::notice::Notice;
use super::theme::Theme;

/// Outside text made safe to draw: secrets scrubbed, control characters shown, not obeyed.
pub fn txt(text: &str) -> String {
    ploy_core::text::safe(text)
}

/// Cuts `text` to `width` characters with an ellipsis (made safe first: see `txt`).
pub fn fit(text: &str, width: usize) -> String {
    // Only the start can show: a field of megabytes is not made safe whole on every frame
    // (the redactor also catches a secret cut short here).
    let start = match text.char_indices().nth(width.saturating_mul(4).max(64)) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let text = txt(start);
    if text.chars().count() <= width {
        text
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word is cut).
/// One pass over the text: a tenant's field may be megabytes long, and this runs per frame.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in paragraph.split(' ') {
            let wlen = word.chars().count();
            if len > 0 && len + 1 + wlen <= width {
                line.push(' ');
                line.push_str(word);
                len += 1 + wlen;
                continue;
            }
            if len > 0 {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            // The word starts a line; one longer than the line is cut into pieces.
            for c in word.chars() {
                if len == width {
                    out.push(std::mem::take(&mut line));
                    len = 0;
                }
                line.push(c);
                len += 1;
            }
        }
        out.push(line);
    }
    out
}

/// `label` then `text`, wrapped to `width`, continuation lines indented under the text.
pub fn labelled<'a>(
    label: &str,
    text: &str,
    width: usize,
    label_style: Style,
    text_style: Style,
) -> Vec<Line<'a>> {
    let indent = label.chars().count();
    wrap(&txt(text), width.saturating_sub(indent).max(10))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let head = if i == 0 {
                label.to_string()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(part, text_style),
            ])
        })
        .collect()
}

/// Where a diagnosis is shown: only the test screen has the keys its catalogue entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    TestScreen,
    Elsewhere,
}

/// The lines of a diagnosis with the tenant's detail, `width` wide, in the core's order.
pub fn lines<'a>(
    d: &Diagnosis,
    detail: &str,
    width: usize,
    place: Place,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let plain = Style::new();
    // Only the test screen has the keys a catalogue entry names.
    let face = match place {
        Place::TestScreen => Face::Tui,
        Place::Elsewhere => Face::None,
    };
    let mut out = Vec::new();
    for (part, text) in d.parts(face, detail) {
        let (label, label_style, text_style) = match part {
            Part::Title => (" ✗ ", theme.fail(), theme.fail()),
            Part::Fix => (" Fix   ", theme.accent(), plain),
            Part::Command => ("       ", theme.accent(), theme.accent()),
            Part::Why => (" Why   ", theme.accent(), plain),
            Part::Guide => (" Guide ", theme.accent(), theme.dim()),
            Part::Said => (" Said  ", theme.accent(), theme.dim()),
        };
        out.extend(labelled(label, &text, width, label_style, text_style));
    }
    out
}

/// A notice: its diagnosis when it has one, else its message.
pub fn notice<'a>(p: &Notice, width: usize, place: Place, theme: &Theme) -> Vec<Line<'a>> {
    match &p.diagnosis {
        Some(d) => lines(d, &p.detail, width, place, theme),
        None if p.news => labelled(" ", &p.detail, width, theme.warn(), theme.warn()),
        None => labelled(" ✗ ", &p.detail, width, theme.fail(), theme.fail()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_cuts_only_what_cannot_fit() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("one\ntwo", 10), ["one", "two"]);
        assert!(
            wrap("x ".repeat(50).trim(), 9)
                .iter()
                .all(|l| l.chars().count() <= 9)
        );
    }
}
