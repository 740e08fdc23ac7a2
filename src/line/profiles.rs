//! `profiles list | show | remove`.

use std::path::Path;

use time::OffsetDateTime;

use ploy_core::age::MaxAge;
use ploy_core::app::{AppError, Services, exit};
use ploy_core::profile::{KeyOrigin, Profile, Profiles};
use ploy_core::secret::unseal;
use ploy_core::session;
use ploy_core::setup;
use ploy_core::text;
use secrecy::SecretString;

use super::print;
use super::prompt::Prompter;
use crate::cli::{MaxAgeArg, ProfilesCommand};

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    cmd: ProfilesCommand,
    log_file: Option<&Path>,
) -> Result<u8, AppError> {
    match cmd {
        ProfilesCommand::List { json, verbose, age } => {
            let all = services.store.load()?;
            let max = max_age(&age, &all)?;
            // What the keyring holds, asked once per profile (None: it could not be asked).
            let mut kept = Vec::new();
            for (n, p) in &all.profiles {
                let raw = services
                    .vault
                    .get_raw(&session::secret_key(n, p))
                    .await
                    .ok();
                let value = raw.as_ref().map(|r| r.as_ref().map(|v| unseal(v).1));
                kept.push(value);
            }
            if json {
                let list: Vec<_> = all
                    .profiles
                    .iter()
                    .zip(&kept)
                    .map(|((n, p), k)| profile_json(n, p, k.as_ref()))
                    .collect();
                super::out::json(&serde_json::json!({
                    "schema_version": ploy_core::app::JSON_SCHEMA_VERSION,
                    "profiles": list,
                }));
            } else if all.profiles.is_empty() {
                outln!("{}", print::no_profiles());
            } else {
                let now = OffsetDateTime::now_utc();
                let rows: Vec<[String; 5]> = all
                    .profiles
                    .iter()
                    .zip(&kept)
                    .map(|((n, p), k)| {
                        let secret = match k {
                            // Its age would read as if it were there.
                            Some(None) => MISSING.to_string(),
                            _ => secret_column(p, max, now),
                        };
                        [
                            n.clone(),
                            p.integration.display_name().to_string(),
                            p.host.clone(),
                            p.last_test_summary(n, now),
                            secret,
                        ]
                    })
                    .collect();
                print::table(
                    ["NAME", "SOURCE", "HOST", "LAST TEST", "SECRET"],
                    &rows,
                    [false, false, true, true, true],
                );
                for ((n, _), k) in all.profiles.iter().zip(&kept) {
                    if matches!(k, Some(None)) {
                        errln!(
                            "The secret of \"{n}\" is not in the keyring; store it: {}",
                            ploy_core::suggest::command(&["rotate", n])
                        );
                    }
                }
            }
            if verbose {
                errln!("profiles file: {}", services.store.path().display());
                errln!(
                    "secrets: {} (service \"ploy-connect\")",
                    services.kept_in_all(&all.profiles.keys().cloned().collect::<Vec<_>>())
                );
                match log_file {
                    Some(p) => errln!("log file: {}", p.display()),
                    None => errln!("log file: none"),
                }
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Show { name, json, age } => {
            let all = services.store.load()?;
            let max = max_age(&age, &all)?;
            let p = all.get(&name)?;
            let key = session::secret_key(&name, p);
            let stored = services.vault.get(&key).await;
            let key_id = setup::key_id_of(p, stored.as_ref().ok().and_then(Option::as_ref));
            let present = stored.as_ref().ok().map(Option::is_some);
            let secret = match stored {
                Ok(Some(_)) => "stored".to_string(),
                Ok(None) => format!(
                    "missing ({} stores it)",
                    ploy_core::suggest::command(&["rotate", &name])
                ),
                Err(e) => format!("unknown: {e}"),
            };
            if json {
                let mut v = profile_json(&name, p, None);
                v["secret_in_keyring"] = present.into();
                v["key_id"] = key_id.clone().into();
                v["schema_version"] = ploy_core::app::JSON_SCHEMA_VERSION.into();
                v["secret"] = secret.into();
                v["keyring_account"] = key.account().into();
                super::out::json(&v);
            } else {
                outln!("name:        {name}");
                outln!("integration: {}", p.integration);
                outln!("host:        {}", p.host);
                outln!("client ID:   {}", p.client_id);
                outln!(
                    "secret:      {secret} ({}: {})",
                    services.vault.describe_key(&key),
                    key.account()
                );
                let now = OffsetDateTime::now_utc();
                outln!("updated:     {}", text::rfc3339(p.updated));
                if let Some(at) = p.secret_stored {
                    outln!("secret set:  {}", text::rfc3339(at));
                }
                let (age_text, old) = max.describe(p.secret_stored, now);
                outln!("secret age:  {age_text}");
                if old {
                    errln!(
                        "warning: the {} of \"{name}\" is older than {max}: rotate it ({})",
                        super::setup::secret_word(p.integration),
                        ploy_core::suggest::command(&["rotate", &name])
                    );
                }
                if let Some(o) = &p.okta {
                    outln!(
                        "key:         {}",
                        match o.key_origin {
                            KeyOrigin::Generated => "made here",
                            KeyOrigin::Pasted => "copied from Okta",
                        }
                    );
                    outln!(
                        "key ID:      {}",
                        key_id.as_deref().unwrap_or(
                            "none (a PEM without --key-id: Okta must hold only this key)"
                        )
                    );
                    outln!(
                        "DPoP:        {}",
                        if o.dpop {
                            "on (tokens are DPoP-bound)"
                        } else {
                            "off"
                        }
                    );
                    outln!("scopes:      {}", o.scopes.join(" "));
                    if let Some(st) = &o.staged {
                        outln!(
                            "staged key:  {} made {}, kid {} — add it in Okta, then: {}",
                            st.key_type.words(),
                            text::ago(now, st.created),
                            st.key_id,
                            ploy_core::suggest::command(&["rotate", &name, "--promote"])
                        );
                    }
                }
                outln!("last test:   {}", p.last_test_summary(&name, now));
            }
            Ok(exit::OK)
        }
        ProfilesCommand::Set(a) => {
            let change = setup::Change {
                host: a.host,
                dpop: match (a.dpop, a.no_dpop) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                scopes: a.scopes,
            };
            let v = setup::change(services, &a.name, &change).await?;
            print::notes(v.notes.iter().map(|(_, n)| n));
            errln!(
                "Changed \"{}\"; its secret stays. Test it: {}",
                a.name,
                ploy_core::suggest::command(&["test", &a.name])
            );
            Ok(exit::OK)
        }
        ProfilesCommand::Rename { old, new } => {
            setup::rename(services, &old, &new).await?;
            errln!(
                "Renamed \"{old}\" to \"{new}\"; its secret moved with it ({}).",
                services.kept_in(&new)
            );
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
                let sure = p.confirm(&setup::remove_question(&name), false)?;
                if !sure {
                    errln!("Nothing removed.");
                    return Ok(exit::OK);
                }
            }
            setup::remove(services, &name).await?;
            errln!("{}", setup::removed_message(&name));
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

/// The age limit: the flag, else the config file's, else 90 days. A bad value in the file is
/// said, not fatal: it must not stop `status` from testing anything.
pub fn max_age(arg: &MaxAgeArg, all: &Profiles) -> Result<MaxAge, AppError> {
    match arg.max_age {
        Some(m) => Ok(m),
        None => Ok(all.max_age().unwrap_or_else(|e| {
            errln!("warning: {e}; using {}", MaxAge::default());
            MaxAge::default()
        })),
    }
}

/// The SECRET column of a profile whose secret is not in its keyring.
const MISSING: &str = "! missing from the keyring";

/// "set 12 days ago", flagged when older than `max`.
pub fn secret_column(p: &Profile, max: MaxAge, now: OffsetDateTime) -> String {
    let age = max.secret_age(p.secret_stored, p.staged().is_some(), now);
    if age.old {
        format!("! {}", age.text)
    } else {
        age.text
    }
}

/// A profile as `--json` gives it; `kept` is its secret as the keyring gave it (`None`: the
/// keyring could not be asked; `Some(None)`: it holds none).
fn profile_json(name: &str, p: &Profile, kept: Option<&Option<SecretString>>) -> serde_json::Value {
    let okta = p.okta.as_ref();
    serde_json::json!({
        "dpop": okta.map(|o| o.dpop),
        "scopes": okta.map(|o| o.scopes.clone()),
        "key_id": setup::key_id_of(p, kept.and_then(Option::as_ref)),
        "secret_in_keyring": kept.map(Option::is_some),
        "name": name,
        "integration": p.integration.id(),
        "host": p.host,
        "client_id": p.client_id,
        "updated": text::rfc3339(p.updated),
        "secret_stored": p.secret_stored.map(text::rfc3339),
        "key_origin": p.okta.as_ref().map(|o| o.key_origin),
        "secret_store": p.secret_store.unwrap_or_default().id(),
        "staged_key_id": p.staged().map(|s| s.key_id.clone()),
        "last_test": p.last_test.as_ref().map(|t| serde_json::json!({
            "ok": t.ok,
            "at": text::rfc3339(t.at),
            "code": t.code,
            "users_seen": t.users_seen,
        })),
    })
}
