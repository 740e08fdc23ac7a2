//! Drawing: a pure function of the app's state, so every screen can be snapshot-tested.

pub mod check;
mod home;
mod keybox;
mod rotate;
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
        format!(" ploy-connect · {} ", txt(&title)),
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
        Screen::Rotate(r) => rotate::draw(r, frame, body, &theme),
    }
    if let Some(m) = &app.message {
        let style = if m.news { theme.warn() } else { theme.fail() };
        frame.render_widget(Line::styled(format!(" {}", m.line()), style), status);
    }
    let shown = app.keys();
    let mut footer_keys: Vec<String> = shown
        .footer
        .iter()
        .map(|(k, what)| format!("{k} {what}"))
        .collect();
    if footer_keys.is_empty() {
        footer_keys.push("F1 help".into());
    }
    frame.render_widget(
        Line::styled(format!(" {}", footer_keys.join(" · ")), theme.dim()),
        footer,
    );
    if app.help {
        draw_help(app, frame, area, &theme);
    }
}

fn draw_help(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys = app.keys().help;
    let key_width = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let text_width = keys
        .iter()
        .map(|(_, t)| t.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:>key_width$}  "), theme.accent()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" any key closes this help", theme.dim()));
    let w = (key_width + text_width + 6)
        .max(40)
        .min(area.width as usize) as u16;
    let inner = w.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let h = (rows as u16 + 2).min(area.height);
    let popup = centered(area, w, h);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
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

/// Outside text made safe to draw: secrets scrubbed, control characters shown, not obeyed.
pub fn txt(text: &str) -> String {
    ploy_core::text::safe(text)
}

/// Cuts `text` to `width` characters with an ellipsis (made safe first: see `txt`).
pub fn fit(text: &str, width: usize) -> String {
    let text = txt(text);
    if text.chars().count() <= width {
        text
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

/// A problem as lines: what happened, then the diagnosis's title and fix when there is one.
pub fn problem_lines<'a>(p: &crate::tui::problem::Problem, theme: &Theme) -> Vec<Line<'a>> {
    match &p.diagnosis {
        Some(d) => vec![
            Line::styled(format!("✗ {}  [{}]", d.title, d.code), theme.fail()),
            Line::raw(txt(&p.detail)),
            Line::from(vec![
                Span::styled("Fix ", theme.accent()),
                Span::raw(txt(&d.hint)),
            ]),
        ],
        None => vec![Line::styled(format!("✗ {}", txt(&p.detail)), theme.fail())],
    }
}
