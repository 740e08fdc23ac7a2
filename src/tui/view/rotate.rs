//! The rotate screen: the vendor's steps beside the box for the new secret or key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use ploy_core::integration::Integration;

use super::diagnosis::{self, Place};
use super::keybox;
use super::wizard::masked;
use crate::tui::screen::rotate::RotateView;
use crate::tui::theme::Theme;

pub fn draw(r: &RotateView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let [guide_area, form_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let guide = match r.integration {
        Integration::OneTrust => {
            "After rotating the secret in OneTrust (Global Settings › Access Management › Client Credentials), paste the new Client Secret here.\n\nThe new secret is tested first; only if the test passes does it replace the old one in the OS keyring."
        }
        Integration::Okta => {
            "After generating a new key in Okta (app › General › Client Credentials › Public keys › Add key › Generate new key, then Copy to clipboard and Save), paste the new private key here, or type the path of a file holding it.\n\nA PEM carries no key ID: enter the KID if the app has several keys.\n\nThe new key is tested first; only if the test passes does it replace the old key in the OS keyring."
        }
    };
    frame.render_widget(
        Paragraph::new(guide)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" What to paste ")),
        guide_area,
    );
    let block = Block::bordered()
        .title(format!(" New secret for {} ", r.profile))
        .border_style(theme.focused_border());
    let inner = block.inner(form_area);
    frame.render_widget(block, form_area);
    let shown = match r.integration {
        Integration::OneTrust => vec![Line::raw(masked(&r.secret))],
        Integration::Okta => keybox::lines(&r.key, false, theme),
    };
    let label = match r.integration {
        Integration::OneTrust => "Client secret",
        Integration::Okta => "Private key (JWK/PEM) or file path",
    };
    frame.render_widget(
        Line::styled(label, theme.accent()),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    frame.render_widget(
        Paragraph::new(shown)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(if r.focus == 0 {
                theme.focused_border()
            } else {
                theme.dim()
            })),
        Rect::new(
            inner.x,
            inner.y + 1,
            inner.width,
            4.min(inner.height.saturating_sub(1)),
        ),
    );
    if r.integration == Integration::Okta && inner.height > 9 {
        frame.render_widget(
            Line::styled("Key ID (optional)", theme.dim()),
            Rect::new(inner.x, inner.y + 6, inner.width, 1),
        );
        frame.render_widget(
            Paragraph::new(r.key_id.text().to_string()).block(Block::bordered().border_style(
                if r.focus == 1 {
                    theme.focused_border()
                } else {
                    theme.dim()
                },
            )),
            Rect::new(inner.x, inner.y + 7, inner.width, 3),
        );
    }
    if let Some(p) = &r.error {
        let lines = diagnosis::problem(p, inner.width as usize, Place::Elsewhere, theme);
        let h = (lines.len() as u16 + 1).min(inner.height / 2).max(2);
        let y = inner.y + inner.height.saturating_sub(h);
        frame.render_widget(Paragraph::new(lines), Rect::new(inner.x, y, inner.width, h));
    }
}
