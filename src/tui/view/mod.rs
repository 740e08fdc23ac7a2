//! Drawing: a pure function of the app's state, so every screen can be snapshot-tested. This
//! module lays out the frame (title, body, status line, footer, help) and hands each screen's
//! view the data it draws; views read no file, network, keyring or clock.

mod check;
mod home;
mod keybox;
mod publickey;
mod rotate;
mod users;
mod wizard;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Screen};
use super::layout::{self, MIN_SIZE, centered};
use super::text::txt;
use super::theme::Theme;

/// A running step's or test's spinner, one frame per tick.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

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
    let [top, body, status, footer] = layout::rows(area);

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
        Screen::Home => home::draw(
            &home::Data {
                profiles: &app.profiles,
                selected: app.selected,
                tests: &app.tests,
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
        Screen::Rotate(r) => rotate::draw(r, frame, body, &theme),
    }
    if let Some(m) = &app.message {
        let style = if m.news { theme.warn() } else { theme.fail() };
        frame.render_widget(Line::styled(format!(" {}", txt(&m.line())), style), status);
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

fn draw_help(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys = app.bindings().help;
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
