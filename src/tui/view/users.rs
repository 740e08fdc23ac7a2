//! The users screen. Its layout is also asked by the state (how many rows a page is, what a
//! click hit), so both use `areas` and `columns` and cannot disagree.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table};

use ploy_core::users::{Column, ExportFormat, User, UserRef, display_time};

use super::diagnosis::{self, Place};
use super::{centered, fit, txt};
use crate::tui::screen::users::{Hit, UsersView};
use crate::tui::theme::Theme;

/// Where the parts of the users screen are.
pub struct Areas {
    pub progress: Rect,
    pub list: Rect,
    pub details: Option<Rect>,
    pub failure: Option<Rect>,
}

/// The failure box's height, when loading stopped.
const FAILURE_ROWS: u16 = 8;
/// The table's own rows: its two borders and the header.
const TABLE_CHROME: u16 = 3;
/// "2025-09-18 09:30 UTC"
const TIME_WIDTH: u16 = 20;

pub fn areas(u: &UsersView, body: Rect) -> Areas {
    let failure_rows = if u.failure.is_some() {
        FAILURE_ROWS.min(body.height / 2)
    } else {
        0
    };
    let [progress, main, failure] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(failure_rows),
    ])
    .areas(body);
    let (list, details) = if u.details {
        // Room for a label and a timestamp ("last login 2025-09-18 09:30 UTC") on one line.
        let width = (main.width * 2 / 5).max(34);
        let [a, b] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(main);
        (a, Some(b))
    } else {
        (main, None)
    };
    Areas {
        progress,
        list,
        details,
        failure: (failure_rows > 0).then_some(failure),
    }
}

/// How many users the table shows on a terminal of `size`: a page, for PgDn and for keeping
/// the selection on screen.
pub fn table_rows(u: &UsersView, size: (u16, u16)) -> usize {
    let list = areas(u, super::body(size)).list;
    list.height.saturating_sub(TABLE_CHROME).max(1) as usize
}

/// The columns shown in a table `width` wide, with their widths. Name and email/login always
/// show; status (as wide as the widest status), last login and source (only when users come
/// from more than one) follow as room allows, and the email gets what is left.
pub fn columns(u: &UsersView, width: u16) -> Vec<(Column, u16)> {
    let inner = width.saturating_sub(2);
    let status = u.table.widest_status().max(Column::Status.title().len()) as u16;
    let mut optional = vec![(Column::Status, status), (Column::LastLogin, TIME_WIDTH)];
    if u.table.mixed_sources() {
        optional.push((Column::Source, 8));
    }
    // Name and login keep at least this much between them.
    const CORE: u16 = 30;
    let mut shown = Vec::new();
    let mut used = 0;
    for (c, w) in optional {
        if inner < used + w + 1 + CORE + 1 {
            break;
        }
        shown.push((c, w));
        used += w + 1;
    }
    let rest = inner.saturating_sub(used + 1);
    let name = (rest * 2 / 5).min(32);
    let mut out = vec![(Column::Name, name), (Column::Login, rest - name)];
    out.extend(shown);
    out
}

/// What a click at (`x`, `y`) on a terminal of `size` hit.
pub fn hit(u: &UsersView, size: (u16, u16), x: u16, y: u16) -> Hit {
    let list = areas(u, super::body(size)).list;
    let inside = x > list.x && x + 1 < list.x + list.width;
    if !inside || y <= list.y || y + 1 >= list.y + list.height {
        return Hit::Nothing;
    }
    if y == list.y + 1 {
        let mut left = list.x + 1;
        for (c, w) in columns(u, list.width) {
            if x >= left && x < left + w {
                return Hit::Header(c);
            }
            left += w + 1;
        }
        return Hit::Nothing;
    }
    Hit::Row((y - list.y - 2) as usize)
}

pub fn draw(u: &UsersView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Areas {
        progress,
        list,
        details,
        failure,
    } = areas(u, area);

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
        if u.table.sorting() {
            parts.push("sorting…".to_string());
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
        let style = if u.failure.is_some() {
            theme.fail()
        } else {
            theme.dim()
        };
        Line::styled(format!(" {}", txt(&parts.join(" · "))), style)
    };
    frame.render_widget(line, progress);

    draw_table(u, frame, list, theme);
    if let Some(r) = details {
        draw_details(
            u.selected_user().map(|r| r.to_user()).as_ref(),
            frame,
            r,
            theme,
        );
    }
    if let (Some(p), Some(r)) = (&u.failure, failure) {
        let text = diagnosis::problem(
            p,
            r.width.saturating_sub(2) as usize,
            Place::Elsewhere,
            theme,
        );
        frame.render_widget(
            Paragraph::new(text).block(Block::bordered().title(" Loading stopped ")),
            r,
        );
    }
    if let Some(p) = &u.export {
        draw_export(u, p, frame, area, theme);
    }
}

