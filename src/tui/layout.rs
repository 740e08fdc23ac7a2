//! Where everything is on a terminal of a given size: the one geometry both the views (to draw)
//! and the app (how many rows a page is, what a click hit, how far a panel scrolls) use, so
//! the two cannot disagree.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use ploy_core::users::Column;

use super::screen::users::{Hit, UsersScreen};
use super::text::wrap;

/// Below this the layout cannot be read; a notice is shown instead.
pub const MIN_SIZE: (u16, u16) = (60, 16);

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1
}

/// The title bar, the screen's body, the status message (`status` rows) and the footer.
pub fn rows(area: Rect, status: u16) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status.max(1)),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where a screen's body is on a terminal of `size` (a status message's rows beyond its first
/// taken off already: see `body_size`).
pub fn body(size: (u16, u16)) -> Rect {
    rows(Rect::new(0, 0, size.0, size.1), 1)[1]
}

/// The terminal as the body sees it: a status message wrapped on `status` rows takes the
/// rows beyond its first off the bottom, so the body keeps its top and loses its last rows.
pub fn body_size(size: (u16, u16), status: usize) -> (u16, u16) {
    let extra = status.saturating_sub(1).min(u16::MAX as usize) as u16;
    (size.0, size.1.saturating_sub(extra))
}

/// What the status message may take of a terminal `height` rows tall.
fn status_room(height: u16) -> usize {
    (height as usize / 4).max(2)
}

/// The key that shows a status message too long for its rows, whole.
pub const WHOLE_MESSAGE: &str = "F2";

/// The status message `text` as it shows on a terminal `size`: wrapped under a one-space
/// margin, on a quarter of the height at most; a longer one ends with where to read it all.
pub fn status_lines(text: &str, size: (u16, u16)) -> Vec<String> {
    let width = (size.0 as usize).saturating_sub(1).max(10);
    let mut lines: Vec<String> = wrap(text, width)
        .into_iter()
        .map(|l| format!(" {l}"))
        .collect();
    let room = status_room(size.1);
    if lines.len() > room {
        lines.truncate(room);
        let tail = format!(" … {WHOLE_MESSAGE} shows it all");
        if let Some(last) = lines.last_mut() {
            let keep = (size.0 as usize).saturating_sub(tail.chars().count());
            *last = last.chars().take(keep).collect::<String>() + &tail;
        }
    }
    lines
}

/// A `w`×`h` rectangle in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The guide on the left, the form on the right (the wizard and the rotate screen).
pub fn guide_and_form(area: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
}

/// Inside the test screen's border: the six steps and a gap, then the panel under them.
pub fn check(inner: Rect) -> [Rect; 2] {
    // The seven steps and a blank line.
    Layout::vertical([Constraint::Length(8), Constraint::Min(0)]).areas(inner)
}

/// The test screen's panel on a terminal of `size`: how wide its lines wrap, how many show.
pub fn check_panel(size: (u16, u16)) -> Rect {
    check(Block::bordered().inner(body(size)))[1]
}

/// Where the parts of the users screen are.
pub struct UsersAreas {
    pub progress: Rect,
    pub list: Rect,
    pub details: Option<Rect>,
    pub failure: Option<Rect>,
}

/// The failure box's height, when loading stopped.
const FAILURE_ROWS: u16 = 8;
/// The users table's own rows: its two borders and the header.
pub const TABLE_CHROME: u16 = 3;
/// "2025-09-18 09:30 UTC"
const TIME_WIDTH: u16 = 20;

pub fn users(u: &UsersScreen, body: Rect) -> UsersAreas {
    let failure_rows = if u.failure.is_some() {
        FAILURE_ROWS.min(body.height / 2)
    } else {
        0
    };
    let [progress, main, failure] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(failure_rows),
    ])
    .areas(body);
    let (list, details) = if u.details {
        // Room for a label and a timestamp ("last login 2025-09-18 09:30 UTC") on one line.
        let width = (main.width * 2 / 5).max(34);
        let [a, b] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(main);
        (a, Some(b))
    } else {
        (main, None)
    };
    UsersAreas {
        progress,
        list,
        details,
        failure: (failure_rows > 0).then_some(failure),
    }
}

/// How many users the table shows on a terminal of `size`: a page, for PgDn and for keeping
/// the selection on screen.
pub fn table_rows(u: &UsersScreen, size: (u16, u16)) -> usize {
    let list = users(u, body(size)).list;
    list.height.saturating_sub(TABLE_CHROME).max(1) as usize
}

