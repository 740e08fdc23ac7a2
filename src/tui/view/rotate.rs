//! The rotate screen: the vendor's steps beside the new secret or key. For Okta, first how the
//! new key comes: made here and staged (no downtime), or pasted from Okta.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use ploy_core::integration::Integration;

use super::widgets;
use crate::tui::layout;
use crate::tui::screen::rotate::{Mode, RotateScreen};
use crate::tui::text::{self, Place, labelled};
use crate::tui::theme::Theme;
use crate::tui::view::keybox;
use crate::tui::view::publickey;
use crate::tui::view::wizard::masked;

const ONETRUST_GUIDE: &str = "After rotating the secret in OneTrust (Global Settings › Access Management › Client Credentials), paste the new Client Secret here.\n\nThe new secret is tested first; only if the test passes does it replace the old one in the OS keyring.";
const OKTA_GENERATE_GUIDE: &str = "Rotation without downtime:\n\n1. Enter makes a new key pair here. Its private key goes to the OS keyring beside the current one, which keeps working.\n2. Add the new public key to the app in Okta (c copies it, w writes it to a file).\n3. Enter tests the new key. Only if the test passes does it become current; then the old private key is deleted here.\n4. Retire the old key in Okta.";
const OKTA_PASTE_GUIDE: &str = "After generating a new key in Okta (app › General › Client Credentials › Public keys › Add key › Generate new key, then Copy to clipboard and Save), paste the new private key here, or type the path of a file holding it.\n\nA PEM carries no key ID: enter the KID if the app has several keys.\n\nThe new key is tested first; only if the test passes does it replace the old key in the OS keyring.";

pub fn draw(r: &RotateScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let [guide_area, form_area] = layout::guide_and_form(area);
    let guide = match (r.integration, r.mode) {
        (Integration::OneTrust, _) => ONETRUST_GUIDE,
        (Integration::Okta, Mode::Generate) => OKTA_GENERATE_GUIDE,
        (Integration::Okta, Mode::Paste) => OKTA_PASTE_GUIDE,
    };
    // The guide scrolls (PgDn) where it is taller than its panel.
    let guide_block = Block::bordered().title(" How ");
    let guide_inner = guide_block.inner(guide_area);
    let guide_lines: Vec<Line> = guide
        .lines()
        .flat_map(|l| {
            labelled(
                "",
                l,
                guide_inner.width as usize,
                Style::new(),
                Style::new(),
            )
        })
        .collect();
    frame.render_widget(guide_block, guide_area);
    widgets::scrolled(
        frame,
        guide_inner,
        guide_lines,
        &r.guide_scroll,
        "PgDn",
        theme,
    );
    let title = match r.integration {
        Integration::OneTrust => format!(" New secret for {} ", r.profile),
        Integration::Okta => format!(" New key for {} ", r.profile),
    };
    let block = Block::bordered()
        .title(title)
        .border_style(theme.focused_border());
    let inner = block.inner(form_area);
    frame.render_widget(block, form_area);
    let mut y = inner.y;
    if r.integration == Integration::Okta {
        y = draw_mode(r, frame, inner, theme);
    }
    if r.integration == Integration::OneTrust || r.mode == Mode::Paste {
        draw_entry(
            r,
            frame,
            Rect::new(
                inner.x,
                y,
                inner.width,
                inner.height.saturating_sub(y - inner.y),
            ),
            theme,
        );
    }
    if let Some(p) = &r.error {
        let lines = text::notice(p, inner.width as usize, Place::Elsewhere, theme);
        let h = (lines.len() as u16 + 1).min(inner.height / 2).max(2);
        let y = inner.y + inner.height.saturating_sub(h);
        frame.render_widget(
            ratatui::widgets::Clear,
            Rect::new(inner.x, y, inner.width, h),
        );
        frame.render_widget(Paragraph::new(lines), Rect::new(inner.x, y, inner.width, h));
    }
}

/// The mode choice and, when the key is made here, its state; returns the row after it.
fn draw_mode(r: &RotateScreen, frame: &mut Frame, inner: Rect, theme: &Theme) -> u16 {
    let width = inner.width as usize;
    let style = if r.on_mode() {
        theme.accent()
    } else {
        theme.dim()
    };
    let radio = |on: bool, text: &str| format!("{} {text}", if on { "(•)" } else { "( )" });
    let mut lines = labelled(
        "",
        &radio(
            r.mode == Mode::Generate,
            "Make a new key here, without downtime (recommended)",
        ),
        width,
        style,
        style,
    );
    lines.extend(labelled(
        "",
        &radio(r.mode == Mode::Paste, "Paste a new key from Okta"),
        width,
        style,
        style,
    ));
    lines.push(Line::raw(""));
    if r.mode == Mode::Generate {
        match (&r.staged, r.staging) {
            (_, true) => lines.push(Line::styled(
                "Making and staging a new key pair…",
                theme.dim(),
            )),
            (None, false) => lines.extend(labelled(
                "",
                "Press Enter to make the new key pair. The current key keeps working.",
                width,
                theme.dim(),
                theme.dim(),
            )),
            (Some(st), false) => {
                lines.extend(labelled(
                    "",
                    "Staged beside the current key. Add its public key in Okta, then press Enter to test it and make it current.",
                    width,
                    theme.ok(),
                    theme.ok(),
                ));
                match &st.public {
                    Some(jwk) => lines.extend(publickey::lines(jwk, width, theme)),
                    None => lines.push(Line::styled(
                        format!("Key ID {} (reading its public key…)", st.key_id),
                        theme.dim(),
                    )),
                }
            }
        }
    }
    // Made here, the panel is the new key's alone and scrolls; pasted, the fields follow.
    if r.mode == Mode::Generate {
        widgets::scrolled(frame, inner, lines, &r.scroll, "↓", theme);
        return inner.y + inner.height;
    }
    r.scroll.window(0, 0);
    let used = (lines.len() as u16).min(inner.height);
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, used),
    );
    inner.y + used
}

/// The secret or pasted key box (and the key ID for Okta).
fn draw_entry(r: &RotateScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    if area.height < 5 {
        return;
    }
    let (shown, label, box_focus) = match r.integration {
        Integration::OneTrust => (
            vec![Line::raw(masked(&r.secret))],
            "Client secret",
            r.focus == 0,
        ),
        Integration::Okta => (
            keybox::lines(&r.key, false, theme),
            "Private key (JWK/PEM) or file path",
            r.focus == 1,
        ),
    };
    let focused = |on: bool| {
        if on {
            theme.focused_border()
        } else {
            theme.dim()
        }
    };
    frame.render_widget(
        Line::styled(label, theme.accent()),
        Rect::new(area.x, area.y, area.width, 1),
    );
    frame.render_widget(
        Paragraph::new(shown)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(focused(box_focus))),
        Rect::new(area.x, area.y + 1, area.width, 4),
    );
    if r.integration == Integration::Okta && area.height > 9 {
        frame.render_widget(
            Line::styled("Key ID (optional)", theme.dim()),
            Rect::new(area.x, area.y + 6, area.width, 1),
        );
        frame.render_widget(
            Paragraph::new(r.key_id.text().to_string())
                .block(Block::bordered().border_style(focused(r.focus == 2))),
            Rect::new(area.x, area.y + 7, area.width, 3),
        );
    }
}
