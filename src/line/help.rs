//! `completions SHELL` and `man`: generated from the one command-line definition, so they
//! never disagree with `--help`.

use std::io::Write;

use ploy_core::app::{AppError, exit};

pub fn completions(shell: clap_complete::Shell) -> Result<u8, AppError> {
    let mut cmd = crate::cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ploy-connect", &mut out);
    write_out(&out)
}

pub fn man() -> Result<u8, AppError> {
    let mut out = Vec::new();
    crate::docs::render_man(crate::cli::command(), None, &mut out)
        .map_err(AppError::io("cannot render the manual page"))?;
    write_out(&out)
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
