//! A public key as the admin needs it: its ID, the JWK to paste into Okta, and where.

use ratatui::style::Style;
use ratatui::text::Line;

use super::diagnosis::{labelled, wrap};
use crate::tui::theme::Theme;

/// The key ID, the JWK (wrapped to `width`), then the Okta steps.
pub fn lines<'a>(jwk: &serde_json::Value, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let kid = jwk.get("kid").and_then(|k| k.as_str()).unwrap_or("?");
    let mut out = labelled("Key ID ", kid, width, theme.accent(), Style::new());
    let text = serde_json::to_string_pretty(jwk).unwrap_or_default();
    for line in text.lines() {
        out.extend(
            wrap(line, width)
                .into_iter()
                .map(|l| Line::styled(super::txt(&l), theme.dim())),
        );
    }
    out.extend(labelled(
        "",
        ploy_core::diagnose::note("okta.add_key_steps"),
        width,
        theme.ok(),
        theme.ok(),
    ));
    out
}
