//! The reference part of the documentation, defined once: exit codes, environment variables
//! and JSON documents. `--help` (after the options), the man page (EXIT STATUS, ENVIRONMENT,
//! JSON OUTPUT) and the README's tables are all written from these tables, and a test fails
//! when the README's copy differs, so the three cannot drift apart again.

use std::io::Write;

use ploy_core::app::{JSON_SCHEMA_VERSION, exit};

use crate::line::sources::{KEY_ENV, SECRET_ENV};

/// Every command (a global variable).
const ALL: &[&str] = &["*"];
/// The commands that talk to a tenant.
const NETWORK: &[&str] = &["setup", "rotate", "test", "users", "identities", "status"];

/// An environment variable ploy-connect reads.
pub struct EnvVar {
    pub name: &'static str,
    /// The commands that read it; `*` is every command.
    pub read_by: &'static [&'static str],
    pub what: &'static str,
}

pub const ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: "PLOY_CONNECT_CONFIG_DIR",
        read_by: ALL,
        what: "where profiles.toml lives, as --config-dir",
    },
    EnvVar {
        name: "PLOY_CONNECT_SECRET_STORE",
        read_by: ALL,
        what: "os or keyutils: where new secrets go, as --secret-store",
    },
    EnvVar {
        name: SECRET_ENV,
        read_by: &["setup", "rotate", "test", "users"],
        what: "OneTrust client secret: stored by setup and rotate, used for this run only by test and users",
    },
    EnvVar {
        name: KEY_ENV,
        read_by: &["setup", "rotate", "test", "users"],
        what: "Okta private key (PEM or JWK text): stored by setup and rotate, used for this run only by test and users",
    },
    EnvVar {
        name: "PLOY_CONNECT_PAGES_IN_FLIGHT",
        read_by: &["users", "identities"],
        what: "OneTrust pages fetched at once, 1 to 16 (default 6)",
    },
    EnvVar {
        name: "PLOY_CONNECT_LOG",
        read_by: ALL,
        what: "log detail (error, warn, info, debug, trace) or a tracing filter; the log is ploy-connect.log in the state dir",
    },
    EnvVar {
        name: "HTTPS_PROXY",
        read_by: NETWORK,
        what: "proxy for the tenant's https:// requests (also https_proxy, ALL_PROXY); when none is set, macOS and Windows use the system's proxy settings",
    },
    EnvVar {
        name: "NO_PROXY",
        read_by: NETWORK,
        what: "hosts reached directly: comma-separated names (each covers its subdomains), IP addresses or ranges, or *",
    },
    EnvVar {
        name: "SSL_CERT_FILE",
        read_by: NETWORK,
        what: "Linux: a PEM file of the CA certificates to trust instead of the system's (also SSL_CERT_DIR); macOS and Windows use the system's trust store",
    },
    EnvVar {
        name: "NO_COLOR",
        read_by: ALL,
        what: "set and not empty: the full-screen view without colour",
    },
    EnvVar {
        name: "TERM",
        read_by: ALL,
        what: "dumb: line mode, never the full-screen view",
    },
    EnvVar {
        name: "XDG_CONFIG_HOME",
        read_by: ALL,
        what: "Linux: the config dir's parent (default ~/.config); XDG_STATE_HOME: the state dir's (default ~/.local/state)",
    },
];

/// A signal's exit code; not an `exit` constant, since the code depends on the signal.
const SIGNALED: (&str, &str) = (
    "128+N",
    "stopped by signal N (130 for Ctrl-C, 143 for TERM); a file being exported is left as it was",
);

/// Every exit code with what it means, in order.
pub fn exit_codes() -> Vec<(String, &'static str)> {
    exit::MEANINGS
        .iter()
        .map(|(code, what)| (code.to_string(), *what))
        .chain(std::iter::once((SIGNALED.0.to_string(), SIGNALED.1)))
        .collect()
}

/// A JSON document ploy-connect prints or writes.
pub struct JsonDoc {
    /// How it is asked for.
    pub asked: &'static str,
    /// The commands that print it (for their `--help`).
    pub commands: &'static [&'static str],
    /// Its members, as an example with placeholders: valid JSON, so a test can hold the real
    /// output's members against it.
    pub shape: &'static str,
    /// What the example cannot say.
    pub note: &'static str,
}

