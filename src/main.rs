//! The binary: parse the command line, pick the face and the secret store, run one command,
//! map the result to an exit code. No logic lives here.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};

use ploy_connect::cli::{Cli, Command, SetupIntegration, scenario_help};
use ploy_connect::integration::Integration;
use ploy_connect::logging;
use ploy_connect::plain::{self, Ctx, PlainError, SetupKind, exit};
use ploy_connect::profile::ProfileStore;
use ploy_connect::secret::{KeyringStore, Vault};
use ploy_connect::tui::{self, Services, Start};

fn main() -> ExitCode {
    let command = Cli::command().mut_subcommand("emulator", |c| c.after_help(scenario_help()));
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

/// The full-screen face needs a person at a terminal (and no --plain).
fn tui_possible(plain: bool) -> bool {
    !plain
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

async fn run(cli: Cli, log_file: Option<std::path::PathBuf>) -> Result<u8, PlainError> {
    let tui_ok = tui_possible(cli.plain);
    let command = match cli.command {
        Some(Command::Emulator(args)) => return plain::emulator(args).await,
        Some(Command::Demo(args)) => return demo(args.users, tui_ok).await,
        other => other,
    };
    let dir = cli
        .config_dir
        .or_else(ProfileStore::default_dir)
        .ok_or_else(|| {
            PlainError::Usage("cannot find a config directory; pass --config-dir".into())
        })?;
    let ctx = Ctx::new(ProfileStore::new(dir), Vault::new(Arc::new(KeyringStore)));
    let services = || Services {
        store: ctx.store.clone(),
        vault: ctx.vault.clone(),
    };
    match command {
        None if tui_ok => tui::run(services(), Start::Home, None).await,
        None => {
            let _ = Cli::command().print_help();
            Ok(exit::USAGE)
        }
        Some(Command::Setup(args)) => match args.integration {
            None if tui_ok => tui::run(services(), Start::Wizard(None), None).await,
            None => Err(PlainError::Usage(
                "choose what to set up: ploy-connect setup onetrust | setup okta (see --help)"
                    .into(),
            )),
            Some(SetupIntegration::OneTrust(a))
                if tui_ok && a.common.is_bare() && !a.client_secret_stdin =>
            {
                tui::run(services(), Start::Wizard(Some(Integration::OneTrust)), None).await
            }
            Some(SetupIntegration::Okta(a))
                if tui_ok
                    && a.common.is_bare()
                    && a.key.is_empty()
                    && !a.dpop
                    && !a.no_dpop
                    && a.scopes.is_none() =>
            {
                tui::run(services(), Start::Wizard(Some(Integration::Okta)), None).await
            }
            Some(SetupIntegration::OneTrust(a)) => {
                let kind = SetupKind::OneTrust {
                    secret_stdin: a.client_secret_stdin,
                };
                plain::setup(&ctx, a.common, kind).await
            }
            Some(SetupIntegration::Okta(mut a)) => {
                let common = std::mem::take(&mut a.common);
                plain::setup(&ctx, common, SetupKind::Okta(Box::new(a))).await
            }
        },
        Some(Command::Test(a)) => plain::test(&ctx, &a.profile, a.json).await,
        Some(Command::Rotate(a)) => plain::rotate(&ctx, a).await,
        Some(Command::Users(a)) => plain::users(&ctx, a).await,
        Some(Command::Profiles(cmd)) => plain::profiles(&ctx, cmd, log_file.as_deref()).await,
        Some(Command::Emulator(_) | Command::Demo(_)) => Ok(exit::OK),
    }
}

/// The demo in the TUI, or — without a terminal — its profiles tested in line mode.
async fn demo(users: usize, tui_ok: bool) -> Result<u8, PlainError> {
    let demo = ploy_connect::demo::prepare(users).await?;
    if tui_ok {
        return tui::run(
            demo.services.clone(),
            Start::Home,
            Some(demo.banner.clone()),
        )
        .await;
    }
    println!("{}", demo.banner);
    let ctx = Ctx::new(demo.services.store.clone(), demo.services.vault.clone());
    for name in &demo.profiles {
        plain::test(&ctx, name, false).await?;
        println!();
    }
    println!(
        "(No terminal: the demo ran its connection tests in line mode. On a terminal it opens the full-screen view.)"
    );
    Ok(exit::OK)
}
