//! `profiles list | show | remove`.

use std::path::Path;

use time::OffsetDateTime;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::profile::Profile;
use ploy_core::session;
use ploy_core::setup;

use super::prompt::Prompter;
use crate::cli::ProfilesCommand;

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    cmd: ProfilesCommand,
    log_file: Option<&Path>,
) -> Result<u8, AppError> {
    match cmd {
        ProfilesCommand::List { json, verbose } => {
            let all = services.store.load()?;
            if json {
                let list: Vec<_> = all
                    .profiles
                    .iter()
                    .map(|(n, p)| profile_json(n, p))
                    .collect();
                outln!("{}", serde_json::Value::Array(list));
            } else if all.profiles.is_empty() {
                outln!("No profiles yet. Create one: ploy-connect setup onetrust");
            } else {
                outln!("{:<20} {:<9} {:<34} LAST TEST", "NAME", "SOURCE", "HOST");
                for (n, p) in &all.profiles {
                    outln!(
                        "{:<20} {:<9} {:<34} {}",
                        n,
                        p.integration.id(),
                        p.host,
                        last_test_text(p)
                    );
                }
            }
            if verbose {
                errln!("profiles file: {}", services.store.path().display());
                errln!(
                    "secrets: {} (service \"ploy-connect\")",
                    services.vault.describe()
                );
                match log_file {
                    Some(p) => errln!("log file: {}", p.display()),
                    None => errln!("log file: none"),
                }
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Show { name, json } => {
            let all = services.store.load()?;
            let p = all.get(&name)?;
            let key = session::secret_key(&name, p);
            let secret = match services.vault.get(&key).await {
                Ok(Some(_)) => "stored".to_string(),
                Ok(None) => format!("missing (ploy-connect rotate {name} stores it)"),
                Err(e) => format!("unknown: {e}"),
            };
            if json {
                let mut v = profile_json(&name, p);
                v["secret"] = secret.into();
                v["keyring_account"] = key.account().into();
                outln!("{v}");
            } else {
                outln!("name:        {name}");
                outln!("integration: {}", p.integration);
                outln!("host:        {}", p.host);
                outln!("client ID:   {}", p.client_id);
                outln!(
                    "secret:      {secret} ({}: {})",
                    services.vault.describe(),
                    key.account()
                );
                outln!("updated:     {}", rfc3339(p.updated));
                outln!("last test:   {}", last_test_text(p));
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Remove { name, yes } => {
            // Fail on an unknown name before asking anything.
            services.store.load()?.get(&name)?;
            if !yes && p.interactive() {
                let sure = p.confirm(
                    &format!("Remove profile \"{name}\" and delete its secret from the keyring?"),
                    false,
                )?;
                if !sure {
                    errln!("Nothing removed.");
                    return Ok(exit::OK);
                }
            }
            setup::remove(services, &name).await?;
            errln!("Removed profile \"{name}\" and its secret.");
            Ok(exit::OK)
        }
        ProfilesCommand::Prune { yes } => {
            let found = setup::orphans(services).await?;
            for a in &found.unmarked {
                errln!(
                    "  not touched: {a} (no config dir mark; it may belong to another config dir — remove it in your keyring app if it is yours)"
                );
            }
            if found.ours.is_empty() {
                errln!("No orphaned secrets from this config dir.");
                return Ok(exit::OK);
            }
            for a in &found.ours {
                errln!("  orphaned: {a}");
            }
            let n = found.ours.len();
            if !yes {
                if !p.interactive() {
                    return Err(AppError::Usage(format!(
                        "found {n} orphaned secret(s); without a terminal to confirm, add --yes to remove them"
                    )));
                }
                if !p.confirm(
                    &format!("Remove these {n} secret(s) from the keyring?"),
                    false,
                )? {
                    errln!("Nothing removed.");
                    return Ok(exit::OK);
                }
            }
            setup::prune(services, &found.ours).await?;
            errln!("Removed {n} orphaned secret(s).");
            Ok(exit::OK)
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn last_test_text(p: &Profile) -> String {
    match &p.last_test {
        None => "never".into(),
        Some(t) if t.ok => format!("passed {}", rfc3339(t.at)),
        Some(t) => format!(
            "failed {} ({})",
            rfc3339(t.at),
            t.code.as_deref().unwrap_or("?")
        ),
    }
}

fn profile_json(name: &str, p: &Profile) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "integration": p.integration.id(),
        "host": p.host,
        "client_id": p.client_id,
        "updated": rfc3339(p.updated),
        "last_test": p.last_test.as_ref().map(|t| serde_json::json!({
            "ok": t.ok,
            "at": rfc3339(t.at),
            "code": t.code,
            "users_seen": t.users_seen,
        })),
    })
}
