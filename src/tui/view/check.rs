use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use ploy_core::check::{StepId, StepStatus};
use ploy_core::diagnose::Field;

use super::{fit, problem_lines};
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

    let mut out: Vec<Line> = Vec::new();
    // What became of a rotation's candidate comes first: it is the answer the admin waits for.
    if let Some(rot) = &c.rotation {
        let (text, style) = match rot.replaced {
            None => (
                " Testing the new secret; the stored one stays until the test passes.".to_string(),
                theme.dim(),
            ),
            Some(true) => (
                " The new secret is stored in the keyring.".to_string(),
                theme.ok(),
            ),
            Some(false) => (
                format!(
                    " {} Press f to store it anyway.",
                    ploy_core::setup::kept_message()
                ),
                theme.warn(),
            ),
        };
        out.push(Line::styled(text, style));
        out.push(Line::raw(""));
    }
    if let Some(f) = c.failure()
        && let Some(d) = &f.diagnosis
    {
        out.push(Line::styled(
            format!(" ✗ {}  [{}]", d.title, d.code),
            theme.fail(),
        ));
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled(" What ", theme.accent()),
            Span::raw(super::txt(&f.detail)),
        ]));
        if !d.why.is_empty() {
            out.push(Line::from(vec![
                Span::styled(" Why  ", theme.accent()),
                Span::raw(d.why.clone()),
            ]));
        }
        out.push(Line::from(vec![
            Span::styled(" Fix  ", theme.accent()),
            Span::raw(super::txt(&d.hint)),
        ]));
        if !d.step.is_empty() {
            out.push(Line::from(vec![
                Span::styled(" Guide ", theme.accent()),
                Span::styled(d.step.clone(), theme.dim()),
            ]));
        }
    } else if let Some(r) = &c.report
        && r.ok
    {
        out.push(Line::styled(
            format!(" ✓ Connection OK: {} users seen.", r.users_seen),
            theme.ok(),
        ));
        out.push(Line::from(vec![
            Span::raw(" Press "),
            Span::styled("u", theme.accent()),
            Span::raw(" to browse them, r to test again."),
        ]));
    } else if let Some(p) = &c.problem {
        out.extend(problem_lines(p, theme));
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
    frame.render_widget(Paragraph::new(out).wrap(Wrap { trim: false }), rest);
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
