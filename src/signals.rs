//! The one signal handler for the whole program. INT, TERM, HUP and QUIT (and USR1, USR2 and
//! ALRM, whose default action would kill us with the terminal still raw) are caught once.
//! Work that can stop cleanly (the TUI loop, an export) listens through `Shutdown` and ends
//! itself; otherwise — a blocking prompt, say — the handler restores the terminal, removes
//! half-written files and exits at once with 128 + the signal number.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// How long cooperating work gets to stop before the handler exits for it.
const GRACE: Duration = Duration::from_secs(3);

/// How long a keyring-and-profile change in flight may hold the exit.
const COMMIT_WAIT: Duration = Duration::from_secs(10);

/// Parts of the program listening for a shutdown right now.
static LISTENERS: AtomicUsize = AtomicUsize::new(0);

/// A signal that asks us to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub name: &'static str,
    pub number: i32,
}

impl Signal {
    /// The conventional exit code of a process stopped by this signal.
    pub fn exit_code(self) -> u8 {
        (128 + self.number).clamp(0, 255) as u8
    }
}

/// Where a shutdown request arrives.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<Option<Signal>>);

/// Counts a listener while alive; dropping it means "nobody is listening here any more".
pub struct Listening(());

impl Drop for Listening {
    fn drop(&mut self) {
        LISTENERS.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shutdown {
    /// Declares that the caller will end its work when a signal arrives.
    pub fn listen(&self) -> Listening {
        LISTENERS.fetch_add(1, Ordering::SeqCst);
        Listening(())
    }

    /// The signal received so far, if any.
    pub fn requested(&self) -> Option<Signal> {
        *self.0.borrow()
    }

    /// Waits for a signal.
    pub async fn recv(&mut self) -> Signal {
        loop {
            if let Some(s) = *self.0.borrow_and_update() {
                return s;
            }
            if self.0.changed().await.is_err() {
                // The handler is gone (no runtime for it): nothing will ever arrive.
                std::future::pending::<()>().await;
            }
        }
    }

    /// A shutdown that never fires, for tests and callers without a handler.
    pub fn never() -> Self {
        let (tx, rx) = watch::channel(None);
        // Keep the sender alive for the program's life so `recv` waits rather than ends.
        std::mem::forget(tx);
        Shutdown(rx)
    }
}

/// Installs the handler; call once, inside the runtime.
pub fn install() -> Shutdown {
    let (tx, rx) = watch::channel(None);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            ("SIGINT", SignalKind::interrupt()),
            ("SIGTERM", SignalKind::terminate()),
            ("SIGHUP", SignalKind::hangup()),
            ("SIGQUIT", SignalKind::quit()),
            ("SIGUSR1", SignalKind::user_defined1()),
            ("SIGUSR2", SignalKind::user_defined2()),
            ("SIGALRM", SignalKind::alarm()),
        ];
        let mut streams = Vec::new();
        for (name, kind) in kinds {
            if let Ok(s) = signal(kind) {
                streams.push((name, kind.as_raw_value(), s));
            }
        }
        tokio::spawn(async move {
            let waits = streams.iter_mut().map(|(name, number, s)| {
                let (name, number) = (*name, *number);
                Box::pin(async move {
                    s.recv().await;
                    Signal { name, number }
                })
            });
            if waits.len() == 0 {
                return;
            }
            let (signal, _, _) = futures_util::future::select_all(waits).await;
            tracing::info!(signal = signal.name, "signal received");
            stop(&tx, signal).await;
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let signal = Signal {
                    name: "Ctrl-C",
                    number: 2,
                };
                stop(&tx, signal).await;
            }
        });
    }
    Shutdown(rx)
}

/// Tells the listeners and gives them `GRACE` to end the program themselves; otherwise (or
/// when nobody listens) leaves at once.
async fn stop(tx: &watch::Sender<Option<Signal>>, signal: Signal) -> ! {
    // Read before telling them: a listener that stops quickly must not look like none.
    let cooperative = LISTENERS.load(Ordering::SeqCst) > 0;
    let _ = tx.send(Some(signal));
    if cooperative {
        tokio::time::sleep(GRACE).await;
    }
    // A secret half stored (keyring written, profile not yet) is finished first.
    ploy_core::app::commits_settled(COMMIT_WAIT).await;
    exit_now(signal)
}

/// The reader of our output went away: leave as a process stopped by SIGPIPE would, without
/// waiting for anything still running (a keyring call stuck on its worker, say).
pub fn broken_pipe() -> ! {
    exit_now(Signal {
        name: "SIGPIPE",
        number: 13,
    })
}

/// Output cannot be written for another reason (a full disk): leave with the internal-error
/// code, without waiting for anything still running.
pub fn cannot_write() -> ! {
    crate::terminal::restore();
    ploy_core::files::remove_pending();
    std::process::exit(i32::from(ploy_core::app::exit::INTERNAL))
}

/// Leaves now: terminal restored, half-written files removed.
fn exit_now(signal: Signal) -> ! {
    crate::terminal::restore();
    ploy_core::files::remove_pending();
    std::process::exit(i32::from(signal.exit_code()))
}
