//! `test NAME`: one line per step as it finishes, or one JSON object.

use tokio::sync::mpsc;

use ploy_core::app::{AppError, Services};
use ploy_core::check::{self, CheckEvent, Report};

use super::print;

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

/// The last line of a run.
pub fn print_outcome(report: &Report, json: bool) {
    if json {
        super::out::json(&report.to_json());
    } else if report.ok {
        outln!("Connection OK: {}.", report.users_summary());
    } else {
        outln!("Connection test failed.");
    }
}

pub async fn run(services: &Services, name: &str, json: bool) -> Result<u8, AppError> {
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
    Ok(ran.report.exit_code())
}
