//! Drawing: a pure function of the app's state, so every screen can be snapshot-tested.

pub mod check;
mod home;
mod users;
mod wizard;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Screen};
use super::theme::Theme;

/// Below this the layout cannot be read; a notice is shown instead.
pub const MIN_SIZE: (u16, u16) = (60, 16);

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::new(app.color);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "Make the window larger: ploy-connect needs at least {}×{} (now {}×{}).",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [top, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let title = match &app.screen {
        Screen::Home => "Profiles".to_string(),
        Screen::Wizard(w) => match w.existing.as_ref() {
            Some((n, _)) => format!("Edit {n}"),
            None => "Add a connection".to_string(),
        },
        Screen::Check(c) => format!("Test connection: {}", c.profile),
        Screen::Users(u) => format!("Users: {}", u.profile),
        Screen::Rotate(r) => format!("Rotate secret: {}", r.profile),
    };
    let mut spans = vec![Span::styled(
        format!(" ploy-connect · {title} "),
        theme.title(),
    )];
    if let Some(b) = &app.banner {
        spans.push(Span::styled(format!("  {b}"), theme.warn()));
    }
    frame.render_widget(Line::from(spans), top);

    match &app.screen {
        Screen::Home => home::draw(app, frame, body, &theme),
        Screen::Wizard(w) => wizard::draw(w, frame, body, &theme),
        Screen::Check(c) => check::draw(app, c, frame, body, &theme),
        Screen::Users(u) => users::draw(u, frame, body, &theme),
        Screen::Rotate(r) => wizard::draw_rotate(r, frame, body, &theme),
    }
    if let Some(m) = &app.message {
        frame.render_widget(Line::styled(format!(" {m}"), theme.warn()), status);
    }
    let keys: Vec<String> = footer_keys(app)
        .iter()
        .map(|(k, what)| format!("{k} {what}"))
        .collect();
    frame.render_widget(
        Line::styled(format!(" {}", keys.join(" · ")), theme.dim()),
        footer,
    );
    if app.help {
        draw_help(app, frame, area, &theme);
    }
}

/// The main keys of the current screen, always shown.
fn footer_keys(app: &App) -> Vec<(&'static str, &'static str)> {
    let mut keys = match &app.screen {
        Screen::Home if app.confirm_remove.is_some() => vec![("y", "remove"), ("n", "keep")],
        Screen::Home => vec![
            ("a", "add"),
            ("t", "test"),
            ("r", "rotate"),
            ("u", "users"),
            ("d", "remove"),
        ],
        Screen::Wizard(w) if w.integration.is_none() => {
            vec![("↑↓", "choose"), ("Enter", "next"), ("Esc", "cancel")]
        }
        Screen::Wizard(_) => vec![
            ("Tab", "next field"),
            ("Enter", "next step"),
            ("Esc", "back"),
        ],
        Screen::Check(c) if c.running => vec![("Esc", "home")],
        Screen::Check(c) if c.report.as_ref().is_some_and(|r| r.ok) => {
            vec![
                ("u", "users"),
                ("r", "re-run"),
                ("e", "edit"),
                ("Esc", "home"),
            ]
        }
        Screen::Check(c) => match c.failure().and_then(|f| f.diagnosis.as_ref()) {
            Some(d) if d.code == crate::diagnose::code::OKTA_DPOP_REQUIRED => vec![
                ("d", "DPoP on + re-test"),
                ("e", "edit DPoP"),
                ("r", "re-run"),
                ("Esc", "home"),
            ],
            Some(d) => vec![
                ("e", check::field_edit(d.field)),
                ("r", "re-run"),
                ("Esc", "home"),
            ],
            None => vec![("r", "re-run"), ("e", "edit"), ("Esc", "home")],
        },
        Screen::Users(u) if u.filter.is_some() => {
            vec![("Enter", "keep filter"), ("Esc", "clear filter")]
        }
        Screen::Users(u) if u.export.is_some() => {
            vec![("Tab", "format"), ("Enter", "write"), ("Esc", "cancel")]
        }
        Screen::Users(_) => vec![
            ("/", "filter"),
            ("s", "sort"),
            ("Enter", "details"),
            ("x", "export"),
            ("Esc", "back"),
        ],
        Screen::Rotate(_) => vec![("Enter", "store and re-test"), ("Esc", "cancel")],
    };
    let typing = matches!(&app.screen, Screen::Wizard(_) | Screen::Rotate(_));
    keys.push(if typing {
        ("F1", "help")
    } else {
        ("?", "help")
    });
    if matches!(app.screen, Screen::Home | Screen::Check(_)) {
        keys.push(("q", "quit"));
    }
    keys
}

/// Every key of the current screen.
fn help_keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match &app.screen {
        Screen::Home => vec![
            ("↑ ↓ j k", "select a profile"),
            ("a", "add a connection (wizard)"),
            ("t, Enter", "test the selected profile"),
            ("e", "edit the selected profile"),
            ("r", "rotate its secret or key, then re-test"),
            ("u", "browse its users"),
            ("d", "remove it and its secret (asks first)"),
            ("q, Esc", "quit"),
        ],
        Screen::Wizard(_) => vec![
            ("Tab / Shift-Tab", "next / previous field or step"),
            ("Enter", "next step; on Review: save and test"),
            ("Esc", "previous step"),
            ("paste", "keys and secrets can be pasted (multi-line)"),
            ("Ctrl-U", "clear the field"),
            ("y / n, Space", "DPoP yes/no; toggle a scope"),
        ],
        Screen::Check(_) => vec![
            ("r", "run the test again"),
            ("e", "edit the setting the failure points at"),
            ("d", "turn DPoP on and re-test (when Okta requires it)"),
            ("u", "browse users (after a passed test)"),
            ("Esc, h", "back to profiles"),
        ],
        Screen::Users(_) => vec![
            ("↑ ↓ PgUp PgDn", "move"),
            ("Home End g G", "first / last"),
            ("/", "filter by name, email or login"),
            ("s / S", "sort by the next column / reverse"),
            ("click header", "sort by that column"),
            ("Enter", "details of the selected user"),
            ("x", "export the shown users to CSV or JSON"),
            ("Esc", "back"),
        ],
        Screen::Rotate(_) => vec![
            ("paste", "the new secret or key"),
            ("Tab", "key ID field (Okta)"),
            ("Enter", "store it and re-test"),
            ("Esc", "cancel"),
        ],
    }
}

fn draw_help(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys = help_keys(app);
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>16}  "), theme.accent()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("any key closes this help", theme.dim()));
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 64.min(area.width);
    let popup = centered(area, w, h);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Keys ")
                .title_alignment(Alignment::Center),
        ),
        popup,
    );
}

/// A `w`×`h` rectangle in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// "5 min ago", "2 h ago", "3 days ago".
pub fn ago(now: time::OffsetDateTime, then: time::OffsetDateTime) -> String {
    let s = (now - then).whole_seconds().max(0);
    match s {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// Cuts `text` to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}
