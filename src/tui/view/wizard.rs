//! The wizard: the vendor guide's step beside its fields, each checked as it is typed.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use ploy_core::integration::Integration;
use ploy_core::validate::Note;

use super::widgets;
use crate::tui::input::TextField;
use crate::tui::keymaker::Made;
use crate::tui::layout;
use crate::tui::screen::wizard::{Check, FieldId, KeyChoice, StepId, Wizard, texts};
use crate::tui::text::{self, Place, fit, labelled, txt};
use crate::tui::theme::Theme;
use crate::tui::view::keybox;
use crate::tui::view::publickey;

pub fn draw(w: &Wizard, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(integration) = w.integration else {
        draw_chooser(w, frame, area, theme);
        return;
    };
    let Some(text) = texts(integration) else {
        return;
    };
    let steps = w.steps();
    let Some(step) = w.current() else {
        return;
    };
    let step_text = &text.step[w.step.min(text.step.len() - 1)];
    let [guide_area, form_area] = layout::guide_and_form(area);
    let guide_text = match step {
        StepId::Key if w.makes_key() => step_text.generate_guide.as_ref(),
        StepId::Key if w.edits_made_key() => step_text.edit_made_guide.as_ref(),
        _ => None,
    }
    .unwrap_or(&step_text.guide);
    // The guide's steps for this screen, then where the guide is read; it scrolls (PgDn)
    // where it is taller than its panel.
    let guide_block = Block::bordered().title(format!(" {} setup guide ", text.name));
    let guide_inner = guide_block.inner(guide_area);
    let width = guide_inner.width as usize;
    let mut lines: Vec<Line> = guide_text
        .trim_start_matches('\n')
        .lines()
        .flat_map(|l| labelled("", l, width, Style::new(), Style::new()))
        .collect();
    if let Some(address) = ploy_core::diagnose::guide_address(integration) {
        lines.push(Line::raw(""));
        let line = format!("{}: {address}", text.name);
        lines.extend(labelled("", &line, width, theme.dim(), theme.dim()));
    }
    frame.render_widget(guide_block, guide_area);
    widgets::scrolled(frame, guide_inner, lines, &w.guide_scroll, "PgDn", theme);

    let title = format!(
        " Step {} of {}: {} ",
        w.step + 1,
        steps.len(),
        step_text.title
    );
    let block = Block::bordered()
        .title(title)
        .border_style(theme.focused_border());
    let inner = block.inner(form_area);
    frame.render_widget(block, form_area);

    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let fields = w.fields(step);
    for (i, field) in fields.iter().enumerate() {
        let focused = i == w.focus;
        y = draw_field(
            w,
            *field,
            focused,
            frame,
            Rect::new(inner.x, y, inner.width, bottom.saturating_sub(y)),
            theme,
        );
        y += 1;
    }
    if step == StepId::Review {
        draw_review(w, integration, frame, inner, theme);
    }
    if !draw_problem(w, frame, inner, bottom, theme) && w.saving {
        let r = Rect::new(inner.x, bottom.saturating_sub(1), inner.width, 1);
        frame.render_widget(Line::styled("Saving…", theme.accent()), r);
    }
}

/// A save's failure, else the keyring's state when the wizard opened (said once), at the
/// bottom of `inner`; whether there was one.
fn draw_problem(w: &Wizard, frame: &mut Frame, inner: Rect, bottom: u16, theme: &Theme) -> bool {
    let Some(p) = w.error.as_ref().or(w.keyring.as_ref()) else {
        return false;
    };
    let lines = text::notice(p, inner.width as usize, Place::Elsewhere, theme);
    let h = (lines.len() as u16 + 1).min(inner.height / 2).max(2);
    let r = Rect::new(inner.x, bottom.saturating_sub(h), inner.width, h);
    frame.render_widget(ratatui::widgets::Clear, r);
    frame.render_widget(Paragraph::new(lines), r);
    true
}

