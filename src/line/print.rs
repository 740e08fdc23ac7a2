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
    outln!("  {mark} {:<7}{ms:>8}  {detail}", step.id.id());
    if let Some(d) = &step.diagnosis {
        // The step's line already said what the tenant answered.
        for line in diagnosis_lines(d, None) {
            outln!("      {line}");
        }
    }
}

/// A diagnosis in the order an admin acts on it: what went wrong, the fix and the command
/// that does it, why, where the vendor's guide covers it, and last what was actually said.
fn diagnosis_lines(d: &Diagnosis, detail: Option<&str>) -> Vec<String> {
    d.parts(Face::Line, detail.unwrap_or(""))
        .into_iter()
        .map(|(part, text)| match part {
            Part::Title => text,
            Part::Fix => format!("Fix: {text}"),
            Part::Command => format!("Run: {text}"),
            Part::Why => format!("Why: {text}"),
            Part::Guide => format!("Guide: {text}"),
            // What the tenant said is one line: a line break in it must not start a forged one.
            Part::Said => format!("Detail: {}", ploy_core::text::safe_line(&text)),
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
    for (i, line) in diagnosis_lines(&d.diagnosis(), Some(&d.failure.detail))
        .iter()
        .enumerate()
    {
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

/// Columns as wide as their widest cell (the last one is not padded).
pub fn table<const N: usize>(headers: [&str; N], rows: &[[String; N]]) {
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
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
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
