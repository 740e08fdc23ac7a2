//! A public key as the admin needs it: its ID, the JWK to paste into Okta, and where.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::tui::text::{labelled, txt, wrap};
use crate::tui::theme::Theme;

/// The key ID, the JWK (wrapped to `width`), then the Okta steps.
/// The key ID and where to add the key come first: on a small screen the JWK itself (which
/// `c` copies and `w` writes whole) is what gets cut.
pub fn lines<'a>(jwk: &serde_json::Value, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let kid = jwk.get("kid").and_then(|k| k.as_str()).unwrap_or("?");
    let mut out = labelled("Key ID ", kid, width, theme.accent(), Style::new());
    out.extend(labelled(
        "",
        ploy_core::diagnose::note("okta.add_key_steps"),
        width,
        theme.ok(),
        theme.ok(),
    ));
    let text = serde_json::to_string(jwk).unwrap_or_default();
    out.extend(
        wrap(&text, width)
            .into_iter()
            .map(|l| Line::styled(txt(&l), theme.dim())),
    );
    out
}
