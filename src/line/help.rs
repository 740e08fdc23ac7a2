//! `completions SHELL` and `man`: generated from the one command-line definition, so they
//! never disagree with `--help`.

use std::io::Write;
use std::path::{Path, PathBuf};

use ploy_core::app::{AppError, exit};
use ploy_core::files::{PendingFile, Replace};

/// The shell's side of completion: a script that asks `ploy-connect` itself (found on PATH)
/// for the candidates as each word is completed (clap_complete's dynamic completion), so
/// subcommands, flags, values and the profiles of the config dir on the line all complete,
/// and a script installed once never disagrees with the binary.
pub fn completions(shell: clap_complete::Shell) -> Result<u8, AppError> {
    use clap_complete::Shell;
    use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
    let adapter: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        Shell::PowerShell => &Powershell,
        other => {
            return Err(AppError::Usage(format!(
                "no completion for {other}; bash, zsh, fish, elvish and powershell have one"
            )));
        }
    };
    let name = ploy_core::suggest::PROGRAM;
    let mut out = Vec::new();
    adapter
        .write_registration(crate::cli::COMPLETE_VAR, name, name, name, &mut out)
        .map_err(AppError::io("cannot write the completion script"))?;
    write_out(&out)
}

/// The top page on standard output, or with `out_dir` one page per command there, named as
/// the pages refer to each other (`ploy-connect-setup.1`, `ploy-connect-profiles-list.1`), so
/// `man ploy-connect-setup` works once they are installed.
pub fn man(out_dir: Option<&Path>) -> Result<u8, AppError> {
    let mut cmd = without_help_command(crate::cli::command());
    // Gives every subcommand its page name ("ploy-connect-setup"), which the SUBCOMMANDS
    // section refers to.
    cmd.build();
    match out_dir {
        None => write_out(&single_page(&cmd)?),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(AppError::io(format!("cannot create {}", dir.display())))?;
            let mut written = Vec::new();
            write_pages(&cmd, dir, &mut Vec::new(), &mut written)?;
            let list: Vec<u8> = written
                .iter()
                .flat_map(|p| format!("{}\n", p.display()).into_bytes())
                .collect();
            write_out(&list)
        }
    }
}

/// The top page alone: its SUBCOMMANDS name the commands (`ploy-connect setup`), not pages
/// (`ploy-connect-setup(1)`) that only `--out-dir` writes.
fn single_page(cmd: &clap::Command) -> Result<Vec<u8>, AppError> {
    let mut text = String::from_utf8_lossy(&page(cmd, &[])?).into_owned();
    let top = page_name(cmd).replace('-', "\\-");
    for sub in cmd.get_subcommands() {
        let name = sub.get_name().replace('-', "\\-");
        text = text.replace(&format!("{top}\\-{name}(1)"), &format!("{top} {name}"));
    }
    Ok(text.into_bytes())
}

/// `help` is a command clap adds, not one with a page of its own; left in, every page that
/// lists subcommands would refer to a `…-help(1)` that does not exist.
fn without_help_command(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    names
        .iter()
        .fold(cmd.disable_help_subcommand(true), |cmd, name| {
            cmd.mut_subcommand(name, without_help_command)
        })
}

fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// The words `docs` knows `cmd`'s reference by ("profiles list"; a vendor's setup is setup),
/// `None` for the top page.
fn doc_path(above: &[String], cmd: &clap::Command) -> Option<String> {
    let words: Vec<&str> = above
        .iter()
        .skip(1)
        .map(|page| page.rsplit('-').next().unwrap_or(page))
        .chain(std::iter::once(cmd.get_name()))
        .collect();
    match words.as_slice() {
        [] | ["ploy-connect"] if above.is_empty() => None,
        ["setup", ..] => Some("setup".to_string()),
        _ => Some(words.join(" ")),
    }
}

/// `cmd`'s page, ending with SEE ALSO naming the pages of the commands above it.
fn page(cmd: &clap::Command, above: &[String]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    crate::docs::render_man(cmd.clone(), doc_path(above, cmd).as_deref(), &mut out)
        .map_err(AppError::io("cannot render the manual page"))?;
    if !above.is_empty() {
        let mut refs = Vec::new();
        for (i, name) in above.iter().enumerate() {
            if i > 0 {
                refs.push(roff::roman(", "));
            }
            refs.push(roff::bold(name.as_str()));
            refs.push(roff::roman("(1)"));
        }
        let mut see_also = roff::Roff::new();
        see_also.control("SH", ["SEE ALSO"]).text(refs);
        // `to_roff`: the page's preamble is already at its top.
        out.extend_from_slice(see_also.to_roff().as_bytes());
    }
    Ok(out)
}

fn write_pages(
    cmd: &clap::Command,
    dir: &Path,
    above: &mut Vec<String>,
    written: &mut Vec<PathBuf>,
) -> Result<(), AppError> {
    let name = page_name(cmd);
    let path = dir.join(format!("{name}.1"));
    write_page(&path, &page(cmd, above)?)
        .map_err(AppError::io(format!("cannot write {}", path.display())))?;
    written.push(path);
    above.push(name);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, above, written)?;
    }
    above.pop();
    Ok(())
}

/// Replaced whole, never through a link (as exports are), and readable by everyone: a man
/// page is documentation, often installed by root for all users.
fn write_page(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let pending = PendingFile::create(path, Replace::Allow)?;
    let mut file = pending.writer()?;
    file.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    pending.commit()
}

fn write_out(bytes: &[u8]) -> Result<u8, AppError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // `| head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        other => other
            .map(|()| exit::OK)
            .map_err(AppError::io("cannot write to standard output")),
    }
}
