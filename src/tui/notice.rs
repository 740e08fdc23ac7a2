//! What the status line and the panels say: a failure (with the core's diagnosis and its fix
//! when there is one — the same words line mode prints), or news that is no failure.

use ploy_core::app::{AppError, Diagnosed};
use ploy_core::diagnose::Diagnosis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub detail: String,
    pub diagnosis: Option<Diagnosis>,
    /// Good or neutral news rather than a failure ("Removed acme").
    pub news: bool,
}

impl Notice {
    /// A failure without a diagnosis.
    pub fn failure(text: impl Into<String>) -> Self {
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
            ..Self::failure(text)
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

    /// News when `result` is good, the failure otherwise.
    pub fn of<T: Into<String>, E: std::fmt::Display>(result: Result<T, E>) -> Self {
        match result {
            Ok(news) => Notice::news(news),
            Err(e) => Notice::failure(e.to_string()),
        }
    }
}

impl From<&AppError> for Notice {
    fn from(e: &AppError) -> Self {
        match e.diagnosed() {
            Some(d) => Notice::diagnosed(d),
            None => Notice::failure(e.to_string()),
        }
    }
}