/// The columns shown in a table `width` wide, with their widths. Name and email/login always
/// show; status (as wide as the widest status), last login and source (only when users come
/// from more than one) follow as room allows, and the email gets what is left.
pub fn columns(u: &UsersScreen, width: u16) -> Vec<(Column, u16)> {
    let inner = width.saturating_sub(2);
    let status = u.table.widest_status().max(Column::Status.title().len()) as u16;
    let mut optional = vec![(Column::Status, status), (Column::LastLogin, TIME_WIDTH)];
    if u.table.mixed_sources() {
        optional.push((Column::Source, 8));
    }
    // Name and login keep at least this much between them.
    const CORE: u16 = 30;
    let mut shown = Vec::new();
    let mut used = 0;
    for (c, w) in optional {
        if inner < used + w + 1 + CORE + 1 {
            break;
        }
        shown.push((c, w));
        used += w + 1;
    }
    let rest = inner.saturating_sub(used + 1);
    let name = (rest * 2 / 5).min(32);
    let mut out = vec![(Column::Name, name), (Column::Login, rest - name)];
    out.extend(shown);
    out
}

/// What a click at (`x`, `y`) on a terminal of `size` hit on the users screen.
pub fn hit(u: &UsersScreen, size: (u16, u16), x: u16, y: u16) -> Hit {
    let list = users(u, body(size)).list;
    let inside = x > list.x && x + 1 < list.x + list.width;
    if !inside || y <= list.y || y + 1 >= list.y + list.height {
        return Hit::Nothing;
    }
    if y == list.y + 1 {
        let mut left = list.x + 1;
        for (c, w) in columns(u, list.width) {
            if x >= left && x < left + w {
                return Hit::Header(c);
            }
            left += w + 1;
        }
        return Hit::Nothing;
    }
    Hit::Row((y - list.y - 2) as usize)
}

/// The identities screen's parts: what was read and the counts per flag (`head`), notes and
/// failures (`notes`, three rows at most), the filter (`filter`, a row while there is one),
/// and the people's list (`list`, in a border with a header row).
pub struct IdentitiesAreas {
    pub head: Rect,
    pub notes: Rect,
    pub filter: Rect,
    pub list: Rect,
}

/// How many rows of notes the identities screen shows at most.
pub const IDENTITY_NOTES: u16 = 3;

pub fn identities(s: &super::screen::identities::IdentitiesScreen, area: Rect) -> IdentitiesAreas {
    let notes = s.failures.len() + s.ids.as_ref().map_or(0, |ids| ids.notes().len());
    let notes = (notes.min(IDENTITY_NOTES as usize)) as u16;
    let filter = u16::from(s.filter.is_some() || !s.applied.is_empty());
    let [head, notes, filter, list] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(notes),
        Constraint::Length(filter),
        Constraint::Min(3),
    ])
    .areas(area);
    IdentitiesAreas {
        head,
        notes,
        filter,
        list,
    }
}

/// People on one page of the identities screen's list.
pub fn identity_rows(s: &super::screen::identities::IdentitiesScreen, size: (u16, u16)) -> usize {
    let list = identities(s, body(size)).list;
    list.height.saturating_sub(TABLE_CHROME).max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_panel_is_what_the_screen_leaves_under_the_steps() {
        // The title bar, the border, seven steps and a gap, the border, the status and the
        // footer.
        assert_eq!(check_panel((80, 24)), Rect::new(1, 10, 78, 11));
        assert_eq!(check_panel((60, 16)).height, 3);
        assert_eq!(check_panel((60, 10)).height, 0);
    }

    #[test]
    fn a_status_message_wraps_and_a_longer_one_says_where_to_read_it() {
        assert_eq!(status_lines("short", (80, 24)), [" short"]);
        let long = "word ".repeat(40);
        let lines = status_lines(&long, (80, 24));
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
        let longer = "word ".repeat(400);
        let lines = status_lines(&longer, (80, 24));
        assert_eq!(lines.len(), 6);
        assert!(lines[5].ends_with("… F2 shows it all"), "{lines:?}");
        assert!(lines[5].chars().count() <= 80);
        assert_eq!(body_size((80, 24), 3), (80, 22));
        assert_eq!(body(body_size((80, 24), 3)), Rect::new(0, 1, 80, 19));
    }
}