fn draw_chooser(w: &Wizard, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::raw("  Which identity source do you want to connect?"),
        Line::raw(""),
    ];
    for (i, integration) in [Integration::OneTrust, Integration::Okta]
        .iter()
        .enumerate()
    {
        let summary = texts(*integration)
            .map(|t| t.summary.as_str())
            .unwrap_or("");
        let style = if i == w.choice {
            theme.selected()
        } else {
            theme.dim()
        };
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(
                format!(" {}. {:<9} ", i + 1, integration.display_name()),
                style,
            ),
            Span::raw(format!("  {summary}")),
        ]));
        lines.push(Line::raw(""));
    }
    let block = Block::bordered().title(" Add a connection ");
    let inner = block.inner(area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    draw_problem(w, frame, inner, inner.y + inner.height, theme);
}

fn label(field: FieldId, integration: Option<Integration>) -> &'static str {
    match field {
        FieldId::Name => "Profile name (for you; e.g. acme)",
        FieldId::Host if integration == Some(Integration::Okta) => "Okta domain",
        FieldId::Host => "Tenant hostname",
        FieldId::ClientId => "Client ID",
        FieldId::Secret => "Client secret",
        FieldId::KeyChoice => "The app's key",
        FieldId::MadeKey => "The app's key (made here)",
        FieldId::Key => "Private key (JWK/PEM) or file path",
        FieldId::KeyId => "Key ID (KID), if the app has several",
        FieldId::Dpop => "Does the app require DPoP?",
        FieldId::Scopes => "Scopes to request",
    }
}

/// Draws one field at the top of `area`, then what validation says of it; returns the row
/// after it.
fn draw_field(
    w: &Wizard,
    field: FieldId,
    focused: bool,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) -> u16 {
    if area.height < 3 {
        return area.y + area.height;
    }
    frame.render_widget(
        Line::styled(
            label(field, w.integration),
            if focused { theme.accent() } else { theme.dim() },
        ),
        Rect::new(area.x, area.y, area.width, 1),
    );
    // Under the label, to the bottom of `area`.
    let rest = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let y = match field {
        FieldId::Name | FieldId::Host | FieldId::ClientId | FieldId::KeyId | FieldId::Secret => {
            draw_text_box(w, field, focused, frame, rest, theme)
        }
        FieldId::Key => {
            let lines = keybox::lines(&w.key, w.existing.is_some(), theme);
            let h = 5.min(area.height.saturating_sub(2));
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered().border_style(box_style(focused, theme))),
                Rect::new(rest.x, rest.y, rest.width, h),
            );
            rest.y + h
        }
        FieldId::KeyChoice => draw_key_choice(w, focused, frame, rest, theme),
        FieldId::MadeKey => draw_made_key(w, frame, rest, theme),
        FieldId::Dpop => draw_dpop(w, focused, frame, rest, theme),
        FieldId::Scopes => draw_scopes(w, focused, frame, rest, theme),
    };
    draw_verdict(w, field, frame, Rect::new(area.x, y, area.width, 0), theme)
}

fn box_style(focused: bool, theme: &Theme) -> ratatui::style::Style {
    if focused {
        theme.focused_border()
    } else {
        theme.dim()
    }
}

/// A one-line text box (the secret masked) with the cursor in it when focused.
fn draw_text_box(
    w: &Wizard,
    field: FieldId,
    focused: bool,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) -> u16 {
    let (x, y, width) = (area.x, area.y, area.width);
    let tf = match field {
        FieldId::Name => &w.name,
        FieldId::Host => &w.host,
        FieldId::ClientId => &w.client_id,
        FieldId::KeyId => &w.key_id,
        _ => &w.secret,
    };
    let shown = if field == FieldId::Secret {
        masked(tf)
    } else {
        tf.text().to_string()
    };
    frame.render_widget(
        Paragraph::new(fit(&shown, width.saturating_sub(2) as usize))
            .block(Block::bordered().border_style(box_style(focused, theme))),
        Rect::new(x, y, width, 3),
    );
    if focused {
        let col = if field == FieldId::Secret {
            shown.chars().count()
        } else {
            tf.cursor_chars()
        };
        let cx = x + 1 + (col as u16).min(width.saturating_sub(3));
        frame.set_cursor_position(Position::new(cx, y + 1));
    }
    y + 3
}

