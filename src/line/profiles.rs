//! `profiles list | show | remove`.

use std::path::Path;

use time::OffsetDateTime;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::profile::Profile;
use ploy_core::session;
use ploy_core::setup;
use ploy_core::text;

use super::print;
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
                outln!("{}", print::NO_PROFILES);
            } else {
                let now = OffsetDateTime::now_utc();
                let rows: Vec<[String; 4]> = all
                    .profiles
                    .iter()
                    .map(|(n, p)| {
                        [
                            n.clone(),
                            p.integration.display_name().to_string(),
                            p.host.clone(),
                            p.last_test_summary(n, now),
                        ]
                    })
                    .collect();
                print::table(["NAME", "SOURCE", "HOST", "LAST TEST"], &rows);
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
                let now = OffsetDateTime::now_utc();
                outln!("updated:     {}", text::rfc3339(p.updated));
                if let Some(at) = p.secret_stored {
                    outln!(
                        "secret set:  {} ({})",
                        text::rfc3339(at),
                        text::ago(now, at)
                    );
                }
                outln!("last test:   {}", p.last_test_summary(&name, now));
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Remove { name, yes } => {
            // Fail on an unknown name before asking anything.
            services.store.load()?.get(&name)?;
            if !yes && !p.interactive() {
                return Err(AppError::Usage(format!(
                    "removing \"{name}\" needs a confirmation; without a terminal to ask on, add --yes"
                )));
            }
            if !yes {
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

fn profile_json(name: &str, p: &Profile) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "integration": p.integration.id(),
        "host": p.host,
        "client_id": p.client_id,
        "updated": text::rfc3339(p.updated),
        "secret_stored": p.secret_stored.map(text::rfc3339),
        "last_test": p.last_test.as_ref().map(|t| serde_json::json!({
            "ok": t.ok,
            "at": text::rfc3339(t.at),
            "code": t.code,
            "users_seen": t.users_seen,
        })),
    })
}
