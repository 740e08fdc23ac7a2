//! The line face: prompts on a terminal (dialoguer, behind `Prompter`), flags, the
//! environment and standard input for scripts, one line per step. It decides no rule: every
//! check, default and workflow is the core's, so it behaves as the TUI does.

pub mod emulator;
pub mod print;
pub mod profiles;
pub mod prompt;
pub mod rotate;
pub mod setup;
pub mod sources;
pub mod test;
pub mod users;
