//! `users NAME`: every page streamed to CSV or JSON; a file is replaced only when complete,
//! and a signal mid-export leaves the previous file and no temporary one.

use std::io::{self, IsTerminal, Write};

use std::sync::Arc;

use ploy_core::app::{AppError, Diagnosed, Services, exit};
use ploy_core::diagnose::Failure;
use ploy_core::files::{self, PendingFile, Replace};
use ploy_core::http::{HttpNotice, Notify};
use ploy_core::session::{self, SecretSource};
use ploy_core::users::{self, EntitlementColumns, ExportFormat, ExportOptions, Exporter};

use super::progress::Progress;
use super::prompt::Prompter;
use crate::cli::UsersArgs;
use crate::signals::Shutdown;

/// Why an export stopped: the tenant, our own output, or a signal.
enum Stop {
    Source(Failure),
    Write(io::Error),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Stop::Source(f)
    }
}

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    args: UsersArgs,
    shutdown: Shutdown,
) -> Result<u8, AppError> {
    // A contradiction in the command line fails before anything is read or asked.
    let target =
        users::target::export_target(args.output.as_deref(), args.format.map(ExportFormat::from))
            .map_err(|e| AppError::Usage(e.to_string()))?;
    let once = super::sources::this_run(services, p, args.profile.as_deref(), &args.once)?;
    let (name, profile, source, unsaved) = match &once {
        Some(once) => (
            once.name.as_str(),
            once.profile.clone(),
            once.source(),
            once.unsaved,
        ),
        None => {
            let name = args.profile.as_deref().unwrap_or_default();
            let profile = services.store.load()?.get(name)?.clone();
            (name, profile, SecretSource::Vault(&services.vault), false)
        }
    };
    let failed = |f: Failure| {
        let d = Diagnosed::new(f, name, Some(profile.integration));
        AppError::Failed(if unsaved { d.for_new_profile() } else { d })
    };
    let format = target.format;
    let output = target.path.as_ref();
    // A bar on the terminal the users are written to would tear their lines.
    let shown = io::stderr().is_terminal() && (output.is_some() || !io::stdout().is_terminal());
    let mut progress = Progress::new(shown);
    let above = progress.clone();
    let notify: Notify = Arc::new(move |HttpNotice::Waiting { status, wait }| {
        above.say(|| super::print::waiting(status, wait));
    });
    let mut opened = session::open(name, &profile, &source, Some(notify))
        .await
        .map_err(failed)?;

    let (sink, pending): (Box<dyn Write + Send>, Option<PendingFile>) = match output {
        None => (Box::new(io::BufWriter::new(io::stdout())), None),
        Some(path) => {
            let cannot = || format!("cannot write {}", files::absolute(path).display());
            let pending =
                PendingFile::create(path, Replace::Allow).map_err(AppError::io(cannot()))?;
            let file = pending.writer().map_err(AppError::io(cannot()))?;
            (Box::new(io::BufWriter::new(file)), Some(pending))
        }
    };
    let columns = match (args.no_entitlements, args.entitlement_rows, format) {
        (true, _, _) => EntitlementColumns::Off,
        (false, true, ExportFormat::Csv) => EntitlementColumns::PerGrant,
        _ => EntitlementColumns::PerUser,
    };
    let options = ExportOptions {
        entitlements: columns,
        guard_formulas: !args.keep_formulas,
    };
    // Entitlements read apart from the users (Okta's) come first: each user is written once,
    // with all of them, and a failure leaves no file.
    let read = if args.no_entitlements {
        None
    } else {
        let above = progress.clone();
        let mut step = move |p: ploy_core::connector::okta::Progress| {
            above.say_progress(p.kind.plural(), p.done, p.total);
        };
        session::read_entitlements(&mut opened.connector, &mut step)
            .await
            .map_err(failed)?
    };
    let mut exporter = Exporter::with_options(format, sink, options)
        .map_err(AppError::io("cannot write users"))?;
    let mut total = None;
    let mut deactivated = 0u64;
    let mut inline = 0u64;
    progress.start();
    let _listening = shutdown.listen();
    let mut stop = shutdown.clone();
    let export = session::for_each_page(&mut opened.connector, |page| {
        total = total.or(page.total);
        deactivated += page
            .users
            .iter()
            .filter(|u| u.status == users::UserStatus::Deprovisioned)
            .count() as u64;
        inline += page
            .users
            .iter()
            .map(|u| u.access.len() as u64)
            .sum::<u64>();
        exporter
            .write_with(&page.users, read.as_ref())
            .map_err(Stop::Write)?;
        progress.page(exporter.written(), total);
        if let Some(w) = &page.warning {
            progress.say(|| errln!("  warning: {w}"));
        }
        Ok(())
    });
    let result = tokio::select! {
        r = export => Some(r),
        _ = stop.recv() => None,
    };
    progress.finish();
    drop(opened);
    let count = match result {
        // A signal: the pending file is dropped (and removed) on the way out.
        None => {
            let signal = shutdown.requested();
            let by = signal.map_or("a signal", |s| s.name);
            match output {
                Some(path) => errln!("Stopped by {by}; {} was not changed.", path.display()),
                None => errln!("Stopped by {by}."),
            }
            return Err(AppError::Reported(
                signal.map_or(exit::TEST_FAILED, |s| s.exit_code()),
            ));
        }
        Some(Ok(n)) => n,
        Some(Err(Stop::Source(f))) => return Err(failed(f)),
        // A reader that stopped early (`| head`) is not an error.
        Some(Err(Stop::Write(e))) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Some(Err(Stop::Write(e))) => return Err(AppError::io("cannot write users")(e)),
    };
    match exporter.finish().and_then(|mut w| w.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        other => other.map_err(AppError::io("cannot write users"))?,
    }
    let target = match (pending, output) {
        (Some(pending), Some(path)) => {
            pending.commit().map_err(AppError::io(format!(
                "cannot write {}",
                files::absolute(path).display()
            )))?;
            files::absolute(path).display().to_string()
        }
        _ => "standard output".to_string(),
    };
    let (grants, caveats) = match (&read, args.no_entitlements) {
        (_, true) => (None, Vec::new()),
        (Some(e), false) => (Some(e.total() + inline), e.caveats()),
        (None, false) => (Some(inline), Vec::new()),
    };
    errln!(
        "{}",
        ploy_core::entitlements::export_summary(count, deactivated, grants, &caveats, &target)
    );
    Ok(exit::OK)
}
