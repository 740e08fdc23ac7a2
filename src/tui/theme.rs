//! Styles, with `NO_COLOR` honoured: without colour, emphasis comes from bold, dim and reverse.

use ratatui::style::{Color, Modifier, Style};

use ploy_core::users::UserStatus;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn fail(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn title(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn focused_border(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn status(&self, s: UserStatus) -> Style {
        match s {
            UserStatus::Active => self.ok(),
            UserStatus::LockedOut | UserStatus::Suspended => self.fg(Color::Red),
            UserStatus::PasswordExpired | UserStatus::Recovery => self.warn(),
            UserStatus::Staged | UserStatus::Provisioned => self.fg(Color::Cyan),
            UserStatus::Inactive | UserStatus::Deprovisioned | UserStatus::Unknown => self.dim(),
        }
    }
}
