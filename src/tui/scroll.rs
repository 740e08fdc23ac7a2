//! A panel's scroll position. The screen moves it with keys; the view that draws the panel
//! knows how many lines it holds and how many show, so it draws from the offset kept in range
//! and records how far the panel can go — as ratatui's own list and table states learn their
//! offset while drawing. The next key press then stops where the text does, and the footer
//! offers scrolling only while there is more to see.

use std::cell::Cell;

/// Which way a scroll key moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

#[derive(Debug, Default, Clone)]
pub struct Scroll {
    offset: usize,
    /// The furthest offset at the last draw (0: everything showed).
    limit: Cell<usize>,
    /// Rows shown at the last draw: a page.
    page: Cell<usize>,
}

/// What a view shows of a panel: from `first`, and whether lines are hidden above or below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub above: bool,
    pub below: bool,
}

impl Scroll {
    /// The first line shown.
    pub fn offset(&self) -> usize {
        self.offset.min(self.limit.get())
    }

    /// Whether the panel held more than it showed at the last draw.
    pub fn overflows(&self) -> bool {
        self.limit.get() > 0
    }

    pub fn reset(&mut self) {
        self.offset = 0;
    }

    /// Moves by `step`, within what the last draw showed there is.
    pub fn step(&mut self, step: Step) {
        let (now, last) = (self.offset(), self.limit.get());
        let page = self.page.get().saturating_sub(1).max(1);
        self.offset = match step {
            Step::Up => now.saturating_sub(1),
            Step::Down => now + 1,
            Step::PageUp => now.saturating_sub(page),
            Step::PageDown => now + page,
            Step::Top => 0,
            Step::Bottom => last,
        }
        .min(last);
    }

    /// For the view: `total` lines in `height` rows. Records how far the panel can scroll.
    pub fn window(&self, total: usize, height: usize) -> Window {
        let limit = total.saturating_sub(height);
        self.limit.set(limit);
        self.page.set(height);
        let first = self.offset.min(limit);
        Window {
            first,
            above: first > 0,
            below: first < limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stop_where_the_text_does() {
        let mut s = Scroll::default();
        // Nothing drawn yet: nothing to scroll.
        s.step(Step::Down);
        assert_eq!(s.offset(), 0);
        let w = s.window(10, 4);
        assert_eq!(
            w,
            Window {
                first: 0,
                above: false,
                below: true
            }
        );
        assert!(s.overflows());
        for _ in 0..20 {
            s.step(Step::Down);
        }
        assert_eq!(s.offset(), 6);
        s.step(Step::Up);
        assert_eq!(
            s.offset(),
            5,
            "one press back up, however often Down was pressed"
        );
        s.step(Step::PageUp);
        assert_eq!(s.offset(), 2);
        s.step(Step::Bottom);
        assert!(!s.window(10, 4).below && s.window(10, 4).above);
        // A larger window: everything shows, the offset follows.
        assert_eq!(s.window(10, 20).first, 0);
        assert!(!s.overflows());
    }
}
