//! Home: the profiles with their last test. Columns are as wide as what they hold; when the
//! terminal is too narrow, the widest give way first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use time::OffsetDateTime;

use ploy_core::profile::Profiles;

use crate::tui::text::{fit, txt};
use crate::tui::theme::Theme;

const HEADERS: [&str; 5] = ["Name", "Source", "Host", "Last test", "Secret"];
/// Below these a column is not cut further (the name and the test result matter most).
const MIN_WIDTHS: [usize; 5] = [12, 8, 12, 20, 12];

/// Widths for columns that want `want`, fitting `room` (spacing included): while too wide,
/// the column furthest above its minimum gives a character.
pub fn widths(want: [usize; 5], room: usize) -> [usize; 5] {
    let mut w = want;
    let spacing = w.len() - 1;
    while w.iter().sum::<usize>() + spacing > room {
        let shrinkable = (0..w.len())
            .filter(|&i| w[i] > MIN_WIDTHS[i].min(want[i]))
            .max_by_key(|&i| w[i] - MIN_WIDTHS[i].min(want[i]));
        match shrinkable {
            Some(i) => w[i] -= 1,
            None => break,
        }
    }
    w
}

/// `profiles` with the row `selected`; "5 min ago" as of `now`.
pub fn draw(
    profiles: &Profiles,
    selected: usize,
    now: OffsetDateTime,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let block = Block::bordered().title(" Connections ");
    if profiles.profiles.is_empty() {
        let text = vec![
            Line::raw(""),
            Line::raw("  No profiles yet."),
            Line::from(vec![
                Span::raw("  Press "),
                Span::styled("a", theme.accent()),
                Span::raw(" to connect OneTrust or Okta."),
            ]),
        ];
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    // A bad value in the file is reported by `profiles`; here the default applies.
    let max = profiles.max_age().unwrap_or_default();
    let rows: Vec<_> = profiles
        .profiles
        .iter()
        .map(|(name, p)| {
            let (mark, style) = match &p.last_test {
                None => ("·", theme.dim()),
                Some(t) if t.ok => ("✓", theme.ok()),
                Some(_) => ("✗", theme.fail()),
            };
            let age = max.secret_age(p.secret_stored, p.staged().is_some(), now);
            let cells = [
                txt(name),
                p.integration.display_name().to_string(),
                txt(&p.host),
                format!("{mark} {}", txt(&p.last_test_summary(name, now))),
                age.text,
            ];
            let age_style = if age.old { theme.warn() } else { theme.dim() };
            (cells, style, age_style)
        })
        .collect();
    let mut want = HEADERS.map(|h| h.chars().count());
    for (cells, _, _) in &rows {
        for (w, c) in want.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let widths = widths(want, area.width.saturating_sub(2) as usize);
    let table_rows = rows.into_iter().map(|(cells, style, age_style)| {
        let [name, source, host, last, age] = cells;
        Row::new(vec![
            Line::raw(fit(&name, widths[0])),
            Line::raw(fit(&source, widths[1])),
            Line::raw(fit(&host, widths[2])),
            Line::styled(fit(&last, widths[3]), style),
            Line::styled(fit(&age, widths[4]), age_style),
        ])
    });
    let table = Table::new(table_rows, widths.map(|w| Constraint::Length(w as u16)))
        .column_spacing(1)
        .header(Row::new(HEADERS).style(theme.accent()))
        .row_highlight_style(theme.selected())
        .block(block);
    // The table scrolls to the selection, so the profile a key acts on is always in view.
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_what_they_need_and_the_widest_give_way() {
        assert_eq!(widths([30, 8, 20, 40, 14], 200), [30, 8, 20, 40, 14]);
        let w = widths([30, 8, 20, 60, 20], 78);
        assert_eq!(w.iter().sum::<usize>() + 4, 78);
        assert!(w[0] >= 12 && w[3] >= 20, "{w:?}");
        // Nothing below the minimums, even when that overflows.
        assert_eq!(widths([30, 8, 30, 60, 30], 10), [12, 8, 12, 20, 12]);
    }
}
