//! Where line mode's lines go. A reader that went away (`| head`, a closed pipe) ends the
//! program quietly with the status a shell expects of it (128 + SIGPIPE), instead of the
//! panic `println!` would raise — a panic unwinds into the runtime, which then waits for
//! every blocking worker, a stuck keyring call included.

use std::io::{ErrorKind, Write};

/// A line on standard output, as given (callers make it safe first).
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    finish(
        writeln!(out, "{text}").and_then(|()| out.flush()),
        "standard output",
    );
}

/// A line on standard error, as given.
pub fn err_line(text: &str) {
    let mut err = std::io::stderr().lock();
    finish(
        writeln!(err, "{text}").and_then(|()| err.flush()),
        "standard error",
    );
}

/// A JSON document on standard output, encoded by the core (scrubbed, escaped by the encoder
/// alone — never defused again afterwards, which would make it invalid).
pub fn json(value: &serde_json::Value) {
    line(&ploy_core::text::json(value));
}

/// `json`, indented.
pub fn json_pretty(value: &serde_json::Value) {
    line(&ploy_core::text::json_pretty(value));
}

fn finish(written: std::io::Result<()>, what: &str) {
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => crate::signals::broken_pipe(),
        Err(e) => {
            if what != "standard error" {
                let _ = writeln!(
                    std::io::stderr(),
                    "ploy-connect: cannot write to {what}: {e}"
                );
            }
            crate::signals::cannot_write()
        }
    }
}
