//! `status`: every profile tested live, concurrently, one line each — what `gh auth status`
//! is to GitHub — and where the secrets are kept.

use std::io::IsTerminal;

use time::OffsetDateTime;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::check::{self, Ran};
use ploy_core::text;

use super::print;

pub async fn run(services: &Services, only: &[String], json: bool) -> Result<u8, AppError> {
    let all = services.store.load()?;
    for name in only {
        all.get(name)?;
    }
    let mut names: Vec<String> = if only.is_empty() {
        all.profiles.keys().cloned().collect()
    } else {
        only.to_vec()
    };
    // `status a a` tests a once, in the order first named.
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if names.is_empty() && !json {
        outln!("{}", print::NO_PROFILES);
        return Ok(exit::OK);
    }
    if !json && std::io::stderr().is_terminal() {
        errln!("Testing {} profile(s)…", names.len());
    }
    let results = check::run_all(services, &names).await;
    let now = OffsetDateTime::now_utc();
    let mut reports = Vec::new();
    let mut rows = Vec::new();
    let mut docs = Vec::new();
    let mut vanished = false;
    for (name, result) in &results {
        match result {
            Ok(ran) => {
                rows.push(row(name, ran, now));
                docs.push(doc(name, ran, now));
                reports.push(&ran.report);
            }
            // Removed while the others ran: not a pass.
            Err(e) => {
                errln!("{name}: {e}");
                vanished = true;
            }
        }
    }
    let code = match check::overall_exit(reports.iter().copied()) {
        exit::OK if vanished => exit::TEST_FAILED,
        code => code,
    };
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "ok": code == exit::OK,
                "secrets": services.vault.describe(),
                "profiles": docs,
            })
        );
    } else {
        print::table(["", "NAME", "SOURCE", "HOST", "RESULT", "SECRET"], &rows);
        outln!("");
        outln!(
            "Secrets: {}, service \"ploy-connect\".",
            services.vault.describe()
        );
        if code != exit::OK {
            outln!("For the steps and the fix of a failure: ploy-connect test NAME");
        }
    }
    Ok(code)
}

fn secret_age(ran: &Ran, now: OffsetDateTime) -> String {
    ran.profile.secret_stored.map_or_else(
        || "age unknown".to_string(),
        |at| format!("set {}", text::ago(now, at)),
    )
}

fn row(name: &str, ran: &Ran, now: OffsetDateTime) -> [String; 6] {
    let r = &ran.report;
    let (mark, result) = match r.failure().and_then(|s| s.diagnosis.as_ref()) {
        None if r.ok => ("✓", r.users_summary()),
        Some(d) => ("✗", d.title.clone()),
        None => ("✗", "failed".to_string()),
    };
    [
        mark.to_string(),
        name.to_string(),
        ran.profile.integration.display_name().to_string(),
        ran.profile.host.clone(),
        result,
        secret_age(ran, now),
    ]
}

fn doc(name: &str, ran: &Ran, now: OffsetDateTime) -> serde_json::Value {
    let r = &ran.report;
    let diagnosis = r.failure().and_then(|s| s.diagnosis.as_ref());
    serde_json::json!({
        "name": name,
        "integration": ran.profile.integration.id(),
        "host": ran.profile.host,
        "ok": r.ok,
        "code": diagnosis.map(|d| d.code.clone()),
        "title": diagnosis.map(|d| d.title.clone()),
        "users_seen": r.users_seen,
        "users_total": r.users_total,
        "secret_stored": ran.profile.secret_stored.map(text::rfc3339),
        "secret_age_days": ran.profile.secret_stored.map(|t| (now - t).whole_days()),
    })
}