/// One profile, in `profiles list --json` and (with more members) `profiles show --json`.
macro_rules! profile {
    () => {
        r#""name":"NAME","integration":"onetrust|okta","host":"HOST","client_id":"ID","updated":"RFC3339","secret_stored":"RFC3339","key_origin":"generated|pasted","secret_store":"os|keyutils","staged_key_id":"KID","dpop":true,"scopes":["SCOPE"],"key_id":"KID","secret_in_keyring":true,"last_test":{"ok":true,"at":"RFC3339","code":"CODE","users_seen":0}"#
    };
}

pub const JSON_DOCS: &[JsonDoc] = &[
    JsonDoc {
        asked: "test --json",
        commands: &["test", "setup", "rotate"],
        shape: r#"{"schema_version":1,"profile":"NAME","integration":"onetrust|okta","ok":true,"steps":[{"id":"input|dns|tls|token|scopes|users|privileges","status":"passed|failed|skipped","ms":0,"detail":"TEXT","diagnosis":{"code":"CODE","title":"TEXT","hint":"TEXT"}}],"users_seen":0,"users_total":0,"users_deactivated":0,"warnings":[{"code":"CODE","title":"TEXT","why":"TEXT","fix":"TEXT","detail":"TEXT"}],"notes":[{"code":"CODE","text":"TEXT"}]}"#,
        note: "also setup --json and rotate --json; diagnosis is null on a step that did not fail; users_total is the vendor's count of all users, null when it gives none (Okta); users_deactivated counts the first page (up to 200) of the users Okta's default list leaves out, null for OneTrust; warnings (a credential broader than the guides ask: fix says what to remove and where) and notes come from the privileges step, empty when it did not run; --strict exits 1 on any warning",
    },
    JsonDoc {
        asked: "status --json",
        commands: &["status"],
        shape: r#"{"schema_version":1,"ok":true,"secrets":"TEXT","profiles":[{"name":"NAME","integration":"onetrust|okta","host":"HOST","ok":true,"code":"CODE","title":"TEXT","users_seen":0,"users_total":0,"users_deactivated":0,"secret_stored":"RFC3339","secret_age_days":0,"secret_too_old":false,"staged_key_id":"KID","warnings":[{"code":"CODE","title":"TEXT","why":"TEXT","fix":"TEXT","detail":"TEXT"}]}]}"#,
        note: "code and title are null for a profile that passed; users_total, users_deactivated, secret_stored, secret_age_days and staged_key_id are null when unknown or none; warnings as in test --json (--strict exits 1 on any)",
    },
    JsonDoc {
        asked: "profiles list --json",
        commands: &["profiles list"],
        shape: concat!(r#"{"schema_version":1,"profiles":[{"#, profile!(), "}]}"),
        note: "secret_stored, key_origin (OneTrust), staged_key_id and last_test are null when unknown or none; dpop, scopes and key_id are null for OneTrust (key_id also for a PEM given no key ID); secret_in_keyring is null when the keyring could not be asked; last_test.code is null after a pass, users_seen after a failure",
    },
    JsonDoc {
        asked: "profiles show NAME --json",
        commands: &["profiles show"],
        shape: concat!(
            r#"{"schema_version":1,"#,
            profile!(),
            r#","secret":"stored|missing (…)|unknown: …","keyring_account":"TEXT"}"#
        ),
        note: "one profile as in profiles list, with whether its secret is in the keyring",
    },
    JsonDoc {
        asked: "users --format json",
        commands: &["users"],
        shape: r#"{"schema_version":1,"users":[{"id":"ID","login":"TEXT","email":"TEXT","name":"TEXT","first_name":"TEXT","last_name":"TEXT","status":"ACTIVE|INACTIVE|STAGED|PROVISIONED|RECOVERY|LOCKED_OUT|PASSWORD_EXPIRED|SUSPENDED|DEPROVISIONED|UNKNOWN","created":"RFC3339","last_login":"RFC3339","source":"onetrust|okta","extra":{"FIELD":"TEXT"},"entitlements":[{"kind":"group|app|role|access_level","id":"ID","name":"TEXT","via":"TEXT","organization":"TEXT"}]}]}"#,
        note: "also the TUI's JSON export; users are written one per line as pages arrive; created and last_login are null when the vendor has none, extra (the vendor's other fields) is left out when empty; entitlements is what the user holds (via: the group an app or role comes through, null when held directly; organization: a OneTrust access level's) and is left out with --no-entitlements",
    },
    JsonDoc {
        asked: "identities --format json",
        commands: &["identities"],
        shape: r#"{"schema_version":1,"dormant_days":90,"profiles":[{"name":"NAME","source":"onetrust|okta","role":"identity_provider|application","accounts":0,"complete":true,"failure":"CODE"}],"notes":["TEXT"],"identities":[{"email":"TEXT","name":"TEXT","flags":["dormant|leaver_with_access|never_logged_in|orphan"],"unsure":["FLAG"],"accounts":[{"profile":"NAME","source":"onetrust|okta","id":"ID","login":"TEXT","status":"ACTIVE|INACTIVE|…|DEPROVISIONED","last_login":"RFC3339","entitlements":0,"flags":["FLAG"],"unsure":["FLAG"]}]}]}"#,
        note: "one object a person, written one per line; email is the address the accounts were matched on (trimmed, compatibility and case folded); name and email come from the person's identity-provider account when there is one; a person's flags are the union of their accounts'; unsure lists flags that could not be judged because a profile was not read whole (never also in flags); failure is the diagnosis code of a profile that could not be read, null otherwise; notes say what was not read; last_login is null when the account never logged in. CSV: one row an account (email, name, person_flags, person_unsure, profile, source, id, login, status, last_login, entitlements, flags, unsure), flags joined with ;",
    },
];

/// Does `cmd` (a command path such as "profiles list") read `var`?
fn reads(var: &EnvVar, cmd: &str) -> bool {
    var.read_by.iter().any(|c| *c == "*" || *c == cmd)
}

fn env_for(cmd: Option<&str>) -> impl Iterator<Item = &'static EnvVar> {
    ENVIRONMENT
        .iter()
        .filter(move |v| cmd.is_none_or(|c| reads(v, c)))
}

