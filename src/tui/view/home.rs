use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

use super::{ago, fit};
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn draw(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered().title(" Connections ");
    if app.profiles.profiles.is_empty() {
        let text = vec![
            Line::raw(""),
            Line::raw("  No profiles yet."),
            Line::from(vec![
                Span::raw("  Press "),
                Span::styled("a", theme.accent()),
                Span::raw(" to connect OneTrust or Okta."),
            ]),
        ];
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let host_width = area.width.saturating_sub(2 + 14 + 9 + 31 + 3).max(10) as usize;
    let rows = app
        .profiles
        .profiles
        .iter()
        .enumerate()
        .map(|(i, (name, p))| {
            let (mark, text, style) = match &p.last_test {
                None => ("·", "never tested".to_string(), theme.dim()),
                Some(t) if t.ok => (
                    "✓",
                    format!(
                        "passed {}{}",
                        ago(app.now, t.at),
                        t.users_seen
                            .map(|n| format!(", {n} users"))
                            .unwrap_or_default()
                    ),
                    theme.ok(),
                ),
                Some(t) => (
                    "✗",
                    format!(
                        "failed {}: {}",
                        ago(app.now, t.at),
                        t.code.as_deref().unwrap_or("?")
                    ),
                    theme.fail(),
                ),
            };
            let row = Row::new(vec![
                Line::raw(fit(name, 14)),
                Line::raw(p.integration.display_name()),
                Line::raw(fit(&p.host, host_width)),
                Line::styled(format!("{mark} {}", fit(&text, 29)), style),
            ]);
            if i == app.selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Length(9),
            Constraint::Min(10),
            Constraint::Length(31),
        ],
    )
    .header(Row::new(["Name", "Source", "Host", "Last test"]).style(theme.accent()))
    .block(block);
    frame.render_widget(table, area);
}
