//! Drawing: a pure function of the app's state, so every screen can be snapshot-tested. This
//! module lays out the frame (title, body, status line, footer, help) and hands each screen's
//! view the data it draws; views read no file, network, keyring or clock.

mod check;
mod home;
mod identities;
mod keybox;
mod publickey;
mod rotate;
mod users;
mod widgets;
mod wizard;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Screen};
use super::layout::{self, MIN_SIZE, centered};
use super::notice::Notice;
use super::text::{self, Place, labelled, txt};
use super::theme::Theme;

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::new(app.color);
    if layout::too_small(area) {
        let text = format!(
            "Make the window larger: ploy-connect needs at least {}×{} (now {}×{}).",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let status_lines = app.status_lines();
    let [top, body, status, footer] = layout::rows(area, status_lines.len() as u16);

    let title = match &app.screen {
        Screen::Home => "Profiles".to_string(),
        Screen::Wizard(w) => match w.existing.as_ref() {
            Some((n, _)) => format!("Edit {n}"),
            None => "Add a connection".to_string(),
        },
        Screen::Check(c) => format!("Test connection: {}", c.profile),
        Screen::Users(u) => format!("Users: {}", u.profile),
        Screen::Identities(_) => "Identities across profiles".to_string(),
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
        Screen::Home => home::draw(
            &home::Data {
                profiles: &app.profiles,
                selected: app.selected,
                tests: &app.tests,
                marked: &app.marked,
                spinner: app.spinner,
                now: app.now,
            },
            frame,
            body,
            &theme,
        ),
        Screen::Wizard(w) => wizard::draw(w, frame, body, &theme),
        Screen::Check(c) => {
            let profile = app.profiles.profiles.get(&c.profile);
            check::draw(c, profile, app.spinner, frame, body, &theme)
        }
        Screen::Users(u) => users::draw(u, frame, body, &theme),
        Screen::Identities(s) => identities::draw(s, frame, body, &theme),
        Screen::Rotate(r) => rotate::draw(r, frame, body, &theme),
    }
    if let Some(m) = &app.message {
        let style = if m.news { theme.warn() } else { theme.fail() };
        let lines: Vec<Line> = status_lines
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect();
        frame.render_widget(Paragraph::new(lines), status);
    }
    frame.render_widget(
        Line::styled(
            footer_line(&app.bindings().footer, footer.width),
            theme.dim(),
        ),
        footer,
    );
    if app.help {
        draw_help(app, frame, area, &theme);
    } else if app.reading
        && let Some(m) = &app.message
    {
        draw_message(app, m, frame, area, &theme);
    }
}

/// The footer's keys that fit in `width`: when not all do, the ones before the last two
/// (help and quit) give way, so help is always offered.
/// (The tables list their keys by priority.) Before a key gives way, the separators narrow.
fn footer_line(keys: &[(String, &'static str)], width: u16) -> String {
    let mut items: Vec<String> = keys.iter().map(|(k, what)| format!("{k} {what}")).collect();
    if items.is_empty() {
        items.push("F1 help".into());
    }
    let fits = |line: &String| line.chars().count() <= width as usize;
    loop {
        for sep in [" · ", "  "] {
            let line = format!(" {}", items.join(sep));
            if fits(&line) || items.len() <= 2 {
                return line;
            }
        }
        items.remove(items.len() - 3);
    }
}

/// A panel over the screen, `w` wide: `lines` (wrapped to `w - 2`) in a border titled
/// `title`, scrolled as the app's overlay says, with the keys that scroll it when it overflows.
fn draw_overlay(
    app: &App,
    title: &str,
    lines: Vec<Line>,
    w: u16,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, w, h);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .title_alignment(Alignment::Center)
        .title_bottom(Line::styled(" any key closes ", theme.dim()).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    widgets::scrolled(frame, inner, lines, &app.overlay, "PgDn", theme);
}

/// The keys of the screen, each with what it does (a long one wrapped under its text).
fn draw_help(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys = app.bindings_under_overlay().help;
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
    let w = (key_width + text_width + 6)
        .max(40)
        .min(area.width as usize) as u16;
    let inner = w.saturating_sub(2) as usize;
    let lines: Vec<Line> = keys
        .iter()
        .flat_map(|(k, what)| {
            labelled(
                &format!(" {k:>key_width$}  "),
                what,
                inner,
                theme.accent(),
                Style::new(),
            )
        })
        .collect();
    draw_overlay(app, "Keys", lines, w, frame, area, theme);
}

/// The status message whole: a failure with its diagnosis, or news, wrapped.
fn draw_message(app: &App, m: &Notice, frame: &mut Frame, area: Rect, theme: &Theme) {
    let w = area.width.saturating_sub(4).max(20).min(area.width);
    let lines = text::notice(m, w.saturating_sub(2) as usize, Place::Elsewhere, theme);
    draw_overlay(app, "Message", lines, w, frame, area, theme);
}
