//! How line mode shows things: one line per step, a diagnosis under a failure, notes under
//! a value. Every line goes through here, so the wording and layout are in one place.

use ploy_core::app::{AppError, Diagnosed};
use ploy_core::check::{StepResult, StepStatus};
use ploy_core::diagnose::{Diagnosis, Face, Part};
use ploy_core::validate::Note;

pub fn notes<'a>(notes: impl IntoIterator<Item = &'a Note>) {
    for n in notes {
        match n {
            Note::Changed(t) => errln!("  note: {t}"),
            Note::Warning(t) => errln!("  warning: {t}"),
        }
    }
}

pub fn step(step: &StepResult) {
    let mark = match step.status {
        StepStatus::Passed => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "–",
    };
    let ms = if step.status == StepStatus::Skipped {
        String::new()
    } else {
        format!("{} ms", step.ms)
    };
    // On its own line whatever it holds: a server's text must not start a line of its own
    // that reads like another step.
    let detail = ploy_core::text::safe_line(&step.detail);
    let line = format!("  {mark} {:<10}{ms:>8}  {detail}", step.id.id());
    // On a terminal, a long detail wraps under itself, between words.
    let lines = match width(Stream::Out) {
        Some(w) => wrap(&line, w.saturating_sub(1), 24),
        None => vec![line],
    };
    for line in lines {
        outln!("{line}");
    }
    if let Some(d) = &step.diagnosis {
        // The step's line already said what the tenant answered.
        for line in shown(diagnosis_lines(d, None), width(Stream::Out), 6) {
            outln!("      {line}");
        }
    }
}

/// A passed test's warnings — title and code, the fix in the vendor's console, what was
/// found — and its notes, under the steps (the same data the TUI and `--json` show).
pub fn privileges(p: &ploy_core::privilege::Privileges) {
    let w = width(Stream::Out);
    let wrapped = |text: String, hang: usize| match w {
        Some(w) => wrap(&text, w.saturating_sub(1), hang),
        None => vec![text],
    };
    for warning in &p.warnings {
        outln!("");
        let title = format!("  ! warning: {}  [{}]", warning.title, warning.code);
        for line in wrapped(title, 13) {
            outln!("{line}");
        }
        for (label, text) in [("Fix", &warning.fix), ("Found", &warning.detail)] {
            let text = ploy_core::text::safe_line(text);
            for line in wrapped(format!("      {label}: {text}"), 8 + label.len()) {
                outln!("{line}");
            }
        }
    }
    if !p.notes.is_empty() {
        outln!("");
    }
    for note in &p.notes {
        let text = ploy_core::text::safe_line(&note.text);
        for line in wrapped(format!("  note: {text}"), 8) {
            outln!("{line}");
        }
    }
}

#[derive(Clone, Copy)]
pub enum Stream {
    Out,
    Err,
}

