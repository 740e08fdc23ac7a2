//! A failure as the TUI shows it: what happened and, when the core has one, the diagnosis with
//! its fix — the same words line mode prints.

use ploy_core::app::{AppError, Diagnosed};
use ploy_core::diagnose::Diagnosis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub detail: String,
    pub diagnosis: Option<Diagnosis>,
}

impl Problem {
    pub fn message(text: impl Into<String>) -> Self {
        Self {
            detail: text.into(),
            diagnosis: None,
        }
    }

    pub fn diagnosed(d: &Diagnosed) -> Self {
        Self {
            detail: d.failure.detail.clone(),
            diagnosis: Some(d.diagnosis()),
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
