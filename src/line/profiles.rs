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
                println!("{}", serde_json::Value::Array(list));
            } else if all.profiles.is_empty() {
                println!("No profiles yet. Create one: ploy-connect setup onetrust");
            } else {
                println!("{:<20} {:<9} {:<34} LAST TEST", "NAME", "SOURCE", "HOST");
                for (n, p) in &all.profiles {
                    println!(
                        "{:<20} {:<9} {:<34} {}",
                        n,
                        p.integration.id(),
                        p.host,
                        last_test_text(p)
                    );
                }
            }
            if verbose {
                eprintln!("profiles file: {}", services.store.path().display());
                eprintln!(
                    "secrets: {} (service \"ploy-connect\")",
                    services.vault.describe()
                );
                match log_file {
                    Some(p) => eprintln!("log file: {}", p.display()),
                    None => eprintln!("log file: none"),
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
                println!("{v}");
            } else {
                println!("name:        {name}");
                println!("integration: {}", p.integration);
                println!("host:        {}", p.host);
                println!("client ID:   {}", p.client_id);
                println!(
                    "secret:      {secret} ({}: {})",
                    services.vault.describe(),
                    key.account()
                );
                println!("updated:     {}", rfc3339(p.updated));
                println!("last test:   {}", last_test_text(p));
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
                    eprintln!("Nothing removed.");
                    return Ok(exit::OK);
                }
            }
            setup::remove(services, &name).await?;
            eprintln!("Removed profile \"{name}\" and its secret.");
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
