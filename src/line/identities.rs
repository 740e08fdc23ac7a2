//! `identities [PROFILE…]`: every profile read at once (each with its own progress line, as
//! `users` shows one), joined person by person in the core, flagged, and written as CSV or
//! JSON; a file is replaced only when complete. A profile that cannot be read is diagnosed and
//! the others are still joined, the flags that depend on it marked unsure; the exit code then
//! says it failed. `--fail-on` makes flagged people exit 1 for a scheduled check.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use time::OffsetDateTime;

use ploy_core::app::{AppError, Diagnosed, Services, exit};
use ploy_core::files::{self, PendingFile, Replace};
use ploy_core::http::{HttpNotice, Notify};
use ploy_core::identities::{self, Flags, IdentityExporter, Part, ReadError, ReadProgress, Rules};
use ploy_core::session::{self, SecretSource};
use ploy_core::users::{self, ExportFormat};

use super::progress::Progress;
use crate::cli::IdentitiesArgs;
use crate::signals::Shutdown;

/// One profile read: its part (whatever was read) and, when it stopped short, why.
struct Read {
    part: Part,
    failed: Option<AppError>,
}

pub async fn run(
    services: &Services,
    args: IdentitiesArgs,
    shutdown: Shutdown,
) -> Result<u8, AppError> {
    let target =
        users::target::export_target(args.output.as_deref(), args.format.map(ExportFormat::from))
            .map_err(|e| AppError::Usage(e.to_string()))?;
    let all = services.store.load()?;
    for name in &args.profiles {
        all.get(name)?;
    }
    let mut names: Vec<String> = if args.profiles.is_empty() {
        all.profiles.keys().cloned().collect()
    } else {
        args.profiles.clone()
    };
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if names.is_empty() {
        return Err(AppError::Usage(super::print::no_profiles()));
    }
    let fail_on = Flags::of(&args.fail_on);
    let output = target.path.as_ref();
    // Bars on the terminal the people are written to would tear their lines.
    let shown = io::stderr().is_terminal() && (output.is_some() || !io::stdout().is_terminal());
    let multi = indicatif::MultiProgress::new();
    let _listening = shutdown.listen();
    let mut stop = shutdown.clone();
    let reads = futures_util::future::join_all(
        names
            .iter()
            .map(|name| read_one(services, &all, name, Progress::new_in(&multi, shown, name))),
    );
    let reads = tokio::select! {
        r = reads => r,
        _ = stop.recv() => {
            let signal = shutdown.requested();
            let by = signal.map_or("a signal", |s| s.name);
            match output {
                Some(path) => errln!("Stopped by {by}; {} was not changed.", path.display()),
                None => errln!("Stopped by {by}."),
            }
            return Err(AppError::Reported(signal.map_or(exit::TEST_FAILED, |s| s.exit_code())));
        }
    };
    let _ = multi.clear();
    let mut parts = Vec::with_capacity(reads.len());
    let mut worst: Option<AppError> = None;
    for r in reads {
        let r = r?;
        if let Some(e) = r.failed {
            super::print::error(&e);
            // The first failure's exit code stands for the run.
            worst.get_or_insert(e);
        }
        parts.push(r.part);
    }
    let rules = Rules::new(OffsetDateTime::now_utc(), args.dormant_days);
    let ids = tokio::task::spawn_blocking(move || identities::join(parts, rules))
        .await
        .map_err(|e| AppError::Internal(format!("the join stopped: {e}")))?;

    let cannot =
        |path: &std::path::Path| format!("cannot write {}", files::absolute(path).display());
    let (sink, pending): (Box<dyn Write + Send>, Option<PendingFile>) = match output {
        None => (Box::new(io::BufWriter::new(io::stdout())), None),
        Some(path) => {
            let pending =
                PendingFile::create(path, Replace::Allow).map_err(AppError::io(cannot(path)))?;
            let file = pending.writer().map_err(AppError::io(cannot(path)))?;
            (Box::new(io::BufWriter::new(file)), Some(pending))
        }
    };
    let format = target.format;
    let guard = !args.keep_formulas;
    let written = tokio::task::spawn_blocking(move || {
        let mut out = IdentityExporter::new(format, sink, &ids, guard)?;
        out.write_all(&ids)?;
        out.finish()?.flush()?;
        Ok::<_, io::Error>(ids)
    })
    .await
    .map_err(|e| AppError::Internal(format!("the export stopped: {e}")))?;
    let ids = match written {
        Ok(ids) => ids,
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Err(e) => return Err(AppError::io("cannot write identities")(e)),
    };
    let target = match (pending, output) {
        (Some(pending), Some(path)) => {
            pending.commit().map_err(AppError::io(cannot(path)))?;
            files::absolute(path).display().to_string()
        }
        _ => "standard output".to_string(),
    };
    errln!("{}", identities::summary(&ids, &target));
    if let Some(e) = worst {
        return Err(AppError::Reported(e.exit_code()));
    }
    let flagged: Vec<&str> = fail_on
        .iter()
        .filter(|f| ids.counts().of(*f) > 0)
        .map(|f| f.id())
        .collect();
    if !flagged.is_empty() {
        errln!("--fail-on: people are flagged {}", flagged.join(", "));
        return Ok(exit::TEST_FAILED);
    }
    Ok(exit::OK)
}

/// Reads profile `name` into a part of its own (its text in an unnamed temporary file).
async fn read_one(
    services: &Services,
    all: &ploy_core::profile::Profiles,
    name: &str,
    mut progress: Progress,
) -> Result<Read, AppError> {
    let profile = all.get(name)?.clone();
    let mut part = Part::spilled(name, profile.integration).map_err(AppError::io(
        "cannot make a temporary file for the users read",
    ))?;
    let failed = |f| AppError::Failed(Diagnosed::new(f, name, Some(profile.integration)));
    let above = progress.clone();
    let notify: Notify = Arc::new(move |HttpNotice::Waiting { status, wait }| {
        above.say(|| super::print::waiting(status, wait));
    });
    let source = SecretSource::Vault(&services.vault);
    let mut opened = match session::open(name, &profile, &source, Some(notify)).await {
        Ok(s) => s,
        Err(f) => {
            part.state.failure = Some(f.clone());
            let _ = part.seal();
            progress.finish();
            return Ok(Read {
                part,
                failed: Some(failed(f)),
            });
        }
    };
    progress.start();
    let mut step = |p: ReadProgress| match p {
        ReadProgress::Entitlements { kind, done, total } => {
            progress.say_progress(kind.plural(), done, total);
        }
        ReadProgress::Users { read, total } => progress.page(read, total),
    };
    let result = identities::read_profile(&mut opened.connector, &mut part, false, &mut step).await;
    progress.finish();
    let failed = match result {
        Ok(()) => None,
        Err(ReadError::Source(f)) => Some(failed(f)),
        Err(ReadError::Local(e)) => {
            return Err(AppError::io("cannot keep the users read")(e));
        }
    };
    Ok(Read { part, failed })
}
