//! ploy-connect's core: everything both faces use, and nothing that draws or prompts.
//!
//! The data path, one module each: `validate` → `setup` (a `Draft` becomes a `Profile` plus
//! its secret) → `profile` + `secret` → `session` → `connector` → `check` → `users`.
//! `diagnose` turns every failure into a `Diagnosis`; `app` holds the one error type and the
//! exit codes. This crate knows no face (no clap, ratatui or dialoguer) and no emulator.

pub mod age;
pub mod app;
pub mod check;
pub mod connector;
pub mod diagnose;
pub mod entitlements;
pub mod files;
pub mod http;
pub mod identities;
pub mod integration;
pub mod keys;
pub mod private;
pub mod privilege;
pub mod profile;
pub mod redact;
pub mod secret;
pub mod session;
pub mod setup;
pub mod suggest;
pub mod text;
pub mod users;
pub mod validate;

#[cfg(test)]
mod properties;
