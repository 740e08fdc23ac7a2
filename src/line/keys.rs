//! Okta keys made here, in line mode: the public key printed as JSON on standard output (so it
//! pipes), what to do with it on standard error, and `keys show`.

use std::path::Path;

use ploy_core::app::{AppError, Services, exit};
use ploy_core::diagnose;
use ploy_core::files;
use ploy_core::setup;

use crate::cli::KeysCommand;

/// Prints a public JWK made here with the Okta steps, and writes it to `out` if asked.
pub fn announce(jwk: &serde_json::Value, out: Option<&Path>) -> Result<(), AppError> {
    errln!("{}", diagnose::note("okta.key_kept_here"));
    errln!(
        "The public key to add to the Okta app (key ID {}):",
        kid(jwk)
    );
    super::out::json_pretty(jwk);
    if let Some(path) = out {
        let written = setup::write_public_key(path, jwk)
            .map_err(AppError::io(format!("cannot write {}", path.display())))?;
        errln!("Wrote the public key to {}.", written.display());
    }
    errln!("{}", diagnose::note("okta.add_key_steps"));
    Ok(())
}

fn kid(jwk: &serde_json::Value) -> &str {
    jwk.get("kid").and_then(|k| k.as_str()).unwrap_or("?")
}

/// Refuses a `--public-key-out` that could not be written, before anything is made or saved:
/// a link, a directory or a device there, or a folder that does not exist.
pub fn check_public_out(out: Option<&Path>) -> Result<(), AppError> {
    let Some(path) = out else {
        return Ok(());
    };
    let usage = |e: std::io::Error| AppError::Usage(format!("--public-key-out: {e}"));
    files::check_target(path).map_err(usage)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(AppError::Usage(format!(
            "--public-key-out: {} is not a folder that exists; nothing was made or saved",
            files::absolute(dir).display()
        )));
    }
    Ok(())
}

pub async fn run(services: &Services, cmd: KeysCommand) -> Result<u8, AppError> {
    match cmd {
        KeysCommand::Show {
            name,
            staged,
            current,
        } => {
            let keys = setup::public_keys(services, &name).await?;
            let missing = |which: &str| {
                AppError::Usage(format!(
                    "\"{name}\" has no {which} key (stage one with {})",
                    ploy_core::suggest::command(&["rotate", &name, "--generate-key"])
                ))
            };
            let value = if staged {
                keys.staged.ok_or_else(|| missing("staged"))?
            } else if current {
                keys.current.ok_or_else(|| missing("current"))?
            } else {
                serde_json::json!({ "current": keys.current, "staged": keys.staged })
            };
            super::out::json_pretty(&value);
            Ok(exit::OK)
        }
    }
}
