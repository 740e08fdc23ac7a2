//! Reading one profile into a `Part`: its entitlements first where they are read apart (Okta),
//! so each account is kept once with its count, then every users page. Whatever stops the
//! read, the part keeps what was read and says why (`ReadState`), so the join can mark what
//! depends on the rest as unsure instead of flagging people wrongly.

use crate::connector::AnyConnector;
use crate::diagnose::Failure;
use crate::entitlements::{Entitlements, Kind};
use crate::session;

use super::Part;

/// How far a profile's read has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadProgress {
    /// Okta's entitlements, kind by kind.
    Entitlements { kind: Kind, done: u64, total: u64 },
    /// Users taken in, and the vendor's total when it gives one.
    Users { read: u64, total: Option<u64> },
}

/// Why a profile's read stopped: the tenant (a diagnosis), or this machine (the temporary
/// file the text goes to).
#[derive(Debug)]
pub enum ReadError {
    Source(Failure),
    Local(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Source(x) => write!(f, "{}: {}", x.code, x.detail),
            ReadError::Local(e) => write!(f, "cannot keep the users read: {e}"),
        }
    }
}

enum Stop {
    Source(Failure),
    Io(std::io::Error),
    Cap,
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Stop::Source(f)
    }
}

/// Reads every user of the profile behind `connector` into `part`, with the count of what
/// each holds; `keep` keeps the entitlements themselves for a view. An error leaves in `part`
/// what was read, its state saying why it stopped; it is returned too.
pub async fn read_profile(
    connector: &mut AnyConnector,
    part: &mut Part,
    keep: bool,
    progress: &mut (dyn FnMut(ReadProgress) + Send),
) -> Result<(), ReadError> {
    let read = {
        let mut step = |p: crate::connector::okta::Progress| {
            progress(ReadProgress::Entitlements {
                kind: p.kind,
                done: p.done,
                total: p.total,
            });
        };
        session::read_entitlements(connector, &mut step).await
    };
    let read = match read {
        Ok(Some(e)) => {
            part.state.entitlements_complete = Some(e.not_visible.is_empty() && e.dropped == 0);
            part.state.caveats = e.caveats();
            Some(e)
        }
        Ok(None) => None,
        Err(f) => {
            // The users may still be read (and joined); their counts are then partial.
            part.state.entitlements_complete = Some(false);
            part.state.caveats = vec![format!("entitlements could not be read ({})", f.code)];
            None
        }
    };
    // Entitlements read apart (Okta) stay while the users are read (about 30 bytes a user
    // and two a grant) and count each account; OneTrust's come with the user. A view keeps
    // them, OneTrust's access levels added as they come.
    let apart = read.is_some();
    let mut held = match (read, keep) {
        (None, true) => Some(Entitlements::default()),
        (read, _) => read,
    };
    let mut total = None;
    let result = session::for_each_page(connector, |page| {
        total = total.or(page.total);
        for u in &page.users {
            let n = u.access.len()
                + held
                    .as_ref()
                    .filter(|_| apart)
                    .map_or(0, |e| e.count_of(&u.id));
            if !part
                .push(u, u32::try_from(n).unwrap_or(u32::MAX))
                .map_err(Stop::Io)?
            {
                return Err(Stop::Cap);
            }
            if keep && let Some(e) = held.as_mut() {
                e.grant_all(&u.id, &u.access);
            }
        }
        progress(ReadProgress::Users {
            read: part.len() as u64,
            total,
        });
        Ok(())
    })
    .await;
    if keep && let Some(e) = held.as_mut() {
        e.finish();
        part.entitlements = held;
    }
    let sealed = part.seal();
    let outcome = match result {
        Ok(_) => {
            part.state.users_complete = true;
            sealed.map_err(ReadError::Local)
        }
        Err(Stop::Cap) => {
            part.state.capped = true;
            sealed.map_err(ReadError::Local)
        }
        Err(Stop::Source(f)) => Err(ReadError::Source(f)),
        Err(Stop::Io(e)) => Err(ReadError::Local(e)),
    };
    match &outcome {
        Err(ReadError::Source(f)) => {
            part.state.users_complete = false;
            part.state.failure = Some(f.clone());
        }
        Err(ReadError::Local(_)) => part.state.users_complete = false,
        Ok(()) => {}
    }
    outcome
}
