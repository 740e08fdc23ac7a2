use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use ploy_core::check::{StepId, StepStatus};
use ploy_core::diagnose::Field;

use super::diagnosis::{self, Place};
use super::fit;
use crate::tui::app::App;
use crate::tui::screen::check::{CheckView, StepState};
use crate::tui::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn label(id: StepId) -> &'static str {
    match id {
        StepId::Input => "Settings",
        StepId::Dns => "DNS",
        StepId::Tls => "TLS",
        StepId::Token => "Token",
        StepId::Scopes => "Scopes",
        StepId::Users => "Users",
    }
}

pub fn draw(app: &App, c: &CheckView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let subtitle = app
        .profiles
        .profiles
        .get(&c.profile)
        .map(|p| format!(" {} at {} ", p.integration, super::txt(&p.host)))
        .unwrap_or_default();
    let block = Block::bordered().title(subtitle);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [steps_area, rest] =
        Layout::vertical([Constraint::Length(7), Constraint::Min(0)]).areas(inner);

    let width = steps_area.width as usize;
    let mut lines = Vec::new();
    for (id, state) in &c.steps {
        let (mark, style, ms, detail) = match state {
            StepState::Pending => ("·", theme.dim(), String::new(), String::new()),
            StepState::Running => (
                SPINNER[app.spinner % SPINNER.len()],
                theme.accent(),
                String::new(),
                "running…".into(),
            ),
            StepState::Done(r) => match r.status {
                StepStatus::Passed => ("✓", theme.ok(), format!("{} ms", r.ms), r.detail.clone()),
                StepStatus::Failed => ("✗", theme.fail(), format!("{} ms", r.ms), r.detail.clone()),
                StepStatus::Skipped => ("–", theme.dim(), String::new(), "skipped".into()),
            },
        };
        let head = format!(" {mark} {:<9}{ms:>8}  ", label(*id));
        let room = width.saturating_sub(head.chars().count());
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::raw(fit(&detail, room)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), steps_area);

    let lines = panel_lines(c, rest.width as usize, theme);
    let offset = scroll_offset(c, lines.len(), rest.height);
    let more = lines.len() > offset + rest.height as usize;
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), rest);
    if more && rest.height > 0 && rest.width > 12 {
        let hint = " ↓ more ";
        let r = Rect::new(
            rest.x + rest.width - hint.chars().count() as u16,
            rest.y + rest.height - 1,
            hint.chars().count() as u16,
            1,
        );
        frame.render_widget(Line::styled(hint, theme.accent()), r);
    }
}

/// Rows of the test screen above the panel: title bar, border, six steps and a gap, border,
/// status and footer lines.
const CHROME: u16 = 1 + 1 + 7 + 1 + 2;

/// How many panel lines a screen `size` shows, and how many there are: for scrolling.
pub fn panel_size(c: &CheckView, size: (u16, u16), theme: &Theme) -> (usize, usize) {
    let width = size.0.saturating_sub(2) as usize;
    let total = panel_lines(c, width, theme).len();
    (total, size.1.saturating_sub(CHROME) as usize)
}

/// The first panel line shown: the screen's scroll, kept within what there is.
fn scroll_offset(c: &CheckView, total: usize, height: u16) -> usize {
    (c.scroll as usize).min(total.saturating_sub(height as usize))
}

/// Everything under the steps, wrapped to `width`: what became of a rotation, then the
/// diagnosis of the failure (or the good news, or the wait).
pub fn panel_lines<'a>(c: &CheckView, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut out: Vec<Line> = Vec::new();
    // What became of a rotation's candidate comes first: it is the answer the admin waits for.
    if let Some(rot) = &c.rotation {
        let (text, style) = match rot.replaced {
            None => (
                "Testing the new secret; the stored one stays until the test passes.".to_string(),
                theme.dim(),
            ),
            Some(true) => (
                "The new secret is stored in the keyring.".to_string(),
                theme.ok(),
            ),
            Some(false) => (
                format!(
                    "{} Press f to store it anyway.",
                    ploy_core::setup::kept_message()
                ),
                theme.warn(),
            ),
        };
        out.extend(diagnosis::labelled(" ", &text, width, style, style));
        out.push(Line::raw(""));
    }
    // The same for a staged key: is it current now, and which old key to retire in Okta.
    if let Some(p) = &c.promotion {
        let (text, style) = match p.promoted {
            None => (
                format!(
                    "Testing the staged key {}; the current key stays in use until the test passes.",
                    p.key_id
                ),
                theme.dim(),
            ),
            Some(true) => (
                format!(
                    "The new key {} is in use; the old private key was deleted here. Now retire the old key in Okta{}. {}",
                    p.key_id,
                    p.retired
                        .as_deref()
                        .map(|k| format!(" (key ID {k})"))
                        .unwrap_or_default(),
                    ploy_core::diagnose::note("okta.retire_steps")
                ),
                theme.ok(),
            ),
            Some(false) => (
                "Nothing changed: the current key is still in use. Once the staged key is in Okta, press t to try again."
                    .to_string(),
                theme.warn(),
            ),
        };
        out.extend(diagnosis::labelled(" ", &text, width, style, style));
        out.push(Line::raw(""));
    }
    if let Some(f) = c.failure()
        && let Some(d) = &f.diagnosis
    {
        out.extend(diagnosis::lines(
            d,
            &f.detail,
            width,
            Place::TestScreen,
            theme,
        ));
    } else if let Some(r) = &c.report
        && r.ok
    {
        out.push(Line::styled(
            format!(" ✓ Connection OK: {}.", r.users_summary()),
            theme.ok(),
        ));
        out.push(Line::from(vec![
            Span::raw(" Press "),
            Span::styled("u", theme.accent()),
            Span::raw(" to browse them, "),
            Span::styled("t", theme.accent()),
            Span::raw(" to test again."),
        ]));
    } else if let Some(p) = &c.problem {
        out.extend(diagnosis::problem(p, width, Place::TestScreen, theme));
    } else if let Some((status, wait)) = c.waiting {
        out.push(Line::styled(
            format!(
                " The tenant answered {status}; waiting {} s as it asked…",
                wait.as_secs()
            ),
            theme.warn(),
        ));
    } else if c.running {
        out.push(Line::styled(" Testing…", theme.dim()));
    }
    out
}

/// "edit the hostname" for the footer.
pub fn field_edit(f: Field) -> &'static str {
    match f {
        Field::Host => "edit the hostname",
        Field::ClientId => "edit the client ID",
        Field::Secret => "edit the secret or key",
        Field::Dpop => "edit DPoP",
        Field::Scopes => "edit the scopes",
        Field::None => "edit the profile",
    }
}