/// The reference text `--help` shows after the options: for the whole program (`None`) its
/// exit codes and every variable; for a command, the variables it reads and its JSON.
pub fn help_text(cmd: Option<&str>) -> String {
    let mut s = String::new();
    if cmd.is_none() {
        s.push_str("Exit status:\n");
        for (code, what) in exit_codes() {
            s.push_str(&format!("  {code:<6} {what}\n"));
        }
        s.push('\n');
    }
    let vars: Vec<_> = env_for(cmd).collect();
    if !vars.is_empty() {
        // Each description under its name, as clap's own long help does: clap wraps this
        // text to the terminal and keeps a line's indent, not a column.
        s.push_str("Environment:\n");
        for v in vars {
            s.push_str(&format!("  {}\n      {}\n", v.name, v.what));
        }
    }
    if let Some(c) = cmd {
        for d in JSON_DOCS.iter().filter(|d| d.commands.contains(&c)) {
            s.push_str(&format!(
                "\nJSON ({}, schema_version {JSON_SCHEMA_VERSION}):\n  {}\n  {}\n",
                d.asked, d.shape, d.note
            ));
        }
    }
    s.trim_end().to_string()
}

/// The README's tables, each between `<!-- docs:NAME -->` and `<!-- /docs:NAME -->`.
pub fn readme_blocks() -> [(&'static str, String); 5] {
    let cell = |t: &str| t.replace('|', "\\|");
    let mut exits = String::from("| code | meaning |\n|---|---|\n");
    for (code, what) in exit_codes() {
        exits.push_str(&format!("| `{code}` | {} |\n", cell(what)));
    }
    let mut env = String::from("| variable | read by | meaning |\n|---|---|---|\n");
    for v in ENVIRONMENT {
        let by = if v.read_by == ALL {
            "every command".to_string()
        } else {
            v.read_by
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        env.push_str(&format!("| `{}` | {by} | {} |\n", v.name, cell(v.what)));
    }
    let mut json = format!(
        "Every document carries `\"schema_version\": {JSON_SCHEMA_VERSION}`, raised only when a \
         change would mislead a script written for the old one (new members may appear).\n\n\
         | command | document |\n|---|---|\n"
    );
    for d in JSON_DOCS {
        json.push_str(&format!(
            "| `{}` | `{}`<br>{} |\n",
            d.asked,
            cell(d.shape),
            cell(d.note)
        ));
    }
    // Every diagnosis the catalogue has, and every warning: a code added to hints.toml must
    // reach the README too.
    let mut failures = String::from("| code | what it means | exit |\n|---|---|---|\n");
    for code in ploy_core::diagnose::catalogue() {
        failures.push_str(&format!(
            "| `{code}` | {} | {} |\n",
            cell(ploy_core::diagnose::title(code)),
            exit::of_failure(Some(code))
        ));
    }
    let mut warnings = String::from("| code | what it means | what to do |\n|---|---|---|\n");
    for code in ploy_core::diagnose::warnings() {
        if let Some(w) = ploy_core::diagnose::warning(code) {
            warnings.push_str(&format!(
                "| `{code}` | {} | {} |\n",
                cell(&w.title),
                cell(&w.fix)
            ));
        }
    }
    [
        ("exit-codes", exits),
        ("environment", env),
        ("json", json),
        ("failures", failures),
        ("warnings", warnings),
    ]
}

/// The manual page of `cmd` (the program, or one of its commands at `path`, e.g. "test"):
/// clap_mangen's sections, with the reference text `--help` shows after the options turned
/// into EXIT STATUS, ENVIRONMENT and JSON OUTPUT sections of their own.
pub fn render_man(
    cmd: clap::Command,
    path: Option<&str>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    use clap_mangen::roff::{Roff, bold, roman};
    let reference = help_text(path);
    // What --help says after the options besides the reference: kept as the EXTRA section.
    let rest = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .map(|h| h.replace(&reference, "").trim().to_string())
        .filter(|h| !h.is_empty());
    let cmd = match rest {
        Some(text) => cmd.after_help(text),
        None => cmd.after_help(clap::builder::Resettable::Reset),
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .date(crate::cli::BUILD_DATE)
        .source(concat!("ploy-connect ", env!("CARGO_PKG_VERSION")))
        .render(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let mut roff = Roff::default();
    if path.is_none() {
        roff.control("SH", ["EXIT STATUS"]);
        for (code, what) in exit_codes() {
            roff.control("TP", [])
                .text([bold(code)])
                .text([roman(what)]);
        }
    }
    let vars: Vec<_> = env_for(path).collect();
    if !vars.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        for v in vars {
            roff.control("TP", [])
                .text([bold(v.name)])
                .text([roman(v.what)]);
        }
    }
    let docs: Vec<_> = JSON_DOCS
        .iter()
        .filter(|d| path.is_none_or(|p| d.commands.contains(&p)))
        .collect();
    if !docs.is_empty() {
        roff.control("SH", ["JSON OUTPUT"]);
        roff.text([roman(format!(
            "Every document carries \"schema_version\": {JSON_SCHEMA_VERSION}, raised only when a change would mislead a script written for the old one."
        ))]);
        for d in docs {
            roff.control("TP", [])
                .text([bold(d.asked)])
                .text([roman(d.shape)])
                .control("br", [])
                .text([roman(d.note)]);
        }
    }
    // Before VERSION, the last of clap_mangen's sections.
    let at = page.find("\n.SH VERSION\n").map_or(page.len(), |i| i + 1);
    w.write_all(page[..at].as_bytes())?;
    w.write_all(roff.to_roff().as_bytes())?;
    w.write_all(page[at..].as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A README block as the file has it.
    fn block<'a>(readme: &'a str, name: &str) -> Option<&'a str> {
        let start = format!("<!-- docs:{name} -->\n");
        let end = format!("<!-- /docs:{name} -->");
        let from = readme.find(&start)? + start.len();
        let to = from + readme[from..].find(&end)?;
        Some(&readme[from..to])
    }

    #[test]
    fn the_readme_tables_are_the_generated_ones() {
        let readme = include_str!("../README.md");
        for (name, want) in readme_blocks() {
            let got = block(readme, name);
            assert_eq!(
                got,
                Some(want.as_str()),
                "README.md's {name} block differs from src/docs.rs; put this between \
                 <!-- docs:{name} --> and <!-- /docs:{name} -->:\n{want}"
            );
        }
    }

    #[test]
    fn every_json_shape_is_json_with_the_schema_version() {
        for d in JSON_DOCS {
            let v: serde_json::Value =
                serde_json::from_str(d.shape).unwrap_or_else(|e| panic!("{}: {e}", d.asked));
            assert_eq!(v["schema_version"], JSON_SCHEMA_VERSION, "{}", d.asked);
        }
    }

    #[test]
    fn every_exit_code_is_documented_once() {
        let codes: Vec<_> = exit_codes().into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, ["0", "1", "2", "3", "4", "128+N"]);
    }
}
