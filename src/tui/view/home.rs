//! Home: the profiles with their last test. Columns are as wide as what they hold; when the
//! terminal is too narrow, the widest give way first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use time::OffsetDateTime;

use ploy_core::profile::{Profile, Profiles};

use super::widgets::SPINNER;
use crate::tui::screen::home::{AllTests, RowTest};
use crate::tui::text::{fit, labelled, txt};
use crate::tui::theme::Theme;

const HEADERS: [&str; 5] = ["Name", "Source", "Host", "Last test", "Secret"];
/// Below these a column is not cut further (the name and the test result matter most; a
/// name is not cut below 20).
const MIN_WIDTHS: [usize; 5] = [20, 8, 12, 14, 12];
/// Which columns go first when even their minimums do not fit: the host, then the source
/// (the pane under the table names both for the selected profile).
const DROP_ORDER: [usize; 2] = [2, 1];

/// Widths for columns that want `want`, fitting `room` (spacing included); 0 for a column
/// left out. Columns whose minimums do not fit are left out in `DROP_ORDER`; then, while
/// too wide, the column furthest above its minimum gives a character.
pub fn widths(want: [usize; 5], room: usize) -> [usize; 5] {
    let min = |i: usize| MIN_WIDTHS[i].min(want[i]);
    let mut shown = [true; 5];
    let needs = |shown: &[bool; 5]| {
        let cols: Vec<usize> = (0..5).filter(|&i| shown[i]).collect();
        cols.iter().map(|&i| min(i)).sum::<usize>() + cols.len().saturating_sub(1)
    };
    for i in DROP_ORDER {
        if needs(&shown) > room {
            shown[i] = false;
        }
    }
    let mut w = [0; 5];
    for i in 0..5 {
        if shown[i] {
            w[i] = want[i];
        }
    }
    let spacing = shown.iter().filter(|s| **s).count().saturating_sub(1);
    while w.iter().sum::<usize>() + spacing > room {
        let shrinkable = (0..w.len())
            .filter(|&i| shown[i] && w[i] > min(i))
            .max_by_key(|&i| w[i] - min(i));
        match shrinkable {
            Some(i) => w[i] -= 1,
            None => break,
        }
    }
    w
}

/// What home draws: the profiles with the row `selected`, home's tests of them all, the
/// spinner's frame and "now" for "5 min ago".
pub struct Data<'a> {
    pub profiles: &'a Profiles,
    pub selected: usize,
    pub tests: &'a AllTests,
    /// Marked for the identities screen.
    pub marked: &'a std::collections::BTreeSet<String>,
    pub spinner: usize,
    pub now: OffsetDateTime,
}

/// What a row's "Last test" says: a test of them all running or ended, else the stored one.
fn last_test(d: &Data, name: &str, p: &Profile, theme: &Theme) -> (String, Style) {
    let stored = p.last_test.as_ref();
    let (ok, text) = match d.tests.row(name, stored) {
        Some(RowTest::Running(_)) => {
            let frame = SPINNER[d.spinner % SPINNER.len()];
            return (format!("{frame} testing…"), theme.accent());
        }
        Some(RowTest::Done(t)) => (Some(t.ok), t.summary(name, p.integration, d.now)),
        Some(RowTest::Failed { why, .. }) => (Some(false), format!("not tested: {why}")),
        None => (stored.map(|t| t.ok), p.last_test_summary(name, d.now)),
    };
    match ok {
        None => (format!("· {}", txt(&text)), theme.dim()),
        Some(true) => (format!("✓ {}", txt(&text)), theme.ok()),
        Some(false) => (format!("✗ {}", txt(&text)), theme.fail()),
    }
}