/// Make the key pair here or paste Okta's; a key made here shows its public half.
fn draw_key_choice(w: &Wizard, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) -> u16 {
    let (x, width, bottom) = (area.x, area.width, area.y + area.height);
    let mut y = area.y;
    let radio = |on: bool, text: &str| format!("  {} {text}", if on { "(•)" } else { "( )" });
    let style = if focused { theme.accent() } else { theme.dim() };
    for (on, text) in [
        (
            w.key_choice == KeyChoice::Generate,
            "Make a key pair here (recommended: the private key never leaves this machine)",
        ),
        (
            w.key_choice == KeyChoice::Paste,
            "Paste a private key copied from Okta",
        ),
    ] {
        for line in labelled("", &radio(on, text), width as usize, style, style) {
            if y < bottom {
                frame.render_widget(line, Rect::new(x, y, width, 1));
                y += 1;
            }
        }
    }
    let lines = match (&w.made, w.key_choice) {
        (_, KeyChoice::Paste) => vec![],
        (Made::Ready(g), _) => publickey::lines(&g.public_jwk, width as usize, theme),
        (Made::Failed(e), _) => labelled("✗ ", e, width as usize, theme.fail(), theme.fail()),
        _ => vec![Line::styled("Making an RSA 2048 key pair…", theme.dim())],
    };
    // The public key scrolls in what is left (a pasted key's fields follow instead).
    if lines.is_empty() {
        w.key_scroll.window(0, 0);
        return y;
    }
    y += 1;
    let h = bottom.saturating_sub(y);
    widgets::scrolled(
        frame,
        Rect::new(x, y, width, h),
        lines,
        &w.key_scroll,
        "↓",
        theme,
    );
    y + h
}

/// Editing a profile whose key was made here: the key stays; its public half is shown.
fn draw_made_key(w: &Wizard, frame: &mut Frame, area: Rect, theme: &Theme) -> u16 {
    let width = area.width as usize;
    let mut lines = labelled(
        "",
        "Kept: the private key stays in the OS keyring. r on the profiles screen makes a new one without downtime.",
        width,
        theme.dim(),
        theme.dim(),
    );
    lines.push(Line::raw(""));
    match &w.made_public {
        Some(Ok(jwk)) => lines.extend(publickey::lines(jwk, width, theme)),
        Some(Err(e)) => lines.extend(labelled("✗ ", e, width, theme.fail(), theme.fail())),
        None => lines.push(Line::styled("Reading its public key…", theme.dim())),
    }
    widgets::scrolled(frame, area, lines, &w.key_scroll, "↓", theme);
    area.y + area.height
}

fn draw_dpop(w: &Wizard, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) -> u16 {
    let (x, y, width) = (area.x, area.y, area.width);
    let yes = if w.dpop { "(•) yes" } else { "( ) yes" };
    let no = if w.dpop { "( ) no" } else { "(•) no" };
    frame.render_widget(
        Line::from(vec![Span::styled(
            format!("  {yes}   {no}"),
            if focused { theme.accent() } else { theme.dim() },
        )]),
        Rect::new(x, y, width, 1),
    );
    frame.render_widget(
        Line::styled("  y / n, or Space to switch", theme.dim()),
        Rect::new(x, y + 1, width, 1),
    );
    y + 2
}

