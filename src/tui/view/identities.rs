//! The identities screen, drawn where `layout::identities` puts its parts: what was read and
//! how many people carry each flag, notes, the filter, the people, and a person's accounts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table};

use ploy_core::identities::{Flag, Identities, Person, Role};
use ploy_core::text::thousands;
use ploy_core::users::display_time;

use crate::tui::layout::{self, IdentitiesAreas};
use crate::tui::screen::identities::IdentitiesScreen;
use crate::tui::text::{fit, txt};
use crate::tui::theme::Theme;

pub fn draw(s: &IdentitiesScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let IdentitiesAreas {
        head,
        notes,
        filter,
        list,
    } = layout::identities(s, area);
    let width = head.width as usize;
    let [read, counts] = [
        Rect { height: 1, ..head },
        Rect {
            y: head.y + 1,
            height: 1,
            ..head
        },
    ];
    frame.render_widget(Line::raw(fit(&read_line(s), width)), read);
    frame.render_widget(counts_line(s, theme), counts);

    let mut said: Vec<Line> = s
        .failures
        .iter()
        .map(|f| Line::styled(fit(&format!(" {}", f.line()), width), theme.fail()))
        .collect();
    if let Some(ids) = &s.ids {
        said.extend(
            ids.notes()
                .into_iter()
                .map(|n| Line::styled(fit(&format!(" ! {n}"), width), theme.warn())),
        );
    }
    frame.render_widget(Paragraph::new(said), notes);

    if filter.height > 0 {
        let text = match &s.filter {
            Some(f) => f.text().to_string(),
            None => s.applied.clone(),
        };
        let mut spans = vec![Span::styled(" / ", theme.accent()), Span::raw(txt(&text))];
        match &s.filter_error {
            Some(e) => spans.push(Span::styled(format!("   {e}"), theme.fail())),
            None => spans.push(Span::styled(
                format!(
                    "   {} of {} people",
                    thousands(s.shown.len() as u64),
                    thousands(s.ids.as_ref().map_or(0, |i| i.len()) as u64)
                ),
                theme.dim(),
            )),
        }
        frame.render_widget(Line::from(spans), filter);
        if let Some(f) = &s.filter {
            frame.set_cursor_position(Position::new(
                filter.x + 3 + f.cursor_chars() as u16,
                filter.y,
            ));
        }
    }

    match &s.ids {
        Some(ids) => {
            draw_people(s, ids, frame, list, theme);
            if let (Some(scroll), Some(p)) =
                (s.details, s.selected_person().and_then(|p| ids.person(p)))
            {
                draw_details(&p, scroll, frame, list, theme);
            }
        }
        None => frame.render_widget(
            Paragraph::new(" Reading every profile; people show once all are in.")
                .block(Block::bordered().title(" People ")),
            list,
        ),
    }
}

/// Each profile: what it is to a review and how far it was read.
fn read_line(s: &IdentitiesScreen) -> String {
    let parts: Vec<String> = s
        .profiles
        .iter()
        .map(|r| {
            let what = match Role::of(r.integration) {
                Role::IdentityProvider => "identity provider",
                Role::Application => "application",
            };
            let state = if r.failed {
                format!("{} read, stopped", thousands(r.read))
            } else if let Some(step) = &r.step {
                step.clone()
            } else if s.ids.is_some() {
                format!("{} accounts", thousands(r.read))
            } else {
                match r.total {
                    Some(t) => format!("{}/{} users…", thousands(r.read), thousands(t)),
                    None => format!("{} users…", thousands(r.read)),
                }
            };
            format!("{} ({what}): {state}", r.name)
        })
        .collect();
    match &s.ids {
        Some(ids) => format!(
            " {} people · {} · dormant after {} days",
            thousands(ids.len() as u64),
            parts.join(" · "),
            ids.dormant_days
        ),
        None => format!(" {}", parts.join(" · ")),
    }
}

/// How many people carry each flag, and how many may (unsure).
fn counts_line<'a>(s: &IdentitiesScreen, theme: &Theme) -> Line<'a> {
    let Some(ids) = &s.ids else {
        return Line::raw("");
    };
    let c = ids.counts();
    let mut spans = vec![Span::raw(" ")];
    for (i, f) in Flag::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        let n = c.of(*f);
        let style = if n > 0 { theme.warn() } else { theme.dim() };
        spans.push(Span::styled(format!("{} {}", f.id(), thousands(n)), style));
        if c.unsure(*f) > 0 {
            spans.push(Span::styled(
                format!(" (+{} unsure)", thousands(c.unsure(*f))),
                theme.dim(),
            ));
        }
    }
    Line::from(spans)
}

