//! `emulator`: serves the emulated tenants until a signal.

use std::io::Write;

use ploy_core::app::{AppError, exit};
use ploy_emulator::{EmulatorConfig, EmulatorError, start, write_credentials};

use crate::cli::EmulatorArgs;
use crate::signals::Shutdown;

pub async fn run(args: EmulatorArgs, mut shutdown: Shutdown) -> Result<u8, AppError> {
    let config = EmulatorConfig {
        users: args.users,
        scenarios: args.scenarios.clone(),
        seed: args.seed,
        network: ploy_emulator::Network {
            latency: args.latency.0,
            jitter: args.latency.1,
            bandwidth: args.bandwidth.map(|mbit| mbit * 1_000_000 / 8),
        },
        ..EmulatorConfig::default()
    };
    let running = start(args.bind, &config).await.map_err(|e| match e {
        EmulatorError::NotLoopback(_) => AppError::Usage(e.to_string()),
        other => AppError::Internal(other.to_string()),
    })?;
    if let Some(path) = &args.credentials_out {
        write_credentials(path, &running.credentials)
            .map_err(|e| AppError::Usage(e.to_string()))?;
    }
    // Whoever started us may stop reading stdout after the first line; that must not stop us.
    let mut out = std::io::stdout().lock();
    let mut lines = vec![
        format!("ploy-connect emulator listening on http://{}", running.addr),
        format!(
            "  OneTrust tenant and Okta org: host {}, {} users each",
            running.credentials.onetrust.host, args.users
        ),
    ];
    if let Some(path) = &args.credentials_out {
        lines.push(format!("  credentials: {}", path.display()));
    }
    lines.extend(args.scenarios.iter().map(|s| format!("  scenario: {s}")));
    lines.push("Press Ctrl-C to stop.".into());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);
    let _listening = shutdown.listen();
    shutdown.recv().await;
    running.stop().await;
    Ok(exit::OK)
}
