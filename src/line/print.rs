//! How line mode shows things: one line per step, a diagnosis under a failure, notes under
//! a value. Every line goes through here, so the wording and layout are in one place.

use ploy_core::app::{AppError, Diagnosed};
use ploy_core::check::{StepResult, StepStatus};
use ploy_core::diagnose::Diagnosis;
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
    outln!("  {mark} {:<7}{ms:>8}  {}", step.id.id(), step.detail);
    if let Some(d) = &step.diagnosis {
        diagnosis_under_step(d);
    }
}

fn diagnosis_under_step(d: &Diagnosis) {
    outln!("      {}  [{}]", d.title, d.code);
    if !d.why.is_empty() {
        outln!("      Why: {}", d.why);
    }
    outln!("      Fix: {}", d.hint);
    if !d.step.is_empty() {
        outln!("      Guide: {}", d.step);
    }
}

/// The tenant asked to wait.
pub fn waiting(status: u16, wait: std::time::Duration) {
    errln!(
        "  the tenant answered {status}; waiting {} s as it asked",
        wait.as_secs()
    );
}

/// A failure outside a test run, on stderr: what happened, its diagnosis and the fix.
pub fn diagnosed(d: &Diagnosed) {
    let diagnosis = d.diagnosis();
    errln!("✗ {}", d.failure.detail);
    errln!("  {}  [{}]", diagnosis.title, diagnosis.code);
    if d.is_local() && !diagnosis.why.is_empty() {
        errln!("  {}", diagnosis.why);
    }
    errln!("  Fix: {}", diagnosis.hint);
}

/// The last words of a failed command.
pub fn error(e: &AppError) {
    match e {
        AppError::Reported(_) => {}
        AppError::Input(d) | AppError::Failed(d) => diagnosed(d),
        other => errln!("ploy-connect: {other}"),
    }
}
