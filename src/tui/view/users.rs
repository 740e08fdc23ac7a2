use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::{centered, fit};
use ploy_core::users::{Column, ExportFormat, User};

use super::{problem_lines, txt};
use crate::tui::screen::users::{UsersView, column_widths, table_rows};
use crate::tui::theme::Theme;

pub fn draw(u: &UsersView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let [progress, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);

    // Progress, or the filter being typed.
    let line = if let Some(f) = &u.filter {
        frame.set_cursor_position(Position::new(
            progress.x + 3 + f.cursor_chars() as u16,
            progress.y,
        ));
        Line::from(vec![
            Span::styled(" / ", theme.accent()),
            Span::raw(txt(f.text())),
            Span::styled(
                format!("   {} of {} users", u.table.shown(), u.table.len()),
                theme.dim(),
            ),
        ])
    } else {
        let mut parts = Vec::new();
        if u.done {
            parts.push(format!("{} users", u.table.len()));
        } else {
            parts.push(format!(
                "Loading… {} pages, {} users",
                u.pages,
                u.table.len()
            ));
        }
        if !u.table.filter().is_empty() {
            parts.push(format!(
                "{} match \"{}\"",
                u.table.shown(),
                u.table.filter()
            ));
        }
        if let Some(w) = u.waiting {
            parts.push(format!("waiting {} s (rate limit)", w.as_secs()));
        } else if u.waits > 0 {
            parts.push(format!(
                "{} rate-limit wait{}",
                u.waits,
                if u.waits == 1 { "" } else { "s" }
            ));
        }
        if let Some(m) = &u.message {
            parts.push(m.clone());
        }
        let style = if u.failure.is_some() {
            theme.fail()
        } else {
            theme.dim()
        };
        Line::styled(format!(" {}", parts.join(" · ")), style)
    };
    frame.render_widget(line, progress);

    let (list_area, detail_area) = if u.details {
        let [a, b] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(table_area);
        (a, Some(b))
    } else {
        (table_area, None)
    };
    draw_table(u, frame, list_area, theme);
    if let Some(area) = detail_area {
        draw_details(u.selected_user(), frame, area, theme);
    }
    if let Some(p) = &u.failure {
        let h = 8.min(area.height);
        let r = Rect::new(
            area.x + 2,
            area.y + area.height.saturating_sub(h + 1),
            area.width.saturating_sub(4),
            h,
        );
        frame.render_widget(Clear, r);
        let text = problem_lines(p, theme);
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Loading stopped ")),
            r,
        );
    }
    if let Some(p) = &u.export {
        let r = centered(area, 60, 7);
        frame.render_widget(Clear, r);
        let fmt = |f: ExportFormat, label: &str| {
            if p.format == f {
                Span::styled(format!("[{label}]"), theme.selected())
            } else {
                Span::raw(format!(" {label} "))
            }
        };
        let text = vec![
            Line::raw(format!("Export the {} users shown", u.table.shown())),
            Line::from(vec![
                Span::raw("Format: "),
                fmt(ExportFormat::Csv, "CSV"),
                Span::raw(" "),
                fmt(ExportFormat::Json, "JSON"),
                Span::styled("  (Tab)", theme.dim()),
            ]),
            Line::from(vec![Span::raw("File:   "), Span::raw(txt(p.path.text()))]),
            Line::styled("Enter: write · Esc: cancel", theme.dim()),
        ];
        frame.render_widget(
            Paragraph::new(text).block(Block::bordered().title(" Export ")),
            r,
        );
        frame.set_cursor_position(Position::new(
            r.x + 9 + p.path.cursor_chars() as u16,
            r.y + 3,
        ));
    }
}

fn cell_text(u: &User, c: Column) -> String {
    match c {
        Column::Name => u.name.clone(),
        Column::Login => {
            if u.login.is_empty() {
                u.email.clone()
            } else {
                u.login.clone()
            }
        }
        Column::Status => u.status.as_str().to_string(),
        Column::LastLogin => u
            .last_login
            .as_deref()
            .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
            .unwrap_or_else(|| "never".into()),
        Column::Source => u.source.display_name().to_string(),
    }
}

fn draw_table(u: &UsersView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let widths = column_widths(area.width);
    let sort = u.table.sort();
    let header = Row::new(Column::ALL.iter().map(|c| {
        let arrow = match sort {
            Some((s, true)) if s == *c => " ▲",
            Some((s, false)) if s == *c => " ▼",
            _ => "",
        };
        Cell::from(format!("{}{arrow}", c.title()))
    }))
    .style(theme.accent());
    let rows_on_screen =
        table_rows(frame.area().height).min(area.height.saturating_sub(3) as usize);
    let rows = u
        .table
        .rows(u.offset, u.offset + rows_on_screen)
        .enumerate()
        .map(|(i, user)| {
            let cells = Column::ALL.iter().zip(widths).map(|(c, w)| {
                let text = fit(&cell_text(user, *c), w as usize);
                match c {
                    Column::Status => Cell::from(Span::styled(text, theme.status(user.status))),
                    _ => Cell::from(text),
                }
            });
            let row = Row::new(cells);
            if u.offset + i == u.selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let empty = u.table.shown() == 0;
    let title = if empty && u.done && u.failure.is_none() {
        " no users match "
    } else {
        ""
    };
    let table = Table::new(rows, widths.map(Constraint::Length))
        .column_spacing(1)
        .header(header)
        .block(Block::bordered().title(title));
    frame.render_widget(table, area);
}

fn draw_details(user: Option<&User>, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered().title(" Details ");
    let Some(u) = user else {
        frame.render_widget(Paragraph::new("No user selected.").block(block), area);
        return;
    };
    let mut lines = Vec::new();
    let mut field = |k: &str, v: &str| {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:<11} "), theme.dim()),
            Span::raw(txt(v)),
        ]));
    };
    field("name", &u.name);
    field("first name", &u.first_name);
    field("last name", &u.last_name);
    field("login", &u.login);
    field("email", &u.email);
    field("status", u.status.as_str());
    field("created", u.created.as_deref().unwrap_or("—"));
    field("last login", u.last_login.as_deref().unwrap_or("never"));
    field("source", u.source.display_name());
    field("id", &u.id);
    for (k, v) in &u.extra {
        field(k, v);
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
