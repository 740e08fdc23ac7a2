//! The users screen, drawn where `layout::users` puts its parts (the app asks the same layout
//! how many rows a page is and what a click hit).

use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table};

use ploy_core::users::{Column, ExportFormat, User, UserRef, display_time};

use crate::tui::layout::{self, TABLE_CHROME, UsersAreas, centered};
use crate::tui::screen::users::{
    Catalogue, EntitlementState, ExportPrompt, UsersScreen, kind_word,
};
use crate::tui::text::{self, Place, fit, txt};
use crate::tui::theme::Theme;

pub fn draw(u: &UsersScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let UsersAreas {
        progress,
        list,
        details,
        failure,
    } = layout::users(u, area);

    // Progress, or the filter being typed.
    let line = match &u.filter {
        Some(f) => {
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
        }
        None => progress_line(u, theme),
    };
    frame.render_widget(line, progress);

    match &u.catalogue {
        Some(c) => draw_catalogue(u, c, frame, list, theme),
        None => draw_table(u, frame, list, theme),
    }
    if let Some(r) = details {
        draw_details(
            u,
            u.selected_user().map(|r| r.to_user()).as_ref(),
            frame,
            r,
            theme,
        );
    }
    if let (Some(p), Some(r)) = (&u.failure, failure) {
        let text = text::notice(
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

/// How far the download is, the filter and the sort, and the tenant's rate-limit waits.
fn progress_line<'a>(u: &UsersScreen, theme: &Theme) -> Line<'a> {
    let mut parts = Vec::new();
    let n = |v: u64| ploy_core::text::thousands(v);
    let active = (u.table.len() as u64).saturating_sub(u.deactivated);
    let people = if u.deactivated > 0 {
        format!("{} users + {} deactivated", n(active), n(u.deactivated))
    } else {
        format!("{} users", n(active))
    };
    if u.done {
        parts.push(people);
    } else {
        parts.push(format!(
            "Loading… {} {}, {people}",
            u.pages,
            if u.pages == 1 { "page" } else { "pages" }
        ));
    }
    match &u.entitlement_state {
        EntitlementState::Waiting => {}
        EntitlementState::Reading(None) => parts.push("entitlements loading…".into()),
        EntitlementState::Reading(Some(p)) => parts.push(format!(
            "entitlements: {} {}/{}",
            kind_word(p.kind),
            n(p.done),
            n(p.total)
        )),
        EntitlementState::Done => {
            parts.push(format!("{} entitlements", n(u.entitlements.total())));
            if !u.entitlements.not_visible.is_empty() {
                let hidden: Vec<String> = u
                    .entitlements
                    .not_visible
                    .iter()
                    .map(|v| format!("{} not visible", kind_word(v.what)))
                    .collect();
                parts.push(hidden.join(", "));
            }
        }
        EntitlementState::Failed(_) => parts.push("entitlements not read".into()),
    }
    if let Some(e) = u.holding() {
        parts.push(format!(
            "{} hold {} ({})",
            n(u.table.shown() as u64),
            e.label(),
            e.kind.id().replace('_', " ")
        ));
    } else if !u.table.filter().is_empty() {
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
}

fn draw_export(u: &UsersScreen, p: &ExportPrompt, frame: &mut Frame, area: Rect, theme: &Theme) {
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
    text.extend(text::labelled("", &note, inner, style, style));
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

fn draw_table(u: &UsersScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let columns = layout::columns(u, area.width);
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

fn draw_details(
    screen: &UsersScreen,
    user: Option<&User>,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let Some(u) = user else {
        frame.render_widget(
            Paragraph::new("No user selected.").block(Block::bordered().title(" Details ")),
            area,
        );
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
    // Vendor dates read like ours (RFC 3339 becomes "2024-02-14 13:33 UTC").
    fields.extend(u.extra.iter().map(|(k, v)| (k, display_time(v))));
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
    let mut lines: Vec<Line> = fields
        .iter()
        .flat_map(|(k, v)| {
            let label = format!("{:<label_width$} ", fit(k, label_width));
            text::labelled(&label, &fit(v, room), width, theme.dim(), Style::new())
        })
        .collect();
    lines.extend(entitlement_lines(screen, &u.id, width, room, theme));
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = screen.details_scroll.min(lines.len().saturating_sub(inner));
    let more_below = lines.len() > scroll + inner;
    let title = match (scroll > 0, more_below) {
        (false, false) => " Details ".to_string(),
        (true, false) => " Details ↑ ([) ".to_string(),
        (false, true) => " Details ↓ (]) ".to_string(),
        (true, true) => " Details ↑↓ ([ ]) ".to_string(),
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(inner).collect();
    frame.render_widget(
        Paragraph::new(shown).block(Block::bordered().title(title)),
        area,
    );
}

/// The user's groups, apps (with the group they come through), roles and access levels.
fn entitlement_lines<'a>(
    screen: &UsersScreen,
    user: &str,
    width: usize,
    room: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    // Notes wrap at the pane's width rather than being cut.
    let note = |text: &str, style: Style| text::labelled("", text, width, style, style);
    let mut lines = vec![Line::raw("")];
    match &screen.entitlement_state {
        EntitlementState::Waiting | EntitlementState::Reading(_) => {
            lines.extend(note("Entitlements: loading…", theme.dim()));
            return lines;
        }
        EntitlementState::Failed(_) => {
            lines.extend(note("Entitlements: could not be read", theme.fail()));
            return lines;
        }
        EntitlementState::Done => {}
    }
    let held = screen.entitlements.held_by(user);
    for kind in ploy_core::entitlements::Kind::ALL {
        let of_kind: Vec<_> = held.iter().filter(|h| h.kind == kind).collect();
        let hidden = screen
            .entitlements
            .not_visible
            .iter()
            .find(|v| v.what == kind);
        if of_kind.is_empty() && hidden.is_none() {
            continue;
        }
        lines.push(Line::styled(
            format!("{} ({})", kind.plural(), of_kind.len()),
            theme.accent(),
        ));
        if let Some(v) = hidden {
            lines.extend(text::labelled(
                "  ",
                &format!("not visible: {}", txt(&v.fix)),
                width,
                theme.dim(),
                theme.dim(),
            ));
        }
        for h in of_kind {
            let mut item = h.name.to_string();
            if let Some(org) = h.organization {
                item.push_str(&format!(" in {org}"));
            }
            let via = h.via.map(|g| format!("via group {g}"));
            let item = fit(&item, room);
            match via {
                Some(v) => lines.extend(text::labelled(
                    "  ",
                    &format!("{item} — {}", fit(&v, room)),
                    width,
                    theme.dim(),
                    Style::new(),
                )),
                None => lines.extend(text::labelled(
                    "  ",
                    &item,
                    width,
                    theme.dim(),
                    Style::new(),
                )),
            }
        }
    }
    if held.is_empty() && screen.entitlements.not_visible.is_empty() {
        lines.extend(note("Holds no entitlement that was read", theme.dim()));
    }
    if !screen.entitlements.implicit.is_empty() {
        lines.extend(note(
            &format!(
                "Also in {} (everyone)",
                txt(&screen.entitlements.implicit.join(", "))
            ),
            theme.dim(),
        ));
    }
    lines
}

/// The entitlements view: kind, name, and how many users hold each.
fn draw_catalogue(u: &UsersScreen, c: &Catalogue, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rows_shown = area.height.saturating_sub(TABLE_CHROME) as usize;
    let header =
        Row::new(["Kind", "Name", "Type", "Holders"].map(Cell::from)).style(theme.accent());
    let rows = c
        .rows
        .iter()
        .enumerate()
        .skip(c.offset)
        .take(rows_shown)
        .filter_map(|(i, (index, count))| {
            let e = u.entitlements.get(*index)?;
            let row = Row::new([
                Cell::from(e.kind.id().replace('_', " ")),
                Cell::from(txt(&e.label())),
                Cell::from(txt(e.detail.as_deref().unwrap_or(""))),
                Cell::from(if u.entitlements.is_implicit(*index) {
                    "every user".to_string()
                } else {
                    ploy_core::text::thousands(u64::from(*count))
                }),
            ]);
            Some(if i == c.selected {
                row.style(theme.selected())
            } else {
                row
            })
        });
    let title = if c.rows.is_empty() {
        match u.entitlement_state {
            EntitlementState::Done => " Entitlements: none read ".to_string(),
            _ => " Entitlements: loading… ".to_string(),
        }
    } else {
        format!(
            " Entitlements ({}) ",
            ploy_core::text::thousands(c.rows.len() as u64)
        )
    };
    let name_width = area.width.saturating_sub(2 + 13 + 12 + 9 + 3).max(10);
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(name_width),
            Constraint::Length(12),
            Constraint::Length(9),
        ],
    )
    .column_spacing(1)
    .header(header)
    .block(Block::bordered().title(title));
    frame.render_widget(table, area);
}
