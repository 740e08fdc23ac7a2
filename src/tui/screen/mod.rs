//! The screens: each holds its state and its key tables, and acts on commands, not key codes.

pub mod check;
pub mod home;
pub mod identities;
pub mod rotate;
pub mod users;
pub mod wizard;

use super::bindings::{ANSWER_KEYS, OVERLAY_KEYS, Table};

/// Every key table of every screen, and the yes/no question's.
pub fn tables() -> Vec<Table> {
    [
        home::tables(),
        vec![
            Table::of("question", false, ANSWER_KEYS),
            Table::of("panel over the screen", false, OVERLAY_KEYS),
        ],
        check::tables(),
        users::tables(),
        identities::tables(),
        wizard::tables(),
        rotate::tables(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
