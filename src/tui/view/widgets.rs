//! Pieces several views draw: a spinner's frames and a panel that scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::scroll::Scroll;
use crate::tui::theme::Theme;

/// A running step's or test's spinner, one frame per tick.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// `lines` (wrapped already) in `area` from the scroll's offset, with a mark where more is
/// hidden: "↑" at the top right, "↓ more" and the key (`down`) that shows it at the bottom
/// right.
pub fn scrolled(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line>,
    scroll: &Scroll,
    down: &str,
    theme: &Theme,
) {
    let w = scroll.window(lines.len(), area.height as usize);
    let shown: Vec<Line> = lines.into_iter().skip(w.first).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(shown), area);
    let mut mark = |text: String, y: u16| {
        let width = (text.chars().count() as u16).min(area.width);
        let r = Rect::new(area.x + area.width - width, y, width, 1);
        frame.render_widget(Line::styled(text, theme.accent()), r);
    };
    if area.height == 0 || area.width < 12 {
        return;
    }
    if w.above {
        mark(" ↑ ".into(), area.y);
    }
    if w.below {
        mark(format!(" ↓ more: {down} "), area.y + area.height - 1);
    }
}
