//! ploy-connect: connect an identity source to an access-review product.
//!
//! The data path, one module each:
//! input (`plain`, later the TUI) → `validate` → `profile` + `secret` → `connector` →
//! `check` → `users` → view. `session` opens a stored profile for the last three;
//! `emulator` serves loopback tenants for the demo, the tests and the benchmarks.

pub mod check;
pub mod cli;
pub mod connector;
pub mod demo;
pub mod diagnose;
pub mod emulator;
pub mod http;
pub mod integration;
pub mod keys;
pub mod logging;
pub mod plain;
pub mod profile;
pub mod secret;
pub mod session;
pub mod setup;
pub mod tui;
pub mod users;
pub mod validate;
