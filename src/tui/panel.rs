//! The test screen's panel under the steps: what became of a rotation or a promotion, then
//! the diagnosis of the failure (or the good news, or the wait), wrapped to a width. The view
//! draws these lines; the app counts them, so scrolling stops where the text does.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use ploy_core::check::{StepId, StepStatus};

use super::screen::check::{CheckScreen, PromotionRun, RotationRun, StepState};
use super::text::{Place, labelled, lines as diagnosis, notice};
use super::theme::Theme;

/// A step as the test screen names it.
pub fn step_label(id: StepId) -> &'static str {
    match id {
        StepId::Input => "Settings",
        StepId::Dns => "DNS",
        StepId::Tls => "TLS",
        StepId::Token => "Token",
        StepId::Scopes => "Scopes",
        StepId::Users => "Users",
        StepId::Privileges => "Privileges",
    }
}

/// Everything under the steps, wrapped to `width`: the selected step's whole detail (its row
/// is cut to the screen), then the news and the verdict.
pub fn lines<'a>(c: &CheckScreen, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut out: Vec<Line> = Vec::new();
    if let Some((id, state)) = c.selected.and_then(|i| c.steps.get(i)) {
        let (text, style) = match state {
            StepState::Pending => ("not run yet".to_string(), theme.dim()),
            StepState::Running => ("running…".to_string(), theme.dim()),
            StepState::Done(r) => match r.status {
                StepStatus::Passed => (format!("✓ {} ms · {}", r.ms, r.detail), Style::new()),
                StepStatus::Failed => (format!("✗ {} ms · {}", r.ms, r.detail), theme.fail()),
                StepStatus::Skipped if r.detail.is_empty() => ("skipped".to_string(), theme.dim()),
                StepStatus::Skipped => (format!("skipped · {}", r.detail), theme.dim()),
            },
        };
        let label = format!(" {:<9}", step_label(*id));
        out.extend(labelled(&label, &text, width, theme.accent(), style));
        out.push(Line::raw(""));
    }
    // What became of a rotation's candidate or a staged key comes first: it is the answer the
    // admin waits for.
    let news = [
        c.rotation.as_ref().map(|r| rotation(r, theme)),
        c.promotion.as_ref().map(|p| promotion(p, theme)),
    ];
    for (text, style) in news.into_iter().flatten() {
        out.extend(labelled(" ", &text, width, style, style));
        out.push(Line::raw(""));
    }
    out.extend(verdict(c, width, theme));
    out
}

fn rotation(rot: &RotationRun, theme: &Theme) -> (String, Style) {
    let noun = rot.integration.secret_noun();
    match rot.replaced {
        None => (
            format!("Testing the new {noun}; the stored one stays until the test passes."),
            theme.dim(),
        ),
        Some(true) => (
            format!("The new {noun} is stored in the keyring."),
            theme.ok(),
        ),
        Some(false) if rot.candidate.is_some() => (
            format!(
                "{} Press t to test the new {noun} again, or f to store it anyway.",
                ploy_core::setup::kept_message(rot.integration)
            ),
            theme.warn(),
        ),
        Some(false) => (
            ploy_core::setup::kept_message(rot.integration).to_string(),
            theme.warn(),
        ),
    }
}

/// Is the staged key current now, and which old key to retire in Okta.
fn promotion(p: &PromotionRun, theme: &Theme) -> (String, Style) {
    match p.promoted {
        None => (
            format!(
                "Testing the staged key {}; the current key stays in use until the test passes.",
                p.key_id
            ),
            theme.dim(),
        ),
        Some(true) => (
            format!(
                "The new key {} is in use; the old private key was deleted here. {} {}",
                p.key_id,
                p.retire,
                ploy_core::diagnose::note("okta.retire_steps")
            ),
            theme.ok(),
        ),
        Some(false) => (
            "Nothing changed: the current key is still in use. Once the staged key is in Okta, press t to try again."
                .to_string(),
            theme.warn(),
        ),
    }
}

/// A passed test's warnings (what the credential can do beyond reading, with the fix in the
/// vendor's console) and notes, from the same data line mode and `--json` show.
fn privileges<'a>(
    p: &ploy_core::privilege::Privileges,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for w in &p.warnings {
        out.push(Line::raw(""));
        out.extend(labelled(
            " ⚠ ",
            &format!("{}  [{}]", w.title, w.code),
            width,
            theme.warn(),
            theme.warn(),
        ));
        out.extend(labelled(
            "   Fix: ",
            &w.fix,
            width,
            theme.accent(),
            Style::new(),
        ));
        out.extend(labelled(
            "   Found: ",
            &w.detail,
            width,
            theme.dim(),
            Style::new(),
        ));
    }
    if !p.notes.is_empty() {
        out.push(Line::raw(""));
    }
    for n in &p.notes {
        out.extend(labelled(" · ", &n.text, width, theme.dim(), theme.dim()));
    }
    out
}

/// The diagnosis of the failure, or the good news, or the wait.
fn verdict<'a>(c: &CheckScreen, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    if let Some(f) = c.failure()
        && let Some(d) = &f.diagnosis
    {
        diagnosis(d, &f.detail, width, Place::TestScreen, theme)
    } else if let Some(r) = &c.report
        && r.ok
    {
        let mut out = vec![
            Line::styled(
                format!(" ✓ Connection OK: {}.", r.users_summary()),
                theme.ok(),
            ),
            Line::from(vec![
                Span::raw(" Press "),
                Span::styled("u", theme.accent()),
                Span::raw(" to browse them, "),
                Span::styled("t", theme.accent()),
                Span::raw(" to test again."),
            ]),
        ];
        out.extend(privileges(&r.privileges, width, theme));
        out
    } else if let Some(p) = &c.problem {
        notice(p, width, Place::TestScreen, theme)
    } else if let Some((status, wait)) = c.waiting {
        vec![Line::styled(
            format!(
                " The tenant answered {status}; waiting {} s as it asked…",
                wait.as_secs()
            ),
            theme.warn(),
        )]
    } else if c.running {
        vec![Line::styled(" Testing…", theme.dim())]
    } else {
        vec![]
    }
}
