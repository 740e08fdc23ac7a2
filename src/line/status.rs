//! `status`: every profile tested live, concurrently, one line each — what `gh auth status`
//! is to GitHub — and where the secrets are kept.

use std::io::IsTerminal;

use time::OffsetDateTime;

use ploy_core::age::MaxAge;
use ploy_core::app::{AppError, Services, exit};
use ploy_core::check::{self, Ran};
use ploy_core::text;

use super::print;
use crate::cli::StatusArgs;

pub async fn run(services: &Services, args: &StatusArgs) -> Result<u8, AppError> {
    let (only, json, age) = (&args.profiles, args.json, &args.age);
    let all = services.store.load()?;
    let max = super::profiles::max_age(age, &all)?;
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
        outln!("{}", print::no_profiles());
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
                rows.push(row(name, ran, max, now));
                docs.push(doc(name, ran, max, now));
                reports.push(&ran.report);
            }
            // Removed while the others ran: not a pass.
            Err(e) => {
                errln!("{name}: {e}");
                vanished = true;
            }
        }
    }
    let code = match check::overall_exit_strict(reports.iter().copied(), args.strict) {
        exit::OK if vanished => exit::TEST_FAILED,
        code => code,
    };
    if json {
        super::out::json(&serde_json::json!({
            "schema_version": ploy_core::app::JSON_SCHEMA_VERSION,
            "ok": code == exit::OK,
            "secrets": services.kept_in_all(&names),
            "profiles": docs,
        }));
    } else {
        print::table(
            ["", "NAME", "SOURCE", "HOST", "RESULT", "SECRET"],
            &rows,
            [false, false, false, true, true, true],
        );
        outln!("");
        outln!(
            "Secrets: {}, service \"ploy-connect\".",
            services.kept_in_all(&names)
        );
        // The command for each failure, with its real name: `test` shows its steps and fix.
        let failed: Vec<&String> = results
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|ran| !ran.report.ok))
            .map(|(n, _)| n)
            .collect();
        for name in failed {
            outln!(
                "For the steps and the fix: {}",
                ploy_core::suggest::command(&["test", name])
            );
        }
        // A pass with warnings: where they are said in full, with what to remove.
        let warned = results.iter().filter(|(_, r)| {
            r.as_ref()
                .is_ok_and(|ran| ran.report.ok && !ran.report.privileges.warnings.is_empty())
        });
        for (name, _) in warned {
            outln!(
                "For the warnings and what to remove: {}",
                ploy_core::suggest::command(&["test", name])
            );
        }
    }
    Ok(code)
}

fn row(name: &str, ran: &Ran, max: MaxAge, now: OffsetDateTime) -> [String; 6] {
    let r = &ran.report;
    let (mark, result) = match r.failure().and_then(|s| s.diagnosis.as_ref()) {
        None if r.ok && !r.privileges.warnings.is_empty() => (
            "!",
            format!("{} · {}", r.users_summary(), r.privileges.count()),
        ),
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
        super::profiles::secret_column(&ran.profile, max, now),
    ]
}

fn doc(name: &str, ran: &Ran, max: MaxAge, now: OffsetDateTime) -> serde_json::Value {
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
        "users_deactivated": r.users_deactivated.map(|d| d.seen),
        "secret_stored": ran.profile.secret_stored.map(text::rfc3339),
        "secret_age_days": ran.profile.secret_stored.map(|t| (now - t).whole_days()),
        "secret_too_old": ran.profile.secret_stored.is_some_and(|t| max.exceeded(t, now)),
        "staged_key_id": ran.profile.staged().map(|s| s.key_id.clone()),
        "warnings": r.privileges.to_json().0,
    })
}
