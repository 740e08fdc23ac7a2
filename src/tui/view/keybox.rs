//! What a key box shows: never the key itself, only what it is, or why it is not one.

use ratatui::text::Line;

use crate::tui::keybox::{KeyBox, KeyState};
use crate::tui::text::txt;
use crate::tui::theme::Theme;

pub fn lines<'a>(k: &KeyBox, keeps_stored: bool, theme: &Theme) -> Vec<Line<'a>> {
    match &k.state {
        KeyState::Empty if keeps_stored => {
            vec![Line::styled("empty: the stored key stays", theme.dim())]
        }
        KeyState::Empty => vec![Line::styled(
            "Paste the key here (Okta's Copy to clipboard), or type the path of a file.",
            theme.dim(),
        )],
        KeyState::Reading => vec![Line::styled("reading the key…", theme.dim())],
        KeyState::Ready(parsed) => {
            let mut lines = vec![Line::styled(
                format!("✓ {}", parsed.key.describe()),
                theme.ok(),
            )];
            if let Some(f) = &parsed.file {
                lines.push(Line::styled(format!("  from {}", f.display()), theme.dim()));
            }
            for n in &parsed.notes {
                lines.push(Line::styled(format!("  {}", n.text()), theme.dim()));
            }
            lines
        }
        KeyState::Invalid(e) => {
            let mut lines = Vec::new();
            if k.showable() {
                lines.push(Line::raw(txt(k.field.text())));
            } else {
                lines.push(Line::styled(
                    format!("{} lines pasted (hidden)", k.lines()),
                    theme.dim(),
                ));
            }
            lines.push(Line::styled(txt(&format!("✗ {e}")), theme.fail()));
            lines
        }
    }
}
