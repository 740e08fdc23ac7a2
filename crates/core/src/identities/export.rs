//! The identities export, one person at a time: JSON (one object a person, inside the
//! `schema_version` envelope, after the profiles read and what the view says about them) or CSV
//! (one row an account, with the person's flags). The same guards as the users export: CSV
//! cells a spreadsheet would run are defused, characters a terminal would obey are escaped.

use std::io::Write;

use serde::Serialize;

use super::{Flag, Identities, Person, Role};
use crate::users::{ExportFormat, ExportOptions, csv_cell, csv_io, json_safe};

const CSV_HEADER: [&str; 13] = [
    "email",
    "name",
    "person_flags",
    "person_unsure",
    "profile",
    "source",
    "id",
    "login",
    "status",
    "last_login",
    "entitlements",
    "flags",
    "unsure",
];

#[derive(Serialize)]
struct JsonAccount<'a> {
    profile: &'a str,
    source: &'static str,
    id: String,
    login: String,
    status: &'static str,
    last_login: Option<String>,
    entitlements: u32,
    flags: Vec<&'static str>,
    unsure: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonPerson<'a> {
    email: &'a str,
    name: &'a str,
    flags: Vec<&'static str>,
    unsure: Vec<&'static str>,
    accounts: Vec<JsonAccount<'a>>,
}

#[derive(Serialize)]
struct JsonProfile<'a> {
    name: &'a str,
    source: &'static str,
    role: &'static str,
    accounts: usize,
    complete: bool,
    failure: Option<&'a str>,
}

fn role_id(r: Role) -> &'static str {
    match r {
        Role::IdentityProvider => "identity_provider",
        Role::Application => "application",
    }
}

/// Writes the people of an `Identities`, streaming.
pub struct IdentityExporter<W: Write> {
    format: ExportFormat,
    options: ExportOptions,
    csv: Option<csv::Writer<W>>,
    raw: Option<W>,
    people: u64,
    accounts: u64,
    buf: Vec<u8>,
}

impl<W: Write> IdentityExporter<W> {
    /// Starts the document: the CSV header, or the JSON envelope with the profiles read and
    /// the notes about them.
    pub fn new(
        format: ExportFormat,
        out: W,
        ids: &Identities,
        guard_formulas: bool,
    ) -> std::io::Result<Self> {
        let options = ExportOptions {
            guard_formulas,
            ..ExportOptions::default()
        };
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_HEADER).map_err(csv_io)?;
                Ok(Self {
                    format,
                    options,
                    csv: Some(w),
                    raw: None,
                    people: 0,
                    accounts: 0,
                    buf: Vec::new(),
                })
            }
            ExportFormat::Json => {
                let mut out = out;
                let profiles: Vec<JsonProfile<'_>> = ids
                    .parts()
                    .iter()
                    .map(|p| JsonProfile {
                        name: &p.name,
                        source: p.integration.id(),
                        role: role_id(Role::of(p.integration)),
                        accounts: p.len(),
                        complete: p.state.users_complete
                            && p.state.entitlements_complete != Some(false),
                        failure: p.state.failure.as_ref().map(|f| f.code),
                    })
                    .collect();
                let head = format!(
                    "{{\"schema_version\": {}, \"dormant_days\": {}, \"profiles\": {}, \"notes\": {}, \"identities\": [",
                    crate::app::JSON_SCHEMA_VERSION,
                    ids.dormant_days,
                    serde_json::to_string(&profiles)?,
                    serde_json::to_string(&ids.notes())?,
                );
                out.write_all(json_safe(&head).as_bytes())?;
                Ok(Self {
                    format,
                    options,
                    csv: None,
                    raw: Some(out),
                    people: 0,
                    accounts: 0,
                    buf: Vec::new(),
                })
            }
        }
    }

    pub fn write(&mut self, person: &Person<'_>) -> std::io::Result<()> {
        let (email, name) = person.email_and_name(&mut self.buf);
        let o = self.options;
        if let Some(w) = &mut self.csv {
            let pf = person.flags.names().join(";");
            let pu = person.unsure.names().join(";");
            for a in person.accounts() {
                let last = a.last_login(&mut self.buf).unwrap_or_default();
                let n = a.entitlements().to_string();
                let (flags, unsure) = (a.flags().names().join(";"), a.unsure().names().join(";"));
                let t = a.text(&mut self.buf);
                let cells = [
                    csv_cell(&email, o),
                    csv_cell(&name, o),
                    csv_cell(&pf, o),
                    csv_cell(&pu, o),
                    csv_cell(a.profile(), o),
                    csv_cell(a.integration().id(), o),
                    csv_cell(t.id, o),
                    csv_cell(t.login, o),
                    csv_cell(a.status().as_str(), o),
                    csv_cell(&last, o),
                    csv_cell(&n, o),
                    csv_cell(&flags, o),
                    csv_cell(&unsure, o),
                ];
                w.write_record(cells.iter().map(|c| c.as_bytes()))
                    .map_err(csv_io)?;
                self.accounts += 1;
            }
        } else if let Some(out) = &mut self.raw {
            let mut list = Vec::with_capacity(person.account_count());
            for a in person.accounts() {
                let last_login = a.last_login(&mut self.buf);
                let t = a.text(&mut self.buf);
                let (id, login) = (t.id.to_string(), t.login.to_string());
                list.push(JsonAccount {
                    profile: a.profile(),
                    source: a.integration().id(),
                    id,
                    login,
                    status: a.status().as_str(),
                    last_login,
                    entitlements: a.entitlements(),
                    flags: a.flags().names(),
                    unsure: a.unsure().names(),
                });
            }
            let n = list.len() as u64;
            let doc = JsonPerson {
                email: &email,
                name: &name,
                flags: person.flags.names(),
                unsure: person.unsure.names(),
                accounts: list,
            };
            out.write_all(if self.people == 0 { b"\n  " } else { b",\n  " })?;
            let text = serde_json::to_string(&doc)?;
            out.write_all(json_safe(&text).as_bytes())?;
            self.accounts += n;
        }
        self.people += 1;
        Ok(())
    }

    /// Every person, in order.
    pub fn write_all(&mut self, ids: &Identities) -> std::io::Result<()> {
        for p in ids.people() {
            self.write(&p)?;
        }
        Ok(())
    }

    pub fn people(&self) -> u64 {
        self.people
    }

    pub fn accounts(&self) -> u64 {
        self.accounts
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
                out.write_all(if self.people == 0 { b"]}\n" } else { b"\n]}\n" })?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// The last line of an identities export, in both faces: people, accounts, profiles, the
/// count of each flag (and of those unsure), and what the view says about the profiles.
pub fn summary(ids: &Identities, target: &str) -> String {
    let t = crate::text::thousands;
    let counts = ids.counts();
    let flags: Vec<String> = Flag::ALL
        .iter()
        .map(|f| {
            let unsure = counts.unsure(*f);
            if unsure > 0 {
                format!("{} {} (+{} unsure)", t(counts.of(*f)), f.id(), t(unsure))
            } else {
                format!("{} {}", t(counts.of(*f)), f.id())
            }
        })
        .collect();
    let mut line = format!(
        "Wrote {} people ({} accounts from {} profiles) to {target}: {}.",
        t(ids.len() as u64),
        t(ids.accounts() as u64),
        ids.parts().len(),
        flags.join(", ")
    );
    let notes = ids.notes();
    if !notes.is_empty() {
        line.push_str(&format!(" Note: {}.", notes.join("; ")));
    }
    line
}
