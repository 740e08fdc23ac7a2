//! The normalised user every connector produces, and export to CSV or JSON.
//!
//! Export streams page by page, so a 100k-user tenant never sits in memory twice.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde::Serialize;

use crate::integration::Integration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Active,
    Inactive,
    Staged,
    Provisioned,
    Recovery,
    LockedOut,
    PasswordExpired,
    Suspended,
    Deprovisioned,
    Unknown,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "ACTIVE",
            UserStatus::Inactive => "INACTIVE",
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub email: String,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub status: UserStatus,
    /// ISO 8601 as the vendor sent it.
    pub created: Option<String>,
    pub last_login: Option<String>,
    pub source: Integration,
    /// Vendor-specific fields worth showing in a details pane.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "login",
    "email",
    "name",
    "first_name",
    "last_name",
    "status",
    "created",
    "last_login",
    "source",
];

/// Writes users as they arrive.
pub struct Exporter<W: Write> {
    format: ExportFormat,
    csv: Option<csv::Writer<W>>,
    raw: Option<W>,
    written: u64,
}

impl<W: Write> Exporter<W> {
    pub fn new(format: ExportFormat, out: W) -> std::io::Result<Self> {
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_HEADER).map_err(csv_io)?;
                Ok(Self {
                    format,
                    csv: Some(w),
                    raw: None,
                    written: 0,
                })
            }
            ExportFormat::Json => {
                let mut out = out;
                out.write_all(b"[")?;
                Ok(Self {
                    format,
                    csv: None,
                    raw: Some(out),
                    written: 0,
                })
            }
        }
    }

    pub fn write(&mut self, users: &[User]) -> std::io::Result<()> {
        if let Some(w) = &mut self.csv {
            for u in users {
                w.write_record([
                    u.id.as_str(),
                    &u.login,
                    &u.email,
                    &u.name,
                    &u.first_name,
                    &u.last_name,
                    u.status.as_str(),
                    u.created.as_deref().unwrap_or(""),
                    u.last_login.as_deref().unwrap_or(""),
                    u.source.id(),
                ])
                .map_err(csv_io)?;
            }
        } else if let Some(out) = &mut self.raw {
            for u in users {
                out.write_all(if self.written == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *out, u)?;
                self.written += 1;
            }
            return Ok(());
        }
        self.written += users.len() as u64;
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Closes the document and hands back the writer.
    pub fn finish(self) -> std::io::Result<W> {
        match self.format {
            ExportFormat::Csv => self
                .csv
                .ok_or_else(|| std::io::Error::other("exporter already finished"))?
                .into_inner()
                .map_err(|e| std::io::Error::new(e.error().kind(), e.to_string())),
            ExportFormat::Json => {
                let mut out = self
                    .raw
                    .ok_or_else(|| std::io::Error::other("exporter already finished"))?;
                out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// Keeps the I/O error's kind (a closed pipe must stay `BrokenPipe`).
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(i: u32) -> User {
        User {
            id: format!("id{i}"),
            login: format!("u{i}@x.test"),
            email: format!("u{i}@x.test"),
            name: format!("User, {i}"),
            first_name: "User".into(),
            last_name: i.to_string(),
            status: UserStatus::Active,
            created: None,
            last_login: Some("2026-01-01T00:00:00Z".into()),
            source: Integration::OneTrust,
            extra: BTreeMap::new(),
        }
    }

    #[test]
    fn csv_quotes_and_streams() {
        let mut e = Exporter::new(ExportFormat::Csv, Vec::new()).unwrap();
        e.write(&[user(1)]).unwrap();
        e.write(&[user(2)]).unwrap();
        assert_eq!(e.written(), 2);
        let out = String::from_utf8(e.finish().unwrap()).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("id,login,email"));
        assert!(lines[1].contains("\"User, 1\""), "{}", lines[1]);
    }

    #[test]
    fn json_is_one_array() {
        for n in [0u32, 1, 3] {
            let mut e = Exporter::new(ExportFormat::Json, Vec::new()).unwrap();
            for i in 0..n {
                e.write(&[user(i)]).unwrap();
            }
            let out = e.finish().unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v.as_array().unwrap().len(), n as usize);
        }
    }
}
