//! The test screen: the seven steps as they run, and under them the panel (`panel::lines`),
//! scrolled as far as the screen's state says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use ploy_core::check::{StepId, StepStatus};
use ploy_core::profile::Profile;

use crate::tui::layout;
use crate::tui::panel;
use crate::tui::screen::check::{CheckScreen, StepState};
use crate::tui::text::{fit, txt};
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
        StepId::Privileges => "Privileges",
    }
}

/// `profile`: the tested profile as stored now, for the subtitle; `spinner`: the frame of
/// the running step's spinner.
pub fn draw(
    c: &CheckScreen,
    profile: Option<&Profile>,
    spinner: usize,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let subtitle = profile
        .map(|p| format!(" {} at {} ", p.integration, txt(&p.host)))
        .unwrap_or_default();
    let block = Block::bordered().title(subtitle);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [steps_area, rest] = layout::check(inner);

    let width = steps_area.width as usize;
    let mut lines = Vec::new();
    for (id, state) in &c.steps {
        let (mark, style, ms, detail) = match state {
            StepState::Pending => ("·", theme.dim(), String::new(), String::new()),
            StepState::Running => (
                SPINNER[spinner % SPINNER.len()],
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
        let head = format!(" {mark} {:<10}{ms:>8}  ", label(*id));
        let room = width.saturating_sub(head.chars().count());
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::raw(fit(&detail, room)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), steps_area);

    let lines = panel::lines(c, rest.width as usize, theme);
    // The screen's scroll, kept within what there is.
    let offset = (c.scroll as usize).min(lines.len().saturating_sub(rest.height as usize));
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
