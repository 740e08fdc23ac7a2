//! `test NAME`: one line per step as it finishes, or one JSON object.

use tokio::sync::mpsc;

use ploy_core::app::{AppError, Services};
use ploy_core::check::{self, CheckEvent, Report};

use ploy_core::setup::this_run::ThisRun;

use super::print;
use super::prompt::Prompter;
use crate::cli::TestArgs;

/// Prints steps as they arrive until the sender is dropped.
pub async fn print_steps(mut rx: mpsc::UnboundedReceiver<CheckEvent>, json: bool) {
    while let Some(event) = rx.recv().await {
        match event {
            CheckEvent::Finished(step) if !json => print::step(&step),
            // Even with --json the wait is told on stderr: a silent minute looks like a hang.
            CheckEvent::Waiting { status, wait } => print::waiting(status, wait),
            _ => {}
        }
    }
}

/// The last lines of a run: warnings and notes, then the verdict.
pub fn print_outcome(report: &Report, json: bool) {
    if json {
        super::out::json(&report.to_json());
    } else if report.ok {
        print::privileges(&report.privileges);
        if report.privileges.warnings.is_empty() {
            outln!("Connection OK: {}.", report.users_summary());
        } else {
            outln!(
                "Connection OK: {}; {} (--strict fails on them).",
                report.users_summary(),
                report.privileges.count()
            );
        }
    } else {
        outln!("Connection test failed.");
    }
}

pub async fn run(
    services: &Services,
    p: &mut dyn Prompter,
    args: &TestArgs,
) -> Result<u8, AppError> {
    let json = args.json;
    let report = match super::sources::this_run(services, p, args.profile.as_deref(), &args.once)? {
        Some(once) => run_once(&once, json).await?,
        None => match &args.profile {
            Some(name) => run_stored(services, name, json).await?,
            None => return Err(AppError::Usage("name a profile to test".into())),
        },
    };
    Ok(report.exit_code_strict(args.strict))
}

/// A test with a secret given for this run: nothing is stored or remembered.
async fn run_once(once: &ThisRun, json: bool) -> Result<Report, AppError> {
    if !json {
        outln!(
            "Testing {} ({} at {}) with a secret for this run only; nothing is stored",
            if once.unsaved {
                "the settings given".to_string()
            } else {
                format!("\"{}\"", once.name)
            },
            once.profile.integration,
            once.profile.host
        );
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let run = async {
        let report = check::run(&once.name, &once.profile, &once.source(), Some(&tx)).await;
        drop(tx);
        report
    };
    let (report, ()) = tokio::join!(run, print_steps(rx, json));
    print_outcome(&report, json);
    Ok(report)
}

/// Tests stored profile `name`, printing as it goes; the report, for the exit code.
pub async fn run_stored(services: &Services, name: &str, json: bool) -> Result<Report, AppError> {
    let profile = services.store.load()?.get(name)?.clone();
    if !json {
        outln!(
            "Testing \"{name}\" ({} at {})",
            profile.integration,
            profile.host
        );
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let run = async {
        let ran = check::run_and_remember(services, name, Some(&tx)).await;
        drop(tx);
        ran
    };
    let (ran, ()) = tokio::join!(run, print_steps(rx, json));
    let ran = ran?;
    if let Some(e) = &ran.not_saved {
        errln!("warning: the result was not saved on the profile: {e}");
    }
    print_outcome(&ran.report, json);
    Ok(ran.report)
}
