//! The one terminal guard, for both faces. Line mode takes raw mode and bracketed paste to
//! read a pasted key without echo; the TUI takes the full screen (raw mode, alternate screen,
//! bracketed paste, mouse capture, hidden cursor). Whatever was switched on is recorded, so
//! the guard's `Drop`, the panic hook and the signal handler all undo exactly that. The
//! terminal's settings from before start-up are kept too, so even a prompt library that
//! turned echo off is undone on a signal.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::{Mutex, Once};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// What a guard switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Raw mode and bracketed paste on stderr: line mode reading a pasted key.
    Paste,
    /// The TUI's full screen on stdout.
    FullScreen,
}

/// The mode switched on now, if any.
static ACTIVE: Mutex<Option<Mode>> = Mutex::new(None);
static HOOK: Once = Once::new();

#[cfg(unix)]
static ORIGINAL: Mutex<Option<libc::termios>> = Mutex::new(None);

/// Remembers the terminal's settings as they were at start-up (call once, early).
pub fn remember_settings() {
    #[cfg(unix)]
    if io::stdin().is_terminal() {
        // SAFETY: tcgetattr writes a termios for a valid fd; zeroed is a valid initial value.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } == 0
            && let Ok(mut o) = ORIGINAL.lock()
        {
            *o = Some(t);
        }
    }
}

/// Undoes what the active guard switched on and puts back the start-up settings. Safe to call
/// more than once and from the panic hook or the signal handler.
pub fn restore() {
    let active = ACTIVE.lock().ok().and_then(|mut a| a.take());
    match active {
        Some(Mode::FullScreen) => {
            let _ = disable_raw_mode();
            let _ = execute!(
                io::stdout(),
                DisableMouseCapture,
                DisableBracketedPaste,
                LeaveAlternateScreen,
                Show
            );
        }
        Some(Mode::Paste) => {
            let _ = execute!(io::stderr(), DisableBracketedPaste);
            let _ = disable_raw_mode();
        }
        None => {}
    }
    #[cfg(unix)]
    if let Ok(Some(t)) = ORIGINAL.lock().map(|o| *o) {
        // SAFETY: `t` came from tcgetattr on the same fd.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
        }
    }
    let _ = io::stdout().flush();
}

/// Holds the terminal in `mode` until dropped.
pub struct Guard(());

impl Guard {
    pub fn enter(mode: Mode) -> io::Result<Guard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        enable_raw_mode()?;
        if let Ok(mut a) = ACTIVE.lock() {
            *a = Some(mode);
        }
        // From here on the guard exists, so a failure below still restores.
        let guard = Guard(());
        match mode {
            Mode::FullScreen => execute!(
                io::stdout(),
                EnterAlternateScreen,
                EnableBracketedPaste,
                EnableMouseCapture,
                Hide
            )?,
            Mode::Paste => execute!(io::stderr(), EnableBracketedPaste)?,
        }
        Ok(guard)
    }

    /// The TUI's guard and its terminal.
    pub fn full_screen() -> io::Result<(Guard, Term)> {
        let guard = Guard::enter(Mode::FullScreen)?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