/// The profiles' table and, under it, the selected profile's last test and secret age in
/// full (a cell is cut to its column; what it says must still be readable at 80×24).
pub fn draw(d: &Data, frame: &mut Frame, area: Rect, theme: &Theme) {
    let profiles = d.profiles;
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
            let (last, style) = last_test(d, name, p, theme);
            let age = max.secret_age(p.secret_stored, p.staged().is_some(), d.now);
            // The mark says "rotate it" where colour does not show (NO_COLOR) and the
            // column is cut.
            let secret = if age.old {
                format!("! {}", age.text)
            } else {
                age.text
            };
            let mark = if d.marked.contains(name) { "+ " } else { "" };
            let cells = [
                format!("{mark}{}", txt(name)),
                p.integration.display_name().to_string(),
                txt(&p.host),
                last,
                secret,
            ];
            let age_style = if age.old { theme.warn() } else { theme.dim() };
            (cells, style, age_style)
        })
        .collect();

    // The selected profile in full, under the table.
    let selected = profiles.profiles.iter().nth(d.selected);
    let width = area.width.saturating_sub(2) as usize;
    let detail: Vec<Line> = selected
        .map(|(name, p)| {
            let (last, style) = last_test(d, name, p, theme);
            let age = max.secret_age(p.secret_stored, p.staged().is_some(), d.now);
            let (age_text, age_style) = if age.old {
                (format!("! {}", age.text), theme.warn())
            } else {
                (age.text, Style::new())
            };
            let mut lines = labelled("Last test ", &last, width, theme.dim(), style);
            lines.extend(labelled(
                "Secret    ",
                &age_text,
                width,
                theme.dim(),
                age_style,
            ));
            let host = format!("{} at {}", p.integration.display_name(), p.host);
            lines.extend(labelled(
                "Tenant    ",
                &host,
                width,
                theme.dim(),
                Style::new(),
            ));
            lines
        })
        .unwrap_or_default();
    // The pane sits under the table; the table keeps its header and a row at least.
    let detail_h = (detail.len() as u16 + 2).min(area.height.saturating_sub(5));
    let table_h = (rows.len() as u16 + 3).min(area.height - detail_h);
    let table_area = Rect {
        height: table_h,
        ..area
    };
    let detail_area = Rect {
        y: area.y + table_h,
        height: detail_h,
        ..area
    };

    let mut want = HEADERS.map(|h| h.chars().count());
    for (cells, _, _) in &rows {
        for (w, c) in want.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let widths = widths(want, area.width.saturating_sub(2) as usize);
    // A column left out (width 0) is not drawn at all.
    let shown = |i: usize| widths[i] > 0;
    let table_rows = rows.into_iter().map(|(cells, style, age_style)| {
        let styles = [Style::new(), Style::new(), Style::new(), style, age_style];
        Row::new(
            cells
                .iter()
                .zip(styles)
                .enumerate()
                .filter(|(i, _)| shown(*i))
                .map(|(i, (c, st))| Line::styled(fit(c, widths[i]), st))
                .collect::<Vec<_>>(),
        )
    });
    let header: Vec<&str> = (0..5).filter(|&i| shown(i)).map(|i| HEADERS[i]).collect();
    let constraints: Vec<Constraint> = (0..5)
        .filter(|&i| shown(i))
        .map(|i| Constraint::Length(widths[i] as u16))
        .collect();
    let table = Table::new(table_rows, constraints)
        .column_spacing(1)
        .header(Row::new(header).style(theme.accent()))
        .row_highlight_style(theme.selected())
        .block(block);
    // The table scrolls to the selection, so the profile a key acts on is always in view.
    let mut state = TableState::default().with_selected(Some(d.selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    if detail_area.height > 2
        && let Some((name, _)) = selected
    {
        frame.render_widget(
            Paragraph::new(detail).block(Block::bordered().title(format!(" {} ", fit(name, 40)))),
            detail_area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_what_they_need_and_the_widest_give_way() {
        assert_eq!(widths([30, 8, 20, 40, 14], 200), [30, 8, 20, 40, 14]);
        let w = widths([30, 8, 20, 60, 20], 78);
        assert_eq!(w.iter().sum::<usize>() + 4, 78);
        assert!(w[0] >= 20 && w[3] >= 14, "{w:?}");
        // Narrower: the host goes, then the source; a name of 17 is never cut.
        let w = widths([17, 8, 15, 40, 12], 58);
        assert_eq!((w[0], w[1], w[2]), (17, 8, 0), "{w:?}");
        assert_eq!(w.iter().sum::<usize>() + 3, 58);
        let w = widths([17, 8, 15, 40, 12], 45);
        assert_eq!((w[0], w[1], w[2]), (17, 0, 0), "{w:?}");
        // Nothing below the minimums, even when that overflows.
        assert_eq!(widths([30, 8, 30, 60, 30], 10), [20, 0, 0, 14, 12]);
    }
}
