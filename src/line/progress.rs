//! The export's progress on a terminal: a bar with rate and time left when the vendor says
//! how many users there are (OneTrust), a counter with rate when it does not (Okta). No bar
//! when standard error is not a terminal, or when the users go to that same terminal; the
//! warnings and waits are said either way, and "Wrote N users to FILE" ends an export to a
//! file.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

const BAR: &str = "  {prefix}{bar:28} {human_pos}/{human_len} users  {rate:.dim}  {eta} left";
const COUNTER: &str = "  {prefix}{spinner} {human_pos} users  {rate:.dim}  {elapsed}  {msg}";

/// "1,454/s": users a second, whole and with separators (indicatif's `per_sec` prints
/// "1,454.4514/s").
pub fn rate_text(per_sec: f64) -> String {
    let whole = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{}/s", indicatif::HumanCount(whole))
}

/// A template with the `{rate}` key.
fn style(template: &str) -> Option<ProgressStyle> {
    let style = ProgressStyle::with_template(template).ok()?;
    Some(style.with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate_text(state.per_sec()));
        },
    ))
}

/// Shared with the HTTP notices, which print above the bar.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    sized: bool,
}

impl Progress {
    pub fn new(shown: bool) -> Self {
        let bar = if shown {
            let bar = ProgressBar::new_spinner();
            if let Some(style) = style(COUNTER) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar, sized: false }
    }

    /// One of several read at once (`identities`): its own line under the others, named.
    pub fn new_in(multi: &indicatif::MultiProgress, shown: bool, name: &str) -> Self {
        let mut p = Self::new(shown);
        if shown {
            p.bar = multi.add(p.bar);
            p.bar
                .set_prefix(format!("{}: ", ploy_core::text::safe_line(name)));
        }
        p
    }

    /// Once the tenant answered: the clock and the rate start here, not at sign-in.
    pub fn start(&self) {
        self.bar.set_message("");
        self.bar.reset_elapsed();
        self.bar.reset_eta();
        self.bar.enable_steady_tick(Duration::from_millis(120));
    }

    /// After each page: how many were written, and how many there are if the vendor said.
    pub fn page(&mut self, written: u64, total: Option<u64>) {
        if let Some(total) = total.filter(|&t| t > 0 && !self.sized) {
            self.sized = true;
            self.bar.set_length(total);
            if let Some(style) = style(BAR) {
                self.bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
            }
        }
        // A tenant that grew while it was read: the bar grows with it.
        if self.sized && self.bar.length().is_some_and(|l| written > l) {
            self.bar.set_length(written);
        }
        self.bar.set_position(written);
    }

    /// While entitlements are read: which kind, how far ("Groups 40/120"); the users'
    /// counter takes the bar back at `start`.
    pub fn say_progress(&self, what: &str, done: u64, total: u64) {
        if !self.bar.is_hidden() {
            self.bar.set_message(format!("{what} {done}/{total}"));
            self.bar.tick();
        }
    }

    /// A line above the bar (a warning, a rate-limit wait), never torn by it.
    pub fn say(&self, line: impl FnOnce()) {
        self.bar.suspend(line);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Item 12 (issue 20): a rate is whole users with separators, never four decimals.
    #[test]
    fn rates_are_whole_numbers_with_separators() {
        assert_eq!(rate_text(1454.4514), "1,454/s");
        assert_eq!(rate_text(12_345_678.9), "12,345,679/s");
        assert_eq!(rate_text(f64::NAN), "0/s");
        for t in [BAR, COUNTER] {
            assert!(t.contains("{rate") && !t.contains("per_sec"), "{t}");
            assert!(style(t).is_some(), "{t}");
        }
    }
}
