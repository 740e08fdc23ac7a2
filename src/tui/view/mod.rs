//! Drawing: a pure function of the app's state, so every screen can be snapshot-tested.

pub mod check;
pub mod diagnosis;
mod home;
mod keybox;
mod publickey;
mod rotate;
pub mod users;
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
    let [top, body, status, footer] = rows(area);

    let title = match &app.screen {
        Screen::Home => "Profiles".to_string(),
        Screen::Wizard(w) => match w.existing.as_ref() {
            Some((n, _)) => format!("Edit {n}"),
            None => "Add a connection".to_string(),
        },
        Screen::Check(c) => format!("Test connection: {}", c.profile),
        Screen::Users(u) => format!("Users: {}", u.profile),
        Screen::Rotate(r) if r.integration == ploy_core::integration::Integration::Okta => {
            format!("Rotate key: {}", r.profile)
        }
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
        frame.render_widget(Line::styled(format!(" {}", txt(&m.line())), style), status);
    }
    frame.render_widget(
        Line::styled(footer_line(&app.keys().footer, footer.width), theme.dim()),
        footer,
    );
    if app.help {
        draw_help(app, frame, area, &theme);
    }
}

/// The footer's keys that fit in `width`: when not all do, the ones before the last two
/// (help and quit) give way, so help is always offered.
fn footer_line(keys: &[(String, &'static str)], width: u16) -> String {
    let mut items: Vec<String> = keys.iter().map(|(k, what)| format!("{k} {what}")).collect();
    if items.is_empty() {
        items.push("F1 help".into());
    }
    let line = |items: &[String]| format!(" {}", items.join(" · "));
    while line(&items).chars().count() > width as usize && items.len() > 2 {
        items.remove(items.len() - 3);
    }
    line(&items)
}

/// The title bar, the screen's body, the status line and the footer.
fn rows(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where a screen's body is on a terminal of `size`: for state that depends on the layout
/// (how many rows a page is, what a click hit).
pub fn body(size: (u16, u16)) -> Rect {
    rows(Rect::new(0, 0, size.0, size.1))[1]
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

/// Outside text made safe to draw: secrets scrubbed, control characters shown, not obeyed.
pub fn txt(text: &str) -> String {
    ploy_core::text::safe(text)
}

/// Cuts `text` to `width` characters with an ellipsis (made safe first: see `txt`).
pub fn fit(text: &str, width: usize) -> String {
    // Only the start can show: a field of megabytes is not made safe whole on every frame
    // (the redactor also catches a secret cut short here).
    let start = match text.char_indices().nth(width.saturating_mul(4).max(64)) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let text = txt(start);
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
