//! The screens: each holds its state and its key tables, and acts on commands, not key codes.

pub mod check;
pub mod home;
pub mod rotate;
pub mod users;
pub mod wizard;