fn draw_export(
    u: &UsersView,
    p: &crate::tui::screen::users::ExportPrompt,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let w = area.width.saturating_sub(4).min(72);
    let inner = w.saturating_sub(2) as usize;
    let fmt = |f: ExportFormat, label: &str| {
        if p.format == f {
            Span::styled(format!("[{label}]"), theme.selected())
        } else {
            Span::raw(format!(" {label} "))
        }
    };
    let mut text = vec![
        Line::raw(format!("Export the {} users shown", u.table.shown())),
        Line::from(vec![
            Span::raw("Format: "),
            fmt(ExportFormat::Csv, "CSV"),
            Span::raw(" "),
            fmt(ExportFormat::Json, "JSON"),
            Span::styled("  (Tab)", theme.dim()),
        ]),
        Line::from(vec![
            Span::raw("File:   "),
            Span::raw(fit(p.path.text(), inner.saturating_sub(9))),
        ]),
    ];
    let (note, style) = match (&p.error, p.writing) {
        (_, true) => ("Writing…".to_string(), theme.accent()),
        (Some(e), false) if p.replace => (
            format!("{e}. Enter replaces it; or type another name."),
            theme.warn(),
        ),
        (Some(e), false) => (e.clone(), theme.fail()),
        (None, false) => ("Enter: write · Esc: cancel".to_string(), theme.dim()),
    };
    text.extend(diagnosis::labelled("", &note, inner, style, style));
    let h = (text.len() as u16 + 2).min(area.height);
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(text).block(Block::bordered().title(" Export ")),
        r,
    );
    let cursor = (p.path.cursor_chars() as u16).min(w.saturating_sub(11));
    frame.set_cursor_position(Position::new(r.x + 9 + cursor, r.y + 3));
}

fn cell_text(u: &UserRef, c: Column) -> String {
    match c {
        Column::Name => u.name().to_string(),
        Column::Login => {
            if u.login().is_empty() {
                u.email().to_string()
            } else {
                u.login().to_string()
            }
        }
        Column::Status => u.status().as_str().to_string(),
        Column::LastLogin => u.last_login_shown().unwrap_or_else(|| "never".into()),
        Column::Source => u.source().display_name().to_string(),
    }
}

fn draw_table(u: &UsersView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let columns = columns(u, area.width);
    let sort = u.table.sort();
    let header = Row::new(columns.iter().map(|(c, _)| {
        let arrow = match sort {
            Some((s, true)) if s == *c => " ▲",
            Some((s, false)) if s == *c => " ▼",
            _ => "",
        };
        Cell::from(format!("{}{arrow}", c.title()))
    }))
    .style(theme.accent());
    let rows_on_screen = area.height.saturating_sub(TABLE_CHROME) as usize;
    let rows = u
        .table
        .rows(u.offset, u.offset + rows_on_screen)
        .enumerate()
        .map(|(i, user)| {
            let cells = columns.iter().map(|(c, w)| {
                let text = fit(&cell_text(&user, *c), *w as usize);
                match c {
                    Column::Status => Cell::from(Span::styled(text, theme.status(user.status()))),
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
    let table = Table::new(rows, columns.iter().map(|(_, w)| Constraint::Length(*w)))
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
    let when = |t: &Option<String>, none: &str| {
        t.as_deref().map_or_else(|| none.to_string(), display_time)
    };
    let mut fields: Vec<(&str, String)> = vec![
        ("name", u.name.clone()),
        ("first name", u.first_name.clone()),
        ("last name", u.last_name.clone()),
        ("login", u.login.clone()),
        ("email", u.email.clone()),
        ("status", u.status.as_str().to_string()),
        ("created", when(&u.created, "—")),
        ("last login", when(&u.last_login, "never")),
        ("source", u.source.display_name().to_string()),
        ("id", u.id.clone()),
    ];
    fields.extend(u.extra.iter().map(|(k, v)| (k, v.to_string())));
    // Labels align on the longest (a vendor's extra field may be longer than ours).
    let label_width = fields
        .iter()
        .map(|(k, _)| txt(k).chars().count())
        .max()
        .unwrap_or(0)
        .min(area.width as usize / 2);
    let width = area.width.saturating_sub(2) as usize;
    // A field is shown up to what the pane could hold; a tenant's value may be megabytes.
    let room = width * area.height as usize;
    let lines: Vec<Line> = fields
        .iter()
        .flat_map(|(k, v)| {
            let label = format!("{:<label_width$} ", fit(k, label_width));
            diagnosis::labelled(&label, &fit(v, room), width, theme.dim(), Style::new())
        })
        .take(area.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
