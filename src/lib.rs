//! ploy-connect's two faces over one core (`ploy-core`): the line mode (`line`) and the
//! full-screen TUI (`tui`). Neither imports the other; both take every rule, default and
//! workflow from the core. `terminal` and `signals` serve both; `demo` wires the core, the
//! emulator and the TUI together.

pub mod allocator;
pub mod cli;
pub mod demo;
pub mod docs;
pub mod line;
pub mod logging;
pub mod signals;
pub mod terminal;
pub mod tui;