fn draw_scopes(w: &Wizard, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) -> u16 {
    let (x, width) = (area.x, area.width);
    let mut y = area.y;
    for (i, (scope, on)) in w.scopes.iter().enumerate() {
        let mark = if *on { "[x]" } else { "[ ]" };
        let note = if scope == "okta.users.read" {
            "  (users table)"
        } else {
            ""
        };
        let style = if focused && i == w.scope_cursor {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        frame.render_widget(
            Line::from(vec![
                Span::styled(format!("  {mark} {scope}"), style),
                Span::styled(note, theme.dim()),
            ]),
            Rect::new(x, y, width, 1),
        );
        y += 1;
    }
    frame.render_widget(
        Line::styled("  ↑↓ move · Space toggles", theme.dim()),
        Rect::new(x, y, width, 1),
    );
    y += 1;
    // Why the scope under the cursor is asked for (the core's words, as setup prints them).
    let why = w.scopes.get(w.scope_cursor).and_then(|(scope, _)| {
        ploy_core::connector::okta::scope_purpose(scope).map(|why| format!("{scope}: {why}"))
    });
    if let Some(why) = why.filter(|_| focused) {
        y += 1;
        for line in crate::tui::text::wrap(&why, usize::from(width).saturating_sub(2)) {
            if y >= area.y + area.height {
                break;
            }
            frame.render_widget(
                Line::styled(format!("  {line}"), theme.dim()),
                Rect::new(x, y, width, 1),
            );
            y += 1;
        }
    }
    y
}

/// What validation says about the field's current text, from `at.y` down: why it is wrong
/// (once typed or tried), or the value that will be stored and the notes.
fn draw_verdict(w: &Wizard, field: FieldId, frame: &mut Frame, at: Rect, theme: &Theme) -> u16 {
    let (x, width) = (at.x, at.width);
    let mut y = at.y;
    let typed = match field {
        FieldId::Name => !w.name.is_empty(),
        FieldId::Host => !w.host.is_empty(),
        FieldId::ClientId => !w.client_id.is_empty(),
        FieldId::Secret => !w.secret.is_empty(),
        FieldId::KeyChoice | FieldId::MadeKey | FieldId::Key | FieldId::KeyId | FieldId::Dpop => {
            false
        }
        FieldId::Scopes => true,
    };
    match w.check(field) {
        Check::Err(e) if typed || w.attempted => {
            frame.render_widget(
                Paragraph::new(Line::styled(format!("✗ {e}"), theme.fail()))
                    .wrap(Wrap { trim: true }),
                Rect::new(x, y, width, 2),
            );
            y += 2;
        }
        Check::Ok(notes) if field != FieldId::Key => {
            if let Some(stored) = w.stored_value(field) {
                frame.render_widget(
                    Line::from(vec![
                        Span::styled("→ saved as ", theme.ok()),
                        Span::raw(fit(&stored, width.saturating_sub(11) as usize)),
                    ]),
                    Rect::new(x, y, width, 1),
                );
                y += 1;
            }
            for n in notes {
                let (mark, style) = match n {
                    Note::Changed(_) => ("✓", theme.ok()),
                    Note::Warning(_) => ("!", theme.warn()),
                };
                let text = format!("{mark} {}", n.text());
                let rows = (text.chars().count() as u16).div_ceil(width.max(1)).max(1);
                frame.render_widget(
                    Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
                    Rect::new(x, y, width, rows),
                );
                y += rows;
            }
        }
        _ => {}
    }
    y
}

pub fn masked(tf: &TextField) -> String {
    let n = tf.text().chars().count();
    if n == 0 {
        String::new()
    } else {
        format!("{} ({n} characters)", "•".repeat(n.min(24)))
    }
}

fn draw_review(w: &Wizard, integration: Integration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let name = match &w.existing {
        Some((n, _)) => n.clone(),
        None => w.name.text().to_string(),
    };
    let mut lines = vec![
        row("Profile", &name),
        row("Source", integration.display_name()),
        row(label(FieldId::Host, Some(integration)), w.host.text()),
        row("Client ID", w.client_id.text()),
    ];
    match integration {
        Integration::OneTrust => {
            let s = if w.secret.is_empty() {
                "stored secret kept".to_string()
            } else {
                masked(&w.secret)
            };
            lines.push(row("Client secret", &s));
        }
        Integration::Okta => {
            let k = match (w.made.ready(), w.key.parsed()) {
                (Some(g), _) if w.makes_key() => {
                    format!(
                        "made here: {} (add its public key in Okta)",
                        g.key.describe()
                    )
                }
                (_, Some(k)) => k.key.describe(),
                _ if w.edits_made_key() => "made here, kept".into(),
                _ => "stored key kept".into(),
            };
            lines.push(row("Private key", &k));
            if !w.key_id.is_empty() {
                lines.push(row("Key ID", w.key_id.text()));
            }
            lines.push(row("DPoP", if w.dpop { "yes" } else { "no" }));
            lines.push(row("Scopes", &w.scope_text()));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Enter: save (secret to the OS keyring) and test",
        theme.accent(),
    ));
    lines.push(Line::styled(
        "Esc: go back and change something",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn row<'a>(k: &str, v: &str) -> Line<'a> {
    Line::raw(format!("{k:<14} {}", txt(v)))
}
