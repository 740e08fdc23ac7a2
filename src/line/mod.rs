//! The line face: prompts on a terminal (dialoguer, behind `Prompter`), flags, the
//! environment and standard input for scripts, one line per step. It decides no rule: every
//! check, default and workflow is the core's, so it behaves as the TUI does.

/// `println!` for anything that may carry outside text: secrets scrubbed, escapes defused,
/// and a closed pipe an orderly end (`out`).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::line::out::line(&ploy_core::text::safe(&format!($($arg)*)))
    };
}

/// `eprintln!`, made safe the same way.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::line::out::err_line(&ploy_core::text::safe(&format!($($arg)*)))
    };
}

pub mod emulator;
pub mod help;
pub mod identities;
pub mod keys;
pub mod out;
pub mod print;
pub mod profiles;
pub mod progress;
pub mod prompt;
pub mod rotate;
pub mod setup;
pub mod sources;
pub mod status;
pub mod test;
pub mod users;
