//! A failure as the TUI shows it: what happened and, when the core has one, the diagnosis with
//! its fix — the same words line mode prints.

use ploy_core::app::{AppError, Diagnosed};
use ploy_core::diagnose::Diagnosis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub detail: String,
    pub diagnosis: Option<Diagnosis>,
    /// Good or neutral news rather than a failure ("Removed acme").
    pub news: bool,
}

impl Problem {
    /// A failure without a diagnosis.
    pub fn message(text: impl Into<String>) -> Self {
        Self {
            detail: text.into(),
            diagnosis: None,
            news: false,
        }
    }

    /// Not a failure: something the status line reports.
    pub fn news(text: impl Into<String>) -> Self {
        Self {
            news: true,
            ..Self::message(text)
        }
    }

    /// One line: the diagnosis title and code, else the detail.
    pub fn line(&self) -> String {
        match &self.diagnosis {
            Some(d) => format!("✗ {}  [{}]: {}", d.title, d.code, self.detail),
            None if self.news => self.detail.clone(),
            None => format!("✗ {}", self.detail),
        }
    }

    pub fn diagnosed(d: &Diagnosed) -> Self {
        Self {
            detail: d.failure.detail.clone(),
            diagnosis: Some(d.diagnosis()),
            news: false,
        }
    }
}

impl From<&AppError> for Problem {
    fn from(e: &AppError) -> Self {
        match e.diagnosed() {
            Some(d) => Problem::diagnosed(d),
            None => Problem::message(e.to_string()),
        }
    }
}