fn flags_text(p: &Person<'_>) -> String {
    let mut words = p.flags.names().join(" ");
    for u in p.unsure.names() {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(u);
        words.push('?');
    }
    words
}

fn draw_people(
    s: &IdentitiesScreen,
    ids: &Identities,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let rows = area.height.saturating_sub(layout::TABLE_CHROME) as usize;
    let inner = area.width.saturating_sub(2) as usize;
    let flags_w = 22.min(inner / 4);
    let accounts_w = 28.min(inner / 3);
    let rest = inner.saturating_sub(flags_w + accounts_w + 3);
    let email_w = rest * 3 / 5;
    let name_w = rest.saturating_sub(email_w);
    let mut buf = Vec::new();
    let people: Vec<Row> = s
        .shown
        .iter()
        .enumerate()
        .skip(s.offset)
        .take(rows)
        .filter_map(|(i, p)| {
            let p = ids.person(*p as usize)?;
            let (email, name) = p.email_and_name(&mut buf);
            let accounts: Vec<String> = p
                .accounts()
                .map(|a| format!("{} {}", a.profile(), a.status().as_str().to_lowercase()))
                .collect();
            let style = if i == s.selected {
                theme.selected()
            } else {
                Style::new()
            };
            Some(
                Row::new([
                    Cell::from(fit(&email, email_w)),
                    Cell::from(fit(&name, name_w)),
                    Cell::from(fit(&accounts.join(", "), accounts_w)),
                    Cell::from(Span::styled(fit(&flags_text(&p), flags_w), theme.warn())),
                ])
                .style(style),
            )
        })
        .collect();
    let table = Table::new(
        people,
        [
            Constraint::Length(email_w as u16),
            Constraint::Length(name_w as u16),
            Constraint::Length(accounts_w as u16),
            Constraint::Length(flags_w as u16),
        ],
    )
    .header(Row::new(["Email", "Name", "Accounts", "Flags"]).style(theme.accent()))
    .block(Block::bordered().title(format!(
        " People {}/{} ",
        thousands(
            s.selected.min(s.shown.len().saturating_sub(1)) as u64 + u64::from(!s.shown.is_empty())
        ),
        thousands(s.shown.len() as u64)
    )));
    frame.render_widget(table, area);
}

/// The person's accounts, each with what it holds, over the list.
fn draw_details(p: &Person<'_>, scroll: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width.saturating_sub(2) as usize;
    let mut buf = Vec::new();
    let (email, name) = p.email_and_name(&mut buf);
    let mut lines = vec![
        Line::styled(fit(&format!("{email} — {name}"), width), theme.accent()),
        Line::raw(fit(
            &format!(
                "Flags: {}",
                if p.flags.is_empty() && p.unsure.is_empty() {
                    "none".to_string()
                } else {
                    flags_text(p)
                }
            ),
            width,
        )),
    ];
    for a in p.accounts() {
        let last = a
            .last_login(&mut buf)
            .map_or("never logged in".to_string(), |t| {
                format!("last login {}", display_time(&t))
            });
        let own = if a.flags().is_empty() && a.unsure().is_empty() {
            String::new()
        } else {
            let mut f = a.flags().names().join(" ");
            for u in a.unsure().names() {
                f.push_str(&format!(" {u}?"));
            }
            format!(" · {}", f.trim())
        };
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            fit(
                &format!(
                    "{} · {} ({}) · {} · {last} · {} entitlements{own}",
                    a.profile(),
                    a.integration().display_name(),
                    a.role().words(),
                    a.status().as_str(),
                    a.entitlements()
                ),
                width,
            ),
            theme.title(),
        ));
        let t = a.text(&mut buf);
        let (id, login) = (t.id.to_string(), t.login.to_string());
        lines.push(Line::raw(fit(&format!("  id {id} · login {login}"), width)));
        {
            for h in a.held() {
                let via = h.via.map(|v| format!(" (through {v})")).unwrap_or_default();
                let org = h
                    .organization
                    .map(|o| format!(" in {o}"))
                    .unwrap_or_default();
                lines.push(Line::raw(fit(
                    &format!("    {}: {}{org}{via}", h.kind.id(), h.name),
                    width,
                )));
            }
        }
    }
    let h = area.height.saturating_sub(2) as usize;
    let scroll = scroll.min(lines.len().saturating_sub(h));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(shown).block(Block::bordered().title(" Accounts · Esc closes ")),
        area,
    );
}
