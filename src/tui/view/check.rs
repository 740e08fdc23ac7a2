//! The test screen: the seven steps as they run, and under them the panel (`panel::lines`),
//! scrolled as far as the screen's state says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use ploy_core::check::StepStatus;
use ploy_core::profile::Profile;

use super::widgets::SPINNER;
use crate::tui::layout;
use crate::tui::panel;
use crate::tui::screen::check::{CheckScreen, StepState};
use crate::tui::text::{fit, txt};
use crate::tui::theme::Theme;

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
    for (i, (id, state)) in c.steps.iter().enumerate() {
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
        let head = format!(" {mark} {:<10}{ms:>8}  ", panel::step_label(*id));
        let room = width.saturating_sub(head.chars().count());
        let line = Line::from(vec![
            Span::styled(head, style),
            Span::raw(fit(&detail, room)),
        ]);
        // The selected step's whole detail is at the top of the panel.
        lines.push(if c.selected == Some(i) {
            line.style(theme.selected())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), steps_area);

    let lines = panel::lines(c, rest.width as usize, theme);
    // The screen's scroll, kept within what there is.
    let offset = (c.scroll as usize).min(lines.len().saturating_sub(rest.height as usize));
    let more = lines.len() > offset + rest.height as usize;
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), rest);
    if offset > 0 && rest.height > 0 && rest.width > 12 {
        let r = Rect::new(rest.x + rest.width - 3, rest.y, 3, 1);
        frame.render_widget(Line::styled(" ↑ ", theme.accent()), r);
    }
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
