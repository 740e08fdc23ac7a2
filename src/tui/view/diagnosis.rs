//! A diagnosis as the admin needs it: the title, the fix (with the key that does it), why,
//! where the vendor's guide covers it, and last what the tenant actually answered. Lines are
//! wrapped here, with a hanging indent, so a screen can scroll them and knows how many there
//! are.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use ploy_core::diagnose::Diagnosis;

use super::txt;
use crate::tui::problem::Problem;
use crate::tui::theme::Theme;

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

/// The lines of a diagnosis with the tenant's detail, `width` wide.
pub fn lines<'a>(
    d: &Diagnosis,
    detail: &str,
    width: usize,
    place: Place,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let plain = Style::new();
    let mut out = labelled(
        " ✗ ",
        &format!("{}  [{}]", d.title, d.code),
        width,
        theme.fail(),
        theme.fail(),
    );
    out.extend(labelled(" Fix   ", &d.fix, width, theme.accent(), plain));
    if let Some(key) = d.key.as_ref().filter(|_| place == Place::TestScreen) {
        out.extend(labelled(
            "       ",
            key,
            width,
            theme.accent(),
            theme.accent(),
        ));
    }
    if !d.why.is_empty() {
        out.extend(labelled(" Why   ", &d.why, width, theme.accent(), plain));
    }
    if !d.step.is_empty() {
        out.extend(labelled(
            " Guide ",
            &d.step,
            width,
            theme.accent(),
            theme.dim(),
        ));
    }
    if !detail.is_empty() {
        out.extend(labelled(
            " Said  ",
            detail,
            width,
            theme.accent(),
            theme.dim(),
        ));
    }
    out
}

/// A problem: its diagnosis when it has one, else its message.
pub fn problem<'a>(p: &Problem, width: usize, place: Place, theme: &Theme) -> Vec<Line<'a>> {
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
