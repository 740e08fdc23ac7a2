//! The binary: parse the command line, pick the face and the secret store, run one command,
//! map the result to an exit code. No logic lives here.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::FromArgMatches;

use ploy_connect::cli::{Cli, Command, SetupIntegration, TuiStart};
use ploy_connect::line::{self, print, prompt::Terminal, setup::Kind};
use ploy_connect::signals::{self, Shutdown};
use ploy_connect::tui::{self, Start};
use ploy_connect::{logging, terminal};
use ploy_core::app::{AppError, Services, commits_settled, exit};
use ploy_core::profile::ProfileStore;
use ploy_core::secret::Vault;

fn main() -> ExitCode {
    ploy_connect::allocator::tune();
    // A shell asking for completions gets them and nothing else.
    ploy_connect::cli::complete_if_asked();
    ploy_core::private::no_core_dumps();
    ploy_core::secret::ensure_session_keyring();
    let cmd = ploy_connect::cli::command();
    let matches = cmd.clone().get_matches();
    let start = ploy_connect::cli::tui_start(&cmd, &matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Every command suggested from here on names the same config dir and keyring.
    ploy_core::suggest::set_invocation(ploy_core::suggest::Invocation {
        config_dir: cli.config_dir.clone(),
        secret_store: cli.secret_store,
    });
    terminal::remember_settings();
    let log_file = logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ploy-connect: cannot start: {e}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let shutdown = signals::install();
            let result = run(cli, start, log_file, shutdown).await;
            // A change started by a task (the TUI saves on one) finishes before we leave.
            commits_settled(Duration::from_secs(10)).await;
            result
        })
    }));
    // A keyring call that timed out may still be blocked on its worker; do not wait for it —
    // not even after a panic, whose unwinding would otherwise drop the runtime and join it.
    runtime.shutdown_background();
    ploy_core::files::remove_pending();
    match ran {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            print::error(&e);
            ExitCode::from(e.exit_code())
        }
        // The panic message is out (and the terminal restored, by the guard's hook).
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

/// The full-screen face needs a person at a terminal (and no --plain).
fn tui_possible(plain: bool) -> bool {
    !plain
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

async fn run(
    cli: Cli,
    start: Option<TuiStart>,
    log_file: Option<std::path::PathBuf>,
    shutdown: Shutdown,
) -> Result<u8, AppError> {
    let tui_ok = tui_possible(cli.plain);
    // The face is decided once, from what was parsed (`cli::tui_start`).
    let start = start.filter(|_| tui_ok).map(|s| match s {
        TuiStart::Home => Start::Home,
        TuiStart::Wizard(i) => Start::Wizard(i),
    });
    let command = match cli.command {
        Some(Command::Completions { shell }) => return line::help::completions(shell),
        Some(Command::Man { out_dir }) => return line::help::man(out_dir.as_deref()),
        Some(Command::Emulator(args)) => return line::emulator::run(args, shutdown).await,
        Some(Command::Demo(args)) => return demo(args.users, tui_ok, shutdown).await,
        other => other,
    };
    let dir = cli
        .config_dir
        .or_else(ProfileStore::default_dir)
        .ok_or_else(|| {
            AppError::Usage("cannot find a config directory; pass --config-dir".into())
        })?;
    let services = Services {
        store: ProfileStore::new(dir),
        vault: Vault::platform(cli.secret_store),
    };
    let mut prompter = Terminal::new();
    let p = &mut prompter;
    if let Some(start) = start {
        return tui::run(services, start, None, shutdown).await;
    }
    match command {
        None => {
            let _ = ploy_connect::cli::command().print_help();
            Ok(exit::USAGE)
        }
        Some(Command::Setup(args)) => match args.integration {
            None => line::setup::choose_and_run(&services, p).await,
            Some(SetupIntegration::OneTrust(a)) => {
                let kind = Kind::OneTrust {
                    secret_stdin: a.client_secret_stdin,
                };
                line::setup::run(&services, p, a.common, kind).await
            }
            Some(SetupIntegration::Okta(mut a)) => {
                let common = std::mem::take(&mut a.common);
                line::setup::run(&services, p, common, Kind::Okta(Box::new(a))).await
            }
        },
        Some(Command::Test(a)) => line::test::run(&services, p, &a).await,
        Some(Command::Rotate(a)) => line::rotate::run(&services, p, a).await,
        Some(Command::Users(a)) => line::users::run(&services, p, a, shutdown).await,
        Some(Command::Identities(a)) => line::identities::run(&services, a, shutdown).await,
        Some(Command::Status(a)) => line::status::run(&services, &a).await,
        Some(Command::Keys(cmd)) => line::keys::run(&services, cmd).await,
        Some(Command::Profiles(cmd)) => {
            line::profiles::run(&services, p, cmd, log_file.as_deref()).await
        }
        Some(
            Command::Emulator(_)
            | Command::Demo(_)
            | Command::Completions { .. }
            | Command::Man { .. },
        ) => Ok(exit::OK),
    }
}

/// The demo in the TUI, or — without a terminal — its profiles tested in line mode.
async fn demo(users: usize, tui_ok: bool, shutdown: Shutdown) -> Result<u8, AppError> {
    let demo = ploy_connect::demo::prepare(users).await?;
    if tui_ok {
        let face = tui::Demo {
            banner: demo.banner.clone(),
            add_okta_key: demo.okta_admin(),
            marked: ploy_connect::demo::OVERLAPPING
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        return tui::run(demo.services.clone(), Start::Home, Some(face), shutdown).await;
    }
    line::out::line(&demo.banner);
    for name in &demo.profiles {
        line::test::run_stored(&demo.services, name, false).await?;
        line::out::line("");
    }
    line::out::line(
        "(No terminal: the demo ran its connection tests in line mode. On a terminal it opens the full-screen view.)",
    );
    Ok(exit::OK)
}