/// The width of the terminal `stream` writes to; `None` when it is not one (a file or a pipe
/// gets whole lines: a script greps them).
pub fn width(stream: Stream) -> Option<usize> {
    use std::io::IsTerminal;
    let tty = match stream {
        Stream::Out => std::io::stdout().is_terminal(),
        Stream::Err => std::io::stderr().is_terminal(),
    };
    if !tty {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
        .filter(|w| *w >= 20)
}

/// A diagnosis's lines as printed `indent` columns in on a terminal `width` wide: each part
/// wrapped at word boundaries under its own label, except the command, which stays whole so
/// it can be copied.
fn shown(lines: Vec<(Part, String)>, width: Option<usize>, indent: usize) -> Vec<String> {
    let Some(width) = width else {
        return lines.into_iter().map(|(_, l)| l).collect();
    };
    let room = width.saturating_sub(indent + 1).max(20);
    lines
        .into_iter()
        .flat_map(|(part, line)| match part {
            Part::Command => vec![line],
            _ => wrap(&line, room, label_width(&line)),
        })
        .collect()
}

/// "Fix: " and the like: continuation lines start under the text, not under the label.
fn label_width(line: &str) -> usize {
    match line.split_once(": ") {
        Some((label, _)) if label.len() <= 7 && !label.contains(' ') => label.len() + 2,
        _ => 0,
    }
}

/// `text` in lines of at most `width` characters, broken between words; a word longer than
/// a line (a URL) gets a line of its own. Continuation lines are indented by `hang`.
pub fn wrap(text: &str, width: usize, hang: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let (mut len, mut words) = (0, 0);
    for word in text.split(' ') {
        let w = word.chars().count();
        if words > 0 && len + 1 + w > width {
            out.push(std::mem::take(&mut line));
            line = " ".repeat(hang);
            (len, words) = (hang, 0);
            if word.is_empty() {
                continue;
            }
        }
        if words > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        words += 1;
    }
    out.push(line);
    out
}

/// A diagnosis in the order an admin acts on it: what went wrong, the fix and the command
/// that does it, why, where the vendor's guide covers it, and last what was actually said.
fn diagnosis_lines(d: &Diagnosis, detail: Option<&str>) -> Vec<(Part, String)> {
    d.parts(Face::Line, detail.unwrap_or(""))
        .into_iter()
        .map(|(part, text)| {
            (
                part,
                match part {
                    Part::Title => text,
                    Part::Fix => format!("Fix: {text}"),
                    Part::Command => format!("Run: {text}"),
                    Part::Why => format!("Why: {text}"),
                    Part::Guide => format!("Guide: {text}"),
                    // What the tenant said is one line: a line break in it must not start a forged one.
                    Part::Said => format!("Detail: {}", ploy_core::text::safe_line(&text)),
                },
            )
        })
        .collect()
}

/// What `profiles list` and `status` say when there is nothing to list.
pub fn no_profiles() -> String {
    format!(
        "No profiles yet. Create one: {} | {}",
        ploy_core::suggest::command(&["setup", "onetrust"]),
        ploy_core::suggest::command(&["setup", "okta"])
    )
}

/// The tenant asked to wait.
pub fn waiting(status: u16, wait: std::time::Duration) {
    if (200..300).contains(&status) {
        errln!(
            "  the tenant's rate limit for this minute is used up; waiting {} s for it to reset",
            wait.as_secs()
        );
    } else {
        errln!(
            "  the tenant answered {status}; waiting {} s as it asked",
            wait.as_secs()
        );
    }
}

/// A failure outside a test run, on stderr: what happened, its diagnosis and the fix.
pub fn diagnosed(d: &Diagnosed) {
    let lines = diagnosis_lines(&d.diagnosis(), Some(&d.failure.detail));
    for (i, line) in shown(lines, width(Stream::Err), 2).iter().enumerate() {
        if i == 0 {
            errln!("✗ {line}");
        } else {
            errln!("  {line}");
        }
    }
}

/// The last words of a failed command.
pub fn error(e: &AppError) {
    match e {
        AppError::Reported(_) => {}
        AppError::Input(d) | AppError::Failed(d) => diagnosed(d),
        other => errln!("ploy-connect: {other}"),
    }
}

/// Columns as wide as their widest cell (the last one is not padded). On a terminal, a table
/// wider than it gives way in the columns `narrow` marks (widest first, never below their
/// header), their cells cut with "…", so that a row never wraps into a broken line.
pub fn table<const N: usize>(headers: [&str; N], rows: &[[String; N]], narrow: [bool; N]) {
    // Measured as printed: made safe first (an escape is shown as several characters), and a
    // cell keeps to its row.
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.clone().map(|c| ploy_core::text::safe_line(&c)))
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    if let Some(total) = width(Stream::Out) {
        // One column short of the edge: a line that fills it exactly wraps on some terminals.
        let mins = headers.map(|h| h.chars().count().max(4));
        widths = fit(widths, mins, narrow, total.saturating_sub(1));
    }
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let cell = cut(cell, w);
            if i + 1 == N {
                out.push_str(&cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out
    };
    outln!("{}", line(&headers));
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        outln!("{}", line(&cells));
    }
}

/// Column widths (two spaces between columns) that fit `total`: the widest column that may
/// narrow gives way one character at a time, none below its minimum.
pub fn fit<const N: usize>(
    mut widths: [usize; N],
    mins: [usize; N],
    narrow: [bool; N],
    total: usize,
) -> [usize; N] {
    let gaps = 2 * N.saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > total {
        let widest = (0..N)
            .filter(|&i| narrow[i] && widths[i] > mins[i])
            .max_by_key(|&i| widths[i]);
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    widths
}

/// `cell` in at most `width` characters, ending in "…" when cut.
fn cut(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_string();
    }
    let mut out: String = cell.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_between_words_under_the_label() {
        let lines = wrap(
            "Fix: grant okta.users.read on the app's Okta API Scopes tab",
            24,
            5,
        );
        assert_eq!(
            lines,
            [
                "Fix: grant",
                "     okta.users.read on",
                "     the app's Okta API",
                "     Scopes tab"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 24));
        assert_eq!(wrap("title  [code]", 80, 0), ["title  [code]"]);
    }

    #[test]
    fn a_wide_table_narrows_the_columns_that_may() {
        let w = fit(
            [10, 8, 40, 30, 20],
            [4, 6, 4, 9, 6],
            [false, false, true, true, true],
            79,
        );
        assert!(w.iter().sum::<usize>() + 8 <= 79, "{w:?}");
        assert_eq!(&w[..2], &[10, 8], "names are never cut");
        assert_eq!(cut("acme.my.onetrust.com", 8), "acme.my…");
    }
}
