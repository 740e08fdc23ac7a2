//! The binary: parse the command line, pick the secret store, run one command, map the result
//! to an exit code. No logic lives here.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};

use ploy_connect::cli::{Cli, Command, SetupIntegration, scenario_help};
use ploy_connect::logging;
use ploy_connect::plain::{self, Ctx, PlainError, SetupKind, exit};
use ploy_connect::profile::ProfileStore;
use ploy_connect::secret::{KeyringStore, Vault};

fn main() -> ExitCode {
    let mut command = Cli::command();
    command = command.mut_subcommand("emulator", |c| c.after_help(scenario_help()));
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let log_file = logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ploy-connect: cannot start: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let result = runtime.block_on(run(cli, log_file));
    // A keyring call that timed out may still be blocked on its worker; do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(message) = e.message() {
                eprintln!("ploy-connect: {message}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli, log_file: Option<std::path::PathBuf>) -> Result<u8, PlainError> {
    let Some(command) = cli.command else {
        let mut help = Cli::command();
        let _ = help.print_help();
        return Ok(exit::USAGE);
    };
    if let Command::Emulator(args) = command {
        return plain::emulator(args).await;
    }
    let dir = cli
        .config_dir
        .or_else(ProfileStore::default_dir)
        .ok_or_else(|| {
            PlainError::Usage("cannot find a config directory; pass --config-dir".into())
        })?;
    let ctx = Ctx::new(ProfileStore::new(dir), Vault::new(Arc::new(KeyringStore)));
    match command {
        Command::Setup(args) => match args.integration {
            SetupIntegration::OneTrust(a) => {
                let kind = SetupKind::OneTrust {
                    secret_stdin: a.client_secret_stdin,
                };
                plain::setup(&ctx, a.common, kind).await
            }
            SetupIntegration::Okta(mut a) => {
                let common = std::mem::take(&mut a.common);
                plain::setup(&ctx, common, SetupKind::Okta(Box::new(a))).await
            }
        },
        Command::Test(a) => plain::test(&ctx, &a.profile, a.json).await,
        Command::Rotate(a) => plain::rotate(&ctx, a).await,
        Command::Users(a) => plain::users(&ctx, a).await,
        Command::Profiles(cmd) => plain::profiles(&ctx, cmd, log_file.as_deref()).await,
        Command::Emulator(_) => Ok(exit::OK),
    }
}
